--- TEMPORARY STAND-IN for flowlua.schema (issue 4), used only while that
-- module has not landed. It covers the keywords the catalogue uses and
-- nothing else. Delete this file once flowlua.schema is available.
-- @module flowlua.emulator.minischema

local json = require "flowlua.json"

local mini = {}

local function is_array(v)
  return type(v) == "table" and (getmetatable(v) == json.array
    or (next(v) == nil) or v[1] ~= nil)
end

local function type_ok(t, v)
  if t == "object" then
    return type(v) == "table" and getmetatable(v) ~= json.array
      and (next(v) == nil or v[1] == nil)
  elseif t == "array" then return is_array(v)
  elseif t == "string" then return type(v) == "string"
  elseif t == "integer" then return math.type(v) == "integer"
    or (math.type(v) == "float" and v == math.floor(v))
  elseif t == "number" then return type(v) == "number"
  elseif t == "boolean" then return type(v) == "boolean"
  elseif t == "null" then return v == json.null
  end
  return true
end

local function equal(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, x in pairs(a) do if not equal(x, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local check

local function add(errs, path, spath, kw, msg)
  errs[#errs + 1] = { path = path, schema_path = spath, keyword = kw,
    message = msg }
end

local function check_object(s, v, path, sp, errs)
  for _, name in ipairs(s.required or {}) do
    if v[name] == nil then
      add(errs, path, sp .. "/required", "required",
        ("missing required property '%s'"):format(name))
    end
  end
  for name, sub in pairs(s.properties or {}) do
    if v[name] ~= nil then
      check(sub, v[name], path .. "/" .. name,
        sp .. "/properties/" .. name, errs)
    end
  end
  if s.additionalProperties == false then
    for name in pairs(v) do
      if not (s.properties or {})[name] then
        add(errs, path, sp .. "/additionalProperties",
          "additionalProperties", ("unexpected property '%s'"):format(name))
      end
    end
  end
end

local function check_scalar(s, v, path, sp, errs)
  if s.enum then
    local found = false
    for _, e in ipairs(s.enum) do found = found or equal(e, v) end
    if not found then add(errs, path, sp .. "/enum", "enum", "not allowed") end
  end
  if s.const ~= nil and not equal(s.const, v) then
    add(errs, path, sp .. "/const", "const", "not the constant")
  end
  if type(v) == "number" then
    if s.minimum and v < s.minimum then
      add(errs, path, sp .. "/minimum", "minimum",
        ("must be >= %s"):format(s.minimum))
    end
    if s.exclusiveMinimum and v <= s.exclusiveMinimum then
      add(errs, path, sp .. "/exclusiveMinimum", "exclusiveMinimum",
        ("must be > %s"):format(s.exclusiveMinimum))
    end
  end
  if type(v) == "string" and s.minLength and #v < s.minLength then
    add(errs, path, sp .. "/minLength", "minLength", "too short")
  end
end

local function check_combinators(s, v, path, sp, errs)
  for i, sub in ipairs(s.allOf or {}) do
    check(sub, v, path, sp .. "/allOf/" .. (i - 1), errs)
  end
  if s["not"] then
    local e = {}
    check(s["not"], v, path, sp .. "/not", e)
    if #e == 0 then add(errs, path, sp .. "/not", "not", "must not match") end
  end
  if s["if"] then
    local e = {}
    check(s["if"], v, path, sp .. "/if", e)
    local branch = #e == 0 and "then" or "else"
    if s[branch] then check(s[branch], v, path, sp .. "/" .. branch, errs) end
  end
end

check = function(s, v, path, sp, errs)
  if type(s) ~= "table" then return end
  if s.type and not type_ok(s.type, v) then
    add(errs, path, sp .. "/type", "type", "must be " .. s.type)
    return
  end
  if type(v) == "table" and getmetatable(v) ~= json.array
      and v[1] == nil then
    check_object(s, v, path, sp, errs)
  elseif type(v) == "table" then
    if s.minItems and #v < s.minItems then
      add(errs, path, sp .. "/minItems", "minItems", "too few items")
    end
    for i, x in ipairs(v) do
      check(s.items, x, path .. "/" .. (i - 1), sp .. "/items", errs)
    end
  else
    check_scalar(s, v, path, sp, errs)
  end
  check_combinators(s, v, path, sp, errs)
end

--- Compiles a schema table.
-- @tparam table s the schema
-- @treturn table a validator with `:validate(v)`
function mini.compile(s)
  return { validate = function(_, v)
    local errs = {}
    check(s, v, "", "", errs)
    if #errs == 0 then return true end
    return false, errs
  end }
end

return mini
