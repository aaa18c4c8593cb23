--- Create, read, update (JSON Patch), delete and actions (publish,
-- enable, disable) of connections, source and target connections and
-- flows. Each operation validates everything first and changes the
-- store last, returning an undo function with the response so the caller
-- can roll back when the state file cannot be written: no request leaves
-- a half-applied change.
-- @module flowlua.emulator.entities

local catalogue = require("flowlua.emulator.catalogue")
local checks = require("flowlua.emulator.checks")
local errors = require("flowlua.emulator.errors")
local json = require("flowlua.json")
local patch = require("flowlua.emulator.patch")
local util = require("flowlua.emulator.util")
local views = require("flowlua.emulator.views")

local entities = {}

local SINGULAR = { connections = "base connection",
  sourceConnections = "source connection",
  targetConnections = "target connection", flows = "flow", runs = "run" }

local not_found = errors.not_found

local function id_etag(e)
  return errors.json(200, { id = e.id, etag = e.etag })
end

local function stamp(ctx, e)
  local etag = util.etag()
  e.etag, e.version = etag, etag
  e.updatedAt = ctx.now
  e.updatedBy = ctx.who.client_id .. "@AdobeID"
  e.updatedClient = ctx.who.client_id
end

-- Derived flow fields: what the flow's connections are (OAS FlowItemDTO).
local function inherited(ctx, e)
  local function describe(coll, ids)
    local out = json.array()
    for _, id in ipairs(type(ids) == "table" and ids or {}) do
      local c = ctx.sb:get(coll, id)
      if c then
        local item = { id = c.id, connectionSpec = c.connectionSpec }
        local base = c.baseConnectionId
          and ctx.sb:get("connections", c.baseConnectionId)
        if base then
          item.baseConnection = { id = base.id,
            connectionSpec = base.connectionSpec }
        end
        out[#out + 1] = item
      end
    end
    return out
  end
  local fs = ctx.specs.flowSpecs.by_id[e.flowSpec.id]
  return { sourceConnections = describe("sourceConnections",
      e.sourceConnectionIds),
    targetConnections = describe("targetConnections", e.targetConnectionIds),
    properties = { isSourceFlow = fs.attributes.isSourceFlow == true } }
end

local function spec_of(ctx, kind, e)
  if kind == "flows" then return ctx.specs.flowSpecs.by_id[e.flowSpec.id] end
  return ctx.specs.connectionSpecs.by_id[e.connectionSpec.id]
end

local function draft_refs(ctx, kind, e)
  local out = {}
  local function add(coll, id)
    local c = id and ctx.sb:get(coll, id)
    if c and c.state == "draft" then
      out[#out + 1] = ("%s %s"):format(SINGULAR[coll], id)
    end
  end
  if kind == "flows" then
    for _, id in ipairs(e.sourceConnectionIds or {}) do
      add("sourceConnections", id)
    end
    for _, id in ipairs(e.targetConnectionIds or {}) do
      add("targetConnections", id)
    end
  elseif kind ~= "connections" then
    add("connections", e.baseConnectionId)
  end
  return out
end

local function ordering_error(ctx, kind, e, op)
  local drafts = draft_refs(ctx, kind, e)
  if #drafts == 0 then return nil end
  return errors.flow("1409-400", ("The operation %s cannot be applied on "
    .. "%s %s while its %s %s still in draft state; publish %s first")
    :format(op, SINGULAR[kind], e.id or "(new)", table.concat(drafts, ", "),
      #drafts == 1 and "is" or "are", #drafts == 1 and "it" or "them"))
end

local function draft_allowed(ctx, kind, body)
  local spec = spec_of(ctx, kind, body)
  if not catalogue.draft_supported(spec) then
    return errors.flow("1100-400", ("Draft mode is not supported by %s %s "
      .. "(%s): attributes.isDraftModeSupported is not true")
      :format(kind == "flows" and "flow spec" or "connection spec", spec.id,
        spec.name))
  end
end

local function new_entity(ctx, kind, body, draft)
  local e = body   -- freshly decoded: the request owns no other reference
  e.id = util.uuid()
  e.createdAt = ctx.now
  e.createdBy = ctx.who.client_id .. "@AdobeID"
  e.createdClient = ctx.who.client_id
  e.sandboxId, e.sandboxName = ctx.sb.id, ctx.sb.name
  e.imsOrgId = ctx.who.org
  e.state = draft and "draft" or "enabled"
  if kind == "flows" then
    e.inheritedAttributes = inherited(ctx, e)
    e.runs = "/runs?property=flowId==" .. e.id
  end
  stamp(ctx, e)
  return e
end

--- POST /{kind}[?mode=draft].
-- @tparam table ctx `{specs=, sb=, who=, now=}`
-- @tparam string kind
-- @param body the decoded body
-- @tparam boolean draft `?mode=draft`
-- @treturn table response
-- @treturn function|nil undo when the store changed
function entities.create(ctx, kind, body, draft)
  if type(body) ~= "table" or getmetatable(body) == json.array then
    return errors.flow("1100-400", "The request body must be a JSON object")
  end
  if kind == "flows" and body.state ~= nil then
    return errors.flow("1410-400",
      "`State` is not allowed in the create flow request")
  end
  for k in pairs(body) do
    if checks.SERVER_FIELDS[k] then
      return errors.flow("1100-400", ("Field '%s' is set by the service and "
        .. "cannot be given in a create request"):format(k))
    end
  end
  local err = checks.validate(ctx, kind, body, draft)
    or (draft and draft_allowed(ctx, kind, body))
    or (not draft and ordering_error(ctx, kind, body, "create"))
  if err then return err end
  local e = views.seal(ctx.specs, new_entity(ctx, kind, body, draft))
  local undo = ctx.sb:put(kind, e)
  local res = id_etag(e)
  res.status = 201
  res.headers["Location"] = ctx.base .. "/" .. kind .. "/" .. e.id
  return res, undo
end

--- GET /{kind}/{id}: `{"items":[entity]}`.
-- @tparam table ctx
-- @tparam string kind
-- @tparam string id
-- @treturn table response
function entities.get(ctx, kind, id)
  local e = ctx.sb:get(kind, id)
  if e == nil then return not_found(kind, id) end
  return errors.json(200, views.items({ views.text(ctx.specs, e) }))
end

-- The catalogue's text in `report`, the troubleshooting guide's
-- documented body in `errorMessage`.
-- If-Match takes the etag as the service gave it: a quoted strong etag
-- (RFC 9110 strong comparison; a weak `W/` or unquoted value never
-- matches).
local function version_error(e, supplied)
  if supplied:match("^%s*(.-)%s*$") == e.etag then return nil end
  return errors.flow("1404-412", ("The supplied version %s does not match "
    .. "the current version on entity %s"):format(supplied, e.etag),
    { error_message = ("Supplied version=[%s] does not match the current "
      .. "version on entity=[%s]"):format(supplied, e.etag) })
end

local READ_ONLY_MSG = "The field '%s' cannot be updated"

local function check_paths(kind, ops)
  for _, o in ipairs(ops) do
    local top = o.tokens[1]
    if top == "connectionSpec" and kind ~= "flows" then
      return errors.flow("1414-400",
        "The connection spec of a connection cannot be updated")
    end
    if checks.SERVER_FIELDS[top] or top == "flowSpec" then
      return errors.flow("1100-400", READ_ONLY_MSG:format(top))
    end
  end
end

-- The documented flow rule: a startTime that has passed is final.
local function start_time_error(ctx, kind, old, new)
  if kind ~= "flows" or old.state == "draft" then return nil end
  local a = type(old.scheduleParams) == "table" and old.scheduleParams.startTime
  local b = type(new.scheduleParams) == "table" and new.scheduleParams.startTime
  -- "1612310466" and 1612310466 are the same time (issue 14)
  a, b = tonumber(a), tonumber(b)
  if a ~= b and a and a * 1000 <= ctx.now then
    return errors.flow("1100-400", "scheduleParams.startTime cannot be "
      .. "updated: the scheduled start time has already occurred")
  end
end

--- PATCH /{kind}/{id}: JSON Patch with If-Match.
-- @tparam table ctx
-- @tparam string kind
-- @tparam string id
-- @param body the decoded body
-- @tparam string|nil if_match the If-Match header
-- @treturn table response
-- @treturn function|nil undo
function entities.patch(ctx, kind, id, body, if_match)
  local e = ctx.sb:get(kind, id)
  if e == nil then return not_found(kind, id) end
  if if_match == nil or if_match == "" then
    return errors.flow("1403-400", "Header If-Match is missing")
  end
  local err = version_error(e, if_match)
  if err then return err end
  local ops, why = patch.operations(body)
  if ops == nil then return errors.flow("1100-400", "Invalid PATCH: " .. why) end
  err = check_paths(kind, ops)
  if err then return err end
  local new
  new, why = patch.apply(e, ops)
  if new == nil then return errors.flow("1100-400", "Invalid PATCH: " .. why) end
  err = checks.validate(ctx, kind, new, e.state == "draft")
    or start_time_error(ctx, kind, e, new)
  if err then return err end
  if kind == "flows" then new.inheritedAttributes = inherited(ctx, new) end
  stamp(ctx, new)
  new = views.seal(ctx.specs, new)
  return id_etag(new), ctx.sb:put(kind, new)
end

local function flows_using_base(ctx, id)
  local conns = {}
  for _, coll in ipairs({ "sourceConnections", "targetConnections" }) do
    for _, c in ipairs(ctx.sb:list(coll)) do
      if c.baseConnectionId == id then conns[c.id] = true end
    end
  end
  local out = {}
  for _, f in ipairs(ctx.sb:list("flows")) do
    local used = false
    for _, list in ipairs({ f.sourceConnectionIds, f.targetConnectionIds }) do
      for _, cid in ipairs(list or {}) do used = used or conns[cid] end
    end
    if used then out[#out + 1] = f.id end
  end
  return out
end

--- DELETE /{kind}/{id}: 204.
-- @tparam table ctx
-- @tparam string kind
-- @tparam string id
-- @tparam string|nil if_match optional If-Match
-- @treturn table response
-- @treturn function|nil undo
function entities.delete(ctx, kind, id, if_match)
  local e = ctx.sb:get(kind, id)
  if e == nil then return not_found(kind, id) end
  if if_match and if_match ~= "" then
    local err = version_error(e, if_match)
    if err then return err end
  end
  if kind == "connections" then
    local flows = flows_using_base(ctx, id)
    if #flows > 0 then
      return errors.flow("1418-400", ("The base connection %s cannot be "
        .. "deleted because the base connection is being used in one or "
        .. "more flows (%s). Please ensure that corresponding flows are "
        .. "deleted before deleting a base connection")
        :format(id, table.concat(flows, ", ")))
    end
  end
  return errors.empty(204), ctx.sb:remove(kind, id)
end

local function publish(ctx, kind, e)
  if e.state ~= "draft" then
    return errors.flow("1422-400", ("The action publish cannot be applied on "
      .. "the current state %s of %s %s"):format(e.state, SINGULAR[kind], e.id))
  end
  local err = checks.validate(ctx, kind, e, false,
    ("Cannot publish %s %s: "):format(SINGULAR[kind], e.id))
    or ordering_error(ctx, kind, e, "publish")
  if err then return err end
  local new = util.copy(e)
  new.state = "enabled"
  stamp(ctx, new)
  return id_etag(new), ctx.sb:put(kind, new)
end

local function transition(ctx, kind, e, target)
  if e.state == "draft" then
    return errors.flow("1422-400", ("The action %s cannot be applied on the "
      .. "current state draft of flow %s; publish it first")
      :format(target == "enabled" and "enable" or "disable", e.id))
  end
  if e.state == target then return id_etag(e) end
  local new = util.copy(e)
  new.state = target
  stamp(ctx, new)
  return id_etag(new), ctx.sb:put(kind, new)
end

local OPS = {
  connections = { "publish" }, sourceConnections = { "publish" },
  targetConnections = { "publish" }, flows = { "publish", "enable", "disable" },
}

--- POST /{kind}/{id}/action?op=OP (op in any letter case).
-- @tparam table ctx
-- @tparam string kind
-- @tparam string id
-- @tparam string|nil op
-- @tparam string|nil if_match optional If-Match
-- @treturn table response
-- @treturn function|nil undo
function entities.action(ctx, kind, id, op, if_match)
  local e = ctx.sb:get(kind, id)
  if e == nil then return not_found(kind, id) end
  local name = (op or ""):lower()
  local known = false
  for _, o in ipairs(OPS[kind]) do known = known or o == name end
  if not known then
    return errors.flow("1434-400", ("Unsupported op '%s' for %s; supported: "
      .. "%s"):format(op or "", kind, table.concat(OPS[kind], ", ")))
  end
  if if_match and if_match ~= "" then
    local err = version_error(e, if_match)
    if err then return err end
  end
  if name == "publish" then return publish(ctx, kind, e) end
  return transition(ctx, kind, e, name == "enable" and "enabled" or "disabled")
end

return entities
