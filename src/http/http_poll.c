/*
** http_poll.c - flowlua.core.http: poll(timeout) and wait(id), driving
** transfers and turning finished ones into Lua tables.
**
** Kept apart from starting because it is the one place that writes Lua
** output for a transfer: the result, its headers and the error's kind.
*/
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "lua.h"
#include "lauxlib.h"

#include "http_int.h"


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
    case CURLE_PARTIAL_FILE: case CURLE_SEND_FAIL_REWIND:
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
  /* a resend refused (http_start.c): the first sending may have landed */
  if (t->result == CURLE_SEND_FAIL_REWIND) return 1;
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
  else if (t->result == CURLE_SEND_FAIL_REWIND)
    lua_pushliteral(L, "the kept-alive connection closed before an answer "
                    "(not sent again: the server may have acted on it)");
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
      http_transfer_drop(m, t);
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
int http_multi_poll (lua_State *L) {
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


/* wait(id) -> the result of transfer id, as poll would give it, after
** driving every transfer until that one finishes. What else finishes
** meanwhile stays for poll: this is the blocking request of code outside
** any task, which must not steal the results of waiting tasks. */
int http_multi_wait (lua_State *L) {
  Multi *m = check_multi(L);
  Transfer *t = http_find_transfer(m, luaL_checkinteger(L, 2));
  luaL_argcheck(L, t != NULL, 2, "no such transfer");
  if (!t->done) collect(m);
  while (!t->done) {
    curl_multi_poll(m->cm, NULL, 0, 1000, NULL);
    collect(m);
  }
  push_result(L, t);
  http_transfer_drop(m, t);
  return 1;
}
