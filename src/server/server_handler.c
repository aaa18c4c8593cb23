/*
** server_handler.c - flowlua.core.server's handler call: one request,
** taken from a connection thread into the handler's own Lua state and the
** handler's answer taken back out as an MHD response.
**
** server_run_handler holds the server's lock for the whole visit, calls the
** handler under lua_pcall (so no Lua error unwinds through
** libmicrohttpd), and reads the checked answer with calls that cannot
** raise. Everything that touches the handler state lives here.
*/
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "lua.h"
#include "lauxlib.h"

#include "server_int.h"


/* ======================================================================
** The handler call, inside the handler state (protected)
** ====================================================================== */

static void push_lower (lua_State *L, const char *s) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (; *s != '\0'; s++)
    luaL_addchar(&b, (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s));
  luaL_pushresult(&b);
}


/* Header names lower-cased; a repeated header joins its values with ", ". */
static void push_headers (lua_State *L, const Pairs *p) {
  size_t i;
  lua_createtable(L, 0, (int)(p->n / 2));
  for (i = 0; i + 1 < p->n; i += 2) {
    push_lower(L, p->kv[i]);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TSTRING) {
      lua_pushfstring(L, "%s, %s", lua_tostring(L, -1), p->kv[i + 1]);
      lua_remove(L, -2);
    }
    else {
      lua_pop(L, 1);
      lua_pushstring(L, p->kv[i + 1]);
    }
    lua_rawset(L, -3);
  }
}


static void push_request (lua_State *L, const Exchange *ex) {
  const char *uri = ex->r->uri != NULL ? ex->r->uri : "";
  const char *q = strchr(uri, '?');
  lua_createtable(L, 0, 6);
  lua_pushstring(L, ex->method);
  lua_setfield(L, -2, "method");
  lua_pushstring(L, ex->path);
  lua_setfield(L, -2, "path");
  lua_pushstring(L, q != NULL ? q + 1 : "");
  lua_setfield(L, -2, "query");
  push_headers(L, &ex->headers);
  lua_setfield(L, -2, "headers");
  lua_pushlstring(L, ex->r->body, ex->r->len);
  lua_setfield(L, -2, "body");
  lua_pushstring(L, ex->remote);
  lua_setfield(L, -2, "remote");
}


static int bad_response (lua_State *L, const char *what) {
  return luaL_error(L, "handler returned a bad response: %s", what);
}


static int valid_header (const char *name, const char *value) {
  if (*name == '\0' || strpbrk(name, ":\r\n \t") != NULL) return 0;
  return strpbrk(value, "\r\n") == NULL;
}


/*
** Copies the response's headers into a fresh list {name, value, ...} of
** strings, so the C side can read them after the call without any
** operation that could raise.
*/
static void list_headers (lua_State *L, int res) {
  int t = lua_getfield(L, res, "headers");
  int h = lua_gettop(L), n = 0;
  if (t != LUA_TNIL && t != LUA_TTABLE)
    bad_response(L, "headers must be a table");
  lua_newtable(L);
  if (t == LUA_TNIL) return;
  lua_pushnil(L);
  while (lua_next(L, h) != 0) {
    const char *k, *v;
    size_t kl, vl;
    if (lua_type(L, -2) != LUA_TSTRING ||
        (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER))
      bad_response(L, "header names and values must be strings");
    k = lua_tolstring(L, -2, &kl);
    v = lua_tolstring(L, -1, &vl);
    if (strlen(k) != kl || strlen(v) != vl || !valid_header(k, v))
      bad_response(L, "invalid header name or value");
    lua_pushvalue(L, -2);
    lua_rawseti(L, h + 1, ++n);
    lua_rawseti(L, h + 1, ++n);  /* pops the value */
  }
}


/*
** Checks the handler's answer and leaves, in order: status, body, header
** list, delay, abort. With abort = true only the delay matters.
*/
static int check_response (lua_State *L) {
  int res = lua_gettop(L), isint, t, aborting;
  lua_Integer status = 0;
  if (lua_type(L, res) != LUA_TTABLE)
    return bad_response(L, "expected a table");
  lua_getfield(L, res, "abort");
  aborting = lua_toboolean(L, -1);
  lua_getfield(L, res, "status");
  status = lua_tointegerx(L, -1, &isint);
  /* 1xx are interim answers, never a request's final response */
  if (!aborting && (!isint || status < 200 || status > 599))
    bad_response(L, "status must be an integer from 200 to 599");
  lua_pop(L, 2);
  lua_pushinteger(L, status);
  t = lua_getfield(L, res, "body");
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    lua_pushliteral(L, "");
  }
  else if (t != LUA_TSTRING)
    bad_response(L, "body must be a string");
  list_headers(L, res);
  lua_remove(L, -2);
  t = lua_getfield(L, res, "delay");
  if (t != LUA_TNIL && (t != LUA_TNUMBER || !(lua_tonumber(L, -1) >= 0)))
    bad_response(L, "delay must be a non-negative number");
  lua_pushboolean(L, aborting);
  return 5;
}


static int call_handler (lua_State *L) {
  const Exchange *ex = (const Exchange *)lua_touserdata(L, 1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ex->s->handler_ref);
  push_request(L, ex);
  lua_call(L, 1, 1);
  return check_response(L);
}


/* ======================================================================
** From the handler state back to libmicrohttpd (under the lock)
** ====================================================================== */

static void add_headers (lua_State *L, int list, struct MHD_Response *res) {
  lua_Integer i, n = (lua_Integer)lua_rawlen(L, list);
  for (i = 1; i < n; i += 2) {
    const char *name, *value;
    lua_rawgeti(L, list, i);
    lua_rawgeti(L, list, i + 1);
    name = lua_tostring(L, -2);
    value = lua_tostring(L, -1);
    /* MHD computes the length itself and would send two otherwise */
    if (strcasecmp(name, "content-length") != 0)
      MHD_add_response_header(res, name, value);
    lua_pop(L, 2);
  }
}


/* Reads the checked answer off the stack with calls that cannot raise. */
static void take_response (lua_State *L, Exchange *ex) {
  int top = lua_gettop(L);
  size_t len;
  union { const char *c; void *v; } body;
  ex->status = (unsigned)lua_tointeger(L, top - 4);
  body.c = lua_tolstring(L, top - 3, &len);
  ex->delay = lua_isnumber(L, top - 1) ? lua_tonumber(L, top - 1) : 0;
  ex->abort = lua_toboolean(L, top);
  if (ex->abort || !lua_checkstack(L, 2)) return;
  ex->response = MHD_create_response_from_buffer(len, body.v,
                                                 MHD_RESPMEM_MUST_COPY);
  if (ex->response != NULL)
    add_headers(L, top - 2, ex->response);
}


static void take_error (lua_State *L, Exchange *ex) {
  char msg[128];
  const char *text = msg;
  /* lua_tostring would convert a number in place, which may allocate */
  if (lua_type(L, -1) == LUA_TSTRING)
    text = lua_tostring(L, -1);
  else {
    snprintf(msg, sizeof msg, "handler raised a %s value",
             luaL_typename(L, -1));
  }
  ex->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
  ex->response = server_error_response(ex->status, text);
}


void server_run_handler (Exchange *ex) {
  lua_State *L = ex->s->hl;
  int top;
  pthread_mutex_lock(&ex->s->lock);
  top = lua_gettop(L);
  lua_pushcfunction(L, call_handler);
  lua_pushlightuserdata(L, ex);
  if (lua_pcall(L, 1, 5, 0) == LUA_OK)
    take_response(L, ex);
  else
    take_error(L, ex);
  lua_settop(L, top);
  pthread_mutex_unlock(&ex->s->lock);
}

