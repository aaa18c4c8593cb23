-- bench/soak/census.lua URL N: reads every entity of the emulator at URL
-- over HTTP (retrying its injected faults) and checks that bulk
-- onboarding left exactly N of each kind, all published (enabled), none
-- orphaned: every source uses a base, every flow one source and one
-- target, each used exactly once. Prints the counts; exits 1, loudly, on
-- any mismatch.
local http = require("flowlua.http")
local json = require("flowlua.json")

local url, n = arg[1], math.tointeger(tonumber(arg[2]))
assert(url and n, "usage: flowlua run bench/soak/census.lua URL N")
local BASE = url .. "/data/foundation/flowservice"
local ORG = "FLOWLUA0EMULATOR0000000@AdobeOrg"

local c = http.client{ timeout = 30, retry = { attempts = 50,
  statuses = { 429, 500, 502, 503, 504 } } }

local function request(method, u, headers, body)
  local res, err = c:request{ method = method, url = u, headers = headers,
    body = body, idempotent = true }
  assert(res, err)
  assert(res.status == 200, u .. ": " .. res.status .. " " .. res.body)
  return json.decode(res.body)
end

local token = request("POST", url .. "/ims/token/v3",
  { ["Content-Type"] = "application/x-www-form-urlencoded" },
  "grant_type=client_credentials&client_id=soak&client_secret=soak"
  .. "&scope=openid").access_token
local H = { Authorization = "Bearer " .. token, ["x-api-key"] = "soak",
  ["x-gw-ims-org-id"] = ORG, ["x-sandbox-name"] = "prod" }

local function all(kind)
  local out, nxt = {}, BASE .. "/" .. kind .. "?limit=100"
  while nxt do
    local page = request("GET", nxt, H)
    for _, it in ipairs(page.items) do out[#out + 1] = it end
    local href = page._links and page._links.next and page._links.next.href
    nxt = href and href ~= "" and (href:match("^https?:") and href
      or BASE .. href) or nil
  end
  return out
end

local problems = {}
local function problem(fmt, ...) problems[#problems + 1] = fmt:format(...) end

local KINDS = { "connections", "sourceConnections", "targetConnections",
  "flows" }
local items, by_id, uses = {}, {}, {}
for _, kind in ipairs(KINDS) do
  items[kind], by_id[kind], uses[kind] = all(kind), {}, {}
  local names = {}
  for _, e in ipairs(items[kind]) do
    by_id[kind][e.id] = e
    if names[e.name] then problem("%s: two named '%s'", kind, e.name) end
    names[e.name] = true
    if e.state ~= "enabled" then
      problem("%s %s '%s' is %s", kind, e.id, e.name, tostring(e.state))
    end
  end
  if #items[kind] ~= n then
    problem("%d %s, expected %d", #items[kind], kind, n)
  end
end

local function use(kind, id, by)
  if by_id[kind][id] == nil then
    problem("%s uses missing %s %s", by, kind, tostring(id))
  end
  uses[kind][id] = (uses[kind][id] or 0) + 1
end
for _, s in ipairs(items.sourceConnections) do
  use("connections", s.baseConnectionId, "source " .. s.id)
end
for _, f in ipairs(items.flows) do
  if #f.sourceConnectionIds ~= 1 or #f.targetConnectionIds ~= 1 then
    problem("flow %s has %d sources and %d targets", f.id,
      #f.sourceConnectionIds, #f.targetConnectionIds)
  end
  use("sourceConnections", f.sourceConnectionIds[1], "flow " .. f.id)
  use("targetConnections", f.targetConnectionIds[1], "flow " .. f.id)
end
for _, kind in ipairs{ "connections", "sourceConnections",
    "targetConnections" } do
  for _, e in ipairs(items[kind]) do
    local k = uses[kind][e.id] or 0
    if k ~= 1 then problem("%s %s '%s' used %d times", kind, e.id, e.name, k) end
  end
end

print(("census: %d connections, %d sourceConnections, %d "
  .. "targetConnections, %d flows; exact, all enabled, none orphaned: %s")
  :format(#items.connections, #items.sourceConnections,
    #items.targetConnections, #items.flows,
    #problems == 0 and "yes" or "NO"))
if #problems > 0 then
  io.stderr:write("SOAK FAILED: ", #problems, " problems\n")
  for i = 1, math.min(#problems, 20) do
    io.stderr:write("  ", problems[i], "\n")
  end
  os.exit(1)
end
