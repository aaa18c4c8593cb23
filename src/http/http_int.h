/*
** http_int.h - what the methods of flowlua.core.http's multi share: its
** metatable, its check, and the methods that live outside http.c.
** Not part of any API.
**
** http.c is the module and the multi's own methods, http_start.c turns
** a request table into a configured transfer, http_poll.c drives
** transfers and reports the finished ones as Lua tables; all three take
** transfers from the pool in http_transfer.c.
*/
#ifndef FLOWLUA_HTTP_INT_H
#define FLOWLUA_HTTP_INT_H

#include <curl/curl.h>

#include "lua.h"
#include "lauxlib.h"

#include "http_transfer.h"

#define MULTI_MT "flowlua.http.multi"


/* Every method's first step: inline, so splitting the files costs none. */
static inline Multi *check_multi (lua_State *L) {
  Multi *m = (Multi *)luaL_checkudata(L, 1, MULTI_MT);
  if (m->cm == NULL) luaL_error(L, "attempt to use a closed http multi");
  return m;
}

/* http_start.c */
int http_multi_start (lua_State *L);

/* http_poll.c */
int http_multi_poll (lua_State *L);
int http_multi_wait (lua_State *L);

#endif
