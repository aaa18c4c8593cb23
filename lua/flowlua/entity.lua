--- Flow Service entities and their collections.
-- `aep.connections`, `aep.source_connections`, `aep.target_connections`
-- and `aep.flows` are collections (`create`, `get`, `list`, `count`).
-- An entity is a table holding the service's fields (`id`, `etag`,
-- `state`, `name`, `params`, ...) with methods `update`, `refresh`,
-- `delete`, `publish`, `publish_all` and, for flows, `enable`/`disable`;
-- `entity.kind` is `"connection"`, `"source"`, `"target"` or `"flow"`.
--
-- Every create and update is validated locally first (flowlua.validate);
-- creates are exactly-once: after an ambiguous failure (lost response,
-- reset, 5xx) the collection looks for the entity it may have created
-- (same name and spec, created since the attempt began) before sending
-- again. Under `--dry-run` nothing mutating is sent: the calls are
-- recorded in flowlua.plan and placeholders are returned.
-- @module flowlua.entity

local json = require "flowlua.json"
local errors = require "flowlua.errors"
local validate = require "flowlua.validate"
local plan = require "flowlua.plan"
local patch = require "flowlua.entities.patch"

local entity = {}

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
entity.KINDS = KINDS

-- Fields the service owns: never part of a body we validate or send.
local META = { id = true, etag = true, version = true, state = true,
  createdAt = true, updatedAt = true, createdBy = true, updatedBy = true,
  createdClient = true, updatedClient = true, sandboxId = true,
  sandboxName = true, imsOrgId = true, lastOperation = true,
  lastRunDetails = true, inheritedAttributes = true, runs = true,
  providerRefId = true, _links = true }

-- Client and kind of each entity, kept off the entity's own fields so
-- that the entity reads (and encodes) as the service's object.
local private = setmetatable({}, { __mode = "k" })

local Entity = { __name = "flowlua.entity" }
local methods = {}
Entity.__index = function(self, key)
  local m = methods[key]
  if m ~= nil then return m end
  if key == "kind" then return private[self].kind end
  return nil
end
function Entity.__tostring(self)
  return ("%s %s (%s)"):format(KINDS[private[self].kind].word,
    tostring(rawget(self, "id")), tostring(rawget(self, "state")))
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = deep_copy(x) end
  return setmetatable(out, getmetatable(v))
end
entity.deep_copy = deep_copy

--- Wraps a service item as an entity of a kind.
-- @tparam table c the client
-- @tparam string kind the kind
-- @tparam table item the item (fields copied in)
-- @treturn table the entity
function entity.wrap(c, kind, item)
  local e = setmetatable({}, Entity)
  for k, v in pairs(item) do e[k] = v end
  private[e] = { client = c, kind = kind }
  return e
end

--- True when `v` is an entity.
-- @param v anything
-- @treturn boolean
function entity.is(v)
  return getmetatable(v) == Entity
end

local function replace_fields(e, item)
  for k in pairs(e) do e[k] = nil end
  for k, v in pairs(item) do e[k] = v end
end

--- The entity's body: its fields without the ones the service owns.
-- @treturn table a copy
function methods:body()
  local out = {}
  for k, v in pairs(self) do
    if not META[k] then out[k] = deep_copy(v) end
  end
  return out
end

local function is_draft(e)
  return type(e.state) == "string" and e.state:lower() == "draft"
end
entity.is_draft = is_draft

local function client_of(e) return private[e].client end
local function info(e) return KINDS[private[e].kind] end

-- Placeholder ids are recognisable and never valid service ids.
local function is_placeholder(id)
  return type(id) == "string" and id:sub(1, 8) == "dry-run:"
end

----------------------------------------------------------------------
-- Secrets and redaction
----------------------------------------------------------------------

local function get_path(t, parts)
  for _, p in ipairs(parts) do
    if type(t) ~= "table" then return nil end
    t = t[p]
  end
  return t
end

local function split_dots(path)
  local parts = {}
  for p in path:gmatch("[^.]+") do parts[#parts + 1] = p end
  return parts
end

-- Registers the values of secret fields with the log's redactor and
-- returns a copy of the body with them replaced by "***".
local function redacted(kind, body, spec)
  local copy = deep_copy(body)
  local log = require "flowlua.log"
  for _, path in ipairs(validate.body_secrets(kind, body, spec)) do
    local parts = split_dots(path)
    local value = get_path(body, parts)
    if type(value) == "string" and value ~= "" then
      log.secret(value)
      local parent = get_path(copy, { table.unpack(parts, 1, #parts - 1) })
      parent[parts[#parts]] = "***"
    end
  end
  return copy
end
entity.redacted = redacted

----------------------------------------------------------------------
-- Validation
----------------------------------------------------------------------

local function spec_of_body(c, kind, body)
  local k = KINDS[kind]
  local ref = body[k.spec_field]
  local id = type(ref) == "table" and ref.id or nil
  if type(id) ~= "string" then
    errors.raise("validation", { entity = k.word,
      problems = { { field = k.spec_field .. ".id", rule = "required",
        fix = ("add %s = {id = <spec id>, version = \"1.0\"}")
          :format(k.spec_field) } } })
  end
  if k.spec == "flow" then return c:flow_spec(id) end
  return c:connection_spec(id)
end

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
  return item and entity.wrap(c, kind, item) or nil
end

-- Connection spec ids of the source and target connections a flow
-- body names, for the flow spec check.
-- A connection's spec never changes (1414-400), so it is remembered per
-- client once seen.
local function connection_specs(c, body)
  local map = {}
  c.spec_ids = c.spec_ids or {}
  for _, which in ipairs{ "source", "target" } do
    for _, id in ipairs(body[which .. "ConnectionIds"] or {}) do
      if c.spec_ids[id] == nil then
        local e = fetch(c, which, id)
        local cs = e and e.connectionSpec
        c.spec_ids[id] = type(cs) == "table" and cs.id or false
      end
      map[id] = c.spec_ids[id] or nil
    end
  end
  return map
end

local function warn_deferred(word, name, deferred)
  if #deferred == 0 then return end
  local items = {}
  for i, p in ipairs(deferred) do
    items[i] = ("%s (%s)"):format(p.field, p.fix)
  end
  require("flowlua.log").warn(
    "draft %s %q is incomplete; before publishing add: %s", word,
    tostring(name), table.concat(items, "; "))
end

-- Validates a body; raises a validation error (nothing sent) or
-- returns the deferred problems of a draft. `skip` is a set of fields
-- whose `required` problems are not ours to judge (secrets the service
-- keeps but never returns).
local function check_body(c, kind, body, spec, draft, action, skip, spec_of)
  local k = KINDS[kind]
  local opts = { draft = draft }
  if kind == "flow" then opts.spec_of = spec_of or connection_specs(c, body) end
  local errs, deferred = validate[k.check](body, spec, opts)
  if skip then
    local keep = {}
    for _, p in ipairs(errs) do
      if not (p.keyword == "required" and skip[p.field]) then
        keep[#keep + 1] = p
      end
    end
    errs = keep
  end
  if #errs > 0 then
    errors.raise("validation", { problems = errs,
      entity = ("%s %s %q"):format(action, k.word, tostring(body.name)) })
  end
  return deferred
end

-- Secret fields present in a body (paths), remembered per entity id:
-- the service never returns them, so a body read back lacks them.
local function secrets_present(kind, body, spec)
  local set = {}
  for _, path in ipairs(validate.body_secrets(kind, body, spec)) do
    if get_path(body, split_dots(path)) ~= nil then set[path] = true end
  end
  return set
end

-- The secret fields of a body read back that the service holds (or may
-- hold: an entity from an earlier run): not flagged as missing.
local function held_secrets(c, e, body, spec)
  local kind = private[e].kind
  local sent = c.secrets_sent and c.secrets_sent[e.id]
  local skip = {}
  for _, path in ipairs(validate.body_secrets(kind, body, spec)) do
    if sent == nil or sent[path] then skip[path] = true end
  end
  return skip
end

local function remember_secrets(c, id, set, created)
  c.secrets_sent = c.secrets_sent or {}
  -- Only a body this client created says which secrets are absent.
  if not created and c.secrets_sent[id] == nil then return end
  local old = c.secrets_sent[id] or {}
  for k in pairs(set) do old[k] = true end
  c.secrets_sent[id] = old
end

local function check_draft_support(c, kind, body, spec)
  if c:supports_drafts(spec) then
    if kind ~= "flow" then return end
    for id, cs_id in pairs(connection_specs(c, body)) do
      local cs = c:connection_spec(cs_id)
      if not c:supports_drafts(cs) then
        errors.raise("usage", { message = ("cannot create a draft flow: "
          .. "connection %s uses connection spec '%s', which does not "
          .. "support drafts; create the flow without {draft = true}")
          :format(id, tostring(cs.name or cs_id)) })
      end
    end
    return
  end
  errors.raise("usage", { message = ("cannot create a draft %s: %s '%s' "
    .. "does not support drafts (attributes.isDraftModeSupported is not "
    .. "true); create it without {draft = true}"):format(KINDS[kind].word,
      KINDS[kind].spec == "flow" and "flow spec" or "connection spec",
      tostring(spec.name or spec.id)) })
end

----------------------------------------------------------------------
-- Exactly-once creation
----------------------------------------------------------------------

local function now() return require("flowlua.core").sys.time() end

-- Clock skew allowed between this machine and the service when looking
-- for an entity "created since the attempt began".
entity.SKEW = 60

--- Looks for an entity of a kind with a name and spec created at or
-- after `since` (seconds), skipping ids in `exclude`.
-- @tparam table c the client
-- @tparam string kind the kind
-- @tparam string name the entity name
-- @tparam string spec_id the connection or flow spec id
-- @tparam number since epoch seconds
-- @tparam[opt] table exclude set of ids already accounted for
-- @treturn table|nil the entity
function entity.find_created(c, kind, name, spec_id, since, exclude)
  local k = KINDS[kind]
  local floor = math.floor((since - entity.SKEW) * 1000)
  local q = { { "property", ('%s.id==%s'):format(k.spec_field, spec_id) },
    { "property", ("createdAt>=%d"):format(floor) } }
  -- A comma means "any of" in a filter: such names are matched here only.
  if not name:find('[,"]') then
    q[#q + 1] = { "property", ('name=="%s"'):format(name) }
  end
  local path = k.path .. require("flowlua.client").query(q)
  local best
  while path do
    local data = c:request("GET", path)
    for _, item in ipairs(data.items or {}) do
      local t = tonumber(item.createdAt) or 0
      if item.name == name and t >= floor
          and not (exclude and exclude[item.id])
          and (best == nil or t < (tonumber(best.createdAt) or 0)) then
        best = item
      end
    end
    local href = type(data._links) == "table" and type(data._links.next)
      == "table" and data._links.next.href
    local token = type(href) == "string"
      and href:match("continuationToken=([^&]+)")
    path = token and (k.path .. "?continuationToken=" .. token) or nil
  end
  return best and entity.wrap(c, kind, best) or nil
end

-- Failures after which the request may or may not have been applied.
local function ambiguous(err)
  if err.kind == "network" then return err.sent ~= false end
  return err.kind == "service" and err.status >= 500
end

local function backoff(attempt)
  local task = require "flowlua.task"
  task.sleep(math.min(0.05 * 2 ^ attempt, 2) * (0.5 + math.random() / 2))
end

local function workflow_context()
  local wf = package.loaded["flowlua.workflow"]
  return wf and wf.current and wf.current() or nil
end

local MAX_ATTEMPTS = 8

-- POSTs a create; on an ambiguous failure, adopts the entity if the
-- service made it, else tries again.
local function post_create(c, kind, body, spec_id, draft, since)
  local k = KINDS[kind]
  local path = k.path .. (draft and "?mode=draft" or "")
  local last
  for attempt = 1, MAX_ATTEMPTS do
    local data, err = c:call("POST", path, { body = body, idempotent = false })
    if data and type(data.id) == "string" and data.id ~= "" then
      return data.id
    end
    if data then  -- a success without an id: no usable answer
      err = errors.from_network("the answer to a create has no id",
        { kind = "protocol", sent = true }, "POST", c.base_url .. path)
    end
    last = err
    if not ambiguous(err) and err.kind ~= "network" then
      error(err, 0)
    end
    if err.kind ~= "network" or err.sent ~= false then
      local found = entity.find_created(c, kind, body.name, spec_id, since,
        c.claimed)
      if found then return found.id, found end
    end
    backoff(attempt)
  end
  error(last, 0)
end

local function dry_create(c, kind, body, spec, draft)
  c.dry_seq = (c.dry_seq or 0) + 1
  local id = ("dry-run:%s:%d"):format(kind, c.dry_seq)
  -- As the service would show it: without its secret fields.
  local item = deep_copy(body)
  for _, path in ipairs(validate.body_secrets(kind, body, spec)) do
    local parts = split_dots(path)
    local parent = get_path(item, { table.unpack(parts, 1, #parts - 1) })
    if type(parent) == "table" then parent[parts[#parts]] = nil end
  end
  item.id, item.etag = id, '"dry-run"'
  item.state = draft and "draft" or "enabled"
  local e = entity.wrap(c, kind, item)
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
  local since = ctx and ctx:intent(kind, body.name, spec.id) or now()
  local id, found = post_create(c, kind, body, spec.id, draft, since)
  c.claimed = c.claimed or {}
  c.claimed[id] = true
  if ctx then ctx:created(kind, id) end
  remember_secrets(c, id, secrets_present(kind, body, spec), true)
  local e = found or fetch(c, kind, id)
  if e == nil then
    errors.raise("usage", { message = ("%s %s was created but cannot be "
      .. "read back"):format(KINDS[kind].word, id) })
  end
  private[e].missing = deferred
  return e
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

local function list_query(opts, extra)
  local q = {}
  local prop = opts.property
  if type(prop) == "string" then prop = { prop } end
  for _, p in ipairs(prop or {}) do q[#q + 1] = { "property", p } end
  if opts.orderby then q[#q + 1] = { "orderby", opts.orderby } end
  if opts.limit then q[#q + 1] = { "limit", tostring(opts.limit) } end
  for _, p in ipairs(extra or {}) do q[#q + 1] = p end
  return q
end

--- Iterates over the entities of the collection, page by page
-- (following continuation tokens).
-- @tparam[opt] table opts `{property = "state==enabled" or a list (all
--   must hold), orderby = "-createdAt", limit = page size}`
-- @return an iterator yielding entities
-- @usage for flow in aep.flows:list{ property = "state==enabled" } do end
function Collection:list(opts)
  check_self(self, "list")
  opts = opts or {}
  local c, kind = self.client, self.kind
  local client_mod = require "flowlua.client"
  local base_q = list_query(opts)
  local items, i = {}, 0
  local path = KINDS[kind].path .. client_mod.query(base_q)
  return function()
    while true do
      i = i + 1
      if items[i] then return entity.wrap(c, kind, items[i]) end
      if not path then return nil end
      local data = c:request("GET", path)
      items, i = data.items or {}, 0
      local href = type(data._links) == "table"
        and type(data._links.next) == "table" and data._links.next.href
      local token = type(href) == "string"
        and href:match("continuationToken=([^&]+)")
      path = token and (KINDS[kind].path .. client_mod.query(list_query(opts,
        { { "continuationToken", client_mod.unescape(token) } }))) or nil
    end
  end
end

--- Counts the entities matching a filter.
-- @tparam[opt] table opts `{property = ...}` as for `list`
-- @treturn integer
function Collection:count(opts)
  check_self(self, "count")
  opts = opts or {}
  local client_mod = require "flowlua.client"
  local q = list_query({ property = opts.property },
    { { "count", "true" } })
  local data = self.client:request("GET", KINDS[self.kind].path
    .. client_mod.query(q))
  return math.tointeger(data.count) or data.count
end

----------------------------------------------------------------------
-- Entity methods
----------------------------------------------------------------------

local function entity_path(e)
  return info(e).path .. "/" .. e.id
end

local function spec_of(e)
  return spec_of_body(client_of(e), private[e].kind, e)
end

--- What a draft created by this client lacked (required fields that
-- must be added before publishing), as `{field=, rule=, fix=}` problems.
-- @treturn table the list (empty when nothing was missing)
function methods:missing()
  return private[self].missing or {}
end

--- Reads the entity again from the service (fields, etag, state).
-- @treturn table the entity itself
function methods:refresh()
  local c = client_of(self)
  if is_placeholder(self.id) then return self end
  local fresh = fetch(c, private[self].kind, self.id)
  if fresh == nil then
    errors.raise("service", { status = 404, code = "1101-404",
      message = ("%s %s no longer exists"):format(info(self).word, self.id),
      method = "GET", url = c.base_url .. entity_path(self) })
  end
  replace_fields(self, fresh)
  return self
end

local function check_ops(ops)
  if type(ops) ~= "table" or #ops == 0 then
    error("bad argument #1 to 'update' (non-empty list of JSON Patch "
      .. "operations expected)", 3)
  end
  for i, op in ipairs(ops) do
    if type(op) ~= "table" or type(op.op) ~= "string"
        or type(op.path) ~= "string" then
      error(("bad argument #1 to 'update' (operation %d needs op and path)")
        :format(i), 3)
    end
  end
end

local function redacted_ops(kind, ops, spec, body)
  local log = require "flowlua.log"
  local secret = {}
  for _, path in ipairs(validate.body_secrets(kind, body, spec)) do
    secret["/" .. path:gsub("%.", "/")] = true
  end
  local out = deep_copy(ops)
  for _, op in ipairs(out) do
    if op.value ~= nil then
      local hit = secret[op.path]
      for s in pairs(secret) do
        if s:sub(1, #op.path + 1) == op.path .. "/" then hit = true end
      end
      if hit then
        for _, v in pairs(patch.leaves(op.value)) do
          if type(v) == "string" then log.secret(v) end
        end
        op.value = "***"
      end
    end
  end
  return out
end

-- After an ambiguous PATCH: did our operations land?
local function settle_update(e, ops, old_etag)
  e:refresh()
  if patch.applied(e, ops) then return true end
  return e.etag == old_etag and "retry" or false
end

local function conflict(err, e)
  err.message = (err.message or "version not matching")
    .. ("; %s %s changed since it was read: refresh() it and apply the "
      .. "change again, or pass {reread = true}"):format(info(e).word, e.id)
  return err
end

local function send_patch(e, ops, opts)
  local c = client_of(e)
  local reread = opts and opts.reread
  for attempt = 1, MAX_ATTEMPTS do
    local old = e.etag
    local data, err = c:call("PATCH", entity_path(e), { body = ops,
      headers = { ["If-Match"] = old }, idempotent = false })
    if data then
      patch.apply(e, ops)
      e.etag, e.version = data.etag or e.etag, data.etag or e.version
      return e
    end
    if err.kind == "service" and err.status == 412 and reread then
      reread = false
      e:refresh()
    elseif ambiguous(err) then
      local outcome = settle_update(e, ops, old)
      if outcome == true then return e end
      if outcome == false then error(conflict(err, e), 0) end
      backoff(attempt)
    elseif err.kind == "service" and err.status == 412 then
      error(conflict(err, e), 0)
    else
      error(err, 0)
    end
  end
  error(errors.new("usage", { message = "update kept failing" }), 0)
end

--- Updates the entity with JSON Patch operations (If-Match from its
-- etag; the entity is updated in place and gets the new etag). The
-- patched body is validated locally first. On 412 (the entity changed
-- since it was read) a structured error is raised, unless
-- `{reread = true}`: then the entity is read again once and the patch
-- re-sent.
-- @tparam table ops e.g. `{ {op = "replace", path = "/name", value = "x"} }`
-- @tparam[opt] table opts `{reread = true}`
-- @treturn table the entity
function methods:update(ops, opts)
  check_ops(ops)
  local c, kind = client_of(self), private[self].kind
  local spec = spec_of(self)
  local after = self:body()
  patch.apply(after, ops)
  check_body(c, kind, after, spec, is_draft(self), "update",
    held_secrets(c, self, after, spec))
  local shown = redacted_ops(kind, ops, spec, after)
  remember_secrets(c, self.id, secrets_present(kind, after, spec))
  if c.dry_run or is_placeholder(self.id) then
    plan.add{ action = "update", kind = kind, name = self.name, id = self.id,
      ops = shown }
    patch.apply(self, ops)
    return self
  end
  return send_patch(self, ops, opts)
end

--- Deletes the entity (nothing happens if it is already gone).
-- @treturn boolean true
function methods:delete()
  local c = client_of(self)
  if c.dry_run or is_placeholder(self.id) then
    plan.add{ action = "delete", kind = private[self].kind, name = self.name,
      id = self.id }
    return true
  end
  for attempt = 1, MAX_ATTEMPTS do
    local data, err = c:call("DELETE", entity_path(self),
      { idempotent = true })
    if data or err.status == 404 then return true end
    if not ambiguous(err) then error(err, 0) end
    if fetch(c, private[self].kind, self.id) == nil then return true end
    backoff(attempt)
  end
  error(errors.new("usage", { message = "delete kept failing" }), 0)
end

-- The draft parents that must be published before `e`.
local function parents(e)
  local c, kind = client_of(e), private[e].kind
  local out = {}
  if (kind == "source" or kind == "target") and e.baseConnectionId then
    local p = fetch(c, "connection", e.baseConnectionId)
    if p then out[#out + 1] = p end
  elseif kind == "flow" then
    for _, which in ipairs{ "source", "target" } do
      for _, id in ipairs(e[which .. "ConnectionIds"] or {}) do
        local p = fetch(c, which, id)
        if p then out[#out + 1] = p end
      end
    end
  end
  return out
end

local function check_order(e, ps)
  for _, p in ipairs(ps or parents(e)) do
    if is_draft(p) then
      errors.raise("order", { parent = { kind = p.kind, id = p.id,
        name = p.name }, message = ("cannot publish %s %q: its %s %q (%s) "
        .. "is still a draft; publish it first, or call publish_all()")
        :format(info(e).word, tostring(e.name), info(p).word,
          tostring(p.name), p.id) })
    end
  end
end

-- Full check before publishing: missing required fields are errors now.
local function check_publishable(e, ps)
  local c, kind = client_of(e), private[e].kind
  local spec = spec_of(e)
  local body = e:body()
  local spec_of_ids
  if kind == "flow" and ps then
    spec_of_ids = {}
    for _, p in ipairs(ps) do
      spec_of_ids[p.id] = type(p.connectionSpec) == "table"
        and p.connectionSpec.id or nil
    end
  end
  check_body(c, kind, body, spec, false, "publish",
    held_secrets(c, e, body, spec), spec_of_ids)
end

-- POSTs an action; the response carries the new etag. After an
-- ambiguous failure the entity is read back to see whether it landed.
local function action(e, op, new_state)
  local c = client_of(e)
  for attempt = 1, MAX_ATTEMPTS do
    local data, err = c:call("POST", entity_path(e) .. "/action?op=" .. op,
      { idempotent = false })
    if data then
      e.state = new_state
      if data.etag then e.etag, e.version = data.etag, data.etag end
      return e
    end
    if not ambiguous(err) then error(err, 0) end
    if e:refresh().state == new_state then return e end
    backoff(attempt)
  end
  error(errors.new("usage", { message = op .. " kept failing" }), 0)
end

-- `fresh`: the entity was just read; `ps`: its parents, just read.
local function publish_one(e, fresh, ps)
  local c = client_of(e)
  local real = not is_placeholder(e.id) and not c.dry_run
  if real and not fresh then e:refresh() end
  if not is_draft(e) then return e end
  check_order(e, ps)
  check_publishable(e, ps)
  if not real then
    plan.add{ action = "publish", kind = private[e].kind,
      name = e.name, id = e.id }
    e.state = "enabled"
    return e
  end
  return action(e, "publish", "enabled")
end

--- Publishes a draft (refused locally, naming the parent, while a parent
-- is still a draft; refused if required fields are still missing).
-- Publishing an entity that is not a draft does nothing.
-- @treturn table the entity
function methods:publish()
  return publish_one(self, false)
end

--- Publishes every draft this entity depends on, parents first, then the
-- entity itself; entities that are not drafts are left alone.
-- @treturn table the entity
function methods:publish_all()
  local seen = {}
  local function visit(e)
    if seen[e.id] then return end
    seen[e.id] = true
    local ps = parents(e)
    for _, p in ipairs(ps) do visit(p) end
    if is_draft(e) then publish_one(e, true, ps) end
  end
  local c = client_of(self)
  if not is_placeholder(self.id) and not c.dry_run then self:refresh() end
  visit(self)
  return self
end

local function flow_action(e, op, want_state)
  if private[e].kind ~= "flow" then
    error(("'%s' is for flows, not %ss"):format(op, info(e).word), 3)
  end
  local c = client_of(e)
  if c.dry_run or is_placeholder(e.id) then
    plan.add{ action = op, kind = "flow", name = e.name, id = e.id }
    e.state = want_state
    return e
  end
  return action(e, op, want_state)
end

--- Enables a flow.
-- @treturn table the flow
function methods:enable() return flow_action(self, "enable", "enabled") end

--- Disables a flow.
-- @treturn table the flow
function methods:disable() return flow_action(self, "disable", "disabled") end

--- The entity's fields as JSON text (secrets as the service returns
-- them, i.e. masked).
-- @treturn string
function methods:json()
  local item = {}
  for k, v in pairs(self) do item[k] = v end
  return json.encode(item, { sort_keys = true })
end

return entity
