/*
** src/server/server_watchdog.h - closes connections whose request arrives
** too slowly (a slowloris), which libmicrohttpd's idle timeout cannot see:
** it is reset by every byte. Not part of any API.
*/
#ifndef FLOWLUA_SERVER_WATCHDOG_H
#define FLOWLUA_SERVER_WATCHDOG_H

#include <microhttpd.h>

typedef struct Watchdog Watchdog;

/* Starts the watchdog's thread; limits in seconds, 0 for none. NULL when
** out of memory or threads. */
Watchdog *watchdog_start (unsigned header_limit, unsigned body_limit);

/* Joins the thread: no connection is shut down after this. The table stays
** usable, for the daemon's last close notifications. */
void watchdog_stop (Watchdog *w);

/* Seconds on the monotonic clock: the watchdog's time, which the
** server's fault delays measure with too. */
double watchdog_now (void);

/* After the daemon has stopped (every connection closed). */
void watchdog_free (Watchdog *w);

/* libmicrohttpd's notifications, from its threads; the close comes after
** the connection's thread ended, before its socket is closed. */
void watchdog_opened (Watchdog *w, struct MHD_Connection *c,
                      void **socket_context);
void watchdog_closed (Watchdog *w, void **socket_context);
void watchdog_request_line (Watchdog *w, struct MHD_Connection *c);
void watchdog_headers_in (Watchdog *w, struct MHD_Connection *c);
void watchdog_request_in (Watchdog *w, struct MHD_Connection *c);
void watchdog_request_done (Watchdog *w, struct MHD_Connection *c);

#endif
