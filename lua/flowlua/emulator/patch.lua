--- JSON Patch as Flow Service takes it: an array (RFC 6902) of
-- `{op, path, value}` with `add`, `replace` and `remove` (any letter case,
-- since the OAS spells them in upper case and the tutorials in lower
-- case). A single instruction object is refused: every documented body is
-- an array, though the OAS body of `PATCH /connections/{id}/` is one
-- object (docs/emulator.md). Applied to a copy; the caller keeps it only
-- when every operation succeeded and the result is valid.
-- @module flowlua.emulator.patch

local json = require("flowlua.json")
local util = require("flowlua.emulator.util")

local patch = {}

local function is_array(t)
  return getmetatable(t) == json.array
end

local function array_index(arr, tok, for_add)
  if for_add and tok == "-" then return #arr + 1 end
  if not tok:match("^%d+$") or (#tok > 1 and tok:sub(1, 1) == "0") then
    return nil
  end
  local i = tonumber(tok) + 1
  local max = for_add and #arr + 1 or #arr
  if i > max then return nil end
  return i
end

local function parent_of(doc, tokens)
  local node = doc
  for i = 1, #tokens - 1 do
    local tok = tokens[i]
    if type(node) ~= "table" then return nil end
    if is_array(node) then
      local idx = array_index(node, tok, false)
      node = idx and node[idx]
    else
      node = node[tok]
    end
  end
  if type(node) ~= "table" then return nil end
  return node
end

local function apply_one(doc, op, tokens, value)
  local parent = parent_of(doc, tokens)
  if parent == nil then return nil, "its parent does not exist" end
  local last = tokens[#tokens]
  if is_array(parent) then
    local idx = array_index(parent, last, op == "add")
    if idx == nil then return nil, "the array index is out of range" end
    if op == "add" then table.insert(parent, idx, value)
    elseif op == "replace" then parent[idx] = value
    else table.remove(parent, idx) end
    return true
  end
  if op ~= "add" and parent[last] == nil then
    return nil, "the path does not exist"
  end
  if op == "remove" then parent[last] = nil else parent[last] = value end
  return true
end

--- Normalises a PATCH body into a list of `{op=, tokens=, value=, path=}`.
-- @param body the decoded body
-- @treturn table|nil the operations, or nil and a message
function patch.operations(body)
  if type(body) ~= "table" or not is_array(body) then
    return nil, "the body must be a JSON Patch array of {op, path, value}"
  end
  if #body == 0 then return nil, "the JSON Patch array is empty" end
  local ops = {}
  for i, ins in ipairs(body) do
    local where = ("operation %d"):format(i - 1)
    if type(ins) ~= "table" or is_array(ins) then
      return nil, where .. " is not an object"
    end
    local op = type(ins.op) == "string" and ins.op:lower()
    if op ~= "add" and op ~= "replace" and op ~= "remove" then
      return nil, ("%s: op '%s' is not supported (add, replace, remove)")
        :format(where, tostring(ins.op))
    end
    local tokens = util.pointer(ins.path)
    if tokens == nil or #tokens == 0 then
      return nil, ("%s: path '%s' is not a JSON Pointer to a field")
        :format(where, tostring(ins.path))
    end
    if op ~= "remove" and ins.value == nil then
      return nil, ("%s (%s %s): value is missing"):format(where, op, ins.path)
    end
    ops[i] = { op = op, tokens = tokens, value = ins.value, path = ins.path }
  end
  return ops
end

--- Applies operations to a copy of `doc`.
-- @tparam table doc the document (not modified)
-- @tparam table ops from `operations`
-- @treturn table|nil the patched copy, or nil and a message
function patch.apply(doc, ops)
  local copy = util.copy(doc)
  for i, o in ipairs(ops) do
    local ok, why = apply_one(copy, o.op, o.tokens, util.copy(o.value))
    if not ok then
      return nil, ("operation %d (%s %s): %s"):format(i - 1, o.op, o.path,
        why)
    end
  end
  return copy
end

return patch
