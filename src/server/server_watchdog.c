/*
** server_watchdog.c - a request must arrive whole in bounded time.
**
** libmicrohttpd's connection timeout closes a connection that sends
** nothing, but every byte restarts it, so a client that drips a header
** byte every few seconds (a slowloris) held its connection and its thread
** for ever. Here each connection is in a table with the phase of its
** current request: waiting for one (the idle timeout's business), headers
** arriving since some time, body arriving since the headers were in, or
** being answered. A thread looks at the table twice a second and shuts
** down (shutdown(2), SHUT_RDWR) the socket of a request past its limit;
** the connection's own thread then sees the socket end and closes the
** connection as for a client that went away. libmicrohttpd does the same
** from another thread when it stops a daemon (close_all_connections).
**
** A descriptor is only shut down under the table's lock, and the entry
** leaves the table in the close notification, which libmicrohttpd makes
** before it closes the socket: a descriptor number reused by someone else
** is never touched.
**
** A request begins with its first byte. The watchdog sees it in the
** socket's count of bytes received (TCP_INFO), compared with the count
** when the previous request ended; the request line being parsed marks it
** too (another request already buffered, or a kernel without the count).
** So a kept-alive connection between requests, or a fresh one that has
** sent nothing, is left to the idle timeout as before.
*/
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#include "server_watchdog.h"

#define TICK_NS 500000000L  /* how often the table is looked at */

typedef enum Phase {
  WAITING,     /* no request begun */
  HEADERS,     /* since: its first byte */
  BODY,        /* since: its headers were in */
  ANSWERING,   /* whole; no limit while the handler and the send run */
  CUT          /* shut down, closing */
} Phase;

typedef struct Watch {
  struct Watch *prev, *next;
  int fd;
  Phase phase;
  double since;
  uint64_t bytes_seen;   /* received when the last request ended */
} Watch;

struct Watchdog {
  pthread_mutex_t lock;  /* the table and every Watch in it */
  pthread_cond_t wake;
  pthread_t thread;
  int stopping, running;
  double header_limit, body_limit;
  Watch head;            /* circular list, head.fd unused */
};


double watchdog_now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* Bytes the kernel has received on the socket; 0 when it cannot say
** (then the request line alone marks a request's start). */
static uint64_t bytes_received (int fd) {
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return 0;
  if (len < offsetof(struct tcp_info, tcpi_bytes_received) +
            sizeof ti.tcpi_bytes_received)
    return 0;
  return ti.tcpi_bytes_received;
}


static Watch *watch_of (struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(
      c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info != NULL ? (Watch *)info->socket_context : NULL;
}


/* Moves c's request to phase p (from the phases in 'from' only). */
static void enter (Watchdog *w, struct MHD_Connection *c, unsigned from,
                   Phase p) {
  Watch *x;
  if (w == NULL || (x = watch_of(c)) == NULL) return;
  pthread_mutex_lock(&w->lock);
  if (from & (1u << x->phase)) {
    x->phase = p;
    x->since = watchdog_now();
  }
  pthread_mutex_unlock(&w->lock);
}


/* ======================================================================
** The watchdog's thread
** ====================================================================== */

static int overdue (const Watchdog *w, const Watch *x, double now) {
  if (x->phase == HEADERS)
    return w->header_limit > 0 && now - x->since > w->header_limit;
  if (x->phase == BODY)
    return w->body_limit > 0 && now - x->since > w->body_limit;
  return 0;
}


static void look (Watchdog *w, double now) {
  Watch *x;
  for (x = w->head.next; x != &w->head; x = x->next) {
    if (x->phase == WAITING && bytes_received(x->fd) > x->bytes_seen) {
      x->phase = HEADERS;
      x->since = now;
    }
    else if (overdue(w, x, now)) {
      shutdown(x->fd, SHUT_RDWR);
      x->phase = CUT;
    }
  }
}


static void *watch_loop (void *arg) {
  Watchdog *w = (Watchdog *)arg;
  struct timespec at;
  pthread_mutex_lock(&w->lock);
  while (!w->stopping) {
    look(w, watchdog_now());
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_nsec += TICK_NS;
    if (at.tv_nsec >= 1000000000L) {
      at.tv_sec++;
      at.tv_nsec -= 1000000000L;
    }
    while (!w->stopping &&
           pthread_cond_timedwait(&w->wake, &w->lock, &at) == 0) {}
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}


/* ======================================================================
** Starting and stopping
** ====================================================================== */

static int init_sync (Watchdog *w) {
  pthread_condattr_t ca;
  int ok;
  if (pthread_condattr_init(&ca) != 0) return 0;
  ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
       pthread_cond_init(&w->wake, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!ok) return 0;
  if (pthread_mutex_init(&w->lock, NULL) != 0) {
    pthread_cond_destroy(&w->wake);
    return 0;
  }
  return 1;
}


/* The thread blocks every signal, so none is delivered to it instead of
** the thread that waits for SIGINT and SIGTERM. */
Watchdog *watchdog_start (unsigned header_limit, unsigned body_limit) {
  Watchdog *w = (Watchdog *)calloc(1, sizeof *w);
  sigset_t all, old;
  if (w == NULL) return NULL;
  if (!init_sync(w)) {
    free(w);
    return NULL;
  }
  w->header_limit = header_limit;
  w->body_limit = body_limit;
  w->head.next = w->head.prev = &w->head;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  w->running = pthread_create(&w->thread, NULL, watch_loop, w) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (!w->running) {
    watchdog_free(w);
    return NULL;
  }
  return w;
}


void watchdog_stop (Watchdog *w) {
  if (w == NULL || !w->running) return;
  pthread_mutex_lock(&w->lock);
  w->stopping = 1;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  w->running = 0;
}


void watchdog_free (Watchdog *w) {
  if (w == NULL) return;
  watchdog_stop(w);
  while (w->head.next != &w->head) {  /* none, once the daemon stopped */
    Watch *x = w->head.next;
    w->head.next = x->next;
    free(x);
  }
  pthread_cond_destroy(&w->wake);
  pthread_mutex_destroy(&w->lock);
  free(w);
}


/* ======================================================================
** Notifications (connection threads)
** ====================================================================== */

void watchdog_opened (Watchdog *w, struct MHD_Connection *c,
                      void **socket_context) {
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(
      c, MHD_CONNECTION_INFO_CONNECTION_FD);
  Watch *x;
  *socket_context = NULL;
  if (w == NULL || info == NULL) return;
  if ((x = (Watch *)calloc(1, sizeof *x)) == NULL) return;  /* unwatched */
  x->fd = info->connect_fd;
  x->phase = WAITING;
  x->bytes_seen = bytes_received(x->fd);
  pthread_mutex_lock(&w->lock);
  x->next = &w->head;
  x->prev = w->head.prev;
  x->prev->next = x;
  w->head.prev = x;
  pthread_mutex_unlock(&w->lock);
  *socket_context = x;
}


/* Before libmicrohttpd closes the descriptor. */
void watchdog_closed (Watchdog *w, void **socket_context) {
  Watch *x = (Watch *)*socket_context;
  if (w == NULL || x == NULL) return;
  pthread_mutex_lock(&w->lock);
  x->prev->next = x->next;
  x->next->prev = x->prev;
  pthread_mutex_unlock(&w->lock);
  free(x);
  *socket_context = NULL;
}


void watchdog_request_line (Watchdog *w, struct MHD_Connection *c) {
  enter(w, c, 1u << WAITING, HEADERS);
}


void watchdog_headers_in (Watchdog *w, struct MHD_Connection *c) {
  enter(w, c, (1u << WAITING) | (1u << HEADERS), BODY);
}


void watchdog_request_in (Watchdog *w, struct MHD_Connection *c) {
  enter(w, c, (1u << WAITING) | (1u << HEADERS) | (1u << BODY), ANSWERING);
}


/* The answer is sent (or the request abandoned): the next request on a
** kept-alive connection begins with its first byte. */
void watchdog_request_done (Watchdog *w, struct MHD_Connection *c) {
  Watch *x;
  if (w == NULL || (x = watch_of(c)) == NULL) return;
  pthread_mutex_lock(&w->lock);
  if (x->phase != CUT) {
    x->phase = WAITING;
    x->bytes_seen = bytes_received(x->fd);
  }
  pthread_mutex_unlock(&w->lock);
}
