/*
** core.c - luaopen_flowlua_core: the flowlua.core table and its submodules,
** and flowlua_openlibs, which makes them loadable in a fresh Lua state.
*/
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "flowlua.h"
#include "host.h"
#include "server/server.h"

void (*flowlua_embedded_preload) (lua_State *L) = NULL;


/* The server builds a Lua state per handler; it opens it as we do. */
int luaopen_flowlua_core_server (lua_State *L) {
  return server_open_module(L, flowlua_openlibs);
}


static const luaL_Reg submodules[] = {
  {"http", luaopen_flowlua_core_http},
  {"json", luaopen_flowlua_core_json},
  {"schema", luaopen_flowlua_core_schema},
  {"server", luaopen_flowlua_core_server},
  {"sys", luaopen_flowlua_core_sys},
  {NULL, NULL}
};


/*
** Each submodule is also registered in package.loaded under its own name
** (flowlua.core.json, ...), so requiring it directly returns the same table.
*/
int luaopen_flowlua_core (lua_State *L) {
  const luaL_Reg *m;
  lua_newtable(L);
  lua_pushliteral(L, FLOWLUA_VERSION);
  lua_setfield(L, -2, "version");
  for (m = submodules; m->name != NULL; m++) {
    lua_pushfstring(L, "flowlua.core.%s", m->name);
    luaL_requiref(L, lua_tostring(L, -1), m->func, 0);
    lua_setfield(L, -3, m->name);
    lua_pop(L, 1);  /* module name */
  }
  return 1;
}


/*
** The submodules are preloaded under their own names too, so a fresh state
** can require "flowlua.core.sys" before (or without) "flowlua.core".
*/
void flowlua_openlibs (lua_State *L) {
  const luaL_Reg *m;
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_flowlua_core);
  lua_setfield(L, -2, "flowlua.core");
  for (m = submodules; m->name != NULL; m++) {
    lua_pushfstring(L, "flowlua.core.%s", m->name);
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -3, lua_tostring(L, -2));
    lua_pop(L, 1);  /* module name */
  }
  lua_pop(L, 1);
  if (flowlua_embedded_preload != NULL)
    flowlua_embedded_preload(L);
}
