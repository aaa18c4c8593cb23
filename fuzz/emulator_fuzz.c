/*
** fuzz/emulator_fuzz.c - libFuzzer target for the emulator's request
** handling (flowlua.emulator.app: routing, IMS, gateway checks, queries,
** bodies, patches, actions).
**
** One input is a sequence of requests separated by lines "===". Each is
**
**   METHOD TARGET            TARGET "@/x?q" means BASE .. "/x?q"
**   name: value              headers, added to valid gateway headers
**                            (a bearer token, api key, org, sandbox,
**   body...                  JSON content type); an empty line ends them
**
** and "{1}".."{9}" in a request stand for the ids of the entities created
** so far, "{e1}".."{e9}" for their etags, so sequences reach patches,
** publishes and deletes. The emulator is built once (the catalogue is
** costly); its store is emptied before each input so inputs replay alike.
** Every response must be well formed: a table with an integer status
** below 500 (nothing here asks for a fault), string headers without line
** breaks, a string body that decodes when it says it is JSON. A Lua error
** in the emulator, a bad response or a sanitizer report is a crash.
*/

#include "lua_target.h"


static const char driver[] =
  "local app = require 'flowlua.emulator.app'\n"
  "local store = require 'flowlua.emulator.store'\n"
  "local router = require 'flowlua.emulator.router'\n"
  "local json = require 'flowlua.json'\n"
  "local emu = app.new{ client_id = 'fuzz', client_secret = 'fuzz-pw' }\n"
  "local function call(req)\n"
  "  req.remote = '127.0.0.1:9'\n"
  "  local res = emu:handle(req)\n"
  "  assert(type(res) == 'table', 'response is not a table')\n"
  "  assert(not res.abort, 'connection aborted without a fault')\n"
  "  assert(math.type(res.status) == 'integer' and res.status >= 200\n"
  "    and res.status < 500, 'status ' .. tostring(res.status))\n"
  "  local ctype = ''\n"
  "  for k, v in pairs(res.headers or {}) do\n"
  "    assert(type(k) == 'string' and type(v) == 'string', 'header type')\n"
  "    assert(not (k .. v):find('[\\r\\n%z]'), 'line break in header ' .. k)\n"
  "    if k:lower() == 'content-type' then ctype = v end\n"
  "  end\n"
  "  local body = res.body or ''\n"
  "  assert(type(body) == 'string', 'body is not a string')\n"
  "  local doc\n"
  "  if body ~= '' and ctype:find('json', 1, true) then\n"
  "    local err\n"
  "    doc, err = json.decode(body)\n"
  "    assert(err == nil, 'response is not JSON: ' .. tostring(err))\n"
  "  end\n"
  "  return res, doc\n"
  "end\n"
  "local form = 'grant_type=client_credentials&client_id=fuzz'\n"
  "  .. '&client_secret=fuzz-pw&scope=openid'\n"
  "local _, tok = call{ method = 'POST', path = router.IMS, query = '',\n"
  "  body = form, headers = {\n"
  "    ['content-type'] = 'application/x-www-form-urlencoded' } }\n"
  "local TOKEN = assert(tok.access_token)\n"
  "local function defaults()\n"
  "  return { authorization = 'Bearer ' .. TOKEN, ['x-api-key'] = 'fuzz',\n"
  "    ['x-gw-ims-org-id'] = 'FUZZ@AdobeOrg', ['x-sandbox-name'] = 'prod',\n"
  "    ['content-type'] = 'application/json' }\n"
  "end\n"
  "local function parse(text, made)\n"
  "  text = text:gsub('{(e?)(%d)}', function(e, n)\n"
  "    local m = made[tonumber(n)]\n"
  "    if m == nil then return nil end\n"
  "    return e == 'e' and m.etag or m.id\n"
  "  end)\n"
  "  local head, body = text:match('^(.-)\\n\\n(.*)$')\n"
  "  if head == nil then head, body = text, '' end\n"
  "  local first, rest = head:match('^([^\\n]*)\\n?(.*)$')\n"
  "  local method, target = first:match('^(%S*) ?(.*)$')\n"
  "  target = target:gsub('^@', router.BASE)\n"
  "  local path, query = target:match('^([^?]*)%?\?(.*)$')\n"
  "  local headers = defaults()\n"
  "  local seen = {}\n"
  "  for line in rest:gmatch('[^\\n]+') do\n"
  "    local k, v = line:match('^([^:]*):%s*(.*)$')\n"
  "    if k then\n"
  "      k = k:lower()\n"
  "      headers[k] = seen[k] and headers[k] .. ', ' .. v or v\n"
  "      seen[k] = true\n"
  "    end\n"
  "  end\n"
  "  return { method = method, path = path, query = query,\n"
  "    headers = headers, body = body }\n"
  "end\n"
  "return function(input)\n"
  "  emu.store = store.new()\n"
  "  local made = {}\n"
  "  for text in (input .. '\\n===\\n'):gmatch('(.-)\\n===\\n') do\n"
  "    local res, doc = call(parse(text, made))\n"
  "    if res.status == 201 and type(doc) == 'table'\n"
  "        and type(doc.id) == 'string' then\n"
  "      made[#made + 1] = { id = doc.id, etag = tostring(doc.etag) }\n"
  "    end\n"
  "  end\n"
  "end\n";

static lua_State *state (void) {
  static lua_State *L = NULL;
  if (L == NULL) {
    L = lua_target_new();
    lua_target_load(L, "emulator_fuzz", driver, sizeof driver - 1, 0);
  }
  return L;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  lua_target_run(state(), "emulator_fuzz", data, size);
  return 0;
}
