-- Workflows and resume, end to end against the emulator over real HTTP:
-- an error in step 3 then a re-run creates nothing twice; a lost create
-- response is reconciled; an entity deleted remotely is recreated;
-- `kill -9` at several points of a real run, then a re-run, ends with
-- exactly one of each entity.
local flowlua = require("flowlua")
local journal = require("flowlua.workflow.journal")
local errors = require("flowlua.errors")
local json = require("flowlua.json")
local sys = require("flowlua.core").sys
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")

local settings_for = emu.settings_for

local function named(items, prefix)
  local out = {}
  for _, it in ipairs(items) do
    if it.name:sub(1, #prefix) == prefix then out[#out + 1] = it end
  end
  return out
end

-- The four steps of the tutorial as one workflow; `fail_at` raises in
-- that step after its create.
local function onboard(aep, dir, prefix, fail_at)
  local wf = flowlua.workflow(prefix, { client = aep, dir = dir })
  local function maybe_fail(n)
    if fail_at == n then error("injected failure in step " .. n, 0) end
  end
  local base = wf:step("base", function()
    return aep.connections:create({ name = prefix .. " base",
      auth = { specName = "Basic Authentication", params = { host = "h",
        userid = "u", password = "wf-secret-pw" } },
      connectionSpec = { id = emu.AZURE, version = "1.0" } }, { draft = true })
  end)
  local src = wf:step("source", function()
    return aep.source_connections:create({ name = prefix .. " source",
      baseConnectionId = base.id, data = { format = "delimited" },
      params = { path = "/p.csv" }, connectionSpec = { id = emu.AZURE,
        version = "1.0" } }, { draft = true })
  end)
  local tgt = wf:step("target", function()
    local t = aep.target_connections:create({ name = prefix .. " target",
      data = { schema = { id = "https://ns.adobe.com/x/s",
        version = "application/vnd.adobe.xed-full+json;version=1" } },
      params = { dataSetId = "ds" }, connectionSpec = { id = emu.DATA_LAKE,
        version = "1.0" } }, { draft = true })
    maybe_fail(3)
    return t
  end)
  local flow = wf:step("flow", function()
    local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
    return aep.flows:create({ name = prefix .. " flow",
      sourceConnectionIds = { src.id }, targetConnectionIds = { tgt.id },
      flowSpec = { id = fs.id, version = "1.0" } }, { draft = true })
  end)
  wf:step("publish", function() flow:publish_all() end)
  return wf, { base, src, tgt, flow }
end

describe("workflows", function()
  local server, aep, raw, dir

  setup(function()
    -- Progress lines would interleave with busted's output.
    require("flowlua.workflow.progress").configure{ live = false,
      stream = { write = function() end, flush = function() end } }
    server, aep, raw = fsvc.connected_emulator()
    dir = fsvc.tmpdir()
  end)

  teardown(function()
    server:close()
    require("flowlua.workflow.progress").configure{}
  end)

  local function census(prefix)
    local _, items = raw:census()
    local out = {}
    for kind, list in pairs(items) do out[kind] = #named(list, prefix) end
    return out
  end

  it("resumes after an error in step 3 and creates nothing twice", function()
    local ok, err = pcall(onboard, aep, dir, "R3", 3)
    assert.is_false(ok)
    assert.equal("injected failure in step 3", err)
    local wf = flowlua.workflow("R3", { client = aep, dir = dir })
    local states = {}
    for i, s in ipairs(wf:status()) do states[i] = s.name .. "=" .. s.state end
    assert.same({ "base=done", "source=done", "target=failed" }, states)
    assert.same({ connections = 1, sourceConnections = 1,
      targetConnections = 1, flows = 0 }, census("R3 "))
    local wf2, ents = onboard(aep, dir, "R3")
    assert.same({ connections = 1, sourceConnections = 1,
      targetConnections = 1, flows = 1 }, census("R3 "))
    assert.same({ 2, 3 }, { wf2.resumed, wf2.ran })
    for _, e in ipairs(ents) do
      assert.equal("enabled", e:refresh().state)
    end
    local again = onboard(aep, dir, "R3")
    assert.same({ 5, 0 }, { again.resumed, again.ran })
    assert.same({ connections = 1, sourceConnections = 1,
      targetConnections = 1, flows = 1 }, census("R3 "))
  end)

  it("without {client=} reads finished steps back through the last connect",
     function()
    local function base_step(wf)
      return wf:step("base", function()
        return aep.connections:create({ name = "NC base",
          auth = { specName = "Basic Authentication", params = { host = "h",
            userid = "u", password = "nc-secret-pw" } },
          connectionSpec = { id = emu.AZURE, version = "1.0" } }, { draft = true })
      end)
    end
    local first = base_step(flowlua.workflow("NC", { dir = dir }))
    local other = flowlua.connect(server:client_settings())
    local wf = flowlua.workflow("NC", { dir = dir })
    assert.equal(other, wf.client)
    local again = base_step(wf)
    assert.same({ 1, 0 }, { wf.resumed, wf.ran })
    assert.equal(first.id, again.id)
    assert.same({ connections = 1, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, census("NC "))
  end)

  it("journals ids and names only, privately", function()
    onboard(aep, dir, "J1")
    local path = dir .. "/state.db"
    assert.equal(tonumber("600", 8), sys.stat_mode(path) & tonumber("777", 8))
    local text
    for _, r in ipairs(journal.store(path):list()) do
      if r.key.workflow == "J1" then text = r.text end
    end
    assert.falsy(text:find("wf-secret-pw", 1, true))
    for _, file in ipairs{ path, path .. "-wal" } do
      local f = io.open(file, "rb")
      if f then
        assert.falsy(f:read("a"):find("wf-secret-pw", 1, true))
        f:close()
      end
    end
    local data = json.decode(text)
    assert.equal("J1 base", data.steps[1].intents[1].name)
    assert.equal(emu.AZURE, data.steps[1].intents[1].spec)
  end)

  for _, prefix in ipairs{ "L1", "L2, Inc." } do
    it(("adopts an entity whose create response was lost (%q)"):format(prefix),
      function()
      -- The journal says the create was sent and no answer came back; the
      -- service did create it.
      local j = journal.open(journal.key(aep, prefix), { dir = dir })
      local s = j:ensure_step("base")
      s.state = "running"
      -- The create carried the intent's marker in its description.
      s.intents[1] = { kind = "connection", name = prefix .. " base",
        spec = emu.AZURE, started = sys.time() - 1,
        marker = "flowlua:0123456789abcdef" }
      j:save()
      local created = emu.client(server.url):post("/connections?mode=draft", {
        name = prefix .. " base", description = "[flowlua:0123456789abcdef]",
        auth = { specName = "Basic Authentication",
          params = { host = "h", userid = "u", password = "wf-secret-pw" } },
        connectionSpec = { id = emu.AZURE, version = "1.0" } })
      assert.equal(201, created.status)
      local wf = onboard(aep, dir, prefix)
      assert.same({ connections = 1, sourceConnections = 1,
        targetConnections = 1, flows = 1 }, census(prefix .. " "))
      assert.equal(created.json.id, wf:status()[1].entities[1].id)
    end)
  end

  it("recreates a finished step's entity deleted remotely", function()
    local _, ents = onboard(aep, dir, "D1")
    local c = emu.client(server.url)
    assert.equal(204, c:delete("/flows/" .. ents[4].id).status)
    local _, again = onboard(aep, dir, "D1")
    assert.are_not.equal(ents[4].id, again[4].id)
    assert.equal(ents[1].id, again[1].id)
    assert.same({ connections = 1, sourceConnections = 1,
      targetConnections = 1, flows = 1 }, census("D1 "))
  end)

  it("reports its steps and entities in reverse dependency order", function()
    local wf, ents = onboard(aep, dir, "S1")
    local kinds = {}
    for i, e in ipairs(wf:entities()) do
      kinds[i] = e.kind
      if e.kind == "flow" then assert.equal(ents[4].id, e.id) end
    end
    assert.same({ "flow", "source", "target", "connection" }, kinds)
  end)

  it("refuses a step that returns what the journal cannot hold", function()
    local wf = flowlua.workflow("B1", { client = aep, dir = dir })
    local ok, err = pcall(wf.step, wf, "bad", function() return {} end)
    assert.is_false(ok)
    assert.equal("step result 1 is a table: a step may return entities, "
      .. "strings, numbers and booleans", err)
    assert.is_false(errors.is(err))
  end)
end)

describe("kill -9 during a run, then a re-run", function()
  local server, raw, root, script

  setup(function()
    root = fsvc.tmpdir()
    -- Each request takes 100 ms: after the fourth create intent the run
    -- still waits on the network longer than the last kill's 0.2 s plus
    -- the polling's lag on a loaded machine, so the kills land inside the
    -- run whatever the load.
    server = assert(emu.spawn{ "--faults", "latency=100ms", "--state",
      root .. "/emulator.json" })
    raw = fsvc.raw(settings_for(server.url))
    script = fsvc.ONBOARDING
  end)

  teardown(function() server:stop() end)

  -- Starts the script, waits until its record holds `creates` create
  -- intents, waits `extra` seconds more, then kills it with SIGKILL.
  local function run_killed(env, name, creates, extra)
    local words = { proc.quote(proc.BIN), "run", proc.quote(script),
      proc.quote("name=" .. name) }
    local vars = {}
    for k, v in pairs(env) do vars[#vars + 1] = k .. "=" .. proc.quote(v) end
    local count = ("lua5.4 %s .flowlua/state.db %s"):format(
      proc.quote(fsvc.ROOT .. "/spec/support/count_intents.lua"),
      proc.quote("onboarding-" .. name))
    local cmd = ("cd %s || exit 1; %s %s >/dev/null 2>&1 & pid=$!; i=0; "
      .. "while [ $i -lt 1000 ]; do "
      .. "n=$(%s 2>/dev/null || echo 0); "
      .. "[ \"$n\" -ge %d ] && break; sleep 0.01; i=$((i+1)); done; "
      .. "sleep %.3f; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; true")
      :format(proc.quote(root), table.concat(vars, " "),
        table.concat(words, " "), count, creates, extra)
    os.execute(cmd)
  end

  it("ends with exactly one of each entity, all published", function()
    local env = fsvc.env(settings_for(server.url))
    local midway = 0   -- re-runs that found the workflow half done
    local points = { { 1, 0 }, { 1, 0.03 }, { 2, 0.01 }, { 3, 0 },
      { 4, 0.02 }, { 4, 0.1 }, { 4, 0.2 } }
    for i, point in ipairs(points) do
      local name, delay = "K" .. i, point[2]
      run_killed(env, name, point[1], delay)
      local out, err, code = proc.run({ "run", script, "name=" .. name },
        { env = env, cwd = root })
      assert.equal(0, code, err)
      assert.truthy(out:find("enabled", 1, true))
      local ran, resumed = err:match("(%d+) run, (%d+) resumed")
      midway = midway + ((ran ~= "0" and resumed ~= "0") and 1 or 0)
      local _, items = raw:census()
      for kind, list in pairs(items) do
        local mine = named(list, name .. " ")
        assert.equal(1, #mine, ("%s after a kill %.2f s after create %d: %d")
          :format(kind, delay, point[1], #mine))
        assert.equal("enabled", mine[1].state)
      end
    end
    assert.is_true(midway >= 5, "kills landed mid-run only " .. midway
      .. " times")
  end)
end)
