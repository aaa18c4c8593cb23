/*
** flowlua.h - the entry points of flowlua.core, the only symbols the
** module (flowlua/core.so) and the executable export.
** Each submodule lives in its own folder (src/json, src/http, ...) and
** exposes one luaopen_* function; host/core.c gathers them into the
** flowlua.core table. This header is the bottom of the C layers: every
** part may include it, it includes nothing of ours.
*/
#ifndef FLOWLUA_H
#define FLOWLUA_H

#include "lua.h"

#define FLOWLUA_VERSION "0.1.0"

/* The build hides every other symbol (-fvisibility=hidden), so the
** internals of one part cannot clash with a library's or another
** module's names, and calls between our files need no PLT. */
#if defined(__GNUC__)
#define FLOWLUA_API __attribute__((visibility("default")))
#else
#define FLOWLUA_API
#endif

FLOWLUA_API int luaopen_flowlua_core (lua_State *L);
FLOWLUA_API int luaopen_flowlua_core_json (lua_State *L);
FLOWLUA_API int luaopen_flowlua_core_schema (lua_State *L);
FLOWLUA_API int luaopen_flowlua_core_http (lua_State *L);
FLOWLUA_API int luaopen_flowlua_core_server (lua_State *L);
FLOWLUA_API int luaopen_flowlua_core_sys (lua_State *L);

#endif
