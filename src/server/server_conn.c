/*
** server_conn.c - flowlua.core.server's side of libmicrohttpd: the
** callbacks each connection thread runs, which collect a request in C
** (target, headers, a body of at most max_body bytes), hand it to the
** handler (server_handler.c) and queue the answer; plus the small helpers
** they need (the client's address, the delay). Error responses are in
** server_error.c, which the handler uses too.
**
** Kept apart from the handler call so that nothing here touches a Lua
** state: these functions only see C data and the Exchange they fill.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "server_int.h"


/* ======================================================================
** Small helpers
** ====================================================================== */

/* A request body may hold a client secret or a storage password: its
** bytes are wiped before the memory goes back to the allocator. */
static void wipe_free (char *p, size_t len) {
  if (p != NULL) explicit_bzero(p, len);
  free(p);
}


static void sleep_seconds (double secs) {
  struct timespec ts;
  if (!(secs > 0)) return;
  if (secs > 3600) secs = 3600;
  ts.tv_sec = (time_t)secs;
  ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}


static enum MHD_Result send_error (struct MHD_Connection *conn,
                                   unsigned status, const char *msg) {
  struct MHD_Response *res = server_error_response(status, msg);
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


/* Counts open connections, for the cap (server_on_request), and tells the
** watchdog, which keeps its entry in the socket context. */
void server_on_connection (void *cls, struct MHD_Connection *c,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode toe) {
  Server *s = (Server *)cls;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    atomic_fetch_add(&s->conns, 1);
    watchdog_opened(s->watchdog, c, socket_context);
  }
  else {
    watchdog_closed(s->watchdog, socket_context);
    atomic_fetch_sub(&s->conns, 1);
  }
}


/* Past the cap: 503 with Retry-After, and the connection closed, so a
** flood of held connections costs the others a retry, not a hang. */
static enum MHD_Result overloaded (struct MHD_Connection *conn) {
  struct MHD_Response *res = server_error_response(
      MHD_HTTP_SERVICE_UNAVAILABLE, "too many connections; retry later");
  enum MHD_Result ok;
  if (res == NULL) return MHD_NO;
  MHD_add_response_header(res, "Retry-After", "1");
  MHD_add_response_header(res, "Connection", "close");
  ok = MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, res);
  MHD_destroy_response(res);
  return ok;
}


/* Keeps the raw request target: MHD hands the handler a decoded path. */
void *server_on_uri (void *cls, const char *uri, struct MHD_Connection *c) {
  Request *r = (Request *)calloc(1, sizeof *r);
  watchdog_request_line(((Server *)cls)->watchdog, c);
  if (r != NULL)
    r->uri = strdup(uri);
  return r;
}


void server_on_completed (void *cls, struct MHD_Connection *c,
                   void **con_cls,
                   enum MHD_RequestTerminationCode toe) {
  Request *r = (Request *)*con_cls;
  (void)toe;
  watchdog_request_done(((Server *)cls)->watchdog, c);
  if (r != NULL) {
    free(r->uri);
    wipe_free(r->body, r->len);
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
      strtoull(cl, NULL, 10) > (unsigned long long)s->max_body) {
    watchdog_request_in(s->watchdog, conn);
    return too_large(conn, s);
  }
  return MHD_YES;
}


/* Keeps at most max_body bytes; beyond that the body is only counted. */
static int accept_body (Server *s, Request *r, const char *data,
                        size_t size) {
  if (r->too_large) return 1;
  if (size > s->max_body - r->len) {
    r->too_large = 1;
    wipe_free(r->body, r->len);
    r->body = NULL;
    r->len = r->cap = 0;
    return 1;
  }
  if (r->len + size > r->cap) {
    size_t cap = r->cap > 0 ? r->cap : 4096;
    char *body;
    while (cap < r->len + size) cap *= 2;
    if (cap > s->max_body) cap = s->max_body;
    /* not realloc: it could free the old block with the bytes in it */
    if ((body = (char *)malloc(cap)) == NULL) return 0;
    if (r->len > 0) memcpy(body, r->body, r->len);
    wipe_free(r->body, r->len);
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
  double read_at = watchdog_now();
  memset(&ex, 0, sizeof ex);
  ex.s = s;
  ex.r = r;
  ex.method = method;
  ex.path = url;
  format_remote(conn, ex.remote, sizeof ex.remote);
  MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header,
                            &ex.headers);
  if (!ex.headers.failed)
    server_run_handler(&ex);
  free(ex.headers.kv);
  /* The lock is released: a delay holds only this connection's thread.
  ** It counts from when the request was read, like a network's latency,
  ** which overlaps with the server's work: time spent waiting for the
  ** lock behind other requests and in the handler is part of it. */
  sleep_seconds(ex.delay - (watchdog_now() - read_at));
  if (ex.response == NULL)  /* abort, or out of memory */
    return MHD_NO;
  ok = MHD_queue_response(conn, ex.status, ex.response);
  MHD_destroy_response(ex.response);
  return ok;
}


enum MHD_Result server_on_request (void *cls, struct MHD_Connection *conn,
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
    watchdog_headers_in(s->watchdog, conn);
    if (atomic_load(&s->conns) > s->max_conns) {
      watchdog_request_in(s->watchdog, conn);
      return overloaded(conn);
    }
    return on_headers(conn, s);
  }
  if (*upload_size > 0) {
    int kept = accept_body(s, r, upload_data, *upload_size);
    *upload_size = 0;
    return kept ? MHD_YES : MHD_NO;
  }
  watchdog_request_in(s->watchdog, conn);
  if (r->too_large)
    return too_large(conn, s);
  return respond(conn, s, r, url, method);
}

