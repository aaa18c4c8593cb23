--- The Flow Service client: one per connection (`flowlua.connect()`).
-- Owns the HTTP client (its connection pool and retry policy), the IMS
-- authenticator, the per-client caches of connection and flow specs
-- (one request per spec, shared by the tasks that ask at once), and
-- the four entity collections (`connections`, `source_connections`,
-- `target_connections`, `flows`). Errors from the service are raised as
-- structured errors (flowlua.errors).
-- @module flowlua.client

local args = require("flowlua.args")
local json = require("flowlua.json")
local errors = require("flowlua.errors")
local runtime = require("flowlua.runtime")
local url_query = require("flowlua.url").query  -- `url`: a parameter below
local url_join = require("flowlua.url").join
local url_escape = require("flowlua.url").escape
local config = require("flowlua.config")
local http = require("flowlua.http")
local auth = require("flowlua.auth")
local log = require("flowlua.log")
local entity = require("flowlua.entity")
local runs = require("flowlua.entity.runs")
local raw = require("flowlua.entity.raw")
local task = require("flowlua.task")
local stop = require("flowlua.stop")

local client = {}

local Client = { __name = "flowlua.client" }
Client.__index = Client

client.BASE_PATH = "/data/foundation/flowservice"

-- Flow Service retry policy: more patience than flowlua.http's default,
-- and 500 retried too (Platform's advice for a 500 under load is to wait
-- and try again); flowlua.http still never retries a create that may
-- have been processed: the client reconciles those itself.
local RETRY = { attempts = 10, statuses = { 429, 500, 502, 503, 504 } }
local DEFAULT_TIMEOUT, CONNECT_TIMEOUT = 30, 10

local function merge(into, from)
  for k, v in pairs(from or {}) do into[k] = v end
  return into
end

-- Settings: a table given by the script wins over runtime.overrides
-- (the CLI's --sandbox, the embedded emulator), which win over the
-- environment and the profile file (flowlua.config).
local function load_settings(given)
  given = given or {}
  local overrides = merge(merge({}, runtime.overrides), given)
  overrides.profile, overrides.file = nil, nil
  overrides.dry_run, overrides.http = nil, nil
  return config.load{ profile = given.profile or runtime.profile,
    file = given.file or runtime.config_file, overrides = overrides }
end

-- The profile's deadline (FLOWLUA_DEADLINE and --deadline are applied
-- by `flowlua run` at start): counted from the start of the run.
local function apply_deadline(text)
  local secs = stop.parse_duration(text)
  if secs == nil then
    error(("deadline must be a duration such as 90s, 20m or 2h "
      .. "(FLOWLUA_DEADLINE or the file key 'deadline'), not '%s'")
      :format(tostring(text)), 0)
  end
  stop.set_deadline(secs, tostring(text), stop.started)
end

--- Connects: makes a client from settings (a table, or the profile,
-- environment and `flowlua run` options through flowlua.config).
-- Nothing is sent until the first request.
-- @tparam[opt] table settings e.g. `{endpoint=, sandbox=, access_token=}`,
--   `{profile = "dev"}`, plus `dry_run`, `http` (options for
--   flowlua.http's client)
-- @treturn table the client
function client.connect(settings)
  args.check(1, "connect", settings, "table", "nil")
  local s = load_settings(settings)
  local self = setmetatable({
    settings = s,
    dry_run = (settings and settings.dry_run) or runtime.dry_run or false,
    counts = {},
    specs = { connection = {}, flow = {} },
    spec_flights = {},  -- "which:key" -> the request in flight
    placeholders = {},
  }, Client)
  if s.insecure then
    log.warn("TLS certificate verification is OFF "
      .. "(--insecure): anyone on the network path can read the "
      .. "credentials; never use it against a real service")
  end
  -- timeout: each attempt of a request, whole transfer (30 s unless
  -- --timeout, FLOWLUA_TIMEOUT or the profile say otherwise); connecting
  -- gets at most 10 s of it.
  if s.deadline ~= nil and stop.deadline == nil then
    apply_deadline(s.deadline)
  end
  local timeout = s.timeout or DEFAULT_TIMEOUT
  self.http = http.client(merge({ timeout = timeout,
    connect_timeout = math.min(CONNECT_TIMEOUT, timeout), retry = RETRY,
    no_proxy = runtime.no_proxy, stop = stop,
    cafile = s.cafile, insecure = s.insecure }, settings and settings.http))
  self.auth = auth.new(s, self.http)
  self.base_url = (s.endpoint or ""):gsub("/+$", "") .. client.BASE_PATH
  self.connections = entity.collection(self, "connection")
  self.source_connections = entity.collection(self, "source")
  self.target_connections = entity.collection(self, "target")
  self.flows = entity.collection(self, "flow")
  self.runs = runs.collection(self)
  return self
end

local function count(self, method, attempts)
  self.counts[method] = (self.counts[method] or 0) + (attempts or 1)
end

local function headers(self, has_body, extra)
  local h = merge({}, self.auth:headers())
  h["Accept"] = "application/json"
  if has_body then h["Content-Type"] = "application/json" end
  return merge(h, extra)
end

local function decode_body(res)
  if res.body == nil or res.body == "" then return nil end
  return json.decode(res.body)
end

-- A success whose body is not JSON (a proxy's page, a cut transfer) is
-- no usable answer: a network error, ambiguous for a create, never `{}`.
local function unusable(res, err, method, url)
  local ctype = res.headers and res.headers["content-type"]
  return errors.from_network(("status %d with a body that is not JSON "
    .. "(%s, %d bytes): %s"):format(res.status, ctype or "no content type",
    #(res.body or ""), err or "empty body"),
    { kind = "protocol", sent = true }, method, url)
end

local function send(self, method, url, opts)
  local body = opts.body
  if type(body) == "table" then body = json.encode(body) end
  local has_body = body ~= nil
  -- A POST always carries a body, empty for actions (as curl -X POST
  -- sends), and then no Content-Type, as aepp does.
  if body == nil and method == "POST" then body = "" end
  local res, err, info = self.http:request{ method = method, url = url,
    headers = headers(self, has_body, opts.headers), body = body,
    idempotent = opts.idempotent, retry_sent = opts.retry_sent }
  count(self, method, res and res.attempts or 1)
  return res, err, info
end

-- Requests that change something. A redirect answered to one of them is
-- not a lost answer: the request went to the wrong address (an endpoint
-- behind a moved host, a login page). It is reported at once, never
-- re-sent and never taken for "no id, look for what it made".
local MUTATIONS = { POST = true, PATCH = true, PUT = true, DELETE = true }
-- Raw requests sent exactly once (flowlua.entity.raw); a PUT replaces
-- the whole resource, so sending it twice does no harm.
local ONCE = { POST = true, PATCH = true, DELETE = true }
local REDIRECTS = { [301] = true, [302] = true, [303] = true, [307] = true,
  [308] = true }

local function redirected(res, method, url)
  local location = res.headers and res.headers["location"]
  -- the query of a Location may carry a token: kept out, like ours
  location = location and location:gsub("%?.*$", "?...")
  return errors.new("service", {
    status = res.status, method = method, url = url,
    message = ("redirected to %s; a %s is not re-sent elsewhere: check "
      .. "the endpoint"):format(location or "(no Location header)", method),
    request_id = res.headers and res.headers["x-request-id"],
  })
end

local KIND_OF = { connections = "connection", sourceConnections = "source",
  targetConnections = "target", flows = "flow" }

-- Tells the running workflow step (if any) which entity a change
-- landed on and the etag it left (nil when the change failed and may
-- have landed: unknown), so a resumed run can check the entity is still
-- as this step left it (flowlua.workflow).
local function touched(method, path, data)
  local step = entity.running_step()
  local collection, id = path:match("^/(%a+)/([^/?]+)")
  local kind = collection and KIND_OF[collection]
  if step and kind and method ~= "DELETE" then
    step:touched(kind, id, type(data) == "table" and data.etag or nil)
  end
end

--- Sends a request; never raises for outcomes of the world.
-- @tparam string method HTTP method
-- @tparam string path path below the Flow Service base, with its query
-- @tparam[opt] table opts `{body=, headers=, idempotent=, retry_sent=}`
--   (the last two as flowlua.http's request takes them)
-- @treturn table|nil the decoded body (or `{}`), and the response
-- @treturn table|nil the structured error (`service` or `network`)
function Client:call(method, path, opts)
  opts = opts or {}
  local url = self.base_url .. path
  if MUTATIONS[method] and stop.check() then
    return nil, stop.refusal(("%s %s"):format(method, path))
  end
  local res, err, info = send(self, method, url, opts)
  if res and res.status == 401 then
    -- The token may have expired or been revoked: fetch a new one once.
    self.auth:invalidate()
    res, err, info = send(self, method, url, opts)
  end
  if not res then
    if MUTATIONS[method] then touched(method, path, nil) end
    return nil, errors.from_network(err, info, method, url)
  end
  if MUTATIONS[method] and REDIRECTS[res.status] then
    return nil, redirected(res, method, url), res
  end
  if res.status >= 400 then
    -- it may have landed (a 5xx, a lost answer): changed, etag unknown
    if MUTATIONS[method] then touched(method, path, nil) end
    return nil, errors.from_response(res, method, url, json.decode), res
  end
  local data, derr = decode_body(res)
  if derr or (data == nil and method == "GET") then
    return nil, unusable(res, derr, method, url), res
  end
  if MUTATIONS[method] then touched(method, path, data) end
  return data or {}, res
end

--- Sends a request and raises a structured error on failure: the raw
-- way to any operation of the service.
-- Under `--dry-run` a POST, PATCH, PUT or DELETE is recorded in the plan
-- and not sent (the answer is `{}`); a search (`POST /{kind}/search`)
-- changes nothing and is sent. GET, PUT and searches are retried after an
-- ambiguous failure, as reads and idempotent writes are. A POST, PATCH or
-- DELETE is sent exactly once, as the first-class methods are
-- (flowlua.entity.raw): after an ambiguous failure the service is read
-- to see whether it landed before it is sent again; one that cannot be
-- read back that way is not sent again unless `opts.landed(err)` reads
-- it (returns the result, or nil when the change is not there), or
-- `opts.idempotent = true` says repeating it is harmless.
-- @tparam string method HTTP method
-- @tparam string path path below the Flow Service base, with its query
-- @tparam[opt] table opts `{body = table or string, headers =,
--   idempotent =, landed =}`
-- @treturn table the decoded body
-- @treturn table the response (nil under dry run, or when the answer
--   was read back after a lost one)
-- @usage aep:request("POST", "/runs/" .. id .. "/action?op=re-trigger")
function Client:request(method, path, opts)
  args.check(1, "request", method, "string")
  args.check(2, "request", path, "string")
  args.check(3, "request", opts, "table", "nil")
  method = method:upper()
  if method == "POST" and path:match("^/%a+/search%f[?\0]") then
    method, opts = "SEARCH", opts or {}  -- a read: sent under dry run too
  end
  if self.dry_run and MUTATIONS[method] then
    require("flowlua.plan").add{ action = "request",
      detail = method .. " " .. path:gsub("%?.*$", "") }
    return {}, nil
  end
  opts = opts or {}
  if ONCE[method] and not opts.idempotent then
    return raw.mutate(self, method, path, opts), nil
  end
  if opts.idempotent == nil and (method == "PUT" or method == "SEARCH") then
    opts = merge(merge({}, opts), { idempotent = true })
  end
  if method == "SEARCH" then method = "POST" end
  local data, err = self:call(method, path, opts)
  if data == nil then error(err, 0) end
  return data, err
end

local function all_pages(self, path, first, body)
  local out = {}
  local data = first
  while true do
    for _, it in ipairs(data.items or {}) do out[#out + 1] = it end
    local href = type(data._links) == "table"
      and type(data._links.next) == "table" and data._links.next.href
    local token = type(href) == "string"
      and href:match("continuationToken=([^&]+)")
    if not token then return out end
    local err
    data, err = self:call("POST", path .. "?continuationToken=" .. token,
      { body = body, idempotent = true })
    if data == nil then error(err, 0) end
  end
end

local SEARCHABLE = { connections = true, flows = true, flowSpecs = true }

--- Searches connections, flows or flow specs (`POST /{kind}/search`).
-- A search changes nothing, so it is sent (and retried) under
-- `--dry-run` too.
-- @tparam string kind "connections", "flows" or "flowSpecs"
-- @tparam[opt] table opts `{query = queryString, orderby =, limit =,
--   count = true, fields = projectionFields}`
-- @treturn table a list of items (all pages), or with `count` a number
function Client:search(kind, opts)
  args.check(1, "search", kind, "string")
  if not SEARCHABLE[kind] then
    args.fail(1, "search", ('"connections", "flows" or "flowSpecs" '
      .. "expected, got %q"):format(kind))
  end
  opts = opts or {}
  local body = { queryString = opts.query, orderby = opts.orderby,
    limit = opts.limit, count = opts.count or nil,
    projectionFields = opts.fields }
  local path = "/" .. kind .. "/search"
  local data, err = self:call("POST", path, { body = body,
    idempotent = true })
  if data == nil then error(err, 0) end
  if opts.count then return math.tointeger(data.count) or data.count end
  return all_pages(self, path, data, body)
end

--- Explores the storage of a source without base connection (the Data
-- Landing Zone): `GET /connectionSpecs/{id}/explore`.
-- @tparam string spec_id the connection spec id
-- @tparam[opt] string path a folder; nil: the top
-- @treturn table a list of `{type, name, path, canPreview, canFetchSchema}`
function Client:explore_spec(spec_id, path)
  local q = path and { { "objectType", "FOLDER" }, { "object", path } }
    or { { "objectType", "ROOT" } }
  return self:request("GET", "/connectionSpecs/" .. url_escape(spec_id)
    .. "/explore" .. url_query(q))
end

--- A connection spec's configs (`GET /connectionSpecs/{id}/configs`).
-- @tparam string spec_id
-- @treturn table a list
function Client:spec_configs(spec_id)
  return self:request("GET", "/connectionSpecs/" .. url_escape(spec_id)
    .. "/configs")
end

local function first_item(data)
  if type(data) == "table" and type(data.items) == "table" then
    return data.items[1]
  end
  return data
end

local SPEC_PATHS = { connection = "/connectionSpecs", flow = "/flowSpecs" }
local SPEC_WORDS = { connection = "connection spec", flow = "flow spec" }

local function request_spec(self, which, key, query)
  local path = SPEC_PATHS[which]
  local data, err
  if query then
    data, err = self:call("GET", path .. url_query{
      { "property", ('name=="%s"'):format(query.name) } })
  else
    data, err = self:call("GET", url_join(path, key))
  end
  if data == nil and err.status ~= 404 then error(err, 0) end
  local spec = data and first_item(data)
  if spec == nil then
    errors.raise("usage", { message = ("no %s %s in sandbox %s")
      :format(SPEC_WORDS[which], query and ("named '" .. query.name .. "'")
        or key, tostring(self.settings.sandbox)) })
  end
  return spec
end

-- Single flight: the first task asking for a spec sends the request and
-- the others asking meanwhile wait for its outcome (the spec, or the
-- same error), so a spec costs one request per client however many
-- tasks want it at once.
local function await_flight(flight)
  flight.waiters[#flight.waiters + 1] = task.current()
  task.suspend()
  if not flight.ok then error(flight.err, 0) end
  return flight.spec
end

local function fly(self, which, cache_key, key, query)
  local flights, flight_key = self.spec_flights, which .. ":" .. cache_key
  local flight = { waiters = {} }
  flights[flight_key] = flight
  flight.ok, flight.spec = pcall(request_spec, self, which, key, query)
  flights[flight_key] = nil
  if flight.ok then
    local cache = self.specs[which]
    cache[cache_key] = flight.spec
    if flight.spec.id then cache[flight.spec.id] = flight.spec end
  else
    flight.err, flight.spec = flight.spec, nil
  end
  for _, t in ipairs(flight.waiters) do task.wake(t) end
  if not flight.ok then error(flight.err, 0) end
  return flight.spec
end

-- What connection_spec and flow_spec take: an id or `{name = "..."}`.
-- Raises in `fname`'s words unless `key` is an id or `{name=}`.
local function check_spec_key(key, fname)
  if type(key) ~= "string"
      and not (type(key) == "table" and type(key.name) == "string") then
    args.fail(1, fname, "id or {name=} expected, got " .. args.got(key), 1)
  end
end

local function fetch_spec(self, which, key)
  local query = type(key) == "table" and key or nil
  local cache_key = query and ("name:" .. query.name) or key
  local cached = self.specs[which][cache_key]
  if cached then return cached end
  local flight = self.spec_flights[which .. ":" .. cache_key]
  if flight and task.current() then return await_flight(flight) end
  return fly(self, which, cache_key, key, query)
end

--- A connection spec by id or `{name = ...}`, cached per client.
-- @tparam string|table key the id or `{name=}`
-- @treturn table the spec (as the service returns it)
function Client:connection_spec(key)
  check_spec_key(key, "connection_spec")
  return fetch_spec(self, "connection", key)
end

--- A flow spec by id or `{name = ...}`, cached per client.
-- @tparam string|table key the id or `{name=}`
-- @treturn table the spec
function Client:flow_spec(key)
  check_spec_key(key, "flow_spec")
  return fetch_spec(self, "flow", key)
end

local function draft_ok(spec)
  return type(spec) == "table" and type(spec.attributes) == "table"
    and spec.attributes.isDraftModeSupported == true
end

--- True when drafts are supported: both specs (or the one given) say
-- `attributes.isDraftModeSupported`.
-- @tparam table cs a connection spec (or nil)
-- @tparam[opt] table fs a flow spec
-- @treturn boolean
function Client.supports_drafts(_, cs, fs)
  if cs ~= nil and not draft_ok(cs) then return false end
  if fs ~= nil and not draft_ok(fs) then return false end
  return cs ~= nil or fs ~= nil
end

--- The retry policy of the client's HTTP requests (flowlua.retry), which
-- also paces the exactly-once routine (flowlua.entity.mutate); nil when
-- retries are off (`http = {retry = false}`).
-- @return policy or nil
function Client:retry_policy()
  return self.http:retry_policy()
end

--- Requests sent so far by method (attempts, retries included).
-- @treturn table e.g. `{GET = 12, POST = 4, PATCH = 1}`
function Client:request_counts()
  return merge({}, self.counts)
end

return client
