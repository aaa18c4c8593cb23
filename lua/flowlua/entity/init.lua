--- Flow Service entities and their collections.
-- `aep.connections`, `aep.source_connections`, `aep.target_connections`
-- and `aep.flows` are collections (`create`, `get`, `list`, `count`).
-- An entity is a table holding the service's fields (`id`, `etag`,
-- `state`, `name`, `params`, ...) with methods `update`, `refresh`,
-- `delete`, `publish`, `publish_all` and, for flows, `enable`/`disable`;
-- `entity.kind` is `"connection"`, `"source"`, `"target"` or `"flow"`.
--
-- Every create and update is validated locally first (flowlua.entity.validate);
-- creates are exactly-once: after an ambiguous failure (lost response,
-- reset, 5xx) the collection looks for the entity it may have created
-- (same name and spec, and the create's own marker in its description:
-- flowlua.entity.marker) before sending again. Under `--dry-run` nothing
-- mutating is sent: the calls are recorded in flowlua.plan and
-- placeholders are returned.
--
-- This module holds exactly-once creation and the collections; the
-- entity class and shared helpers are in flowlua.entity.base, the
-- local checks (secrets, validation) in flowlua.entity.check, and the
-- entity methods in flowlua.entity.methods.
-- @module flowlua.entity

local errors = require("flowlua.errors")
local url = require("flowlua.url")
local validate = require("flowlua.entity.validate")
local plan = require("flowlua.plan")
local base = require("flowlua.entity.base")
local mutate = require("flowlua.entity.mutate")
local check = require("flowlua.entity.check")
local marker = require("flowlua.entity.marker")
local pages = require("flowlua.entity.pages")
require("flowlua.entity.methods")  -- installs the entity methods
require("flowlua.entity.explore")  -- conn:test(), explore, preview, configs
require("flowlua.entity.runs")     -- flow:runs(), run_now(), wait_for_run()

local KINDS, private = base.KINDS, base.private
local deep_copy, fetch = base.deep_copy, base.fetch
local get_path, split_dots = check.get_path, check.split_dots
local redacted, spec_of_body = check.redacted, check.spec_of_body
local check_draft_support = check.check_draft_support
local check_body, warn_deferred = check.check_body, check.warn_deferred
local remember_secrets = check.remember_secrets
local secrets_present = check.secrets_present

local entity = {}

entity.KINDS = KINDS
entity.deep_copy = deep_copy
entity.wrap = base.wrap
entity.is = base.is
entity.is_draft = base.is_draft
entity.redacted = redacted

----------------------------------------------------------------------
-- Exactly-once creation
----------------------------------------------------------------------

-- The query of the next page: the same one plus the service's token.
local function with_token(q, token)
  local out = table.move(q, 1, #q, 1, {})
  out[#out + 1] = { "continuationToken", token }
  return out
end

-- The items of a list query, page after page (continuation tokens).
local function each_item(c, kind, q)
  local path = KINDS[kind].path
  return pages.items(c, path .. url.query(q), function(token)
    return path .. url.query(with_token(q, token))
  end)
end

--- Looks for the entity a create carrying `mark` made: of that kind,
-- name and spec, its description ending with the marker
-- (flowlua.entity.marker), skipping ids in `exclude`. Only the run
-- that drew the marker can have written it, so another run's or
-- machine's entity of the same name is never taken, and no clock is
-- consulted.
-- @tparam table c the client
-- @tparam string kind the kind
-- @tparam string name the entity name
-- @tparam string spec_id the connection or flow spec id
-- @tparam string mark the create's marker
-- @tparam[opt] table exclude set of ids already accounted for
-- @treturn table|nil the entity
function entity.find_created(c, kind, name, spec_id, mark, exclude)
  local k = KINDS[kind]
  local q = { { "property", ('%s.id==%s'):format(k.spec_field, spec_id) } }
  -- A comma means "any of" in a filter: such names are matched here only.
  if not name:find('[,"]') then
    q[#q + 1] = { "property", ('name=="%s"'):format(name) }
  end
  for item in each_item(c, kind, q) do
    if item.name == name and marker.of(item.description) == mark
        and not (exclude and exclude[item.id]) then
      return entity.wrap(c, kind, item)
    end
  end
  return nil
end

-- The workflow step running in this coroutine, if any: flowlua.workflow
-- (a higher layer) registers how to find it; see `register_workflow`.
local current_step = function() return nil end

--- Registers the function that returns the running workflow step (or
-- nil). flowlua.workflow calls this when it is loaded; a create inside a
-- step then asks that step to reconcile and journal it
-- (`step:reconcile(c, kind, name, spec_id)`, `step:intent(kind, name,
-- spec_id)` → the intent's marker, `step:created(kind, id)`); the client tells it
-- what each change landed on (`step:touched(kind, id, etag)`).
-- @tparam function finder returns the step context or nil
function entity.register_workflow(finder)
  if type(finder) ~= "function" then
    error("bad argument #1 to 'register_workflow' (function expected, got "
      .. type(finder) .. ")", 2)
  end
  current_step = finder
end

local function workflow_context()
  return current_step()
end

--- The workflow step running in this coroutine, or nil (for the client,
-- which sits above this layer and below the workflow).
-- @treturn table|nil the step context
function entity.running_step()
  return current_step()
end

-- One create POST; a success without an id is no usable answer (a
-- network error: ambiguous, the service may have made the entity).
local function send_create(c, path, body)
  local data, err = c:call("POST", path, { body = body, idempotent = false })
  if data and (type(data.id) ~= "string" or data.id == "") then
    return nil, errors.from_network("the answer to a create has no id",
      { kind = "protocol", sent = true }, "POST", c.base_url .. path)
  end
  return data, err
end

-- POSTs a create exactly once (flowlua.entity.mutate): after an
-- ambiguous failure, the entity the service made is adopted.
-- Returns the id, and the entity when it was found by reading, or the
-- answer (`{id, etag}`).
local function post_create(c, kind, body, spec_id, draft, mark)
  local path = KINDS[kind].path .. (draft and "?mode=draft" or "")
  return mutate.run(c, {
    send = function() return send_create(c, path, body) end,
    done = function(data) return data.id, nil, data end,
    landed = function()
      local found = entity.find_created(c, kind, body.name, spec_id, mark,
        c.claimed)
      if found then return found.id, found end
    end,
  })
end

-- The entity a create made, as the service would show it: the body
-- without its secret fields, with the id and etag it was given and the
-- state the create asked for.
local function made(c, kind, body, spec, draft, id, etag)
  local item = deep_copy(body)
  for _, path in ipairs(validate.body_secrets(kind, body, spec)) do
    local parts = split_dots(path)
    local parent = get_path(item, { table.unpack(parts, 1, #parts - 1) })
    if type(parent) == "table" then parent[parts[#parts]] = nil end
  end
  item.id, item.etag = id, etag
  item.state = draft and "draft" or "enabled"
  return entity.wrap(c, kind, item)
end

local function dry_create(c, kind, body, spec, draft)
  c.dry_seq = (c.dry_seq or 0) + 1
  local id = ("dry-run:%s:%d"):format(kind, c.dry_seq)
  local e = made(c, kind, body, spec, draft, id, '"dry-run"')
  c.placeholders[id] = e
  plan.add{ action = "create", kind = kind, name = body.name, id = id,
    draft = draft, body = redacted(kind, body, spec),
    detail = ("%s '%s'"):format(KINDS[kind].spec == "flow" and "flow spec"
      or "connection spec", tostring(spec.name or spec.id)) }
  return e
end

local function create(coll, body, opts)
  local c, kind = coll.client, coll.kind
  local draft = opts and opts.draft or false
  local spec = spec_of_body(c, kind, body)
  if draft then check_draft_support(c, kind, body, spec) end
  local deferred = check_body(c, kind, body, spec, draft, "create")
  redacted(kind, body, spec)
  warn_deferred(KINDS[kind].word, body.name, deferred)
  if c.dry_run then
    local e = dry_create(c, kind, body, spec, draft)
    remember_secrets(c, e.id, secrets_present(kind, body, spec), true)
    private[e].missing = deferred
    return e
  end
  local ctx = workflow_context()
  local adopted = ctx and ctx:reconcile(c, kind, body.name, spec.id)
  if adopted then
    private[adopted].missing = deferred
    return adopted
  end
  local mark = ctx and ctx:intent(kind, body.name, spec.id) or marker.new()
  local id, found, answer = post_create(c, kind, marker.mark(body, mark),
    spec.id, draft, mark)
  c.claimed = c.claimed or {}
  c.claimed[id] = true
  if ctx then ctx:created(kind, id) end
  remember_secrets(c, id, secrets_present(kind, body, spec), true)
  -- The answer says what was made: no read-back unless it was lost.
  local e = found or made(c, kind, body, spec, draft, id, answer.etag)
  if KINDS[kind].spec == "connection" then
    c.spec_ids = c.spec_ids or {}
    c.spec_ids[id] = spec.id
  end
  private[e].missing = deferred
  return base.remember(e)
end

----------------------------------------------------------------------
-- Collections
----------------------------------------------------------------------

local Collection = { __name = "flowlua.collection" }
Collection.__index = Collection

--- The collection of a kind for a client.
-- @tparam table c the client
-- @tparam string kind the kind
-- @treturn table the collection
function entity.collection(c, kind)
  return setmetatable({ client = c, kind = kind }, Collection)
end

local function check_self(self, name)
  if getmetatable(self) ~= Collection then
    error(("bad self to '%s' (use collection:%s(...))"):format(name, name), 3)
  end
end

--- Creates an entity (validated locally first).
-- @tparam table body the create body
-- A draft may lack required fields: they are logged as a warning and
-- listed by the entity's `missing()`.
-- @tparam[opt] table opts `{draft = true}` creates a draft
-- @treturn table the entity
function Collection:create(body, opts)
  check_self(self, "create")
  if type(body) ~= "table" then
    error("bad argument #1 to 'create' (table expected, got "
      .. type(body) .. ")", 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #2 to 'create' (table expected, got "
      .. type(opts) .. ")", 2)
  end
  return create(self, body, opts)
end

--- Gets an entity by id, or nil when it does not exist.
-- @tparam string id the id
-- @treturn table|nil the entity
function Collection:get(id)
  check_self(self, "get")
  if type(id) ~= "string" then
    error("bad argument #1 to 'get' (string expected, got " .. type(id)
      .. ")", 2)
  end
  return fetch(self.client, self.kind, id)
end

--- Iterates over the entities of the collection, page by page
-- (following continuation tokens).
-- @tparam[opt] table opts `{property = "state==enabled" or a list (all
--   must hold), orderby = "-createdAt", limit = page size}`
-- @return an iterator yielding entities
-- @usage for flow in aep.flows:list{ property = "state==enabled" } do end
function Collection:list(opts)
  check_self(self, "list")
  local c, kind = self.client, self.kind
  local next_item = each_item(c, kind, base.list_query(opts or {}))
  return function()
    local item = next_item()
    return item and entity.wrap(c, kind, item) or nil
  end
end

--- Counts the entities matching a filter.
-- @tparam[opt] table opts `{property = ...}` as for `list`
-- @treturn integer
function Collection:count(opts)
  check_self(self, "count")
  opts = opts or {}
  local q = base.list_query({ property = opts.property },
    { { "count", "true" } })
  local data = self.client:request("GET", KINDS[self.kind].path
    .. url.query(q))
  return math.tointeger(data.count) or data.count
end

return entity
