/*
** schema.c - compiles a draft-07 schema (an sv_value tree) into sc_node.
**
** Two passes. The index pass walks every schema position of a document,
** records each object's base URI (from "$id") and registers resources
** (documents, "$id" URIs and plain-name anchors). The compile pass then
** builds nodes from the root; "$ref" is resolved on the spot to a node,
** compiled on demand and memoised per schema object, so recursive schemas
** become cycles in the graph. Remote documents come from the resolver.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
** Errors and small helpers
** ====================================================================== */

static void *cerr (sc_schema *s, const char *ptr, const char *fmt, ...) {
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

static void *oom (sc_schema *s) {
  if (!s->failed) {
    snprintf(s->err, s->errlen, "out of memory");
    s->failed = 1;
  }
  return NULL;
}

static void *new0 (sc_schema *s, size_t n) {
  void *p = sc_alloc(&s->arena, n);
  if (p == NULL) return oom(s);
  memset(p, 0, n);
  return p;
}

static const char *join (sc_schema *s, const char *ptr, const char *tok) {
  const char *r = sc_pointer_join(&s->arena, ptr, tok, strlen(tok));
  return r ? r : oom(s);
}

static const char *join_index (sc_schema *s, const char *ptr, size_t i) {
  char buf[32];
  snprintf(buf, sizeof buf, "%zu", i);
  return join(s, ptr, buf);
}

/* Messages are made once, at compile time: errors cost no formatting. */
static const char *required_msg (sc_schema *s, const char *key) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "missing required property '%s'", key);
  const char *m = sc_strdup(&s->arena, buf, n < (int)sizeof buf ? (size_t)n
                            : sizeof buf - 1);
  return m ? m : oom(s);
}

static int node_messages (sc_schema *s, sc_node *n) {
  char buf[256];
  if (n->flags & F_TYPE) {
    sc_type_message(n->types, buf, sizeof buf);
    if ((n->type_msg = sc_strdup(&s->arena, buf, strlen(buf))) == NULL)
      return oom(s) != NULL;
  }
  if (n->flags & F_ENUM) {
    sc_enum_message(n, buf, sizeof buf);
    if ((n->enum_msg = sc_strdup(&s->arena, buf, strlen(buf))) == NULL)
      return oom(s) != NULL;
  }
  return 1;
}

static const sc_key *intern (sc_schema *s, const char *str, size_t len) {
  size_t i;
  sc_key *k;
  for (i = 0; i < s->nkeys; i++)
    if (s->keys[i]->len == len && memcmp(s->keys[i]->s, str, len) == 0)
      return s->keys[i];
  if (s->nkeys == s->capkeys) {
    size_t cap = s->capkeys ? s->capkeys * 2 : 16;
    sc_key **keys = realloc(s->keys, cap * sizeof *keys);
    if (keys == NULL) return oom(s);
    s->keys = keys;
    s->capkeys = cap;
  }
  k = sc_alloc(&s->arena, sizeof *k);
  if (k == NULL || (k->s = sc_strdup(&s->arena, str, len)) == NULL)
    return oom(s);
  k->len = len;
  k->hash = sv_hash(str, len);
  k->id = (int)s->nkeys + 1;
  k->plain = strlen(k->s) == len;
  if ((k->required_msg = required_msg(s, k->s)) == NULL) return NULL;
  s->keys[s->nkeys++] = k;
  return k;
}

static int keep_regex (sc_schema *s, sc_regex *re) {
  if (s->nregexes == s->capregexes) {
    size_t cap = s->capregexes ? s->capregexes * 2 : 8;
    sc_regex **v = realloc(s->regexes, cap * sizeof *v);
    if (v == NULL) { sc_regex_free(re); oom(s); return 0; }
    s->regexes = v;
    s->capregexes = cap;
  }
  s->regexes[s->nregexes++] = re;
  return 1;
}

static sc_regex *regex (sc_schema *s, const sv_value *v, const char *ptr) {
  char msg[200];
  sc_regex *re;
  if (v->kind != SV_STR) return cerr(s, ptr, "must be a string");
  re = sc_regex_new(v->u.s, v->n, msg, sizeof msg);
  if (re == NULL) return cerr(s, ptr, "%s", msg);
  return keep_regex(s, re) ? re : NULL;
}

/* ======================================================================
** Index pass: base URIs and resources
** ====================================================================== */

static int add_resource (sc_schema *s, const char *uri, sv_value *v,
                         const char *ptr) {
  sc_resource *r = new0(s, sizeof *r);
  size_t n = strlen(uri);
  if (r == NULL) return 0;
  if (n > 0 && uri[n - 1] == '#') n--;
  r->uri = sc_strdup(&s->arena, uri, n);
  if (r->uri == NULL) { oom(s); return 0; }
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
  if (full == NULL) return oom(s);
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
    const char *p = sc_pointer_join(&s->arena, ptr, e->key, e->klen);
    if (p == NULL) { oom(s); return 0; }
    if (!index_value(s, e->val, base, p)) return 0;
  }
  return 1;
}

static int index_items (sc_schema *s, sv_value *m, const char *base,
                        const char *ptr) {
  size_t i;
  if (m->kind != SV_ARR) return 1;
  for (i = 0; i < m->n; i++) {
    const char *p = join_index(s, ptr, i);
    if (p == NULL || !index_value(s, m->u.items[i], base, p)) return 0;
  }
  return 1;
}

static int index_value (sc_schema *s, sv_value *v, const char *base,
                        const char *ptr) {
  int k;
  if (v->kind != SV_OBJ) return 1;
  if ((base = apply_id(s, v, base, ptr)) == NULL) return 0;
  v->base = base;
  for (k = 0; single_kw[k]; k++) {
    sv_value *sub = sv_get(v, single_kw[k], strlen(single_kw[k]));
    const char *p;
    if (sub == NULL) continue;
    if ((p = join(s, ptr, single_kw[k])) == NULL) return 0;
    if (!index_value(s, sub, base, p)) return 0;
  }
  for (k = 0; list_kw[k]; k++) {
    sv_value *sub = sv_get(v, list_kw[k], strlen(list_kw[k]));
    const char *p;
    if (sub == NULL) continue;
    if ((p = join(s, ptr, list_kw[k])) == NULL) return 0;
    if (!index_items(s, sub, base, p)) return 0;
  }
  for (k = 0; map_kw[k]; k++) {
    sv_value *sub = sv_get(v, map_kw[k], strlen(map_kw[k]));
    const char *p;
    if (sub == NULL) continue;
    if ((p = join(s, ptr, map_kw[k])) == NULL) return 0;
    if (!index_members(s, sub, base, p)) return 0;
  }
  return 1;
}

/* Registers a document under uri and indexes it. */
static sc_resource *add_document (sc_schema *s, const char *uri,
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
    if (msg[0]) return cerr(s, ptr, "cannot load '%s': %s", uri, msg);
    return cerr(s, ptr, "cannot resolve $ref '%s'", uri);
  }
  where = sc_strdup(&s->arena, uri, strlen(uri) + 1);
  if (where == NULL) return oom(s);
  where[strlen(uri)] = '#';
  return add_document(s, uri, doc, where);
}

/* ======================================================================
** Compile pass
** ====================================================================== */

static sc_node *compile (sc_schema *s, sv_value *v, const char *ptr);

static sc_node *resolve_ref (sc_schema *s, sv_value *v, const sv_value *ref,
                             const char *ptr) {
  const char *full, *hash, *frag = "";
  char *doc;
  sc_resource *r;
  sv_value *target;
  if (ref->kind != SV_STR) return cerr(s, ptr, "must be a string");
  full = sc_uri_resolve(&s->arena, v->base ? v->base : "", ref->u.s);
  if (full == NULL) return oom(s);
  if ((r = find_resource(s, full)) != NULL) return compile(s, r->value,
                                                           r->ptr);
  hash = strchr(full, '#');
  doc = sc_strdup(&s->arena, full, hash ? (size_t)(hash - full)
                  : strlen(full));
  if (doc == NULL) return oom(s);
  if (hash) frag = hash + 1;
  r = find_resource(s, doc);
  if (r == NULL && (r = load_document(s, doc, ptr)) == NULL) return NULL;
  if (*frag == '\0') return compile(s, r->value, r->ptr);
  if (*frag != '/') return cerr(s, ptr, "cannot resolve $ref '%s'", full);
  target = sc_pointer_eval(&s->arena, r->value, frag);
  if (target == NULL)
    return cerr(s, ptr, "cannot resolve $ref '%s'", ref->u.s);
  if (target->base == NULL) target->base = r->value->base;
  {
    size_t n = strlen(r->ptr);
    char *p = sc_alloc(&s->arena, n + strlen(frag) + 1);
    if (p == NULL) return oom(s);
    memcpy(p, r->ptr, n);
    strcpy(p + n, frag);
    return compile(s, target, p);
  }
}

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

/* ---- keyword value checks ------------------------------------------ */

static int get_count (sc_schema *s, const sv_value *v, const char *ptr,
                      int64_t *out) {
  if (v->kind == SV_INT && v->u.i >= 0) { *out = v->u.i; return 1; }
  if (v->kind == SV_NUM && v->u.d >= 0 && v->u.d == floor(v->u.d)) {
    *out = v->u.d > 9e18 ? INT64_MAX : (int64_t)v->u.d;
    return 1;
  }
  cerr(s, ptr, "must be a non-negative integer");
  return 0;
}

static int get_limit (sc_schema *s, const sv_value *v, const char *ptr,
                      sc_limit *out) {
  out->set = 1;
  if (v->kind == SV_INT) {
    out->is_int = 1;
    out->i = v->u.i;
    out->d = (double)v->u.i;
    return 1;
  }
  if (v->kind == SV_NUM) {
    out->d = v->u.d;
    return 1;
  }
  cerr(s, ptr, "must be a number");
  return 0;
}

static sc_node *sub (sc_schema *s, sv_value *v, const char *ptr,
                     const char *kw) {
  const char *p = join(s, ptr, kw);
  return p ? compile(s, v, p) : NULL;
}

static int get_list (sc_schema *s, sv_value *v, const char *ptr,
                     const char *kw, sc_list *out) {
  size_t i;
  const char *p = join(s, ptr, kw);
  if (p == NULL) return 0;
  if (v->kind != SV_ARR || v->n == 0) {
    cerr(s, p, "must be a non-empty array of schemas");
    return 0;
  }
  out->v = new0(s, v->n * sizeof *out->v);
  if (out->v == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const char *q = join_index(s, p, i);
    if (q == NULL || (out->v[i] = compile(s, v->u.items[i], q)) == NULL)
      return 0;
  }
  out->n = v->n;
  return 1;
}

static int type_bit (const sv_value *v) {
  static const char *const names[] = { "null", "boolean", "integer",
    "number", "string", "array", "object" };
  int k;
  if (v->kind != SV_STR) return 0;
  for (k = 0; k < 7; k++)
    if (strcmp(v->u.s, names[k]) == 0) return 1 << k;
  return 0;
}

static int kw_type (sc_schema *s, sc_node *n, sv_value *v, const char *p) {
  size_t i;
  n->flags |= F_TYPE;
  if (v->kind == SV_STR) n->types = (unsigned)type_bit(v);
  else if (v->kind == SV_ARR)
    for (i = 0; i < v->n; i++) {
      int b = type_bit(v->u.items[i]);
      if (b == 0) break;
      n->types |= (unsigned)b;
    }
  if (n->types == 0 || (v->kind == SV_ARR && i < v->n)) {
    cerr(s, p, "must be a type name or an array of type names");
    return 0;
  }
  return 1;
}

static int kw_enum (sc_schema *s, sc_node *n, sv_value *v, const char *p) {
  if (v->kind != SV_ARR) { cerr(s, p, "must be an array"); return 0; }
  n->flags |= F_ENUM;
  n->enums = v->u.items;
  n->nenums = v->n;
  return 1;
}

static int kw_props (sc_schema *s, sc_node *n, sv_value *v, const char *p) {
  size_t i;
  if (v->kind != SV_OBJ) { cerr(s, p, "must be an object"); return 0; }
  n->props = new0(s, (v->n ? v->n : 1) * sizeof *n->props);
  if (n->props == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const sv_member *m = &v->u.members[i];
    const char *q = sc_pointer_join(&s->arena, p, m->key, m->klen);
    if (q == NULL) { oom(s); return 0; }
    n->props[i].key = intern(s, m->key, m->klen);
    if (n->props[i].key == NULL) return 0;
    if ((n->props[i].node = compile(s, m->val, q)) == NULL) return 0;
  }
  n->nprops = v->n;
  n->flags |= F_OBJ;
  return 1;
}

static int kw_patprops (sc_schema *s, sc_node *n, sv_value *v,
                        const char *p) {
  size_t i;
  if (v->kind != SV_OBJ) { cerr(s, p, "must be an object"); return 0; }
  n->patprops = new0(s, (v->n ? v->n : 1) * sizeof *n->patprops);
  if (n->patprops == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const sv_member *m = &v->u.members[i];
    const char *q = sc_pointer_join(&s->arena, p, m->key, m->klen);
    sv_value key;
    if (q == NULL) { oom(s); return 0; }
    memset(&key, 0, sizeof key);
    key.kind = SV_STR;
    key.u.s = m->key;
    key.n = m->klen;
    if ((n->patprops[i].re = regex(s, &key, q)) == NULL) return 0;
    if ((n->patprops[i].node = compile(s, m->val, q)) == NULL) return 0;
  }
  n->npatprops = v->n;
  n->flags |= F_OBJ;
  return 1;
}

static const sc_key **key_list (sc_schema *s, sv_value *v, const char *p) {
  const sc_key **keys;
  size_t i;
  if (v->kind != SV_ARR) return cerr(s, p, "must be an array of strings");
  keys = new0(s, (v->n ? v->n : 1) * sizeof *keys);
  if (keys == NULL) return NULL;
  for (i = 0; i < v->n; i++) {
    const sv_value *e = v->u.items[i];
    if (e->kind != SV_STR) return cerr(s, p, "must be an array of strings");
    if ((keys[i] = intern(s, e->u.s, e->n)) == NULL) return NULL;
  }
  return keys;
}

static int kw_required (sc_schema *s, sc_node *n, sv_value *v,
                        const char *p) {
  n->required = key_list(s, v, p);
  n->nrequired = v->n;
  n->flags |= F_OBJ;
  return n->required != NULL;
}

static int kw_deps (sc_schema *s, sc_node *n, sv_value *v, const char *p) {
  size_t i;
  if (v->kind != SV_OBJ) { cerr(s, p, "must be an object"); return 0; }
  n->deps = new0(s, (v->n ? v->n : 1) * sizeof *n->deps);
  if (n->deps == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const sv_member *m = &v->u.members[i];
    sc_dep *d = &n->deps[i];
    const char *q = sc_pointer_join(&s->arena, p, m->key, m->klen);
    if (q == NULL) { oom(s); return 0; }
    if ((d->key = intern(s, m->key, m->klen)) == NULL) return 0;
    if (m->val->kind == SV_ARR) {
      if ((d->req = key_list(s, m->val, q)) == NULL) return 0;
      d->nreq = m->val->n;
    } else if ((d->node = compile(s, m->val, q)) == NULL) {
      return 0;
    }
  }
  n->ndeps = v->n;
  n->flags |= F_OBJ;
  return 1;
}

static int kw_items (sc_schema *s, sc_node *n, sv_value *v, const char *p) {
  n->flags |= F_ARR;
  if (v->kind == SV_ARR) {
    size_t i;
    const char *q = join(s, p, "items");
    n->has_tuple = 1;
    if (q == NULL) return 0;
    n->tuple.v = new0(s, (v->n ? v->n : 1) * sizeof *n->tuple.v);
    if (n->tuple.v == NULL) return 0;
    for (i = 0; i < v->n; i++) {
      const char *r = join_index(s, q, i);
      if (r == NULL || !(n->tuple.v[i] = compile(s, v->u.items[i], r)))
        return 0;
    }
    n->tuple.n = v->n;
    return 1;
  }
  return (n->items = sub(s, v, p, "items")) != NULL;
}

/* ---- keyword dispatch ------------------------------------------------ */

typedef int (*kw_fn) (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                      const char *kw);

static int kw_number (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                      const char *kw) {
  sc_limit *l = strcmp(kw, "minimum") == 0 ? &n->min
    : strcmp(kw, "maximum") == 0 ? &n->max
    : strcmp(kw, "exclusiveMinimum") == 0 ? &n->xmin
    : strcmp(kw, "exclusiveMaximum") == 0 ? &n->xmax : &n->mult;
  const char *q = join(s, p, kw);
  const char *what = l == &n->min ? ">=" : l == &n->max ? "<="
    : l == &n->xmin ? ">" : l == &n->xmax ? "<" : "a multiple of";
  char num[40], msg[64];
  if (q == NULL || !get_limit(s, v, q, l)) return 0;
  if (l == &n->mult && !(l->d > 0)) {
    cerr(s, q, "must be greater than 0");
    return 0;
  }
  sc_fmt_limit(l, num, sizeof num);
  snprintf(msg, sizeof msg, "must be %s %s", what, num);
  if ((l->msg = sc_strdup(&s->arena, msg, strlen(msg))) == NULL) {
    oom(s);
    return 0;
  }
  n->flags |= F_NUM;
  return 1;
}

static int kw_count (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                     const char *kw) {
  int64_t *dst;
  const char *q = join(s, p, kw);
  if (strcmp(kw, "minLength") == 0) dst = &n->min_len;
  else if (strcmp(kw, "maxLength") == 0) dst = &n->max_len;
  else if (strcmp(kw, "minItems") == 0) dst = &n->min_items;
  else if (strcmp(kw, "maxItems") == 0) dst = &n->max_items;
  else if (strcmp(kw, "minProperties") == 0) dst = &n->min_props;
  else dst = &n->max_props;
  if (q == NULL || !get_count(s, v, q, dst)) return 0;
  n->flags |= kw[3] == 'L' ? F_STR : kw[3] == 'I' ? F_ARR : F_OBJ;
  return 1;
}

static int kw_string (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                      const char *kw) {
  const char *q = join(s, p, kw);
  if (q == NULL) return 0;
  if (strcmp(kw, "pattern") == 0) {
    if ((n->pattern = regex(s, v, q)) == NULL) return 0;
    n->pattern_src = v->u.s;
    n->flags |= F_STR;
    return 1;
  }
  if (v->kind != SV_STR) { cerr(s, q, "must be a string"); return 0; }
  if (strcmp(kw, "contentEncoding") == 0) {
    n->base64 = s->opts.formats && strcmp(v->u.s, "base64") == 0;
    n->flags |= n->base64 ? F_STR : 0;
    return 1;
  }
  if (strcmp(kw, "contentMediaType") == 0) {
    n->json_media = s->opts.formats && strcmp(v->u.s, "application/json") == 0;
    n->flags |= n->json_media ? F_STR : 0;
    return 1;
  }
  n->format = s->opts.formats ? sc_format_id(v->u.s) : -1;
  if (n->format >= 0) n->flags |= F_STR;
  return 1;
}

static int kw_array (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                     const char *kw) {
  const char *q = join(s, p, kw);
  if (q == NULL) return 0;
  n->flags |= F_ARR;
  if (strcmp(kw, "items") == 0) return kw_items(s, n, v, p);
  if (strcmp(kw, "uniqueItems") == 0) {
    if (v->kind != SV_TRUE && v->kind != SV_FALSE) {
      cerr(s, q, "must be a boolean");
      return 0;
    }
    n->unique = v->kind == SV_TRUE;
    return 1;
  }
  if (strcmp(kw, "contains") == 0)
    return (n->contains = compile(s, v, q)) != NULL;
  return (n->add_items = compile(s, v, q)) != NULL;
}

static int kw_object (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                      const char *kw) {
  const char *q = join(s, p, kw);
  if (q == NULL) return 0;
  n->flags |= F_OBJ;
  if (strcmp(kw, "properties") == 0) return kw_props(s, n, v, q);
  if (strcmp(kw, "patternProperties") == 0) return kw_patprops(s, n, v, q);
  if (strcmp(kw, "required") == 0) return kw_required(s, n, v, q);
  if (strcmp(kw, "dependencies") == 0) return kw_deps(s, n, v, q);
  if (strcmp(kw, "propertyNames") == 0)
    return (n->prop_names = compile(s, v, q)) != NULL;
  return (n->add_props = compile(s, v, q)) != NULL;
}

static int kw_logic (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                     const char *kw) {
  const char *q;
  switch (kw[0]) {
    case 'a':
      n->flags |= F_COMB;
      return get_list(s, v, p, kw, kw[1] == 'l' ? &n->all_of : &n->any_of);
    case 'o':
      n->flags |= F_COMB;
      return get_list(s, v, p, kw, &n->one_of);
    case 'n':
      n->flags |= F_COMB;
      return (n->not_ = sub(s, v, p, kw)) != NULL;
    default:
      break;
  }
  if ((q = join(s, p, kw)) == NULL) return 0;
  if (strcmp(kw, "type") == 0) return kw_type(s, n, v, q);
  if (strcmp(kw, "enum") == 0) return kw_enum(s, n, v, q);
  n->flags |= F_CONST;
  n->konst = v;
  return 1;
}

static int kw_cond (sc_schema *s, sc_node *n, sv_value *v, const char *p,
                    const char *kw) {
  sc_node *c = sub(s, v, p, kw);
  if (c == NULL) return 0;
  if (kw[0] == 'i') n->if_ = c;
  else if (kw[0] == 't') n->then_ = c;
  else n->else_ = c;
  return 1;
}

static const struct { const char *name; kw_fn fn; } keywords[] = {
  {"additionalItems", kw_array}, {"additionalProperties", kw_object},
  {"allOf", kw_logic}, {"anyOf", kw_logic}, {"const", kw_logic},
  {"contains", kw_array}, {"contentEncoding", kw_string},
  {"contentMediaType", kw_string}, {"dependencies", kw_object},
  {"else", kw_cond}, {"enum", kw_logic},
  {"exclusiveMaximum", kw_number}, {"exclusiveMinimum", kw_number},
  {"format", kw_string}, {"if", kw_cond}, {"items", kw_array},
  {"maxItems", kw_count}, {"maxLength", kw_count},
  {"maxProperties", kw_count}, {"maximum", kw_number},
  {"minItems", kw_count}, {"minLength", kw_count},
  {"minProperties", kw_count}, {"minimum", kw_number},
  {"multipleOf", kw_number}, {"not", kw_logic}, {"oneOf", kw_logic},
  {"pattern", kw_string}, {"patternProperties", kw_object},
  {"properties", kw_object}, {"propertyNames", kw_object},
  {"required", kw_object}, {"then", kw_cond}, {"type", kw_logic},
  {"uniqueItems", kw_array}, {NULL, NULL}
};

static kw_fn find_keyword (const char *name) {
  int k;
  for (k = 0; keywords[k].name; k++)
    if (strcmp(keywords[k].name, name) == 0) return keywords[k].fn;
  return NULL;
}

/* Properties also listed in "required" are checked in one lookup. */
static int merge_required (sc_schema *s, sc_node *n) {
  size_t i, j, kept = 0;
  for (i = 0; i < n->nrequired; i++) {
    const sc_key *k = n->required[i];
    for (j = 0; j < n->nprops; j++)
      if (n->props[j].key == k) break;
    if (j < n->nprops) n->props[j].required = 1;
    else n->required[kept++] = k;
  }
  n->nrequired = kept;
  (void)s;
  return 1;
}

static int compile_keywords (sc_schema *s, sc_node *n, sv_value *v,
                             const char *ptr) {
  size_t i;
  for (i = 0; i < v->n; i++) {
    const sv_member *m = &v->u.members[i];
    kw_fn fn = find_keyword(m->key);
    if (fn == NULL) continue;
    if (!fn(s, n, m->val, ptr, m->key)) return 0;
  }
  if (n->if_ != NULL && (n->then_ != NULL || n->else_ != NULL))
    n->flags |= F_COND;
  return node_messages(s, n) && merge_required(s, n);
}

static sc_node *compile (sc_schema *s, sv_value *v, const char *ptr) {
  sc_node *n;
  sv_value *ref;
  if (v->node != NULL) return v->node;
  if (v->kind != SV_OBJ && v->kind != SV_TRUE && v->kind != SV_FALSE)
    return cerr(s, ptr, "a schema must be an object or a boolean");
  if ((n = new0(s, sizeof *n)) == NULL) return NULL;
  v->node = n;
  n->ptr = ptr;
  n->min_len = n->max_len = n->min_items = n->max_items = -1;
  n->min_props = n->max_props = -1;
  n->format = -1;
  if (v->kind == SV_FALSE) n->flags = F_FALSE;
  if (v->kind != SV_OBJ) return n;
  if ((ref = sv_get(v, "$ref", 4)) != NULL) {
    const char *p = join(s, ptr, "$ref");
    if (p == NULL || (n->ref = resolve_ref(s, v, ref, p)) == NULL)
      return NULL;
    return ref_cycle(n) ? cerr(s, p, "$ref refers to itself") : n;
  }
  return compile_keywords(s, n, v, ptr) ? n : NULL;
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
  if (add_document(s, "", root, "") == NULL) return 0;
  if (root->kind == SV_OBJ && root->base != NULL) base = root->base;
  (void)base;
  s->root = compile(s, root, "");
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
  sc_arena_free(&s->arena);
  free(s);
}
