/*
** server/server.h - how the host opens flowlua.core.server (server.c).
*/
#ifndef FLOWLUA_SERVER_H
#define FLOWLUA_SERVER_H

#include "lua.h"

/* Prepares a handler's fresh Lua state: standard libraries and every
** flowlua module loadable. */
typedef void (*server_openlibs) (lua_State *L);

/*
** The module table of flowlua.core.server. The host passes how to open a
** handler's state (flowlua_openlibs): the server is a part below the host
** and never calls up into it.
*/
int server_open_module (lua_State *L, server_openlibs openlibs);

#endif
