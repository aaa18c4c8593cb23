/*
** src/json.c - flowlua.core.json: an exact JSON codec (RFC 8259).
** The decoder is in json_decode.c, the encoder in json_encode.c; this file
** holds what they share and the module itself (json.array, json.null).
** Settings travel in per-call structs; there is no global mutable state.
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"
#include "json.h"


/* ======================================================================
** Shared: frame stacks that grow into a Lua-owned userdata
** ====================================================================== */

/*
** Grows the frame array *frames (cap entries of size sz) to at least
** need entries. The new block is a userdata stored at stack index slot,
** so Lua owns it and nothing leaks if anything raises later.
*/
void *json_grow_frames (lua_State *L, void *frames, int *cap, int need,
                        size_t sz, int slot) {
  int ncap = *cap * 2;
  void *nf;
  if (ncap < need) ncap = need;
  nf = lua_newuserdatauv(L, (size_t)ncap * sz, 0);
  memcpy(nf, frames, (size_t)*cap * sz);
  lua_replace(L, slot);
  *cap = ncap;
  return nf;
}



/* opts.max_depth: an integer from 0 to limit, DEFAULT_DEPTH if absent */
int json_opt_depth (lua_State *L, int arg, lua_Integer limit) {
  lua_Integer v;
  if (lua_isnoneornil(L, arg)) return DEFAULT_DEPTH;
  luaL_checktype(L, arg, LUA_TTABLE);
  if (lua_getfield(L, arg, "max_depth") == LUA_TNIL) v = DEFAULT_DEPTH;
  else {
    int isint;
    v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 0 || v > limit)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "max_depth must be an integer from 0 to %I",
                    (LUAI_UACINT)limit));
  }
  lua_pop(L, 1);
  return (int)v;
}


/* ======================================================================
** json.array and module
** ====================================================================== */

/* json.array() -> a new empty array; json.array(t) marks t as one */
static int array_call (lua_State *L) {
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  else {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
  }
  lua_pushvalue(L, 1);
  lua_setmetatable(L, 2);
  return 1;
}

static const luaL_Reg json_funcs[] = {
  {"decode", json_decode},
  {"encode", json_encode},
  {NULL, NULL}
};

int luaopen_flowlua_core_json (lua_State *L) {
  luaL_newlibtable(L, json_funcs);
  lua_newtable(L);                 /* the shared array metatable */
  lua_pushliteral(L, "flowlua.json.array");
  lua_setfield(L, -2, "__name");
  lua_createtable(L, 0, 1);        /* its own metatable: callable */
  lua_pushcfunction(L, array_call);
  lua_setfield(L, -2, "__call");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "array");
  lua_createtable(L, 0, 2);        /* metatable of encode's buffers */
  lua_pushcfunction(L, json_buf_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "flowlua.json.buffer");
  lua_setfield(L, -2, "__name");
  luaL_setfuncs(L, json_funcs, 2);
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  return 1;
}
