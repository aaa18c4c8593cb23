-- Spec lookups are single-flight: tasks asking for the same connection
-- or flow spec at once share one request, and the answer (or the error)
-- is kept for the run. Requests are counted at the emulator
-- (GET /emulator/requests), in its own process.
local flowlua = require("flowlua")
local errors = require("flowlua.errors")
local http = require("flowlua.http")
local json = require("flowlua.json")
local task = require("flowlua.task")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local proc = require("support.proc")

local function settings_for(url) return emu.settings_for(url, "prod") end

describe("spec lookups", function()
  local e, raw

  setup(function()
    -- latency keeps each lookup in flight while the other tasks ask
    e = assert(emu.spawn{ "--faults", "latency=50ms" })
    raw = http.client{ retry = false }
  end)
  teardown(function() e:stop() end)

  local function reset()
    assert.equal(204, raw:request{ method = "DELETE",
      url = e.url .. "/emulator/requests" }.status)
  end

  local function counted()
    local res = assert(raw:request{ url = e.url .. "/emulator/requests" })
    return json.decode(res.body).requests
  end

  it("send one request per spec however many tasks ask at once", function()
    reset()
    local aep = flowlua.connect(settings_for(e.url))
    local got = task.parallel({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, function()
      return { aep:connection_spec(emu.AZURE), aep:connection_spec(emu.DATA_LAKE),
        aep:flow_spec{ name = "CloudStorageToAEP" } }
    end, { concurrency = 10 })
    for i = 2, 10 do
      for j = 1, 3 do assert.equal(got[1][j], got[i][j]) end
    end
    assert.equal(emu.AZURE, got[1][1].id)
    assert.equal(emu.DATA_LAKE, got[1][2].id)
    assert.equal(got[1][3], aep:flow_spec(got[1][3].id))
    assert.same({ ["POST /ims/token/v3"] = 1,
      ["GET /connectionSpecs/{id}"] = 2, ["GET /flowSpecs?query"] = 1 },
      counted())
  end)

  it("share the error of the one request with every task asking", function()
    reset()
    local aep = flowlua.connect(settings_for(e.url))
    aep.auth:token()
    local missing = "00000000-0000-0000-0000-000000000000"
    local failures = task.parallel({ 1, 2, 3, 4, 5 }, function()
      local ok, err = pcall(aep.connection_spec, aep, missing)
      assert.is_false(ok)
      return err
    end, { concurrency = 5 })
    for i = 1, 5 do
      assert.is_true(errors.is(failures[i], "usage"))
      assert.equal(failures[1], failures[i])
    end
    assert.equal(1, counted()["GET /connectionSpecs/{id}"])
  end)

  it("cost one request per spec in a whole bulk onboarding run", function()
    reset()
    local dir = fsvc.tmpdir()
    local _, err, code = proc.run({ "run",
      fsvc.BULK, "--count", "20",
      "--concurrency", "10", "--prefix", "lookup" },
      { cwd = dir, env = fsvc.env(settings_for(e.url)) })
    assert.equal(0, code, err)
    local n = counted()
    assert.equal(2, n["GET /connectionSpecs/{id}"])
    assert.equal(1, n["GET /flowSpecs?query"])
    assert.equal(1, n["POST /ims/token/v3"])
    assert.equal(20, n["POST /flows?mode=draft"])
  end)
end)
