/*
** src/http.c - flowlua.core.http (placeholder until its issue lands: an empty table).
*/
#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"

int luaopen_flowlua_core_http (lua_State *L) {
  lua_newtable(L);
  return 1;
}
