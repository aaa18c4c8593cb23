-- operations.lua: the OAS operations beyond the client's CRUD methods
-- (connection test, explore and preview, configs, search, spec authoring,
-- runs: list, get, ad hoc, provider update, re-trigger), sent with the
-- client's request method so they go through Prism like the rest. With
-- the tour and the scripts, every one of the 45 operations is exercised.
-- The emulator runs with --time-scale and --files (tools/conformance/run).
--
--   flowlua run tools/conformance/operations.lua

local flowlua = require "flowlua"
local json = require "flowlua.json"
local sys = require("flowlua.core").sys

local AZURE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
local DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
local DLZ = "26f526f2-58f4-4712-961d-e41bf1ccc0e8"
local FLOW_SPEC = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
local PROVIDER = "0ed90a81-07f4-4586-8190-b40eccef1c5a"

local aep = flowlua.connect()
local failures = 0

local function body(t, extra)
  local h = { ["Content-Type"] = "application/json" }
  for k, v in pairs(extra or {}) do h[k] = v end
  return { body = json.encode(t), headers = h }
end

-- Sends a request that must succeed; returns the decoded answer.
local function expect(what, method, path, opts)
  local data, err = aep:call(method, path, opts)
  print(("%s %-40s %s"):format(data ~= nil and "ok  " or "FAIL", what,
    data ~= nil and "" or tostring(err)))
  if data == nil then failures = failures + 1 end
  return data or {}
end

local base = aep.connections:create({ name = "operations base",
  auth = { specName = "Basic Authentication", params = {
    host = "o.file.core.windows.net", userid = "o", password = "o-pw" } },
  connectionSpec = { id = AZURE, version = "1.0" } })
local cpath = "/connections/" .. base.id
expect("testConnection", "GET", cpath .. "/test")
expect("getByConnectionId root", "GET", cpath .. "/explore?objectType=ROOT")
expect("getByConnectionId folder", "GET", cpath
  .. "/explore?objectType=FOLDER&object=/acme")
expect("getByConnectionId file", "GET", cpath
  .. "/explore?objectType=FILE&object=/acme/accounts.csv&FileType=Delimited")
expect("getByConnectionId preview", "GET", cpath
  .. "/explore?objectType=FILE&object=/acme/accounts.csv&FileType=Delimited"
  .. "&preview=true")
expect("exploreConfigByConnectionId", "GET", cpath .. "/configs")
expect("exploreByConnectionSpecId", "GET", "/connectionSpecs/" .. DLZ
  .. "/explore?objectType=ROOT")
expect("configByConnectionSpecId", "GET", "/connectionSpecs/" .. AZURE
  .. "/configs")
expect("getConnectionsByFilters", "POST", "/connections/search",
  body{ queryString = "operations", limit = 10 })
expect("getFlowsByFilters", "POST", "/flows/search",
  body{ queryString = "state==enabled", count = true })
expect("searchFlowSpecs", "POST", "/flowSpecs/search",
  body{ queryString = "CloudStorage" })
local cs = expect("createConnectionSpec", "POST", "/connectionSpecs",
  body{ name = "operations-source", providerId = PROVIDER, version = "1.0" })
expect("updateConnectionSpec", "PUT", "/connectionSpecs/" .. tostring(cs.id),
  body{ name = "operations-source", providerId = PROVIDER, version = "1.1" })
local fs = expect("createFlowSpec", "POST", "/flowSpecs",
  body{ name = "operations-flow-spec", providerId = PROVIDER,
    sourceConnectionSpecIds = { tostring(cs.id) },
    targetConnectionSpecIds = { DATA_LAKE } })
expect("updateFlowSpec", "PUT", "/flowSpecs/" .. tostring(fs.id),
  body{ name = "operations-flow-spec", providerId = PROVIDER })

local src = aep.source_connections:create({ name = "operations source",
  baseConnectionId = base.id, data = { format = "delimited" },
  params = { path = "/acme/accounts.csv" },
  connectionSpec = { id = AZURE, version = "1.0" } })
local tgt = aep.target_connections:create({ name = "operations target",
  data = { schema = { id = "https://ns.adobe.com/acme/schemas/1",
    version = "application/vnd.adobe.xed-full+json;version=1" } },
  params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
  connectionSpec = { id = DATA_LAKE, version = "1.0" } })
local flow = aep.flows:create({ name = "operations flow",
  sourceConnectionIds = { src.id }, targetConnectionIds = { tgt.id },
  flowSpec = { id = FLOW_SPEC, version = "1.0" },
  scheduleParams = { startTime = os.time() + 30 * 86400, frequency = "once" } })

-- An ad hoc run of a window with nothing in it: a success that ingested
-- nothing, which the retry tutorial allows to re-trigger.
local created = expect("createFlowRun", "POST", "/runs", body{
  flowId = flow.id, params = { startTime = os.time(),
    windowStartTime = os.time() + 20 * 86400,
    windowEndTime = os.time() + 20 * 86400 } })
local run
for _ = 1, 100 do
  run = expect("retrieveFlowRun", "GET", "/runs/" .. tostring(created.id))
    .items[1]
  if run.metrics.statusSummary.status ~= "inProgress" then break end
  sys.sleep(0.05)
end
expect("listFlowRuns", "GET", "/runs?property=flowId==" .. flow.id
  .. "&orderby=-metrics.durationSummary.startedAtUTC&limit=5")
expect("updateRun", "PUT", "/runs/" .. run.id,
  body({ providerRefId = "operations" }, { ["If-Match"] = run.etag }))
expect("postAction re-trigger", "POST", "/runs/" .. run.id
  .. "/action?op=RE_TRIGGER")
flow:delete()
src:delete()
tgt:delete()
base:delete()

print(failures == 0 and "operations: all answered"
  or ("operations: %d failed"):format(failures))
os.exit(failures == 0 and 0 or 1)
