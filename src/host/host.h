/*
** host/host.h - what the host's two files share: core.c builds Lua states
** with every flowlua module, main.c (the executable) and the fuzz
** harnesses use them. Nothing below the host includes this.
*/
#ifndef FLOWLUA_HOST_H
#define FLOWLUA_HOST_H

#include "lua.h"

/*
** Opens the standard libraries and makes every flowlua module loadable in
** a fresh state: flowlua.core is preloaded, and the host executable also
** preloads its embedded Lua modules through flowlua_embedded_preload.
** The server gets it from luaopen_flowlua_core_server (core.c) to build
** the Lua state of its handler thread.
*/
void flowlua_openlibs (lua_State *L);

/* Set by the executable (main.c); NULL in the loadable module. */
extern void (*flowlua_embedded_preload) (lua_State *L);

#endif
