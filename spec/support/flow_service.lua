-- Helpers for the client's end-to-end specs: talk to an emulator over
-- plain HTTP (flowlua.http, not the client under test) to see what the
-- service really holds, and run scripts as real processes against it.
local http = require("flowlua.http")
local json = require("flowlua.json")
local proc = require("support.proc")

local fsvc = {}

local BASE = "/data/foundation/flowservice"

local Raw = {}
Raw.__index = Raw

local function form(t)
  local parts = {}
  for k, v in pairs(t) do
    parts[#parts + 1] = k .. "=" .. tostring(v):gsub("[^%w%-._~]",
      function(c) return ("%%%02X"):format(c:byte()) end)
  end
  return table.concat(parts, "&")
end

--- A raw view of the emulator at `settings` (from client_settings()).
function fsvc.raw(settings)
  local c = http.client{ retry = { attempts = 10,
    statuses = { 429, 500, 502, 503, 504 } } }
  local res = assert(c:request{ method = "POST",
    url = settings.ims_url .. "/ims/token/v3",
    headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
    body = form{ grant_type = "client_credentials",
      client_id = settings.client_id, client_secret = settings.client_secret,
      scope = settings.scopes } })
  assert(res.status == 200, res.body)
  local token = json.decode(res.body).access_token
  return setmetatable({ http = c, url = settings.endpoint .. BASE,
    headers = { Authorization = "Bearer " .. token,
      ["x-api-key"] = settings.client_id,
      ["x-gw-ims-org-id"] = settings.org_id,
      ["x-sandbox-name"] = settings.sandbox or "prod" } }, Raw)
end

--- GET a path below the Flow Service base; the decoded body.
function Raw:get(path)
  local res = assert(self.http:request{ method = "GET", url = self.url .. path,
    headers = self.headers })
  assert(res.status == 200, path .. ": " .. res.status .. " " .. res.body)
  return json.decode(res.body)
end

--- POST a body below the Flow Service base, expecting 201; the decoded
-- answer.
function Raw:post(path, body)
  local h = { ["Content-Type"] = "application/json" }
  for k, v in pairs(self.headers) do h[k] = v end
  local res = assert(self.http:request{ method = "POST", url = self.url .. path,
    headers = h, body = json.encode(body) })
  assert(res.status == 201, path .. ": " .. res.status .. " " .. res.body)
  return json.decode(res.body)
end

--- Every item of a collection ("/flows", ...), across pages.
function Raw:all(path)
  local out, next_path = {}, path .. "?limit=100"
  while next_path do
    local data = self:get(next_path)
    for _, it in ipairs(data.items) do out[#out + 1] = it end
    local href = data._links and data._links.next and data._links.next.href
    next_path = href and href ~= "" and href or nil
  end
  return out
end

--- Items of each kind: { connections = n, ... } and the items.
function Raw:census()
  local counts, items = {}, {}
  for _, kind in ipairs{ "connections", "sourceConnections",
      "targetConnections", "flows" } do
    items[kind] = self:all("/" .. kind)
    counts[kind] = #items[kind]
  end
  return counts, items
end

--- An emulator in this process, the client under test connected to it,
-- a raw view of it and the settings: server, aep, raw, settings.
function fsvc.connected_emulator()
  local server = require("flowlua.emulator").start{}
  local settings = server:client_settings()
  return server, require("flowlua").connect(settings), fsvc.raw(settings),
    settings
end

--- Environment variables pointing a `flowlua run` at the emulator.
function fsvc.env(settings, extra)
  local env = { FLOWLUA_ENDPOINT = settings.endpoint,
    FLOWLUA_IMS_URL = settings.ims_url, FLOWLUA_CLIENT_ID = settings.client_id,
    FLOWLUA_CLIENT_SECRET = settings.client_secret,
    FLOWLUA_ORG_ID = settings.org_id, FLOWLUA_SCOPES = settings.scopes,
    FLOWLUA_SANDBOX = "prod", HOME = os.getenv("TMPDIR") or "/tmp" }
  for k, v in pairs(extra or {}) do env[k] = v end
  return env
end

--- A fresh temporary directory.
function fsvc.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. proc.quote(d)))
  return d
end

--- The repository root (specs run from it).
fsvc.ROOT = os.getenv("PWD")

--- The scripts the specs run, by path.
fsvc.ONBOARDING = fsvc.ROOT .. "/scripts/onboarding.lua"
fsvc.CLEANUP = fsvc.ROOT .. "/scripts/cleanup.lua"
fsvc.BULK = fsvc.ROOT .. "/scripts/bulk-onboarding.lua"

return fsvc
