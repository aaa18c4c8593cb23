/*
** lschema_walk.c - the validator's walk specialised for Lua values (and
** for parsed JSON text, sv_value, which needs no Lua at all).
**
** The generic walker (schema_validate.c) reads instances through sc_access,
** a call per access. Here the same checks, in the same order and with the
** same messages (shared from schema_check.c), read Lua values with the
** Lua API directly: a value's type and scalar are read once into an lval;
** an object's members are read in one lua_next pass and found again by
** comparing interned key pointers (Lua interns short strings, and the
** validator's user value holds the schema's key strings); table members
** stay on the stack, scalars do not. The path is a chain of sc_path on the
** C stack, read only when an error is reported. First error only: the
** binding uses the generic walker for all_errors, for schemas this file
** does not do (sc_lua_walkable) and when it answers SC_WALK_BAIL.
*/
#include <math.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lschema_walk.h"
#include "schema_int.h"

#define MAX_DEPTH 512
#define OBJ_KEYS 24            /* larger objects go to the generic walker */
#define SHORT_STR 40           /* LUAI_MAXSHORTLEN: interned up to this */
#define LV_ABSENT (-3)

enum { FAST_UNKNOWN, FAST_YES, FAST_NO, FAST_VISITING };

typedef struct lobj lobj;

typedef struct lval {
  int kind;                  /* SK_*, -1: a table not classified yet */
  int slot;                  /* stack slot of a table, else 0 */
  union {
    sc_num num;
    struct { const char *s; size_t len; } str;
    int b;
  } u;
  lobj *obj;                 /* a table's members, while it is walked */
  const sv_value *sv;        /* the value, when walking sv_value */
} lval;

/* A table being walked. Properties named by the schema are fetched one by
** one and kept (cache); "additionalProperties" and the like read all
** members in one pass (key, val). */
struct lobj {
  int n;                     /* members read, -1 not yet */
  int nc;                    /* properties fetched */
  int nonempty;              /* a member was seen (else maybe {}) */
  const char *key[OBJ_KEYS];
  size_t klen[OBJ_KEYS];
  lval val[OBJ_KEYS];
  const sc_key *ck[OBJ_KEYS];
  lval cv[OBJ_KEYS];         /* kind LV_ABSENT when the table has none */
};

typedef struct walk {
  lua_State *L;
  sc_vctx *c;
  const char *const *kptr;
  int kptr_index;            /* the key table: kptr[id] is its [id] */
  int array_mt;
  int sv;                    /* walking sv_value, not Lua values */
  int bail;
} walk;

static int node_valid (walk *w, const sc_node *n, lval *v,
                       const sc_path *path);

/* ======================================================================
** Which schemas
** ====================================================================== */

static int walkable (sc_node *n);

static int all_walkable (const sc_list *l) {
  size_t i;
  for (i = 0; i < l->n; i++)
    if (!walkable(l->v[i])) return 0;
  return 1;
}

static int scalar (const sv_value *e) {
  return e->kind != SV_ARR && e->kind != SV_OBJ;
}

static int own_keywords_ok (const sc_node *n) {
  size_t i;
  if (n->base64 || n->json_media || n->unique || n->ndeps || n->prop_names)
    return 0;
  if ((n->flags & F_CONST) && !scalar(n->konst)) return 0;
  for (i = 0; i < n->nenums; i++)
    if (!scalar(n->enums[i])) return 0;
  return 1;
}

static int children_ok (const sc_node *n) {
  size_t i;
  sc_node *one[] = { n->ref, n->items, n->add_items, n->contains,
    n->add_props, n->not_, n->if_, n->then_, n->else_ };
  for (i = 0; i < sizeof one / sizeof one[0]; i++)
    if (one[i] && !walkable(one[i])) return 0;
  for (i = 0; i < n->nprops; i++)
    if (!walkable(n->props[i].node)) return 0;
  for (i = 0; i < n->npatprops; i++)
    if (!walkable(n->patprops[i].node)) return 0;
  return all_walkable(&n->tuple) && all_walkable(&n->all_of) &&
    all_walkable(&n->any_of) && all_walkable(&n->one_of);
}

/* A node on the current path counts as walkable: if it is not, the root
** is not either, and only the root's answer is used. */
static int walkable (sc_node *n) {
  if (n->fast == FAST_UNKNOWN) {
    n->fast = FAST_VISITING;
    n->fast = own_keywords_ok(n) && children_ok(n) ? FAST_YES : FAST_NO;
  }
  return n->fast != FAST_NO;
}

int sc_lua_walkable (sc_schema *s) {
  return walkable(s->root);
}

/* ======================================================================
** Values
** ====================================================================== */

/* The value at idx, whose type t is known. */
static void read_typed (lua_State *L, int idx, int t, lval *v) {
  v->slot = 0;
  v->obj = NULL;
  switch (t) {
    case LUA_TNIL: v->kind = SK_NULL; break;
    case LUA_TBOOLEAN: v->kind = SK_BOOL; v->u.b = lua_toboolean(L, idx); break;
    case LUA_TNUMBER:
      v->u.num.is_int = lua_isinteger(L, idx);
      v->kind = v->u.num.is_int ? SK_INT : SK_NUM;
      if (v->u.num.is_int) {
        v->u.num.i = (int64_t)lua_tointeger(L, idx);
        v->u.num.d = (double)v->u.num.i;
      } else {
        v->u.num.d = (double)lua_tonumber(L, idx);
      }
      break;
    case LUA_TSTRING:
      v->kind = SK_STR;
      v->u.str.s = lua_tolstring(L, idx, &v->u.str.len);
      break;
    case LUA_TTABLE: v->kind = -1; v->slot = idx; break;
    case LUA_TLIGHTUSERDATA:
      v->kind = lua_touserdata(L, idx) == NULL ? SK_NULL : SK_OTHER;
      break;
    default: v->kind = SK_OTHER; break;
  }
}

static void read_sv (walk *w, const sv_value *x, lval *v) {
  static const int kinds[] = { SK_NULL, SK_BOOL, SK_BOOL, SK_INT, SK_NUM,
    SK_STR, SK_ARR, SK_OBJ };
  v->slot = 0;
  v->obj = NULL;
  v->sv = x;
  v->kind = kinds[x->kind];
  if (x->empty_any) w->bail = 1;   /* [] and {}: the generic walker */
  switch (x->kind) {
    case SV_TRUE: case SV_FALSE: v->u.b = x->kind == SV_TRUE; break;
    case SV_INT:
      v->u.num.is_int = 1;
      v->u.num.i = x->u.i;
      v->u.num.d = (double)x->u.i;
      break;
    case SV_NUM: v->u.num.is_int = 0; v->u.num.d = x->u.d; break;
    case SV_STR: v->u.str.s = x->u.s; v->u.str.len = x->n; break;
    default: break;
  }
}

static void read_value (lua_State *L, int idx, lval *v) {
  read_typed(L, idx, lua_type(L, idx), v);
}

/* As the generic accessor does: json.array or [1] set is an array. */
static int classify (walk *w, lval *v) {
  lua_State *L = w->L;
  int arr = 0;
  if (lua_getmetatable(L, v->slot)) {
    arr = lua_rawequal(L, -1, w->array_mt);
    lua_pop(L, 1);
  }
  if (!arr && lua_rawlen(L, v->slot) > 0) {   /* 0: [1] is nil */
    arr = lua_rawgeti(L, v->slot, 1) != LUA_TNIL;
    lua_pop(L, 1);
  }
  /* An object, or an unmarked empty table ([] and {} at once), which is
  ** told apart only when it fails as an object (check_empty). */
  return v->kind = arr ? SK_ARR : SK_OBJ;
}

/* An object failed: were it empty, it would still pass as [], so an empty
** one goes to the generic walker. */
static void check_empty (walk *w, lval *v) {
  lua_State *L = w->L;
  lua_pushnil(L);
  if (lua_next(L, v->slot)) {
    lua_pop(L, 2);
    v->obj->nonempty = 1;
  } else {
    w->bail = 1;
  }
}

/* One lua_next pass: string keys and scalar values kept in C, table values
** left on the stack. */
static int read_members (walk *w, lval *v) {
  lua_State *L = w->L;
  lobj *o = v->obj;
  int n = 0;
  luaL_checkstack(L, 3, "instance too deep");
  lua_pushnil(L);
  while (lua_next(L, v->slot)) {
    luaL_checkstack(L, 3, "instance too deep");
    if (n == OBJ_KEYS || lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      w->bail = 1;
      return 0;
    }
    o->key[n] = lua_tolstring(L, -2, &o->klen[n]);
    read_value(L, -1, &o->val[n]);
    if (o->val[n].kind < 0) {
      lua_rotate(L, -2, 1);   /* value below the key, which lua_next needs */
      o->val[n].slot = lua_gettop(L) - 1;
    } else {
      lua_pop(L, 1);
    }
    n++;
  }
  o->n = n;
  if (n == 0) w->bail = 1;   /* {}: see check_empty */
  return n > 0;
}

static int members (walk *w, lval *v) {
  return v->obj->n >= 0 || read_members(w, v);
}

static lval *in_members (walk *w, lobj *o, const sc_key *k) {
  const char *kp = k->id > 0 ? w->kptr[k->id] : NULL;
  int i;
  for (i = 0; i < o->n; i++)
    if (o->key[i] == kp) return &o->val[i];
  if (k->len <= SHORT_STR && kp != NULL) return NULL;   /* interned */
  for (i = 0; i < o->n; i++)
    if (o->klen[i] == k->len && memcmp(o->key[i], k->s, k->len) == 0)
      return &o->val[i];
  return NULL;
}

/* Pushes t[k], raw, and returns its type. */
static int fetch (walk *w, int t, const sc_key *k) {
  lua_State *L = w->L;
  if (k->id > 0) lua_rawgeti(L, w->kptr_index, k->id);
  else lua_pushlstring(L, k->s, k->len);
  return lua_rawget(L, t);
}

/* The property k of the object v, NULL when absent. Lua values stay on
** the stack until the object is done (value_valid); an sv_value is read
** into tmp. */
static lval *member (walk *w, lval *v, const sc_key *k, lval *tmp) {
  lobj *o = v->obj;
  lval *m;
  int i, t;
  if (w->sv) {
    /* v->sv is an object: objects alone reach member() */
    const sv_value *x = sv_find(v->sv, k->s, k->len,
                                k->id > 0 ? k->hash : sv_hash(k->s, k->len));
    if (x == NULL) return NULL;
    read_sv(w, x, tmp);
    return tmp;
  }
  if (o->n >= 0) return in_members(w, o, k);
  for (i = 0; i < o->nc; i++)
    if (o->ck[i] == k) return o->cv[i].kind == LV_ABSENT ? NULL : &o->cv[i];
  if (o->nc == OBJ_KEYS) { w->bail = 1; return NULL; }
  if (o->nc % 8 == 0)   /* room for 8 values, a key and the results */
    luaL_checkstack(w->L, 11, "instance too deep");
  m = &o->cv[o->nc];
  o->ck[o->nc++] = k;
  if ((t = fetch(w, v->slot, k)) == LUA_TNIL) {
    m->kind = LV_ABSENT;
    return NULL;
  }
  o->nonempty = 1;
  read_typed(w->L, -1, t, m);
  if (m->slot) m->slot = lua_gettop(w->L);
  return m;
}

/* A value of its own (a member, an item, the root): a table gets room for
** its members here, and its stack use ends here. */
static int value_valid (walk *w, const sc_node *n, lval *v,
                        const sc_path *path) {
  lobj o;
  int top, r;
  if (v->slot == 0) return node_valid(w, n, v, path);
  top = lua_gettop(w->L);
  o.n = -1;
  o.nc = 0;
  o.nonempty = 0;
  v->obj = &o;
  r = node_valid(w, n, v, path);
  v->obj = NULL;
  lua_settop(w->L, top);
  return r;
}

/* The root: what it leaves on the stack goes when the call returns. */
static int root_valid (walk *w, const sc_node *n, lval *v) {
  lobj o;
  if (v->slot == 0) return node_valid(w, n, v, NULL);
  o.n = -1;
  o.nc = 0;
  o.nonempty = 0;
  v->obj = &o;
  return node_valid(w, n, v, NULL);
}

static int quietly (walk *w, const sc_node *n, lval *v,
                    const sc_path *path) {
  int r;
  w->c->mute++;
  r = node_valid(w, n, v, path);
  w->c->mute--;
  return r;
}

/* ======================================================================
** Type, const, enum
** ====================================================================== */

static int type_ok (unsigned types, const lval *v) {
  switch (v->kind) {
    case SK_NULL: return (types & T_NULL) != 0;
    case SK_BOOL: return (types & T_BOOL) != 0;
    case SK_INT: return (types & (T_INT | T_NUM)) != 0;
    case SK_NUM:
      return (types & T_NUM) || ((types & T_INT) && isfinite(v->u.num.d)
                                 && v->u.num.d == floor(v->u.num.d));
    case SK_STR: return (types & T_STR) != 0;
    case SK_ARR: return (types & T_ARR) != 0;
    case SK_OBJ: return (types & T_OBJ) != 0;
    default: return 0;
  }
}

/* JSON equality with a scalar of the schema: 1 == 1.0 */
static int equal_scalar (const lval *v, const sv_value *e) {
  switch (v->kind) {
    case SK_NULL: return e->kind == SV_NULL;
    case SK_BOOL: return e->kind == (v->u.b ? SV_TRUE : SV_FALSE);
    case SK_INT: case SK_NUM:
      if (e->kind == SV_INT && v->kind == SK_INT) return e->u.i == v->u.num.i;
      if (e->kind == SV_INT) return (double)e->u.i == v->u.num.d;
      return e->kind == SV_NUM && e->u.d == v->u.num.d;
    case SK_STR:
      return e->kind == SV_STR && e->n == v->u.str.len &&
        memcmp(e->u.s, v->u.str.s, e->n) == 0;
    default: return 0;
  }
}

static int in_enum (const sc_node *n, const lval *v) {
  size_t i;
  for (i = 0; i < n->nenums; i++)
    if (equal_scalar(v, n->enums[i])) return 1;
  return 0;
}

/* ======================================================================
** Arrays
** ====================================================================== */

static int item_valid (walk *w, const sc_node *n, lval *arr, size_t i,
                       const sc_path *path, int quiet) {
  lua_State *L = w->L;
  lval item;
  sc_path p;
  int r;
  if (w->sv) {
    read_sv(w, arr->sv->u.items[i], &item);
  } else {
    luaL_checkstack(L, 4, "instance too deep");
    lua_rawgeti(L, arr->slot, (lua_Integer)i + 1);
    read_value(L, -1, &item);
    if (item.slot) item.slot = lua_gettop(L);
  }
  p.up = path;
  p.key = NULL;
  p.len = i;
  p.skey = NULL;
  if (quiet) w->c->mute++;
  r = value_valid(w, n, &item, &p);
  if (quiet) w->c->mute--;
  if (!w->sv) lua_pop(L, 1);
  return r;
}

static int check_items (walk *w, const sc_node *n, lval *v, size_t len,
                        const sc_path *path) {
  size_t i;
  if (n->items) {
    for (i = 0; i < len; i++)
      if (!item_valid(w, n->items, v, i, path, 0)) return 0;
  } else if (n->has_tuple) {
    for (i = 0; i < len && i < n->tuple.n; i++)
      if (!item_valid(w, n->tuple.v[i], v, i, path, 0)) return 0;
    if (n->add_items && len > n->tuple.n) {
      if (n->add_items->flags & F_FALSE)
        return sc_report(w->c, n, "additionalItems", path,
                         "must not have more than %zu items", n->tuple.n);
      for (i = n->tuple.n; i < len; i++)
        if (!item_valid(w, n->add_items, v, i, path, 0)) return 0;
    }
  }
  return 1;
}

static int check_array (walk *w, const sc_node *n, lval *v,
                        const sc_path *path) {
  size_t len = w->sv ? v->sv->n : (size_t)lua_rawlen(w->L, v->slot), i;
  if (n->min_items >= 0 && (int64_t)len < n->min_items)
    return sc_report(w->c, n, "minItems", path,
                     "must not have fewer than %lld items",
                     (long long)n->min_items);
  if (n->max_items >= 0 && (int64_t)len > n->max_items)
    return sc_report(w->c, n, "maxItems", path,
                     "must not have more than %lld items",
                     (long long)n->max_items);
  if (n->contains) {
    for (i = 0; i < len; i++) {
      if (item_valid(w, n->contains, v, i, path, 1) == 1) break;
      if (w->bail) return 0;
    }
    if (i == len)
      return sc_report_msg(w->c, n, "contains", path,
                       "must contain at least one valid item");
  }
  return check_items(w, n, v, len, path);
}

/* ======================================================================
** Objects
** ====================================================================== */

static int child_valid (walk *w, const sc_node *n, lval *v, const char *key,
                        size_t klen, const sc_path *path,
                        const sc_key *skey) {
  sc_path p;
  p.up = path;
  p.key = key;
  p.len = klen;
  p.skey = skey;
  return value_valid(w, n, v, &p);
}

static int check_props (walk *w, const sc_node *n, lval *v,
                        const sc_path *path) {
  size_t i;
  lval tmp;
  for (i = 0; i < n->nprops; i++) {
    const sc_prop *pr = &n->props[i];
    lval *m = member(w, v, pr->key, &tmp);
    if (m == NULL) {
      if (!pr->required) continue;
      return sc_report_msg(w->c, n, "required", path,
                           pr->key->required_msg);
    }
    if (!child_valid(w, pr->node, m, pr->key->s, pr->key->len, path,
                     pr->key))
      return 0;
  }
  for (i = 0; i < n->nrequired; i++)
    if (member(w, v, n->required[i], &tmp) == NULL)
      return sc_report_msg(w->c, n, "required", path,
                           n->required[i]->required_msg);
  return 1;
}

static int is_declared (walk *w, const sc_node *n, const char *k,
                        size_t kl) {
  size_t i;
  for (i = 0; i < n->nprops; i++) {
    const sc_key *pk = n->props[i].key;
    if (!w->sv && pk->id > 0 && w->kptr[pk->id] == k) return 1;
    if (pk->len == kl && memcmp(pk->s, k, kl) == 0) return 1;
  }
  return 0;
}

/* One member: patternProperties, additionalProperties. */
static int check_member (walk *w, const sc_node *n, const char *k,
                         size_t kl, lval *val, const sc_path *path) {
  size_t i;
  int matched = 0;
  for (i = 0; i < n->npatprops; i++) {
    if (!sc_regex_match(n->patprops[i].re, k, kl)) continue;
    matched = 1;
    if (!child_valid(w, n->patprops[i].node, val, k, kl, path, NULL)) return 0;
  }
  if (n->add_props && !matched && !is_declared(w, n, k, kl)) {
    if (n->add_props->flags & F_FALSE)
      return sc_report(w->c, n, "additionalProperties", path,
                       "property '%.*s' is not allowed", (int)kl, k);
    return child_valid(w, n->add_props, val, k, kl, path, NULL);
  }
  return 1;
}

/* Member i of an object whose members are read (Lua) or of an sv_value */
static lval *member_at (walk *w, lval *v, size_t i, const char **k,
                        size_t *kl, lval *tmp) {
  if (w->sv) {
    const sv_member *m = &v->sv->u.members[i];
    *k = m->key;
    *kl = m->klen;
    read_sv(w, m->val, tmp);
    return tmp;
  }
  *k = v->obj->key[i];
  *kl = v->obj->klen[i];
  return &v->obj->val[i];
}

static int check_members (walk *w, const sc_node *n, lval *v,
                          const sc_path *path) {
  size_t i, count;
  if (!w->sv && !members(w, v)) return 0;
  count = w->sv ? v->sv->n : (size_t)v->obj->n;
  if (n->npatprops || n->add_props)
    for (i = 0; i < count; i++) {
      const char *k;
      size_t kl;
      lval tmp, *m = member_at(w, v, i, &k, &kl, &tmp);
      if (!check_member(w, n, k, kl, m, path)) return 0;
    }
  if (n->min_props >= 0 && (int64_t)count < n->min_props)
    return sc_report(w->c, n, "minProperties", path,
                     "must not have fewer than %lld properties",
                     (long long)n->min_props);
  if (n->max_props >= 0 && (int64_t)count > n->max_props)
    return sc_report(w->c, n, "maxProperties", path,
                     "must not have more than %lld properties",
                     (long long)n->max_props);
  return 1;
}

static int check_object (walk *w, const sc_node *n, lval *v,
                         const sc_path *path) {
  if ((n->nprops || n->nrequired) && !check_props(w, n, v, path)) return 0;
  if ((n->npatprops || n->add_props || n->min_props >= 0 ||
       n->max_props >= 0) && !check_members(w, n, v, path))
    return 0;
  return 1;
}

/* ======================================================================
** Combinators and conditionals
** ====================================================================== */

static int check_comb (walk *w, const sc_node *n, lval *v,
                       const sc_path *path) {
  size_t i, matches = 0;
  for (i = 0; i < n->all_of.n; i++)
    if (!node_valid(w, n->all_of.v[i], v, path)) return 0;
  if (n->any_of.n) {
    for (i = 0; i < n->any_of.n && !w->bail; i++)
      if (quietly(w, n->any_of.v[i], v, path) == 1) break;
    if (i == n->any_of.n)
      return sc_report_msg(w->c, n, "anyOf", path,
                           "must match a schema in anyOf");
  }
  if (n->one_of.n) {
    for (i = 0; i < n->one_of.n && matches < 2 && !w->bail; i++)
      matches += quietly(w, n->one_of.v[i], v, path) == 1;
    if (matches != 1)
      return sc_report_msg(w->c, n, "oneOf", path, matches
                       ? "must match exactly one schema in oneOf (matched "
                       "more than one)" : "must match exactly one schema in "
                       "oneOf (matched none)");
  }
  if (n->not_ && quietly(w, n->not_, v, path) == 1)
    return sc_report_msg(w->c, n, "not", path, "must not be valid against the "
                     "schema in not");
  return 1;
}

static int check_cond (walk *w, const sc_node *n, lval *v,
                       const sc_path *path) {
  int r = quietly(w, n->if_, v, path);
  if (w->bail) return 0;
  if (r && n->then_) return node_valid(w, n->then_, v, path);
  if (!r && n->else_) return node_valid(w, n->else_, v, path);
  return 1;
}

/* ======================================================================
** Nodes
** ====================================================================== */

static int by_kind (walk *w, const sc_node *n, lval *v,
                    const sc_path *path) {
  switch (v->kind) {
    case SK_INT: case SK_NUM:
      return !(n->flags & F_NUM) ||
        sc_check_number(w->c, n, &v->u.num, path);
    case SK_STR:
      return !(n->flags & F_STR) ||
        sc_check_string(w->c, n, v->u.str.s, v->u.str.len, path);
    case SK_ARR: return !(n->flags & F_ARR) || check_array(w, n, v, path);
    case SK_OBJ: return !(n->flags & F_OBJ) || check_object(w, n, v, path);
    default: return 1;
  }
}

static int node_body (walk *w, const sc_node *n, lval *v,
                      const sc_path *path) {
  sc_vctx *c = w->c;
  if ((n->flags & F_TYPE) && !type_ok(n->types, v))
    return sc_type_fail(c, n, path);
  if ((n->flags & F_CONST) && !equal_scalar(v, n->konst))
    return sc_report_msg(c, n, "const", path, "must be equal to the constant");
  if ((n->flags & F_ENUM) && !in_enum(n, v)) return sc_enum_fail(c, n, path);
  if (!by_kind(w, n, v, path)) return 0;
  if ((n->flags & F_COMB) && !check_comb(w, n, v, path)) return 0;
  if ((n->flags & F_COND) && !check_cond(w, n, v, path)) return 0;
  return 1;
}

static int node_valid (walk *w, const sc_node *n, lval *v,
                       const sc_path *path) {
  int r;
  while (n->ref) n = n->ref;
  if (n->flags == 0) return 1;
  if (n->flags & F_FALSE)
    return sc_report_msg(w->c, n, "false", path, "no value is allowed here");
  if (w->c->depth >= MAX_DEPTH) { w->c->overflow = 1; return 0; }
  if (v->kind < 0 && !classify(w, v)) return 0;
  w->c->depth++;
  r = node_body(w, n, v, path);
  w->c->depth--;
  if (!r && v->obj && v->kind == SK_OBJ && !v->obj->nonempty && !w->bail)
    check_empty(w, v);
  return r && !w->bail;
}

int sc_lua_walk (lua_State *L, sc_vctx *c, int idx, const char *const *kptr,
                 int keys, int array_mt) {
  walk w;
  lval v;
  int r;
  w.L = L;
  w.c = c;
  w.kptr = kptr;
  w.kptr_index = keys;
  w.array_mt = array_mt;
  w.sv = 0;
  w.bail = 0;
  c->mute = c->depth = c->nerrors = c->overflow = 0;
  read_value(L, idx, &v);
  r = root_valid(&w, c->schema->root, &v);
  if (w.bail) return SC_WALK_BAIL;
  return c->overflow ? -1 : r;
}

int sc_sv_walk (sc_vctx *c, const sv_value *doc) {
  walk w;
  lval v;
  int r;
  memset(&w, 0, sizeof w);
  w.c = c;
  w.sv = 1;
  c->mute = c->depth = c->nerrors = c->overflow = 0;
  read_sv(&w, doc, &v);
  r = w.bail ? 0 : node_valid(&w, c->schema->root, &v, NULL);
  if (w.bail) return SC_WALK_BAIL;
  return c->overflow ? -1 : r;
}
