-- tools/check_layers.lua - checks that the C and the Lua trees keep their
-- one-way layers.
--
--   lua5.4 tools/check_layers.lua              both trees: src/ and lua/
--   lua5.4 tools/check_layers.lua c [DIR]      the C tree (default src)
--   lua5.4 tools/check_layers.lua lua [DIR]    the Lua tree (default lua)
--
-- prints one line per violation and exits 1 if there is any. Rules:
--
-- 1. Layers. C folders and Lua modules each belong to a layer of the
--    tables below (the tables docs/internals.md draws), lowest rank first.
--    A file may use its own layer or a lower rank; never a higher rank,
--    never another layer of its own rank (layers side by side know nothing
--    of each other). A layer with `only` may use nothing else below it.
--    In C, "use" is an #include or a call of a function (or a read of a
--    variable) defined in another file; in Lua, a require, even one inside
--    a function.
-- 2. Pure C. No file in a PURE folder reaches a Lua header (lua.h,
--    lauxlib.h, lualib.h), directly or through one of our headers.
-- 3. No circles: following uses from a file (in C: calls, and #include
--    lines between our headers; in Lua: requires) never leads back to it.
-- 4. No hidden Lua dependencies: no `pcall(require, "flowlua...")` (a
--    module that may be absent is not a layer) and no `package.loaded`
--    lookup of a module of ours.
--
-- The code is in tools/layers/: common.lua (trees, layers, circles),
-- c.lua (reading C) and lua.lua (reading Lua).

local C_LAYERS = {
  { "" },                                -- src/flowlua.h: the entry points
  { "json", "sys", "http", "server" },   -- the parts
  { "schema" },                          -- the validator, pure C
  { "lschema" },                         -- the validator on Lua values
  { "host" },                            -- flowlua.core, the executable
}
local PURE = { schema = true }

local LUA_LAYERS = {
  { { name = "core", members = { "flowlua.core.*", "flowlua.json",
      "flowlua.schema", "flowlua.args" } } },
  { { name = "base", members = { "flowlua.runtime", "flowlua.files",
      "flowlua.url", "flowlua.log", "flowlua.errors", "flowlua.plan",
      "flowlua.stop" } } },
  { { name = "transport", members = { "flowlua.task", "flowlua.retry",
      "flowlua.http" } } },
  { { name = "settings", members = { "flowlua.config", "flowlua.auth" } } },
  { { name = "entity", members = { "flowlua.entity.*" } } },
  { { name = "client", members = { "flowlua.client" } },
    { name = "state", members = { "flowlua.state.*" } },
    { name = "emulator", members = { "flowlua.emulator.*" },
      only = { "core", "flowlua.files" } } },
  { { name = "workflow", members = { "flowlua.workflow.*" } } },
  { { name = "fleet", members = { "flowlua.fleet.*" } } },
  { { name = "cli", members = { "flowlua", "flowlua.cli.*" } } },
}

package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local common = require("layers.common")

local TREES = {
  c = function(root)
    return require("layers.c")(root, common.layers(C_LAYERS, "folder"), PURE)
  end,
  lua = function(root)
    return require("layers.lua")(root, common.layers(LUA_LAYERS, "module"))
  end,
}
local DEFAULT_ROOT = { c = "src", lua = "lua" }

local function check(tree, root)
  local problems = TREES[tree](((root or DEFAULT_ROOT[tree]):gsub("/+$", "")))
  for _, p in ipairs(problems) do print(p) end
  return #problems
end

if arg[1] and not TREES[arg[1]] then
  io.stderr:write("usage: lua5.4 tools/check_layers.lua [c|lua [DIR]]\n")
  os.exit(2)
end
local count = arg[1] and check(arg[1], arg[2]) or check("c") + check("lua")
os.exit(count == 0 and 0 or 1)
