/*
** http_transfer.c - the multi's pool of transfers: finished transfers
** keep their easy handle and small buffers for the next request.
** The lowest piece of flowlua.core.http: it calls nothing of the others.
**
** Buffers hold secrets (a token in a response, a client secret or a
** storage password in a request body, Authorization in the headers), so
** every byte we wrote is wiped before its memory is reused or freed.
** libcurl's own copies (its send buffer, its connection cache) are not
** ours to wipe.
*/
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lua.h"

#include "http_transfer.h"

#define SPARE_MAX 64          /* finished transfers kept for reuse */
#define KEEP_BUF 65536        /* larger buffers are not kept for reuse */


int http_buf_add (Buf *b, const char *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    char *p;
    while (cap < b->len + len) cap *= 2;
    /* not realloc: it could free the old block with the bytes in it */
    if ((p = (char *)malloc(cap)) == NULL) return -1;
    if (b->len > 0) memcpy(p, b->p, b->len);
    if (b->p != NULL) explicit_bzero(b->p, b->len);
    free(b->p);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
  return 0;
}


static void buf_free (Buf *b) {
  if (b->p != NULL) explicit_bzero(b->p, b->len);
  free(b->p);
}


static void free_headers (struct curl_slist *headers) {
  struct curl_slist *h;
  for (h = headers; h != NULL; h = h->next)
    explicit_bzero(h->data, strlen(h->data));
  curl_slist_free_all(headers);
}


static void transfer_destroy (Transfer *t) {
  if (t->easy != NULL) curl_easy_cleanup(t->easy);
  free_headers(t->headers);
  buf_free(&t->body);
  buf_free(&t->head);
  buf_free(&t->sent);
  free(t);
}


static void buf_recycle (Buf *b) {
  if (b->p != NULL) explicit_bzero(b->p, b->len);
  b->len = 0;
  if (b->cap > KEEP_BUF) {
    free(b->p);
    b->p = NULL;
    b->cap = 0;
  }
}


/* Retires a transfer that is no longer in the multi: with its easy
** handle and small buffers it serves the next request, which saves
** allocations on every request of a busy client. After a plain GET the
** handle keeps its options (the next request sets all it changes);
** after anything else it is reset. */
void http_transfer_free (Multi *m, Transfer *t) {
  CURL *easy = t->easy;
  Buf body = t->body, head = t->head, sent = t->sent;
  int keep = t->plain && t->configured;
  if (m->nspare >= SPARE_MAX || easy == NULL) {
    transfer_destroy(t);
    return;
  }
  if (!keep) curl_easy_reset(easy);
  free_headers(t->headers);
  buf_recycle(&body);
  buf_recycle(&head);
  buf_recycle(&sent);
  memset(t, 0, sizeof *t);
  t->easy = easy;
  t->body = body;
  t->head = head;
  t->sent = sent;
  t->configured = keep;
  t->next = m->spare;
  m->spare = t;
  m->nspare++;
}


/* Unlinks the transfer from the owner's list and frees it. */
void http_transfer_drop (Multi *m, Transfer *t) {
  Transfer **p = &m->list;
  while (*p != t) p = &(*p)->next;
  *p = t->next;
  if (!t->done) curl_multi_remove_handle(m->cm, t->easy);
  http_transfer_free(m, t);
}


Transfer *http_transfer_new (Multi *m) {
  Transfer *t = m->spare;
  if (t != NULL) {
    m->spare = t->next;
    m->nspare--;
    t->next = NULL;
    return t;
  }
  t = (Transfer *)calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->easy = curl_easy_init();
  if (t->easy == NULL) {
    free(t);
    return NULL;
  }
  return t;
}


Transfer *http_find_transfer (Multi *m, lua_Integer id) {
  Transfer *t;
  for (t = m->list; t != NULL; t = t->next)
    if (t->id == id) return t;
  return NULL;
}


/* Frees every transfer of the multi, in flight, finished or spare. */
void http_transfer_free_all (Multi *m) {
  while (m->list != NULL) http_transfer_drop(m, m->list);
  while (m->spare != NULL) {
    Transfer *t = m->spare;
    m->spare = t->next;
    transfer_destroy(t);
  }
  m->nspare = 0;
}
