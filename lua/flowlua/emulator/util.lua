--- Small helpers of the emulator: ids, etags, clocks, query strings,
-- deep copies and JSON Pointers.
-- @module flowlua.emulator.util

local sys = require("flowlua.core").sys

local util = {}

-- Ids only need to be unique, not unpredictable: the generator is
-- seeded once from getrandom so two emulators never share a sequence.
local seed_bytes = sys.random(8)
math.randomseed(string.unpack("<i8", seed_bytes))

local random = math.random

--- A random (version 4) UUID.
-- @treturn string e.g. "69f188b6-af07-4587-8061-e94d34637b41"
function util.uuid()
  return ("%08x-%04x-4%03x-%04x-%06x%06x"):format(
    random(0, 0xffffffff), random(0, 0xffff), random(0, 0xfff),
    0x8000 | random(0, 0x3fff), random(0, 0xffffff), random(0, 0xffffff))
end

--- A new etag in the shape the real service returns, quotes included.
-- @treturn string e.g. "\"6802064a-0000-0200-0000-6387c6b90000\""
function util.etag()
  return ('"%08x-0000-0200-0000-%08x0000"'):format(
    random(0, 0xffffffff), os.time() & 0xffffffff)
end

--- Milliseconds since the epoch, as an integer.
-- @treturn integer
function util.now_ms()
  return math.floor(sys.time() * 1000)
end

--- Random bytes as lower-case hex.
-- @tparam integer n number of bytes
-- @treturn string 2n hex digits
function util.random_hex(n)
  return (sys.random(n):gsub(".", function(c)
    return ("%02x"):format(c:byte())
  end))
end

--- Decodes %XX escapes and `+` (form encoding) in a query component.
-- @tparam string s the raw component
-- @treturn string
function util.unescape(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
end

--- Escapes a query component.
-- @tparam string s
-- @treturn string
function util.escape(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return ("%%%02X"):format(c:byte())
  end))
end

--- Parses a raw query string.
-- @tparam string raw e.g. "property=a==1&property=b==2&limit=5"
-- @treturn table list of {name, value} in order, plus `[name]` = the
--   first value of each name
function util.parse_query(raw)
  local q = {}
  for part in (raw or ""):gmatch("[^&]+") do
    local k, v = part:match("^([^=]*)=(.*)$")
    k, v = util.unescape(k or part), util.unescape(v or "")
    q[#q + 1] = { k, v }
    if q[k] == nil then q[k] = v end
  end
  return q
end

--- Every value of a query parameter, in order.
-- @tparam table q a parsed query
-- @tparam string name the parameter
-- @treturn table list of strings
function util.query_all(q, name)
  local out = {}
  for _, kv in ipairs(q) do
    if kv[1] == name then out[#out + 1] = kv[2] end
  end
  return out
end

--- A deep copy of a decoded JSON value; metatables (json.array) are kept.
-- @param v the value
-- @return the copy
function util.copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = util.copy(x) end
  return setmetatable(t, getmetatable(v))
end

--- Splits a JSON Pointer into unescaped reference tokens.
-- @tparam string ptr e.g. "/auth/params/host"
-- @treturn table|nil tokens, or nil when `ptr` is not a pointer
function util.pointer(ptr)
  if type(ptr) ~= "string" then return nil end
  if ptr == "" then return {} end
  if ptr:sub(1, 1) ~= "/" then return nil end
  local tokens = {}
  for tok in (ptr:sub(2) .. "/"):gmatch("([^/]*)/") do
    tokens[#tokens + 1] = tok:gsub("~1", "/"):gsub("~0", "~")
  end
  return tokens
end

--- Names a field for humans: "auth.params.host", "transformations[0]".
-- @tparam string|table ptr a JSON Pointer or its tokens
-- @tparam[opt] string prefix a leading field name
-- @treturn string
function util.field_name(ptr, prefix)
  local tokens = type(ptr) == "table" and ptr or util.pointer(ptr) or {}
  local out = prefix or ""
  for _, tok in ipairs(tokens) do
    if tok:match("^%d+$") then
      out = out .. "[" .. tok .. "]"
    else
      out = out == "" and tok or (out .. "." .. tok)
    end
  end
  return out == "" and "(body)" or out
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

--- base64url without padding (no `=`, so a token survives naive
-- `href.split("=")` parsing such as aepp's).
-- @tparam string s bytes
-- @treturn string
function util.b64url(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local chars = 2 + (b and 1 or 0) + (c and 1 or 0)
    for j = 1, chars do
      local idx = (n >> (18 - 6 * (j - 1))) & 63
      out[#out + 1] = B64:sub(idx + 1, idx + 1)
    end
  end
  return table.concat(out)
end

local B64_INDEX = {}
for i = 1, #B64 do B64_INDEX[B64:byte(i)] = i - 1 end

--- Decodes base64url without padding.
-- @tparam string s
-- @treturn string|nil bytes, or nil when `s` is not base64url
function util.b64url_decode(s)
  local out = {}
  for i = 1, #s, 4 do
    local n, count = 0, 0
    for j = i, math.min(i + 3, #s) do
      local v = B64_INDEX[s:byte(j)]
      if v == nil then return nil end
      n = (n << 6) | v
      count = count + 1
    end
    if count == 1 then return nil end
    n = n << (6 * (4 - count))
    for j = 1, count - 1 do
      out[#out + 1] = string.char((n >> (16 - 8 * (j - 1))) & 255)
    end
  end
  return table.concat(out)
end

return util
