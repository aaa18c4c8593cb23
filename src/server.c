/*
** server.c - flowlua.core.server: an HTTP server (libmicrohttpd) whose
** requests are answered by a Lua handler living in its own Lua state.
**
** libmicrohttpd runs one thread per connection. Each thread collects its
** request in C, then takes the server's lock, calls the handler in the
** handler state under lua_pcall, copies the answer into an MHD response,
** and releases the lock before it waits the optional delay and sends.
** So Lua sees one request at a time while delays overlap freely, and no
** Lua error ever unwinds through libmicrohttpd.
*/
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"

#define SERVER_MT "flowlua.server"
#define DEFAULT_MAX_BODY (1024 * 1024)
#define IDLE_TIMEOUT 60   /* seconds before an idle connection is closed */


typedef struct Server {
  struct MHD_Daemon *daemon;
  lua_State *hl;            /* the handler's own state */
  int handler_ref;
  pthread_mutex_t lock;     /* one request inside hl at a time */
  int lock_ready;
  size_t max_body;
  char *cert, *key;         /* PEM text, kept while the daemon runs */
} Server;

/* The userdata: url and port stay readable after close. */
typedef struct Box {
  Server *s;                /* NULL once closed */
  int port;
  char url[128];
} Box;

/* One request's state between the calls MHD makes for it. */
typedef struct Request {
  char *uri;                /* raw request target, query included */
  char *body;
  size_t len, cap;
  int started;
  int too_large;
} Request;

/* Header pointers owned by MHD, valid for the request's lifetime. */
typedef struct Pairs {
  const char **kv;
  size_t n, cap;
  int failed;
} Pairs;

/* Everything the protected handler call needs, and what it answers. */
typedef struct Exchange {
  Server *s;
  Request *r;
  const char *method, *path;
  char remote[INET6_ADDRSTRLEN + 8];
  Pairs headers;
  struct MHD_Response *response;
  unsigned status;
  double delay;
  int abort;
} Exchange;


/* ======================================================================
** Small helpers
** ====================================================================== */

static void sleep_seconds (double secs) {
  struct timespec ts;
  if (!(secs > 0)) return;
  if (secs > 3600) secs = 3600;
  ts.tv_sec = (time_t)secs;
  ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}


/* Appends `s` as JSON string content (no quotes) to buf, never past cap. */
static size_t json_escape (char *buf, size_t at, size_t cap, const char *s) {
  for (; *s != '\0' && at + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      buf[at++] = '\\';
      buf[at++] = (char)c;
    }
    else if (c < 0x20)
      at += (size_t)snprintf(buf + at, cap - at, "\\u%04x", c);
    else
      buf[at++] = (char)c;
  }
  buf[at] = '\0';
  return at;
}


/* A JSON error response: {"error_code":"<status>","message":"<msg>"}. */
static struct MHD_Response *error_response (unsigned status,
                                            const char *msg) {
  char buf[2048];
  size_t n = (size_t)snprintf(buf, sizeof buf,
                              "{\"error_code\":\"%u\",\"message\":\"", status);
  struct MHD_Response *res;
  n = json_escape(buf, n, sizeof buf - 3, msg);
  memcpy(buf + n, "\"}", 3);
  res = MHD_create_response_from_buffer(n + 2, buf, MHD_RESPMEM_MUST_COPY);
  if (res != NULL)
    MHD_add_response_header(res, "Content-Type", "application/json");
  return res;
}


static enum MHD_Result send_error (struct MHD_Connection *conn,
                                   unsigned status, const char *msg) {
  struct MHD_Response *res = error_response(status, msg);
  enum MHD_Result ok;
  if (res == NULL) return MHD_NO;
  ok = MHD_queue_response(conn, status, res);
  MHD_destroy_response(res);
  return ok;
}


static void format_remote (struct MHD_Connection *conn, char *out,
                           size_t size) {
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(
      conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  char ip[INET6_ADDRSTRLEN] = "?";
  const char *fmt = "%s:%u";
  unsigned port = 0;
  if (info != NULL && info->client_addr != NULL) {
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET) {
      const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
      inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
      port = ntohs(in->sin_port);
    }
    else if (sa->sa_family == AF_INET6) {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
      inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
      port = ntohs(in6->sin6_port);
      fmt = "[%s]:%u";
    }
  }
  snprintf(out, size, fmt, ip, port);
}


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
  ex->response = error_response(ex->status, text);
}


static void run_handler (Exchange *ex) {
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


/* ======================================================================
** libmicrohttpd callbacks (connection threads)
** ====================================================================== */

static enum MHD_Result collect_header (void *cls, enum MHD_ValueKind kind,
                                       const char *key, const char *value) {
  Pairs *p = (Pairs *)cls;
  (void)kind;
  if (p->n + 2 > p->cap) {
    size_t cap = p->cap > 0 ? p->cap * 2 : 32;
    const char **kv = realloc(p->kv, cap * sizeof *kv);
    if (kv == NULL) {
      p->failed = 1;
      return MHD_NO;
    }
    p->kv = kv;
    p->cap = cap;
  }
  p->kv[p->n++] = key;
  p->kv[p->n++] = value != NULL ? value : "";
  return MHD_YES;
}


/* Keeps the raw request target: MHD hands the handler a decoded path. */
static void *on_uri (void *cls, const char *uri, struct MHD_Connection *c) {
  Request *r = (Request *)calloc(1, sizeof *r);
  (void)cls;
  (void)c;
  if (r != NULL)
    r->uri = strdup(uri);
  return r;
}


static void on_completed (void *cls, struct MHD_Connection *c,
                          void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
  Request *r = (Request *)*con_cls;
  (void)cls;
  (void)c;
  (void)toe;
  if (r != NULL) {
    free(r->uri);
    free(r->body);
    free(r);
    *con_cls = NULL;
  }
}


static enum MHD_Result too_large (struct MHD_Connection *conn, Server *s) {
  char msg[96];
  snprintf(msg, sizeof msg, "request body exceeds %zu bytes", s->max_body);
  return send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, msg);
}


/*
** First call, headers read. A client that waits for "100 Continue" with
** too large a body is answered at once; any other oversized body is read
** and discarded, so the client reliably sees the 413 instead of a reset.
*/
static enum MHD_Result on_headers (struct MHD_Connection *conn, Server *s) {
  const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                               "Content-Length");
  const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                   "Expect");
  if (cl != NULL && expect != NULL &&
      strcasecmp(expect, "100-continue") == 0 &&
      strtoull(cl, NULL, 10) > (unsigned long long)s->max_body)
    return too_large(conn, s);
  return MHD_YES;
}


/* Keeps at most max_body bytes; beyond that the body is only counted. */
static int accept_body (Server *s, Request *r, const char *data,
                        size_t size) {
  if (r->too_large) return 1;
  if (size > s->max_body - r->len) {
    r->too_large = 1;
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    return 1;
  }
  if (r->len + size > r->cap) {
    size_t cap = r->cap > 0 ? r->cap : 4096;
    char *body;
    while (cap < r->len + size) cap *= 2;
    if (cap > s->max_body) cap = s->max_body;
    body = (char *)realloc(r->body, cap);
    if (body == NULL) return 0;
    r->body = body;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, size);
  r->len += size;
  return 1;
}


static enum MHD_Result respond (struct MHD_Connection *conn, Server *s,
                                Request *r, const char *url,
                                const char *method) {
  Exchange ex;
  enum MHD_Result ok;
  memset(&ex, 0, sizeof ex);
  ex.s = s;
  ex.r = r;
  ex.method = method;
  ex.path = url;
  format_remote(conn, ex.remote, sizeof ex.remote);
  MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header,
                            &ex.headers);
  if (!ex.headers.failed)
    run_handler(&ex);
  free(ex.headers.kv);
  /* the lock is released: a delay holds only this connection's thread */
  sleep_seconds(ex.delay);
  if (ex.response == NULL)  /* abort, or out of memory */
    return MHD_NO;
  ok = MHD_queue_response(conn, ex.status, ex.response);
  MHD_destroy_response(ex.response);
  return ok;
}


static enum MHD_Result on_request (void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version,
                                   const char *upload_data,
                                   size_t *upload_size, void **con_cls) {
  Server *s = (Server *)cls;
  Request *r = (Request *)*con_cls;
  (void)version;
  if (r == NULL) {  /* the URI callback could not allocate */
    if ((r = (Request *)calloc(1, sizeof *r)) == NULL) return MHD_NO;
    *con_cls = r;
  }
  if (!r->started) {
    r->started = 1;
    return on_headers(conn, s);
  }
  if (*upload_size > 0) {
    int kept = accept_body(s, r, upload_data, *upload_size);
    *upload_size = 0;
    return kept ? MHD_YES : MHD_NO;
  }
  if (r->too_large)
    return too_large(conn, s);
  return respond(conn, s, r, url, method);
}


/* ======================================================================
** Starting and stopping
** ====================================================================== */

typedef struct Setup {
  const char *module, *config, *path, *cpath;
  int ref;
} Setup;


static void set_package_field (lua_State *L, const char *k, const char *v) {
  if (v == NULL) return;
  lua_getglobal(L, "package");
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
  lua_pop(L, 1);
}


/* lua_pcall'd in the fresh handler state: the module's factory(config). */
static int open_handler (lua_State *L) {
  Setup *st = (Setup *)lua_touserdata(L, 1);
  flowlua_openlibs(L);
  set_package_field(L, "path", st->path);
  set_package_field(L, "cpath", st->cpath);
  /* loading flowlua.core registers flowlua.core.sys and the others */
  luaL_requiref(L, "flowlua.core", luaopen_flowlua_core, 0);
  lua_pop(L, 1);
  lua_getglobal(L, "require");
  lua_pushstring(L, st->module);
  lua_call(L, 1, 1);
  if (!lua_isfunction(L, -1))
    return luaL_error(L, "module '%s' must return a factory function",
                      st->module);
  if (st->config != NULL) lua_pushstring(L, st->config);
  else lua_pushnil(L);
  lua_call(L, 1, 1);
  if (!lua_isfunction(L, -1))
    return luaL_error(L, "the factory of '%s' must return a handler "
                      "function", st->module);
  st->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}


static void server_free (Server *s) {
  if (s->daemon != NULL)
    MHD_stop_daemon(s->daemon);  /* joins every connection thread */
  if (s->hl != NULL)
    lua_close(s->hl);
  if (s->lock_ready)
    pthread_mutex_destroy(&s->lock);
  free(s->cert);
  free(s->key);
  free(s);
}


static void release (Box *box) {
  if (box->s != NULL) {
    Server *s = box->s;
    box->s = NULL;
    server_free(s);
  }
}


/* Closes the half-built server; returns nil and the message on top. */
static int fail (lua_State *L, Box *box) {
  release(box);
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}


static char *read_file (const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  if (f == NULL) return NULL;
  do {
    if (len + 4096 + 1 > cap) {
      char *nb = (char *)realloc(buf, cap = (cap + 4096) * 2);
      if (nb == NULL) break;
      buf = nb;
    }
    n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
  } while (n > 0);
  if (ferror(f) || len + 1 > cap) {
    free(buf);
    buf = NULL;
  }
  else
    buf[len] = '\0';
  fclose(f);
  return buf;
}


static const char *opt_string (lua_State *L, int t, const char *key,
                               const char *def) {
  int type = lua_getfield(L, t, key);
  if (type == LUA_TNIL) return def;
  if (type != LUA_TSTRING)
    luaL_argerror(L, 1, lua_pushfstring(L, "field '%s' must be a string",
                                        key));
  return lua_tostring(L, -1);  /* stays on the stack, so it stays alive */
}


static lua_Integer opt_integer (lua_State *L, const char *key,
                                lua_Integer def, lua_Integer max) {
  int isint;
  lua_Integer v;
  if (lua_getfield(L, 1, key) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  v = lua_tointegerx(L, -1, &isint);
  if (!isint || v < 0 || v > max)
    luaL_argerror(L, 1, lua_pushfstring(L, "field '%s' must be an integer "
                                        "from 0 to %I", key, max));
  lua_pop(L, 1);
  return v;
}


static int resolve (const char *host, int port, struct sockaddr_storage *ss,
                    int *v6) {
  struct addrinfo hints, *ai;
  int rc;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if ((rc = getaddrinfo(host, NULL, &hints, &ai)) != 0) return rc;
  memset(ss, 0, sizeof *ss);
  memcpy(ss, ai->ai_addr, ai->ai_addrlen);
  *v6 = ai->ai_family == AF_INET6;
  if (*v6) ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
  else ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
  freeaddrinfo(ai);
  return 0;
}


/*
** Server threads block the asynchronous signals, so SIGINT and SIGTERM
** always reach the thread that waits for them (sys.wait_signal).
*/
static struct MHD_Daemon *start_daemon (Server *s, struct sockaddr *sa,
                                        int v6) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
                             SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                   MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO;
  struct MHD_OptionItem ops[8];
  struct MHD_Daemon *d;
  sigset_t block, old;
  size_t i, n = 0;
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, sa};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK,
                                     (intptr_t)on_uri, NULL};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
                                     (intptr_t)on_completed, NULL};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                     IDLE_TIMEOUT, NULL};
  if (s->cert != NULL) {
    flags |= MHD_USE_TLS;
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key};
  }
  ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  if (v6) flags |= MHD_USE_IPv6;
  sigemptyset(&block);
  for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&block, sigs[i]);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                       MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return d;
}


static int load_tls (lua_State *L, Server *s) {
  const char *cert, *key;
  if (lua_getfield(L, 1, "tls") == LUA_TNIL) return 1;
  luaL_argcheck(L, lua_istable(L, -1), 1, "field 'tls' must be a table");
  cert = opt_string(L, -1, "cert", NULL);
  key = opt_string(L, -2, "key", NULL);
  luaL_argcheck(L, cert != NULL && key != NULL, 1,
                "field 'tls' needs 'cert' and 'key'");
  if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
    lua_pushliteral(L, "this libmicrohttpd has no TLS support");
    return 0;
  }
  if ((s->cert = read_file(cert)) == NULL) {
    lua_pushfstring(L, "cannot read %s: %s", cert, strerror(errno));
    return 0;
  }
  if ((s->key = read_file(key)) == NULL) {
    lua_pushfstring(L, "cannot read %s: %s", key, strerror(errno));
    return 0;
  }
  return 1;
}


/* Reads the creator's package.path/cpath so the handler finds its module. */
static void creator_paths (lua_State *L, Setup *st) {
  st->path = st->cpath = NULL;
  if (lua_getglobal(L, "package") != LUA_TTABLE) return;
  if (lua_getfield(L, -1, "path") == LUA_TSTRING)
    st->path = lua_tostring(L, -1);
  if (lua_getfield(L, -2, "cpath") == LUA_TSTRING)
    st->cpath = lua_tostring(L, -1);
}


static int open_state (lua_State *L, Server *s, Setup *st) {
  if ((s->hl = luaL_newstate()) == NULL) {
    lua_pushliteral(L, "not enough memory");
    return 0;
  }
  lua_pushcfunction(s->hl, open_handler);
  lua_pushlightuserdata(s->hl, st);
  if (lua_pcall(s->hl, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(s->hl, -1);
    lua_pushfstring(L, "cannot start handler: %s",
                    msg != NULL ? msg : "error object is not a string");
    return 0;
  }
  s->handler_ref = st->ref;
  return 1;
}


static void set_url (Box *box, const char *host, int tls) {
  const char *fmt = strchr(host, ':') != NULL ? "%s://[%s]:%d" : "%s://%s:%d";
  snprintf(box->url, sizeof box->url, fmt, tls ? "https" : "http", host,
           box->port);
}


static int listen_on (lua_State *L, Box *box, const char *host, int port) {
  Server *s = box->s;
  struct sockaddr_storage ss;
  const union MHD_DaemonInfo *info;
  int v6, rc = resolve(host, port, &ss, &v6);
  if (rc != 0) {
    lua_pushfstring(L, "cannot resolve %s: %s", host, gai_strerror(rc));
    return 0;
  }
  errno = 0;
  s->daemon = start_daemon(s, (struct sockaddr *)&ss, v6);
  if (s->daemon == NULL) {
    lua_pushfstring(L, "cannot listen on %s:%d%s%s", host, port,
                    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
    return 0;
  }
  info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  box->port = info != NULL ? info->port : port;
  set_url(box, host, s->cert != NULL);
  return 1;
}


static Box *new_box (lua_State *L) {
  Box *box = (Box *)lua_newuserdatauv(L, sizeof *box, 0);
  box->s = NULL;  /* closed until fully built */
  box->port = 0;
  box->url[0] = '\0';
  luaL_setmetatable(L, SERVER_MT);
  box->s = (Server *)calloc(1, sizeof *box->s);
  if (box->s == NULL) luaL_error(L, "not enough memory");
  box->s->handler_ref = LUA_NOREF;
  if (pthread_mutex_init(&box->s->lock, NULL) != 0)
    luaL_error(L, "cannot create a mutex");
  box->s->lock_ready = 1;
  return box;
}


/*
** server.start{host=, port=, module=, config=, max_body=, tls=}
** -> server, or nil, message when the address, the TLS files or the
** handler module fail.
*/
static int server_start (lua_State *L) {
  const char *host;
  lua_Integer port, max_body;
  Setup st;
  Box *box;
  int ud;
  luaL_checktype(L, 1, LUA_TTABLE);
  host = opt_string(L, 1, "host", "127.0.0.1");
  port = opt_integer(L, "port", 0, 65535);
  max_body = opt_integer(L, "max_body", DEFAULT_MAX_BODY, INT32_MAX);
  st.module = opt_string(L, 1, "module", NULL);
  luaL_argcheck(L, st.module != NULL, 1, "field 'module' is required");
  st.config = opt_string(L, 1, "config", NULL);
  creator_paths(L, &st);
  box = new_box(L);
  ud = lua_gettop(L);
  box->s->max_body = (size_t)max_body;
  if (!load_tls(L, box->s) || !open_state(L, box->s, &st) ||
      !listen_on(L, box, host, (int)port))
    return fail(L, box);
  lua_settop(L, ud);
  return 1;
}


static int server_close (lua_State *L) {
  release((Box *)luaL_checkudata(L, 1, SERVER_MT));
  return 0;
}


static int server_tostring (lua_State *L) {
  Box *box = (Box *)luaL_checkudata(L, 1, SERVER_MT);
  if (box->s == NULL)
    lua_pushliteral(L, "flowlua.server (closed)");
  else
    lua_pushfstring(L, "flowlua.server (%s)", box->url);
  return 1;
}


/* port and url are fields; anything else is looked up in the methods. */
static int server_index (lua_State *L) {
  Box *box = (Box *)luaL_checkudata(L, 1, SERVER_MT);
  const char *key = luaL_checkstring(L, 2);
  if (strcmp(key, "port") == 0)
    lua_pushinteger(L, box->port);
  else if (strcmp(key, "url") == 0)
    lua_pushstring(L, box->url);
  else
    lua_getfield(L, lua_upvalueindex(1), key);
  return 1;
}


static const luaL_Reg server_methods[] = {
  {"close", server_close},
  {NULL, NULL}
};

static const luaL_Reg server_meta[] = {
  {"__close", server_close},
  {"__gc", server_close},
  {"__tostring", server_tostring},
  {NULL, NULL}
};

static const luaL_Reg server_funcs[] = {
  {"start", server_start},
  {NULL, NULL}
};


int luaopen_flowlua_core_server (lua_State *L) {
  luaL_newmetatable(L, SERVER_MT);
  luaL_setfuncs(L, server_meta, 0);
  luaL_newlib(L, server_methods);
  lua_pushcclosure(L, server_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, server_funcs);
  lua_pushboolean(L, MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES);
  lua_setfield(L, -2, "tls");
  return 1;
}
