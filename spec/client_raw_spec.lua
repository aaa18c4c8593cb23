-- Raw mutations (`aep:request`) and the starts of runs (`flow:run_now`,
-- `run:retrigger`) under the exactly-once rule of the first-class methods
-- (flowlua.entity.mutate through flowlua.entity.raw). A real server
-- (spec/support/handlers/hostile_service.lua) in front of the real
-- emulator spoils requests chosen by the sandbox name:
--
-- * `reset@METHOD/N`: the first N such requests are made, then their
--   answer is lost: the client must read the service and take the change
--   as done, sending it once;
-- * `down@METHOD/N`: the first N never reach the service: the read shows
--   nothing, so the change is sent again and lands once.
local emu = require("support.emulator")
local hostile = require("support.hostile")

local MAPPING = { { name = "Mapping", params = {
  mappingId = "bf5286a9c1ad4266baca76ba3adc9366", mappingVersion = "0" } } }

local srv  -- support.hostile's server
local sent = hostile.sent

local function connect(sandbox) return srv:connect(sandbox, 3) end

local function stored(sandbox, path)
  return srv:raw(sandbox):get(path)
end

-- An enabled flow scheduled once, ten years ahead (it never runs by
-- itself): four creates, four POSTs.
local function once_flow(aep)
  local base = aep.connections:create(emu.base_body())
  local src = aep.source_connections:create(emu.source_body(base.id))
  local tgt = aep.target_connections:create(emu.target_body())
  local body = emu.flow_body(src.id, tgt.id)
  body.transformations = MAPPING
  body.scheduleParams = { startTime = os.time() + 86400 * 3650,
    frequency = "once" }
  return aep.flows:create(body)
end

-- A raw create of a base connection under `fault`: its answer, the POSTs
-- sent and the connections the sandbox holds afterwards.
local function raw_create(fault)
  local aep = connect(fault)
  local answer
  local n = sent(aep, "POST", function()
    answer = aep:request("POST", "/connections", { body = emu.base_body() })
  end)
  return answer, n, stored(fault, "/connections").items
end

-- A raw PATCH renaming a new base connection under `fault`: the
-- connection, the answer, the PATCHes sent and the connection as stored.
local function raw_rename(fault)
  local aep = connect(fault)
  local base = aep.connections:create(emu.base_body())
  local answer
  local n = sent(aep, "PATCH", function()
    answer = aep:request("PATCH", "/connections/" .. base.id, {
      body = { { op = "replace", path = "/name", value = "renamed" } },
      headers = { ["If-Match"] = base.etag } })
  end)
  return base, answer, n, stored(fault, "/connections/" .. base.id).items[1]
end

-- A once flow's run, marked by a provider as `summary` says
-- (PUT /runs/{id}, If-Match): the flow and the run, refreshed.
local function finished_run(aep, summary)
  local flow = once_flow(aep)
  local run = flow:run_now()
  local metrics = run.metrics
  metrics.statusSummary = summary
  aep:request("PUT", "/runs/" .. run.id, { body = { metrics = metrics },
    headers = { ["If-Match"] = run.etag } })
  run:refresh()
  return flow, run
end

local function runs_of(sandbox, flow)
  return stored(sandbox, "/runs?property=flowId==" .. flow.id).items
end

setup(function() srv = hostile.start("raw") end)
after_each(function() srv:close_clients() end)
teardown(function() srv:close() end)

describe("a raw mutation whose answer is lost", function()
  it("a create is found by reading, sent once", function()
    local answer, n, items = raw_create("reset@POST/1")
    assert.equal(1, n)
    assert.equal(1, #items)
    assert.same({ id = items[1].id, etag = items[1].etag }, answer)
  end)

  it("a PATCH is read back and taken as done, sent once", function()
    local base, answer, n, item = raw_rename("reset@PATCH/1")
    assert.equal(1, n)
    assert.equal("renamed", item.name)
    assert.same({ id = base.id, etag = item.etag }, answer)
  end)

  it("a DELETE is read back and taken as done, sent once", function()
    local aep = connect("reset@DELETE/1")
    local base = aep.connections:create(emu.base_body())
    local answer
    assert.equal(1, sent(aep, "DELETE", function()
      answer = aep:request("DELETE", "/connections/" .. base.id)
    end))
    assert.same({}, answer)
    assert.equal(0, #stored("reset@DELETE/1", "/connections").items)
  end)

  it("a flow action is read back by the flow's state, sent once", function()
    local aep = connect("reset@ACTION/1")
    local flow = once_flow(aep)
    local answer
    assert.equal(1, sent(aep, "POST", function()
      answer = aep:request("POST", "/flows/" .. flow.id .. "/action?op=disable")
    end))
    local item = stored("reset@ACTION/1", "/flows/" .. flow.id).items[1]
    assert.equal("disabled", item.state)
    assert.same({ id = flow.id, etag = item.etag }, answer)
  end)

  it("a POST it cannot read back is raised, not sent again", function()
    local aep = connect("reset@POST/2")
    local ok, err = pcall(aep.request, aep, "POST", "/connectionSpecs",
      { body = { name = "authored", providerId = "p" } })
    assert.is_false(ok)
    assert.same("network", err.kind)
    assert.equal(1, aep:request_counts().POST)
    local read = 0
    local answer = aep:request("POST", "/connectionSpecs",
      { body = { name = "authored 2", providerId = "p" },
        landed = function() read = read + 1 return { read = true } end })
    assert.same({ read = true }, answer)
    assert.equal(1, read)
    assert.equal(2, aep:request_counts().POST)
  end)
end)

describe("a raw mutation lost before it reached the service", function()
  it("a create is sent again and made once", function()
    local answer, n, items = raw_create("down@POST/1")
    assert.equal(2, n)
    assert.equal(1, #items)
    assert.equal(items[1].id, answer.id)
  end)

  it("a PATCH is sent again and lands once", function()
    local _, _, n, item = raw_rename("down@PATCH/1")
    assert.equal(2, n)
    assert.equal("renamed", item.name)
  end)
end)

describe("a run start whose answer is lost", function()
  it("run_now finds the run it started, and starts one", function()
    local aep = connect("reset@POST/5")  -- the four creates, then the run
    local flow = once_flow(aep)
    local run
    assert.equal(1, sent(aep, "POST", function() run = flow:run_now() end))
    local items = runs_of("reset@POST/5", flow)
    assert.equal(1, #items)
    assert.equal(items[1].id, run.id)
    assert.equal("run", run.kind)
  end)

  it("a raw POST /runs finds the run it started, and starts one", function()
    local aep = connect("reset@POST/6")
    local flow = once_flow(aep)
    flow:run_now()  -- the fifth POST: a run known before the raw one
    local answer = aep:request("POST", "/runs", { body = { flowId = flow.id,
      params = { startTime = os.time() + 7 } } })
    local items = runs_of("reset@POST/6", flow)
    assert.equal(2, #items)
    local ids = { [items[1].id] = true, [items[2].id] = true }
    assert.is_true(ids[answer.id])
  end)

  it("retrigger finds the run it started, and starts one", function()
    local aep = connect("reset@ACTION/2")
    local flow, run = finished_run(aep, { status = "failed", errors = { {
      code = "CONNECTOR-1001-500", message = "injected by the spec" } } })
    assert.equal("failed", run:status())
    local again
    assert.equal(1, sent(aep, "POST", function() again = run:retrigger() end))
    local items = runs_of("reset@ACTION/2", flow)
    assert.equal(2, #items)
    assert.are_not.equal(run.id, again.id)
    assert.same(run.params, again.params)
  end)
end)

describe("a run start lost before it reached the service", function()
  it("retrigger is sent again and starts one run", function()
    local aep = connect("down@ACTION/1")
    local flow, run = finished_run(aep, { status = "failed" })
    local again
    assert.equal(2, sent(aep, "POST", function() again = run:retrigger() end))
    local items = runs_of("down@ACTION/1", flow)
    assert.equal(2, #items)
    assert.are_not.equal(run.id, again.id)
  end)
end)
