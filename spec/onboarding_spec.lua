-- scripts/onboarding.lua and scripts/cleanup.lua as a user runs them:
-- `flowlua run --emulator` from a fresh directory.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local state_record = require("support.state_record")

local function rows(out)
  local list = {}
  for kind, id, state in out:gmatch("\n(%a+) +.- +(%x+%-[%x%-]+) +(%a+)") do
    list[#list + 1] = { kind = kind, id = id, state = state }
  end
  return list
end

local function census(dir)
  local e = emu.start{ state = dir .. "/.flowlua/emulator.json" }
  local settings = e.handle:client_settings()
  local counts = fsvc.raw(settings):census()
  e:stop()
  return counts
end

describe("scripts/onboarding.lua", function()
  local dir

  before_each(function() dir = fsvc.tmpdir() end)

  it("runs the tutorial on the embedded emulator, then resumes", function()
    local out, err, code = proc.run({ "run", "--emulator", fsvc.ONBOARDING },
      { cwd = dir })
    assert.equal(0, code, err)
    local first = rows(out)
    assert.equal(4, #first)
    local kinds, states = {}, {}
    for i, r in ipairs(first) do kinds[i], states[i] = r.kind, r.state end
    assert.same({ "connection", "source", "target", "flow" }, kinds)
    assert.same({ "enabled", "enabled", "enabled", "enabled" }, states)
    assert.falsy((out .. err):find("demo-storage-key", 1, true))
    assert.truthy(err:find("onboarding-ACME: publish done", 1, true))
    local out2, err2, code2 = proc.run({ "run", "--emulator", fsvc.ONBOARDING },
      { cwd = dir })
    assert.equal(0, code2, err2)
    local second = rows(out2)
    for i = 1, 4 do assert.equal(first[i].id, second[i].id) end
    assert.truthy(err2:find("onboarding-ACME: base connection resumed", 1, true))
    assert.truthy(err2:find("7 steps: 0 run, 7 resumed", 1, true))
    assert.same({ connections = 1, sourceConnections = 1,
      targetConnections = 1, flows = 1 }, census(dir))
  end)

  it("takes KEY=VALUE arguments over its demo values", function()
    local out, err, code = proc.run({ "run", "--emulator", fsvc.ONBOARDING,
      "name=Globex", "path=/globex/a.csv" }, { cwd = dir })
    assert.equal(0, code, err)
    assert.truthy(out:find("Globex Azure File Storage Dataflow", 1, true))
    local _, err2, code2 = proc.run({ "run", "--emulator", fsvc.ONBOARDING,
      "colour=red" }, { cwd = dir })
    assert.equal(1, code2)
    assert.truthy(err2:find('unknown argument "colour=red"', 1, true))
  end)

  it("prints the plan under --dry-run and changes nothing", function()
    local out, err, code = proc.run({ "run", "--emulator", "--dry-run",
      fsvc.ONBOARDING }, { cwd = dir })
    assert.equal(0, code, err)
    local actions = {}
    for a in out:gmatch("\n +%d+%. (%a+)") do actions[#actions + 1] = a end
    assert.same({ "create", "create", "create", "create", "update", "publish",
      "publish", "publish", "publish" }, actions)
    assert.truthy(out:find("Plan (dry run, nothing was changed): 9 steps", 1,
      true))
    assert.truthy(out:find('"password":"***"', 1, true))
    assert.falsy((out .. err):find("demo-storage-key", 1, true))
    assert.same({ connections = 0, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, census(dir))
    assert.same({}, state_record.texts(dir .. "/.flowlua/state.db",
      "onboarding-ACME"))
  end)

  it("is undone by scripts/cleanup.lua, children first", function()
    local _, err, code = proc.run({ "run", "--emulator", fsvc.ONBOARDING },
      { cwd = dir })
    assert.equal(0, code, err)
    local out, err2, code2 = proc.run({ "run", "--emulator", fsvc.CLEANUP,
      "onboarding-ACME" }, { cwd = dir })
    assert.equal(0, code2, err2)
    local kinds = {}
    for line in out:gmatch("[^\n]+") do
      kinds[#kinds + 1] = line:match("^deleted (%a+) ")
    end
    assert.same({ "flow", "source", "target", "connection" }, kinds)
    assert.truthy(out:find("cleanup: 4 entities deleted from 1 workflow", 1,
      true))
    assert.same({ connections = 0, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, census(dir))
    assert.same({}, state_record.texts(dir .. "/.flowlua/state.db",
      "onboarding-ACME"))
  end)
end)
