/*
** flowlua.h - declarations shared by the C core.
** Each submodule of flowlua.core lives in its own file and exposes one
** luaopen_* function; core.c gathers them into the flowlua.core table.
*/
#ifndef FLOWLUA_H
#define FLOWLUA_H

#include "lua.h"

#define FLOWLUA_VERSION "0.1.0"

int luaopen_flowlua_core (lua_State *L);
int luaopen_flowlua_core_json (lua_State *L);
int luaopen_flowlua_core_schema (lua_State *L);
int luaopen_flowlua_core_http (lua_State *L);
int luaopen_flowlua_core_server (lua_State *L);
int luaopen_flowlua_core_sys (lua_State *L);

/*
** Opens the standard libraries and makes every flowlua module loadable in
** a fresh state: flowlua.core is preloaded, and the host executable also
** preloads its embedded Lua modules through flowlua_embedded_preload.
** The server uses it to build the Lua state of its handler thread.
*/
void flowlua_openlibs (lua_State *L);

/* Set by the executable (main.c); NULL in the loadable module. */
extern void (*flowlua_embedded_preload) (lua_State *L);

#endif
