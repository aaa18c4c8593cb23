-- scripts/monitor.lua as a user runs it: `flowlua run --emulator
-- --time-scale 3600`, in a fresh directory whose .flowlua/files is the
-- storage.
local proc = require("support.proc")
local sys = require("flowlua.core").sys

local SCRIPT = (os.getenv("PWD") or ".") .. "/scripts/monitor.lua"

local function workdir(csv)
  local dir = os.tmpname()
  os.remove(dir)
  assert(sys.mkdir(dir))
  assert(sys.mkdir(dir .. "/.flowlua"))
  assert(sys.mkdir(dir .. "/.flowlua/files"))
  assert(sys.mkdir(dir .. "/.flowlua/files/acme"))
  local f = assert(io.open(dir .. "/.flowlua/files/acme/accounts.csv", "wb"))
  f:write(csv)
  f:close()
  return dir
end

local function monitor(dir, ...)
  return proc.run({ "run", "-q", "--emulator", "--time-scale", "3600", SCRIPT,
    ... }, { cwd = dir, env = { HOME = dir } })
end

describe("scripts/monitor.lua", function()
  it("picks the file by exploring and reports the first run's records", function()
    local dir = workdir("id,name\n1,Ann\n2,Bo\n")
    local out, err, code = monitor(dir)
    os.execute("rm -rf '" .. dir .. "'")
    assert.same(0, code, err)
    assert.truthy(out:find("ingesting /acme/accounts.csv", 1, true), out)
    assert.truthy(out:find("succeeded: 2 records from 1 file(s)", 1, true), out)
  end)

  it("reports the failing file with the service's error, re-triggers once",
    function()
      local dir = workdir("id,name\n1\n")
      local out, err, code = monitor(dir, "name=Broken")
      os.execute("rm -rf '" .. dir .. "'")
      assert.same(1, code)
      local _, failures = out:gsub("CONNECTOR%-2001%-500 Error in processing "
        .. "the copied data into Platform%. /acme/accounts%.csv: line 2 has 1 "
        .. "fields, the header has 2", "")
      assert.same(2, failures, out)
      assert.truthy(out:find("re-triggering run", 1, true), out)
      assert.truthy(err:find("the re-triggered run failed too", 1, true), err)
    end)
end)
