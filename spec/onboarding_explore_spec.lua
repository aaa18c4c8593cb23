-- scripts/onboarding.lua picks its file by exploring the storage when no
-- path=... is given (as Adobe's cloud storage tutorial does), and keeps
-- the path it is given.
local json = require("flowlua.json")
local proc = require("support.proc")
local sys = require("flowlua.core").sys

local SCRIPT = (os.getenv("PWD") or ".") .. "/scripts/onboarding.lua"

local function workdir()
  local dir = os.tmpname()
  os.remove(dir)
  for _, d in ipairs({ "", "/.flowlua", "/.flowlua/files",
      "/.flowlua/files/globex" }) do
    assert(sys.mkdir(dir .. d))
  end
  local f = assert(io.open(dir .. "/.flowlua/files/globex/q3.csv", "wb"))
  f:write("id\n1\n")
  f:close()
  return dir
end

local function source_path(dir)
  local f = assert(io.open(dir .. "/.flowlua/emulator.json"))
  local state = json.decode(f:read("a"))
  f:close()
  return state.sandboxes.prod.sourceConnections[1].params.path
end

describe("scripts/onboarding.lua and the storage", function()
  it("reads the first file found by exploring when no path is given", function()
    local dir = workdir()
    local _, err, code = proc.run({ "run", "-q", "--emulator", SCRIPT },
      { cwd = dir, env = { HOME = dir } })
    local path = code == 0 and source_path(dir)
    os.execute("rm -rf '" .. dir .. "'")
    assert.same(0, code, err)
    assert.same("/globex/q3.csv", path)
  end)

  it("keeps path=... when it is given", function()
    local dir = workdir()
    local _, err, code = proc.run({ "run", "-q", "--emulator", SCRIPT,
      "path=/acme/a.csv" }, { cwd = dir, env = { HOME = dir } })
    local path = code == 0 and source_path(dir)
    os.execute("rm -rf '" .. dir .. "'")
    assert.same(0, code, err)
    assert.same("/acme/a.csv", path)
  end)
end)
