-- bench/onboarding/floor.lua URL N CONCURRENCY: the floor of bulk
-- onboarding. A bare client (flowlua.http and tasks only: no validation,
-- no journal, no retries, no read-backs) sends exactly the minimum the
-- workflow needs to the emulator at URL: one token, the three specs at
-- once, then per source, one source after another within a task, the
-- four draft creates, the flow's update and the four publishes, N sources
-- CONCURRENCY at a time. Prints `floor: SECONDS s, REQUESTS requests`.
local http = require("flowlua.http")
local json = require("flowlua.json")
local task = require("flowlua.task")
local sys = require("flowlua.core").sys

local url, n, conc = arg[1], math.tointeger(tonumber(arg[2])),
  math.tointeger(tonumber(arg[3]))
-- "keep-alive": every request on a kept-alive connection; by default a
-- POST or PATCH is sent `once`, as flowlua.http sends requests that are
-- not idempotent (so libcurl can never resend them): a fresh connection
-- for one without a body (docs/http.md, "Sent at most once").
local keep_alive = arg[4] == "keep-alive"
assert(url and n and conc, "usage: floor.lua URL N CONCURRENCY [keep-alive]")
local BASE = url .. "/data/foundation/flowservice"
local AZURE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
local DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

local c = http.client{ retry = false, timeout = 30 }
local sent = 0
local headers = { ["Content-Type"] = "application/json",
  Accept = "application/json", ["x-api-key"] = "floor",
  ["x-gw-ims-org-id"] = "FLOWLUA0EMULATOR0000000@AdobeOrg",
  ["x-sandbox-name"] = "prod" }

local function call(method, u, body, extra)
  local h = headers
  if extra then
    h = {}
    for k, v in pairs(headers) do h[k] = v end
    for k, v in pairs(extra) do h[k] = v end
  end
  sent = sent + 1
  local res, err = c:request{ method = method, url = u, headers = h,
    body = body and json.encode(body) or (method == "POST" and "" or nil),
    idempotent = keep_alive or nil }
  assert(res, err)
  assert(res.status < 300, method .. " " .. u .. ": " .. res.status .. " "
    .. res.body)
  return json.decode(res.body)
end

local function token()
  sent = sent + 1
  local res = assert(c:request{ method = "POST", url = url .. "/ims/token/v3",
    headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
    body = "grant_type=client_credentials&client_id=floor"
      .. "&client_secret=floor&scope=openid" })
  assert(res.status == 200, res.body)
  headers.Authorization = "Bearer " .. json.decode(res.body).access_token
end

local function specs()
  local got = task.parallel({
    BASE .. "/flowSpecs?property=name%3D%3D%22CloudStorageToAEP%22",
    BASE .. "/connectionSpecs/" .. AZURE,
    BASE .. "/connectionSpecs/" .. DATA_LAKE,
  }, function(u) return call("GET", u).items[1].id end, { concurrency = 3 })
  return got[1]
end

local function create(path, body)
  local data = call("POST", BASE .. path .. "?mode=draft", body)
  return data.id, data.etag
end

local function publish(path, id)
  call("POST", BASE .. path .. "/" .. id .. "/action?op=publish")
end

local function onboard(i, flow_spec)
  local name = ("floor-%03d"):format(i)
  local base = create("/connections", { name = name .. " base",
    auth = { specName = "Basic Authentication", params = {
      host = "demo.file.core.windows.net", userid = "demo",
      password = "demo-storage-key" } },
    connectionSpec = { id = AZURE, version = "1.0" } })
  local source = create("/sourceConnections", { name = name .. " source",
    baseConnectionId = base, data = { format = "delimited" },
    params = { path = "/" .. name .. "/incoming/data.csv" },
    connectionSpec = { id = AZURE, version = "1.0" } })
  local target = create("/targetConnections", { name = name .. " target",
    data = { schema = {
      id = "https://ns.adobe.com/demo/schemas/5f3c3cedb2805c194ff0b69b",
      version = "application/vnd.adobe.xed-full+json;version=1" } },
    params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
    connectionSpec = { id = DATA_LAKE, version = "1.0" } })
  local flow, etag = create("/flows", { name = name .. " dataflow",
    sourceConnectionIds = { source }, targetConnectionIds = { target },
    flowSpec = { id = flow_spec, version = "1.0" } })
  call("PATCH", BASE .. "/flows/" .. flow, {
    { op = "add", path = "/transformations", value = { { name = "Mapping",
      params = { mappingId = "bf5286a9c1ad4266baca76ba3adc9366",
        mappingVersion = "0" } } } },
    { op = "add", path = "/scheduleParams", value = {
      startTime = os.time() + 3600, frequency = "hour", interval = 1 } },
  }, { ["If-Match"] = etag })
  publish("/connections", base)
  publish("/sourceConnections", source)
  publish("/targetConnections", target)
  publish("/flows", flow)
end

local started = sys.monotime()
local results = task.parallel({ 0 }, function()
  token()
  local flow_spec = specs()
  local items = {}
  for i = 1, n do items[i] = i end
  task.parallel(items, function(i) onboard(i, flow_spec) end,
    { concurrency = conc })
  return true
end)
assert(results[1])
print(("floor: %.3f s, %d requests"):format(sys.monotime() - started, sent))
