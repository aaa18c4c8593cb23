--- flowlua: Adobe Experience Platform Flow Service workflows in Lua.
--
--     local flowlua = require("flowlua")
--     local aep = flowlua.connect()
--     local cs = aep:connection_spec("be5ec48c-5b78-49d5-b8fa-7c89ec4569b8")
--     local base = aep.connections:create({...}, { draft = true })
--     local wf = flowlua.workflow("acme")
--
-- @module flowlua

local core = require("flowlua.core")
local args = require("flowlua.args")

local flowlua = {
  --- The flowlua version string.
  VERSION = core.version,
}

-- The client of the last `flowlua.connect()`, for a workflow opened
-- without one (scripts written before workflows took `{client=}`).
local connected

--- Connects to the Flow Service (see flowlua.client): settings from a
-- table, or from the profile file, the environment and `flowlua run`'s
-- options (`--sandbox`, `--emulator`, `--dry-run`).
-- @tparam[opt] table settings
-- @treturn table the client
function flowlua.connect(settings)
  if settings ~= nil and type(settings) ~= "table" then
    error("bad argument #1 to 'connect' (table expected, got "
      .. type(settings) .. ")", 2)
  end
  connected = require("flowlua.client").connect(settings)
  return connected
end

--- Opens a resumable workflow (see flowlua.workflow). Its client is
-- `opts.client`, else the last `flowlua.connect()`'s.
-- @tparam string name the workflow name
-- @tparam[opt] table opts `{client=, dir=}`
-- @treturn table the workflow
function flowlua.workflow(name, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #2 to 'workflow' (table expected, got "
      .. type(opts) .. ")", 2)
  end
  local given = {}
  for k, v in pairs(opts or {}) do given[k] = v end
  if given.client == nil then given.client = connected end
  return require("flowlua.workflow").new(name, given)
end

--- Runs `fn(item, index)` for each item concurrently (flowlua.task).
-- @tparam table items the list
-- @tparam function fn the function
-- @tparam[opt] table opts `{concurrency = N}`
-- @treturn table results in order
function flowlua.parallel(items, fn, opts)
  return require("flowlua.task").parallel(items, fn, opts)
end

-- How a script argument's text reads as the type of the setting it
-- replaces (`read` gives nil when it does not, `expected` says what was
-- wanted); a string setting takes the text as is.
local READ_AS = {
  integer = { expected = "integer",
    read = function(text) return math.tointeger(tonumber(text)) end },
  float = { expected = "number", read = tonumber },
  boolean = { expected = "true or false", read = function(text)
    if text == "true" then return true end
    if text == "false" then return false end
  end },
}

-- The key and the value of one `KEY=VALUE` argument over config; raises a
-- message for the script's user (level 0: the mistake is on the command
-- line, not at a line of the script).
local function read_argument(config, argument)
  local key, text = tostring(argument):match("^([%w_]+)=(.*)$")
  if not key or config[key] == nil then
    error(("unknown argument %q (expected KEY=VALUE with KEY one of the "
      .. "CONFIG keys)"):format(tostring(argument)), 0)
  end
  local as = READ_AS[math.type(config[key]) or type(config[key])]
  if not as then return key, text end
  local value = as.read(text)
  if value == nil then
    error(("bad value in argument %q (%s expected)"):format(argument,
      as.expected), 0)
  end
  return key, value
end

--- Applies a script's `KEY=VALUE` arguments over its settings: each
-- replaces `config[KEY]`, read as the type of the value it replaces (an
-- integer, a number, `true` or `false`; else the text as given). A
-- mistake on the command line raises a message for the script's user,
-- without a position: an argument not of the form `KEY=VALUE` or whose
-- KEY is not a key of `config`, or a value that does not read as its
-- key's type.
-- @tparam table config the settings with their defaults, changed in place
-- @tparam table arguments the script's arguments (`{ ... }`)
-- @treturn table the set of keys given, `{ [KEY] = true, ... }`
-- @usage local CONFIG = { name = "ACME", interval = 15 }
-- local given = flowlua.apply_arguments(CONFIG, { ... })
function flowlua.apply_arguments(config, arguments)
  args.check(1, "apply_arguments", config, "table")
  args.check(2, "apply_arguments", arguments, "table")
  local given = {}
  for _, argument in ipairs(arguments) do
    local key, value = read_argument(config, argument)
    config[key], given[key] = value, true
  end
  return given
end

--- The structured errors (flowlua.errors): `flowlua.errors.is(e, "order")`.
flowlua.errors = require("flowlua.errors")

return flowlua
