/*
** schema_resource.c - where schemas live and how "$ref" finds them.
**
** The index pass walks every schema position of a document, records each
** object's base URI (from "$id") and registers resources (documents, "$id"
** URIs and plain-name anchors); a "$ref" is resolved against them, loading
** a remote document (the draft-07 meta-schema, or through the resolver)
** the first time it is named. Kept apart from the compile pass because it
** is about URIs and documents, not keywords.
*/
#include <string.h>

#include "schema_int.h"

typedef struct sc_resource {
  struct sc_resource *next;
  const char *uri;           /* absolute, without an empty fragment */
  sv_value *value;
  const char *ptr;           /* where it is, for error locations */
} sc_resource;

#define META_URI "http://json-schema.org/draft-07/schema"

/* ======================================================================
** Index pass: base URIs and resources
** ====================================================================== */

static int add_resource (sc_schema *s, const char *uri, sv_value *v,
                         const char *ptr) {
  sc_resource *r = sc_new0(s, sizeof *r);
  size_t n = strlen(uri);
  if (r == NULL) return 0;
  if (n > 0 && uri[n - 1] == '#') n--;
  r->uri = sc_strdup(&s->arena, uri, n);
  if (r->uri == NULL) { sc_oom(s); return 0; }
  r->value = v;
  r->ptr = ptr;
  r->next = s->resources;
  s->resources = r;
  return 1;
}

static sc_resource *find_resource (sc_schema *s, const char *uri) {
  size_t n = strlen(uri);
  sc_resource *r;
  if (n > 0 && uri[n - 1] == '#') n--;
  for (r = s->resources; r != NULL; r = r->next)
    if (strlen(r->uri) == n && memcmp(r->uri, uri, n) == 0) return r;
  return NULL;
}

static const char *const single_kw[] = {
  "additionalItems", "additionalProperties", "contains", "propertyNames",
  "not", "if", "then", "else", "items", NULL
};
static const char *const list_kw[] = { "items", "allOf", "anyOf", "oneOf",
                                       NULL };
static const char *const map_kw[] = { "properties", "patternProperties",
                                      "definitions", "dependencies", NULL };

static int index_value (sc_schema *s, sv_value *v, const char *base,
                        const char *ptr);

/* A new base from "$id"; anchors ("#name") are registered as well. */
static const char *apply_id (sc_schema *s, sv_value *v, const char *base,
                             const char *ptr) {
  sv_value *id = sv_get(v, "$id", 3);
  const char *full, *hash;
  if (id == NULL || id->kind != SV_STR || sv_get(v, "$ref", 4) != NULL)
    return base;
  full = sc_uri_resolve(&s->arena, base, id->u.s);
  if (full == NULL) return sc_oom(s);
  if (!add_resource(s, full, v, ptr)) return NULL;
  hash = strchr(full, '#');
  if (id->u.s[0] == '#') return base;
  if (hash == NULL) return full;
  return sc_strdup(&s->arena, full, (size_t)(hash - full));
}

static int index_members (sc_schema *s, sv_value *m, const char *base,
                          const char *ptr) {
  size_t i;
  if (m->kind != SV_OBJ) return 1;
  for (i = 0; i < m->n; i++) {
    const sv_member *e = &m->u.members[i];
    const char *p = sc_join_key(s, ptr, e->key, e->klen);
    if (p == NULL || !index_value(s, e->val, base, p)) return 0;
  }
  return 1;
}

static int index_items (sc_schema *s, sv_value *m, const char *base,
                        const char *ptr) {
  size_t i;
  if (m->kind != SV_ARR) return 1;
  for (i = 0; i < m->n; i++) {
    const char *p = sc_join_index(s, ptr, i);
    if (p == NULL || !index_value(s, m->u.items[i], base, p)) return 0;
  }
  return 1;
}

/* How the subschemas under one group of keywords are indexed: a value,
 * the items of a list, the members of a map. */
typedef int (*index_fn) (sc_schema *s, sv_value *v, const char *base,
                         const char *ptr);

static int index_keywords (sc_schema *s, sv_value *v, const char *base,
                           const char *ptr, const char *const *kw,
                           index_fn index_each) {
  int k;
  for (k = 0; kw[k]; k++) {
    sv_value *sub = sv_get(v, kw[k], strlen(kw[k]));
    const char *p;
    if (sub == NULL) continue;
    if ((p = sc_join(s, ptr, kw[k])) == NULL) return 0;
    if (!index_each(s, sub, base, p)) return 0;
  }
  return 1;
}

static int index_value (sc_schema *s, sv_value *v, const char *base,
                        const char *ptr) {
  if (v->kind != SV_OBJ) return 1;
  if ((base = apply_id(s, v, base, ptr)) == NULL) return 0;
  v->base = base;
  return index_keywords(s, v, base, ptr, single_kw, index_value)
    && index_keywords(s, v, base, ptr, list_kw, index_items)
    && index_keywords(s, v, base, ptr, map_kw, index_members);
}

/* Registers a document under uri and indexes it. */
sc_resource *sc_add_document (sc_schema *s, const char *uri,
                              sv_value *doc, const char *ptr) {
  if (!add_resource(s, uri, doc, ptr)) return NULL;
  if (!index_value(s, doc, uri, ptr)) return NULL;
  return find_resource(s, uri);
}

static sc_resource *load_document (sc_schema *s, const char *uri,
                                   const char *ptr) {
  char msg[256] = "";
  sv_value *doc = NULL;
  char *where;
  if (strcmp(uri, META_URI) == 0) {
    doc = sv_parse(&s->arena, sc_draft07_meta, strlen(sc_draft07_meta),
                   msg, sizeof msg);
  } else if (s->opts.resolve != NULL) {
    doc = s->opts.resolve(s->opts.resolve_ud, &s->arena, uri, msg,
                          sizeof msg);
  }
  if (doc == NULL) {
    if (msg[0]) return sc_cerr(s, ptr, "cannot load '%s': %s", uri, msg);
    return sc_cerr(s, ptr, "cannot resolve $ref '%s'", uri);
  }
  where = sc_strdup(&s->arena, uri, strlen(uri) + 1);
  if (where == NULL) return sc_oom(s);
  where[strlen(uri)] = '#';
  return sc_add_document(s, uri, doc, where);
}

/* ======================================================================
** "$ref" resolution
** ====================================================================== */

sv_value *sc_resolve_ref (sc_schema *s, sv_value *v, const sv_value *ref,
                          const char *ptr, const char **where) {
  const char *full, *hash, *frag = "";
  char *doc;
  sc_resource *r;
  sv_value *target;
  if (ref->kind != SV_STR) return sc_cerr(s, ptr, "must be a string");
  full = sc_uri_resolve(&s->arena, v->base ? v->base : "", ref->u.s);
  if (full == NULL) return sc_oom(s);
  if ((r = find_resource(s, full)) != NULL) {
    *where = r->ptr;
    return r->value;
  }
  hash = strchr(full, '#');
  doc = sc_strdup(&s->arena, full, hash ? (size_t)(hash - full)
                  : strlen(full));
  if (doc == NULL) return sc_oom(s);
  if (hash) frag = hash + 1;
  r = find_resource(s, doc);
  if (r == NULL && (r = load_document(s, doc, ptr)) == NULL) return NULL;
  if (*frag == '\0') {
    *where = r->ptr;
    return r->value;
  }
  if (*frag != '/') return sc_cerr(s, ptr, "cannot resolve $ref '%s'", full);
  target = sc_pointer_eval(&s->arena, r->value, frag);
  if (target == NULL)
    return sc_cerr(s, ptr, "cannot resolve $ref '%s'", ref->u.s);
  if (target->base == NULL) target->base = r->value->base;
  {
    size_t n = strlen(r->ptr);
    char *p = sc_alloc(&s->arena, n + strlen(frag) + 1);
    if (p == NULL) return sc_oom(s);
    memcpy(p, r->ptr, n);
    strcpy(p + n, frag);
    *where = p;
    return target;
  }
}
