--- URL pieces: percent-escaping, query strings and paths.
-- Pure string functions (needing only flowlua.args), so that every layer that
-- builds a request path (the entities, the client) can use them without
-- requiring one another.
-- @module flowlua.url

local args = require("flowlua.args")

local url = {}

--- Percent-encodes a query component or a path segment (everything but
-- RFC 3986 unreserved characters).
-- @tparam string s the text
-- @treturn string
-- @usage url.escape("name==\"a b\"")  --> "name%3D%3D%22a%20b%22"
function url.escape(s)
  args.check(1, "escape", s, "string", "number")
  return (tostring(s):gsub("[^%w%-._~]", function(c)
    return ("%%%02X"):format(c:byte())
  end))
end

--- Decodes percent-escapes (the inverse of `escape`).
-- @tparam string s the text
-- @treturn string
function url.unescape(s)
  args.check(1, "unescape", s, "string")
  return (s:gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
end

local function encode(pairs_list)
  local parts = {}
  for _, p in ipairs(pairs_list) do
    parts[#parts + 1] = url.escape(p[1]) .. "=" .. url.escape(p[2])
  end
  return table.concat(parts, "&")
end

--- Encodes `{name, value}` pairs as application/x-www-form-urlencoded
-- (a query string without its `?`, or a form body), in the given order.
-- @tparam table pairs_list the pairs, in order (repeats allowed)
-- @treturn string `""` or `"a=b&c=d"`
function url.form(pairs_list)
  args.check(1, "form", pairs_list, "table")
  return encode(pairs_list)
end

--- Builds a query string from a list of `{name, value}` pairs.
-- @tparam table pairs_list the pairs, in order (repeats allowed)
-- @treturn string `""` or `"?a=b&c=d"`
-- @usage url.query{ { "property", "state==draft" }, { "limit", "2" } }
function url.query(pairs_list)
  args.check(1, "query", pairs_list, "table")
  local form = encode(pairs_list)
  return form ~= "" and ("?" .. form) or ""
end

--- Appends path segments to a path, each one escaped.
-- @tparam string path e.g. `"/connections"`
-- @param ... segments (strings or numbers)
-- @treturn string
-- @usage url.join("/flows", id, "action")  --> "/flows/<id>/action"
function url.join(path, ...)
  args.check(1, "join", path, "string")
  local out = { path }
  for i = 1, select("#", ...) do
    out[#out + 1] = url.escape((select(i, ...)))
  end
  return table.concat(out, "/")
end

--- The value of one parameter in a URL's query (unescaped), or nil.
-- @tparam string|nil href a URL or a path with a query (nil: no value)
-- @tparam string name the parameter
-- @treturn string|nil
function url.param(href, name)
  args.check(1, "param", href, "string", "nil")
  args.check(2, "param", name, "string")
  local query = type(href) == "string" and href:match("%?(.*)$")
  if not query then return nil end
  for pair in query:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    if url.unescape(k) == name then return url.unescape(v) end
  end
  return nil
end

return url
