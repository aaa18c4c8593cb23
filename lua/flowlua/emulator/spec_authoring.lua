--- `POST /connectionSpecs`, `/flowSpecs` and `PUT` of one (self-serve
-- source authoring). Specs are organisation-agnostic, so an authored spec
-- is seen from every sandbox; it lives as long as the emulator process
-- (the state file holds entities, not specs). The built-in specs are
-- Adobe's: updating one is refused with the catalogue's 1100-400 "Not
-- entitled to this operation".
-- @module flowlua.emulator.spec_authoring

local errors = require("flowlua.emulator.errors")
local json = require("flowlua.json")
local util = require("flowlua.emulator.util")
local validation = require("flowlua.emulator.validation")
local views = require("flowlua.emulator.views")

local spec_authoring = {}

local READ_ONLY = { id = true, createdAt = true, updatedAt = true,
  createdBy = true, updatedBy = true, createdClient = true,
  updatedClient = true }

-- Compiles the JSON Schemas a spec carries, as app.new does for the
-- catalogue, so entities can be created against it.
local function prepare(spec)
  local parts = {}
  for _, a in ipairs(type(spec.authSpec) == "table" and spec.authSpec or {}) do
    parts[#parts + 1] = a
  end
  for _, t in ipairs(type(spec.transformationSpecs) == "table"
      and spec.transformationSpecs or {}) do
    parts[#parts + 1] = t
  end
  for _, k in ipairs({ "sourceSpec", "targetSpec", "scheduleSpec",
      "optionSpec" }) do
    if type(spec[k]) == "table" then parts[#parts + 1] = spec[k] end
  end
  for _, p in ipairs(parts) do
    if type(p) == "table" and type(p.spec) == "table" then
      local ok, err = pcall(validation.prepare, p.spec)
      if not ok then return tostring(err) end
    end
  end
end

local function check(kind, body)
  if type(body) ~= "table" or getmetatable(body) == json.array then
    return errors.flow("1100-400", "The request body must be a JSON object")
  end
  for _, k in ipairs({ "name", "providerId" }) do   -- the OAS's required
    if type(body[k]) ~= "string" or body[k] == "" then
      return errors.flow("1100-400", k .. " is required")
    end
  end
  if kind == "flowSpecs" then
    for _, k in ipairs({ "sourceConnectionSpecIds", "targetConnectionSpecIds" }) do
      if body[k] ~= nil and type(body[k]) ~= "table" then
        return errors.flow("1100-400", k .. " must be an array of ids")
      end
    end
  end
  local why = prepare(body)
  if why then
    return errors.flow("1100-400", "A schema of the spec is not valid: " .. why)
  end
end

local function stamp(ctx, spec, created)
  if created then
    spec.createdAt = ctx.now
    spec.createdClient = ctx.who.client_id
  end
  spec.updatedAt = ctx.now
  spec.updatedClient = ctx.who.client_id
end

local function put(ctx, kind, spec)
  local coll = ctx.specs[kind]
  local old = coll.by_id[spec.id]
  coll.by_id[spec.id] = spec
  for i, s in ipairs(coll.list) do
    if s == old then coll.list[i] = spec return end
  end
  coll.list[#coll.list + 1] = spec
end

--- POST /connectionSpecs or /flowSpecs: 201 with the new spec.
-- @tparam table ctx
-- @tparam string kind
-- @param body
-- @treturn table response
function spec_authoring.create(ctx, kind, body)
  local err = check(kind, body)
  if err then return err end
  for k in pairs(READ_ONLY) do body[k] = nil end
  body.id = util.uuid()
  ctx.specs.authored = ctx.specs.authored or {}
  ctx.specs.authored[body.id] = true
  stamp(ctx, body, true)
  put(ctx, kind, body)
  local res = errors.json(201, views.text(ctx.specs, body))
  res.headers["Location"] = ctx.base .. "/" .. kind .. "/" .. body.id
  return res
end

--- PUT /connectionSpecs/{id} or /flowSpecs/{id}: 200 with the spec.
-- @tparam table ctx
-- @tparam string kind
-- @tparam string id
-- @param body
-- @treturn table response
function spec_authoring.update(ctx, kind, id, body)
  local old = ctx.specs[kind].by_id[id]
  if old == nil then
    return errors.not_found(kind, id)
  end
  if not (ctx.specs.authored or {})[id] then
    return errors.flow("1100-400", ("The request could not be processed. "
      .. "Error from flow provider: Not entitled to this operation (%s is "
      .. "one of Adobe's specs)"):format(id))
  end
  local err = check(kind, body)
  if err then return err end
  local new = util.copy(body)
  for k in pairs(READ_ONLY) do new[k] = old[k] end
  stamp(ctx, new, false)
  put(ctx, kind, new)
  return errors.json(200, views.text(ctx.specs, new))
end

return spec_authoring
