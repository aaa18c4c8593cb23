--- Local checks of flowlua.entity, before anything is sent: the secret
-- fields of a body (registered with the log's redactor, replaced in what
-- is shown, remembered because the service never returns them) and the
-- validation of create, update and publish bodies against their spec
-- (flowlua.entity.validate). Internal: used by flowlua.entity and
-- flowlua.entity.methods.
-- @module flowlua.entity.check

local errors = require("flowlua.errors")
local validate = require("flowlua.entity.validate")
local base = require("flowlua.entity.base")

local KINDS, private = base.KINDS, base.private
local deep_copy, fetch = base.deep_copy, base.fetch

local check = {}

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
  local log = require("flowlua.log")
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

-- The problems and deferred problems of a body. `skip` is a set of
-- fields whose `required` problems are not ours to judge (secrets the
-- service keeps but never returns).
local function problems(c, kind, body, spec, draft, skip, spec_of)
  local opts = { draft = draft }
  if kind == "flow" then opts.spec_of = spec_of or connection_specs(c, body) end
  local errs, deferred = validate[KINDS[kind].check](body, spec, opts)
  if skip then
    local keep = {}
    for _, p in ipairs(errs) do
      if not (p.keyword == "required" and skip[p.field]) then
        keep[#keep + 1] = p
      end
    end
    errs = keep
  end
  return errs, deferred
end

local function refuse(kind, body, action, errs)
  if #errs > 0 then
    errors.raise("validation", { problems = errs, entity = ("%s %s %q")
      :format(action, KINDS[kind].word, tostring(body.name)) })
  end
end

-- Validates a body; raises a validation error (nothing sent) or
-- returns the deferred problems of a draft.
local function check_body(c, kind, body, spec, draft, action, skip, spec_of)
  local errs, deferred = problems(c, kind, body, spec, draft, skip, spec_of)
  refuse(kind, body, action, errs)
  return deferred
end

local function problem_key(p)
  return p.field .. "\0" .. (p.keyword or p.rule or "")
end

-- Validates what a patch changes: the problems of the patched body that
-- the body as the service holds it does not have already. A flow the
-- service returned with `"interval": "15"` (Adobe's tutorials; the spec
-- says integer) can still be renamed; a patch that breaks a field is
-- refused. Raises, or returns the deferred problems of a draft.
local function check_patched(c, kind, before, after, spec, draft, skip)
  local errs, deferred = problems(c, kind, after, spec, draft, skip)
  local held = {}
  for _, p in ipairs((problems(c, kind, before, spec, draft, skip))) do
    held[problem_key(p)] = true
  end
  local new = {}
  for _, p in ipairs(errs) do
    if not held[problem_key(p)] then new[#new + 1] = p end
  end
  refuse(kind, after, "update", new)
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

check.get_path, check.split_dots = get_path, split_dots
check.redacted = redacted
check.spec_of_body = spec_of_body
check.warn_deferred = warn_deferred
check.check_body = check_body
check.check_patched = check_patched
check.secrets_present = secrets_present
check.held_secrets = held_secrets
check.remember_secrets = remember_secrets
check.check_draft_support = check_draft_support

return check
