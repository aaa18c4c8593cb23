-- The one-way layers of the C and the Lua trees (tools/check_layers.lua):
-- the real src/ and lua/ pass, and small trees with one violation each show
-- that every rule can fail.
local fs = require("support.fs")
local proc = require("support.proc")

local LUA = os.getenv("LUA") or "lua5.4"

local function check(tree, root)
  return proc.run({ "tools/check_layers.lua", tree, root }, { bin = LUA })
end

-- What the check of `kind` says of the sound tree `base` changed by `files`.
local function check_changed(kind, base, files)
  for path, text in pairs(files) do base[path] = text end
  local root = fs.tree(base)
  local out, _, code = check(kind, root)
  fs.remove(root)
  return out, code
end

-- A small sound C tree changed by `files`.
local function check_c_tree(files)
  return check_changed("c", {
    ["flowlua.h"] = "int luaopen_flowlua_core (void *L);\n",
    ["json/json.h"] = "int json_parse (const char *s);\n",
    ["json/json.c"] = '#include "json.h"\nint json_parse (const char *s) { return *s; }\n',
    ["host/core.c"] = '#include "flowlua.h"\n#include "json/json.h"\n'
      .. "int luaopen_flowlua_core (void *L) { return json_parse(L); }\n",
  }, files)
end

-- A small sound Lua tree changed by `files`.
local function check_lua_tree(files)
  return check_changed("lua", {
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
  }, files)
end

-- The check of the small sound tree (check_c_tree or check_lua_tree)
-- changed by `files` exits 1 saying `message`.
local function fails_with(check_tree, files, message)
  local out, code = check_tree(files)
  assert.are.equal(message, out)
  assert.are.equal(1, code)
end

describe("the C tree", function()
  it("keeps its layers one-way, the validator pure C and its files out of circles",
     function()
    local out, err, code = check("c", "src")
    assert.are.equal("", out)
    assert.are.equal("", err)
    assert.are.equal(0, code)
  end)

  it("passes a small sound tree", function()
    assert.are.same({ "", 0 }, { check_c_tree({}) })
  end)

  it("fails on an include of a higher layer", function()
    fails_with(check_c_tree, {
      ["json/json.c"] = '#include "json.h"\n#include "host/host.h"\n'
        .. "int json_parse (const char *s) { return *s; }\n",
      ["host/host.h"] = "void host_open (void);\n",
    }, "json/json.c includes host/host.h: 'host' (layer 5) is above "
      .. "'json' (layer 2)\n")
  end)

  it("fails on a call into a higher layer through a lower header", function()
    fails_with(check_c_tree, {
      ["json/json.c"] = '#include "json.h"\n#include "flowlua.h"\n'
        .. "int json_parse (const char *s) { return luaopen_flowlua_core(0) + *s; }\n",
      ["host/core.c"] = '#include "flowlua.h"\n'
        .. "int luaopen_flowlua_core (void *L) { return L != 0; }\n",
    }, "json/json.c calls luaopen_flowlua_core (host/core.c): 'host' "
      .. "(layer 5) is above 'json' (layer 2)\n")
  end)

  it("fails on an include between two parts of one layer", function()
    fails_with(check_c_tree, {
      ["http/http.c"] = '#include "server/server.h"\nint http_x (void) { return 0; }\n',
      ["server/server.h"] = "int server_x (void);\n",
    }, "http/http.c includes server/server.h: 'http' and 'server' "
      .. "stand side by side in layer 2\n")
  end)

  it("fails on a folder that has no layer", function()
    fails_with(check_c_tree, {
      ["extra/extra.c"] = '#include "json/json.h"\nint extra (void) { return 0; }\n',
    }, "extra/extra.c includes json/json.h: folder 'extra' has no layer\n")
  end)

  it("fails on a Lua header reached from the pure C validator", function()
    fails_with(check_c_tree, {
      ["schema/schema.c"] = '#include "json/json.h"\nint sc_x (void) { return 0; }\n',
      ["json/json.h"] = '#include "lua.h"\nint json_parse (const char *s);\n',
    }, "schema/schema.c reaches lua.h (through json/json.h): 'schema' is "
      .. "pure C\n")
  end)

  it("fails on two files that call each other, however they declare it", function()
    fails_with(check_c_tree, {
      ["http/http.h"] = "int http_a (int n);\nint http_b (int n);\n",
      ["http/http.c"] = '#include "http.h"\n'
        .. "int http_a (int n) { return n ? http_b(n - 1) : 0; }\n",
      ["http/http_b.c"] = '#include "http.h"\n'
        .. "/* http_a is only named here */\n"
        .. "int http_b (int n) { return n ? http_a(n - 1) : 1; }\n",
    }, "circle of calls: http/http.c -> http/http_b.c -> http/http.c\n")
  end)

  it("counts a call made in a macro or in a header's inline function", function()
    fails_with(check_c_tree, {
      ["json/json.c"] = '#include "json.h"\n#define PARSE(s) json_again(s)\n'
        .. "int json_parse (const char *s) { return PARSE(s); }\n",
      ["json/json_again.h"] = "int json_again (const char *s);\n"
        .. "static inline int json_twice (const char *s) { return json_parse(s); }\n",
      ["json/json_again.c"] = '#include "json.h"\n#include "json_again.h"\n'
        .. "int json_again (const char *s) { return json_twice(s); }\n",
    }, "circle of calls: json/json.c -> json/json_again.c -> json/json.c\n")
  end)

  it("fails on headers that include each other", function()
    fails_with(check_c_tree, {
      ["json/a.h"] = '#include "b.h"\n',
      ["json/b.h"] = '#include "a.h"\n',
    }, "circle of includes: json/a.h -> json/b.h -> json/a.h\n")
  end)
end)

describe("the Lua tree", function()
  it("keeps its layers one-way, out of circles and without hidden requires",
     function()
    local out, err, code = check("lua", "lua")
    assert.are.equal("", out)
    assert.are.equal("", err)
    assert.are.equal(0, code)
  end)

  it("passes a small sound tree", function()
    assert.are.same({ "", 0 }, { check_lua_tree({}) })
  end)

  it("fails on a require of a higher layer", function()
    fails_with(check_lua_tree, {
      ["flowlua/entity/base.lua"] = 'local w = require("flowlua.workflow")\n'
        .. "return {}\n",
    }, "flowlua/entity/base.lua requires flowlua.workflow: "
      .. "'workflow' (layer 7) is above 'entity' (layer 5)\n")
  end)

  it("counts a require inside a function", function()
    fails_with(check_lua_tree, {
      ["flowlua/log.lua"] = "local function later()\n"
        .. '  return require "flowlua.auth"\nend\nreturn { later = later }\n',
    }, "flowlua/log.lua requires flowlua.auth: 'settings' "
      .. "(layer 4) is above 'base' (layer 2)\n")
  end)

  it("fails on a require between two layers of one rank", function()
    fails_with(check_lua_tree, {
      ["flowlua/emulator/init.lua"] = 'local c = require "flowlua.client"\n'
        .. "return {}\n",
    }, "flowlua/emulator/init.lua requires flowlua.client: "
      .. "'emulator' and 'client' stand side by side in layer 6\n")
  end)

  it("holds the emulator to the few modules it may use", function()
    fails_with(check_lua_tree, {
      ["flowlua/emulator/init.lua"] = 'local log = require "flowlua.log"\n'
        .. "return {}\n",
    }, "flowlua/emulator/init.lua requires flowlua.log: "
      .. "'emulator' uses only core, flowlua.files\n")
  end)

  it("fails on a module that has no layer", function()
    fails_with(check_lua_tree, {
      ["flowlua/extra.lua"] = 'local json = require "flowlua.json"\n'
        .. "return {}\n",
    }, "flowlua/extra.lua requires flowlua.json: module "
      .. "'flowlua.extra' has no layer\n")
  end)

  it("fails on modules that require each other", function()
    fails_with(check_lua_tree, {
      ["flowlua/entity/base.lua"] = "local function late()\n"
        .. '  return require("flowlua.entity")\nend\nreturn { late = late }\n',
    }, "circle of requires: flowlua.entity -> "
      .. "flowlua.entity.base -> flowlua.entity\n")
  end)

  it("fails on a dependency hidden behind pcall or package.loaded", function()
    fails_with(check_lua_tree, {
      ["flowlua/log.lua"] = 'local ok, json = pcall(require, "flowlua.json")\n'
        .. "return {}\n",
      ["flowlua/entity/base.lua"] =
        'local wf = package.loaded["flowlua.entity"]\nreturn {}\n',
    }, "flowlua/entity/base.lua hides a dependency: "
      .. 'package.loaded["flowlua.entity"]\n'
      .. "flowlua/log.lua hides a dependency: "
      .. 'pcall(require, "flowlua.json")\n')
  end)
end)
