--- Shared internals of flowlua.entity (not an API): the kinds, the
-- entity class with the private state kept off its fields, reading an
-- entity by id, and the entities a client knows.
-- flowlua.entity and its sub-modules (flowlua.entity.check,
-- flowlua.entity.methods) all build on these; this module requires
-- none of them, so there is no require cycle.
-- @module flowlua.entity.base

local marker = require("flowlua.entity.marker")

local base = {}

-- Per kind: path, the field naming its spec, the spec family, words.
local KINDS = {
  connection = { path = "/connections", spec_field = "connectionSpec",
    spec = "connection", word = "base connection", check = "connection" },
  source = { path = "/sourceConnections", spec_field = "connectionSpec",
    spec = "connection", word = "source connection", check = "source" },
  target = { path = "/targetConnections", spec_field = "connectionSpec",
    spec = "connection", word = "target connection", check = "target" },
  flow = { path = "/flows", spec_field = "flowSpec", spec = "flow",
    word = "flow", check = "flow" },
}
base.KINDS = KINDS

-- Client and kind of each entity, kept off the entity's own fields so
-- that the entity reads (and encodes) as the service's object.
local private = setmetatable({}, { __mode = "k" })

local Entity = { __name = "flowlua.entity" }
local methods = {}
Entity.__index = function(self, key)
  local m = methods[key]
  if m ~= nil then return m end
  if key == "kind" then return private[self].kind end
  if key == "runs_link" then return private[self].runs_link end
  return nil
end
function Entity.__tostring(self)
  return ("%s %s (%s)"):format(KINDS[private[self].kind].word,
    tostring(rawget(self, "id")), tostring(rawget(self, "state")))
end
base.private, base.Entity, base.methods = private, Entity, methods

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = deep_copy(x) end
  return setmetatable(out, getmetatable(v))
end
base.deep_copy = deep_copy

--- The query of a list request: the `property` filters of `opts` (one
-- or a list), then `filters` (more property filters), `orderby`, `limit`
-- and the `extra` pairs, in that order.
-- @tparam table opts `{property = ..., orderby = ..., limit = ...}`
-- @tparam[opt] table extra `{name, value}` pairs
-- @tparam[opt] table filters property filters the caller derived
-- @treturn table the pairs, for flowlua.url.query
function base.list_query(opts, extra, filters)
  local q = {}
  local prop = opts.property
  if type(prop) == "string" then prop = { prop } end
  for _, p in ipairs(prop or {}) do q[#q + 1] = { "property", p } end
  for _, p in ipairs(filters or {}) do q[#q + 1] = { "property", p } end
  if opts.orderby then q[#q + 1] = { "orderby", opts.orderby } end
  if opts.limit then q[#q + 1] = { "limit", tostring(opts.limit) } end
  for _, p in ipairs(extra or {}) do q[#q + 1] = p end
  return q
end

--- Wraps a service item as an entity of a kind.
-- @tparam table c the client
-- @tparam string kind the kind
-- @tparam table item the item (fields copied in)
-- @treturn table the entity
-- A flow's `runs` field (the service's link to its runs list) would hide
-- the method `flow:runs{}`; the entity keeps it aside, as `runs_link`.
-- The description is shown without flowlua's create marker
-- (flowlua.entity.marker): the user's text, as the body gave it.
local function copy_fields(e, item)
  for k, v in pairs(item) do
    if k == "runs" and type(v) == "string" then
      private[e].runs_link = v
    elseif k == "description" then
      e[k] = marker.strip(v)
    else
      e[k] = v
    end
  end
end

function base.wrap(c, kind, item)
  local e = setmetatable({}, Entity)
  private[e] = { client = c, kind = kind }
  copy_fields(e, item)
  return e
end

--- True when `v` is an entity.
-- @param v anything
-- @treturn boolean
function base.is(v)
  return getmetatable(v) == Entity
end

local function replace_fields(e, item)
  for k in pairs(e) do e[k] = nil end
  copy_fields(e, item)
end
base.replace_fields = replace_fields

local function is_draft(e)
  return type(e.state) == "string" and e.state:lower() == "draft"
end
base.is_draft = is_draft

local function client_of(e) return private[e].client end
local function info(e) return KINDS[private[e].kind] end

-- Placeholder ids are recognisable and never valid service ids.
local function is_placeholder(id)
  return type(id) == "string" and id:sub(1, 8) == "dry-run:"
end
base.client_of, base.info = client_of, info

--- Raises `bad self to 'runs' (flow expected, got base connection)` at
-- the line that called the method, unless `e` is an entity of `kind`.
-- @param e the method's self
-- @tparam string name the method's name
-- @tparam string kind the kind the method is for
-- @tparam[opt] integer depth helper calls between the method and this
-- @treturn table e's client
function base.check_self(e, name, kind, depth)
  if base.is(e) and private[e].kind == kind then return client_of(e) end
  local got = base.is(e) and info(e).word or type(e)
  error(("bad self to '%s' (%s expected, got %s)"):format(name,
    KINDS[kind].word, got), 3 + (depth or 0))
end
base.is_placeholder = is_placeholder

-- The entities this client last read or changed, by id (weak: an entity
-- nobody holds is forgotten). What this client knows of an entity comes
-- from its last read or from the answer to its own change, so the
-- publish methods look parents up here before reading them.
local function known_of(c)
  c.known = c.known or setmetatable({}, { __mode = "v" })
  return c.known
end

--- Notes an entity as the newest this client knows for its id.
-- @tparam table e the entity
-- @treturn table e
function base.remember(e)
  known_of(private[e].client)[e.id] = e
  return e
end

--- The entity of a kind this client knows for an id, or nil.
-- @tparam table c the client
-- @tparam string kind the kind
-- @tparam string id the id
-- @treturn table|nil
function base.known(c, kind, id)
  local e = known_of(c)[id]
  if e and private[e].kind == kind then return e end
  return nil
end

-- Reads an entity by id (a placeholder from this client's dry run, or
-- the service's); nil when it does not exist.
local function fetch(c, kind, id)
  if is_placeholder(id) then return c.placeholders[id] end
  local data, err = c:call("GET", KINDS[kind].path .. "/" .. id)
  if data == nil then
    if err.status == 404 then return nil end
    error(err, 0)
  end
  local item = type(data.items) == "table" and data.items[1] or nil
  if item and type(item.connectionSpec) == "table" then
    c.spec_ids = c.spec_ids or {}
    c.spec_ids[id] = item.connectionSpec.id
  end
  return item and base.remember(base.wrap(c, kind, item)) or nil
end
base.fetch = fetch

return base
