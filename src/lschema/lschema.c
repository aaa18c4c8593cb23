/*
** lschema.c - flowlua.core.schema: the Lua binding of the validator.
**
**   compile(schema_table_or_json_text [, opts])
**     -> validator, validate, validate_json, is_valid, is_valid_json
**        | nil, err
**   validate(self, value)       -> true | false, errors
**   validate_json(self, text)   -> true | false, errors | nil, decode error
**   is_valid(self, value)       -> true | false
**   is_valid_json(self, text)   -> true | false | nil, decode error
**
** A validator is a userdata that owns the compiled schema; the four
** validate functions are closures over it (flowlua/schema.lua stores them
** in its object, so v:validate(x) is one call). Its user value is a table
** of the schema's property names (index = sc_key id), the first of which
** are upvalues of the closures too: lschema_walk.c pushes them to look
** properties up, and compares their interned addresses with a table's
** keys. Lua values are walked by lschema_walk.c, or read through
** sc_access (for all_errors and what that walker leaves), with stack
** slots as references; each access pushes and each release pops, in LIFO
** order. Those readers are in lschema_lua.c, the error tables in
** lschema_errors.c, what the files share in lschema_int.h.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"
#include "lschema_int.h"
#include "lschema_walk.h"
#include "schema/schema.h"

#define VALIDATOR "flowlua.schema.validator"
#define ARENA "flowlua.schema.arena"

/* ======================================================================
** Validators
** ====================================================================== */

/* The validator of a validate function; misuse raises. */
static validator *bound_validator (lua_State *L) {
  validator *v = lua_touserdata(L, UP_VALIDATOR);
  if (v->schema == NULL) luaL_error(L, "attempt to use a closed validator");
  return v;
}

/* Pushes json.array or json.object (mark "array" or "object": the
** metatables that tell [] from {}), or nil without flowlua.core.json. */
static void push_mark (lua_State *L, const char *mark) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, "flowlua.core.json") == LUA_TTABLE)
    lua_getfield(L, -1, mark);
  else
    lua_pushnil(L);
  lua_replace(L, -3);
  lua_pop(L, 1);
  if (!lua_istable(L, -1)) { lua_pop(L, 1); lua_pushnil(L); }
}

static int finish (lua_State *L, int r, int quiet) {
  if (r < 0) {   /* a schema that recurses without consuming the value */
    lua_pushliteral(L, "validation nested more than 512 schemas deep");
    return lua_error(L);
  }
  if (r || quiet) {
    lua_pushboolean(L, r);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_pushvalue(L, SLOT_ERRORS);
  return 2;
}

/* quiet: the answer alone, first error only, no error tables */
static void init_vctx (sc_vctx *c, lctx *x, lua_State *L, validator *v,
                       int quiet) {
  x->L = L;
  x->v = v;
  x->kptr = v->kptr;
  x->nsnap = 0;
  x->nerr = 0;
  memset(c, 0, sizeof *c);
  c->ud = x;
  c->schema = v->schema;
  c->all_errors = v->all_errors && !quiet;
  c->on_error = quiet ? NULL : lschema_on_error;
}

static int run (lua_State *L, validator *v, const sc_access *acc,
                sc_ref value, int quiet) {
  sc_vctx c;
  lctx x;
  init_vctx(&c, &x, L, v, quiet);
  c.acc = acc;
  return finish(L, sc_validate(&c, value), quiet);
}

/* Whether the fast walkers may answer (they stop at the first error). */
static int walks (const validator *v, int quiet) {
  return v->walkable && (quiet || !v->all_errors);
}

/* The walker for Lua values, or the generic one when it cannot say. */
static int run_lua (lua_State *L, validator *v, int quiet) {
  sc_vctx c;
  lctx x;
  sc_lua_keys keys;
  int r;
  if (!walks(v, quiet)) return run(L, v, &lschema_lua_access, 2, quiet);
  init_vctx(&c, &x, L, v, quiet);
  keys.kptr = v->kptr;
  keys.table = SLOT_KEYS;
  keys.up = UP_KEYS;
  keys.nup = v->nkey_up;
  r = sc_lua_walk(L, &c, 2, &keys, SLOT_ARRAY_MT, SLOT_OBJECT_MT);
  if (r != SC_WALK_BAIL) return finish(L, r, quiet);
  lua_settop(L, 2);   /* errors a muted branch may have made */
  lua_pushnil(L);
  return run(L, v, &lschema_lua_access, 2, quiet);
}

/* A parsed document: the fast walker, or the generic one. */
static int run_sv (lua_State *L, validator *v, const sv_value *doc,
                   int quiet) {
  sc_vctx c;
  lctx x;
  int r;
  if (!walks(v, quiet)) return run(L, v, &sv_access, (sc_ref)doc, quiet);
  init_vctx(&c, &x, L, v, quiet);
  r = sc_sv_walk(&c, doc);
  if (r != SC_WALK_BAIL) return finish(L, r, quiet);
  lua_settop(L, 2);   /* errors a muted branch may have made */
  lua_pushnil(L);
  return run(L, v, &sv_access, (sc_ref)doc, quiet);
}

static int check_value (lua_State *L, int quiet) {
  validator *v = bound_validator(L);
  luaL_checkany(L, 2);
  lua_settop(L, SLOT_ERRORS);   /* the error list: nil for now */
  return run_lua(L, v, quiet);
}

/* validate(self, value): self is the Lua object, ignored */
static int bound_validate (lua_State *L) {
  return check_value(L, 0);
}

/* is_valid(self, value) */
static int bound_is_valid (lua_State *L) {
  return check_value(L, 1);
}

static int check_text (lua_State *L, int quiet) {
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
  return run_sv(L, v, doc, quiet);
}

/* validate_json(self, text) */
static int bound_validate_json (lua_State *L) {
  return check_text(L, 0);
}

/* is_valid_json(self, text) */
static int bound_is_valid_json (lua_State *L) {
  return check_text(L, 1);
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
  int array_mt, object_mt;   /* stack indices of the marks, or 0 */
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
    cv.object_mt = r->object_mt;
    if ((doc = lschema_to_sv(&cv, lua_gettop(L))) == NULL)
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
static sv_value *read_schema (lua_State *L, validator *v,
                              const resolver *r, char *err, size_t errlen) {
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
    cv.array_mt = r->array_mt;
    cv.object_mt = r->object_mt;
    if ((root = lschema_to_sv(&cv, 1)) == NULL)
      snprintf(err, errlen, "%s", cv.err);
    return root;
  }
}

/* A validate function over the validator (6), keys (7), json.array (4),
** json.object (5), the error field names and the first keys. */
static void push_bound (lua_State *L, const validator *v, lua_CFunction f) {
  int i;
  luaL_checkstack(L, UP_KEYS + v->nkey_up, "too many keys");
  lua_pushvalue(L, 6);
  lua_pushvalue(L, 7);
  lua_pushvalue(L, 4);
  lua_pushvalue(L, 5);
  for (i = 0; i < 5; i++) lua_pushstring(L, lschema_error_fields[i]);
  for (i = 1; i <= v->nkey_up; i++) lua_rawgeti(L, 7, i);
  lua_pushcclosure(L, f, UP_KEYS + v->nkey_up);
}

/* compile(spec [, opts])
**   -> validator, validate, validate_json, is_valid, is_valid_json */
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
  push_mark(L, "array");                                 /* 4 */
  push_mark(L, "object");                                /* 5 */
  v = lua_newuserdatauv(L, sizeof *v, 1);                /* 6 */
  memset(v, 0, sizeof *v);
  luaL_setmetatable(L, VALIDATOR);
  v->all_errors = opt_flag(L, "all_errors", 0);
  if ((v->schema = sc_new()) == NULL) return luaL_error(L, "out of memory");
  r.L = L;
  r.fn = lua_isnil(L, 3) ? 0 : 3;
  r.array_mt = lua_isnil(L, 4) ? 0 : 4;
  r.object_mt = lua_isnil(L, 5) ? 0 : 5;
  o.resolve = resolve_cb;
  o.resolve_ud = &r;
  err[0] = '\0';
  root = read_schema(L, v, &r, err, sizeof err);
  if (root == NULL || !sc_compile(v->schema, root, &o, err, sizeof err)) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  v->walkable = opt_flag(L, "fast", 1) && sc_lua_walkable(v->schema);
  lua_createtable(L, (int)sc_nkeys(v->schema), 0);       /* 7 */
  fill_keys(L, v, 7);
  v->nkey_up = (int)(sc_nkeys(v->schema) < KEY_UPVALUES
                     ? sc_nkeys(v->schema) : KEY_UPVALUES);
  lua_pushvalue(L, 7);
  lua_setiuservalue(L, 6, 1);
  if (lua_isnil(L, 4)) { lua_pushboolean(L, 0); lua_replace(L, 4); }
  if (lua_isnil(L, 5)) { lua_pushboolean(L, 0); lua_replace(L, 5); }
  lua_pushvalue(L, 6);
  push_bound(L, v, bound_validate);
  push_bound(L, v, bound_validate_json);
  push_bound(L, v, bound_is_valid);
  push_bound(L, v, bound_is_valid_json);
  return 5;
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
  push_mark(L, "array");                                  /* 3 */
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
