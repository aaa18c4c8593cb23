/*
** schema.c - compiles a draft-07 schema (an sv_value tree) into sc_node.
**
** Two passes. The index pass walks every schema position of a document,
** records each object's base URI (from "$id") and registers resources
** (documents, "$id" URIs and plain-name anchors). The compile pass then
** builds nodes from the root; "$ref" is resolved on the spot to a node,
** compiled on demand and memoised per schema object, so recursive schemas
** become cycles in the graph. Remote documents come from the resolver.
**
** This file holds the API. The index pass and "$ref" resolution are in
** schema_resource.c; one node per schema object, and what each keyword
** compiles to, in schema_keywords.c; the error and allocation helpers
** every pass shares in schema_helpers.c; property names are interned in
** schema_keys.c.
*/
#include <stdlib.h>

#include "schema_int.h"

/* ======================================================================
** API
** ====================================================================== */

sc_schema *sc_new (void) {
  sc_schema *s = calloc(1, sizeof *s);
  return s;
}

int sc_compile (sc_schema *s, sv_value *root, const sc_options *o,
                char *err, size_t errlen) {
  const char *base = "";
  s->opts = *o;
  s->err = err;
  s->errlen = errlen;
  s->failed = 0;
  if (sc_add_document(s, "", root, "") == NULL) return 0;
  if (root->kind == SV_OBJ && root->base != NULL) base = root->base;
  (void)base;
  s->root = sc_compile_node(s, root, "");
  return s->root != NULL;
}

sc_arena *sc_schema_arena (sc_schema *s) { return &s->arena; }

const sc_node *sc_root (const sc_schema *s) { return s->root; }

size_t sc_nkeys (const sc_schema *s) { return s->nkeys; }

sc_key *const *sc_keys (const sc_schema *s) { return s->keys; }

void sc_free (sc_schema *s) {
  size_t i;
  if (s == NULL) return;
  for (i = 0; i < s->nregexes; i++) sc_regex_free(s->regexes[i]);
  free(s->regexes);
  free(s->keys);
  free(s->keyindex);
  sc_arena_free(&s->arena);
  free(s);
}
