--- Validation of entity bodies against the catalogue: the spec exists and
-- is of the right kind, `auth.specName` exists, params are valid against
-- the spec's schema, the flow spec accepts the connections' specs,
-- transformations, `scheduleParams` and options are valid, references
-- exist. The same check serves creates, PATCH results and publish; for
-- drafts `required` is deferred (see flowlua.emulator.validation).
-- @module flowlua.emulator.checks

local catalogue = require("flowlua.emulator.catalogue")
local errors = require("flowlua.emulator.errors")
local validation = require("flowlua.emulator.validation")

local checks = {}

local STR = { type = "string" }
local OBJ = { type = "object" }
local SPEC_REF = { type = "object", required = { "id" },
  properties = { id = STR, version = STR } }
local IDS = { type = "array", minItems = 1, items = STR }

--- Body envelopes: the documented fields of each kind (reference §2.3).
checks.ENVELOPES = {
  connections = { type = "object", required = { "name", "auth" },
    properties = { name = STR, description = STR, connectionSpec = SPEC_REF,
      auth = { type = "object", required = { "specName", "params" },
        properties = { specName = STR, params = OBJ } } } },
  sourceConnections = { type = "object", required = { "name", "data" },
    properties = { name = STR, description = STR, baseConnectionId = STR,
      connectionSpec = SPEC_REF, params = OBJ,
      data = { type = "object", required = { "format" },
        properties = { format = { type = "string",
          enum = { "delimited", "json", "parquet", "tabular" } },
          columnDelimiter = STR, properties = OBJ } } } },
  targetConnections = { type = "object", required = { "name", "data" },
    properties = { name = STR, description = STR, baseConnectionId = STR,
      connectionSpec = SPEC_REF, params = OBJ,
      data = { type = "object",
        properties = { format = STR, schema = { type = "object",
          required = { "id", "version" },
          properties = { id = STR, version = STR } } } } } },
  flows = { type = "object",
    required = { "name", "sourceConnectionIds", "targetConnectionIds" },
    properties = { name = STR, description = STR, flowSpec = SPEC_REF,
      sourceConnectionIds = IDS, targetConnectionIds = IDS,
      transformations = { type = "array", items = { type = "object",
        required = { "name", "params" },
        properties = { name = STR, params = OBJ } } },
      scheduleParams = OBJ, options = OBJ } },
}

for _, env in pairs(checks.ENVELOPES) do validation.prepare(env) end

--- Fields the server owns: never taken from a body, never patchable.
checks.SERVER_FIELDS = {
  id = true, createdAt = true, updatedAt = true, createdBy = true,
  updatedBy = true, createdClient = true, updatedClient = true,
  sandboxId = true, sandboxName = true, imsOrgId = true, state = true,
  version = true, etag = true, inheritedAttributes = true, runs = true,
  lastOperation = true, lastRunDetails = true, providerRefId = true,
}

local function fail(code, fmt, ...)
  return errors.flow(code, fmt:format(...))
end

local function spec_of(ctx, e, field, coll)
  local ref = e[field]
  local id = type(ref) == "table" and ref.id
  if type(id) ~= "string" then
    return nil, fail("1413-400", "%s.id is required", field)
  end
  local spec = ctx.specs[coll].by_id[id]
  if spec == nil then
    return nil, fail("1413-400", "Invalid %s id '%s': no such spec", field, id)
  end
  return spec
end

local function unknown_fields(kind, e)
  local props = checks.ENVELOPES[kind].properties
  for k in pairs(e) do
    if props[k] == nil and not checks.SERVER_FIELDS[k] then
      return fail("1100-400", "Unknown field '%s' in the %s body", tostring(k),
        kind:gsub("s$", ""))
    end
  end
end

local function problems_response(problems, what)
  return errors.flow("1100-400", what .. validation.summary(problems),
    { sub_errors = problems })
end

-- Base connection: connection spec with an authSpec, auth params valid.
local function check_connection(ctx, e, draft, problems)
  local cs, err = spec_of(ctx, e, "connectionSpec", "connectionSpecs")
  if cs == nil then return err end
  if #(cs.authSpec or {}) == 0 then
    return fail("1413-400", "Connection spec %s (%s) takes no base connection",
      cs.id, cs.name)
  end
  local auth = e.auth
  if type(auth) == "table" and type(auth.specName) == "string" then
    local a = catalogue.auth_spec(cs, auth.specName)
    if a == nil then
      local names = {}
      for i, x in ipairs(cs.authSpec) do names[i] = "'" .. x.name .. "'" end
      return fail("1415-400", "authSpec '%s' not found for connection spec "
        .. "%s (%s); auth.specName must be one of %s", auth.specName, cs.id,
        cs.name, table.concat(names, ", "))
    end
    local params = auth.params == nil and {} or auth.params
    if type(params) == "table" then
      validation.append(problems,
        validation.check(a.spec, params, "auth.params", draft, true))
    end
  end
end

local function check_base_ref(ctx, e, cs, problems, draft)
  local id = e.baseConnectionId
  local needs = #(cs.authSpec or {}) > 0
  if id == nil then
    if needs and not draft then
      problems[#problems + 1] = { field = "baseConnectionId",
        keyword = "required", message = "baseConnectionId is required" }
    end
    return
  end
  if type(id) ~= "string" then return end
  local base = ctx.sb:get("connections", id)
  if base == nil then
    return fail("1439-400", "The requested connection resource %s is not "
      .. "found (baseConnectionId)", id)
  end
  if needs and base.connectionSpec.id ~= cs.id then
    return fail("1413-400", "baseConnectionId %s is a connection of spec %s, "
      .. "not of connectionSpec.id %s", id, base.connectionSpec.id, cs.id)
  end
end

-- Source and target connections differ only in the part of the
-- connection spec their params are checked against.
local function connection_check(part, what)
  return function(ctx, e, draft, problems)
    local cs, err = spec_of(ctx, e, "connectionSpec", "connectionSpecs")
    if cs == nil then return err end
    if type(cs[part]) ~= "table" then
      return fail("1413-400", "Connection spec %s (%s) is not a %s spec",
        cs.id, cs.name, what)
    end
    err = check_base_ref(ctx, e, cs, problems, draft)
    if err then return err end
    local params = e.params == nil and {} or e.params
    if type(params) == "table" then
      validation.append(problems,
        validation.check(cs[part].spec, params, "params", draft, true))
    end
  end
end

local check_source = connection_check("sourceSpec", "source")
local check_target = connection_check("targetSpec", "target")

local function contains(list, x)
  for _, y in ipairs(list or {}) do if y == x then return true end end
  return false
end

local function check_refs(ctx, fs, ids, coll, accepted)
  if type(ids) ~= "table" then return end
  local field = coll:gsub("s$", "") .. "Ids"
  for i, id in ipairs(ids) do
    if type(id) == "string" then
      local c = ctx.sb:get(coll, id)
      if c == nil then
        return fail("1439-400", "The requested %s resource %s is not found "
          .. "(%s[%d])", coll:gsub("s$", ""), id, field, i - 1)
      end
      if not contains(fs[accepted], c.connectionSpec.id) then
        return fail("1413-400", "Flow spec %s (%s) does not accept %s %s of "
          .. "connection spec %s (%s[%d])", fs.id, fs.name,
          coll:gsub("s$", ""), id, c.connectionSpec.id, field, i - 1)
      end
    end
  end
end

local function check_transformations(fs, list, draft, problems)
  if type(list) ~= "table" then return end
  for i, t in ipairs(list) do
    local where = ("transformations[%d]"):format(i - 1)
    if type(t) == "table" and type(t.name) == "string" then
      local ts = catalogue.transformation_spec(fs, t.name)
      if ts == nil then
        problems[#problems + 1] = { field = where .. ".name", keyword = "enum",
          message = ("%s.name: '%s' is not a transformation of flow spec %s")
            :format(where, t.name, fs.name) }
      elseif type(t.params) == "table" then
        validation.append(problems, validation.check(ts.spec, t.params,
          where .. ".params", draft, true))
      end
    end
  end
end

local function check_spec_part(part, value, field, draft, problems, fs)
  if value == nil then return end
  if type(part) ~= "table" or type(part.spec) ~= "table" then
    problems[#problems + 1] = { field = field, keyword = "additionalProperties",
      message = ("%s: flow spec %s takes no %s"):format(field, fs.name, field) }
    return
  end
  if type(value) == "table" then
    validation.append(problems,
      validation.check(part.spec, value, field, draft, true))
  end
end

local function check_flow(ctx, e, draft, problems)
  local fs, err = spec_of(ctx, e, "flowSpec", "flowSpecs")
  if fs == nil then return err end
  err = check_refs(ctx, fs, e.sourceConnectionIds, "sourceConnections",
    "sourceConnectionSpecIds")
    or check_refs(ctx, fs, e.targetConnectionIds, "targetConnections",
      "targetConnectionSpecIds")
  if err then return err end
  check_transformations(fs, e.transformations, draft, problems)
  check_spec_part(fs.scheduleSpec, e.scheduleParams, "scheduleParams", draft,
    problems, fs)
  check_spec_part(fs.optionSpec, e.options, "options", draft, problems, fs)
end

local BY_KIND = { connections = check_connection,
  sourceConnections = check_source, targetConnections = check_target,
  flows = check_flow }

--- Validates an entity body (or a stored entity).
-- @tparam table ctx `{specs=, sb=}`
-- @tparam string kind
-- @tparam table e the body
-- @tparam boolean draft defer `required`
-- @tparam[opt] string what prefix of the message, e.g. "Cannot publish: "
-- @treturn table|nil an error response, or nil when valid
function checks.validate(ctx, kind, e, draft, what)
  local err = unknown_fields(kind, e)
  if err then return err end
  local problems = validation.check(checks.ENVELOPES[kind], e, nil, draft)
  err = BY_KIND[kind](ctx, e, draft, problems)
  if err then return err end
  if #problems > 0 then return problems_response(problems, what or "") end
end

return checks
