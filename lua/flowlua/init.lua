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

--- The structured errors (flowlua.errors): `flowlua.errors.is(e, "order")`.
flowlua.errors = require("flowlua.errors")

return flowlua
