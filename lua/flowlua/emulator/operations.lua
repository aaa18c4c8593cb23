--- The operations of the OAS beyond create/read/update/delete and the
-- entity actions: runs (ad hoc, re-trigger, provider updates), connection
-- test, explore and preview, configs, search, and spec authoring.
-- `resolve` claims a request before the entity router sees it.
-- @module flowlua.emulator.operations

local entities = require("flowlua.emulator.entities")
local errors = require("flowlua.emulator.errors")
local explore = require("flowlua.emulator.explore")
local router = require("flowlua.emulator.router")
local runs = require("flowlua.emulator.runs")
local search = require("flowlua.emulator.search")
local spec_authoring = require("flowlua.emulator.spec_authoring")

local operations = {}

-- method, path shape (kind, id or "", tail) → handler name
local ROUTES = {
  { "POST", "runs", false, "", "run_create" },
  { "PUT", "runs", true, "", "run_update" },
  { "POST", "runs", true, "action", "run_action" },
  { "GET", "connections", true, "test", "test" },
  { "GET", "connections", true, "explore", "explore" },
  { "GET", "connections", true, "configs", "configs" },
  { "GET", "connectionSpecs", true, "explore", "spec_explore" },
  { "GET", "connectionSpecs", true, "configs", "configs" },
  { "POST", "connections", "search", "", "search" },
  { "POST", "flows", "search", "", "search" },
  { "POST", "flowSpecs", "search", "", "search" },
  { "POST", "connectionSpecs", false, "", "spec_create" },
  { "POST", "flowSpecs", false, "", "spec_create" },
  { "PUT", "connectionSpecs", true, "", "spec_update" },
  { "PUT", "flowSpecs", true, "", "spec_update" },
  { "POST", "connections", true, "action", "entity_action" },
  { "POST", "flows", true, "action", "entity_action" },
}

-- One lookup per request: "METHOD kind shape" → handler, the shape being
-- "collection", "search" or "item/TAIL".
local function shape(id, tail)
  if id == "" then return tail == "" and "collection" or nil end
  if id == "search" then return tail == "" and "search" or nil end
  return "item/" .. tail
end

local BY_KEY = {}
for _, r in ipairs(ROUTES) do
  local s = r[3] == false and "collection" or r[3] == "search" and "search"
    or ("item/" .. r[4])
  BY_KEY[r[1] .. " " .. r[2] .. " " .. s] = r[5]
end

--- The operation a request is for, or nil (then the entity router
-- answers it).
-- @tparam string method
-- @tparam string path
-- @treturn table|nil `{handler=, kind=, id=}`
function operations.resolve(method, path)
  if path:sub(1, #router.BASE + 1) ~= router.BASE .. "/" then return nil end
  local rest = path:sub(#router.BASE + 2):gsub("/$", "")
  local kind, id, tail = rest:match("^([^/]+)/?([^/]*)/?([^/]*)$")
  local s = kind and shape(id, tail)
  local handler = s and BY_KEY[method .. " " .. kind .. " " .. s]
  if handler == nil then return nil end
  return { handler = handler, kind = kind, id = s ~= "collection"
    and s ~= "search" and id or nil }
end

local H = {}

-- The OAS's provider ops (FINALIZE, FINALIZE_UPDATE, with a subOp) get
-- the catalogue's answer for them; the others are the entity actions.
local PROVIDER_OPS = { finalize = true, finalize_update = true,
  ["finalize-update"] = true }

function H.entity_action(_, ctx, op, req, _, q)
  local e = ctx.sb:get(op.kind, op.id)
  if e ~= nil and PROVIDER_OPS[(q.op or ""):lower()] then
    return errors.flow("1402-400", ("The action '%s' is supported for "
      .. "provider requests only."):format(q.op:lower()))
  end
  return entities.action(ctx, op.kind, op.id, q.op, req.headers["if-match"])
end

-- A handler of an operation with a JSON body: the body is read first, and
-- one that does not read is answered with its error.
local function with_body(answer)
  return function(_, ctx, op, req, read_body, q)
    local body, err = read_body(req)
    if body == nil then return err end
    return answer(ctx, op, body, req, q)
  end
end

H.run_create = with_body(function(ctx, _, body)
  return runs.create(ctx, body)
end)

H.run_update = with_body(function(ctx, op, body, req)
  return runs.update(ctx, op.id, body, req.headers["if-match"])
end)

function H.run_action(_, ctx, op, _, _, q)
  return runs.action(ctx, op.id, q.op)
end

function H.test(env, ctx, op)
  return explore.test(env, ctx, op.id)
end

function H.explore(env, ctx, op, _, _, q)
  return explore.connection(env, ctx, op.id, q)
end

function H.spec_explore(env, ctx, op, _, _, q)
  return explore.spec(env, ctx, op.id, q)
end

-- A connection's or a connection spec's configs (op.kind says which).
function H.configs(_, ctx, op)
  return explore.configs(ctx, op.kind, op.id)
end

H.search = with_body(function(ctx, op, body, _, q)
  return search.respond(ctx, op.kind, body, q.continuationToken)
end)

H.spec_create = with_body(function(ctx, op, body)
  return spec_authoring.create(ctx, op.kind, body)
end)

H.spec_update = with_body(function(ctx, op, body)
  return spec_authoring.update(ctx, op.kind, op.id, body)
end)

--- Answers an operation.
-- @tparam table env `{storage=, clock=}`
-- @tparam table ctx the request context
-- @tparam table op from `resolve`
-- @tparam table req the request
-- @tparam function read_body the app's body reader (value, or nil and
--   the error response)
-- @tparam table q the parsed query
-- @treturn table response
-- @treturn function|nil undo when the store changed
function operations.dispatch(env, ctx, op, req, read_body, q)
  local handler = H[op.handler]
  if handler == nil then
    return errors.flow("1102-500", "No handler for " .. op.handler)
  end
  return handler(env, ctx, op, req, read_body, q)
end

return operations
