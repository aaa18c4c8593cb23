-- scripts/bulk-onboarding.lua: 50 sources at concurrency 10 against an
-- emulator in its own process that injects 429s (with and without
-- Retry-After), 5xx and "commit then drop the response" faults. Afterwards
-- the emulator's own lists, read over plain HTTP from a fault-free
-- emulator on the same state file, must hold exactly 50 of each entity,
-- all published, each flow wired to its own connections.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local tables = require("support.tables")

local FAULTS = "429=0.01,429-bare=0.03,500=0.02,502=0.02,503=0.03,504=0.02,"
  .. "reset=0.02,drop=0.04,seed=11"

local settings_for = emu.settings_for

local by_id = tables.by_id

describe("scripts/bulk-onboarding.lua", function()
  local dir, state

  setup(function()
    dir = fsvc.tmpdir()
    state = dir .. "/emulator.json"
  end)

  -- Every run talks to the emulator on the same port: the workflows'
  -- state is keyed by endpoint, and a real service keeps its address.
  local port
  local function run_bulk(args)
    local server = assert(emu.spawn{ "--faults", FAULTS, "--state", state,
      "--port", tostring(port or 0) })
    port = server.port
    local argv = { "run", fsvc.BULK }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local out, err, code = proc.run(argv, { cwd = dir,
      env = fsvc.env(settings_for(server.url)) })
    server:stop()
    return out, err, code
  end

  local function verify(n)
    local e = emu.start{ state = state }
    local counts, items = fsvc.raw(e.handle:client_settings()):census()
    e:stop()
    assert.same({ connections = n, sourceConnections = n,
      targetConnections = n, flows = n }, counts)
    local sources, targets = by_id(items.sourceConnections),
      by_id(items.targetConnections)
    local bases = by_id(items.connections)
    local names = {}
    for _, kind in ipairs{ "connections", "sourceConnections",
        "targetConnections", "flows" } do
      for _, it in ipairs(items[kind]) do
        assert.equal("enabled", it.state, kind .. " " .. it.name)
        assert.is_nil(names[it.name], "duplicate " .. it.name)
        names[it.name] = true
      end
    end
    for _, f in ipairs(items.flows) do
      local prefix = f.name:match("^(.-) dataflow$")
      local src = sources[f.sourceConnectionIds[1]]
      assert.equal(prefix .. " source connection", src.name)
      assert.equal(prefix .. " target connection",
        targets[f.targetConnectionIds[1]].name)
      assert.equal(prefix .. " base connection", bases[src.baseConnectionId].name)
    end
  end

  it("onboards 50 sources exactly once under injected faults, then resumes",
    function()
    local out, err, code = run_bulk{ "--count", "50", "--concurrency", "10" }
    assert.equal(0, code, err)
    assert.truthy(out:find("bulk onboarding: 50 sources: 50 onboarded, 0 "
      .. "already done, 0 failed in", 1, true), out)
    io.stderr:write("\n    ", out:gsub("\n", "\n    "))
    verify(50)
    local out2, err2, code2 = run_bulk{ "--count", "50", "--concurrency", "10" }
    assert.equal(0, code2, err2)
    assert.truthy(out2:find("50 sources: 0 onboarded, 50 already done", 1,
      true), out2)
    assert.falsy(out2:find("POST", 1, true))
    verify(50)
  end)

  it("reads sources from a CSV file", function()
    local csv = dir .. "/sources.csv"
    local f = assert(io.open(csv, "w"))
    f:write("name,path,userid\ncsv-a,/a/x.csv,alice\n\"csv-b\",\"/b/y.csv\","
      .. "bob\n")
    f:close()
    local out, err, code = run_bulk{ csv, "--concurrency", "2" }
    assert.equal(0, code, err)
    assert.truthy(out:find("2 sources: 2 onboarded", 1, true), out)
    verify(52)
  end)

  it("explains its usage", function()
    local _, err, code = proc.run({ "run", fsvc.BULK }, { cwd = dir })
    assert.equal(2, code)
    assert.truthy(err:find("give either --count N or a CSV file", 1, true))
  end)
end)
