/*
** fuzz/json_fuzz.c - libFuzzer target for flowlua.json.
** Each input is first encoded as a Lua string: it must decode back to
** itself, or be refused as invalid UTF-8. Then it is decoded; when it
** decodes, the value is encoded (sorted keys, then indented), decoded
** again and compared with the first value, and the two encodings must
** agree. A decode failure must be a message with a line and column; the
** only encode failure allowed is an infinite number (JSON numbers such as
** 1e999 decode to inf). Any other outcome, and any sanitizer report, is a
** crash.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "flowlua.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char check[] =
  "local json, text = ...\n"
  "local function same(a, b)\n"
  "  if type(a) ~= type(b) or math.type(a) ~= math.type(b) then\n"
  "    return false end\n"
  "  if type(a) ~= 'table' then return a == b end\n"
  "  if getmetatable(a) ~= getmetatable(b) then return false end\n"
  "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
  "  for k in pairs(b) do if a[k] == nil then return false end end\n"
  "  return true\n"
  "end\n"
  "local function must(v, err) assert(err == nil, err) return v end\n"
  "local sok, s = pcall(json.encode, text)\n"
  "if sok then assert(must(json.decode(s)) == text, 'string round trip')\n"
  "else assert(s == 'cannot encode string with invalid UTF-8 at $', s) end\n"
  "local v, err = json.decode(text)\n"
  "if err ~= nil then\n"
  "  assert(err:match(' at line %d+ column %d+$'), err)\n"
  "  return\n"
  "end\n"
  "local shallow, e2 = json.decode(text, { max_depth = 4 })\n"
  "assert(e2 and e2:match('^nesting too deep')\n"
  "  or same(v, shallow), 'max_depth changed the value')\n"
  "local ok, out = pcall(json.encode, v, { sort_keys = true })\n"
  "if not ok then\n"
  "  assert(out:match('^cannot encode inf at '), out)\n"
  "  return\n"
  "end\n"
  "local back = must(json.decode(out))\n"
  "assert(same(v, back), 'decode(encode(v)) differs from v')\n"
  "assert(json.encode(back, { sort_keys = true }) == out, 'unstable')\n"
  "local pretty = json.encode(v, { sort_keys = true, indent = 1 })\n"
  "assert(same(v, must(json.decode(pretty))), 'indent changed the value')\n";

static lua_State *state (void) {
  static lua_State *L = NULL;
  if (L == NULL) {
    L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_loadbuffer(L, check, sizeof check - 1, "=json_fuzz") != LUA_OK)
      abort();
    luaopen_flowlua_core_json(L);  /* stack: check, json */
  }
  return L;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  lua_State *L = state();
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
    fprintf(stderr, "json_fuzz: %s\n", lua_tostring(L, -1));
    abort();
  }
  return 0;
}
