/*
** http_start.c - flowlua.core.http: start(req), from a request table to a
** transfer in the multi.
**
** Kept apart from polling because it is the one place that reads Lua
** input for a transfer: every field is checked before any C allocation,
** and the easy handle's options are set here. The write and header
** callbacks live here too, since set_fixed installs them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lua.h"
#include "lauxlib.h"

#include "http_cloexec.h"
#include "http_int.h"

#define DEFAULT_MAX_BODY ((curl_off_t)64 * 1024 * 1024)
#define MAX_HEAD ((size_t)1024 * 1024)  /* bytes of response headers */


/* ---------------------------------------------------------------------
** Buffers and callbacks: plain C, no Lua
** ------------------------------------------------------------------- */

static size_t on_body (char *data, size_t size, size_t n, void *ud) {
  Transfer *t = (Transfer *)ud;
  size_t len = size * n;
  if (len > t->max_body - t->body.len) {
    t->too_large = 1;
    return 0;  /* refuses the bytes: libcurl stops with CURLE_WRITE_ERROR */
  }
  if (http_buf_add(&t->body, data, len) != 0) {
    t->no_memory = 1;
    return 0;
  }
  return len;
}


/* A status line starts a new header block (after 1xx or an auth round):
** only the last block describes the response. */
static size_t on_header (char *data, size_t size, size_t n, void *ud) {
  Transfer *t = (Transfer *)ud;
  size_t len = size * n;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) t->head.len = 0;
  if (t->head.len + len > MAX_HEAD) {
    t->head_too_large = 1;
    return 0;
  }
  if (http_buf_add(&t->head, data, len) != 0) {
    t->no_memory = 1;
    return 0;
  }
  return len;
}



/* ---------------------------------------------------------------------
** start(req): reading the request table
** ------------------------------------------------------------------- */

/* Everything start() reads from Lua, gathered before any C allocation
** so that a bad field raises without leaking. Strings stay valid because
** their values are left on the Lua stack. */
typedef struct Request {
  const char *method, *url, *body, *cafile, *noproxy;
  size_t body_len;
  int has_body, insecure, once, compress, nheaders;
  long timeout_ms, connect_timeout_ms;
  curl_off_t max_body;
} Request;


static const char *opt_string (lua_State *L, int t, const char *k,
                               const char *def, size_t *len) {
  int type = lua_getfield(L, t, k);
  if (len != NULL) *len = 0;
  if (type == LUA_TNIL) return def;
  if (type != LUA_TSTRING)
    luaL_error(L, "request field '%s' must be a string", k);
  return lua_tolstring(L, -1, len);
}


static long opt_ms (lua_State *L, int t, const char *k) {
  double secs;
  int isnum;
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  secs = lua_tonumberx(L, -1, &isnum);
  if (!isnum || secs < 0 || secs > 1e6)
    luaL_error(L, "request field '%s' must be a number of seconds", k);
  lua_pop(L, 1);
  return (long)(secs * 1000.0 + 0.5);
}


static int check_headers (lua_State *L, int t) {
  int i, n;
  if (lua_getfield(L, t, "headers") == LUA_TNIL) return 0;
  luaL_argexpected(L, lua_istable(L, -1), 2, "headers as a list");
  n = (int)luaL_len(L, -1);
  for (i = 1; i <= n; i++) {
    if (lua_geti(L, -1, i) != LUA_TSTRING)
      luaL_error(L, "request header %d must be a string 'Name: value'", i);
    lua_pop(L, 1);
  }
  return n;
}


/* Leaves headers, method, url, body, cafile and noproxy on the stack
** (6 slots). */
static void read_request (lua_State *L, Request *r) {
  luaL_checktype(L, 2, LUA_TTABLE);
  r->nheaders = check_headers(L, 2);
  r->method = opt_string(L, 2, "method", "GET", NULL);
  r->url = opt_string(L, 2, "url", NULL, NULL);
  if (r->url == NULL) luaL_error(L, "request field 'url' is required");
  r->body = opt_string(L, 2, "body", NULL, &r->body_len);
  r->has_body = r->body != NULL;
  r->cafile = opt_string(L, 2, "cafile", NULL, NULL);
  r->noproxy = opt_string(L, 2, "noproxy", NULL, NULL);
  r->timeout_ms = opt_ms(L, 2, "timeout");
  r->connect_timeout_ms = opt_ms(L, 2, "connect_timeout");
  lua_getfield(L, 2, "insecure");
  r->insecure = lua_toboolean(L, -1);
  lua_getfield(L, 2, "once");
  r->once = lua_toboolean(L, -1);
  lua_getfield(L, 2, "compress");
  r->compress = lua_toboolean(L, -1);
  lua_pop(L, 3);
  lua_getfield(L, 2, "max_body");
  r->max_body = (curl_off_t)luaL_optinteger(L, -1, DEFAULT_MAX_BODY);
  if (r->max_body < 0) luaL_error(L, "request field 'max_body' is negative");
  lua_pop(L, 1);
}


/* Copies the header list (stack slot idx) into C; with a body, adds
** "Expect:" so a large body is sent at once instead of waiting for
** 100-continue. */
static int build_headers (lua_State *L, int idx, int n, int body,
                          Transfer *t) {
  int i, expect = !body;
  for (i = 1; i <= n; i++) {
    struct curl_slist *s;
    const char *h;
    lua_geti(L, idx, i);  /* a string (checked): no error possible */
    h = lua_tostring(L, -1);
    if (strncasecmp(h, "expect:", 7) == 0) expect = 1;
    s = curl_slist_append(t->headers, h);
    lua_pop(L, 1);
    if (s == NULL) return -1;
    t->headers = s;
  }
  if (!expect) {
    struct curl_slist *s = curl_slist_append(t->headers, "Expect:");
    if (s == NULL) return -1;
    t->headers = s;
  }
  return 0;
}


/* ---------------------------------------------------------------------
** Requests sent at most once
**
** libcurl resends a request by itself when the kept-alive connection it
** reused closes before any byte of the answer, even when the whole
** request went out and the server may have acted on it (7.88's
** Curl_retry_request). A request sent `once` (flowlua.http: POST and
** PATCH) must never be resent behind the caller's back. libcurl 8.16+
** says so with CURLOPT_FORBID_RETRY_ON_REUSE. Older ones resend a body
** only after rewinding it: a body given by a read callback whose seek
** refuses to go back once bytes were read makes that resend fail
** (CURLE_SEND_FAIL_REWIND, an answer lost after sending), so such a
** request may use a kept-alive connection. A request without a body has
** nothing to rewind and takes a fresh connection.
** ------------------------------------------------------------------- */

static size_t read_body (char *buf, size_t size, size_t n, void *ud) {
  Transfer *t = (Transfer *)ud;
  size_t len = t->sent.len - t->sent_pos;
  if (len > size * n) len = size * n;
  memcpy(buf, t->sent.p + t->sent_pos, len);
  t->sent_pos += len;
  return len;
}


/* Rewinding is harmless before any byte was read, and refused after. */
static int seek_body (void *ud, curl_off_t offset, int origin) {
  Transfer *t = (Transfer *)ud;
  if (origin == SEEK_SET && offset == 0 && t->sent_pos == 0)
    return CURL_SEEKFUNC_OK;
  return CURL_SEEKFUNC_FAIL;
}


#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)

/* Sets how a `once` request escapes libcurl's resend; *read_cb tells
** whether its body now comes from read_body. */
static CURLcode set_once (CURL *e, Transfer *t, const Request *r,
                          int *read_cb) {
  CURLcode rc = CURLE_OK;
  *read_cb = 0;
#if LIBCURL_VERSION_NUM >= 0x081000
  if (curl_easy_setopt(e, CURLOPT_FORBID_RETRY_ON_REUSE, 1L) == CURLE_OK)
    return CURLE_OK;  /* else an older libcurl at run time */
#endif
  if (r->body_len == 0) return curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  *read_cb = 1;
  t->sent_pos = 0;
  SET(CURLOPT_POST, 1L);
  SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
  SET(CURLOPT_READFUNCTION, read_body);
  SET(CURLOPT_READDATA, (void *)t);
  SET(CURLOPT_SEEKFUNCTION, seek_body);
  SET(CURLOPT_SEEKDATA, (void *)t);
  return rc;
}


static CURLcode set_method (CURL *e, Transfer *t, const Request *r) {
  CURLcode rc = CURLE_OK;
  if (strcmp(r->method, "HEAD") == 0)
    return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  if (strcmp(r->method, "GET") == 0 && !r->has_body)
    return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  if (strcmp(r->method, "POST") != 0)
    rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
  if (rc == CURLE_OK && r->once) {
    int read_cb;
    rc = set_once(e, t, r, &read_cb);
    if (read_cb) return rc;
  }
  if (rc == CURLE_OK && (r->has_body || strcmp(r->method, "POST") == 0)) {
    rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                          (curl_off_t)r->body_len);
    /* our copy (t->sent), which is wiped when the transfer is done */
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS,
                            t->sent.len > 0 ? t->sent.p : "");
  }
  return rc;
}


static CURLcode set_tls (CURL *e, const Request *r) {
  CURLcode rc = CURLE_OK;
  if (r->insecure) {
    rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (rc == CURLE_OK && r->cafile != NULL)
    rc = curl_easy_setopt(e, CURLOPT_CAINFO, r->cafile);
  return rc;
}


/* Proxies are left to libcurl, which reads http_proxy, https_proxy and
** no_proxy from the environment; a request's noproxy (the Lua client
** adds the environment's list to it) replaces the latter. */
/* Options that never change for a transfer (its callbacks point at the
** Transfer, which is reused together with its easy handle). */
static CURLcode set_fixed (CURL *e, Transfer *t) {
  CURLcode rc = CURLE_OK;
  SET(CURLOPT_PRIVATE, (void *)t);
  SET(CURLOPT_ERRORBUFFER, t->errbuf);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, (void *)t);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, (void *)t);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  SET(CURLOPT_OPENSOCKETFUNCTION, http_open_socket);  /* close-on-exec */
  return rc;
}


/* Options every request sets. */
static CURLcode set_request (CURL *e, Transfer *t, const Request *r) {
  CURLcode rc = CURLE_OK;
  SET(CURLOPT_URL, r->url);
  SET(CURLOPT_TIMEOUT_MS, r->timeout_ms);
  SET(CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
  SET(CURLOPT_MAXFILESIZE_LARGE, r->max_body);
  SET(CURLOPT_HTTPHEADER, t->headers);
  SET(CURLOPT_NOPROXY, r->noproxy);  /* NULL: the environment's */
  return rc;
}


/* Options of anything but a plain GET; the easy handle is reset after
** such a request, so none of them leaks into the next one. */
static CURLcode set_special (CURL *e, Transfer *t, const Request *r) {
  CURLcode rc = set_method(e, t, r);
  if (rc == CURLE_OK) rc = set_tls(e, r);
  /* Decoding costs per request: only when asked (large JSON pages). */
  if (r->compress) SET(CURLOPT_ACCEPT_ENCODING, "");
#undef SET
  return rc;
}


static int is_plain (const Request *r) {
  return strcmp(r->method, "GET") == 0 && !r->has_body && !r->insecure &&
         r->cafile == NULL && !r->compress && !r->once;
}


static CURLcode configure (Transfer *t, const Request *r) {
  CURLcode rc = CURLE_OK;
  int plain = is_plain(r);
  if (!t->configured) rc = set_fixed(t->easy, t);
  t->configured = rc == CURLE_OK;
  if (rc == CURLE_OK) rc = set_request(t->easy, t, r);
  if (rc == CURLE_OK)
    rc = plain ? curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L)
               : set_special(t->easy, t, r);
  t->plain = plain && rc == CURLE_OK;
  return rc;
}


static int start_fail (lua_State *L, Multi *m, Transfer *t, const char *e) {
  if (t != NULL) http_transfer_free(m, t);
  lua_pushnil(L);
  lua_pushstring(L, e);
  return 2;
}


/* start(req) -> id, or nil, message when libcurl refuses the request. */
int http_multi_start (lua_State *L) {
  Multi *m = check_multi(L);
  Request r;
  Transfer *t;
  CURLcode rc;
  read_request(L, &r);
  t = http_transfer_new(m);
  if (t == NULL || build_headers(L, 3, r.nheaders, r.has_body, t) != 0 ||
      (r.body_len > 0 && http_buf_add(&t->sent, r.body, r.body_len) != 0))
    return start_fail(L, m, t, "out of memory");
  t->max_body = (size_t)r.max_body;
  rc = configure(t, &r);
  if (rc != CURLE_OK) return start_fail(L, m, t, curl_easy_strerror(rc));
  if (curl_multi_add_handle(m->cm, t->easy) != CURLM_OK)
    return start_fail(L, m, t, "cannot add the transfer");
  t->id = ++m->next_id;
  t->next = m->list;
  m->list = t;
  lua_pushinteger(L, t->id);
  return 1;
}
