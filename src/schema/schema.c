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
** This file holds the compile pass's entry (one node per schema object),
** the error and allocation helpers every pass shares, and the API. The
** index pass and "$ref" resolution are in schema_resource.c; what each
** keyword compiles to is in schema_keywords.c.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

/* ======================================================================
** Errors and small helpers
** ====================================================================== */

void *sc_cerr (sc_schema *s, const char *ptr, const char *fmt, ...) {
  if (!s->failed) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->err, s->errlen, "invalid schema at '%s': %s",
             *ptr ? ptr : "/", msg);
    s->failed = 1;
  }
  return NULL;
}

void *sc_oom (sc_schema *s) {
  if (!s->failed) {
    snprintf(s->err, s->errlen, "out of memory");
    s->failed = 1;
  }
  return NULL;
}

void *sc_new0 (sc_schema *s, size_t n) {
  void *p = sc_alloc(&s->arena, n);
  if (p == NULL) return sc_oom(s);
  memset(p, 0, n);
  return p;
}

const char *sc_join (sc_schema *s, const char *ptr, const char *tok) {
  const char *r = sc_pointer_join(&s->arena, ptr, tok, strlen(tok));
  return r ? r : sc_oom(s);
}

const char *sc_join_index (sc_schema *s, const char *ptr, size_t i) {
  char buf[32];
  snprintf(buf, sizeof buf, "%zu", i);
  return sc_join(s, ptr, buf);
}

/* ======================================================================
** Compile pass
** ====================================================================== */

/* A chain of "$ref"s that comes back to itself can never be evaluated. */
static int ref_cycle (const sc_node *n) {
  const sc_node *p = n->ref;
  size_t steps = 0;
  while (p != NULL && steps++ < 100000) {
    if (p == n) return 1;
    p = p->ref;
  }
  return 0;
}

sc_node *sc_compile_node (sc_schema *s, sv_value *v, const char *ptr) {
  sc_node *n;
  sv_value *ref;
  if (v->node != NULL) return v->node;
  if (v->kind != SV_OBJ && v->kind != SV_TRUE && v->kind != SV_FALSE)
    return sc_cerr(s, ptr, "a schema must be an object or a boolean");
  if ((n = sc_new0(s, sizeof *n)) == NULL) return NULL;
  v->node = n;
  n->ptr = ptr;
  n->min_len = n->max_len = n->min_items = n->max_items = -1;
  n->min_props = n->max_props = -1;
  n->format = -1;
  if (v->kind == SV_FALSE) n->flags = F_FALSE;
  if (v->kind != SV_OBJ) return n;
  if ((ref = sv_get(v, "$ref", 4)) != NULL) {
    const char *p = sc_join(s, ptr, "$ref");
    if (p == NULL || (n->ref = sc_resolve_ref(s, v, ref, p)) == NULL)
      return NULL;
    return ref_cycle(n) ? sc_cerr(s, p, "$ref refers to itself") : n;
  }
  return sc_compile_keywords(s, n, v, ptr) ? n : NULL;
}

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
