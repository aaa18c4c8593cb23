/*
** http.c - flowlua.core.http: HTTP transfers on libcurl's multi interface.
**
** C only moves bytes; Lua (flowlua.http, flowlua.task) schedules. A
** "flowlua.http.multi" userdata owns a CURLM (its connection pool) and
** every easy handle and buffer of its transfers: start(req) adds one and
** returns its id, poll(timeout) drives them and returns the finished ones.
** libcurl callbacks only copy bytes into C buffers and never call Lua, so
** no Lua error can unwind through libcurl.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <time.h>

#include <curl/curl.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"

#define MULTI_MT "flowlua.http.multi"
#define SPARE_MAX 64          /* finished transfers kept for reuse */
#define KEEP_BUF 65536        /* larger buffers are not kept for reuse */
#define DEFAULT_MAX_BODY ((curl_off_t)64 * 1024 * 1024)
#define MAX_HEAD ((size_t)1024 * 1024)  /* bytes of response headers */


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


/* ---------------------------------------------------------------------
** Buffers and callbacks: plain C, no Lua
** ------------------------------------------------------------------- */

static int buf_add (Buf *b, const char *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    char *p;
    while (cap < b->len + len) cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL) return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
  return 0;
}


static size_t on_body (char *data, size_t size, size_t n, void *ud) {
  Transfer *t = (Transfer *)ud;
  size_t len = size * n;
  if (len > t->max_body - t->body.len) {
    t->too_large = 1;
    return 0;  /* refuses the bytes: libcurl stops with CURLE_WRITE_ERROR */
  }
  if (buf_add(&t->body, data, len) != 0) {
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
  if (buf_add(&t->head, data, len) != 0) {
    t->no_memory = 1;
    return 0;
  }
  return len;
}


/* ---------------------------------------------------------------------
** Transfers
** ------------------------------------------------------------------- */

static Multi *check_multi (lua_State *L) {
  Multi *m = (Multi *)luaL_checkudata(L, 1, MULTI_MT);
  if (m->cm == NULL) luaL_error(L, "attempt to use a closed http multi");
  return m;
}


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
static void transfer_free (Multi *m, Transfer *t) {
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
static void transfer_drop (Multi *m, Transfer *t) {
  Transfer **p = &m->list;
  while (*p != t) p = &(*p)->next;
  *p = t->next;
  if (!t->done) curl_multi_remove_handle(m->cm, t->easy);
  transfer_free(m, t);
}


static Transfer *transfer_new (Multi *m) {
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


/* ---------------------------------------------------------------------
** start(req): reading the request table
** ------------------------------------------------------------------- */

/* Everything start() reads from Lua, gathered before any C allocation
** so that a bad field raises without leaking. Strings stay valid because
** their values are left on the Lua stack. */
typedef struct Request {
  const char *method, *url, *body, *cafile;
  size_t body_len;
  int has_body, insecure, fresh, compress, nheaders;
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


/* Leaves headers, method, url, body and cafile on the stack (5 slots). */
static void read_request (lua_State *L, Request *r) {
  luaL_checktype(L, 2, LUA_TTABLE);
  r->nheaders = check_headers(L, 2);
  r->method = opt_string(L, 2, "method", "GET", NULL);
  r->url = opt_string(L, 2, "url", NULL, NULL);
  if (r->url == NULL) luaL_error(L, "request field 'url' is required");
  r->body = opt_string(L, 2, "body", NULL, &r->body_len);
  r->has_body = r->body != NULL;
  r->cafile = opt_string(L, 2, "cafile", NULL, NULL);
  r->timeout_ms = opt_ms(L, 2, "timeout");
  r->connect_timeout_ms = opt_ms(L, 2, "connect_timeout");
  lua_getfield(L, 2, "insecure");
  r->insecure = lua_toboolean(L, -1);
  lua_getfield(L, 2, "fresh_connect");
  r->fresh = lua_toboolean(L, -1);
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


static CURLcode set_method (CURL *e, const Request *r) {
  CURLcode rc = CURLE_OK;
  if (strcmp(r->method, "HEAD") == 0)
    return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  if (strcmp(r->method, "GET") == 0 && !r->has_body)
    return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  if (strcmp(r->method, "POST") != 0)
    rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
  if (rc == CURLE_OK && (r->has_body || strcmp(r->method, "POST") == 0)) {
    rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                          (curl_off_t)r->body_len);
    if (rc == CURLE_OK)  /* libcurl keeps its own copy of the body */
      rc = curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS,
                            r->has_body ? r->body : "");
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
** no_proxy from the environment. */
/* Options that never change for a transfer (its callbacks point at the
** Transfer, which is reused together with its easy handle). */
static CURLcode set_fixed (CURL *e, Transfer *t) {
  CURLcode rc = CURLE_OK;
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
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
  return rc;
}


/* Options of anything but a plain GET; the easy handle is reset after
** such a request, so none of them leaks into the next one. */
static CURLcode set_special (CURL *e, const Request *r) {
  CURLcode rc = set_method(e, r);
  if (rc == CURLE_OK) rc = set_tls(e, r);
  /* Decoding costs per request: only when asked (large JSON pages). */
  if (r->compress) SET(CURLOPT_ACCEPT_ENCODING, "");
  /* libcurl silently resends a request whose reused connection died
  ** before any answer; a fresh connection rules that out for requests
  ** that must not be sent twice. */
  if (r->fresh) SET(CURLOPT_FRESH_CONNECT, 1L);
#undef SET
  return rc;
}


static int is_plain (const Request *r) {
  return strcmp(r->method, "GET") == 0 && !r->has_body && !r->insecure &&
         r->cafile == NULL && !r->compress && !r->fresh;
}


static CURLcode configure (Transfer *t, const Request *r) {
  CURLcode rc = CURLE_OK;
  int plain = is_plain(r);
  if (!t->configured) rc = set_fixed(t->easy, t);
  t->configured = rc == CURLE_OK;
  if (rc == CURLE_OK) rc = set_request(t->easy, t, r);
  if (rc == CURLE_OK)
    rc = plain ? curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L)
               : set_special(t->easy, r);
  t->plain = plain && rc == CURLE_OK;
  return rc;
}


static int start_fail (lua_State *L, Multi *m, Transfer *t, const char *e) {
  if (t != NULL) transfer_free(m, t);
  lua_pushnil(L);
  lua_pushstring(L, e);
  return 2;
}


/* start(req) -> id, or nil, message when libcurl refuses the request. */
static int multi_start (lua_State *L) {
  Multi *m = check_multi(L);
  Request r;
  Transfer *t;
  CURLcode rc;
  read_request(L, &r);
  t = transfer_new(m);
  if (t == NULL || build_headers(L, 3, r.nheaders, r.has_body, t) != 0)
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


/* ---------------------------------------------------------------------
** poll(timeout): driving transfers and reporting finished ones
** ------------------------------------------------------------------- */

/* Marks finished transfers done and takes them out of the multi, so the
** connection goes back to the pool at once. */
static int collect (Multi *m) {
  CURLMsg *msg;
  int left, n = 0;
  curl_multi_perform(m->cm, &m->running);
  while ((msg = curl_multi_info_read(m->cm, &left)) != NULL) {
    Transfer *t;
    if (msg->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    t->done = 1;
    t->result = msg->data.result;
    curl_multi_remove_handle(m->cm, t->easy);
    n++;
  }
  return n;
}


static int count_done (Multi *m) {
  Transfer *t;
  int n = 0;
  for (t = m->list; t != NULL; t = t->next) n += t->done;
  return n;
}


static const char *error_kind (const Transfer *t) {
  switch (t->result) {
    case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_GOT_NOTHING: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
      return "reset";
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE: case CURLE_USE_SSL_FAILED:
      return "tls";
    case CURLE_FILESIZE_EXCEEDED:
      return "too_large";
    case CURLE_WRITE_ERROR:
      return t->too_large || t->head_too_large ? "too_large" : "memory";
    case CURLE_OUT_OF_MEMORY:
      return "memory";
    case CURLE_WEIRD_SERVER_REPLY: case CURLE_HTTP2: case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING: case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: case CURLE_TOO_MANY_REDIRECTS:
      return "protocol";
    default:
      return "other";
  }
}


/* Whether the request may have reached the server. Resolve, connect and
** TLS handshake failures happen before any request byte is written;
** otherwise a request that was counted as issued, or a transfer that got
** past its connection set-up, may have been seen. */
static int may_have_sent (const Transfer *t, const char *kind) {
  long reqsize = 0;
  double pretransfer = 0;
  if (strcmp(kind, "connect") == 0 || strcmp(kind, "tls") == 0) return 0;
  curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &reqsize);
  curl_easy_getinfo(t->easy, CURLINFO_PRETRANSFER_TIME, &pretransfer);
  return reqsize > 0 || pretransfer > 0;
}


static void push_error (lua_State *L, const Transfer *t) {
  const char *kind = error_kind(t);
  if (t->too_large || t->result == CURLE_FILESIZE_EXCEEDED)
    lua_pushfstring(L, "response body larger than max_body (%I bytes)",
                    (lua_Integer)t->max_body);
  else if (t->head_too_large)
    lua_pushliteral(L, "response headers larger than 1 MiB");
  else if (t->no_memory)
    lua_pushliteral(L, "out of memory for the response");
  else
    lua_pushstring(L, t->errbuf[0] ? t->errbuf
                                   : curl_easy_strerror(t->result));
  lua_setfield(L, -2, "error");
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushboolean(L, may_have_sent(t, kind));
  lua_setfield(L, -2, "sent");
  lua_pushinteger(L, (lua_Integer)t->result);
  lua_setfield(L, -2, "code");
}


static void to_lower (char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] - 'A' + 'a');
}


/* Adds one header to the table on top; a repeated name joins its values
** with ", " (RFC 9110 5.3), except set-cookie, which RFC 6265 forbids
** folding that way: its values are joined with "\n". */
static void add_header (lua_State *L, char *name, size_t nlen,
                        const char *val, size_t vlen) {
  to_lower(name, nlen);
  lua_pushlstring(L, name, nlen);
  lua_pushvalue(L, -1);
  if (lua_rawget(L, -3) == LUA_TSTRING) {
    int cookie = nlen == 10 && memcmp(name, "set-cookie", 10) == 0;
    lua_pushstring(L, cookie ? "\n" : ", ");
    lua_pushlstring(L, val, vlen);
    lua_concat(L, 3);
  }
  else {
    lua_pop(L, 1);
    lua_pushlstring(L, val, vlen);
  }
  lua_rawset(L, -3);
}


static void parse_header_line (lua_State *L, char *line, size_t len) {
  char *colon = memchr(line, ':', len);
  const char *v, *end = line + len;
  if (colon == NULL || colon == line) return;  /* status line, folds */
  v = colon + 1;
  while (v < end && (*v == ' ' || *v == '\t')) v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
  add_header(L, line, (size_t)(colon - line), v, (size_t)(end - v));
}


static int count_lines (const Buf *b) {
  int n = 0;
  const char *p = b->p, *end = b->p + b->len;
  while (p != NULL && p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
    n++;
    p++;
  }
  return n;
}


static void push_headers (lua_State *L, Buf *head) {
  size_t i = 0;
  /* sized at once: growing a table rehashes it, header after header */
  lua_createtable(L, 0, count_lines(head));
  while (i < head->len) {
    char *line = head->p + i;
    char *nl = memchr(line, '\n', head->len - i);
    size_t len = nl ? (size_t)(nl - line) : head->len - i;
    i += len + 1;
    if (len > 0 && line[len - 1] == '\r') len--;
    parse_header_line(L, line, len);
  }
}


/* The headers table gets the metatable given to multi() (stack slot 1 is
** the multi), so Lua can look names up in any case. */
static void push_response (lua_State *L, Transfer *t) {
  long status = 0, version = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version);
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  push_headers(L, &t->head);
  if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) lua_setmetatable(L, -2);
  else lua_pop(L, 1);
  lua_setfield(L, -2, "headers");
  lua_pushlstring(L, t->body.p ? t->body.p : "", t->body.len);
  lua_setfield(L, -2, "body");
  lua_pushstring(L, version == CURL_HTTP_VERSION_2_0 ? "2"
                  : version == CURL_HTTP_VERSION_1_0 ? "1.0" : "1.1");
  lua_setfield(L, -2, "http_version");
}


static void push_result (lua_State *L, Transfer *t) {
  double total = 0;
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, t->id);
  lua_setfield(L, -2, "id");
  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &total);
  lua_pushnumber(L, total);
  lua_setfield(L, -2, "time");
  if (t->result == CURLE_OK) push_response(L, t);
  else push_error(L, t);
}


/* Reports finished transfers, each freed once its table is built; if
** building raises (memory), the rest stay owned and are reported later. */
static void push_finished (lua_State *L, Multi *m) {
  Transfer *t = m->list;
  int i = 0;
  lua_createtable(L, count_done(m), 0);
  while (t != NULL) {
    Transfer *next = t->next;
    if (t->done) {
      push_result(L, t);
      lua_rawseti(L, -2, ++i);
      transfer_drop(m, t);
    }
    t = next;
  }
}


static double now_seconds (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* poll([timeout]) -> list of finished transfers. Waits at most timeout
** seconds (default 0) for at least one to finish; returns at once when
** nothing is in flight. Each entry is {id, time, status, headers, body,
** http_version} or {id, time, error, kind, sent, code}. */
static int multi_poll (lua_State *L) {
  Multi *m = check_multi(L);
  double timeout = luaL_optnumber(L, 2, 0);
  double deadline = now_seconds() + timeout;
  int done = count_done(m) + collect(m);
  while (done == 0 && m->running > 0) {
    double left = deadline - now_seconds();
    if (left <= 0) break;
    curl_multi_poll(m->cm, NULL, 0, (int)(left * 1000.0) + 1, NULL);
    done = collect(m);
  }
  push_finished(L, m);
  return 1;
}


static Transfer *find_transfer (Multi *m, lua_Integer id) {
  Transfer *t;
  for (t = m->list; t != NULL; t = t->next)
    if (t->id == id) return t;
  return NULL;
}


/* wait(id) -> the result of transfer id, as poll would give it, after
** driving every transfer until that one finishes. What else finishes
** meanwhile stays for poll: this is the blocking request of code outside
** any task, which must not steal the results of waiting tasks. */
static int multi_wait (lua_State *L) {
  Multi *m = check_multi(L);
  Transfer *t = find_transfer(m, luaL_checkinteger(L, 2));
  luaL_argcheck(L, t != NULL, 2, "no such transfer");
  if (!t->done) collect(m);
  while (!t->done) {
    curl_multi_poll(m->cm, NULL, 0, 1000, NULL);
    collect(m);
  }
  push_result(L, t);
  transfer_drop(m, t);
  return 1;
}


/* ---------------------------------------------------------------------
** The multi handle
** ------------------------------------------------------------------- */

/* cancel(id) -> true if the transfer existed; it is stopped and freed. */
static int multi_cancel (lua_State *L) {
  Multi *m = check_multi(L);
  Transfer *t = find_transfer(m, luaL_checkinteger(L, 2));
  if (t != NULL) transfer_drop(m, t);
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
    while (m->list != NULL) transfer_drop(m, m->list);
    while (m->spare != NULL) {
      Transfer *t = m->spare;
      m->spare = t->next;
      transfer_destroy(t);
    }
    m->nspare = 0;
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
  m->cm = curl_multi_init();
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
  {"poll", multi_poll},
  {"start", multi_start},
  {"wait", multi_wait},
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
