/*
** sys.c - flowlua.core.sys: the few operating-system services Lua lacks.
** Clocks, sleeping, terminals, randomness, durable atomic file writes and
** waiting for a termination signal.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"
#include "sys_int.h"
#include "sys_fs.h"


static double clock_seconds (clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* Seconds from an arbitrary origin that never jumps; for durations. */
static int sys_monotime (lua_State *L) {
  lua_pushnumber(L, clock_seconds(CLOCK_MONOTONIC));
  return 1;
}


/* Seconds since the epoch, with sub-second precision. */
static int sys_time (lua_State *L) {
  lua_pushnumber(L, clock_seconds(CLOCK_REALTIME));
  return 1;
}


static int sys_sleep (lua_State *L) {
  double secs = luaL_checknumber(L, 1);
  struct timespec ts;
  luaL_argcheck(L, secs >= 0, 1, "negative duration");
  ts.tv_sec = (time_t)secs;
  ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  return 0;
}


static int sys_isatty (lua_State *L) {
  static const char *const names[] = {"stdin", "stdout", "stderr", NULL};
  int fd = luaL_checkoption(L, 1, "stdout", names);
  lua_pushboolean(L, isatty(fd));
  return 1;
}


static int sys_getpid (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}


/* n bytes from the kernel's CSPRNG: ids, etags, jitter seeds. */
static int sys_random (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_Buffer b;
  char *p;
  size_t got = 0;
  luaL_argcheck(L, n >= 0 && n <= 4096, 1, "size out of range");
  p = luaL_buffinitsize(L, &b, (size_t)n);
  while (got < (size_t)n) {
    ssize_t r = getrandom(p + got, (size_t)n - got, 0);
    if (r < 0 && errno != EINTR)
      return luaL_error(L, "getrandom failed: %s", strerror(errno));
    if (r > 0) got += (size_t)r;
  }
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}


static int push_errno (lua_State *L, const char *what, const char *path) {
  int e = errno;
  lua_pushnil(L);
  lua_pushfstring(L, "%s %s: %s", what, path, strerror(e));
  return 2;
}


/* A failed write: close fd (when open), remove the file it made and
** report `what` on `named` with the errno of the failure, not of the
** clean-up. */
static int push_removed (lua_State *L, int fd, const char *file,
                         const char *what, const char *named) {
  int e = errno;
  if (fd >= 0) close(fd);
  unlink(file);
  errno = e;
  return push_errno(L, what, named);
}


static int write_all (int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    data += w;
    len -= (size_t)w;
  }
  return 0;
}


/* fsync the directory so the rename itself survives a crash. */
static void sync_parent_dir (const char *path) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  int fd;
  if (slash == NULL) strcpy(dir, ".");
  else if (slash == path) strcpy(dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) { fsync(fd); close(fd); }
}


/*
** write_file(path, data [, mode]): writes a sibling temporary file with
** the given mode (default 0600, set at creation so the data is never
** readable by others), fsyncs it and renames it over path. A reader sees
** the old contents or the new, never a mix; a crash loses nothing older.
*/
static int sys_write_file (lua_State *L) {
  size_t len;
  const char *path = luaL_checkstring(L, 1);
  const char *data = luaL_checklstring(L, 2, &len);
  mode_t mode = (mode_t)luaL_optinteger(L, 3, 0600);
  char tmp[4200];
  int fd;
  luaL_argcheck(L, strlen(path) < 4096, 1, "path too long");
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return push_errno(L, "cannot create", tmp);
  if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
      fsync(fd) != 0)
    return push_removed(L, fd, tmp, "cannot write", tmp);
  close(fd);
  if (rename(tmp, path) != 0)
    return push_removed(L, -1, tmp, "cannot rename to", path);
  sync_parent_dir(path);
  lua_pushboolean(L, 1);
  return 1;
}


/* mkdir(path [, mode]): true if created or already a directory. */
static int sys_mkdir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  mode_t mode = (mode_t)luaL_optinteger(L, 2, 0700);
  struct stat st;
  if (mkdir(path, mode) == 0 ||
      (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
    lua_pushboolean(L, 1);
    return 1;
  }
  return push_errno(L, "cannot create directory", path);
}


/* stat_mode(path): permission bits of path, or nil, err. */
static int sys_stat_mode (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (stat(path, &st) != 0) return push_errno(L, "cannot stat", path);
  lua_pushinteger(L, st.st_mode & 07777);
  return 1;
}


/* Signal state is process-wide by nature, hence file-level. */
static volatile sig_atomic_t caught_signal = 0;
static int signals_trapped = 0;

static void on_signal (int sig) {
  caught_signal = sig;
}


static void install_handlers (void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signals_trapped = 1;
}


/*
** trap_signals(): from now on SIGINT and SIGTERM are recorded instead of
** killing the process, so a signal that arrives before wait_signal() is
** called (say, right after a server announced itself) is not lost.
*/
static int sys_trap_signals (lua_State *L) {
  (void)L;
  install_handlers();
  return 0;
}


/*
** wait_signal(): blocks until SIGINT or SIGTERM has arrived (possibly
** already, after trap_signals) and returns its name. Used by `flowlua
** emulator` to serve until interrupted; server threads keep running.
*/
static int sys_wait_signal (lua_State *L) {
  sigset_t block, old;
  if (!signals_trapped) install_handlers();
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  while (caught_signal == 0)
    sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  lua_pushstring(L, caught_signal == SIGINT ? "SIGINT" : "SIGTERM");
  caught_signal = 0;
  return 1;
}

/*
** create_file(path [, mode]): creates an empty file with the given mode
** (default 0600) unless something is there already: true when it made
** it, false when the path existed. Unlike write_file it never replaces a
** file, so processes racing to create the same file all end up with the
** one that won (a database another process has begun to fill stays).
*/
static int sys_create_file (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  mode_t mode = (mode_t)luaL_optinteger(L, 2, 0600);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (fd < 0) return push_errno(L, "cannot create", path);
  if (fchmod(fd, mode) != 0)  /* the umask narrowed it */
    return push_removed(L, fd, path, "cannot create", path);
  close(fd);
  sync_parent_dir(path);
  lua_pushboolean(L, 1);
  return 1;
}



static const luaL_Reg sys_funcs[] = {
  {"allow_core", sys_allow_core},
  {"create_file", sys_create_file},
  {"getpid", sys_getpid},
  {"isatty", sys_isatty},
  {"listdir", sys_listdir},
  {"mkdir", sys_mkdir},
  {"monotime", sys_monotime},
  {"random", sys_random},
  {"sleep", sys_sleep},
  {"stat", sys_stat},
  {"stat_mode", sys_stat_mode},
  {"stop_signal", sys_stop_signal},
  {"time", sys_time},
  {"trap_signals", sys_trap_signals},
  {"trap_stop", sys_trap_stop},
  {"wait_signal", sys_wait_signal},
  {"write_file", sys_write_file},
  {NULL, NULL}
};


int luaopen_flowlua_core_sys (lua_State *L) {
  luaL_newlib(L, sys_funcs);
  return 1;
}
