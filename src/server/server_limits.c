/*
** server_limits.c - how many connections a server may hold. Each
** connection costs a file descriptor (and, with a thread per connection,
** a thread), so the cap follows the process's descriptor limit, which is
** first raised as far as the hard limit allows: the emulator should not
** fall over at 1024 connections because of a shell's default.
*/
#include <stddef.h>
#include <sys/resource.h>

#include "server_int.h"

#define MAX_CONNS 4000     /* threads are the cost past this */
#define MIN_RESERVE 64     /* descriptors kept for files, logs, clients */


/* Raises the soft RLIMIT_NOFILE to the hard limit (process-wide: the
** client in the same process, under `run --emulator`, gains too) and
** returns the soft limit in force. */
static size_t raise_nofile (void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit up = rl;
    up.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) rl = up;
  }
  return rl.rlim_cur == RLIM_INFINITY ? (size_t)1 << 20
                                      : (size_t)rl.rlim_cur;
}


/*
** The default cap: MAX_CONNS, or less when descriptors are short, so the
** cap plus the 503 overflow plus a reserve (a tenth, at least
** MIN_RESERVE) stays below the limit.
*/
size_t server_default_max_conns (void) {
  size_t nofile = raise_nofile();
  size_t reserve = nofile / 10 > MIN_RESERVE ? nofile / 10 : MIN_RESERVE;
  size_t room = nofile > reserve + SERVER_OVERFLOW + 1
                ? nofile - reserve - SERVER_OVERFLOW : 1;
  return room < MAX_CONNS ? room : MAX_CONNS;
}
