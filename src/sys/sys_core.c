/*
** sys_core.c - core files: none by default, allowed again on request.
** A flowlua process holds secrets (the client secret, access tokens,
** storage passwords), so the executable forbids core dumps before any Lua
** runs; `--allow-core` (sys.allow_core) brings back what the user had,
** for debugging a crash.
*/
#include <sys/prctl.h>
#include <sys/resource.h>

#include "lua.h"
#include "lauxlib.h"

#include "sys.h"
#include "sys_int.h"

/* Process-wide by nature: the limit before sys_forbid_core changed it. */
static struct rlimit saved_core;
static int core_forbidden = 0;


void sys_forbid_core (void) {
  struct rlimit none;
  if (getrlimit(RLIMIT_CORE, &saved_core) != 0) return;
  none = saved_core;
  none.rlim_cur = 0;
  if (setrlimit(RLIMIT_CORE, &none) != 0) return;
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  core_forbidden = 1;
}


/*
** allow_core(): the soft core limit the process started with, and a
** dumpable process again (so a debugger can attach too). Returns the
** soft limit now in force, or "unlimited".
*/
int sys_allow_core (lua_State *L) {
  struct rlimit now;
  if (core_forbidden) {
    setrlimit(RLIMIT_CORE, &saved_core);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    core_forbidden = 0;
  }
  getrlimit(RLIMIT_CORE, &now);
  if (now.rlim_cur == RLIM_INFINITY) lua_pushliteral(L, "unlimited");
  else lua_pushinteger(L, (lua_Integer)now.rlim_cur);
  return 1;
}
