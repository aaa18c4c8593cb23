-- errors.lua: hand-written error cases, sent with the flowlua client's
-- own request method so they carry the client's headers. Each request is
-- valid by Adobe's OAS; the answer is an error the emulator must give in
-- Adobe's documented shape, and the client must read it.
--
--   flowlua run tools/conformance/errors.lua

package.path = arg[0]:match("^(.*)/") .. "/?.lua;" .. package.path
local flowlua = require("flowlua")
local json = require("flowlua.json")
local fixtures = require("fixtures")

local AZURE, DATA_LAKE = fixtures.AZURE, fixtures.DATA_LAKE
local MISSING = "5a5a5a5a-0000-4000-8000-000000000000"

local aep = flowlua.connect()
local failures = 0

-- Sends a request, expects an error with this status and code.
local function expect(what, status, code, method, path, opts)
  local data, err = aep:call(method, path, opts)
  local ok = data == nil and err.status == status and err.code == code
    and type(err.message) == "string" and err.request_id ~= nil
  print(("%s %-48s %s"):format(ok and "ok  " or "FAIL", what,
    data and "no error" or tostring(err)))
  if not ok then failures = failures + 1 end
  return err
end

local function body(t)
  return { body = json.encode(t),
    headers = { ["Content-Type"] = "application/json" } }
end

for _, kind in ipairs({ "connections", "sourceConnections",
    "targetConnections", "flows", "runs", "connectionSpecs", "flowSpecs" }) do
  expect("GET unknown " .. kind, 404, "1439-404", "GET",
    "/" .. kind .. "/" .. MISSING)
end
expect("DELETE unknown flow", 404, "1439-404", "DELETE", "/flows/" .. MISSING)
expect("limit with count", 400, "1401-400", "GET",
  "/flows?limit=1&count=true")
expect("bad orderby", 400, "1432-400", "GET", "/connections?orderby=%3F%3F")
expect("state in a flow create", 400, "1410-400", "POST", "/flows",
  body{ name = "x", state = "enabled", flowSpec = {
    id = "9753525b-82c7-4dce-8a9b-5ccfce2b9876", version = "1.0" } })
expect("unknown connection spec", 400, "1413-400", "POST", "/connections",
  body{ name = "x", auth = { specName = "Basic Authentication",
    params = {} }, connectionSpec = { id = MISSING, version = "1.0" } })
expect("unknown auth spec", 400, "1415-400", "POST", "/connections",
  body{ name = "x", auth = { specName = "Nope", params = {} },
    connectionSpec = { id = AZURE, version = "1.0" } })

local base = aep.connections:create({ name = "errors base",
  auth = { specName = "Basic Authentication", params = {
    host = "e.file.core.windows.net", userid = "e", password = "e-pw" } },
  connectionSpec = { id = AZURE, version = "1.0" } })
local path = "/connections/" .. base.id
local patch = { { op = "replace", path = "/name", value = "n" } }
expect("PATCH without If-Match", 400, "1403-400", "PATCH", path, body(patch))
local stale = body(patch)
stale.headers["If-Match"] = '"00000000-0000-0200-0000-000000000000"'
local e = expect("PATCH with a stale etag", 412, "1404-412", "PATCH", path,
  stale)
assert(e.message:match("^The supplied version"), e.message)
local spec_change = body{ { op = "replace", path = "/connectionSpec/id",
  value = DATA_LAKE } }
spec_change.headers["If-Match"] = base.etag
expect("PATCH of the connection spec", 400, "1414-400", "PATCH", path,
  spec_change)
local src, tgt, flow = fixtures.dataflow(aep, base, "errors", "/e/a.csv")
expect("DELETE a base connection in use", 400, "1418-400", "DELETE", path)
expect("publish what is published", 400, "1422-400", "POST",
  "/flows/" .. flow.id .. "/action?op=PUBLISH")
-- The gateway's checks (the emulator runs with --org and
-- --client-id): each header present, as the OAS wants, with a value the
-- gateway refuses.
local function with(name, value) return { headers = { [name] = value } } end
expect("no x-sandbox-name", 400, "400003", "GET", "/flows",
  with("x-sandbox-name", ""))
expect("an org id not ID@AdobeOrg", 403, "403025", "GET", "/flows",
  with("x-gw-ims-org-id", "C0NF0RMANCE"))
expect("another org than --org", 403, "403025", "GET", "/flows",
  with("x-gw-ims-org-id", "0THER0000000000000000000@AdobeOrg"))
expect("an API key not the token's client", 403, "403003", "GET", "/flows",
  with("x-api-key", "someone-else"))
expect("a token IMS never issued", 401, "401013", "GET", "/flows",
  with("Authorization", "Bearer never-issued"))
-- If-Match is the quoted strong etag the service gave: the same etag
-- unquoted or weak does not match.
local current = aep.connections:get(base.id).etag
local unquoted = current:gsub('"', "")
for _, case in ipairs({ { "unquoted", unquoted },
    { "weak", "W/" .. current } }) do
  local req = body(patch)
  req.headers["If-Match"] = case[2]
  expect("PATCH with the etag " .. case[1], 412, "1404-412", "PATCH", path,
    req)
end
flow:delete()
src:delete()
tgt:delete()
base:delete()

if failures > 0 then
  io.stderr:write(("errors: %d case(s) failed\n"):format(failures))
  os.exit(1)
end
print("errors: every case answered as documented")
