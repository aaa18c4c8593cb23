/*
** schema_keywords.c - what each draft-07 keyword compiles to.
**
** One function per keyword group fills the fields of an sc_node, checking
** the keyword's value; a sorted table maps names to them. Property names
** are interned, patterns compiled and messages made here, once, at compile
** time, so validation costs no formatting. sc_compile_node makes the
** node of one schema object: a "$ref" (resolved by schema_resource.c) or
** its keywords, whose subschemas it compiles in turn.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

/* ======================================================================
** Keys, regexes and messages made at compile time
** ====================================================================== */

/* Messages are made once, at compile time: errors cost no formatting. */
static int node_messages (sc_schema *s, sc_node *n) {
  char buf[256];
  if (n->flags & F_TYPE) {
    sc_type_message(n->types, buf, sizeof buf);
    if ((n->type_msg = sc_strdup(&s->arena, buf, strlen(buf))) == NULL)
      return sc_oom(s) != NULL;
  }
  if (n->flags & F_ENUM) {
    sc_enum_message(n, buf, sizeof buf);
    if ((n->enum_msg = sc_strdup(&s->arena, buf, strlen(buf))) == NULL)
      return sc_oom(s) != NULL;
  }
  return 1;
}

static int keep_regex (sc_schema *s, sc_regex *re) {
  if (s->nregexes == s->capregexes) {
    size_t cap = s->capregexes ? s->capregexes * 2 : 8;
    sc_regex **v = realloc(s->regexes, cap * sizeof *v);
    if (v == NULL) { sc_regex_free(re); sc_oom(s); return 0; }
    s->regexes = v;
    s->capregexes = cap;
  }
  s->regexes[s->nregexes++] = re;
  return 1;
}

static sc_regex *regex (sc_schema *s, const sv_value *v, const char *ptr) {
  char msg[200];
  sc_regex *re;
  if (v->kind != SV_STR) return sc_cerr(s, ptr, "must be a string");
  re = sc_regex_new(v->u.s, v->n, msg, sizeof msg);
  if (re == NULL) return sc_cerr(s, ptr, "%s", msg);
  return keep_regex(s, re) ? re : NULL;
}

/* ======================================================================
** Keywords
** ====================================================================== */

/* ---- keyword value checks ------------------------------------------ */

static int get_count (sc_schema *s, const sv_value *v, const char *ptr,
                      int64_t *out) {
  if (v->kind == SV_INT && v->u.i >= 0) { *out = v->u.i; return 1; }
  if (v->kind == SV_NUM && v->u.d >= 0 && v->u.d == floor(v->u.d)) {
    *out = v->u.d > 9e18 ? INT64_MAX : (int64_t)v->u.d;
    return 1;
  }
  sc_cerr(s, ptr, "must be a non-negative integer");
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
  sc_cerr(s, ptr, "must be a number");
  return 0;
}

static int get_list (sc_schema *s, sv_value *v, const char *p,
                     sc_list *out) {
  size_t i;
  if (v->kind != SV_ARR || v->n == 0) {
    sc_cerr(s, p, "must be a non-empty array of schemas");
    return 0;
  }
  out->v = sc_new0(s, v->n * sizeof *out->v);
  if (out->v == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const char *q = sc_join_index(s, p, i);
    if (q == NULL || (out->v[i] = sc_compile_node(s, v->u.items[i], q)) == NULL)
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
    sc_cerr(s, p, "must be a type name or an array of type names");
    return 0;
  }
  return 1;
}

static int kw_enum (sc_schema *s, sc_node *n, sv_value *v, const char *p) {
  if (v->kind != SV_ARR) { sc_cerr(s, p, "must be an array"); return 0; }
  n->flags |= F_ENUM;
  n->enums = v->u.items;
  n->nenums = v->n;
  return 1;
}

/* Room for one entry of `size` bytes per member of the object `v` (at
 * least one, so that NULL means an error), or NULL after reporting that
 * `v` is not an object or that memory ran out. */
static void *per_member (sc_schema *s, sv_value *v, const char *p,
                         size_t size) {
  if (v->kind != SV_OBJ) return sc_cerr(s, p, "must be an object");
  return sc_new0(s, (v->n ? v->n : 1) * size);
}

static int kw_props (sc_schema *s, sc_node *n, sv_value *v, const char *p) {
  size_t i;
  if ((n->props = per_member(s, v, p, sizeof *n->props)) == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const sv_member *m = &v->u.members[i];
    const char *q = sc_join_key(s, p, m->key, m->klen);
    if (q == NULL) return 0;
    n->props[i].key = sc_intern(s, m->key, m->klen);
    if (n->props[i].key == NULL) return 0;
    if ((n->props[i].node = sc_compile_node(s, m->val, q)) == NULL) return 0;
  }
  n->nprops = v->n;
  n->flags |= F_OBJ;
  return 1;
}

static int kw_patprops (sc_schema *s, sc_node *n, sv_value *v,
                        const char *p) {
  size_t i;
  n->patprops = per_member(s, v, p, sizeof *n->patprops);
  if (n->patprops == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const sv_member *m = &v->u.members[i];
    const char *q = sc_join_key(s, p, m->key, m->klen);
    sv_value key;
    if (q == NULL) return 0;
    memset(&key, 0, sizeof key);
    key.kind = SV_STR;
    key.u.s = m->key;
    key.n = m->klen;
    if ((n->patprops[i].re = regex(s, &key, q)) == NULL) return 0;
    if ((n->patprops[i].node = sc_compile_node(s, m->val, q)) == NULL) return 0;
  }
  n->npatprops = v->n;
  n->flags |= F_OBJ;
  return 1;
}

static const sc_key **key_list (sc_schema *s, sv_value *v, const char *p) {
  const sc_key **keys;
  size_t i;
  if (v->kind != SV_ARR) return sc_cerr(s, p, "must be an array of strings");
  keys = sc_new0(s, (v->n ? v->n : 1) * sizeof *keys);
  if (keys == NULL) return NULL;
  for (i = 0; i < v->n; i++) {
    const sv_value *e = v->u.items[i];
    if (e->kind != SV_STR) return sc_cerr(s, p, "must be an array of strings");
    if ((keys[i] = sc_intern(s, e->u.s, e->n)) == NULL) return NULL;
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
  if ((n->deps = per_member(s, v, p, sizeof *n->deps)) == NULL) return 0;
  for (i = 0; i < v->n; i++) {
    const sv_member *m = &v->u.members[i];
    sc_dep *d = &n->deps[i];
    const char *q = sc_join_key(s, p, m->key, m->klen);
    if (q == NULL) return 0;
    if ((d->key = sc_intern(s, m->key, m->klen)) == NULL) return 0;
    if (m->val->kind == SV_ARR) {
      if ((d->req = key_list(s, m->val, q)) == NULL) return 0;
      d->nreq = m->val->n;
    } else if ((d->node = sc_compile_node(s, m->val, q)) == NULL) {
      return 0;
    }
  }
  n->ndeps = v->n;
  n->flags |= F_OBJ;
  return 1;
}

static int kw_items (sc_schema *s, sc_node *n, sv_value *v, const char *q) {
  n->flags |= F_ARR;
  if (v->kind == SV_ARR) {
    size_t i;
    n->has_tuple = 1;
    n->tuple.v = sc_new0(s, (v->n ? v->n : 1) * sizeof *n->tuple.v);
    if (n->tuple.v == NULL) return 0;
    for (i = 0; i < v->n; i++) {
      const char *r = sc_join_index(s, q, i);
      if (r == NULL || !(n->tuple.v[i] = sc_compile_node(s, v->u.items[i], r)))
        return 0;
    }
    n->tuple.n = v->n;
    return 1;
  }
  return (n->items = sc_compile_node(s, v, q)) != NULL;
}

/* ---- keyword dispatch ------------------------------------------------ */

/* q: the keyword's JSON Pointer in the schema document */
typedef int (*kw_fn) (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                      const char *kw);

static int kw_number (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                      const char *kw) {
  sc_limit *l = strcmp(kw, "minimum") == 0 ? &n->min
    : strcmp(kw, "maximum") == 0 ? &n->max
    : strcmp(kw, "exclusiveMinimum") == 0 ? &n->xmin
    : strcmp(kw, "exclusiveMaximum") == 0 ? &n->xmax : &n->mult;
  const char *what = l == &n->min ? ">=" : l == &n->max ? "<="
    : l == &n->xmin ? ">" : l == &n->xmax ? "<" : "a multiple of";
  char num[40], msg[64];
  if (!get_limit(s, v, q, l)) return 0;
  if (l == &n->mult && !(l->d > 0)) {
    sc_cerr(s, q, "must be greater than 0");
    return 0;
  }
  sc_fmt_limit(l, num, sizeof num);
  snprintf(msg, sizeof msg, "must be %s %s", what, num);
  if ((l->msg = sc_strdup(&s->arena, msg, strlen(msg))) == NULL) {
    sc_oom(s);
    return 0;
  }
  n->flags |= F_NUM;
  return 1;
}

static int kw_count (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                     const char *kw) {
  int64_t *dst;
  if (strcmp(kw, "minLength") == 0) dst = &n->min_len;
  else if (strcmp(kw, "maxLength") == 0) dst = &n->max_len;
  else if (strcmp(kw, "minItems") == 0) dst = &n->min_items;
  else if (strcmp(kw, "maxItems") == 0) dst = &n->max_items;
  else if (strcmp(kw, "minProperties") == 0) dst = &n->min_props;
  else dst = &n->max_props;
  if (!get_count(s, v, q, dst)) return 0;
  n->flags |= kw[3] == 'L' ? F_STR : kw[3] == 'I' ? F_ARR : F_OBJ;
  return 1;
}

static int kw_string (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                      const char *kw) {
  if (strcmp(kw, "pattern") == 0) {
    if ((n->pattern = regex(s, v, q)) == NULL) return 0;
    n->pattern_src = v->u.s;
    n->flags |= F_STR;
    return 1;
  }
  if (v->kind != SV_STR) { sc_cerr(s, q, "must be a string"); return 0; }
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

static int kw_array (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                     const char *kw) {
  n->flags |= F_ARR;
  if (strcmp(kw, "items") == 0) return kw_items(s, n, v, q);
  if (strcmp(kw, "uniqueItems") == 0) {
    if (v->kind != SV_TRUE && v->kind != SV_FALSE) {
      sc_cerr(s, q, "must be a boolean");
      return 0;
    }
    n->unique = v->kind == SV_TRUE;
    return 1;
  }
  if (strcmp(kw, "contains") == 0)
    return (n->contains = sc_compile_node(s, v, q)) != NULL;
  return (n->add_items = sc_compile_node(s, v, q)) != NULL;
}

static int kw_object (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                      const char *kw) {
  n->flags |= F_OBJ;
  if (strcmp(kw, "properties") == 0) return kw_props(s, n, v, q);
  if (strcmp(kw, "patternProperties") == 0) return kw_patprops(s, n, v, q);
  if (strcmp(kw, "required") == 0) return kw_required(s, n, v, q);
  if (strcmp(kw, "dependencies") == 0) return kw_deps(s, n, v, q);
  if (strcmp(kw, "propertyNames") == 0)
    return (n->prop_names = sc_compile_node(s, v, q)) != NULL;
  return (n->add_props = sc_compile_node(s, v, q)) != NULL;
}

static int kw_logic (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                     const char *kw) {
  switch (kw[0]) {
    case 'a':
      n->flags |= F_COMB;
      return get_list(s, v, q, kw[1] == 'l' ? &n->all_of : &n->any_of);
    case 'o':
      n->flags |= F_COMB;
      return get_list(s, v, q, &n->one_of);
    case 'n':
      n->flags |= F_COMB;
      return (n->not_ = sc_compile_node(s, v, q)) != NULL;
    default:
      break;
  }
  if (strcmp(kw, "type") == 0) return kw_type(s, n, v, q);
  if (strcmp(kw, "enum") == 0) return kw_enum(s, n, v, q);
  n->flags |= F_CONST;
  n->konst = v;
  return 1;
}

static int kw_cond (sc_schema *s, sc_node *n, sv_value *v, const char *q,
                    const char *kw) {
  sc_node *c = sc_compile_node(s, v, q);
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
    const char *q;
    if (fn == NULL) continue;
    if ((q = sc_join(s, ptr, m->key)) == NULL) return 0;
    if (!fn(s, n, m->val, q, m->key)) return 0;
  }
  if (n->if_ != NULL && (n->then_ != NULL || n->else_ != NULL))
    n->flags |= F_COND;
  return node_messages(s, n) && merge_required(s, n);
}


/* ======================================================================
** One schema object
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
    const char *where;
    sv_value *target;
    if (p == NULL || (target = sc_resolve_ref(s, v, ref, p, &where)) == NULL
        || (n->ref = sc_compile_node(s, target, where)) == NULL)
      return NULL;
    return ref_cycle(n) ? sc_cerr(s, p, "$ref refers to itself") : n;
  }
  return compile_keywords(s, n, v, ptr) ? n : NULL;
}
