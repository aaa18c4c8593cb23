-- The catalogue's specs are JSON files beside its module: the executable
-- embeds them, plain lua5.4 reads them from the source tree, an installed
-- rock from its tree. Each way, run from a folder that is not the
-- repository, loads the same catalogue as this process does.
local catalogue = require("flowlua.emulator.catalogue")
local fs = require("support.fs")
local json = require("flowlua.json")
local proc = require("support.proc")

local LUA = os.getenv("LUA") or "lua5.4"
local ROOT = os.getenv("PWD")  -- busted runs from the repository

-- Prints the whole catalogue, decoded, as canonical JSON.
local SCRIPT = [[
local catalogue = require("flowlua.emulator.catalogue")
local json = require("flowlua.json")
io.write(json.encode(catalogue.load(), { sort_keys = true }))
]]

-- Runs SCRIPT with plain Lua on the modules under `luadir` and the
-- flowlua.core under `libdir`, and nothing else, from the folder `cwd`.
local function plain_lua(luadir, libdir, script, cwd)
  return proc.run({ script }, { bin = LUA, cwd = cwd, env = {
    LUA_PATH = luadir .. "/?.lua;" .. luadir .. "/?/init.lua",
    LUA_CPATH = libdir .. "/?.so" } })
end

describe("the catalogue's JSON files", function()
  local expected, script, elsewhere, rock

  -- A run that loaded the same catalogue as this process, silently.
  local function loads_alike(out, err, code)
    assert.equal("", err)
    assert.equal(0, code)
    assert.equal(expected, out)
  end

  setup(function()
    expected = json.encode(catalogue.load(), { sort_keys = true })
    script = proc.tempfile(SCRIPT)
    elsewhere = fs.tmpdir()
    rock = fs.tmpdir()
    local _, err, code = proc.run({ "-s", "-C", ROOT, "rock-install",
      "INST_LIBDIR=" .. rock .. "/lib", "INST_LUADIR=" .. rock .. "/share",
      "INST_BINDIR=" .. rock .. "/bin" }, { bin = "make" })
    assert(code == 0, err)
  end)

  teardown(function()
    os.remove(script)
    fs.remove(elsewhere)
    fs.remove(rock)
  end)

  it("hold every spec of the lists, in listing order", function()
    local names = {}
    local loaded = catalogue.load()
    for _, s in ipairs(loaded.connectionSpecs.list) do
      names[#names + 1] = s.name
    end
    for _, s in ipairs(loaded.flowSpecs.list) do
      names[#names + 1] = s.name
    end
    assert.same({ "azure-file-storage", "amazon-s3", "sftp", "landing-zone",
      "http-api", "datalake", "CloudStorageToAEP",
      "Stream data without transformation" }, names)
  end)

  it("are embedded in the executable", function()
    loads_alike(proc.run({ "run", script }, { cwd = elsewhere }))
  end)

  it("are found beside the module by plain lua5.4 on the source tree",
    function()
      loads_alike(plain_lua(ROOT .. "/lua", ROOT .. "/build/lib", script,
        elsewhere))
    end)

  it("are installed with the rock, for plain lua5.4 and its executable",
    function()
      loads_alike(plain_lua(rock .. "/share", rock .. "/lib", script,
        elsewhere))
      loads_alike(proc.run({ "run", script },
        { bin = rock .. "/bin/flowlua", cwd = elsewhere }))
    end)

  it("name the file that is missing", function()
    local sftp = rock .. "/share/flowlua/emulator/catalogue/sftp.json"
    assert(os.rename(sftp, sftp .. ".away"))
    local out, err, code = plain_lua(rock .. "/share", rock .. "/lib",
      script, elsewhere)
    assert(os.rename(sftp .. ".away", sftp))
    assert.equal("", out)
    assert.equal(1, code)
    assert.truthy(err:find(sftp .. ": No such file or directory", 1, true))
  end)
end)
