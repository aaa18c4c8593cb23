-- flow:update on a flow the service holds with Adobe's string schedule
-- values, and flow:schedule(), against the emulator over real HTTP
-- (issue 14 item 2). The flow is created with plain HTTP, as the cloud
-- storage tutorial's curl does, not through the client under test.
local errors = require("flowlua.errors")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")

describe("a flow with string schedule values", function()
  local server, aep, raw, flow_id

  setup(function()
    server, aep, raw = fsvc.connected_emulator()
    local base = aep.connections:create(emu.base_body())
    local src = aep.source_connections:create(emu.source_body(base.id))
    local tgt = aep.target_connections:create(emu.target_body())
    -- the cloud storage tutorial's body: strings where the spec says
    -- integer and boolean
    flow_id = raw:post("/flows", { name = "S flow",
      flowSpec = { id = emu.CLOUD_TO_AEP, version = "1.0" },
      sourceConnectionIds = { src.id }, targetConnectionIds = { tgt.id },
      transformations = { { name = "Mapping", params = {
        mappingId = "bf5286a9c1ad4266baca76ba3adc9366", mappingVersion = 0 } } },
      scheduleParams = { startTime = "1900000000", frequency = "minute",
        interval = "30", backfill = "true" } }).id
  end)

  teardown(function() server:close() end)

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
