-- Runs that happen: the emulator's schedule, what runs ingest from its
-- storage (`--files DIR`), failures with Adobe's codes, ad hoc runs,
-- re-trigger, provider updates and the /runs list parameters; all against
-- a real `flowlua emulator --time-scale 3600` process.
local emu = require("support.emulator")
local json = require("flowlua.json")
local sys = require("flowlua.core").sys
local fs = require("support.fs")

-- A published flow reading `path` on `schedule`, enabled.
local function flow_on(c, path, schedule, format)
  local base = c:post("/connections", emu.base_body()).json
  local src = emu.source_body(base.id)
  src.params.path = path
  src.data.format = format or "delimited"
  local source = c:post("/sourceConnections", src).json
  local target = c:post("/targetConnections", emu.target_body()).json
  local body = emu.flow_body(source.id, target.id)
  body.scheduleParams = schedule
  local res = c:post("/flows", body)
  assert(res.status == 201, res.body)
  return res.json.id, base.id
end

local runs_until, finished = emu.runs_until, emu.finished

-- The first finished run of an enabled hourly flow reading `path` from
-- now, and the flow's id.
local function first_run(c, path, format)
  local id = flow_on(c, path,
    { startTime = os.time(), frequency = "hour", interval = 1 }, format)
  return runs_until(c, id, finished(1))[1], id
end

-- `run` failed, its last error a CONNECTOR-1001-500 saying `text`.
local function failed_on_fault(run, text)
  assert.same("failed", run.metrics.statusSummary.status)
  local errs = run.metrics.statusSummary.errors
  assert.same("CONNECTOR-1001-500", errs[#errs].code)
  assert.truthy(errs[#errs].message:find(text, 1, true))
end

-- `--faults FAULT=RATE` with a rate out of range: no emulator, exit 1,
-- and why.
local function refuses_rate(fault, rate)
  local e, err, code = emu.spawn{ "--faults", fault .. "=" .. rate }
  assert.is_nil(e)
  assert.same(1, code)
  assert.truthy(err:find("rate of " .. fault .. " must be a number from 0 "
    .. "to 1", 1, true), err)
end

-- What the emulator's cloud storage holds (--files).
local FILES = {
  ["acme/accounts.csv"] = "id,name\n1,Ann\n2,\"Bo, Jr\"\n3,Cy\n",
  ["acme/broken.csv"] = "id,name\n1,Ann,extra\n",
  ["acme/events.json"] = '[{"id":1,"ok":true},{"id":2,"ok":false}]',
}

describe("emulator runs (--time-scale 3600)", function()
  local e, c

  setup(function()
    e, c = emu.spawn_storage(FILES, { "--time-scale", "3600" })
  end)

  teardown(function() e:stop() end)

  it("gives an enabled 15-minute flow at least 3 runs within 5 s, with metrics", function()
    local id = flow_on(c, "/acme/accounts.csv",
      { startTime = os.time(), frequency = "minute", interval = 15 })
    local items = runs_until(c, id, finished(3))
    assert.is_true(#items >= 3, "runs: " .. #items)
    local first = items[1]
    assert.same("success", first.metrics.statusSummary.status)
    assert.same(id, first.flowId)
    assert.same({ inputRecordCount = 3, createdRecordCount = 3,
      outputRecordCount = 3, failedRecordCount = 0 },
      first.metrics.recordSummary)
    assert.same(1, first.metrics.fileSummary.inputFileCount)
    assert.same(1, first.metrics.fileSummary.outputFileCount)
    assert.is_true(first.metrics.sizeSummary.inputBytes > 0)
    local d = first.metrics.durationSummary
    assert.is_true(d.completedAtUTC > d.startedAtUTC)
    assert.same("Azure File Storage Copy Activity", first.activities[1].name)
    -- Later runs see no new file: success, nothing ingested.
    assert.same(0, items[2].metrics.recordSummary.outputRecordCount)
    local flow = c:get("/flows/" .. id).json.items[1]
    assert.is_string(flow.lastRunDetails.id)
    assert.is_number(flow.lastRunDetails.completedAtUTC)
  end)

  it("fails a run on a malformed file with CONNECTOR-2001-500 naming it", function()
    local run, id = first_run(c, "/acme/broken.csv")
    assert.same("failed", run.metrics.statusSummary.status)
    local err = run.metrics.statusSummary.errors[1]
    assert.same("CONNECTOR-2001-500", err.code)
    assert.truthy(err.message:find("/acme/broken.csv: line 2 has 3 fields, "
      .. "the header has 2", 1, true), err.message)
    local failed = c:get("/runs?property=flowId==" .. id
      .. "&property=metrics.statusSummary.status==failed&count=true").json
    assert.is_true(failed.count >= 1)
  end)

  it("fails runs of a missing path with CONNECTOR-1001-500", function()
    local run = first_run(c, "/nowhere")
    assert.same("CONNECTOR-1001-500", run.metrics.statusSummary.errors[1].code)
  end)

  it("reads JSON files", function()
    local run = first_run(c, "/acme/events.json", "json")
    assert.same(2, run.metrics.recordSummary.outputRecordCount)
  end)

  it("re-triggers a failed run, and refuses a run that ingested records", function()
    local run = first_run(c, "/acme/broken.csv")
    local res = c:post("/runs/" .. run.id .. "/action?op=re-trigger")
    assert.same(200, res.status)
    assert.is_string(res.json.id)
    assert.are_not.equal(run.id, res.json.id)
    local again = c:get("/runs/" .. res.json.id).json.items[1]
    assert.same(run.params, again.params)
    local good = first_run(c, "/acme/accounts.csv")
    local refused = c:post("/runs/" .. good.id .. "/action?op=re-trigger")
    assert.same(400, refused.status)
    assert.truthy(refused.body:find("1422-400", 1, true))
  end)

  it("takes ad hoc runs only for flows scheduled once", function()
    local periodic = flow_on(c, "/acme/accounts.csv",
      { startTime = os.time() + 86400, frequency = "hour", interval = 1 })
    local res = c:post("/runs", { flowId = periodic })
    assert.same(400, res.status)
    assert.truthy(res.body:find("1409-400", 1, true))
    local once = flow_on(c, "/acme/accounts.csv",
      { startTime = os.time() + 86400, frequency = "once" })
    res = c:post("/runs", { flowId = once, params = {
      startTime = os.time(), windowStartTime = 0,
      windowEndTime = os.time() + 60 } })
    assert.same(201, res.status)
    assert.is_string(res.json.etag)
    local run = runs_until(c, once, finished(1))[1]
    assert.same(res.json.id, run.id)
    assert.same(3, run.metrics.recordSummary.outputRecordCount)
  end)

  it("lets a provider update a run with If-Match (PUT /runs/{id})", function()
    local run = first_run(c, "/acme/accounts.csv")
    local missing = c:request("PUT", "/runs/" .. run.id, { providerRefId = "x" })
    assert.same(400, missing.status)
    local res = c:request("PUT", "/runs/" .. run.id, { providerRefId = "p-1" },
      { ["If-Match"] = run.etag })
    assert.same(200, res.status)
    assert.same("p-1", res.json.providerRefId)
    assert.are_not.equal(run.etag, res.json.etag)
  end)

  it("orders, pages and counts runs", function()
    local id = flow_on(c, "/acme/accounts.csv",
      { startTime = os.time(), frequency = "minute", interval = 15 })
    runs_until(c, id, finished(3))
    local desc = c:get("/runs?property=flowId==" .. id
      .. "&orderby=-metrics.durationSummary.startedAtUTC&limit=2").json
    assert.same(2, #desc.items)
    assert.is_true(desc.items[1].metrics.durationSummary.startedAtUTC
      > desc.items[2].metrics.durationSummary.startedAtUTC)
    assert.is_string(desc._links.next.href)
    local since = desc.items[2].metrics.durationSummary.startedAtUTC
    local later = c:get("/runs?property=flowId==" .. id
      .. "&property=metrics.durationSummary.startedAtUTC>" .. since
      .. "&count=true").json
    assert.is_true(later.count >= 1)
  end)

  it("starts a flow on its new schedule when its start time moves before the first run",
    function()
      local id = flow_on(c, "/acme/accounts.csv", { startTime = os.time()
        + 3600 * 24 * 365 * 10, frequency = "hour", interval = 1 })
      assert.same(0, c:get("/runs?property=flowId==" .. id .. "&count=true")
        .json.count)
      local flow = c:get("/flows/" .. id).json.items[1]
      local res = c:request("PATCH", "/flows/" .. id, { { op = "replace",
        path = "/scheduleParams/startTime", value = os.time() - 3600 } },
        { ["If-Match"] = flow.etag })
      assert.same(200, res.status, res.body)
      local items = runs_until(c, id, finished(1))
      assert.is_true(finished(1)(items))
      assert.same(3, items[1].metrics.recordSummary.outputRecordCount)
    end)

  it("runs nothing for a disabled flow", function()
    -- Disabled while its first slot is far ahead of the emulator's clock
    -- (which runs 3600 times faster than ours since it started: ten
    -- hours ahead are past after 10 s), then moved to start an hour ago:
    -- an enabled flow would run at once.
    local id = flow_on(c, "/acme/accounts.csv", { startTime = os.time()
      + 3600 * 24 * 365 * 10, frequency = "hour", interval = 1 })
    local flow = c:get("/flows/" .. id).json.items[1]
    local res = c:post("/flows/" .. id .. "/action?op=disable", nil,
      { ["If-Match"] = flow.etag })
    assert.same(200, res.status)
    res = c:request("PATCH", "/flows/" .. id, { { op = "replace",
      path = "/scheduleParams/startTime", value = os.time() - 3600 } },
      { ["If-Match"] = res.json.etag })
    assert.same(200, res.status, res.body)
    os.execute("sleep 1.5")  -- 1.5 simulated hours
    local n = c:get("/runs?property=flowId==" .. id .. "&count=true").json.count
    assert.same(0, n)
  end)
end)

describe("emulator runs with --faults run-fail=1", function()
  it("fails every run with CONNECTOR-1001-500, and requests still work", function()
    local e = assert(emu.spawn{ "--time-scale", "3600",
      "--faults", "run-fail=1,seed=3" })
    local c = emu.client(e.url)
    local run = first_run(c, "/acme/x.csv")
    e:stop()
    failed_on_fault(run, "injected fault")
  end)

  it("refuses a rate out of range", function()
    refuses_rate("run-fail", "2")
  end)
end)

describe("emulator connections with --faults auth-fail", function()
  it("fails every connection's test, explore and runs at rate 1", function()
    local dir = fs.tmpdir()
    fs.write(dir .. "/x.csv", "id\n1\n")
    local e = assert(emu.spawn{ "--time-scale", "3600", "--files", dir,
      "--faults", "auth-fail=1" })
    local c = emu.client(e.url)
    local id, base = flow_on(c, "/x.csv",
      { startTime = os.time(), frequency = "hour", interval = 1 })
    local test = c:get("/connections/" .. base .. "/test")
    local explore = c:get("/connections/" .. base .. "/explore?objectType=root")
    local run = runs_until(c, id, finished(1))[1]
    e:stop()
    fs.remove(dir)
    assert.same({ result = false }, test.json)
    assert.same(400, explore.status)
    assert.truthy(explore.body:find("1100-400", 1, true))
    assert.truthy(explore.body:find("injected fault: --faults auth-fail", 1,
      true), explore.body)
    failed_on_fault(run, "auth-fail")
  end)

  it("draws once per connection: each stays wrong or right", function()
    local e = assert(emu.spawn{ "--faults", "auth-fail=0.5,seed=9" })
    local c = emu.client(e.url)
    local seen = {}
    for _ = 1, 20 do
      local base = c:post("/connections", emu.base_body()).json.id
      local first = c:get("/connections/" .. base .. "/test").json.result
      assert.same(first, c:get("/connections/" .. base .. "/test").json.result)
      seen[first] = true
    end
    e:stop()
    -- 20 draws at one half: both answers (all alike: 2 in a million)
    assert.same({ [true] = true, [false] = true }, seen)
  end)

  it("refuses a rate out of range", function()
    refuses_rate("auth-fail", "-1")
  end)
end)

describe("emulator storage without --files", function()
  it("is an empty folder beside the state file", function()
    local dir = fs.tmpdir()
    local e = assert(emu.spawn{ "--state", dir .. "/emu.json" })
    local c = emu.client(e.url)
    local base = c:post("/connections", emu.base_body()).json
    local res = c:get("/connections/" .. base.id .. "/explore?objectType=root")
    e:stop()
    assert.same(200, res.status)
    assert.same(json.array(), res.json)
    assert.same("directory", sys.stat(dir .. "/files").type)
    fs.remove(dir)
  end)
end)
