/*
** lschema.c - flowlua.core.schema: the Lua binding of the validator.
**
**   compile(schema_table_or_json_text [, opts])
**     -> validator, validate, validate_json | nil, err
**   validate(self, value)       -> true | false, errors
**   validate_json(self, text)   -> true | false, errors | nil, decode error
**
** A validator is a userdata that owns the compiled schema; validate and
** validate_json are closures over it (flowlua/schema.lua stores them in
** its object, so v:validate(x) is one call). Its user value is a table of
** the schema's property names (index = sc_key id): their interned
** addresses let lschema_walk.c find members by pointer. Lua values are
** walked by lschema_walk.c, or read through sc_access (for all_errors and
** what that walker leaves), with stack slots as references; each access
** pushes and each release pops, in LIFO order.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"
#include "lschema_walk.h"
#include "schema.h"

#define VALIDATOR "flowlua.schema.validator"
#define ARENA "flowlua.schema.arena"

typedef struct validator {
  sc_schema *schema;
  int all_errors;
  int walk;                  /* validate with lschema_walk.c */
  sc_arena scratch;          /* validate_json: one document at a time */
  const char **kptr;         /* kptr[id]: the key strings of the user value */
  struct strslot *strs;      /* strings of errors, see kept */
  size_t nstrs, capstrs;
  int nextidx;               /* their next index in the key table */
} validator;

/* The validate functions are closures over the validator (upvalue 1), its
** key table, json.array (or false) and the field names of an error; the
** error list is stack slot 3. */
#define UP_VALIDATOR lua_upvalueindex(1)
#define SLOT_KEYS lua_upvalueindex(2)
#define SLOT_ARRAY_MT lua_upvalueindex(3)
#define UP_FIELD(i) lua_upvalueindex(4 + (i))
#define SLOT_ERRORS 3

/* ======================================================================
** sc_access over Lua values
**
** Objects are read once: the first property lookup on a table walks it
** with lua_next and leaves its values on the stack (a snapshot), so the
** lookups of "properties", "required", "if", "then"... on the same object
** are pointer comparisons of interned key strings. Snapshot values are
** pinned (release does not pop them) until their object is released.
** ====================================================================== */

#define SNAP_DEPTH 16          /* nested objects with a snapshot */
#define SNAP_KEYS 24           /* larger objects use lua_rawget */
#define SHORT_STR 40           /* LUAI_MAXSHORTLEN: interned up to this */

typedef struct snap {
  int slot;                  /* the object's stack slot */
  int base, n;               /* its values: slots base .. base+n-1 */
  const char *key[SNAP_KEYS];
  size_t klen[SNAP_KEYS];
} snap;

typedef struct lctx {
  lua_State *L;
  validator *v;
  const char *const *kptr;   /* kptr[id]: the interned key strings */
  int nsnap;
  int nerr;                  /* errors in the list (SLOT_ERRORS) */
  snap snaps[SNAP_DEPTH];
} lctx;

static int is_array_mt (lua_State *L, int idx) {
  int r;
  if (!lua_getmetatable(L, idx)) return 0;
  r = lua_rawequal(L, -1, SLOT_ARRAY_MT);
  lua_pop(L, 1);
  return r;
}

static int lua_kind (void *ud, sc_ref v) {
  lua_State *L = ((lctx *)ud)->L;
  int idx = (int)v;
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
  if (is_array_mt(L, idx)) return SK_ARR;
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

static const sc_access lua_access = {
  lua_kind, lua_boolean, lua_integer, lua_number, lua_string, lua_length,
  lua_index, lua_prop, lua_release, lua_iter_begin, lua_iter_next,
  lua_iter_end
};

/* ======================================================================
** Lua values to sv_value (schemas given as tables)
** ====================================================================== */

typedef struct conv {
  lua_State *L;
  sc_arena *a;
  int array_mt;              /* stack index of json.array, or 0 */
  int depth;
  const char *err;
} conv;

static sv_value *to_sv (conv *cv, int idx);

static sv_value *sv_new (conv *cv, int kind) {
  sv_value *v = sc_alloc(cv->a, sizeof *v);
  if (v == NULL) { cv->err = "out of memory"; return NULL; }
  memset(v, 0, sizeof *v);
  v->kind = (unsigned char)kind;
  return v;
}

static int is_sequence (lua_State *L, int idx, int array_mt) {
  int r;
  if (array_mt && lua_getmetatable(L, idx)) {
    r = lua_rawequal(L, -1, array_mt);
    lua_pop(L, 1);
    if (r) return 1;
  }
  r = lua_rawgeti(L, idx, 1) != LUA_TNIL;
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
    v->u.items[i] = to_sv(cv, lua_gettop(L));
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
    m->val = to_sv(cv, lua_gettop(L));
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
  if (++cv->depth > 1000) { cv->err = "too deeply nested"; return NULL; }
  v = is_sequence(cv->L, idx, cv->array_mt) ? array_to_sv(cv, idx)
    : object_to_sv(cv, idx);
  cv->depth--;
  if (v && v->kind == SV_ARR && v->n == 0 && !cv->array_mt) v->empty_any = 1;
  return v;
}

static sv_value *to_sv (conv *cv, int idx) {
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

/* ======================================================================
** Validators
** ====================================================================== */

/* The validator of a validate function; misuse raises. */
static validator *bound_validator (lua_State *L) {
  validator *v = lua_touserdata(L, UP_VALIDATOR);
  if (v->schema == NULL) luaL_error(L, "attempt to use a closed validator");
  return v;
}

/* Pushes json.array (the array metatable) or nil. */
static void push_array_mt (lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, "flowlua.core.json") == LUA_TTABLE)
    lua_getfield(L, -1, "array");
  else
    lua_pushnil(L);
  lua_replace(L, -3);
  lua_pop(L, 1);
  if (!lua_istable(L, -1)) { lua_pop(L, 1); lua_pushnil(L); }
}

/* ======================================================================
** Error tables
**
** The strings of an error mostly depend on the schema alone: "ptr/keyword",
** the keyword, a fixed message, a path "/name" of a schema property. They
** are made once and kept in the key table, at indices after the keys. A
** small hash table of the validator maps a failing check (its schema
** pointer, keyword and fixed message) to the indices of all three, and a
** schema property to its path, so an error is two new tables filled with
** strings that already exist: no formatting, no new string to hash.
** ====================================================================== */

typedef struct strslot {
  const void *a, *b, *c;     /* the check, or (skey, TAG_PATH, NULL) */
  int idx[3];                /* schema_path, keyword, message (0: none) */
} strslot;

static const char tags[1] = { 0 };
#define TAG_PATH (&tags[0])

static size_t slot_of (const validator *v, const void *a, const void *b,
                       const void *c) {
  uintptr_t h = ((uintptr_t)a * 31u + (uintptr_t)b) * 31u + (uintptr_t)c;
  return (size_t)(h ^ (h >> 7)) & (v->capstrs - 1);
}

static const strslot *find_slot (const validator *v, const void *a,
                                 const void *b, const void *c) {
  size_t i;
  if (v->capstrs == 0) return NULL;
  for (i = slot_of(v, a, b, c); v->strs[i].a; i = (i + 1) & (v->capstrs - 1))
    if (v->strs[i].a == a && v->strs[i].b == b && v->strs[i].c == c)
      return &v->strs[i];
  return NULL;
}

static strslot *put_slot (validator *v, const strslot *s) {
  size_t i = slot_of(v, s->a, s->b, s->c);
  while (v->strs[i].a) i = (i + 1) & (v->capstrs - 1);
  v->strs[i] = *s;
  v->nstrs++;
  return &v->strs[i];
}

/* Doubles the table; 0 when out of memory (then nothing more is kept). */
static int grow_slots (validator *v) {
  size_t cap = v->capstrs ? v->capstrs * 2 : 64, i, old = v->capstrs;
  strslot *prev = v->strs;
  if ((v->strs = calloc(cap, sizeof *v->strs)) == NULL) {
    v->strs = prev;
    return 0;
  }
  v->capstrs = cap;
  v->nstrs = 0;
  for (i = 0; i < old; i++)
    if (prev[i].a) put_slot(v, &prev[i]);
  free(prev);
  return 1;
}

static void render_path (lua_State *L, const sc_path *p) {
  char small[256];
  size_t n = sc_path_render(p, small, sizeof small);
  if (n < sizeof small) {
    lua_pushlstring(L, small, n);
  } else {
    luaL_Buffer b;
    char *buf = luaL_buffinitsize(L, &b, n + 1);
    sc_path_render(p, buf, n + 1);
    luaL_pushresultsize(&b, n);
  }
}

/* Keeps the string on top of the stack (popped) in the key table. */
static int keep (lua_State *L, validator *v) {
  lua_rawseti(L, SLOT_KEYS, v->nextidx);
  return v->nextidx++;
}

/* Makes and keeps the strings of slot s; NULL when out of memory. */
static const strslot *new_slot (lua_State *L, validator *v, strslot *s,
                                const sc_error *e) {
  if ((v->nstrs + 1) * 2 > v->capstrs && !grow_slots(v)) return NULL;
  if (s->b == TAG_PATH) {
    render_path(L, e->path);
    s->idx[0] = keep(L, v);
    return put_slot(v, s);
  }
  lua_pushfstring(L, "%s/%s", e->schema_path, e->keyword);
  s->idx[0] = keep(L, v);
  lua_pushstring(L, e->keyword);
  s->idx[1] = keep(L, v);
  if (s->c) {
    lua_pushstring(L, e->message);
    s->idx[2] = keep(L, v);
  }
  return put_slot(v, s);
}

/* Copies into out the kept strings of e's check (b = keyword) or of its
** path (b = TAG_PATH), made the first time; 0 when they cannot be kept. */
static int kept (lua_State *L, validator *v, const sc_error *e,
                 const void *b, strslot *out) {
  const strslot *f;
  memset(out, 0, sizeof *out);
  out->a = b == TAG_PATH ? (const void *)e->path->skey : e->schema_path;
  out->b = b;
  out->c = b == TAG_PATH || !e->fixed ? NULL : e->message;
  f = find_slot(v, out->a, out->b, out->c);
  if (f == NULL) f = new_slot(L, v, out, e);
  if (f == NULL) return 0;
  *out = *f;
  return 1;
}

/* "" for the root; "/name" of a schema property is kept. */
static void push_path (lua_State *L, validator *v, const sc_error *e) {
  const sc_path *p = e->path;
  strslot s;
  if (p == NULL) lua_pushvalue(L, UP_FIELD(4));
  else if (p->up == NULL && p->skey != NULL && kept(L, v, e, TAG_PATH, &s))
    lua_rawgeti(L, SLOT_KEYS, s.idx[0]);
  else render_path(L, p);
}

/* Pushes the kept string idx, or s when there is none. */
static void push_kept (lua_State *L, int idx, const char *s) {
  if (idx > 0) lua_rawgeti(L, SLOT_KEYS, idx);
  else lua_pushstring(L, s);
}

/* The field names of an error and "" (the root's path): upvalues of the
** validate functions, UP_FIELD(0) .. UP_FIELD(4). */
static const char *const error_fields[] = { "path", "schema_path",
  "keyword", "message", "" };

static void on_error (void *ud, const sc_error *e) {
  lctx *x = ud;
  lua_State *L = x->L;
  strslot s;
  luaL_checkstack(L, 8, "too many errors");
  (void)kept(L, x->v, e, e->keyword, &s);   /* 0: the strings made here */
  if (x->nerr == 0) {
    lua_createtable(L, 1, 0);
    lua_replace(L, SLOT_ERRORS);
  }
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, UP_FIELD(0));
  push_path(L, x->v, e);
  lua_rawset(L, -3);
  lua_pushvalue(L, UP_FIELD(1));
  if (s.idx[0] > 0) lua_rawgeti(L, SLOT_KEYS, s.idx[0]);
  else lua_pushfstring(L, "%s/%s", e->schema_path, e->keyword);
  lua_rawset(L, -3);
  lua_pushvalue(L, UP_FIELD(2));
  push_kept(L, s.idx[1], e->keyword);
  lua_rawset(L, -3);
  lua_pushvalue(L, UP_FIELD(3));
  push_kept(L, s.idx[2], e->message);
  lua_rawset(L, -3);
  lua_rawseti(L, SLOT_ERRORS, ++x->nerr);
}

static int finish (lua_State *L, int r) {
  if (r < 0) {   /* a schema that recurses without consuming the value */
    lua_pushliteral(L, "validation nested more than 512 schemas deep");
    return lua_error(L);
  }
  if (r) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_pushvalue(L, SLOT_ERRORS);
  return 2;
}

static void init_vctx (sc_vctx *c, lctx *x, lua_State *L, validator *v) {
  x->L = L;
  x->v = v;
  x->kptr = v->kptr;
  x->nsnap = 0;
  x->nerr = 0;
  memset(c, 0, sizeof *c);
  c->ud = x;
  c->schema = v->schema;
  c->all_errors = v->all_errors;
  c->on_error = on_error;
}

static int run (lua_State *L, validator *v, const sc_access *acc,
                sc_ref value) {
  sc_vctx c;
  lctx x;
  init_vctx(&c, &x, L, v);
  c.acc = acc;
  return finish(L, sc_validate(&c, value));
}

/* The walker for Lua values, or the generic one when it cannot say. */
static int run_lua (lua_State *L, validator *v) {
  sc_vctx c;
  lctx x;
  int r;
  if (!v->walk) return run(L, v, &lua_access, 2);
  init_vctx(&c, &x, L, v);
  r = sc_lua_walk(L, &c, 2, v->kptr, SLOT_KEYS, SLOT_ARRAY_MT);
  if (r != SC_WALK_BAIL) return finish(L, r);
  lua_settop(L, 2);   /* errors a muted branch may have made */
  lua_pushnil(L);
  return run(L, v, &lua_access, 2);
}

/* A parsed document: the fast walker, or the generic one. */
static int run_sv (lua_State *L, validator *v, const sv_value *doc) {
  sc_vctx c;
  lctx x;
  int r;
  if (!v->walk) return run(L, v, &sv_access, (sc_ref)doc);
  init_vctx(&c, &x, L, v);
  r = sc_sv_walk(&c, doc);
  if (r != SC_WALK_BAIL) return finish(L, r);
  lua_settop(L, 2);   /* errors a muted branch may have made */
  lua_pushnil(L);
  return run(L, v, &sv_access, (sc_ref)doc);
}

/* validate(self, value): self is the Lua object, ignored */
static int bound_validate (lua_State *L) {
  validator *v = bound_validator(L);
  luaL_checkany(L, 2);
  lua_settop(L, SLOT_ERRORS);   /* the error list: nil for now */
  return run_lua(L, v);
}

/* validate_json(self, text) */
static int bound_validate_json (lua_State *L) {
  validator *v = bound_validator(L);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  char err[160];
  sv_value *doc;
  lua_settop(L, 2);
  lua_pushnil(L);
  sc_arena_reset(&v->scratch);
  doc = sv_parse_view(&v->scratch, text, len, err, sizeof err);
  if (doc == NULL) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  return run_sv(L, v, doc);
}

static int validator_close (lua_State *L) {
  validator *v = luaL_checkudata(L, 1, VALIDATOR);
  sc_free(v->schema);
  v->schema = NULL;
  free(v->kptr);
  v->kptr = NULL;
  free(v->strs);
  v->strs = NULL;
  v->nstrs = v->capstrs = 0;
  sc_arena_free(&v->scratch);
  return 0;
}

static int validator_tostring (lua_State *L) {
  validator *v = luaL_checkudata(L, 1, VALIDATOR);
  lua_pushfstring(L, "flowlua.schema.validator (%s)",
                  v->schema ? "open" : "closed");
  return 1;
}

/* ======================================================================
** compile
** ====================================================================== */

typedef struct resolver {
  lua_State *L;
  int fn;                    /* stack index of opts.resolve, 0 if none */
  int array_mt;
} resolver;

/* Calls opts.resolve(uri) protected: a Lua error becomes a message. */
static sv_value *resolve_cb (void *ud, sc_arena *a, const char *uri,
                             char *err, size_t errlen) {
  resolver *r = ud;
  lua_State *L = r->L;
  sv_value *doc = NULL;
  conv cv;
  if (r->fn == 0) return NULL;
  lua_pushvalue(L, r->fn);
  lua_pushstring(L, uri);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    snprintf(err, errlen, "%s", lua_tostring(L, -1));
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    size_t n;
    const char *text = lua_tolstring(L, -1, &n);
    doc = sv_parse(a, text, n, err, errlen);
  } else if (lua_istable(L, -1)) {
    memset(&cv, 0, sizeof cv);
    cv.L = L;
    cv.a = a;
    cv.array_mt = r->array_mt;
    if ((doc = to_sv(&cv, lua_gettop(L))) == NULL)
      snprintf(err, errlen, "%s", cv.err);
  }
  lua_pop(L, 1);
  return doc;
}

static int opt_flag (lua_State *L, const char *name, int dflt) {
  int r = dflt;
  if (lua_getfield(L, 2, name) != LUA_TNIL) {
    luaL_argexpected(L, lua_isboolean(L, -1), 2, "boolean options");
    r = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  return r;
}

/* The user value holds the key strings, so their addresses stay valid,
** and from nextidx on the strings of errors (kept). */
static void fill_keys (lua_State *L, validator *v, int keys) {
  size_t i, n = sc_nkeys(v->schema);
  sc_key *const *k = sc_keys(v->schema);
  v->nextidx = (int)n + 1;
  v->kptr = calloc(n + 1, sizeof *v->kptr);
  if (v->kptr == NULL) luaL_error(L, "out of memory");
  for (i = 0; i < n; i++) {
    v->kptr[k[i]->id] = lua_pushlstring(L, k[i]->s, k[i]->len);
    lua_rawseti(L, keys, k[i]->id);
  }
}

/* Reads the schema argument into the validator's arena. */
static sv_value *read_schema (lua_State *L, validator *v, int array_mt,
                              char *err, size_t errlen) {
  sc_arena *a = sc_schema_arena(v->schema);
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t n;
    const char *text = lua_tolstring(L, 1, &n);
    sv_value *root = sv_parse(a, text, n, err + 14, errlen - 14);
    if (root == NULL) memcpy(err, "invalid JSON: ", 14);
    return root;
  } else {
    conv cv;
    sv_value *root;
    memset(&cv, 0, sizeof cv);
    cv.L = L;
    cv.a = a;
    cv.array_mt = array_mt;
    if ((root = to_sv(&cv, 1)) == NULL) snprintf(err, errlen, "%s", cv.err);
    return root;
  }
}

/* A validate function over the validator (5), keys (6), json.array (4)
** and the error field names. */
static void push_bound (lua_State *L, lua_CFunction f) {
  size_t i;
  lua_pushvalue(L, 5);
  lua_pushvalue(L, 6);
  lua_pushvalue(L, 4);
  for (i = 0; i < 5; i++) lua_pushstring(L, error_fields[i]);
  lua_pushcclosure(L, f, 8);
}

/* compile(spec [, opts]) -> validator, validate, validate_json */
static int schema_compile (lua_State *L) {
  sc_options o;
  resolver r;
  validator *v;
  sv_value *root;
  char err[512];
  int t = lua_type(L, 1);
  luaL_argexpected(L, t == LUA_TTABLE || t == LUA_TSTRING ||
                   t == LUA_TBOOLEAN, 1, "table or string");
  if (lua_isnoneornil(L, 2)) { lua_settop(L, 1); lua_newtable(L); }
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  memset(&o, 0, sizeof o);
  o.formats = opt_flag(L, "formats", 1);
  lua_getfield(L, 2, "resolve");                          /* 3 */
  luaL_argexpected(L, lua_isnil(L, 3) || lua_isfunction(L, 3), 2,
                   "resolve must be a function");
  push_array_mt(L);                                      /* 4 */
  v = lua_newuserdatauv(L, sizeof *v, 1);                /* 5 */
  memset(v, 0, sizeof *v);
  luaL_setmetatable(L, VALIDATOR);
  v->all_errors = opt_flag(L, "all_errors", 0);
  if ((v->schema = sc_new()) == NULL) return luaL_error(L, "out of memory");
  r.L = L;
  r.fn = lua_isnil(L, 3) ? 0 : 3;
  r.array_mt = lua_isnil(L, 4) ? 0 : 4;
  o.resolve = resolve_cb;
  o.resolve_ud = &r;
  err[0] = '\0';
  root = read_schema(L, v, r.array_mt, err, sizeof err);
  if (root == NULL || !sc_compile(v->schema, root, &o, err, sizeof err)) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  v->walk = !v->all_errors && opt_flag(L, "fast", 1) &&
    sc_lua_walkable(v->schema);
  lua_createtable(L, (int)sc_nkeys(v->schema), 0);       /* 6 */
  fill_keys(L, v, 6);
  lua_pushvalue(L, 6);
  lua_setiuservalue(L, 5, 1);
  if (lua_isnil(L, 4)) { lua_pushboolean(L, 0); lua_replace(L, 4); }
  lua_pushvalue(L, 5);
  push_bound(L, bound_validate);
  push_bound(L, bound_validate_json);
  return 3;
}

static const luaL_Reg validator_methods[] = {
  {"close", validator_close},
  {NULL, NULL}
};

static const luaL_Reg validator_meta[] = {
  {"__close", validator_close},
  {"__gc", validator_close},
  {"__index", NULL},
  {"__tostring", validator_tostring},
  {NULL, NULL}
};

/* sv_value to Lua, as flowlua.json decodes: arrays get json.array. */
static void push_sv (lua_State *L, const sv_value *v, int array_mt,
                     int object_mt) {
  size_t i;
  luaL_checkstack(L, 4, "document too deep");
  switch (v->kind) {
    case SV_NULL: lua_pushlightuserdata(L, NULL); break;
    case SV_TRUE: case SV_FALSE: lua_pushboolean(L, v->kind == SV_TRUE); break;
    case SV_INT: lua_pushinteger(L, (lua_Integer)v->u.i); break;
    case SV_NUM: lua_pushnumber(L, (lua_Number)v->u.d); break;
    case SV_STR: lua_pushlstring(L, v->u.s, v->n); break;
    case SV_ARR:
      lua_createtable(L, (int)v->n, 0);
      for (i = 0; i < v->n; i++) {
        push_sv(L, v->u.items[i], array_mt, object_mt);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      if (array_mt) {
        lua_pushvalue(L, array_mt);
        lua_setmetatable(L, -2);
      }
      break;
    default:
      lua_createtable(L, 0, (int)v->n);
      for (i = 0; i < v->n; i++) {
        lua_pushlstring(L, v->u.members[i].key, v->u.members[i].klen);
        push_sv(L, v->u.members[i].val, array_mt, object_mt);
        lua_rawset(L, -3);
      }
      if (object_mt) {
        lua_pushvalue(L, object_mt);
        lua_setmetatable(L, -2);
      }
      break;
  }
}

/* _decode(text [, object_mt]): the validator's own JSON reader, for tests
** and tools; objects get object_mt when given; nil, err on bad text. */
static int arena_gc (lua_State *L) {
  sc_arena_free(luaL_checkudata(L, 1, ARENA));
  return 0;
}

static int schema_decode (lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  sc_arena *a;
  char err[160];
  sv_value *v;
  lua_settop(L, 2);
  push_array_mt(L);                                       /* 3 */
  a = lua_newuserdatauv(L, sizeof *a, 0);  /* owns the tree: no leak */
  memset(a, 0, sizeof *a);
  luaL_setmetatable(L, ARENA);
  v = sv_parse(a, text, len, err, sizeof err);
  if (v == NULL) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  push_sv(L, v, lua_isnil(L, 3) ? 0 : 3, lua_istable(L, 2) ? 2 : 0);
  return 1;
}

static int schema_utf8_length (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_pushinteger(L, (lua_Integer)sc_utf8_length(s, len));
  return 1;
}

static const luaL_Reg schema_funcs[] = {
  {"_decode", schema_decode},
  {"compile", schema_compile},
  {"utf8_length", schema_utf8_length},
  {NULL, NULL}
};

int luaopen_flowlua_core_schema (lua_State *L) {
  luaL_newmetatable(L, ARENA);
  lua_pushcfunction(L, arena_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, VALIDATOR);
  luaL_setfuncs(L, validator_meta, 0);
  luaL_newlibtable(L, validator_methods);
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, validator_methods, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, schema_funcs);
  lua_pushlightuserdata(L, NULL);   /* json.null: the JSON null */
  lua_setfield(L, -2, "null");
  return 1;
}
