/*
** http_transfer.c - the multi's pool of transfers: finished transfers
** keep their easy handle and small buffers for the next request.
** The lowest piece of flowlua.core.http: it calls nothing of the others.
*/
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lua.h"

#include "http_transfer.h"

#define SPARE_MAX 64          /* finished transfers kept for reuse */
#define KEEP_BUF 65536        /* larger buffers are not kept for reuse */


static void transfer_destroy (Transfer *t) {
  if (t->easy != NULL) curl_easy_cleanup(t->easy);
  curl_slist_free_all(t->headers);
  free(t->body.p);
  free(t->head.p);
  free(t);
}


static void buf_recycle (Buf *b) {
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
  Buf body = t->body, head = t->head;
  int keep = t->plain && t->configured;
  if (m->nspare >= SPARE_MAX || easy == NULL) {
    transfer_destroy(t);
    return;
  }
  if (!keep) curl_easy_reset(easy);
  curl_slist_free_all(t->headers);
  buf_recycle(&body);
  buf_recycle(&head);
  memset(t, 0, sizeof *t);
  t->easy = easy;
  t->body = body;
  t->head = head;
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
