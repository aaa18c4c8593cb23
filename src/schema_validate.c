/*
** schema_validate.c - walks an instance against compiled nodes.
**
** The instance is read only through sc_access. In first-error mode (the
** default) the walk stops at the first failure and nothing is allocated;
** errors are handed to c->on_error as they are found. Sub-validations whose
** failures are not errors of their own (anyOf branches, "if", "not",
** "contains") run muted and in first-error mode.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

#define MAX_DEPTH 512

#define KIND(v) (c->acc->kind(c->ud, (v)))

static int node_valid (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                       const sc_path *path);

/* ======================================================================
** Errors
** ====================================================================== */

static int emit (sc_vctx *c, const sc_node *n, const char *kw,
                 const sc_path *path, const char *msg, int fixed) {
  sc_error e;
  c->nerrors++;
  if (c->mute || c->on_error == NULL) return 0;
  e.message = msg;
  e.schema_path = n->ptr;
  e.keyword = kw;
  e.path = path;
  e.fixed = fixed;
  c->on_error(c->ud, &e);
  return 0;
}

/* msg: a literal or a message made at compile time */
int sc_report_msg (sc_vctx *c, const sc_node *n, const char *kw,
                   const sc_path *path, const char *msg) {
  return emit(c, n, kw, path, msg, 1);
}

int sc_report (sc_vctx *c, const sc_node *n, const char *kw,
               const sc_path *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (c->mute || c->on_error == NULL) {
    c->nerrors++;
    return 0;
  }
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return emit(c, n, kw, path, msg, 0);
}

/* In first-error mode a failure ends the walk. */
#define FAIL(call) do { (void)(call); ok = 0; \
  if (!c->all_errors) return 0; } while (0)

void sc_fmt_limit (const sc_limit *l, char *buf, size_t size) {
  if (l->is_int) { snprintf(buf, size, "%lld", (long long)l->i); return; }
  snprintf(buf, size, "%.15g", l->d);
  if (strtod(buf, NULL) != l->d) snprintf(buf, size, "%.17g", l->d);
}

size_t sc_path_render (const sc_path *p, char *buf, size_t size) {
  size_t n = 0, i;
  char tmp[32];
  const char *s;
  size_t len;
  if (p == NULL) {
    if (size) buf[0] = '\0';
    return 0;
  }
  n = sc_path_render(p->up, buf, size);
  if (p->key == NULL) {
    len = (size_t)snprintf(tmp, sizeof tmp, "%zu", p->len);
    s = tmp;
  } else {
    s = p->key;
    len = p->len;
  }
  if (n < size) buf[n] = '/';
  n++;
  for (i = 0; i < len; i++) {
    const char *rep = s[i] == '~' ? "~0" : s[i] == '/' ? "~1" : NULL;
    if (rep) {
      if (n + 1 < size) { buf[n] = rep[0]; buf[n + 1] = rep[1]; }
      n += 2;
    } else {
      if (n < size) buf[n] = s[i];
      n++;
    }
  }
  if (size) buf[n < size ? n : size - 1] = '\0';
  return n;
}

/* ======================================================================
** Equality (enum, const, uniqueItems): JSON equality, 1 == 1.0
** ====================================================================== */

static int num_equal (const sc_access *a1, void *u1, sc_ref v1, int k1,
                      const sc_access *a2, void *u2, sc_ref v2, int k2) {
  if (k1 == SK_INT && k2 == SK_INT)
    return a1->integer(u1, v1) == a2->integer(u2, v2);
  return a1->number(u1, v1) == a2->number(u2, v2);
}

static size_t count_props (const sc_access *a, void *u, sc_ref v) {
  sc_iter it;
  const char *k;
  size_t kl, n = 0;
  sc_ref val;
  a->iter_begin(u, v, &it);
  while (a->iter_next(u, v, &it, &k, &kl, &val)) n++;
  a->iter_end(u, &it);
  return n;
}

static int arr_equal (const sc_access *a1, void *u1, sc_ref v1,
                      const sc_access *a2, void *u2, sc_ref v2) {
  size_t n = a1->length(u1, v1), i;
  if (n != a2->length(u2, v2)) return 0;
  for (i = 0; i < n; i++) {
    sc_ref x = a1->index(u1, v1, i), y = a2->index(u2, v2, i);
    int eq = sc_equal(a1, u1, x, a2, u2, y);
    a2->release(u2, y);
    a1->release(u1, x);
    if (!eq) return 0;
  }
  return 1;
}

static int obj_equal (const sc_access *a1, void *u1, sc_ref v1,
                      const sc_access *a2, void *u2, sc_ref v2) {
  sc_iter it;
  const char *k;
  size_t kl;
  sc_ref x;
  int eq = 1;
  if (count_props(a1, u1, v1) != count_props(a2, u2, v2)) return 0;
  a1->iter_begin(u1, v1, &it);
  while (eq && a1->iter_next(u1, v1, &it, &k, &kl, &x)) {
    sc_key key;
    sc_ref y;
    key.s = k;
    key.len = kl;
    key.id = 0;
    y = a2->prop(u2, v2, &key);
    if (y == 0) { eq = 0; break; }
    eq = sc_equal(a1, u1, x, a2, u2, y);
    a2->release(u2, y);
  }
  a1->iter_end(u1, &it);
  return eq;
}

int sc_equal (const sc_access *a1, void *u1, sc_ref v1,
              const sc_access *a2, void *u2, sc_ref v2) {
  int k1 = a1->kind(u1, v1), k2 = a2->kind(u2, v2);
  if ((k1 == SK_INT || k1 == SK_NUM) && (k2 == SK_INT || k2 == SK_NUM))
    return num_equal(a1, u1, v1, k1, a2, u2, v2, k2);
  if (k1 == SK_EMPTY || k2 == SK_EMPTY) {
    int other = k1 == SK_EMPTY ? k2 : k1;
    if (other == SK_EMPTY) return 1;
    if (other == SK_ARR)
      return (k1 == SK_EMPTY ? a2->length(u2, v2) : a1->length(u1, v1)) == 0;
    if (other == SK_OBJ)
      return k1 == SK_EMPTY ? count_props(a2, u2, v2) == 0
        : count_props(a1, u1, v1) == 0;
    return 0;
  }
  if (k1 != k2) return 0;
  switch (k1) {
    case SK_NULL: return 1;
    case SK_BOOL: return a1->boolean(u1, v1) == a2->boolean(u2, v2);
    case SK_STR: {
      size_t n1, n2;
      const char *s1 = a1->string(u1, v1, &n1);
      const char *s2 = a2->string(u2, v2, &n2);
      return n1 == n2 && memcmp(s1, s2, n1) == 0;
    }
    case SK_ARR: return arr_equal(a1, u1, v1, a2, u2, v2);
    case SK_OBJ: return obj_equal(a1, u1, v1, a2, u2, v2);
    default: return 0;
  }
}

static int str_equal (sc_vctx *c, sc_ref v, const sv_value *k) {
  size_t len;
  const char *s = c->acc->string(c->ud, v, &len);
  return len == k->n && memcmp(s, k->u.s, len) == 0;
}

static int equal_const (sc_vctx *c, sc_ref v, const sv_value *k) {
  return sc_equal(c->acc, c->ud, v, &sv_access, NULL, (sc_ref)k);
}

/* ======================================================================
** Type, enum, const
** ====================================================================== */

static const char *const type_names[] = { "null", "boolean", "integer",
  "number", "string", "array", "object" };

static int is_integral (sc_vctx *c, sc_ref v, int kind) {
  double d;
  if (kind == SK_INT) return 1;
  if (kind != SK_NUM) return 0;
  d = c->acc->number(c->ud, v);
  return isfinite(d) && d == floor(d);
}

static int type_ok (sc_vctx *c, unsigned types, sc_ref v, int kind) {
  switch (kind) {
    case SK_NULL: return (types & T_NULL) != 0;
    case SK_BOOL: return (types & T_BOOL) != 0;
    case SK_INT: return (types & (T_INT | T_NUM)) != 0;
    case SK_NUM:
      return (types & T_NUM) || ((types & T_INT) && is_integral(c, v, kind));
    case SK_STR: return (types & T_STR) != 0;
    case SK_ARR: return (types & T_ARR) != 0;
    case SK_OBJ: return (types & T_OBJ) != 0;
    case SK_EMPTY: return (types & (T_ARR | T_OBJ)) != 0;
    default: return 0;
  }
}

void sc_type_message (unsigned types, char *buf, size_t size) {
  size_t len = (size_t)snprintf(buf, size, "must be ");
  int k, first = 1;
  for (k = 0; k < 7 && len < size; k++)
    if (types & (1u << k)) {
      len += (size_t)snprintf(buf + len, size - len, "%s%s",
                              first ? "" : ", ", type_names[k]);
      first = 0;
    }
}

int sc_type_fail (sc_vctx *c, const sc_node *n, const sc_path *path) {
  return sc_report_msg(c, n, "type", path, n->type_msg);
}

int sc_enum_fail (sc_vctx *c, const sc_node *n, const sc_path *path) {
  return sc_report_msg(c, n, "enum", path, n->enum_msg);
}

static void list_enum (const sc_node *n, char *buf, size_t size);

void sc_enum_message (const sc_node *n, char *buf, size_t size) {
  size_t len;
  len = (size_t)snprintf(buf, size, "must be one of ");
  list_enum(n, buf + len, size - len);
}

static void list_enum (const sc_node *n, char *buf, size_t size) {
  size_t i, len = 0;
  buf[0] = '\0';
  for (i = 0; i < n->nenums && len < size; i++) {
    const sv_value *e = n->enums[i];
    if (e->kind == SV_STR)
      len += (size_t)snprintf(buf + len, size - len, "%s'%.*s'",
                              i ? ", " : "", (int)e->n, e->u.s);
    else if (e->kind == SV_INT)
      len += (size_t)snprintf(buf + len, size - len, "%s%lld",
                              i ? ", " : "", (long long)e->u.i);
    else if (e->kind == SV_NULL || e->kind == SV_TRUE || e->kind == SV_FALSE)
      len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
        e->kind == SV_NULL ? "null" : e->kind == SV_TRUE ? "true" : "false");
    else { snprintf(buf, size, "the allowed values"); return; }
  }
  if (len >= size) snprintf(buf, size, "the allowed values");
}

static int check_enum (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                       const sc_path *path) {
  size_t i;
  if (kind == SK_STR) {   /* the common case: compare the bytes here */
    size_t len;
    const char *s = c->acc->string(c->ud, v, &len);
    for (i = 0; i < n->nenums; i++) {
      const sv_value *e = n->enums[i];
      if (e->kind == SV_STR && e->n == len && memcmp(e->u.s, s, len) == 0)
        return 1;
    }
  } else {
    for (i = 0; i < n->nenums; i++)
      if (equal_const(c, v, n->enums[i])) return 1;
  }
  return sc_enum_fail(c, n, path);
}

/* ======================================================================
** Numbers
** ====================================================================== */

/* Compares an instance number with a limit: <0, 0, >0 */
static int cmp_limit (const sc_num *x, const sc_limit *l) {
  if (x->is_int && l->is_int) return (x->i > l->i) - (x->i < l->i);
  return (x->d > l->d) - (x->d < l->d);
}

static int multiple_ok (const sc_num *x, const sc_limit *m) {
  double q;
  if (x->is_int && m->is_int) return x->i % m->i == 0;
  q = x->d / m->d;
  if (!isfinite(q)) return isfinite(x->d) && fmod(x->d, m->d) == 0;
  /* decimal multiples are inexact in binary: 0.0075 / 0.0001 */
  return fabs(q - nearbyint(q)) < 1e-9;
}

int sc_check_number (sc_vctx *c, const sc_node *n, const sc_num *x,
                     const sc_path *path) {
  int ok = 1;
  if (n->min.set && cmp_limit(x, &n->min) < 0)
    FAIL(sc_report_msg(c, n, "minimum", path, n->min.msg));
  if (n->max.set && cmp_limit(x, &n->max) > 0)
    FAIL(sc_report_msg(c, n, "maximum", path, n->max.msg));
  if (n->xmin.set && cmp_limit(x, &n->xmin) <= 0)
    FAIL(sc_report_msg(c, n, "exclusiveMinimum", path, n->xmin.msg));
  if (n->xmax.set && cmp_limit(x, &n->xmax) >= 0)
    FAIL(sc_report_msg(c, n, "exclusiveMaximum", path, n->xmax.msg));
  if (n->mult.set && !multiple_ok(x, &n->mult))
    FAIL(sc_report_msg(c, n, "multipleOf", path, n->mult.msg));
  return ok;
}

static int check_number (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                         const sc_path *path) {
  sc_num x;
  x.is_int = kind == SK_INT;
  if (x.is_int) {
    x.i = c->acc->integer(c->ud, v);
    x.d = (double)x.i;
  } else {
    x.i = 0;
    x.d = c->acc->number(c->ud, v);
  }
  return sc_check_number(c, n, &x, path);
}

/* ======================================================================
** Strings
** ====================================================================== */

size_t sc_utf8_length (const char *s, size_t len) {
  size_t i, n = 0;
  for (i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* RFC 4648 base64 (with padding); decodes into out when given. */
static int base64_decode (const char *s, size_t n, char *out, size_t *olen) {
  static const char digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0, pad = 0;
  unsigned long acc = 0;
  if (n % 4 != 0) return 0;
  for (i = 0; i < n; i++) {
    const char *d = s[i] ? strchr(digits, s[i]) : NULL;
    if (s[i] == '=' && i >= n - 2) { pad++; acc <<= 6; }
    else if (d == NULL || pad) return 0;
    else acc = (acc << 6) | (unsigned long)(d - digits);
    if (i % 4 == 3) {
      out[o++] = (char)(acc >> 16);
      out[o++] = (char)(acc >> 8);
      out[o++] = (char)acc;
      acc = 0;
    }
  }
  *olen = o - pad;
  return 1;
}

/* contentEncoding "base64" and contentMediaType "application/json" */
static int check_content (sc_vctx *c, const sc_node *n, const char *s,
                          size_t len, const sc_path *path) {
  sc_arena a = { NULL, NULL, NULL };
  char err[8], *buf = NULL;
  int ok = 1;
  if (n->base64) {
    buf = sc_alloc(&a, len + 1);
    if (buf == NULL || !base64_decode(s, len, buf, &len)) {
      sc_arena_free(&a);
      return sc_report_msg(c, n, "contentEncoding", path, "must be base64");
    }
    s = buf;
  }
  if (n->json_media && sv_parse(&a, s, len, err, sizeof err) == NULL)
    ok = sc_report_msg(c, n, "contentMediaType", path,
                       "must be a JSON document");
  sc_arena_free(&a);
  return ok;
}

int sc_check_string (sc_vctx *c, const sc_node *n, const char *s,
                     size_t len, const sc_path *path) {
  int ok = 1;
  if (n->min_len >= 0 || n->max_len >= 0) {
    int64_t cps = (int64_t)sc_utf8_length(s, len);
    if (n->min_len >= 0 && cps < n->min_len)
      FAIL(sc_report(c, n, "minLength", path,
                  "must not have fewer than %lld characters",
                  (long long)n->min_len));
    if (n->max_len >= 0 && cps > n->max_len)
      FAIL(sc_report(c, n, "maxLength", path,
                  "must not have more than %lld characters",
                  (long long)n->max_len));
  }
  if (n->pattern && !sc_regex_match(n->pattern, s, len))
    FAIL(sc_report(c, n, "pattern", path, "must match pattern \"%s\"",
                n->pattern_src));
  if (n->format >= 0 && !sc_format_check(n->format, s, len))
    FAIL(sc_report(c, n, "format", path, "must be a valid %s",
                sc_format_name(n->format)));
  if ((n->base64 || n->json_media) && !check_content(c, n, s, len, path))
    FAIL(0);
  return ok;
}

static int check_string (sc_vctx *c, const sc_node *n, sc_ref v,
                         const sc_path *path) {
  size_t len;
  const char *s = c->acc->string(c->ud, v, &len);
  return sc_check_string(c, n, s, len, path);
}

/* ======================================================================
** Sub-validations
** ====================================================================== */

/* Runs a node muted, first error only: the answer alone matters. */
static int quietly (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                    const sc_path *path) {
  int all = c->all_errors, r;
  c->all_errors = 0;
  c->mute++;
  r = node_valid(c, n, v, kind, path);
  c->mute--;
  c->all_errors = all;
  return r;
}

/* ======================================================================
** Arrays
** ====================================================================== */

static int item_valid (sc_vctx *c, const sc_node *n, sc_ref v, size_t i,
                       const sc_path *path, int quiet) {
  sc_path p;
  sc_ref item = c->acc->index(c->ud, v, i);
  int r;
  p.up = path;
  p.key = NULL;
  p.len = i;
  p.skey = NULL;
  r = quiet ? quietly(c, n, item, -1, &p)
    : node_valid(c, n, item, -1, &p);
  c->acc->release(c->ud, item);
  return r;
}

static int check_items (sc_vctx *c, const sc_node *n, sc_ref v, size_t len,
                        const sc_path *path) {
  size_t i;
  int ok = 1;
  if (n->items) {
    for (i = 0; i < len; i++)
      if (!item_valid(c, n->items, v, i, path, 0)) FAIL(0);
  } else if (n->has_tuple) {
    for (i = 0; i < len && i < n->tuple.n; i++)
      if (!item_valid(c, n->tuple.v[i], v, i, path, 0)) FAIL(0);
    if (n->add_items && len > n->tuple.n) {
      if (n->add_items->flags & F_FALSE)
        FAIL(sc_report(c, n, "additionalItems", path,
                    "must not have more than %zu items", n->tuple.n));
      else
        for (i = n->tuple.n; i < len; i++)
          if (!item_valid(c, n->add_items, v, i, path, 0)) FAIL(0);
    }
  }
  return ok;
}

static int check_unique (sc_vctx *c, const sc_node *n, sc_ref v, size_t len,
                         const sc_path *path) {
  size_t i, j;
  for (i = 0; i < len; i++) {
    sc_ref a = c->acc->index(c->ud, v, i);
    for (j = i + 1; j < len; j++) {
      sc_ref b = c->acc->index(c->ud, v, j);
      int eq = sc_equal(c->acc, c->ud, a, c->acc, c->ud, b);
      c->acc->release(c->ud, b);
      if (eq) {
        c->acc->release(c->ud, a);
        return sc_report(c, n, "uniqueItems", path,
                      "must not have duplicate items (items %zu and %zu "
                      "are equal)", i, j);
      }
    }
    c->acc->release(c->ud, a);
  }
  return 1;
}

static int check_array (sc_vctx *c, const sc_node *n, sc_ref v,
                        const sc_path *path) {
  size_t len = c->acc->length(c->ud, v), i;
  int ok = 1;
  if (n->min_items >= 0 && (int64_t)len < n->min_items)
    FAIL(sc_report(c, n, "minItems", path,
                "must not have fewer than %lld items",
                (long long)n->min_items));
  if (n->max_items >= 0 && (int64_t)len > n->max_items)
    FAIL(sc_report(c, n, "maxItems", path,
                "must not have more than %lld items",
                (long long)n->max_items));
  if (n->unique && !check_unique(c, n, v, len, path)) FAIL(0);
  if (n->contains) {
    for (i = 0; i < len; i++)
      if (item_valid(c, n->contains, v, i, path, 1) == 1) break;
    if (i == len)
      FAIL(sc_report_msg(c, n, "contains", path,
                  "must contain at least one valid item"));
  }
  if (!check_items(c, n, v, len, path)) FAIL(0);
  return ok;
}

/* ======================================================================
** Objects
** ====================================================================== */

static int child_valid (sc_vctx *c, const sc_node *n, sc_ref val,
                        const char *key, size_t klen, const sc_path *path,
                        const sc_key *skey) {
  sc_path p;
  p.up = path;
  p.key = key;
  p.len = klen;
  p.skey = skey;
  return node_valid(c, n, val, -1, &p);
}

static int check_props (sc_vctx *c, const sc_node *n, sc_ref v,
                        const sc_path *path) {
  size_t i;
  int ok = 1;
  for (i = 0; i < n->nprops; i++) {
    const sc_prop *pr = &n->props[i];
    sc_ref val = c->acc->prop(c->ud, v, pr->key);
    if (val == 0) {
      if (pr->required)
        FAIL(sc_report_msg(c, n, "required", path, pr->key->required_msg));
      continue;
    }
    if (!child_valid(c, pr->node, val, pr->key->s, pr->key->len, path,
                     pr->key)) {
      c->acc->release(c->ud, val);
      FAIL(0);
    } else {
      c->acc->release(c->ud, val);
    }
  }
  for (i = 0; i < n->nrequired; i++) {
    sc_ref val = c->acc->prop(c->ud, v, n->required[i]);
    if (val == 0)
      FAIL(sc_report_msg(c, n, "required", path,
                      n->required[i]->required_msg));
    else
      c->acc->release(c->ud, val);
  }
  return ok;
}

static int is_declared (const sc_node *n, const char *k, size_t kl) {
  size_t i;
  for (i = 0; i < n->nprops; i++)
    if (n->props[i].key->len == kl && memcmp(n->props[i].key->s, k, kl) == 0)
      return 1;
  return 0;
}

static int check_dep (sc_vctx *c, const sc_node *n, const sc_dep *d,
                      sc_ref v, const sc_path *path) {
  size_t i;
  int ok = 1;
  if (d->node) return node_valid(c, d->node, v, SK_OBJ, path);
  for (i = 0; i < d->nreq; i++) {
    sc_ref val = c->acc->prop(c->ud, v, d->req[i]);
    if (val == 0)
      FAIL(sc_report(c, n, "dependencies", path,
                  "property '%s' requires property '%s'", d->key->s,
                  d->req[i]->s));
    else
      c->acc->release(c->ud, val);
  }
  return ok;
}

static int check_deps (sc_vctx *c, const sc_node *n, sc_ref v,
                       const sc_path *path) {
  size_t i;
  int ok = 1;
  for (i = 0; i < n->ndeps; i++) {
    sc_ref val = c->acc->prop(c->ud, v, n->deps[i].key);
    if (val == 0) continue;
    c->acc->release(c->ud, val);
    if (!check_dep(c, n, &n->deps[i], v, path)) FAIL(0);
  }
  return ok;
}

/* One property during the iteration: names, patterns, additional. */
static int check_member (sc_vctx *c, const sc_node *n, const char *k,
                         size_t kl, sc_ref val, const sc_path *path) {
  size_t i;
  int ok = 1, matched = 0;
  if (n->prop_names) {
    sv_value name;
    memset(&name, 0, sizeof name);
    name.kind = SV_STR;
    name.u.s = k;
    name.n = kl;
    sc_vctx names = *c;   /* a name is a string of our own */
    names.acc = &sv_access;
    if (!quietly(&names, n->prop_names, (sc_ref)&name, SK_STR, path)) {
      FAIL(sc_report(c, n, "propertyNames", path,
                  "property name '%.*s' is invalid", (int)kl, k));
    }
  }
  for (i = 0; i < n->npatprops; i++) {
    if (!sc_regex_match(n->patprops[i].re, k, kl)) continue;
    matched = 1;
    if (!child_valid(c, n->patprops[i].node, val, k, kl, path, NULL)) FAIL(0);
  }
  if (n->add_props && !matched && !is_declared(n, k, kl)) {
    if (n->add_props->flags & F_FALSE)
      FAIL(sc_report(c, n, "additionalProperties", path,
                  "property '%.*s' is not allowed", (int)kl, k));
    else if (!child_valid(c, n->add_props, val, k, kl, path, NULL))
      FAIL(0);
  }
  return ok;
}

static int check_members (sc_vctx *c, const sc_node *n, sc_ref v,
                          const sc_path *path) {
  sc_iter it;
  const char *k;
  size_t kl, count = 0;
  sc_ref val;
  int ok = 1, each = n->prop_names || n->npatprops || n->add_props;
  c->acc->iter_begin(c->ud, v, &it);
  while (c->acc->iter_next(c->ud, v, &it, &k, &kl, &val)) {
    count++;
    if (each && !check_member(c, n, k, kl, val, path)) {
      ok = 0;
      if (!c->all_errors) break;
    }
  }
  c->acc->iter_end(c->ud, &it);
  if (!ok && !c->all_errors) return 0;
  if (n->min_props >= 0 && (int64_t)count < n->min_props)
    FAIL(sc_report(c, n, "minProperties", path,
                "must not have fewer than %lld properties",
                (long long)n->min_props));
  if (n->max_props >= 0 && (int64_t)count > n->max_props)
    FAIL(sc_report(c, n, "maxProperties", path,
                "must not have more than %lld properties",
                (long long)n->max_props));
  return ok;
}

static int check_object (sc_vctx *c, const sc_node *n, sc_ref v,
                         const sc_path *path) {
  int ok = 1;
  if ((n->nprops || n->nrequired) && !check_props(c, n, v, path)) FAIL(0);
  if (n->ndeps && !check_deps(c, n, v, path)) FAIL(0);
  if ((n->prop_names || n->npatprops || n->add_props || n->min_props >= 0
       || n->max_props >= 0) && !check_members(c, n, v, path))
    FAIL(0);
  return ok;
}

/* ======================================================================
** Combinators and conditionals
** ====================================================================== */

static int check_comb (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                       const sc_path *path) {
  size_t i, matches = 0;
  int ok = 1;
  for (i = 0; i < n->all_of.n; i++)
    if (!node_valid(c, n->all_of.v[i], v, kind, path)) FAIL(0);
  if (n->any_of.n) {
    for (i = 0; i < n->any_of.n; i++)
      if (quietly(c, n->any_of.v[i], v, kind, path) == 1) break;
    if (i == n->any_of.n)
      FAIL(sc_report_msg(c, n, "anyOf", path, "must match a schema in anyOf"));
  }
  if (n->one_of.n) {
    for (i = 0; i < n->one_of.n && matches < 2; i++)
      matches += quietly(c, n->one_of.v[i], v, kind, path) == 1;
    if (matches != 1)
      FAIL(sc_report_msg(c, n, "oneOf", path, matches
        ? "must match exactly one schema in oneOf (matched more than one)"
        : "must match exactly one schema in oneOf (matched none)"));
  }
  if (n->not_ && quietly(c, n->not_, v, kind, path) == 1)
    FAIL(sc_report_msg(c, n, "not", path,
                       "must not be valid against the schema in not"));
  return ok;
}

static int check_cond (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                       const sc_path *path) {
  int r = quietly(c, n->if_, v, kind, path);
  if (r && n->then_) return node_valid(c, n->then_, v, kind, path);
  if (!r && n->else_) return node_valid(c, n->else_, v, kind, path);
  return 1;
}

/* ======================================================================
** Nodes
** ====================================================================== */

static int by_kind (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                    const sc_path *path) {
  switch (kind) {
    case SK_INT: case SK_NUM:
      return !(n->flags & F_NUM) || check_number(c, n, v, kind, path);
    case SK_STR:
      return !(n->flags & F_STR) || check_string(c, n, v, path);
    case SK_ARR:
      return !(n->flags & F_ARR) || check_array(c, n, v, path);
    case SK_OBJ:
      return !(n->flags & F_OBJ) || check_object(c, n, v, path);
    default:
      return 1;
  }
}

/* The keywords of n that depend on the instance's type, the others after */
static int node_body (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                      const sc_path *path) {
  int ok = 1;
  if ((n->flags & F_TYPE) && !type_ok(c, n->types, v, kind))
    FAIL(sc_type_fail(c, n, path));
  if ((n->flags & F_CONST) && !(kind == SK_STR && n->konst->kind == SV_STR
        ? str_equal(c, v, n->konst) : equal_const(c, v, n->konst)))
    FAIL(sc_report_msg(c, n, "const", path, "must be equal to the constant"));
  if ((n->flags & F_ENUM) && !check_enum(c, n, v, kind, path)) FAIL(0);
  if (!by_kind(c, n, v, kind, path)) FAIL(0);
  if ((n->flags & F_COMB) && !check_comb(c, n, v, kind, path)) FAIL(0);
  if ((n->flags & F_COND) && !check_cond(c, n, v, kind, path)) FAIL(0);
  return ok;
}

/* An unmarked empty table is [] and {}: valid if valid as either. */
static int empty_body (sc_vctx *c, const sc_node *n, sc_ref v,
                       const sc_path *path) {
  int r;
  c->mute++;
  r = node_body(c, n, v, SK_ARR, path);
  c->mute--;
  if (r) return r;
  return node_body(c, n, v, SK_OBJ, path);
}

/* kind: the instance's, when the caller knows it, else -1 */
static int node_valid (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                       const sc_path *path) {
  int r;
  while (n->ref) n = n->ref;
  if (n->flags == 0) return 1;
  if (n->flags & F_FALSE)
    return sc_report_msg(c, n, "false", path, "no value is allowed here");
  if (c->depth >= MAX_DEPTH) { c->overflow = 1; return 0; }
  c->depth++;
  if (kind < 0) kind = KIND(v);
  r = kind == SK_EMPTY ? empty_body(c, n, v, path)
    : node_body(c, n, v, kind, path);
  c->depth--;
  return r;
}

int sc_validate (sc_vctx *c, sc_ref v) {
  int r;
  c->mute = c->depth = c->nerrors = c->overflow = 0;
  r = node_valid(c, c->schema->root, v, -1, NULL);
  return c->overflow ? -1 : r;
}
