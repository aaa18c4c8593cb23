/*
** json_depth.c - what the decoder and the encoder share about options
** (the names they know, opts.max_depth) and nesting (frame stacks that
** grow into a Lua-owned userdata).
** Below both (and below json.c): it calls nothing of theirs.
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "json.h"


/*
** Grows the frame array *frames (cap entries of size sz) to at least
** need entries. The new block is a userdata stored at stack index slot,
** so Lua owns it and nothing leaks if anything raises later.
*/
void *json_grow_frames (lua_State *L, void *frames, int *cap, int need,
                        size_t sz, int slot) {
  int ncap = *cap * 2;
  void *nf;
  if (ncap < need) ncap = need;
  nf = lua_newuserdatauv(L, (size_t)ncap * sz, 0);
  memcpy(nf, frames, (size_t)*cap * sz);
  lua_replace(L, slot);
  *cap = ncap;
  return nf;
}


/*
** Raises when the options table at arg has a key that is not one of the
** names in known (NULL-terminated): a misspelt option must not be ignored.
*/
void json_check_options (lua_State *L, int arg, const char *const known[]) {
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);  /* the value; the key stays for lua_next */
    if (lua_type(L, -1) == LUA_TSTRING) {
      size_t len, i;
      const char *key = lua_tolstring(L, -1, &len);
      for (i = 0; known[i]; i++)
        if (strlen(known[i]) == len && memcmp(known[i], key, len) == 0) break;
      if (known[i]) continue;
    }
    luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'",
                  luaL_tolstring(L, -1, NULL)));
  }
}


/* opts.max_depth: an integer from 0 to limit, DEFAULT_DEPTH if absent */
int json_opt_depth (lua_State *L, int arg, lua_Integer limit) {
  lua_Integer v;
  if (lua_isnoneornil(L, arg)) return DEFAULT_DEPTH;
  luaL_checktype(L, arg, LUA_TTABLE);
  if (lua_getfield(L, arg, "max_depth") == LUA_TNIL) v = DEFAULT_DEPTH;
  else {
    int isint;
    v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 0 || v > limit)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "max_depth must be an integer from 0 to %I",
                    (LUAI_UACINT)limit));
  }
  lua_pop(L, 1);
  return (int)v;
}
