/*
** src/server/server_int.h - what the parts of flowlua.core.server share: the
** server (server.c), the libmicrohttpd callbacks (server_conn.c) and the
** handler call (server_handler.c). Not part of any API.
*/
#ifndef FLOWLUA_SERVER_INT_H
#define FLOWLUA_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "lua.h"

#include "server_watchdog.h"

typedef struct Server {
  struct MHD_Daemon *daemon;
  lua_State *hl;            /* the handler's own state */
  int handler_ref;
  pthread_mutex_t lock;     /* one request inside hl at a time */
  int lock_ready;
  size_t max_body;
  char *cert, *key;         /* PEM text, kept while the daemon runs */
  unsigned idle_timeout;    /* seconds without a byte before closing */
  size_t max_conns;         /* beyond this many, requests get 503 */
  atomic_size_t conns;      /* connections open now */
  unsigned header_timeout;  /* seconds for a request's headers to arrive */
  unsigned body_timeout;    /* seconds more for its body */
  Watchdog *watchdog;       /* closes requests past those; may be NULL */
} Server;

/* Connections past max_conns that libmicrohttpd still accepts, so they
** can be told 503 instead of being dropped unanswered. */
#define SERVER_OVERFLOW 64

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


/* server_limits.c: raises RLIMIT_NOFILE, returns the default cap */
size_t server_default_max_conns (void);

/* server_conn.c: the callbacks the daemon is started with */
void server_on_connection (void *cls, struct MHD_Connection *c,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode toe);
void *server_on_uri (void *cls, const char *uri, struct MHD_Connection *c);
void server_on_completed (void *cls, struct MHD_Connection *c, void **con_cls,
                   enum MHD_RequestTerminationCode toe);
enum MHD_Result server_on_request (void *cls, struct MHD_Connection *conn,
                            const char *url, const char *method,
                            const char *version, const char *upload_data,
                            size_t *upload_size, void **con_cls);

/* server_error.c: a JSON error response, for the connection callbacks
** and for a handler's error */
struct MHD_Response *server_error_response (unsigned status, const char *msg);

/* server_handler.c: one request through the handler, under the lock */
void server_run_handler (Exchange *ex);


#endif
