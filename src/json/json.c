/*
** src/json/json.c - flowlua.core.json: an exact JSON codec (RFC 8259).
** The decoder is in json_decode.c, the encoder in json_encode.c, what they
** share in json_depth.c; this file is the module itself (json.array,
** json.null).
** Settings travel in per-call structs; there is no global mutable state.
*/

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"
#include "json.h"


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
