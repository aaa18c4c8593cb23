/*
** fuzz/config_fuzz.c - libFuzzer target for the CLI's config loading
** (flowlua.config.load on a profile file).
**
** The input is the file's contents; when it starts with a line
** "profile=NAME", that line is taken off and NAME is the profile asked for
** (as --profile does). The file is written to a private temporary file
** (mode 0600) and loaded with no FLOWLUA_* variable set. A load must
** either return settings whose every field is a string (or absent, with
** the defaults present) or raise a string that names the file or the
** profile, never a Lua runtime error, and never quote a secret of the
** file (a client_secret starting "S3cr", as the seeds have).
** config.need on every setting returns a string or raises
** "missing setting ...". Anything else, or a sanitizer report, is a crash.
*/
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lua_target.h"


static const char driver[] =
  "local config = require 'flowlua.config'\n"
  "local path = ...\n"
  "local function count(text, s)\n"
  "  local n, i = 0, 1\n"
  "  while true do\n"
  "    local j = text:find(s, i, true)\n"
  "    if j == nil then return n end\n"
  "    n, i = n + 1, j + 1\n"
  "  end\n"
  "end\n"
  "-- client_secret values marked 'S3cr' (no message says that) that\n"
  "-- appear nowhere else in the file\n"
  "local function secrets(text)\n"
  "  local out = {}\n"
  "  for v in text:gmatch('\"client_secret\"%s*:%s*\"([^\"\\\\]+)\"') do\n"
  "    if v:find('^S3cr') and count(text, v)\n"
  "        == count(text, '\"client_secret\":\"' .. v .. '\"') then\n"
  "      out[#out + 1] = v\n"
  "    end\n"
  "  end\n"
  "  return out\n"
  "end\n"
  "local function check_error(err, text)\n"
  "  assert(type(err) == 'string', 'error is not a string')\n"
  "  assert(not err:find('^[^:]*%.lua:%d+:'), 'runtime error: ' .. err)\n"
  "  assert(err:sub(1, #path + 1) == path .. ':'\n"
  "    or err:find('^profile ') or err:find('^cannot read config file'),\n"
  "    'unexpected error: ' .. err)\n"
  "  for _, s in ipairs(secrets(text)) do\n"
  "    assert(not err:find(s, 1, true), 'secret in error: ' .. err)\n"
  "  end\n"
  "end\n"
  "local function check_settings(s)\n"
  "  for _, def in ipairs(config.SETTINGS) do\n"
  "    local v = s[def.key]\n"
  "    assert(v == nil or type(v) == 'string', def.key .. ' not a string')\n"
  "    if def.default then assert(v ~= nil, def.key .. ' lost default') end\n"
  "    local ok, got = pcall(config.need, s, def.key)\n"
  "    if ok then assert(type(got) == 'string' and got ~= '', def.key)\n"
  "    else\n"
  "      assert(type(got) == 'string'\n"
  "        and got:find('^missing setting ' .. def.key), tostring(got))\n"
  "    end\n"
  "  end\n"
  "end\n"
  "return function(input)\n"
  "  local profile, text = input:match('^profile=([^\\n]*)\\n(.*)$')\n"
  "  if profile == nil then text = input end\n"
  "  local f = assert(io.open(path, 'wb'))\n"
  "  f:write(text)\n"
  "  f:close()\n"
  "  local ok, res = pcall(config.load, { file = path, profile = profile })\n"
  "  if ok then check_settings(res) else check_error(res, text) end\n"
  "end\n";

static const char *const env[] = {
  "FLOWLUA_CLIENT_ID", "FLOWLUA_CLIENT_SECRET", "FLOWLUA_ORG_ID",
  "FLOWLUA_SCOPES", "FLOWLUA_SANDBOX", "FLOWLUA_ACCESS_TOKEN",
  "FLOWLUA_ENDPOINT", "FLOWLUA_IMS_URL", "FLOWLUA_API_KEY",
  "FLOWLUA_PROFILE", "FLOWLUA_CONFIG", "FLOWLUA_CACERT", NULL
};

static lua_State *state (void) {
  static lua_State *L = NULL;
  static char path[64];
  if (L == NULL) {
    const char *const *e;
    for (e = env; *e != NULL; e++) unsetenv(*e);
    umask(077);  /* a private file: no "other users can read it" warning */
    snprintf(path, sizeof path, "/tmp/config_fuzz.%ld.json",
             (long)getpid());
    L = lua_target_new();
    lua_pushstring(L, path);
    lua_target_load(L, "config_fuzz", driver, sizeof driver - 1, 1);
  }
  return L;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  lua_target_run(state(), "config_fuzz", data, size);
  return 0;
}
