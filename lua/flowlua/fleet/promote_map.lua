--- The ids a promoted tree cannot keep: datasets, schemas, mapping sets
-- and encryption keys live in one sandbox, so the copy of a tree in
-- another sandbox must name that sandbox's own. The mapping file says
-- which id stands for which, by category, for one pair of sandboxes:
--
--     {"from": "dev", "to": "prod",
--      "datasets": {"5f3c3cedb2805c194ff0b69a": "64b7..."},
--      "mappings": {"bf5286a9c1ad4266baca76ba3adc9366":
--                   {"id": "0f2e...", "version": 0}},
--      "schemas":  {"https://ns.adobe.com/acme/schemas/1": "https://..."},
--      "keys":     {}}
--
-- An id with no counterpart yet is added to the file with an empty
-- value, for the user to fill in.
-- @module flowlua.fleet.promote_map

local json = require("flowlua.json")
local files = require("flowlua.files")
local sys = require("flowlua.core").sys
local split_dots = require("flowlua.entity.check").split_dots

local promote_map = {}

--- The file used when `--map` is not given.
promote_map.DEFAULT = "promote-map.json"

--- Where sandbox-specific ids live in a create body, by kind: a dotted
-- path, below each item of `each` when given (a list).
promote_map.PLACES = {
  { kinds = { source = true, target = true }, path = "params.dataSetId",
    category = "datasets" },
  { kinds = { source = true, target = true }, path = "data.schema.id",
    category = "schemas" },
  { kinds = { flow = true }, each = "transformations",
    path = "params.mappingId", category = "mappings",
    version = "mappingVersion" },
  { kinds = { flow = true }, each = "transformations",
    path = "params.publicKeyId", category = "keys" },
}

local CATEGORIES = { datasets = true, schemas = true, mappings = true,
  keys = true }

-- The table holding the last part of `path` below `t`, and that part.
local function holder(t, path)
  local parts = split_dots(path)
  for i = 1, #parts - 1 do
    t = type(t) == "table" and t[parts[i]] or nil
  end
  return type(t) == "table" and t or nil, parts[#parts]
end

local function place(out, rule, t, where)
  local parent, key = holder(t, rule.path)
  local id = parent and parent[key]
  if type(id) ~= "string" or id == "" then return end
  out[#out + 1] = { category = rule.category, id = id, where = where,
    set = function(value)
      if type(value) == "table" then
        parent[key] = value.id
        if rule.version and value.version ~= nil then
          parent[rule.version] = value.version
        end
      else
        parent[key] = value
      end
    end }
end

--- The sandbox-specific ids of a body (or of an entity as read).
-- @tparam string kind "connection", "source", "target" or "flow"
-- @tparam table t the body
-- @treturn table list of `{category, id, where = "params.dataSetId",
--   set = function(value)}`; `set` writes the mapped value into `t`
function promote_map.places(kind, t)
  local out = {}
  for _, rule in ipairs(promote_map.PLACES) do
    if rule.kinds[kind] then
      if rule.each then
        local list = t[rule.each]
        for i, item in ipairs(type(list) == "table" and list or {}) do
          place(out, rule, item, ("%s[%d].%s"):format(rule.each, i - 1,
            rule.path))
        end
      else
        place(out, rule, t, rule.path)
      end
    end
  end
  return out
end

local function bad(path, why)
  error(("%s: %s"):format(path, why), 0)
end

local function check_value(path, category, id, v)
  if type(v) == "string" then return end
  if category == "mappings" and type(v) == "table" and type(v.id) == "string"
      and (v.version == nil or type(v.version) == "number"
        or type(v.version) == "string") then
    return
  end
  bad(path, ("%s[%q] must be a string%s"):format(category, id,
    category == "mappings" and ' or {"id": ..., "version": ...}' or ""))
end

local function check_category(path, category, ids)
  if not CATEGORIES[category] then
    bad(path, ("unknown category %q (known: datasets, schemas, mappings, "
      .. "keys)"):format(tostring(category)))
  end
  if type(ids) ~= "table" then
    bad(path, ("%s must be an object of ids"):format(category))
  end
  for id, v in pairs(ids) do check_value(path, category, id, v) end
end

-- The sandboxes a file maps between (`from`, `to`: written with the
-- file) must be the command's: one sandbox's ids mean nothing in another.
local function check_sandboxes(path, doc, from, to)
  for key, want in pairs{ from = from, to = to } do
    local v = doc[key]
    if v ~= nil and v ~= want then
      bad(path, ("maps ids from sandbox %s to sandbox %s, not from %s to "
        .. "%s: give another file with --map"):format(tostring(doc.from),
        tostring(doc.to), from, to))
    end
  end
end

--- Reads a mapping file; an absent file is an empty mapping.
-- @tparam string path
-- @tparam string from the source sandbox
-- @tparam string to the target sandbox
-- @treturn table `{from =, to =, category = {source id = value}}`
function promote_map.load(path, from, to)
  local text, err, code = files.read(path)
  if text == nil then
    if code == 2 then return { from = from, to = to } end
    error(err, 0)
  end
  local doc = json.decode(text)
  if type(doc) ~= "table" or getmetatable(doc) == json.array then
    bad(path, "not a JSON object of categories (datasets, schemas, "
      .. "mappings, keys)")
  end
  check_sandboxes(path, doc, from, to)
  doc.from, doc.to = from, to
  for category, ids in pairs(doc) do
    if category ~= "from" and category ~= "to" then
      check_category(path, category, ids)
    end
  end
  return doc
end

--- The value the mapping gives an id, or nil when it has none (absent,
-- or left empty).
-- @tparam table map `load`'s result
-- @tparam string category
-- @tparam string id
-- @return the value (a string, or a mapping's `{id, version}`)
function promote_map.lookup(map, category, id)
  local v = map[category] and map[category][id]
  if v == "" or (type(v) == "table" and v.id == "") then return nil end
  return v
end

--- The ids of these places the mapping lacks, each once with every use.
-- @tparam table map `load`'s result
-- @tparam table uses list of `{place, entity}` (`places`' items and the
--   entity they are in)
-- @treturn table list of `{category, id, uses = {{entity, where}}}`
function promote_map.missing(map, uses)
  local out, seen = {}, {}
  for _, u in ipairs(uses) do
    local p = u.place
    if promote_map.lookup(map, p.category, p.id) == nil then
      local key = p.category .. "\0" .. p.id
      local m = seen[key]
      if m == nil then
        m = { category = p.category, id = p.id, uses = {} }
        seen[key] = m
        out[#out + 1] = m
      end
      m.uses[#m.uses + 1] = { entity = u.entity, where = p.where }
    end
  end
  return out
end

--- Writes the mapping with the missing ids added, empty (the rest as
-- it was), atomically.
-- @tparam string path
-- @tparam table map `load`'s result
-- @tparam table missing `missing`'s result
function promote_map.write(path, map, missing)
  for _, m in ipairs(missing) do
    map[m.category] = map[m.category] or {}
    if map[m.category][m.id] == nil then map[m.category][m.id] = "" end
  end
  for category in pairs(CATEGORIES) do   -- each shown, for the user
    if map[category] == nil or next(map[category]) == nil then
      map[category] = json.object()
    end
  end
  local ok, err = sys.write_file(path, json.encode(map,
    { sort_keys = true, indent = 2 }) .. "\n", 420)   -- 0644
  if not ok then error(err, 0) end
end

return promote_map
