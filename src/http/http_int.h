/*
** http_int.h - what the files of flowlua.core.http share: the multi, its
** transfers and their buffers. Not part of any API.
**
** http.c owns the multi and its pool of transfers, http_start.c turns a
** request table into a configured transfer, http_poll.c drives transfers
** and reports the finished ones as Lua tables.
*/
#ifndef FLOWLUA_HTTP_INT_H
#define FLOWLUA_HTTP_INT_H

#include <curl/curl.h>

#include "lua.h"
#include "lauxlib.h"

#define MULTI_MT "flowlua.http.multi"


typedef struct Buf {
  char *p;
  size_t len, cap;
} Buf;

typedef struct Transfer {
  struct Transfer *next;
  CURL *easy;
  struct curl_slist *headers;
  lua_Integer id;
  Buf body, head;
  size_t max_body;
  int too_large;   /* the body passed max_body: the write callback refused */
  int head_too_large;  /* the headers passed MAX_HEAD */
  int no_memory;   /* a buffer could not grow */
  int done;        /* finished, waiting to be reported by poll */
  int configured;  /* the easy handle holds the fixed options */
  int plain;       /* a plain GET: nothing to undo before the next use */
  CURLcode result;
  char errbuf[CURL_ERROR_SIZE];
} Transfer;

typedef struct Multi {
  CURLM *cm;       /* NULL once closed */
  Transfer *list;  /* every transfer owned: in flight or finished */
  Transfer *spare; /* reset transfers (easy handle, buffers) for reuse */
  int nspare;
  int running;
  lua_Integer next_id;
} Multi;


/* Every method's first step: inline, so splitting the files costs none. */
static inline Multi *check_multi (lua_State *L) {
  Multi *m = (Multi *)luaL_checkudata(L, 1, MULTI_MT);
  if (m->cm == NULL) luaL_error(L, "attempt to use a closed http multi");
  return m;
}

/* http.c: the pool of transfers */
Transfer *http_transfer_new (Multi *m);
void http_transfer_free (Multi *m, Transfer *t);
void http_transfer_drop (Multi *m, Transfer *t);

/* http_start.c */
int http_multi_start (lua_State *L);

/* http_poll.c */
int http_multi_poll (lua_State *L);
int http_multi_wait (lua_State *L);
Transfer *http_find_transfer (Multi *m, lua_Integer id);

#endif
