-- operations.lua: the OAS operations beyond the client's CRUD methods,
-- sent with the client's own methods where it has them (conn:test,
-- explore, structure, preview, configs, aep:explore_spec, spec_configs,
-- search, flow:run_now, aep.runs, run:retrigger) and with the raw
-- aep:request for the rest (spec authoring, PUT /runs), so both the
-- client's requests and the emulator's answers go through Prism. With the
-- tour and the scripts, every one of the 45 operations is exercised.
-- The emulator runs with --time-scale and --files (tools/conformance/run).
--
--   flowlua run tools/conformance/operations.lua

package.path = arg[0]:match("^(.*)/") .. "/?.lua;" .. package.path
local flowlua = require("flowlua")
local fixtures = require("fixtures")

local AZURE, DATA_LAKE = fixtures.AZURE, fixtures.DATA_LAKE
local DLZ = "26f526f2-58f4-4712-961d-e41bf1ccc0e8"
local PROVIDER = "0ed90a81-07f4-4586-8190-b40eccef1c5a"

local aep = flowlua.connect()
local failures = 0

-- Runs `fn`, which must not raise; prints the outcome.
local function expect(what, fn)
  local ok, result = pcall(fn)
  print(("%s %-40s %s"):format(ok and "ok  " or "FAIL", what,
    ok and "" or tostring(result)))
  if not ok then failures = failures + 1 end
  return ok and result or nil
end

local base = aep.connections:create({ name = "operations base",
  auth = { specName = "Basic Authentication", params = {
    host = "o.file.core.windows.net", userid = "o", password = "o-pw" } },
  connectionSpec = { id = AZURE, version = "1.0" } })
expect("testConnection", function() assert(base:test()) end)
expect("getByConnectionId root", function() return base:explore() end)
expect("getByConnectionId folder", function() return base:explore("/acme") end)
expect("getByConnectionId file", function()
  return base:structure("/acme/accounts.csv") end)
expect("getByConnectionId preview", function()
  return base:preview("/acme/accounts.csv", { rows = 1 }) end)
expect("exploreConfigByConnectionId", function() return base:configs() end)
expect("exploreByConnectionSpecId", function() return aep:explore_spec(DLZ) end)
expect("configByConnectionSpecId", function() return aep:spec_configs(AZURE) end)
expect("getConnectionsByFilters", function()
  return aep:search("connections", { query = "operations", limit = 10 }) end)
expect("getFlowsByFilters", function()
  return aep:search("flows", { query = "state==enabled", count = true }) end)
expect("searchFlowSpecs", function()
  return aep:search("flowSpecs", { query = "CloudStorage" }) end)
local cs = expect("createConnectionSpec", function()
  return aep:request("POST", "/connectionSpecs", { body = {
    name = "operations-source", providerId = PROVIDER, version = "1.0" } })
end) or {}
expect("updateConnectionSpec", function()
  return aep:request("PUT", "/connectionSpecs/" .. tostring(cs.id), { body = {
    name = "operations-source", providerId = PROVIDER, version = "1.1" } })
end)
local fs = expect("createFlowSpec", function()
  return aep:request("POST", "/flowSpecs", { body = {
    name = "operations-flow-spec", providerId = PROVIDER,
    sourceConnectionSpecIds = { tostring(cs.id) },
    targetConnectionSpecIds = { DATA_LAKE } } })
end) or {}
expect("updateFlowSpec", function()
  return aep:request("PUT", "/flowSpecs/" .. tostring(fs.id), { body = {
    name = "operations-flow-spec", providerId = PROVIDER } })
end)

local src, tgt, flow = fixtures.dataflow(aep, base, "operations",
  "/acme/accounts.csv", { scheduleParams = {
    startTime = os.time() + 30 * 86400, frequency = "once" } })

-- An ad hoc run of a window with nothing in it: a success that ingested
-- nothing, which the retry tutorial allows to re-trigger.
local run = expect("createFlowRun", function()
  return flow:run_now{ windowStartTime = os.time() + 20 * 86400,
    windowEndTime = os.time() + 20 * 86400 }
end)
if run then
  expect("retrieveFlowRun", function() return run:wait{ timeout = 30 } end)
  expect("listFlowRuns", function() return flow:runs{ limit = 5 } end)
  expect("updateRun", function()
    return aep:request("PUT", "/runs/" .. run.id, { body = {
      providerRefId = "operations" }, headers = { ["If-Match"] = run.etag } })
  end)
  expect("postAction re-trigger", function() return run:retrigger() end)
end
flow:delete()
src:delete()
tgt:delete()
base:delete()

print(failures == 0 and "operations: all answered"
  or ("operations: %d failed"):format(failures))
if failures > 0 then error(failures .. " operation(s) failed", 0) end
