-- The client's runs, connection test, explore, preview, configs, search
-- and raw requests, against a real `flowlua emulator --time-scale 3600
-- --files DIR` process.
local flowlua = require("flowlua")
local errors = require("flowlua.errors")
local plan = require("flowlua.plan")
local emu = require("support.emulator")
local json = require("flowlua.json")
local proc = require("support.proc")
local sys = require("flowlua.core").sys
local write = require("support.fs").write

describe("the client's runs and source operations", function()
  local e, dir, aep, n = nil, nil, nil, 0

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(sys.mkdir(dir))
    assert(sys.mkdir(dir .. "/acme"))
    write(dir .. "/acme/good.csv", "id,name\n1,Ann\n2,Bo\n3,Cy\n")
    write(dir .. "/acme/bad.csv", "id,name\n1\n")
    e = assert(emu.spawn{ "--time-scale", "3600", "--files", dir })
    aep = flowlua.connect{ endpoint = e.url, ims_url = e.url,
      client_id = "spec-client", client_secret = "spec-secret",
      org_id = emu.ORG, scopes = "openid,AdobeID", sandbox = "prod",
      access_token = false }
  end)

  teardown(function()
    -- the client's pooled connections would otherwise stay open in the
    -- busted process, inherited by the processes later specs start
    aep.http:close()
    e:stop()
    os.execute("rm -rf '" .. dir .. "'")
  end)

  local function base_conn(userid)
    n = n + 1
    return aep.connections:create({ name = "R base " .. n,
      auth = { specName = "Basic Authentication", params = {
        host = "acme.file.core.windows.net", userid = userid or "acme",
        password = "pw-" .. n } },
      connectionSpec = { id = emu.AZURE, version = "1.0" } })
  end

  local function flow_on(path, schedule)
    local base = base_conn()
    local src = aep.source_connections:create({ name = "R source " .. n,
      baseConnectionId = base.id, data = { format = "delimited" },
      params = { path = path }, connectionSpec = { id = emu.AZURE, version = "1.0" } })
    local tgt = aep.target_connections:create({ name = "R target " .. n,
      data = { schema = { id = "https://ns.adobe.com/acme/s",
        version = "application/vnd.adobe.xed-full+json;version=1" } },
      params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
      connectionSpec = { id = emu.DATA_LAKE, version = "1.0" } })
    return aep.flows:create({ name = "R flow " .. n,
      sourceConnectionIds = { src.id }, targetConnectionIds = { tgt.id },
      flowSpec = { id = emu.CLOUD_TO_AEP, version = "1.0" },
      scheduleParams = schedule })
  end

  it("waits for a 15-minute flow's runs and reads their metrics", function()
    local flow = flow_on("/acme/good.csv",
      { startTime = os.time(), frequency = "minute", interval = 15 })
    local first = flow:wait_for_run{ first = true, timeout = 5 }
    assert.same("run", first.kind)
    assert.same("success", first:status())
    assert.same(3, first.metrics.recordSummary.outputRecordCount)
    assert.is_nil(first:error())
    flow:wait_for_run{ timeout = 5 }
    flow:wait_for_run{ timeout = 5 }
    local list = flow:runs{ limit = 3 }
    assert.same(3, #list)
    assert.is_true(list[1].metrics.durationSummary.startedAtUTC
      >= list[2].metrics.durationSummary.startedAtUTC)
    assert.is_true(aep.runs:count{ flow = flow.id } >= 3)
    local seen = 0
    for r in aep.runs:list{ flow = flow, limit = 2 } do
      assert.same(flow.id, r.flowId)
      seen = seen + 1
      if seen == 3 then break end
    end
    assert.same(3, seen)
    assert.same(first.id, aep.runs:get(first.id).id)
    assert.is_nil(aep.runs:get("5a5a5a5a-0000-4000-8000-000000000000"))
  end)

  it("hands a failed run's error to the script with its code, and re-triggers it",
    function()
      local flow = flow_on("/acme/bad.csv",
        { startTime = os.time(), frequency = "hour", interval = 1 })
      local run = flow:wait_for_run{ first = true, timeout = 5 }
      assert.same("failed", run:status())
      local err = run:error()
      assert.is_true(errors.is(err, "run"))
      assert.same("CONNECTOR-2001-500", err.code)
      assert.same("CONNECTOR-2001-500", run:errors()[1].code)
      assert.truthy(tostring(err):find("/acme/bad.csv: line 2 has 1 fields",
        1, true), tostring(err))
      assert.same(1, aep.runs:count{ flow = flow.id, status = "failed" }
        >= 1 and 1 or 0)
      local again = run:retrigger()
      assert.are_not.equal(run.id, again.id)
      assert.same(run.params, again.params)
      assert.same("failed", again:wait{ timeout = 5 }:status())
    end)

  it("says why a run that ingested records is not re-triggered", function()
    local flow = flow_on("/acme/good.csv",
      { startTime = os.time(), frequency = "once" })
    local run = flow:wait_for_run{ first = true, timeout = 5 }
    assert.same("success", run:status())
    local before = aep.runs:count{ flow = flow.id }
    local ok, err = pcall(run.retrigger, run)
    assert.is_false(ok)
    assert.same("service", err.kind)
    assert.same("1422-400", err.code)
    assert.same(400, err.status)
    assert.same(1, before)
    assert.same(1, aep.runs:count{ flow = flow.id })
  end)

  it("starts ad hoc runs of a flow scheduled once, and says why not otherwise",
    function()
      local once = flow_on("/acme/good.csv",
        { startTime = os.time() + 86400 * 30, frequency = "once" })
      local run = once:run_now{ windowStartTime = 0 }
      assert.same(once.id, run.flowId)
      assert.same(run.id, once:wait_for_run{ first = true, timeout = 5 }.id)
      assert.same(3, run:wait{ timeout = 5 }.metrics.recordSummary
        .outputRecordCount)
      local periodic = flow_on("/acme/good.csv",
        { startTime = os.time() + 86400 * 30, frequency = "hour", interval = 1 })
      local ok, err = pcall(periodic.run_now, periodic)
      assert.is_false(ok)
      assert.same("1409-400", err.code)
      once:disable()
      ok, err = pcall(once.run_now, once)
      assert.is_false(ok)
      assert.same("1422-400", err.code)
    end)

  it("raises a timeout error when no run finishes in time", function()
    local flow = flow_on("/acme/good.csv",
      { startTime = os.time() + 86400 * 365, frequency = "hour", interval = 1 })
    local ok, err = pcall(flow.wait_for_run, flow, { timeout = 0.3 })
    assert.is_false(ok)
    assert.is_true(errors.is(err, "timeout"))
    assert.truthy(tostring(err):find("finished within 0.3 s", 1, true))
    assert.same(flow.id, err.flow_id)
  end)

  it("polls with backoff while it waits, not busily", function()
    local flow = flow_on("/acme/good.csv",
      { startTime = os.time() + 86400 * 365, frequency = "hour", interval = 1 })
    local polls, before = 0, aep:request_counts().GET or 0
    local ok, err = pcall(flow.wait_for_run, flow, { timeout = 3,
      on_poll = function() polls = polls + 1 end })
    assert.is_false(ok)
    assert.is_true(errors.is(err, "timeout"))
    -- Sleeps of 0.25, 0.5, 1 and 2 s (the last one cut to what is left
    -- of 3 s): five polls at most, plus the read of the runs that had
    -- finished before the call; a busy loop would make hundreds.
    assert.is_true(polls >= 2 and polls <= 5, tostring(polls))
    assert.same(polls + 1, (aep:request_counts().GET or 0) - before)
  end)

  it("tests, explores and previews a connection", function()
    local good, bad = base_conn(), base_conn("wrong-acme")
    assert.is_true(good:test())
    assert.is_false(bad:test())
    assert.same("acme", good:explore()[1].name)
    local files = good:explore("/acme")
    assert.same({ "bad.csv", "good.csv" }, { files[1].name, files[2].name })
    assert.same({ { name = "id", type = "String" },
      { name = "name", type = "String" } }, good:structure("/acme/good.csv"))
    local p = good:preview("/acme/good.csv", { rows = 2 })
    assert.same({ { id = "1", name = "Ann" }, { id = "2", name = "Bo" } }, p.data)
    assert.same({}, good:configs())
    assert.same("acme", aep:explore_spec(emu.DLZ)[1].name)
    assert.same({}, aep:spec_configs(emu.AZURE))
    local ok, err = pcall(bad.explore, bad)
    assert.is_false(ok)
    assert.same("1100-400", err.code)
  end)

  it("searches connections, flows and flow specs", function()
    local b = base_conn()
    local found = aep:search("connections", { query = b.name })
    assert.same(1, #found)
    assert.same(b.id, found[1].id)
    assert.is_true(aep:search("flows", { query = "state==enabled",
      count = true }) >= 0)
    assert.same("CloudStorageToAEP",
      aep:search("flowSpecs", { query = "CloudStorage" })[1].name)
  end)

  local function env()
    local cfg = proc.tempfile("{}", ".json")
    return { FLOWLUA_ENDPOINT = e.url, FLOWLUA_IMS_URL = e.url,
      FLOWLUA_CLIENT_ID = "spec-client", FLOWLUA_CLIENT_SECRET = "spec-secret",
      FLOWLUA_ORG_ID = emu.ORG, FLOWLUA_SCOPES = "openid,AdobeID",
      FLOWLUA_SANDBOX = "prod", FLOWLUA_CONFIG = cfg }
  end

  it("shows a flow's runs: a table, --json, and --watch until the next run",
    function()
      local flow = flow_on("/acme/good.csv",
        { startTime = os.time(), frequency = "minute", interval = 15 })
      flow:wait_for_run{ timeout = 5 }
      local out, err, code = proc.run({ "runs", flow.id }, { env = env() })
      assert.same(0, code, err)
      assert.truthy(out:find("flow " .. flow.id, 1, true), out)
      assert.truthy(out:find("every 15 minute", 1, true), out)
      assert.truthy(out:find("success", 1, true), out)
      local src = flow.sourceConnectionIds[1]
      local base = aep.source_connections:get(src).baseConnectionId
      assert.truthy(out:find("\n  source connection " .. src
        .. ' "R source ' .. n .. '": enabled\n    base connection ' .. base
        .. ' "R base ' .. n .. '": enabled\n  target connection '
        .. flow.targetConnectionIds[1] .. ' "R target ' .. n
        .. '": enabled\nRUN ', 1, true), out)
      out, err, code = proc.run({ "runs", "--json", "--limit", "2", flow.id },
        { env = env() })
      assert.same(0, code, err)
      local doc = json.decode(out)
      assert.same(flow.id, doc.flow.id)
      assert.same("enabled", doc.flow.state)
      assert.same(2, #doc.runs)
      -- the newest run of a 15-minute flow at 3600x may be in progress
      for _, r in ipairs(doc.runs) do
        assert.is_string(r.id)
        assert.truthy(({ success = true, inProgress = true })[r.status],
          r.status)
        assert.same(r.metrics.statusSummary.status, r.status)
      end
      assert.same({ { kind = "source", id = src, name = "R source " .. n,
        state = "enabled" }, { kind = "connection", id = base,
        name = "R base " .. n, state = "enabled" }, { kind = "target",
        id = flow.targetConnectionIds[1], name = "R target " .. n,
        state = "enabled" } }, doc.connections)
      out, err, code = proc.run({ "runs", "--watch", flow.id }, { env = env() })
      assert.same(0, code, err)
      assert.truthy(err:find("waiting for the next run of flow " .. flow.id,
        1, true), err)
      assert.truthy(out:find("RUN", 1, true), out)
      out, err, code = proc.run({ "runs", "nope" }, { env = env() })
      assert.same("", out)
      assert.same(1, code)
      assert.truthy(err:find("nope", 1, true), err)
    end)

  it("sends any operation raw, and plans a raw mutation under dry run", function()
    local data = aep:request("GET", "/connectionSpecs/" .. emu.AZURE)
    assert.same(emu.AZURE, data.items[1].id)
    local b = base_conn()
    local posts = aep:request_counts().POST
    local ok, err = pcall(aep.request, aep, "POST", "/connections/" .. b.id
      .. "/action?op=FINALIZE")
    assert.is_false(ok)
    assert.same("service", err.kind)
    assert.same(400, err.status)
    assert.truthy(tostring(err.code):find("1402-400", 1, true), err.code)
    assert.same(posts + 1, aep:request_counts().POST)  -- not an ambiguous one
    local dry = flowlua.connect{ endpoint = e.url, ims_url = e.url,
      client_id = "spec-client", client_secret = "spec-secret",
      org_id = emu.ORG, scopes = "openid,AdobeID", sandbox = "prod",
      access_token = false, dry_run = true }
    plan.reset()
    local before = dry:request_counts().POST or 0
    local answer = dry:request("POST", "/connectionSpecs",
      { body = { name = "dry", providerId = "p" } })
    assert.same({}, answer)
    assert.same(before, dry:request_counts().POST or 0)
    assert.same(0, aep:search("flowSpecs", { query = "dry", count = true }))
    local steps = plan.steps()
    assert.same("request", steps[#steps].action)
    assert.same("POST /connectionSpecs", steps[#steps].detail)
    -- a search changes nothing: sent under dry run too
    local found = dry:request("POST", "/flowSpecs/search",
      { body = { queryString = "CloudStorage" } })
    assert.same("CloudStorageToAEP", found.items[1].name)
    assert.same(before + 1, dry:request_counts().POST)
    assert.same(#steps, #plan.steps())
    plan.reset()
    dry.http:close()
  end)
end)
