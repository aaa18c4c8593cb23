/*
** lschema_lua.c - Lua values as the validator reads them.
**
** Two readers of Lua values, kept apart from the validator handle and its
** error tables: sc_access over the Lua stack (for all_errors and what
** lschema_walk.c leaves to the generic walker), and the conversion of a
** schema given as a Lua table to the validator's own tree (sv_value).
** Declarations shared with lschema.c are in lschema_int.h.
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lschema_int.h"
#include "schema/schema.h"

/* ======================================================================
** sc_access over Lua values
**
** Objects are read once: the first property lookup on a table walks it
** with lua_next and leaves its values on the stack (a snapshot), so the
** lookups of "properties", "required", "if", "then"... on the same object
** are pointer comparisons of interned key strings. Snapshot values are
** pinned (release does not pop them) until their object is released.
** ====================================================================== */

/* The kind a mark gives the table at idx: json.array SK_ARR, json.object
** SK_OBJ; 0 unmarked. */
static int marked_kind (lua_State *L, int idx) {
  int r = 0;
  if (!lua_getmetatable(L, idx)) return 0;
  if (lua_rawequal(L, -1, SLOT_ARRAY_MT)) r = SK_ARR;
  else if (lua_rawequal(L, -1, SLOT_OBJECT_MT)) r = SK_OBJ;
  lua_pop(L, 1);
  return r;
}

static int lua_kind (void *ud, sc_ref v) {
  lua_State *L = ((lctx *)ud)->L;
  int idx = (int)v, mark;
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return SK_NULL;
    case LUA_TLIGHTUSERDATA:
      return lua_touserdata(L, idx) == NULL ? SK_NULL : SK_OTHER;
    case LUA_TBOOLEAN: return SK_BOOL;
    case LUA_TNUMBER: return lua_isinteger(L, idx) ? SK_INT : SK_NUM;
    case LUA_TSTRING: return SK_STR;
    case LUA_TTABLE: break;
    default: return SK_OTHER;
  }
  if ((mark = marked_kind(L, idx)) != 0) return mark;
  if (lua_rawgeti(L, idx, 1) != LUA_TNIL) { lua_pop(L, 1); return SK_ARR; }
  lua_pop(L, 1);
  lua_pushnil(L);
  if (lua_next(L, idx)) { lua_pop(L, 2); return SK_OBJ; }
  return SK_EMPTY;
}

static int lua_boolean (void *ud, sc_ref v) {
  return lua_toboolean(((lctx *)ud)->L, (int)v);
}

static int64_t lua_integer (void *ud, sc_ref v) {
  return (int64_t)lua_tointeger(((lctx *)ud)->L, (int)v);
}

static double lua_number (void *ud, sc_ref v) {
  return (double)lua_tonumber(((lctx *)ud)->L, (int)v);
}

static const char *lua_string (void *ud, sc_ref v, size_t *len) {
  return lua_tolstring(((lctx *)ud)->L, (int)v, len);
}

static size_t lua_length (void *ud, sc_ref v) {
  return (size_t)lua_rawlen(((lctx *)ud)->L, (int)v);
}

static sc_ref lua_index (void *ud, sc_ref v, size_t i) {
  lua_State *L = ((lctx *)ud)->L;
  luaL_checkstack(L, 4, "instance too deep");
  lua_rawgeti(L, (int)v, (lua_Integer)i + 1);
  return lua_gettop(L);
}

/* Walks the object at slot v, leaving its values on the stack. */
static snap *take_snapshot (lctx *x, int v) {
  lua_State *L = x->L;
  snap *s = &x->snaps[x->nsnap];
  luaL_checkstack(L, SNAP_KEYS + 4, "instance too deep");
  s->slot = v;
  s->base = lua_gettop(L) + 1;
  s->n = 0;
  lua_pushnil(L);
  while (lua_next(L, v)) {
    if (lua_type(L, -2) != LUA_TSTRING) { lua_pop(L, 1); continue; }
    if (s->n == SNAP_KEYS) {
      lua_settop(L, s->base - 1);
      return NULL;
    }
    s->key[s->n] = lua_tolstring(L, -2, &s->klen[s->n]);
    s->n++;
    lua_rotate(L, -2, 1);   /* value below the key, which lua_next needs */
  }
  x->nsnap++;
  return s;
}

static snap *find_snapshot (lctx *x, int v) {
  int i;
  for (i = x->nsnap - 1; i >= 0; i--)
    if (x->snaps[i].slot == v) return &x->snaps[i];
  return NULL;
}

static sc_ref snap_get (const snap *s, const char *kp, const sc_key *k) {
  int i;
  for (i = 0; i < s->n; i++)
    if (s->key[i] == kp) return s->base + i;
  if (k->len <= SHORT_STR && kp != NULL) return 0;   /* interned: absent */
  for (i = 0; i < s->n; i++)
    if (s->klen[i] == k->len && memcmp(s->key[i], k->s, k->len) == 0)
      return s->base + i;
  return 0;
}

static sc_ref lua_prop (void *ud, sc_ref v, const sc_key *k) {
  lctx *x = ud;
  lua_State *L = x->L;
  snap *s = find_snapshot(x, (int)v);
  if (s == NULL && x->nsnap < SNAP_DEPTH) s = take_snapshot(x, (int)v);
  if (s != NULL) return snap_get(s, k->id > 0 ? x->kptr[k->id] : NULL, k);
  luaL_checkstack(L, 4, "instance too deep");
  if (k->id > 0) lua_rawgeti(L, SLOT_KEYS, k->id);
  else lua_pushlstring(L, k->s, k->len);
  if (lua_rawget(L, (int)v) == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  return lua_gettop(L);
}

/* Forgets the snapshots whose values are no longer on the stack. */
static void trim (lctx *x, int top) {
  while (x->nsnap > 0 && x->snaps[x->nsnap - 1].base > top) x->nsnap--;
}

/* Pops child unless it is a pinned snapshot value; snapshots of the
** objects that go with it are forgotten. */
static void lua_release (void *ud, sc_ref child) {
  lctx *x = ud;
  int c = (int)child;
  if (x->nsnap > 0) {
    const snap *top = &x->snaps[x->nsnap - 1];
    if (c >= top->base && c < top->base + top->n) return;
    if (c < top->base) {
      int i;
      for (i = 0; i < x->nsnap; i++) {
        const snap *s = &x->snaps[i];
        if (c >= s->base && c < s->base + s->n) return;
      }
    }
  }
  lua_settop(x->L, c - 1);
  trim(x, c - 1);
}

static void lua_iter_begin (void *ud, sc_ref v, sc_iter *it) {
  lua_State *L = ((lctx *)ud)->L;
  (void)v;
  luaL_checkstack(L, 4, "instance too deep");
  lua_pushnil(L);
  it->state = lua_gettop(L);
}

/* Keys that are not strings: integers are written out, others skipped. */
static int lua_iter_next (void *ud, sc_ref v, sc_iter *it, const char **key,
                          size_t *klen, sc_ref *val) {
  lctx *x = ud;
  lua_State *L = x->L;
  lua_settop(L, (int)it->state);
  trim(x, (int)it->state);
  while (lua_next(L, (int)v)) {
    int kt = lua_type(L, -2);
    if (kt == LUA_TSTRING) {
      *key = lua_tolstring(L, -2, klen);
    } else if (kt == LUA_TNUMBER && lua_isinteger(L, -2)) {
      *klen = (size_t)snprintf(it->buf, sizeof it->buf, "%lld",
                               (long long)lua_tointeger(L, -2));
      *key = it->buf;
    } else {
      lua_pop(L, 1);
      continue;
    }
    *val = lua_gettop(L);
    return 1;
  }
  lua_pushnil(L);   /* keep the slot: iter_end pops it */
  return 0;
}

static void lua_iter_end (void *ud, sc_iter *it) {
  lctx *x = ud;
  lua_settop(x->L, (int)it->state - 1);
  trim(x, (int)it->state - 1);
}

const sc_access lschema_lua_access = {
  lua_kind, lua_boolean, lua_integer, lua_number, lua_string, lua_length,
  lua_index, lua_prop, lua_release, lua_iter_begin, lua_iter_next,
  lua_iter_end
};

/* ======================================================================
** Lua values to sv_value (schemas given as tables)
** ====================================================================== */

static sv_value *sv_new (conv *cv, int kind) {
  sv_value *v = sc_alloc(cv->a, sizeof *v);
  if (v == NULL) { cv->err = "out of memory"; return NULL; }
  memset(v, 0, sizeof *v);
  v->kind = (unsigned char)kind;
  return v;
}

/* The kind a mark gives the table at idx (SK_ARR, SK_OBJ), or 0. */
static int conv_mark (const conv *cv, int idx) {
  lua_State *L = cv->L;
  int r = 0;
  if ((cv->array_mt || cv->object_mt) && lua_getmetatable(L, idx)) {
    if (cv->array_mt && lua_rawequal(L, -1, cv->array_mt)) r = SK_ARR;
    else if (cv->object_mt && lua_rawequal(L, -1, cv->object_mt)) r = SK_OBJ;
    lua_pop(L, 1);
  }
  return r;
}

static int is_sequence (lua_State *L, int idx) {
  int r = lua_rawgeti(L, idx, 1) != LUA_TNIL;
  lua_pop(L, 1);
  return r;
}

static sv_value *array_to_sv (conv *cv, int idx) {
  lua_State *L = cv->L;
  size_t n = (size_t)lua_rawlen(L, idx), i;
  sv_value *v = sv_new(cv, SV_ARR);
  if (v == NULL) return NULL;
  v->u.items = sc_alloc(cv->a, (n ? n : 1) * sizeof *v->u.items);
  if (v->u.items == NULL) { cv->err = "out of memory"; return NULL; }
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i + 1);
    v->u.items[i] = lschema_to_sv(cv, lua_gettop(L));
    lua_pop(L, 1);
    if (v->u.items[i] == NULL) return NULL;
  }
  v->n = n;
  return v;
}

static sv_value *object_to_sv (conv *cv, int idx) {
  lua_State *L = cv->L;
  size_t n = 0, cap = 0;
  sv_value *v = sv_new(cv, SV_OBJ);
  if (v == NULL) return NULL;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    sv_member *m;
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      cv->err = "object keys must be strings";
      return NULL;
    }
    if (n == cap) {
      sv_member *nm = sc_alloc(cv->a, (cap = cap ? cap * 2 : 8) * sizeof *nm);
      if (nm == NULL) { lua_pop(L, 2); cv->err = "out of memory"; return NULL; }
      if (n) memcpy(nm, v->u.members, n * sizeof *nm);
      v->u.members = nm;
    }
    m = &v->u.members[n];
    m->key = sc_strdup(cv->a, lua_tostring(L, -2), lua_rawlen(L, -2));
    m->klen = lua_rawlen(L, -2);
    m->hash = m->key ? sv_hash(m->key, m->klen) : 0;
    m->val = lschema_to_sv(cv, lua_gettop(L));
    lua_pop(L, 1);
    if (m->key == NULL || m->val == NULL) {
      lua_pop(L, 1);
      if (cv->err == NULL) cv->err = "out of memory";
      return NULL;
    }
    n++;
  }
  v->n = n;
  v->empty_any = n == 0;
  return v;
}

static sv_value *table_to_sv (conv *cv, int idx) {
  sv_value *v;
  int mark;
  if (++cv->depth > 1000) { cv->err = "too deeply nested"; return NULL; }
  /* a key, a value and a lookahead per level: Lua guarantees only 20 */
  if (!lua_checkstack(cv->L, 4)) { cv->err = "out of memory"; return NULL; }
  mark = conv_mark(cv, idx);
  v = mark == SK_ARR || (mark == 0 && is_sequence(cv->L, idx))
    ? array_to_sv(cv, idx) : object_to_sv(cv, idx);
  if (v && mark == SK_OBJ) v->empty_any = 0;   /* json.object: {} */
  cv->depth--;
  if (v && v->kind == SV_ARR && v->n == 0 && !cv->array_mt) v->empty_any = 1;
  return v;
}
sv_value *lschema_to_sv (conv *cv, int idx) {
  lua_State *L = cv->L;
  sv_value *v;
  switch (lua_type(L, idx)) {
    case LUA_TTABLE: return table_to_sv(cv, idx);
    case LUA_TBOOLEAN:
      return sv_new(cv, lua_toboolean(L, idx) ? SV_TRUE : SV_FALSE);
    case LUA_TNUMBER:
      if ((v = sv_new(cv, lua_isinteger(L, idx) ? SV_INT : SV_NUM)) == NULL)
        return NULL;
      if (v->kind == SV_INT) v->u.i = (int64_t)lua_tointeger(L, idx);
      else v->u.d = (double)lua_tonumber(L, idx);
      return v;
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      if ((v = sv_new(cv, SV_STR)) == NULL) return NULL;
      v->n = n;
      if ((v->u.s = sc_strdup(cv->a, s, n)) == NULL) {
        cv->err = "out of memory";
        return NULL;
      }
      return v;
    }
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL) return sv_new(cv, SV_NULL);
      /* FALLTHROUGH */
    default:
      cv->err = "values must be JSON values";
      return NULL;
  }
}
