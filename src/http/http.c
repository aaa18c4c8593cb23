/*
** http.c - flowlua.core.http: HTTP transfers on libcurl's multi interface.
**
** C only moves bytes; Lua (flowlua.http, flowlua.task) schedules. A
** "flowlua.http.multi" userdata owns a CURLM (its connection pool) and
** every easy handle and buffer of its transfers: start(req) adds one and
** returns its id, poll(timeout) drives them and returns the finished ones.
** libcurl callbacks only copy bytes into C buffers and never call Lua, so
** no Lua error can unwind through libcurl.
**
** This file holds the multi handle and the module; its pool of transfers
** is in http_transfer.c, starting a transfer in http_start.c, polling in
** http_poll.c, and what the methods share in http_int.h.
*/
#include <string.h>
#include <sys/select.h>

#include <curl/curl.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"
#include "http_cloexec.h"
#include "http_int.h"



/* ---------------------------------------------------------------------
** The multi handle
** ------------------------------------------------------------------- */

/* cancel(id) -> true if the transfer existed; it is stopped and freed. */
static int multi_cancel (lua_State *L) {
  Multi *m = check_multi(L);
  Transfer *t = http_find_transfer(m, luaL_checkinteger(L, 2));
  if (t != NULL) http_transfer_drop(m, t);
  lua_pushboolean(L, t != NULL);
  return 1;
}


/* Transfers started and not yet reported by poll. */
static int multi_pending (lua_State *L) {
  Multi *m = check_multi(L);
  Transfer *t;
  lua_Integer n = 0;
  for (t = m->list; t != NULL; t = t->next) n++;
  lua_pushinteger(L, n);
  return 1;
}


/* Idempotent; frees every transfer, even in the middle of its work. */
static int multi_close (lua_State *L) {
  Multi *m = (Multi *)luaL_checkudata(L, 1, MULTI_MT);
  if (m->cm != NULL) {
    http_transfer_free_all(m);
    curl_multi_cleanup(m->cm);
    m->cm = NULL;
  }
  return 0;
}


static int multi_tostring (lua_State *L) {
  Multi *m = (Multi *)luaL_checkudata(L, 1, MULTI_MT);
  if (m->cm == NULL) lua_pushliteral(L, "flowlua.http.multi (closed)");
  else lua_pushfstring(L, "flowlua.http.multi (%p)", (void *)m);
  return 1;
}


/* A CURLM whose wakeup socketpair children do not inherit. */
static CURLM *new_multi (void) {
  FdList before;
  CURLM *cm;
  http_fds_open(&before);
  cm = curl_multi_init();
  http_fds_cloexec_new(&before);
  return cm;
}


/* multi([{max_connections = 50, headers_mt = table}]) -> a pool of
** connections and transfers; response headers get headers_mt. */
static int http_multi (lua_State *L) {
  lua_Integer maxconn = 50;
  Multi *m;
  lua_settop(L, 1);
  if (!lua_isnil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "max_connections");
    maxconn = luaL_optinteger(L, -1, 50);
    luaL_argcheck(L, maxconn > 0 && maxconn <= 10000, 1,
                  "max_connections out of range");
    lua_getfield(L, 1, "headers_mt");
  }
  else lua_pushnil(L);
  m = (Multi *)lua_newuserdatauv(L, sizeof *m, 1);
  lua_insert(L, -2);
  lua_setiuservalue(L, -2, 1);
  memset(m, 0, sizeof *m);  /* closed until the CURLM exists */
  luaL_setmetatable(L, MULTI_MT);
  m->cm = new_multi();
  if (m->cm == NULL) return luaL_error(L, "cannot create a curl multi");
  curl_multi_setopt(m->cm, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)maxconn);
  curl_multi_setopt(m->cm, CURLMOPT_MAXCONNECTS, (long)maxconn);
  return 1;
}


/* Fills the select sets with every multi's sockets; returns the wait in
** ms, shortened to what libcurl asks for. */
static long gather_fds (lua_State *L, int n, fd_set *fds, int *maxfd,
                        long wait) {
  int i;
  for (i = 1; i <= n; i++) {
    Multi *m;
    long t = -1;
    int mx = -1;
    lua_geti(L, 1, i);
    m = (Multi *)luaL_checkudata(L, -1, MULTI_MT);
    lua_pop(L, 1);
    if (m->cm == NULL) continue;
    curl_multi_fdset(m->cm, &fds[0], &fds[1], &fds[2], &mx);
    curl_multi_timeout(m->cm, &t);
    if (t >= 0 && t < wait) wait = t;
    if (mx < 0 && m->list != NULL && wait > 10) wait = 10;  /* resolving */
    if (mx > *maxfd) *maxfd = mx;
  }
  return wait;
}


/* wait(multis, timeout): blocks until a socket of any of the multis is
** ready or the timeout passes, so one loop can serve several clients. */
static int http_wait (lua_State *L) {
  fd_set fds[3];
  int maxfd = -1, n;
  long wait;
  struct timeval tv;
  luaL_checktype(L, 1, LUA_TTABLE);
  wait = (long)(luaL_checknumber(L, 2) * 1000.0);
  n = (int)luaL_len(L, 1);
  FD_ZERO(&fds[0]);
  FD_ZERO(&fds[1]);
  FD_ZERO(&fds[2]);
  wait = gather_fds(L, n, fds, &maxfd, wait < 0 ? 0 : wait);
  tv.tv_sec = wait / 1000;
  tv.tv_usec = (wait % 1000) * 1000;
  select(maxfd + 1, &fds[0], &fds[1], &fds[2], &tv);
  return 0;
}


static int http_version (lua_State *L) {
  lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
  return 1;
}


static const luaL_Reg multi_methods[] = {
  {"cancel", multi_cancel},
  {"close", multi_close},
  {"pending", multi_pending},
  {"poll", http_multi_poll},
  {"start", http_multi_start},
  {"wait", http_multi_wait},
  {NULL, NULL}
};

static const luaL_Reg multi_meta[] = {
  {"__close", multi_close},
  {"__gc", multi_close},
  {"__index", NULL},
  {"__tostring", multi_tostring},
  {NULL, NULL}
};

static const luaL_Reg http_funcs[] = {
  {"multi", http_multi},
  {"version", http_version},
  {"wait", http_wait},
  {NULL, NULL}
};


int luaopen_flowlua_core_http (lua_State *L) {
  /* Thread-safe in this libcurl (7.84+); never undone: the process ends. */
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (luaL_newmetatable(L, MULTI_MT)) {
    luaL_setfuncs(L, multi_meta, 0);
    luaL_newlib(L, multi_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_newlib(L, http_funcs);
  return 1;
}
