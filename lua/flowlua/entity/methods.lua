--- The methods of a Flow Service entity (flowlua.entity): `body`,
-- `missing`, `refresh`, `update` (JSON Patch with If-Match), `delete`,
-- `publish`, `publish_all`, `enable`/`disable`/`schedule` for flows, and
-- `json`.
-- Every mutation goes through the exactly-once routine
-- (flowlua.entity.mutate): after an ambiguous failure the entity is read
-- back to see whether the change landed before it is sent again. Under
-- `--dry-run` mutations are recorded in flowlua.plan instead. Loading
-- this module installs the methods on the entity class
-- (flowlua.entity.base).
-- @module flowlua.entity.methods

local args = require("flowlua.args")
local json = require("flowlua.json")
local errors = require("flowlua.errors")
local validate = require("flowlua.entity.validate")
local plan = require("flowlua.plan")
local patch = require("flowlua.entity.patch")
local base = require("flowlua.entity.base")
local mutate = require("flowlua.entity.mutate")
local check = require("flowlua.entity.check")
local log = require("flowlua.log")

local private, methods = base.private, base.methods
local deep_copy, replace_fields = base.deep_copy, base.replace_fields
local is_draft, client_of, info = base.is_draft, base.client_of, base.info
local is_placeholder, fetch = base.is_placeholder, base.fetch
local spec_of_body, check_body = check.spec_of_body, check.check_body
local check_patched = check.check_patched
local held_secrets, secrets_present = check.held_secrets,
  check.secrets_present
local remember_secrets = check.remember_secrets

----------------------------------------------------------------------
-- Entity methods
----------------------------------------------------------------------

-- Fields the service owns: never part of a body we validate or send.
local META = { id = true, etag = true, version = true, state = true,
  createdAt = true, updatedAt = true, createdBy = true, updatedBy = true,
  createdClient = true, updatedClient = true, sandboxId = true,
  sandboxName = true, imsOrgId = true, lastOperation = true,
  lastRunDetails = true, inheritedAttributes = true, runs = true,
  providerRefId = true, _links = true }

-- The entity's fields without the ones the service owns, each value
-- passed through `each`.
local function own_fields(e, each)
  local out = {}
  for k, v in pairs(e) do
    if not META[k] then out[k] = each(v) end
  end
  return out
end

--- The entity's body: its fields without the ones the service owns.
-- @treturn table a copy
function methods:body()
  return own_fields(self, deep_copy)
end

local function as_is(v) return v end

-- The entity's body for reading only (the checks before a publish): its
-- fields without the service's, not copied.
local function body_view(e)
  return own_fields(e, as_is)
end

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
    errors.raise("service", { status = 404, code = "1439-404",
      message = ("%s %s no longer exists"):format(info(self).word, self.id),
      method = "GET", url = c.base_url .. entity_path(self) })
  end
  replace_fields(self, fresh)
  return base.remember(self)
end

local function check_ops(ops)
  if type(ops) ~= "table" or #ops == 0 then
    error(("bad argument #1 to 'update' (non-empty list of JSON Patch "
      .. "operations expected, got %s)"):format(type(ops) == "table"
        and "an empty list" or args.got(ops)), 3)
  end
  for i, op in ipairs(ops) do
    if type(op) ~= "table" or type(op.op) ~= "string"
        or type(op.path) ~= "string" then
      error(("bad argument #1 to 'update' (operation %d needs op and path)")
        :format(i), 3)
    end
    if not op.path:find("/", 1, true) then
      error(("bad argument #1 to 'update' (operation %d cannot patch the "
        .. "whole document)"):format(i), 3)
    end
  end
end

local function redacted_ops(kind, ops, spec, body)
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

local function conflict(err, e)
  err.message = (err.message or "version not matching")
    .. ("; %s %s changed since it was read: refresh() it and apply the "
      .. "change again, or pass {reread = true}"):format(info(e).word, e.id)
  return err
end

-- PATCHes exactly once (flowlua.entity.mutate), with If-Match. A 412 is
-- a conflict, or with `reread` the entity is read once and the patch
-- sent again; after an ambiguous failure the entity is read: our
-- operations are there (landed), or its etag is unchanged (send again),
-- or someone else changed it meanwhile (a conflict).
local function send_patch(e, ops, opts)
  local c = client_of(e)
  local reread, sent_etag = opts and opts.reread, nil
  return mutate.run(c, {
    send = function()
      sent_etag = e.etag
      return c:call("PATCH", entity_path(e), { body = ops,
        headers = { ["If-Match"] = sent_etag }, idempotent = false })
    end,
    done = function(data)
      patch.apply(e, ops)
      e.etag, e.version = data.etag or e.etag, data.etag or e.version
      return base.remember(e)
    end,
    repair = function(err)
      if err.kind ~= "service" or err.status ~= 412 then return false end
      if not reread then error(conflict(err, e), 0) end
      reread = false
      e:refresh()
      return true
    end,
    landed = function(err)
      e:refresh()
      if patch.applied(e, ops) then return e end
      if e.etag ~= sent_etag then error(conflict(err, e), 0) end
    end,
  })
end

--- Updates the entity with JSON Patch operations (If-Match from its
-- etag; the entity is updated in place and gets the new etag). What the
-- patch changes is validated locally first: a problem the entity already
-- had as the service returned it (such as Adobe's string schedule values)
-- does not stop the update. On 412 (the entity changed
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
  local before, after = self:body(), self:body()
  patch.apply(after, ops)
  check_patched(c, kind, before, after, spec, is_draft(self),
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
  return mutate.run(c, {
    send = function()
      -- retry_sent = false: flowlua.http repeats only what surely did not
      -- reach the service, as for a create, and the routine, reading
      -- back between attempts, owns the rest, so a hung delete costs
      -- what a hung create does (Policy:hung_bound); idempotent, it
      -- still rides a kept-alive connection
      local data, err = c:call("DELETE", entity_path(self),
        { idempotent = true, retry_sent = false })
      if err and err.kind == "service" and err.status == 404 then
        return true  -- already gone
      end
      return data, err
    end,
    done = function() return true end,
    landed = function()
      return fetch(c, private[self].kind, self.id) == nil or nil
    end,
  })
end

-- A parent as this client knows it (created, read or changed by it),
-- read only when it is not known.
local function parent(c, kind, id)
  return base.known(c, kind, id) or fetch(c, kind, id)
end

-- The parents that must be published before `e`.
local function parents(e)
  local c, kind = client_of(e), private[e].kind
  local out = {}
  if (kind == "source" or kind == "target") and e.baseConnectionId then
    out[#out + 1] = parent(c, "connection", e.baseConnectionId)
  elseif kind == "flow" then
    for _, which in ipairs{ "source", "target" } do
      for _, id in ipairs(e[which .. "ConnectionIds"] or {}) do
        out[#out + 1] = parent(c, which, id)
      end
    end
  end
  return out
end

-- A parent known as a draft may have been published elsewhere since:
-- it is read before the publish is refused for it.
local function check_order(e, ps)
  for _, p in ipairs(ps or parents(e)) do
    if is_draft(p) and is_draft(p:refresh()) then
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
  local body = body_view(e)
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

-- POSTs an action exactly once (flowlua.entity.mutate); the answer
-- carries the new etag. After an ambiguous failure the entity is read:
-- in `new_state`, the action landed.
local function action(e, op, new_state)
  local c = client_of(e)
  return mutate.run(c, {
    send = function()
      return c:call("POST", entity_path(e) .. "/action?op=" .. op,
        { idempotent = false })
    end,
    done = function(data)
      e.state = new_state
      if data.etag then e.etag, e.version = data.etag, data.etag end
      return base.remember(e)
    end,
    landed = function()
      if e:refresh().state == new_state then return e end
    end,
  })
end

-- Publishes what this client knows to be a draft, without reading it
-- first: the create's or the last read's answer said so. If it was
-- published elsewhere meanwhile, the service refuses (400): it is read
-- then, and if it is no longer a draft there is nothing to do.
local function publish_known(e)
  local ok, err = pcall(action, e, "publish", "enabled")
  if ok then return e end
  if errors.is(err, "service") and err.status == 400
      and not is_draft(e:refresh()) then
    return e
  end
  error(err, 0)
end

-- `ps`: its parents, when already looked up.
local function publish_one(e, ps)
  local c = client_of(e)
  local real = not is_placeholder(e.id) and not c.dry_run
  if not is_draft(e) then return e end
  check_order(e, ps)
  check_publishable(e, ps)
  if not real then
    plan.add{ action = "publish", kind = private[e].kind,
      name = e.name, id = e.id }
    e.state = "enabled"
    return e
  end
  return publish_known(e)
end

--- Publishes a draft (refused locally, naming the parent, while a parent
-- is still a draft; refused if required fields are still missing).
-- Publishing an entity that is not a draft does nothing.
-- @treturn table the entity
function methods:publish()
  return publish_one(self)
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
    if is_draft(e) then publish_one(e, ps) end
  end
  visit(self)
  return self
end

local function flow_action(e, op, want_state)
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
function methods:enable()
  base.check_self(self, "enable", "flow")
  return flow_action(self, "enable", "enabled")
end

--- Disables a flow.
-- @treturn table the flow
function methods:disable()
  base.check_self(self, "disable", "flow")
  return flow_action(self, "disable", "disabled")
end

-- A schedule value as the number or boolean it spells: the service
-- returns what it was given, strings included ("15", "true").
local function schedule_value(v)
  if type(v) ~= "string" then return v end
  if v == "true" then return true elseif v == "false" then return false end
  return math.tointeger(tonumber(v)) or tonumber(v) or v
end

--- A flow's `scheduleParams` with numbers as numbers and booleans as
-- booleans, however the service returns them: Adobe documents a flow
-- read back as `{"startTime": "1612310466", "interval": "15",
-- "backfill": "true"}`.
-- @treturn table|nil a copy, e.g. `{startTime = 1612310466,
--   frequency = "minute", interval = 15, backfill = true}`; nil without
--   a schedule
-- @usage if flow:schedule().interval < 30 then ... end
function methods:schedule()
  base.check_self(self, "schedule", "flow")
  if type(self.scheduleParams) ~= "table" then return nil end
  local out = {}
  for k, v in pairs(self.scheduleParams) do out[k] = schedule_value(v) end
  return out
end

--- The entity's fields as JSON text (secrets as the service returns
-- them, i.e. masked).
-- @treturn string
function methods:json()
  local item = {}
  for k, v in pairs(self) do item[k] = v end
  return json.encode(item, { sort_keys = true })
end


return methods
