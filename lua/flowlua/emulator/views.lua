--- What clients see of an entity: the stored entity minus its secrets
-- (auth params whose spec says `"format": "password"`), encoded once per
-- entity version. Entities are immutable, so the cache is keyed by the
-- entity table itself and never goes stale.
-- @module flowlua.emulator.views

local catalogue = require("flowlua.emulator.catalogue")
local json = require("flowlua.json")
local util = require("flowlua.emulator.util")

local views = {}

local cache = setmetatable({}, { __mode = "k" })

local function secret_names(specs, e)
  local cs = e.connectionSpec and specs.connectionSpecs.by_id[
    e.connectionSpec.id]
  local auth = type(e.auth) == "table" and e.auth
  local a = cs and auth and catalogue.auth_spec(cs, auth.specName)
  local props = a and type(a.spec) == "table" and a.spec.properties
  local names = {}
  for name, p in pairs(type(props) == "table" and props or {}) do
    if type(p) == "table" and p.format == "password" then
      names[#names + 1] = name
    end
  end
  return names
end

-- The entity without secrets (a shallow copy where something differs).
local function strip(specs, e)
  if type(e.auth) ~= "table" or type(e.auth.params) ~= "table" then
    return e
  end
  local names = secret_names(specs, e)
  if #names == 0 then return e end
  local v = util.copy(e)
  for _, name in ipairs(names) do v.auth.params[name] = nil end
  return v
end

--- Stands for a secret in what the emulator keeps (memory, state file).
views.SEALED = "(sealed secret)"

--- What the emulator keeps of an entity: its secrets replaced by
-- `views.SEALED`, so no state file holds a credential, while checks (a
-- publish needs the password set) still see that the field is there.
-- @tparam table specs the loaded catalogue
-- @tparam table e the entity
-- @treturn table e, or a copy with its secrets sealed
function views.seal(specs, e)
  if type(e.auth) ~= "table" or type(e.auth.params) ~= "table" then
    return e
  end
  local v = e
  for _, name in ipairs(secret_names(specs, e)) do
    if e.auth.params[name] ~= nil then
      if v == e then v = util.copy(e) end
      v.auth.params[name] = views.SEALED
    end
  end
  return v
end

local function entry(specs, e)
  local c = cache[e]
  if c == nil then
    local v = strip(specs, e)
    c = { value = v, text = json.encode(v) }
    cache[e] = c
  end
  return c
end

--- The client's view of an entity (a table; do not modify).
-- @tparam table specs the loaded catalogue
-- @tparam table e the entity
-- @treturn table
function views.value(specs, e)
  return entry(specs, e).value
end

--- The client's view of an entity, encoded.
-- @tparam table specs the loaded catalogue
-- @tparam table e the entity
-- @treturn string JSON text
function views.text(specs, e)
  return entry(specs, e).text
end

--- A `{"items":[...]}` body from encoded items.
-- @tparam table texts list of JSON texts
-- @tparam[opt] string next_href `_links.next.href` (a list page: "" on
--   the last page); nil for a GET by id, which has no `_links`
-- @treturn string
function views.items(texts, next_href)
  local body = '{"items":[' .. table.concat(texts, ",") .. "]"
  if next_href then
    body = body .. ',"_links":{"next":{"href":' .. json.encode(next_href)
      .. "}}"
  end
  return body .. "}"
end

return views
