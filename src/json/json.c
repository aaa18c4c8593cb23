/*
** src/json/json.c - flowlua.core.json: an exact JSON codec (RFC 8259).
** The decoder is in json_decode.c, the encoder in json_encode.c, what they
** share in json_depth.c; this file is the module itself (json.array,
** json.object, json.null).
** Settings travel in per-call structs; there is no global mutable state.
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"
#include "json.h"


/* ======================================================================
** json.array, json.object and module
** ====================================================================== */

/* json.array() -> a new empty array; json.array(t) marks t as one; the
** same for json.object (self, at 1, is the metatable called) */
static int mark_call (lua_State *L) {
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

/* Pushes a new shared metatable of the marks: named, and callable. */
static void push_mark (lua_State *L, const char *name) {
  lua_newtable(L);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_createtable(L, 0, 1);        /* its own metatable: callable */
  lua_pushcfunction(L, mark_call);
  lua_setfield(L, -2, "__call");
  lua_setmetatable(L, -2);
}

int luaopen_flowlua_core_json (lua_State *L) {
  luaL_newlibtable(L, json_funcs);
  push_mark(L, "flowlua.json.array");
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "array");
  lua_createtable(L, 0, 2);        /* metatable of encode's buffers */
  lua_pushcfunction(L, json_buf_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "flowlua.json.buffer");
  lua_setfield(L, -2, "__name");
  push_mark(L, "flowlua.json.object");
  lua_pushvalue(L, -1);
  lua_setfield(L, -5, "object");
  memset(lua_newuserdatauv(L, sizeof(JsonFloatMemo), 0), 0,
         sizeof(JsonFloatMemo));
  luaL_setfuncs(L, json_funcs, 4);   /* ARRAY_MT, BUF_MT, OBJECT_MT, memo */
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  return 1;
}
