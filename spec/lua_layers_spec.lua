-- The Lua tree's one-way layers (tools/check_lua_layers.lua): the real lua/
-- passes, and small trees with one violation each show that every rule can
-- fail.
local proc = require "support.proc"

local LUA = os.getenv("LUA") or "lua5.4"

local function check(root)
  return proc.run({ "tools/check_lua_layers.lua", root }, { bin = LUA })
end

-- A temporary lua/ tree holding `files` (path -> text).
local function tree(files)
  local root = os.tmpname()
  os.remove(root)
  for path, text in pairs(files) do
    local dir = (root .. "/" .. path):match("^(.*)/")
    assert(os.execute("mkdir -p " .. proc.quote(dir)))
    local f = assert(io.open(root .. "/" .. path, "wb"))
    f:write(text)
    f:close()
  end
  return root
end

-- What the check says of a sound tree changed by `files`.
local function check_tree(files)
  local base = {
    ["flowlua/json.lua"] = 'return require("flowlua.core").json\n',
    ["flowlua/log.lua"] = 'local json = require "flowlua.json"\nreturn {}\n',
    ["flowlua/entity/init.lua"] = 'local log = require "flowlua.log"\n'
      .. 'local base = require "flowlua.entity.base"\nreturn {}\n',
    ["flowlua/entity/base.lua"] = "return {}\n",
    ["flowlua/client.lua"] = 'local entity = require "flowlua.entity"\n'
      .. "-- require \"flowlua.workflow\" in a comment is no dependency\n"
      .. "return {}\n",
    ["flowlua/emulator/init.lua"] = 'local json = require "flowlua.json"\n'
      .. "return {}\n",
  }
  for path, text in pairs(files) do base[path] = text end
  local root = tree(base)
  local out, _, code = check(root)
  os.execute("rm -rf " .. proc.quote(root))
  return out, code
end

describe("the Lua tree", function()
  it("keeps its layers one-way, out of circles and without hidden requires",
     function()
    local out, err, code = check("lua")
    assert.are.equal("", out)
    assert.are.equal("", err)
    assert.are.equal(0, code)
  end)

  it("passes a small sound tree", function()
    assert.are.same({ "", 0 }, { check_tree({}) })
  end)

  it("fails on a require of a higher layer", function()
    local out, code = check_tree({
      ["flowlua/entity/base.lua"] = 'local w = require("flowlua.workflow")\n'
        .. "return {}\n",
    })
    assert.are.equal("flowlua/entity/base.lua requires flowlua.workflow: "
      .. "'workflow' (layer 7) is above 'entity' (layer 5)\n", out)
    assert.are.equal(1, code)
  end)

  it("counts a require inside a function", function()
    local out, code = check_tree({
      ["flowlua/log.lua"] = "local function later()\n"
        .. '  return require "flowlua.auth"\nend\nreturn { later = later }\n',
    })
    assert.are.equal("flowlua/log.lua requires flowlua.auth: 'settings' "
      .. "(layer 4) is above 'base' (layer 2)\n", out)
    assert.are.equal(1, code)
  end)

  it("fails on a require between two layers of one rank", function()
    local out, code = check_tree({
      ["flowlua/emulator/init.lua"] = 'local c = require "flowlua.client"\n'
        .. "return {}\n",
    })
    assert.are.equal("flowlua/emulator/init.lua requires flowlua.client: "
      .. "'emulator' and 'client' stand side by side in layer 6\n", out)
    assert.are.equal(1, code)
  end)

  it("holds the emulator to the few modules it may use", function()
    local out, code = check_tree({
      ["flowlua/emulator/init.lua"] = 'local log = require "flowlua.log"\n'
        .. "return {}\n",
    })
    assert.are.equal("flowlua/emulator/init.lua requires flowlua.log: "
      .. "'emulator' uses only core, flowlua.files\n", out)
    assert.are.equal(1, code)
  end)

  it("fails on a module that has no layer", function()
    local out, code = check_tree({
      ["flowlua/extra.lua"] = 'local json = require "flowlua.json"\n'
        .. "return {}\n",
    })
    assert.are.equal("flowlua/extra.lua requires flowlua.json: module "
      .. "'flowlua.extra' has no layer\n", out)
    assert.are.equal(1, code)
  end)

  it("fails on modules that require each other", function()
    local out, code = check_tree({
      ["flowlua/entity/base.lua"] = "local function late()\n"
        .. '  return require("flowlua.entity")\nend\nreturn { late = late }\n',
    })
    assert.are.equal("circle of requires: flowlua.entity -> "
      .. "flowlua.entity.base -> flowlua.entity\n", out)
    assert.are.equal(1, code)
  end)

  it("fails on a dependency hidden behind pcall or package.loaded", function()
    local out, code = check_tree({
      ["flowlua/log.lua"] = 'local ok, json = pcall(require, "flowlua.json")\n'
        .. "return {}\n",
      ["flowlua/entity/base.lua"] =
        'local wf = package.loaded["flowlua.entity"]\nreturn {}\n',
    })
    assert.are.equal("flowlua/entity/base.lua hides a dependency: "
      .. 'package.loaded["flowlua.entity"]\n'
      .. "flowlua/log.lua hides a dependency: "
      .. 'pcall(require, "flowlua.json")\n', out)
    assert.are.equal(1, code)
  end)
end)
