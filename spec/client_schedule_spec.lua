-- flow:update on a flow the service holds with Adobe's string schedule
-- values, and flow:schedule(), against the emulator over real HTTP
-- (issue 14 item 2). The flow is created with plain HTTP, as the cloud
-- storage tutorial's curl does, not through the client under test.
local flowlua = require "flowlua"
local emulator = require "flowlua.emulator"
local errors = require "flowlua.errors"
local json = require "flowlua.json"
local fsvc = require "support.flow_service"

local AFS = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
local LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
local CLOUD_TO_AEP = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"

describe("a flow with string schedule values", function()
  local emu, aep, raw, flow_id

  -- POST with plain HTTP; the decoded answer.
  local function post(path, body)
    local h = { ["Content-Type"] = "application/json" }
    for k, v in pairs(raw.headers) do h[k] = v end
    local res = assert(raw.http:request{ method = "POST",
      url = raw.url .. path, headers = h, body = json.encode(body) })
    assert(res.status == 201, path .. ": " .. res.status .. " " .. res.body)
    return json.decode(res.body)
  end

  setup(function()
    emu = emulator.start{}
    local settings = emu:client_settings()
    aep = flowlua.connect(settings)
    raw = fsvc.raw(settings)
    local base = aep.connections:create{ name = "S base",
      auth = { specName = "Basic Authentication", params = {
        host = "s.file.core.windows.net", userid = "s", password = "s-pw" } },
      connectionSpec = { id = AFS, version = "1.0" } }
    local src = aep.source_connections:create{ name = "S source",
      baseConnectionId = base.id, data = { format = "delimited" },
      params = { path = "/s/a.csv" },
      connectionSpec = { id = AFS, version = "1.0" } }
    local tgt = aep.target_connections:create{ name = "S target",
      data = { schema = { id = "https://ns.adobe.com/s/schemas/1",
        version = "application/vnd.adobe.xed-full+json;version=1" } },
      params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
      connectionSpec = { id = LAKE, version = "1.0" } }
    -- the cloud storage tutorial's body: strings where the spec says
    -- integer and boolean
    flow_id = post("/flows", { name = "S flow",
      flowSpec = { id = CLOUD_TO_AEP, version = "1.0" },
      sourceConnectionIds = { src.id }, targetConnectionIds = { tgt.id },
      transformations = { { name = "Mapping", params = {
        mappingId = "bf5286a9c1ad4266baca76ba3adc9366", mappingVersion = 0 } } },
      scheduleParams = { startTime = "1900000000", frequency = "minute",
        interval = "30", backfill = "true" } }).id
  end)

  teardown(function() emu:close() end)

  it("is renamed by flow:update", function()
    local flow = aep.flows:get(flow_id)
    assert.equal("30", flow.scheduleParams.interval)
    flow:update{ { op = "replace", path = "/name", value = "S flow v2" } }
    local held = raw:get("/flows/" .. flow_id).items[1]
    assert.equal("S flow v2", held.name)
    assert.equal(flow.etag, held.etag)
    assert.same({ startTime = "1900000000", frequency = "minute",
      interval = "30", backfill = "true" }, held.scheduleParams)
  end)

  it("reads its schedule as numbers and booleans with flow:schedule()",
    function()
      local flow = aep.flows:get(flow_id)
      assert.same({ startTime = 1900000000, frequency = "minute",
        interval = 30, backfill = true }, flow:schedule())
      assert.equal("integer", math.type(flow:schedule().interval))
      -- a schedule sent as numbers reads the same
      flow.scheduleParams = { startTime = 1900000000, interval = 15 }
      assert.same({ startTime = 1900000000, interval = 15 }, flow:schedule())
      flow.scheduleParams = nil
      assert.is_nil(flow:schedule())
      local base = aep.connections:list()()
      assert.has_error(function() base:schedule() end,
        "bad self to 'schedule' (flow expected, got base connection)")
    end)

  it("still refuses, unsent, a patch that breaks what it changes",
    function()
      local flow = aep.flows:get(flow_id)
      local etag = flow.etag
      local ok, err = pcall(flow.update, flow, { { op = "replace",
        path = "/scheduleParams/frequency", value = "yearly" } })
      assert.is_false(ok)
      assert.is_true(errors.is(err, "validation"))
      assert.equal("scheduleParams.frequency", err.problems[1].field)
      assert.equal(1, #err.problems)
      assert.equal(etag, raw:get("/flows/" .. flow_id).items[1].etag)
    end)
end)
