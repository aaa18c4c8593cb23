-- `flowlua run`'s bounds on time, against real emulator processes:
-- --timeout (each attempt of a request), FLOWLUA_TIMEOUT.
local emu = require "support.emulator"
local proc = require "support.proc"

-- One read with retries off, so a single attempt's fate is printed.
local ONE_READ = [[
  local flowlua = require "flowlua"
  local aep = flowlua.connect{ endpoint = arg[1], ims_url = arg[1],
    client_id = "c", client_secret = "s", org_id = "O@AdobeOrg",
    scopes = "openid", http = { retry = false } }
  local ok, err = pcall(aep.connection_spec, aep, arg[2])
  print(ok and "answered" or tostring(err))
]]

describe("flowlua run --timeout", function()
  local slow

  setup(function()
    slow = assert(emu.spawn{ "--faults", "latency=3000ms" })
  end)
  teardown(function() slow:stop() end)

  it("gives up an attempt after SECONDS", function()
    local out, err, code = proc.run{ "run", "--timeout", "1",
      proc.tempfile(ONE_READ), slow.url, emu.AZURE }
    assert.equal("", err)
    assert.equal(0, code)
    assert.matches("^POST /ims/token/v3: .*timed out after 1%d%d%d milli", out)
  end)

  it("takes FLOWLUA_TIMEOUT when the option is not given", function()
    local out = proc.run({ "run", proc.tempfile(ONE_READ), slow.url,
      emu.AZURE }, { env = { FLOWLUA_TIMEOUT = "1.5" } })
    assert.matches("timed out after 1[45]%d%d milli", out)
  end)

  it("waits for a slow answer by default (30 s)", function()
    local out = proc.run{ "run", proc.tempfile(ONE_READ), slow.url,
      emu.AZURE }
    assert.equal("answered\n", out)
  end)

  it("refuses a value that is not a positive number of seconds", function()
    local _, err, code = proc.run{ "run", "--timeout", "0", "x.lua" }
    assert.equal(2, code)
    assert.matches("^flowlua: %-%-timeout must be a positive number of "
      .. "seconds\n", err)
    _, err, code = proc.run({ "run", proc.tempfile(ONE_READ), slow.url,
      emu.AZURE }, { env = { FLOWLUA_TIMEOUT = "soon" } })
    assert.equal(1, code)
    assert.equal("flowlua: timeout must be a positive number of seconds "
      .. "(FLOWLUA_TIMEOUT or the file key 'timeout'), not 'soon'\n", err)
  end)
end)
