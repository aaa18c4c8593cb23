/*
** schema_validate.c - walks an instance against compiled nodes.
**
** The instance is read only through sc_access. In first-error mode (the
** default) the walk stops at the first failure and nothing is allocated;
** errors are handed to c->on_error as they are found. Sub-validations whose
** failures are not errors of their own (anyOf branches, "if", "not",
** "contains") run muted and in first-error mode.
**
** The checks on one value and their messages are in schema_check.c, JSON
** equality in schema_equal.c; what reads the instance through sc_access
** stays here, small and static next to the walk, so it inlines there.
*/
#include <math.h>
#include <string.h>

#include "schema_int.h"

#define MAX_DEPTH 512

#define KIND(v) (c->acc->kind(c->ud, (v)))

static int node_valid (sc_vctx *c, const sc_node *n, sc_ref v, int kind,
                       const sc_path *path);

/* In first-error mode a failure ends the walk. */
#define FAIL(call) do { (void)(call); ok = 0; \
  if (!c->all_errors) return 0; } while (0)

/* ======================================================================
** Equality (enum, const): the instance against a schema's value
** ====================================================================== */

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
  p = (sc_path){ .up = path, .key = NULL, .len = i, .skey = NULL };
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
  if (!sc_check_count(c, n, SC_ITEMS, len, path)) FAIL(0);
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
  sc_path p = { .up = path, .key = key, .len = klen, .skey = skey };
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
  if (!sc_check_count(c, n, SC_PROPERTIES, count, path)) FAIL(0);
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
