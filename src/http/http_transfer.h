/*
** http_transfer.h - the multi's pool of transfers (http_transfer.c): the
** structs every file of flowlua.core.http works on, and how a transfer
** is taken, found, retired and dropped. Not part of any API.
*/
#ifndef FLOWLUA_HTTP_TRANSFER_H
#define FLOWLUA_HTTP_TRANSFER_H

#include <curl/curl.h>

#include "lua.h"


typedef struct Buf {
  char *p;
  size_t len, cap;
} Buf;

typedef struct Transfer {
  struct Transfer *next;
  CURL *easy;
  struct curl_slist *headers;
  lua_Integer id;
  Buf body, head;  /* the response; wiped before reuse or free */
  Buf sent;        /* the request body libcurl sends; wiped likewise */
  size_t sent_pos; /* bytes of `sent` the read callback gave libcurl */
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


/* Appends len bytes; growing moves the bytes and wipes the old block.
** -1 without memory. */
int http_buf_add (Buf *b, const char *data, size_t len);
/* A reset transfer from the spare list, else a new one; NULL without
** memory. */
Transfer *http_transfer_new (Multi *m);
/* Retires a transfer that is no longer in the multi. */
void http_transfer_free (Multi *m, Transfer *t);
/* Unlinks the transfer from the owner's list and frees it. */
void http_transfer_drop (Multi *m, Transfer *t);
/* The transfer with this id, or NULL. */
Transfer *http_find_transfer (Multi *m, lua_Integer id);
/* Frees every transfer of the multi, in flight, finished or spare. */
void http_transfer_free_all (Multi *m);

#endif
