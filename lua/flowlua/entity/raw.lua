--- Raw mutations (`aep:request` with POST, PATCH or DELETE) under the
-- same exactly-once rule as the first-class methods: each is sent through
-- flowlua.entity.mutate, which after an ambiguous failure (a lost answer,
-- a 5xx) reads the service to see whether the change is there before it
-- sends again. This module knows how to read that for the mutations of
-- the Flow Service OAS:
--
-- * a create (`POST /connections|sourceConnections|targetConnections|
--   flows`): an entity of that name and spec whose description carries
--   the marker this create was sent with (as `collection:create` looks;
--   flowlua.entity.marker);
-- * an ad hoc run (`POST /runs`) or a re-trigger (`POST /runs/{id}/action`):
--   a new run of the flow with the same `params.startTime`;
-- * an action on an entity (`POST /{kind}/{id}/action?op=`): enable and
--   disable by the entity's state, publish by its leaving `draft`;
-- * `PATCH` with a JSON Patch list: the operations show in the entity
--   (with `If-Match`: its etag still the sent one means not applied,
--   another etag without the operations is a conflict, raised);
-- * `DELETE`: the path reads 404.
--
-- Any other POST (spec authoring, ...) is never sent twice: an ambiguous
-- failure is raised, unless the caller gives `opts.landed(err)`, its own
-- read (the result, or nil when the change is not there).
-- @module flowlua.entity.raw

local url = require("flowlua.url")
local base = require("flowlua.entity.base")
local patch = require("flowlua.entity.patch")
local mutate = require("flowlua.entity.mutate")
local runs = require("flowlua.entity.runs")
local entity = require("flowlua.entity")
local marker = require("flowlua.entity.marker")

local raw = {}

local KIND_OF_PATH = {}
for kind, k in pairs(base.KINDS) do KIND_OF_PATH[k.path] = kind end

-- What is published leaves `draft`; enable and disable name their state.
local ACTION_LANDED = {
  enable = function(state) return state == "enabled" end,
  disable = function(state) return state == "disabled" end,
  publish = function(state) return state ~= "draft" end,
}

-- The path without its query and trailing slashes, and the query.
local function split(path)
  local p, q = path:match("^([^?]*)%??(.*)$")
  return (p:gsub("(.)/+$", "%1")), q
end

-- The item at a path: the item, false when the service says 404, nil
-- when the read itself failed (nothing can be told from it).
local function read(c, p)
  local data, err = c:call("GET", p)
  if data == nil then
    if err.kind == "service" and err.status == 404 then return false end
    return nil
  end
  if type(data.items) == "table" then return data.items[1] or false end
  return data
end

local function answer_of(item)
  return { id = item.id, etag = item.etag }
end

-- A create's reader, and the body to send: the body with a fresh
-- marker in its description (flowlua.entity.marker), which the reader
-- looks for.
local function create_landed(c, kind, body)
  local spec = type(body) == "table" and body[base.KINDS[kind].spec_field]
  if type(body.name) ~= "string" or type(spec) ~= "table"
      or type(spec.id) ~= "string" then
    return nil
  end
  local mark = marker.new()
  return function()
    local found = entity.find_created(c, kind, body.name, spec.id, mark,
      c.claimed)
    if found == nil then return nil end
    c.claimed = c.claimed or {}
    c.claimed[found.id] = true
    return answer_of(found)
  end, marker.mark(body, mark)
end

local function run_landed(c, flow_id, params)
  if type(flow_id) ~= "string" then return nil end
  local started = runs.started_since(c, flow_id,
    type(params) == "table" and tonumber(params.startTime) or nil)
  return function()
    local r = started()
    return r and answer_of(r) or nil
  end
end

local function action_landed(c, p, query)
  local op = url.param("?" .. query, "op")
  local test = op and ACTION_LANDED[op:lower()]
  if test == nil then return nil end
  local target = p:gsub("/action$", "")
  return function()
    local item = read(c, target)
    if item and test(item.state) then return answer_of(item) end
  end
end

local function retrigger_landed(c, p)
  local run = read(c, p:gsub("/action$", ""))
  if not run then return nil end
  return run_landed(c, run.flowId, run.params)
end

local function post_landed(c, p, query, body)
  if KIND_OF_PATH[p] and type(body) == "table" then
    return create_landed(c, KIND_OF_PATH[p], body)
  elseif p == "/runs" and type(body) == "table" then
    return run_landed(c, body.flowId, body.params)
  elseif p:match("^/runs/[^/]+/action$") then
    return retrigger_landed(c, p)
  elseif p:match("^/%a+/[^/]+/action$") then
    return action_landed(c, p, query)
  end
end

local function header(headers, name)
  for k, v in pairs(headers or {}) do
    if k:lower() == name:lower() then return v end
  end
end

local function patch_landed(c, p, ops, if_match)
  if type(ops) ~= "table" or ops[1] == nil then return nil end
  return function(err)
    local item = read(c, p)
    if item and patch.applied(item, ops) then return answer_of(item) end
    if item and if_match and item.etag ~= if_match then error(err, 0) end
  end
end

local function delete_landed(c, p)
  return function()
    if read(c, p) == false then return {} end
  end
end

-- How to read whether the mutation landed; nil when it cannot be told.
-- A create also gives the body to send (with its marker).
local function landed_reader(c, method, path, opts)
  if opts.landed then return opts.landed end
  local p, query = split(path)
  if method == "POST" then return post_landed(c, p, query, opts.body) end
  if method == "PATCH" then
    return patch_landed(c, p, opts.body, header(opts.headers, "If-Match"))
  end
  if method == "DELETE" then return delete_landed(c, p) end
end

--- Sends a mutation exactly once (flowlua.entity.mutate).
-- @tparam table c the client
-- @tparam string method "POST", "PATCH" or "DELETE"
-- @tparam string path below the Flow Service base, with its query
-- @tparam table opts `{body=, headers=, landed=}`
-- @treturn table the decoded answer (or, when a read showed the change,
--   `{id=, etag=}` of what it made or changed; `{}` for a delete)
function raw.mutate(c, method, path, opts)
  local landed, marked = landed_reader(c, method, path, opts)
  local send_opts = { body = marked or opts.body, headers = opts.headers,
    idempotent = false }
  return mutate.run(c, {
    send = function() return c:call(method, path, send_opts) end,
    done = function(data)
      if method == "POST" and type(data.id) == "string" then
        c.claimed = c.claimed or {}
        c.claimed[data.id] = true
      end
      return data
    end,
    -- nothing to read it by: an ambiguous failure is raised, not re-sent
    landed = landed or function(err) error(err, 0) end,
  })
end

return raw
