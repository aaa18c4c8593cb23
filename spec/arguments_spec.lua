-- The rule for arguments (docs/internals.md, "Errors and arguments"),
-- checked mechanically: every public function of these modules, given a
-- value of a wrong type as its first argument, raises at the caller's line
-- `bad argument #1 to '<its name>' (...)`; every options table refuses a
-- key it does not know, naming the argument. A new public function that
-- forgets its checks fails here.
local MODULES = {
  "flowlua.errors", "flowlua.config", "flowlua.auth", "flowlua.files",
  "flowlua.log", "flowlua.task", "flowlua.url", "flowlua.schema",
  "flowlua.json", "flowlua.plan", "flowlua.emulator", "flowlua.http",
  "flowlua.retry",
  "flowlua",
}

-- Functions that take no argument, or whose first argument may be any
-- value (a message, a value to redact, encode or classify).
local NO_ARGUMENT = {
  ["flowlua.plan"] = { reset = true, steps = true },
  ["flowlua.task"] = { current = true, run = true, suspend = true },
  ["flowlua.http"] = { version = true },
}
local ANY_VALUE = {
  ["flowlua.errors"] = { is = true },
  ["flowlua.json"] = { encode = true },
  ["flowlua.log"] = { debug = true, info = true, warn = true, error = true,
    redact = true, redact_value = true, secret = true },
  ["flowlua.retry"] = { parse_retry_after = true },  -- a header, or none
}

-- A value no public function takes.
local WRONG = coroutine.create(function() end)

-- Calls module[name](...) from a chunk named "caller", the way a script
-- does (a field call, not a tail call), and returns the error.
local function error_of(module, name, ...)
  local call = assert(load(("local m = ...\nlocal r = m.%s(select(2, ...))\n"
    .. "return r"):format(name), "=caller"))
  local ok, err = pcall(call, module, ...)
  return not ok and tostring(err) or nil
end

local function public_functions(name)
  local module, names = require(name), {}
  for k, v in pairs(module) do
    local skip = (NO_ARGUMENT[name] or {})[k] or (ANY_VALUE[name] or {})[k]
    if type(v) == "function" and not skip then names[#names + 1] = k end
  end
  table.sort(names)
  return module, names
end

describe("a public function given a wrong first argument", function()
  for _, name in ipairs(MODULES) do
    local module, names = public_functions(name)
    for _, fname in ipairs(names) do
      it(("raises naming it: %s.%s"):format(name, fname), function()
        local err = error_of(module, fname, WRONG)
        assert.is_string(err)
        local prefix = ("caller:2: bad argument #1 to '%s' ("):format(fname)
        assert.equal(prefix, err:sub(1, #prefix))
      end)
    end
  end
end)

describe("an options table with an unknown key", function()
  local CASES = {
    { "flowlua.config", "load", 1 },
    { "flowlua.log", "configure", 1 },
    { "flowlua.task", "parallel", 3, {}, print },
    { "flowlua.schema", "compile", 2, "{}" },
    { "flowlua.schema", "validate", 3, "{}", 1 },
    { "flowlua.emulator", "start", 1 },
    { "flowlua.retry", "policy", 1 },
    { "flowlua.json", "decode", 2, "1" },
    { "flowlua.json", "encode", 2, 1 },
    { "flowlua.http", "client", 1 },
  }
  for _, case in ipairs(CASES) do
    local name, fname, n = case[1], case[2], case[3]
    it(("is refused naming the argument: %s.%s"):format(name, fname), function()
      local given = { table.unpack(case, 4, 2 + n) }
      given[n] = { no_such_option = true }
      local err = error_of(require(name), fname, table.unpack(given, 1, n))
      assert.equal(("caller:2: bad argument #%d to '%s' (unknown option "
        .. "'no_such_option')"):format(n, fname), err)
    end)
  end
end)

describe("the checks themselves", function()
  local args = require "flowlua.args"

  it("name an optional argument's other types, and a missing value", function()
    local function f(x) args.check(1, "f", x, "table", "nil") end
    assert.has_error(function() f(1) end,
      "bad argument #1 to 'f' (table expected, got number)")
    local function g(x) args.check(2, "g", x, "string") end
    assert.has_error(function() g() end,
      "bad argument #2 to 'g' (string expected, got no value)")
  end)

  it("return what they were given", function()
    local t = {}
    assert.equal(t, args.check(1, "f", t, "table"))
    assert.equal(t, args.options(1, "f", t, {}))
    assert.same({}, args.options(1, "f", nil, {}))
  end)
end)
