--- Local validation of Flow Service bodies against the service's specs.
-- Pure functions of a body and the specs (no I/O), used by the client
-- before anything is sent:
--
-- * base connection: `auth.params` against the connection spec's
--   `authSpec` entry named by `auth.specName`;
-- * source connection: `params` against the connection spec's
--   `sourceSpec` (and a target connection's against `targetSpec`);
-- * flow: source and target connection specs allowed by the flow spec,
--   `scheduleParams` against `scheduleSpec`, each transformation's
--   `params` against the `transformationSpecs` entry of its name,
--   `options` against `optionSpec`.
--
-- Each function returns two lists of problems `{field=, rule=, fix=}`:
-- errors, and (for drafts) missing required fields deferred to publish.
-- A draft may be incomplete; everything present is checked at once.
-- Values of `"format": "password"` fields never appear in a problem.
-- @module flowlua.entity.validate

local errors = require("flowlua.errors")
local schema = require("flowlua.schema")

local validate = {}

-- Compiled validators, per spec schema table (specs are cached per
-- client, so this compiles each schema once).
local compiled = setmetatable({}, { __mode = "k" })

local function compile(spec)
  local v = compiled[spec]
  if v == nil then
    local err
    v, err = schema.compile(spec, { all_errors = true })
    if not v then
      errors.raise("usage", { message = "the service sent a spec schema "
        .. "flowlua cannot compile: " .. tostring(err) })
    end
    compiled[spec] = v
  end
  return v
end

-- "/a/0/b~1c" → { "a", "0", "b/c" }
local function pointer_parts(pointer)
  local parts = {}
  for p in (pointer or ""):gmatch("[^/]+") do
    parts[#parts + 1] = p:gsub("~1", "/"):gsub("~0", "~")
  end
  return parts
end

local function join_field(prefix, parts)
  local out = prefix
  for _, p in ipairs(parts) do
    out = (out == "" and "" or out .. ".") .. p
  end
  return out
end

-- The property schema at `parts` below an object schema (through
-- `properties` only: enough to find `format` of a leaf).
local function property_schema(sch, parts)
  for _, p in ipairs(parts) do
    if type(sch) ~= "table" or type(sch.properties) ~= "table" then
      return nil
    end
    sch = sch.properties[p]
  end
  return sch
end

local function is_secret_schema(sch)
  return type(sch) == "table" and sch.format == "password"
end

-- Secret paths per schema table and prefix: every create, update and
-- publish asks, and a spec's schemas do not change (specs are cached per
-- client). Weak keys: a schema nobody holds is forgotten.
local secrets_memo = setmetatable({}, { __mode = "k" })

--- Lists the dotted paths of `"format": "password"` properties of a
-- schema, below `prefix`. The list is shared: read it, do not change it.
-- @tparam table sch an object schema
-- @tparam string prefix e.g. `"auth.params"`
-- @treturn table list of paths
function validate.secret_fields(sch, prefix)
  local memo = type(sch) == "table" and secrets_memo[sch]
  if memo and memo[prefix] then return memo[prefix] end
  local out = {}
  local function walk(s, path)
    if type(s) ~= "table" then return end
    if is_secret_schema(s) then out[#out + 1] = path return end
    if type(s.properties) == "table" then
      for k, sub in pairs(s.properties) do
        walk(sub, path == "" and k or path .. "." .. k)
      end
    end
  end
  walk(sch, prefix)
  table.sort(out)
  if type(sch) == "table" then
    secrets_memo[sch] = memo or {}
    secrets_memo[sch][prefix] = out
  end
  return out
end

local FIXES = {
  type = "send the type the spec names",
  enum = "use one of the values the spec lists",
  const = "use the value the spec requires",
  minimum = "use a value within the bound",
  maximum = "use a value within the bound",
  exclusiveMinimum = "use a value within the bound",
  exclusiveMaximum = "use a value within the bound",
  multipleOf = "use a multiple of the stated number",
  minLength = "use a longer value",
  maxLength = "use a shorter value",
  pattern = "make the value match the pattern",
  format = "use a value of the stated format",
  additionalProperties = "remove the property or fix its spelling",
  ["not"] = "remove the field: the spec forbids it here",
  minItems = "add items",
  maxItems = "remove items",
  uniqueItems = "remove the duplicate items",
}

-- A present property whose name differs only in case from `missing`.
local function near_miss(object, missing)
  if type(object) ~= "table" then return nil end
  local want = missing:lower()
  for k in pairs(object) do
    if type(k) == "string" and k ~= missing and k:lower() == want then
      return k
    end
  end
end

local function value_at(value, parts)
  for _, p in ipairs(parts) do
    if type(value) ~= "table" then return nil end
    local v = value[p]
    if v == nil then v = value[tonumber(p) and tonumber(p) + 1] end
    value = v
  end
  return value
end

local function required_problem(e, ctx, parts)
  local name = e.message and e.message:match("'([^']+)'")
  if name and parts[#parts] ~= name then
    parts = { table.unpack(parts) }
    parts[#parts + 1] = name
  end
  local obj_parts = { table.unpack(parts, 1, #parts - 1) }
  local field = join_field(ctx.prefix, parts)
  local fix = ("add '%s'"):format(name or field)
  local near = name and near_miss(value_at(ctx.value, obj_parts), name)
  if near then
    fix = ("rename '%s' to '%s' (property names are case-sensitive)")
      :format(near, name)
  end
  return { field = field, rule = "required by " .. ctx.where,
    fix = fix, keyword = "required", missing = name }
end

local function schema_problem(e, ctx)
  local parts = pointer_parts(e.path)
  if e.keyword == "required" then return required_problem(e, ctx, parts) end
  local field = join_field(ctx.prefix, parts)
  local rule = e.message or e.keyword
  if is_secret_schema(property_schema(ctx.schema, parts)) then
    rule = e.keyword .. " (value hidden: secret field)"
  end
  return { field = field, rule = ("%s (%s in %s)"):format(rule,
    e.keyword, ctx.where), fix = FIXES[e.keyword] or "see the spec",
    keyword = e.keyword }
end

-- Validates `value` against a spec schema; problems go to `out.errors`,
-- or, for drafts, missing required fields go to `out.deferred`.
local function check(out, value, sch, prefix, where)
  if type(sch) ~= "table" then return end
  local ok, errs = compile(sch):validate(value)
  if ok then return end
  local ctx = { prefix = prefix, where = where, schema = sch,
    value = value }
  for _, e in ipairs(errs or {}) do
    local p = schema_problem(e, ctx)
    if p.keyword == "required" and out.draft then
      out.deferred[#out.deferred + 1] = p
    else
      out.errors[#out.errors + 1] = p
    end
  end
end

local function add(list, field, rule, fix)
  list[#list + 1] = { field = field, rule = rule, fix = fix }
end

-- The parts of a dotted field name ("data.schema.id"), split once: the
-- checks below name the same few fields for every body.
local field_parts = setmetatable({}, { __index = function(t, field)
  local parts = pointer_parts((field:gsub("%.", "/")))
  t[field] = parts
  return parts
end })

-- A top-level field the client or the service needs; drafts may defer
-- it unless `always`.
local function need(out, body, field, why, always)
  local v = value_at(body, field_parts[field])
  if v ~= nil then return true end
  local list = (out.draft and not always) and out.deferred or out.errors
  add(list, field, "required " .. why, ("add '%s'"):format(field))
  return false
end

local function new_out(opts)
  return { errors = {}, deferred = {}, draft = opts and opts.draft }
end

local function spec_label(spec, what)
  return ("%s '%s'"):format(what, tostring(spec.name or spec.id))
end

local function names_of(list)
  local names = {}
  for _, s in ipairs(list or {}) do names[#names + 1] = "'" .. s.name .. "'" end
  return table.concat(names, ", ")
end

local function find_named(list, name)
  for _, s in ipairs(list or {}) do
    if s.name == name then return s end
  end
end

local function spec_id_matches(out, body, spec, field)
  local id = value_at(body, field_parts[field])
  if id ~= nil and spec and spec.id and id ~= spec.id then
    add(out.errors, field, ("is '%s' but the spec given is '%s'")
      :format(tostring(id), spec.id), "pass the spec this body names")
  end
end

local NAME_WHY = "(flowlua finds an entity again by its name after a lost "
  .. "response)"

-- The checks of a body under way, after what every body needs: a name
-- and the id of the spec it is checked against (in `id_field`).
local function new_body_check(body, spec, id_field, opts)
  local out = new_out(opts)
  need(out, body, "name", NAME_WHY, true)
  need(out, body, id_field, "by the service", true)
  spec_id_matches(out, body, spec, id_field)
  return out
end

--- Checks a base connection body against its connection spec.
-- @tparam table body the create body (or the entity's current body)
-- @tparam table cs the connection spec
-- @tparam[opt] table opts `{draft = true}` defers missing required fields
-- @treturn table errors
-- @treturn table deferred
function validate.connection(body, cs, opts)
  local out = new_body_check(body, cs, "connectionSpec.id", opts)
  local auth = body.auth
  if type(cs.authSpec) == "table" and #cs.authSpec > 0 then
    if not need(out, body, "auth.specName",
        "to choose one of the spec's authSpec entries") then
      return out.errors, out.deferred
    end
    local entry = find_named(cs.authSpec, auth.specName)
    if entry == nil then
      add(out.errors, "auth.specName", ("'%s' is not an authSpec of %s")
        :format(tostring(auth.specName), spec_label(cs, "connection spec")),
        "use one of " .. names_of(cs.authSpec))
    else
      check(out, auth.params or {}, entry.spec, "auth.params",
        ("authSpec '%s' of %s"):format(entry.name,
          spec_label(cs, "connection spec")))
    end
  end
  return out.errors, out.deferred
end

local function check_params(out, body, spec_part, cs, label)
  if type(spec_part) == "table" and type(spec_part.spec) == "table" then
    check(out, body.params or {}, spec_part.spec, "params",
      ("%s of %s"):format(label, spec_label(cs, "connection spec")))
  end
end

--- Checks a source connection body against its connection spec.
-- @tparam table body the body
-- @tparam table cs the connection spec
-- @tparam[opt] table opts `{draft = true}`
-- @treturn table errors
-- @treturn table deferred
function validate.source(body, cs, opts)
  local out = new_body_check(body, cs, "connectionSpec.id", opts)
  need(out, body, "data", "by the service (e.g. data.format)")
  check_params(out, body, cs.sourceSpec, cs, "sourceSpec")
  return out.errors, out.deferred
end

--- Checks a target connection body against its connection spec.
-- @tparam table body the body
-- @tparam table cs the connection spec
-- @tparam[opt] table opts `{draft = true}`
-- @treturn table errors
-- @treturn table deferred
function validate.target(body, cs, opts)
  local out = new_body_check(body, cs, "connectionSpec.id", opts)
  if need(out, body, "data", "by the service (data.schema)") then
    need(out, body, "data.schema.id", "by the service (the XDM schema)")
    need(out, body, "data.schema.version", "by the service (e.g. "
      .. "\"application/vnd.adobe.xed-full+json;version=1\")")
  end
  check_params(out, body, cs.targetSpec, cs, "targetSpec")
  return out.errors, out.deferred
end

local function contains(list, value)
  for _, v in ipairs(list or {}) do
    if v == value then return true end
  end
  return false
end

-- Each connection id's spec must be listed by the flow spec.
local function check_spec_ids(out, body, fs, which, known)
  local field = which .. "ConnectionIds"
  local allowed = fs[which .. "ConnectionSpecIds"]
  if type(allowed) ~= "table" then return end
  for i, id in ipairs(body[field] or {}) do
    local spec_id = known and known[id]
    if spec_id and not contains(allowed, spec_id) then
      add(out.errors, ("%s[%d]"):format(field, i),
        ("its connection spec %s is not allowed by %s"):format(spec_id,
          spec_label(fs, "flow spec")),
        ("use a %s connection of one of the specs in the flow spec's "
          .. "%sConnectionSpecIds"):format(which, which))
    end
  end
end

local function check_transformations(out, body, fs)
  local specs = fs.transformationSpecs
  for i, t in ipairs(body.transformations or {}) do
    local field = ("transformations[%d]"):format(i)
    local entry = type(t) == "table" and find_named(specs, t.name)
    if not entry then
      add(out.errors, field .. ".name", ("'%s' is not a transformation of %s")
        :format(tostring(type(t) == "table" and t.name), spec_label(fs,
          "flow spec")), "use one of " .. names_of(specs))
    else
      check(out, t.params or {}, entry.spec, field .. ".params",
        ("transformationSpec '%s' of %s"):format(entry.name,
          spec_label(fs, "flow spec")))
    end
  end
end

--- Checks a flow body against its flow spec.
-- @tparam table body the body
-- @tparam table fs the flow spec
-- @tparam[opt] table opts `{draft = true, spec_of = {[conn id] = spec id}}`
--   (`spec_of` gives the connection spec of each source and target
--   connection the body names, where known)
-- @treturn table errors
-- @treturn table deferred
function validate.flow(body, fs, opts)
  local out = new_body_check(body, fs, "flowSpec.id", opts)
  if body.state ~= nil then
    add(out.errors, "state", "is not allowed in a create flow request "
      .. "(1410-400)", "remove 'state'; use enable()/disable()")
  end
  need(out, body, "sourceConnectionIds", "to connect a source")
  need(out, body, "targetConnectionIds", "to connect a target")
  local known = opts and opts.spec_of
  check_spec_ids(out, body, fs, "source", known)
  check_spec_ids(out, body, fs, "target", known)
  if body.scheduleParams ~= nil and type(fs.scheduleSpec) == "table" then
    check(out, body.scheduleParams, fs.scheduleSpec.spec, "scheduleParams",
      ("scheduleSpec of %s"):format(spec_label(fs, "flow spec")))
  end
  if body.transformations ~= nil then check_transformations(out, body, fs) end
  if body.options ~= nil and type(fs.optionSpec) == "table" then
    check(out, body.options, fs.optionSpec.spec, "options",
      ("optionSpec of %s"):format(spec_label(fs, "flow spec")))
  end
  return out.errors, out.deferred
end

--- The secret fields of a body of a kind, given its spec.
-- @tparam string kind "connection", "source", "target" or "flow"
-- @tparam table body the body
-- @tparam table spec the connection or flow spec
-- @treturn table list of dotted paths
function validate.body_secrets(kind, body, spec)
  if kind == "connection" and type(body.auth) == "table" then
    local entry = find_named(spec.authSpec, body.auth.specName)
    return entry and validate.secret_fields(entry.spec, "auth.params") or {}
  elseif kind == "source" and type(spec.sourceSpec) == "table" then
    return validate.secret_fields(spec.sourceSpec.spec, "params")
  elseif kind == "target" and type(spec.targetSpec) == "table" then
    return validate.secret_fields(spec.targetSpec.spec, "params")
  end
  return {}
end

return validate
