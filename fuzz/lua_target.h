/*
** fuzz/lua_target.h - what the fuzz targets of Lua code share.
** Included by exactly one target file each (emulator_fuzz.c,
** config_fuzz.c); every definition here is static to that target.
*/
#ifndef FLOWLUA_FUZZ_LUA_TARGET_H
#define FLOWLUA_FUZZ_LUA_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "flowlua.h"
#include "host/host.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* build/embedded.c, linked through EXTRA_SRC */
void flowlua_preload_embedded (lua_State *L);

/*
** The Lua code is what is being fuzzed, but liblua is not instrumented:
** a line hook feeds libFuzzer's extra counters with (previous line, line)
** edges of the Lua code, so inputs reaching new Lua branches are kept.
*/
#define LINES (1 << 16)
__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t lua_edges[LINES];

static void line_hook (lua_State *L, lua_Debug *ar) {
  static uintptr_t prev = 0;
  uintptr_t here;
  lua_getinfo(L, "S", ar);
  here = ((uintptr_t)ar->source * 2654435761u) ^ (uintptr_t)ar->currentline;
  lua_edges[(here ^ prev) % LINES]++;
  prev = here >> 1;
}

static int traceback (lua_State *L) {
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
  return 1;
}

/* A state with every flowlua module, the line hook, and the traceback
** handler at stack index 1. */
static lua_State *lua_target_new (void) {
  lua_State *L;
  flowlua_embedded_preload = flowlua_preload_embedded;
  L = luaL_newstate();
  flowlua_openlibs(L);
  lua_sethook(L, line_hook, LUA_MASKLINE, 0);
  lua_pushcfunction(L, traceback);  /* 1 */
  return L;
}

/* Runs the target's driver chunk `code` (named `name`) on the `nargs`
** values on top of the stack; it returns the per-input function, left at
** stack index 2. A driver that fails is a crash. */
static void lua_target_load (lua_State *L, const char *name,
                             const char *code, size_t len, int nargs) {
  char chunkname[64];
  snprintf(chunkname, sizeof chunkname, "=%s", name);
  if (luaL_loadbuffer(L, code, len, chunkname) == LUA_OK) {
    lua_insert(L, -1 - nargs);  /* the chunk below its arguments */
    if (lua_pcall(L, nargs, 1, 1) == LUA_OK) return;
  }
  fprintf(stderr, "%s: %s\n", name, lua_tostring(L, -1));
  abort();
}

/* Calls the per-input function at stack index 2 with the input; any Lua
** error is a crash. */
static void lua_target_run (lua_State *L, const char *name,
                            const uint8_t *data, size_t size) {
  lua_pushvalue(L, 2);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 1) != LUA_OK) {
    fprintf(stderr, "%s: %s\n", name, lua_tostring(L, -1));
    abort();
  }
}

/*
** The Lua state keeps memory from one input to the next by design (the
** collector, caches, interned strings), so libFuzzer's per-input leak check
** would run a full LeakSanitizer scan after every input (90% of the time).
** It is turned off here; leaks are still reported at exit, and the spec
** suite runs under ASan and valgrind.
*/
int LLVMFuzzerInitialize (int *argc, char ***argv) {
  static char *args[64];
  static char no_leaks[] = "-detect_leaks=0";
  int i, n = *argc < 62 ? *argc : 62;
  for (i = 0; i < n; i++) args[i] = (*argv)[i];
  args[n++] = no_leaks;
  args[n] = NULL;
  *argc = n;
  *argv = args;
  return 0;
}

#endif
