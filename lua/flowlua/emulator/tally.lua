--- Requests counted by method and path kind, for benches and specs that
-- must prove how many round trips a client made (`GET /emulator/requests`
-- reads them, `DELETE /emulator/requests` starts again). Every request
-- that reaches the handler counts, faulted ones too; the tally's own
-- requests do not, and they draw no fault.
-- @module flowlua.emulator.tally

local json = require("flowlua.json")
local router = require("flowlua.emulator.router")
local util = require("flowlua.emulator.util")

local tally = {}

--- Path of the tally (outside the Flow Service base: not Adobe's API).
tally.PATH = "/emulator/requests"

local Tally = {}
Tally.__index = Tally
Tally.__name = "flowlua.emulator.tally"

--- An empty tally.
-- @treturn table with `count(req)`, `counts()`, `reset()`
function tally.new()
  return setmetatable({ by_kind = {}, total = 0 }, Tally)
end

-- The query's part of a kind: the action (`?op=publish`), draft mode,
-- or `?query` for a list with any filter (values differ per request).
local function query_kind(query)
  if query == "" then return "" end
  local q = util.parse_query(query)
  if q.op then return "?op=" .. q.op end
  if q.mode then return "?mode=" .. q.mode:lower() end
  return "?query"
end

--- The kind of a request: method and path with ids as `{id}`, e.g.
-- `POST /flows/{id}/action?op=publish`, `GET /flowSpecs?query`,
-- `POST /connections?mode=draft`, `POST /ims/token/v3`.
-- @tparam table req the server's request table
-- @treturn string
function tally.kind(req)
  local path = req.path
  if path:sub(1, #router.BASE + 1) == router.BASE .. "/" then
    local parts = {}
    for seg in path:sub(#router.BASE + 2):gmatch("[^/]+") do
      local is_id = #parts == 1 and seg ~= "search"
      parts[#parts + 1] = is_id and "{id}" or seg
    end
    path = "/" .. table.concat(parts, "/")
  end
  return req.method .. " " .. path .. query_kind(req.query or "")
end

--- Counts a request.
-- @tparam table req the server's request table
function Tally:count(req)
  local k = tally.kind(req)
  self.by_kind[k] = (self.by_kind[k] or 0) + 1
  self.total = self.total + 1
end

--- The counts: `{total = n, requests = {[kind] = n}}`.
-- @treturn table
function Tally:counts()
  local copy = json.object()
  for k, n in pairs(self.by_kind) do copy[k] = n end
  return { total = self.total, requests = copy }
end

--- Starts counting from zero.
function Tally:reset()
  self.by_kind, self.total = {}, 0
end

return tally
