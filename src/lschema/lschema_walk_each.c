/*
** lschema_walk_each.c - the fast walker's keywords that visit every item
** of an array or every member of an object: items (both forms),
** additionalItems, contains, min/maxItems, patternProperties,
** additionalProperties and min/maxProperties. Same checks, order and
** messages as the generic walker (schema_validate.c).
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lschema_walk_int.h"

/* ======================================================================
** Arrays
** ====================================================================== */

static int item_valid (walk *w, const sc_node *n, const lval *arr, size_t i,
                       const sc_path *path, int quiet) {
  lua_State *L = w->L;
  lval item;
  sc_path p;
  int r;
  if (w->sv) {
    lw_read_sv(w, arr->sv->u.items[i], &item);
  } else {
    luaL_checkstack(L, 4, "instance too deep");
    lw_read_typed(L, -1, lua_rawgeti(L, arr->slot, (lua_Integer)i + 1),
                  &item);
    if (item.slot) item.slot = lua_gettop(L);
  }
  p = (sc_path){ .up = path, .key = NULL, .len = i, .skey = NULL };
  if (quiet) w->c->mute++;
  r = w->valid(w, n, &item, &p);
  if (quiet) w->c->mute--;
  if (!w->sv) lua_pop(L, 1);
  return r;
}

static int check_items (walk *w, const sc_node *n, const lval *v,
                        size_t len, const sc_path *path) {
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

int lw_check_array (walk *w, const sc_node *n, lval *v,
                    const sc_path *path) {
  size_t len = w->sv ? v->sv->n : (size_t)lua_rawlen(w->L, v->slot), i;
  if (!sc_check_count(w->c, n, SC_ITEMS, len, path)) return 0;
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

static int member_valid (walk *w, const sc_node *n, lval *v,
                         const char *key, size_t klen,
                         const sc_path *path) {
  sc_path p = { .up = path, .key = key, .len = klen, .skey = NULL };
  return w->valid(w, n, v, &p);
}

static int is_declared (const walk *w, const sc_node *n, const char *k,
                        size_t kl) {
  size_t i;
  for (i = 0; i < n->nprops; i++) {
    const sc_key *pk = n->props[i].key;
    if (!w->sv && w->kptr[pk->id] == k) return 1;   /* interned */
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
    if (!member_valid(w, n->patprops[i].node, val, k, kl, path)) return 0;
  }
  if (n->add_props && !matched && !is_declared(w, n, k, kl)) {
    if (n->add_props->flags & F_FALSE)
      return sc_report(w->c, n, "additionalProperties", path,
                       "property '%.*s' is not allowed", (int)kl, k);
    return member_valid(w, n->add_props, val, k, kl, path);
  }
  return 1;
}

static int each_sv_member (walk *w, const sc_node *n, const lval *v,
                           const sc_path *path) {
  size_t i;
  for (i = 0; i < v->sv->n; i++) {
    const sv_member *m = &v->sv->u.members[i];
    lval val;
    lw_read_sv(w, m->val, &val);
    if (!check_member(w, n, m->key, m->klen, &val, path)) return 0;
  }
  return 1;
}

/* The members of a table in lua_next order, checked as they come; the
** count in *count. A key that is not a string is for the generic walker,
** and so is {} (which is [] as well). */
static int each_lua_member (walk *w, const sc_node *n, const lval *v,
                            const sc_path *path, size_t *count) {
  lua_State *L = w->L;
  int visit = n->npatprops || n->add_props;
  luaL_checkstack(L, 4, "instance too deep");
  lua_pushnil(L);
  while (lua_next(L, v->slot)) {
    const char *k;
    size_t kl;
    lval val;
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      w->bail = 1;
      return 0;
    }
    (*count)++;
    if (visit) {
      k = lua_tolstring(L, -2, &kl);
      lw_read_typed(L, -1, lua_type(L, -1), &val);
      if (val.slot) val.slot = lua_gettop(L);
      if (!check_member(w, n, k, kl, &val, path)) {
        lua_pop(L, 2);
        return 0;
      }
    }
    lua_pop(L, 1);
  }
  if (*count == 0) w->bail = 1;
  return !w->bail;
}

int lw_check_members (walk *w, const sc_node *n, lval *v,
                      const sc_path *path) {
  size_t count = 0;
  if (w->sv) {
    count = v->sv->n;
    if ((n->npatprops || n->add_props) && !each_sv_member(w, n, v, path))
      return 0;
  } else if (!each_lua_member(w, n, v, path, &count)) {
    return 0;
  }
  return sc_check_count(w->c, n, SC_PROPERTIES, count, path);
}
