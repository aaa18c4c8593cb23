-- `flowlua adopt FLOW_ID --as NAME` end to end: a draft tree made over
-- plain HTTP (as the UI would), adopted by the tutorial's workflow; the
-- tutorial script then completes that tree (update, publish) instead of
-- creating a second one. An emulator in its own process, the state store
-- in a temporary directory, everything checked from the service's side.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local trees = require("support.trees")
local state_record = require("support.state_record")
local json = require("flowlua.json")

describe("flowlua adopt", function()
  local dir, server, s, ui

  local function flowlua(args)
    return proc.run(args, { cwd = dir,
      env = fsvc.env(trees.settings_for(server.url)) })
  end

  -- `flowlua ARGS` there, which must exit 0; its stdout and stderr.
  local function succeeds(args)
    local out, err, code = flowlua(args)
    assert.equal(0, code, err)
    return out, err
  end

  -- The workflow's record in the state store, read from the file.
  local function journal()
    return (state_record.doc(dir .. "/.flowlua/state.db", "onboarding-ACME"))
  end

  setup(function()
    dir = fsvc.tmpdir()
    server = assert(emu.spawn{ "--state", dir .. "/emulator.json" })
    s = trees.seeder(trees.settings_for(server.url), "prod")
    ui = s:tree{ name = "ui-made", draft = true }
  end)

  teardown(function()
    s:close()
    server:stop()
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("--dry-run shows the tree and writes nothing", function()
    local out = succeeds{ "adopt", "--dry-run", ui.flow, "--as",
      "onboarding-ACME" }
    assert.equal(table.concat({
      ('would adopt base connection %s "ui-made base"'):format(ui.base),
      ('would adopt source connection %s "ui-made source"'):format(ui.source),
      ('would adopt target connection %s "ui-made target"'):format(ui.target),
      ('would adopt flow %s "ui-made flow"'):format(ui.flow),
      'adopt: 4 entities to be adopted by workflow "onboarding-ACME"', "" },
      "\n"), out)
    assert.is_nil(journal())
  end)

  it("records the tree; the workflow's script then completes it instead "
    .. "of creating a second one", function()
    succeeds{ "adopt", ui.flow, "--as", "onboarding-ACME" }
    local out, err = succeeds{ "run", fsvc.ONBOARDING }
    assert.truthy((out .. err):find("onboarding-ACME: done (7 steps: 7 run, "
      .. "0 resumed)", 1, true), out .. err)
    local counts, items = s.raw:census()
    assert.same({ connections = 1, sourceConnections = 1,
      targetConnections = 1, flows = 1 }, counts)
    local flow = items.flows[1]
    assert.equal(ui.flow, flow.id)
    assert.equal("enabled", flow.state)         -- published by the script
    assert.equal("minute", flow.scheduleParams.frequency)  -- updated by it
    assert.equal("enabled", items.connections[1].state)
    -- the steps now hold the adopted ids, and nothing is left to claim
    local doc = journal()
    assert.same({}, doc.adopted)
    local ids = {}
    for _, step in ipairs(doc.steps) do
      for _, it in ipairs(step.intents or {}) do ids[#ids + 1] = it.id end
    end
    table.sort(ids)
    local want = { ui.base, ui.source, ui.target, ui.flow }
    table.sort(want)
    assert.same(want, ids)
  end)

  it("changes nothing when adopted again; the inventory names the "
    .. "workflow", function()
    local out = succeeds{ "adopt", ui.flow, "--as", "onboarding-ACME" }
    assert.truthy(out:find('\nadopt: 0 entities adopted by workflow '
      .. '"onboarding%-ACME"\n$'), out)
    out = succeeds{ "inventory", "--json" }
    assert.equal("onboarding-ACME", json.decode(out).trees[1].workflow)
  end)

  it("refuses a tree another workflow knows, and a workflow with "
    .. "entities of its own", function()
    local _, err, code = flowlua{ "adopt", ui.flow, "--as", "someone-else" }
    assert.equal(1, code)
    assert.truthy(err:find(('flowlua: base connection %s is already known '
      .. 'to workflow "onboarding-ACME"'):format(ui.base), 1, true), err)
    local other = s:tree{ name = "other" }
    _, err, code = flowlua{ "adopt", other.flow, "--as", "onboarding-ACME" }
    assert.equal(1, code)
    assert.truthy(err:find('workflow "onboarding-ACME" already has entities '
      .. 'of its own', 1, true), err)
  end)

  it("lets cleanup delete an adopted tree", function()
    local other = s:tree{ name = "adopted-then-dropped" }
    succeeds{ "adopt", other.flow, "--as", "dropped" }
    local out = succeeds{ "run", fsvc.CLEANUP, "dropped" }
    assert.truthy(out:find("cleanup: 4 entities deleted from 1 workflow",
      1, true), out)
    local _, items = s.raw:census()
    for _, list in pairs(items) do
      for _, it in ipairs(list) do
        assert.is_nil(it.name:find("^adopted%-then%-dropped"), it.name)
      end
    end
  end)

  it("exits 1 for a flow the sandbox lacks and 2 on a usage error",
    function()
    local _, err, code = flowlua{ "adopt", "no-such-flow", "--as", "x" }
    assert.equal(1, code)
    assert.truthy(err:find("flowlua: no flow no-such-flow in sandbox prod",
      1, true), err)
    _, err, code = flowlua{ "adopt", ui.flow }
    assert.equal(2, code)
    assert.truthy(err:find("--as NAME is required", 1, true), err)
  end)
end)
