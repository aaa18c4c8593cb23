--- Lists: `property` filters, `orderby`, `limit` with continuation tokens
-- and `_links.next.href`, and `count=true` (reference §2.3, §2.4).
--
-- A continuation token carries the whole query (filters, order, limit,
-- offset), base64url-encoded without padding, and `_links.next.href` is
-- `/{kind}?continuationToken=TOKEN` alone, as in the OAS example: a
-- client may append the href to the service's base URL or parse the
-- token out of it, and both work.
-- @module flowlua.emulator.listing

local errors = require("flowlua.emulator.errors")
local json = require("flowlua.json")
local util = require("flowlua.emulator.util")
local views = require("flowlua.emulator.views")

local listing = {}

--- Page size when no `limit` is given, and the largest `limit`.
listing.DEFAULT_LIMIT = 100
listing.MAX_LIMIT = 1000

local OPS = { "==", "!=", "<=", ">=", "<", ">" }

local function unquote(v)
  return v:match('^"(.*)"$') or v:match("^'(.*)'$") or v
end

local function parse_filter(expr)
  local path, rest = expr:match("^%s*([%w_%.%[%]%$@%-]+)(.*)$")
  if path == nil then return nil end
  for _, op in ipairs(OPS) do
    if rest:sub(1, #op) == op then
      local values = {}
      for v in (rest:sub(#op + 1) .. ","):gmatch("([^,]*),") do
        values[#values + 1] = unquote(v)
      end
      local tokens = {}
      for tok in path:gmatch("[^%.]+") do tokens[#tokens + 1] = tok end
      return { path = tokens, op = op, values = values }
    end
  end
end

-- Every value at a dotted path; `name[]` and plain arrays fan out.
local function collect(node, tokens, i, out)
  if node == nil or node == json.null then return end
  if i > #tokens then
    if type(node) == "table" and getmetatable(node) == json.array then
      for _, x in ipairs(node) do out[#out + 1] = x end
    else
      out[#out + 1] = node
    end
    return
  end
  if type(node) ~= "table" then return end
  local tok = tokens[i]
  local name = tok:match("^(.-)%[%]$")
  if getmetatable(node) == json.array then
    for _, x in ipairs(node) do collect(x, tokens, i, out) end
  elseif name then
    local arr = node[name]
    if type(arr) == "table" then
      for _, x in ipairs(arr) do collect(x, tokens, i + 1, out) end
    end
  else
    collect(node[tok], tokens, i + 1, out)
  end
end

local function compare(a, op, s)
  local b
  if type(a) == "number" then b = tonumber(s) end
  if b == nil then
    if type(a) == "table" then return false end
    a, b = tostring(a), s
  end
  if op == "==" then return a == b
  elseif op == "!=" then return a ~= b
  elseif op == "<" then return a < b
  elseif op == ">" then return a > b
  elseif op == "<=" then return a <= b
  end
  return a >= b
end

local function matches(item, f)
  local found = {}
  collect(item, f.path, 1, found)
  if f.op == "!=" then
    for _, v in ipairs(found) do
      for _, s in ipairs(f.values) do
        if not compare(v, "!=", s) then return false end
      end
    end
    return true
  end
  for _, v in ipairs(found) do
    for _, s in ipairs(f.values) do
      if compare(v, f.op, s) then return true end
    end
  end
  return false
end

local function first_value(item, tokens)
  local found = {}
  collect(item, tokens, 1, found)
  return found[1]
end

local function parse_order(spec)
  local keys = {}
  for part in (spec .. ","):gmatch("([^,]*),") do
    local sign, field = part:match("^%s*([%+%-]?)([%w_%.%$@]+)%s*$")
    if field == nil then return nil end
    local tokens = {}
    for tok in field:gmatch("[^%.]+") do tokens[#tokens + 1] = tok end
    keys[#keys + 1] = { path = tokens, desc = sign == "-" }
  end
  return keys
end

local function less(a, b)
  if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then
    return a < b
  end
  return tostring(a) < tostring(b)
end

local function sort_items(items, keys)
  local decorated = {}
  for i, it in ipairs(items) do
    local k = {}
    for j, key in ipairs(keys) do k[j] = first_value(it.value, key.path) end
    decorated[i] = { it = it, k = k, i = i }
  end
  table.sort(decorated, function(x, y)
    for j, key in ipairs(keys) do
      local a, b = x.k[j], y.k[j]
      if a ~= b then
        if a == nil then return false end   -- missing values sort last
        if b == nil then return true end
        if key.desc then return less(b, a) end
        return less(a, b)
      end
    end
    return x.i < y.i
  end)
  for i, d in ipairs(decorated) do items[i] = d.it end
end

-- A token is ours only if every field has the type we wrote.
local function valid_token(t)
  if type(t) ~= "table" or math.type(t.s) ~= "integer" or t.s < 0
      or type(t.f) ~= "table" then
    return false
  end
  for _, f in ipairs(t.f) do
    if type(f) ~= "string" then return false end
  end
  return (t.o == nil or type(t.o) == "string")
    and (t.l == nil or (math.type(t.l) == "integer" and t.l >= 1
      and t.l <= listing.MAX_LIMIT))
end

-- The query a list runs: from the request, or from its token.
local function read_query(q)
  local token = q.continuationToken
  if token then
    local text = util.b64url_decode(token)
    local t = text and json.decode(text)
    if not valid_token(t) then
      return nil, errors.flow("1100-400",
        "The continuationToken is not valid")
    end
    return { filters = t.f, order = t.o, limit = t.l, start = t.s }
  end
  local limit = q.limit
  if limit ~= nil then
    limit = math.tointeger(tonumber(limit))
    if limit == nil or limit < 1 or limit > listing.MAX_LIMIT then
      return nil, errors.flow("1100-400", ("limit must be an integer from 1 "
        .. "to %d, got '%s'"):format(listing.MAX_LIMIT, q.limit))
    end
  end
  local filters = util.query_all(q, "property")
  -- Both travel in the continuation token, which is JSON: UTF-8 only.
  for _, v in ipairs({ q.orderby or "", table.unpack(filters) }) do
    if not utf8.len(v) then
      return nil, errors.flow("1100-400",
        "The property and orderby parameters must be UTF-8")
    end
  end
  return { filters = filters, order = q.orderby, limit = limit, start = 0 }
end

local function filter_items(specs, entities, filters)
  local parsed = {}
  for i, expr in ipairs(filters) do
    parsed[i] = parse_filter(expr)
    if parsed[i] == nil then
      return nil, errors.flow("1100-400",
        ("The property filter '%s' is not valid: use PATH OP VALUE[,VALUE] "
        .. "with OP one of ==, !=, <, >, <=, >="):format(expr))
    end
  end
  local items = {}
  for _, e in ipairs(entities) do
    local v = views.value(specs, e)
    local ok = true
    for _, f in ipairs(parsed) do
      if not matches(v, f) then ok = false break end
    end
    if ok then items[#items + 1] = { e = e, value = v } end
  end
  return items
end

local function page(specs, kind, items, qy)
  local limit = qy.limit or listing.DEFAULT_LIMIT
  local texts = {}
  local last = math.min(#items, qy.start + limit)
  for i = qy.start + 1, last do
    texts[#texts + 1] = views.text(specs, items[i].e)
  end
  -- Every page has `_links.next.href`, the last one an empty href: aepp
  -- reads it unguarded and stops at the empty string.
  local href = ""
  if last < #items then
    local t = json.encode({ f = json.array(qy.filters), o = qy.order,
      l = qy.limit, s = last })
    href = "/" .. kind .. "?continuationToken=" .. util.b64url(t)
  end
  return errors.json(200, views.items(texts, href))
end

--- Answers a list request.
-- @tparam table specs the loaded catalogue (for views)
-- @tparam string kind the collection name, e.g. "flows"
-- @tparam table entities the collection, in creation order
-- @tparam table q the parsed query
-- @treturn table response
function listing.respond(specs, kind, entities, q)
  local count = q.count and q.count:lower() == "true"
  if count and q.limit then
    return errors.flow("1401-400",
      "The limit and count parameters cannot be given together")
  end
  local qy, err = read_query(q)
  if qy == nil then return err end
  local items
  items, err = filter_items(specs, entities, qy.filters)
  if items == nil then return err end
  if count then return errors.json(200, { count = #items }) end
  if qy.order then
    local keys = parse_order(qy.order)
    if keys == nil then
      return errors.flow("1432-400", ("The orderby value '%s' is not valid: "
        .. "use FIELD, +FIELD or -FIELD"):format(qy.order))
    end
    sort_items(items, keys)
  end
  return page(specs, kind, items, qy)
end

return listing
