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
  local args = require("flowlua.args")

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

-- Script-API functions outside the modules above, each given a mistake
-- that once read otherwise (no argument number, no "got", level 0, a
-- string instead of "bad self").
describe("a mistake in a call to the script API", function()
  local fs = require("support.fs")
  local aep = require("flowlua.client").connect{
    endpoint = "http://127.0.0.1:9", org = "o@AdobeOrg", sandbox = "s",
    access_token = "t" }
  local base = require("flowlua.entity.base")
  local flow = base.wrap(aep, "flow", { id = "f1", name = "f" })
  local conn = base.wrap(aep, "connection", { id = "c1", name = "c" })

  -- Runs `code` as the line 2 of a chunk named "caller" with these locals
  -- (`other`: the value given besides them).
  local function error_at(code, ...)
    local call = assert(load("local flow, conn, aep, other = ...\n"
      .. "local r = " .. code .. "\nreturn r", "=caller"))
    local ok, err = pcall(call, flow, conn, aep, ...)
    return not ok and tostring(err) or nil
  end

  -- A call (line 2 of "caller"), the argument it names, the function,
  -- and why.
  local MISTAKES = {
    { "aep:request(1, '/flows')", 1, "request", "string expected, got number" },
    { "aep:request('GET')", 2, "request", "string expected, got no value" },
    { "aep:request('GET', '/f', 3)", 3, "request",
      "table expected, got number" },
    { "aep:connection_spec(1)", 1, "connection_spec",
      "id or {name=} expected, got number" },
    { "aep:flow_spec{ id = 'x' }", 1, "flow_spec",
      "id or {name=} expected, got table" },
    { "aep:search('runs')", 1, "search",
      '"connections", "flows" or "flowSpecs" expected, got "runs"' },
    { "aep:search()", 1, "search", "string expected, got no value" },
    { "aep.runs:get(7)", 1, "get", "run id expected, got number" },
    { "flow:wait_for_run{ timeout = -1 }", 1, "wait_for_run",
      "timeout must be seconds, got -1" },
    { "conn:preview()", 1, "preview", "file path expected, got no value" },
    { "conn:structure('/a.csv', 'json')", 2, "structure",
      "table expected, got string" },
    { "flow:update{}", 1, "update",
      "non-empty list of JSON Patch operations expected, got an empty list" },
    { "flow:update('replace')", 1, "update",
      "non-empty list of JSON Patch operations expected, got string" },
  }
  for _, case in ipairs(MISTAKES) do
    it("numbers the argument and says what it got: " .. case[1], function()
      assert.equal(("caller:2: bad argument #%d to '%s' (%s)"):format(
        case[2], case[3], case[4]), error_at(case[1]))
    end)
  end

  it("says what it got: flowlua.workflow and wf:step", function()
    assert.equal("caller:2: bad argument #1 to 'workflow' (non-empty string "
      .. "expected, got empty string)", error_at("require('flowlua')"
      .. ".workflow('')"))
    local dir = fs.tmpdir()
    local wf = require("flowlua").workflow("arguments", { client = aep,
      dir = dir })
    assert.equal("caller:2: bad argument #1 to 'step' (string expected, "
      .. "got number)", error_at("other:step(1, print)", wf))
    assert.equal("caller:2: bad argument #2 to 'step' (function expected, "
      .. "got string)", error_at("other:step('one', 'print')", wf))
    wf:forget()
    fs.remove(dir)
  end)

  it("names the operation that would patch the whole document", function()
    assert.equal("caller:2: bad argument #1 to 'update' (operation 1 cannot "
      .. "patch the whole document)",
      error_at("flow:update{ { op = 'add', path = '' } }"))
    assert.has_error(function()
      require("flowlua.entity.patch").apply({}, { { op = "add", path = "" } })
    end, "bad argument #2 to 'apply' (operation 1 cannot patch the whole "
      .. "document)")
  end)

  it("says 'bad self' for a method of another kind", function()
    for _, case in ipairs{
      { "conn:runs()", "runs", "flow", "base connection" },
      { "conn:run_now()", "run_now", "flow", "base connection" },
      { "conn:wait_for_run()", "wait_for_run", "flow", "base connection" },
      { "conn:enable()", "enable", "flow", "base connection" },
      { "conn:disable()", "disable", "flow", "base connection" },
      { "conn:schedule()", "schedule", "flow", "base connection" },
      { "flow:test()", "test", "base connection", "flow" },
      { "flow:explore('/')", "explore", "base connection", "flow" },
      { "flow:preview('/a.csv')", "preview", "base connection", "flow" },
      { "flow:structure('/a.csv')", "structure", "base connection", "flow" },
      { "flow:configs()", "configs", "base connection", "flow" },
    } do
      assert.equal(("caller:2: bad self to '%s' (%s expected, got %s)")
        :format(case[2], case[3], case[4]), error_at(case[1]))
    end
    local run = require("flowlua.entity.runs").wrap(aep, { id = "r1" })
    assert.equal("caller:2: bad self to 'refresh' (run expected, got "
      .. "table)", error_at("other.refresh(flow)", run))
    assert.equal("caller:2: bad self to 'list' (use aep.runs:list(...))",
      error_at("aep.runs.list()"))
  end)
end)

describe("a failure of the world on a script's behalf", function()
  local errors = require("flowlua.errors")

  it("raises an error object for a spec schema flowlua cannot compile",
    function()
      local ok, err = pcall(require("flowlua.entity.validate").connection,
        { name = "n", connectionSpec = { id = "x" },
          auth = { specName = "A", params = {} } },
        { id = "x", authSpec = { { name = "A", spec = { type = 5 } } } })
      assert.is_false(ok)
      assert.is_true(errors.is(err, "usage"))
      assert.equal("the service sent a spec schema flowlua cannot compile: "
        .. "invalid schema at '/type': must be a type name or an array of "
        .. "type names", tostring(err))
    end)

  it("prints a timeout as its message", function()
    local err = errors.new("timeout", { run_id = "r1",
      message = "run r1 did not finish within 5s" })
    assert.equal("run r1 did not finish within 5s", tostring(err))
  end)
end)
