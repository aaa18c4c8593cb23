--- Shows, payload by payload, what lua-cjson 2.1.0 does to Flow Service
-- JSON and what flowlua.json does. Run: ./flowlua run bench/json/compare.lua
local json = require("flowlua.json")
local cjson = require("cjson")

local function try(fn, ...)
  local ok, out = pcall(fn, ...)
  return ok and out or "error: " .. tostring(out)
end

-- Bytes outside printable ASCII shown as \xNN, so bad UTF-8 is visible.
local function show(s)
  return (s:gsub("[^\32-\126]", function(c)
    return ("\\x%02X"):format(c:byte())
  end))
end

local function roundtrip(codec, text)
  local ok, v, err = pcall(codec.decode, text)
  if not ok then return "error: " .. v end
  if v == nil and err then return "nil, " .. err end
  return show(try(codec.encode, v))
end

local cases = {
  { "empty list stays a list", '{"transformations":[]}' },
  { "16-digit id", '{"id":1700000000123456}' },
  { "epoch ms beyond 2^53", '{"t":9007199254740993}' },
  { "float keeps its digits", '{"ratio":0.30000000000000004}' },
  { "1.0 stays a float", '[1.0]' },
  { "overlong UTF-8 is refused", '["\xc0\xaf"]' },
  { "/ left as it is (cjson: valid, noisier)",
    '{"$schema":"http://json-schema.org/draft-07/schema#"}' },
}

for _, c in ipairs(cases) do
  print(("%s: %s"):format(c[1], show(c[2])))
  print("  lua-cjson " .. cjson._VERSION .. ": " .. roundtrip(cjson, c[2]))
  print("  flowlua.json:     " .. roundtrip(json, c[2]))
end
print(("type of 1: lua-cjson %s, flowlua.json %s"):format(
  math.type(cjson.decode("1")), math.type(json.decode("1"))))
print("an empty Lua list: lua-cjson " .. cjson.encode({ ids = {} })
  .. ", flowlua.json " .. json.encode({ ids = json.array() }))
print("json.null == cjson.null: " .. tostring(json.null == cjson.null))
