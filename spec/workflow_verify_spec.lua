-- A resumed run checks that what its finished steps changed is still in
-- place: scripts/onboarding.lua on the embedded emulator, its flow then
-- deleted remotely, and the same command run again.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")

-- Runs `fn(client)` against the run's emulator state, in this process.
local function with_state(dir, fn)
  local e = emu.start{ state = dir .. "/.flowlua/emulator.json" }
  local ok, res = pcall(fn, emu.client(e.url), e)
  e:stop()
  assert(ok, res)
  return res
end

local function flows(dir)
  return with_state(dir, function(_, e)
    local _, items = fsvc.raw(e.handle:client_settings()):census()
    return items.flows
  end)
end

local function onboard(dir, ...)
  local argv = { "run", "--emulator", ... }
  argv[#argv + 1] = fsvc.ONBOARDING
  local _, err, code = proc.run(argv, { cwd = dir })
  assert.equal(0, code, err)
  return err
end

local function delete_flow(dir)
  local old = flows(dir)[1]
  with_state(dir, function(c)
    assert.equal(204, c:delete("/flows/" .. old.id).status)
  end)
  assert.same({}, flows(dir))
  return old
end

describe("a resumed run", function()
  local dir
  before_each(function() dir = fsvc.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. proc.quote(dir)) end)

  it("recreates a flow deleted remotely, updated and published", function()
    onboard(dir)
    local old = delete_flow(dir)
    local err = onboard(dir)
    assert.truthy(err:find("onboarding-ACME: update dataflow done", 1, true))
    assert.truthy(err:find("onboarding-ACME: publish done", 1, true))
    local now = flows(dir)
    assert.equal(1, #now)
    assert.are_not.equal(old.id, now[1].id)
    assert.equal("enabled", now[1].state)
    assert.same(old.scheduleParams.frequency, now[1].scheduleParams.frequency)
    assert.same(old.transformations, now[1].transformations)
  end)

  it("leaves it a draft with --trust-state, which skips the checks",
    function()
      onboard(dir)
      delete_flow(dir)
      local err = onboard(dir, "--trust-state")
      assert.truthy(err:find("onboarding-ACME: publish resumed", 1, true))
      local now = flows(dir)
      assert.equal(1, #now)
      assert.equal("draft", now[1].state)
    end)

  it("changes nothing when everything is still in place", function()
    onboard(dir)
    local before = flows(dir)[1]
    local err = onboard(dir)
    assert.truthy(err:find("7 steps: 0 run, 7 resumed", 1, true))
    assert.same(before, flows(dir)[1])
  end)
end)
