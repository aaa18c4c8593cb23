/*
** sys_stop.c - stop signals for `flowlua run`: the first SIGINT or
** SIGTERM asks the run to stop (new work is refused, the state is saved,
** a summary is printed); a second one ends the process at once. The
** journal is crash-safe, so ending at any instant loses nothing.
*/
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "sys_int.h"

/* Process-wide by nature: the first stop signal, 0 until one arrives. */
static volatile sig_atomic_t stop_signal = 0;


static void on_stop_signal (int sig) {
  if (stop_signal != 0) {
    static const char msg[] = "\nflowlua: interrupted again, exiting now\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(128 + sig);
  }
  stop_signal = sig;
}


/*
** trap_stop(): from now on the first SIGINT or SIGTERM is recorded
** (stop_signal() reports it) and a second one exits with 128 + its
** number. No SA_RESTART: a blocking wait returns early, so the run
** notices the request sooner.
*/
int sys_trap_stop (lua_State *L) {
  struct sigaction sa;
  (void)L;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  return 0;
}


/* stop_signal(): "SIGINT" or "SIGTERM" once one has arrived, else nil. */
int sys_stop_signal (lua_State *L) {
  int sig = stop_signal;
  if (sig == SIGINT) lua_pushliteral(L, "SIGINT");
  else if (sig == SIGTERM) lua_pushliteral(L, "SIGTERM");
  else lua_pushnil(L);
  return 1;
}
