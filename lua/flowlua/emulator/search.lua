--- `POST /connections/search`, `/flows/search`, `/flowSpecs/search`:
-- the body `{queryString, limit, orderby, count, projectionFields}` of
-- the OAS, answered as a list is (flowlua.emulator.listing), with
-- `continuationToken` in the query to page on.
--
-- The OAS does not say what `queryString` holds; the emulator reads it
-- as list filters when it has a filter operator (`state==enabled`,
-- several joined with `&`) and otherwise as text that `name` or
-- `description` must contain, in any letter case (docs/emulator.md).
-- @module flowlua.emulator.search

local errors = require("flowlua.emulator.errors")
local json = require("flowlua.json")
local listing = require("flowlua.emulator.listing")

local search = {}

local function contains(e, text)
  for _, field in ipairs({ "name", "description" }) do
    local v = e[field]
    if type(v) == "string" and v:lower():find(text, 1, true) then
      return true
    end
  end
  return false
end

local function source_of(ctx, kind, text)
  local all = kind == "flowSpecs" and ctx.specs.flowSpecs.list
    or ctx.sb:list(kind)
  if text == nil then return all end
  local out = {}
  for _, e in ipairs(all) do
    if contains(e, text) then out[#out + 1] = e end
  end
  return out
end

-- A parsed query as listing.respond reads it.
local function query_of(body, token)
  local q = {}
  local qs = body.queryString
  local text
  if type(qs) == "string" and qs ~= "" then
    if qs:find("[=<>]") then
      for expr in qs:gmatch("[^&]+") do
        q[#q + 1] = { "property", expr }
        q.property = q.property or expr
      end
    else
      text = qs:lower()
    end
  end
  if body.limit ~= nil then q.limit = tostring(body.limit) end
  if type(body.orderby) == "string" then q.orderby = body.orderby end
  if body.count == true then q.count = "true" end
  q.continuationToken = token
  return q, text
end

local function project(res, fields)
  local doc = json.decode(res.body)
  local keep = { id = true }
  for f in fields:gmatch("[^,%s]+") do keep[f] = true end
  for i, item in ipairs(doc.items or {}) do
    local out = {}
    for k, v in pairs(item) do
      if keep[k] then out[k] = v end
    end
    doc.items[i] = out
  end
  res.body = json.encode(doc)
end

--- Answers a search.
-- @tparam table ctx
-- @tparam string kind "connections", "flows" or "flowSpecs"
-- @param body the decoded body
-- @tparam string|nil token `continuationToken` of the query
-- @treturn table response
function search.respond(ctx, kind, body, token)
  if type(body) ~= "table" or getmetatable(body) == json.array then
    return errors.flow("1100-400", "The request body must be a JSON object")
  end
  if body.queryString ~= nil and type(body.queryString) ~= "string" then
    return errors.flow("1100-400", "queryString must be a string")
  end
  local q, text = query_of(body, token)
  local res = listing.respond(ctx.specs, kind, source_of(ctx, kind, text), q)
  if res.status ~= 200 then return res end
  -- Paging goes on with the same search: the body again, plus the token.
  res.body = res.body:gsub('"/' .. kind .. '%?continuationToken=',
    '"/' .. kind .. '/search?continuationToken=')
  if type(body.projectionFields) == "string" and q.count == nil then
    project(res, body.projectionFields)
  end
  return res
end

return search
