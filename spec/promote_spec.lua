-- `flowlua promote --from dev --to prod FLOW_ID...` end to end: one
-- emulator process holding two sandboxes, trees made in "dev" over plain
-- HTTP (as the UI would), promoted as drafts into "prod"; what prod holds
-- is read over plain HTTP too. The state store lives in a temporary
-- directory; lost answers come from the emulator's `drop` fault.
local proc = require "support.proc"
local emu = require "support.emulator"
local fsvc = require "support.flow_service"
local trees = require "support.trees"
local http = require "flowlua.http"
local json = require "flowlua.json"

local B = "/data/foundation/flowservice"

-- The emulator's request tally (on a client closed afterwards).
local function tally(url)
  local c = http.client{}
  local res = assert(c:request{ method = "GET",
    url = url .. "/emulator/requests" })
  c:close()
  return json.decode(res.body).requests
end

-- Items of a census by name.
local function by_name(items)
  local out = {}
  for kind, list in pairs(items) do
    out[kind] = {}
    for _, it in ipairs(list) do
      assert.is_nil(out[kind][it.name], "two " .. kind .. " named "
        .. it.name)
      out[kind][it.name] = it
    end
  end
  return out
end

describe("flowlua promote", function()
  local dir, server, dev, t

  local function restart(args)
    if server then server:stop() end
    local a = { "--state", dir .. "/emulator.json" }
    for _, x in ipairs(args or {}) do a[#a + 1] = x end
    server = assert(emu.spawn(a))
  end

  local function flowlua(args, extra_env)
    return proc.run(args, { cwd = dir,
      env = fsvc.env(trees.settings_for(server.url), extra_env) })
  end

  local function census(sandbox)
    return trees.census(trees.settings_for(server.url, sandbox))
  end

  setup(function()
    dir = fsvc.tmpdir()
    restart()
    dev = trees.seeder(trees.settings_for(server.url), "dev")
    t = { t1 = dev:tree{ name = "t1" }, t2 = dev:tree{ name = "t2" } }
    -- t3 shares t2's base connection
    t.t3 = dev:tree{ name = "t3", base = t.t2.base }
    dev:close()
  end)

  teardown(function()
    server:stop()
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("--dry-run prints each create with its body and sends none",
    function()
    local out, err, code = flowlua{ "promote", "--from", "dev", "--to",
      "prod", "--dry-run", t.t1.flow }
    assert.equal(0, code, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal("Plan (dry run, nothing was changed): 4 steps", lines[1])
    assert.equal(('  1. create draft base connection "t1 base" (from %s)')
      :format(t.t1.base), lines[2])
    assert.equal("       POST " .. B .. "/connections?mode=draft", lines[3])
    local body = json.decode(lines[4])
    assert.same({ specName = "Basic Authentication", params = {
      host = "acme.file.core.windows.net", userid = "acme" } }, body.auth)
    assert.equal(('  2. create draft source connection "t1 source" (from %s)')
      :format(t.t1.source), lines[5])
    assert.equal("dry-run:connection:1", json.decode(lines[7])
      .baseConnectionId)
    assert.equal('  4. create draft flow "t1 flow" (from ' .. t.t1.flow
      .. ")", lines[11])
    local flow = json.decode(lines[13])
    assert.same({ "dry-run:source:2" }, flow.sourceConnectionIds)
    assert.same({ "dry-run:target:3" }, flow.targetConnectionIds)
    assert.truthy(out:find("\npromote dev %-> prod: 1 tree, 4 entities: 4 to "
      .. "create, 0 existed\n$"), out)
    local counts = census("prod")
    assert.same({ connections = 0, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, counts)
  end)

  it("makes the trees again in the target sandbox as drafts, parents "
    .. "first, a shared connection once", function()
    local out, err, code = flowlua{ "promote", "--from", "dev", "--to",
      "prod", t.t2.flow, t.t3.flow }
    assert.equal(0, code, err)
    assert.truthy(out:find("\npromote dev %-> prod: 2 trees, 7 entities: 7 "
      .. "created, 0 existed\n$"), out)
    local counts, items = census("prod")
    assert.same({ connections = 1, sourceConnections = 2,
      targetConnections = 2, flows = 2 }, counts)
    local p = by_name(items)
    local base = p.connections["t2 base"]
    assert.equal("draft", base.state)
    assert.same({ host = "acme.file.core.windows.net", userid = "acme" },
      base.auth.params)
    for _, n in ipairs{ "t2", "t3" } do
      local src = p.sourceConnections[n .. " source"]
      local tgt = p.targetConnections[n .. " target"]
      local flow = p.flows[n .. " flow"]
      assert.equal(base.id, src.baseConnectionId)
      assert.same({ src.id }, flow.sourceConnectionIds)
      assert.same({ tgt.id }, flow.targetConnectionIds)
      assert.equal("draft", flow.state)
      assert.equal("5f3c3cedb2805c194ff0b69a", tgt.params.dataSetId)
    end
    -- dev is as it was
    local dev_counts = census("dev")
    assert.same({ connections = 2, sourceConnections = 3,
      targetConnections = 3, flows = 3 }, dev_counts)
  end)

  it("creates nothing when run again, and lists what exists", function()
    local out, err, code = flowlua{ "promote", "--from", "dev", "--to",
      "prod", "--json", t.t2.flow, t.t3.flow }
    assert.equal(0, code, err)
    local doc = json.decode(out)
    assert.same({ created = 0, existed = 7, planned = 0 }, doc.counts)
    assert.equal("promote from dev", doc.workflow)
    local _, items = census("prod")
    local p = by_name(items)
    for _, e in ipairs(doc.entities) do
      assert.equal("existed", e.outcome)
      local list = ({ connection = p.connections,
        source = p.sourceConnections, target = p.targetConnections,
        flow = p.flows })[e.kind]
      assert.equal(list[e.name].id, e.id)
    end
    -- the inventory of prod names the workflow that made the trees
    out, err, code = flowlua{ "inventory", "--sandbox", "prod", "--json" }
    assert.equal(0, code, err)
    for _, tree in ipairs(json.decode(out).trees) do
      assert.equal("promote from dev", tree.workflow)
    end
  end)

  it("creates each entity once when answers are lost", function()
    restart{ "--faults", "drop=0.4,seed=8" }
    local out, err, code = flowlua{ "promote", "-v", "--from", "dev", "--to",
      "prod", t.t1.flow }
    assert.equal(0, code, err)
    assert.truthy(out:find("\npromote dev %-> prod: 1 tree, 4 entities: 4 "
      .. "created, 0 existed\n$"), out)
    -- the faults did hit the creates: an answer was lost (-v logs each
    -- request), and no create was sent twice
    assert.truthy(err:find("DEBUG POST " .. B .. "/%a+ reset"), err)
    local posts = 0
    for kind, n in pairs(tally(server.url)) do
      if kind:find("^POST /%a+%?mode=draft$") then posts = posts + n end
    end
    assert.equal(4, posts)
    restart()
    local counts, items = census("prod")
    assert.same({ connections = 2, sourceConnections = 3,
      targetConnections = 3, flows = 3 }, counts)
    local p = by_name(items)   -- no name twice
    assert.equal(p.connections["t1 base"].id,
      p.sourceConnections["t1 source"].baseConnectionId)
  end)

  it("exits 3 for a flow the source sandbox lacks, creating nothing, and "
    .. "2 on a usage error", function()
    local _, err, code = flowlua{ "promote", "--from", "dev", "--to",
      "stage", t.t1.flow, "no-such-flow" }
    assert.equal(3, code)
    assert.equal("flowlua: no flow no-such-flow in sandbox dev; nothing was "
      .. "created\n", err)
    local counts = census("stage")
    assert.same({ connections = 0, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, counts)
    _, err, code = flowlua{ "promote", "--from", "dev", "--to", "dev",
      t.t1.flow }
    assert.equal(2, code)
    assert.truthy(err:find("--from and --to name the same sandbox", 1,
      true), err)
    _, err, code = flowlua{ "promote", "--from", "dev", t.t1.flow }
    assert.equal(2, code)
    assert.truthy(err:find("--from SANDBOX and --to SANDBOX are required",
      1, true), err)
    _, err, code = flowlua{ "promote", "--from", "dev", "--to", "prod",
      "--sandbox", "x", t.t1.flow }
    assert.equal(2, code)
    assert.truthy(err:find("unknown option '--sandbox'", 1, true), err)
  end)
end)
