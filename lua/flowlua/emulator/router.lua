--- Maps a request path and method to what the emulator does with it.
-- Paths live under `/data/foundation/flowservice` (one trailing slash is
-- tolerated: the OAS writes `/connections/{id}/`), plus the IMS token
-- endpoint `/ims/token/v3`.
-- @module flowlua.emulator.router

local router = {}

--- Base path of the Flow Service.
router.BASE = "/data/foundation/flowservice"

--- Path of the IMS token endpoint.
router.IMS = "/ims/token/v3"

--- Collections and whether clients create entities in them.
router.COLLECTIONS = {
  connectionSpecs = "spec", flowSpecs = "spec",
  connections = "entity", sourceConnections = "entity",
  targetConnections = "entity", flows = "entity", runs = "runs",
}

-- What the OAS allows on each shape (the `Allow` of a 405); the
-- operations beyond CRUD (POST /runs, PUT of specs and runs, search) are
-- answered by flowlua.emulator.operations before this router.
local ALLOWED = {
  spec = { collection = "GET, POST", item = "GET, PUT" },
  runs = { collection = "GET, POST", item = "GET, PUT", action = "POST" },
  entity = { collection = "GET, POST", item = "GET, PATCH, DELETE",
    action = "POST", search = "POST" },
}
-- `POST /{kind}/search` is an OAS operation, not an id.
ALLOWED.spec.search = "POST"

local function allows(list, method)
  for m in list:gmatch("[A-Z]+") do
    if m == method then return true end
  end
  return false
end

--- Resolves a request.
-- @tparam string method
-- @tparam string path
-- @treturn table|nil `{target = "ims"}` or `{target = "flow", kind=,
--   id=, action=bool, search=bool}`; nil when no route matches
-- @treturn string|nil when the path matches but the method does not: the
--   value of an `Allow` header
function router.resolve(method, path)
  if path == router.IMS then return { target = "ims" } end
  if path:sub(1, #router.BASE + 1) ~= router.BASE .. "/" then return nil end
  local rest = path:sub(#router.BASE + 2):gsub("/$", "")
  local kind, id, tail = rest:match("^([^/]+)/?([^/]*)/?(.*)$")
  local class = kind and router.COLLECTIONS[kind]
  if class == nil then return nil end
  local shape
  if id == "" and tail == "" then shape = "collection"
  elseif id == "search" and tail == "" then shape = "search"
  elseif tail == "" then shape = "item"
  elseif tail == "action" then shape = "action"
  else return nil end
  local allowed = ALLOWED[class][shape]
  if allowed == nil then return nil end
  if not allows(allowed, method) then return nil, allowed end
  return { target = "flow", kind = kind, class = class,
    id = shape ~= "search" and id ~= "" and id or nil,
    action = shape == "action", search = shape == "search" }
end

return router
