--- Checks values against JSON schemas (the catalogue's specs and the
-- emulator's own body envelopes) and turns failures into field messages.
--
-- Drafts: a draft may be incomplete, so it is checked against a variant
-- of the schema with every `required` keyword removed — except inside
-- `not`, where `required` forbids a field rather than demanding it. The
-- full schema is used for non-draft creates and at publish, where each
-- missing field is named.
-- @module flowlua.emulator.validation

local util = require("flowlua.emulator.util")

local validation = {}

local schema = require("flowlua.schema")

local function compile_engine(s)
  return assert(schema.compile(s, { all_errors = true }))
end

-- Removes `required` everywhere outside `not`, keeping metatables.
local function strip_required(s, inside_not)
  if type(s) ~= "table" then return s end
  local out = {}
  for k, v in pairs(s) do
    if not (k == "required" and not inside_not) then
      out[k] = strip_required(v, inside_not or k == "not")
    end
  end
  return setmetatable(out, getmetatable(s))
end

local cache = setmetatable({}, { __mode = "k" })

local function validators(s)
  local v = cache[s]
  if v == nil then
    v = { full = compile_engine(s), draft = compile_engine(strip_required(s)) }
    cache[s] = v
  end
  return v
end

--- Compiles a schema now (so a broken spec fails at start, not later).
-- @tparam table s the schema
function validation.prepare(s)
  validators(s)
end

local function resolve(root, ptr)
  local node = root
  for _, tok in ipairs(util.pointer(ptr) or {}) do
    if type(node) ~= "table" then return nil end
    local n = node[tok]
    if n == nil and tok:match("^%d+$") then n = node[tonumber(tok) + 1] end
    node = n
  end
  return node
end

-- The names a `required` error is about: the listed properties absent
-- from the instance object.
local function missing_names(s, value, e)
  local spath = (e.schema_path or ""):gsub("^#", "")
  local list = resolve(s, spath)
  local obj = resolve(value, e.path or "")
  local names = {}
  if type(list) == "table" and type(obj) == "table" then
    for _, name in ipairs(list) do
      if obj[name] == nil then names[#names + 1] = name end
    end
  end
  return names
end

local function is_secret(s, tokens)
  local props = type(s) == "table" and s.properties
  local p = tokens[1] and type(props) == "table" and props[tokens[1]]
  return type(p) == "table" and p.format == "password"
end

local function describe(s, value, e, prefix, out, seen)
  local tokens = util.pointer(e.path or "") or {}
  if e.keyword == "required" then
    -- One error per keyword or one per property, depending on the
    -- validator: name each missing property once either way.
    local key = (e.path or "") .. "\0" .. (e.schema_path or "")
    if seen[key] then return end
    seen[key] = true
    local names = missing_names(s, value, e)
    for _, name in ipairs(names) do
      local t = table.move(tokens, 1, #tokens, 1, {})
      t[#t + 1] = name
      local field = util.field_name(t, prefix)
      out[#out + 1] = { field = field, keyword = "required",
        message = field .. " is required" }
    end
    if #names > 0 then return end
  end
  local field = util.field_name(tokens, prefix)
  -- A secret's value must never reach an error message.
  local msg = is_secret(s, tokens) and ("is invalid (" .. e.keyword .. ")")
    or e.message
  out[#out + 1] = { field = field, keyword = e.keyword,
    message = field .. ": " .. msg }
end

-- Adobe's tutorials send scalars as strings where the published specs
-- type them (`"interval": "15"`, `"recursive": "true"`) and numbers where
-- they say string (`"mappingVersion": 0`), and a real flow reads back
-- that way: the service accepts both. A catalogue part is checked as the
-- value it stands for; what is stored is what was sent.
local function scalar_as(kind, v)
  if type(v) == "string" then
    if kind == "integer" then return math.tointeger(tonumber(v)) end
    if kind == "number" then return tonumber(v) end
    if kind == "boolean" then
      if v == "true" then return true elseif v == "false" then return false end
    end
  elseif math.type(v) and kind == "string" then
    return math.type(v) == "integer" and ("%d"):format(v) or nil
  end
end

local function as_typed(s, v)
  if type(s) ~= "table" then return v end
  if type(s.type) == "string" then
    local x = scalar_as(s.type, v)
    if x ~= nil then return x end
  end
  if type(v) ~= "table" then return v end
  local props = type(s.properties) == "table" and s.properties
  local items = type(s.items) == "table" and s.items
  if not (props or items) then return v end
  local out = setmetatable({}, getmetatable(v))
  for k, x in pairs(v) do
    local sub = (props and props[k]) or (math.type(k) and items) or nil
    out[k] = sub and as_typed(sub, x) or x
  end
  return out
end

--- Validates a value.
-- @tparam table s the schema
-- @param value the instance
-- @tparam string prefix field name of the instance, e.g. "auth.params"
-- @tparam boolean draft defer `required` (draft mode)
-- @tparam[opt] boolean lenient take a string for the number or boolean
--   it spells, and an integer for its digits where a string is due (the
--   catalogue's parts, as the service does; not the envelopes)
-- @treturn table list of `{field=, keyword=, message=}` (empty if valid)
function validation.check(s, value, prefix, draft, lenient)
  local v = validators(s)
  if lenient then value = as_typed(s, value) end
  local ok, errs = (draft and v.draft or v.full):validate(value)
  local out = {}
  if ok then return out end
  local seen = {}
  for _, e in ipairs(errs) do describe(s, value, e, prefix, out, seen) end
  return out
end

--- Appends the items of `b` to `a`.
-- @tparam table a
-- @tparam table b
-- @treturn table a
function validation.append(a, b)
  table.move(b, 1, #b, #a + 1, a)
  return a
end

--- One line naming every problem.
-- @tparam table problems from `check`
-- @treturn string
function validation.summary(problems)
  local parts = {}
  for i, p in ipairs(problems) do parts[i] = p.message end
  return table.concat(parts, "; ")
end

return validation
