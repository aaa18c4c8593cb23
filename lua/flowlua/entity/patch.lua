--- JSON Patch (RFC 6902: add, replace, remove) applied locally, and the
-- check "did these operations land?" used after an ambiguous PATCH.
-- Operation names are accepted in either case, as the service does.
-- @module flowlua.entity.patch

local patch = {}

-- "/a/0/b~1c" → { "a", "0", "b/c" }
local function parts_of(pointer)
  local parts = {}
  for p in pointer:gmatch("/([^/]*)") do
    parts[#parts + 1] = p:gsub("~1", "/"):gsub("~0", "~")
  end
  return parts
end

local json = require("flowlua.json")
local copy = require("flowlua.entity.base").deep_copy

local function is_array(t)
  return getmetatable(t) == json.array or t[1] ~= nil
end

local function key_in(t, p)
  if is_array(t) then
    if p == "-" then return #t + 1 end
    local n = math.tointeger(tonumber(p))
    if n then return n + 1 end
  end
  return p
end

local function parent_of(target, parts)
  local t = target
  for i = 1, #parts - 1 do
    if type(t) ~= "table" then return nil end
    t = t[key_in(t, parts[i])]
  end
  return type(t) == "table" and t or nil
end

--- Applies operations to a table in place (missing parents are created
-- as objects, as a draft being filled in needs).
-- @tparam table target the document
-- @tparam table ops the operations
-- @treturn table target
function patch.apply(target, ops)
  for n, op in ipairs(ops) do
    local name = op.op:lower()
    local parts = parts_of(op.path)
    if #parts == 0 then
      error(("bad argument #2 to 'apply' (operation %d cannot patch the "
        .. "whole document)"):format(n), 2)
    end
    local t = target
    for i = 1, #parts - 1 do
      local k = key_in(t, parts[i])
      if type(t[k]) ~= "table" then t[k] = {} end
      t = t[k]
    end
    local k = key_in(t, parts[#parts])
    if name == "remove" then
      if type(k) == "number" then table.remove(t, k) else t[k] = nil end
    elseif name == "add" and type(k) == "number" then
      table.insert(t, k, copy(op.value))
    else
      t[k] = copy(op.value)
    end
  end
  return target
end

local function equal(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then
    return a == b or (type(a) == "number" and type(b) == "number"
      and a == b)
  end
  for k, v in pairs(a) do if not equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
patch.equal = equal

--- True when every operation's effect is visible in `target`: the value
-- of each add/replace is at its path, each removed path is absent.
-- (An array `add` is taken as landed when the value is in the array.)
-- @tparam table target the document as read back
-- @tparam table ops the operations
-- @treturn boolean
function patch.applied(target, ops)
  for _, op in ipairs(ops) do
    local parts = parts_of(op.path)
    local parent = parent_of(target, parts)
    local name = op.op:lower()
    local k = parent and key_in(parent, parts[#parts])
    if name == "remove" then
      if parent and type(k) ~= "number" and parent[k] ~= nil then
        return false
      end
    elseif parent == nil then
      return false
    elseif name == "add" and type(k) == "number" then
      local found = false
      for _, v in ipairs(parent) do
        if equal(v, op.value) then found = true end
      end
      if not found then return false end
    elseif not equal(parent[k], op.value) then
      return false
    end
  end
  return true
end

--- The leaf values of a value (for registering secrets).
-- @param value any JSON value
-- @treturn table list of leaves
function patch.leaves(value)
  local out = {}
  local function walk(v)
    if type(v) == "table" then
      for _, x in pairs(v) do walk(x) end
    else
      out[#out + 1] = v
    end
  end
  walk(value)
  return out
end

return patch
