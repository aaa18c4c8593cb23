--- HTTP client: connection pool, retries, and tasks that yield.
-- `http.client(opts)` owns a libcurl multi handle (its connection pool).
-- `c:request(req)` returns a response, or `nil, err, info` when no
-- response came. Inside a task (flowlua.task) the request suspends the
-- task while its transfer runs; outside it blocks. Every request goes
-- through the client's retry policy (flowlua.retry).
-- @module flowlua.http

local core = require("flowlua.core").http
local sys = require("flowlua.core").sys
local task = require("flowlua.task")
local retry = require("flowlua.retry")
local log = require("flowlua.log")
local args = require("flowlua.args")

local http = {}

local Client = {}
Client.__index = Client
Client.__name = "flowlua.http.client"

-- Response headers: stored under lower-case names, looked up by any case.
local HEADERS = {
  __name = "flowlua.http.headers",
  __index = function(t, k)
    if type(k) == "string" then return rawget(t, k:lower()) end
  end,
}

local OPTIONS = {
  timeout = "number", connect_timeout = "number", insecure = "boolean",
  cafile = "string", max_connections = "number", max_body = "number",
  retry = "table|boolean", headers = "table", compress = "boolean",
  no_proxy = "string", stop = "table",
}
local KNOWN = {}
for k in pairs(OPTIONS) do KNOWN[k] = true end

-- What is wrong with an option's value (nil: nothing).
local function option_problem(opts)
  for k, v in pairs(opts) do
    if not OPTIONS[k]:find(type(v), 1, true) then
      return ("option '%s' must be a %s"):format(k,
        (OPTIONS[k]:gsub("|", " or ")))
    end
  end
end

-- The policy of the `retry` option, or nil and what is wrong with it
-- (flowlua.retry's words, to be raised as http.client's argument).
local function retry_policy(given)
  local ok, policy = pcall(retry.policy, given == true and {} or given)
  if ok then return policy end
  return nil, "retry: " .. policy:match("%((.*)%)$")
end

-- Hands finished transfers to the tasks waiting for them. (Blocking
-- callers take their result with multi:wait, never through poll.)
local function dispatch(c, list)
  for _, r in ipairs(list) do
    local t = c.waiters[r.id]
    if t then
      c.waiters[r.id] = nil
      c.nwaiting = c.nwaiting - 1
      task.wake(t, r)
    end
  end
end

-- The client's hosts that bypass proxies plus the environment's, as
-- libcurl reads it (no_proxy, then NO_PROXY): curl's CURLOPT_NOPROXY
-- replaces the environment's list, and only `extra` may change.
local function no_proxy_list(extra)
  if extra == nil then return nil end
  local env = os.getenv("no_proxy") or os.getenv("NO_PROXY")
  if env == nil or env == "" then return extra end
  if env == "*" then return env end  -- already every host
  return extra .. "," .. env
end

--- Creates a client.
-- @param[opt] opts `{timeout = 30, connect_timeout = 10, insecure = false,
--   cafile = nil, max_connections = 50, max_body = 64 MiB,
--   compress = false (ask for gzip/deflate/br/zstd responses),
--   no_proxy = nil (hosts never reached through a proxy, curl's comma
--   list, in addition to the environment's no_proxy),
--   stop = nil (flowlua.stop or a table like it: no attempt runs past
--   its time_left(), no retry starts once its check() says stop),
--   retry = {...} (see flowlua.retry) or false, headers = {...}}`
-- @return client
function http.client(opts)
  opts = args.options(1, "client", opts, KNOWN)
  local problem = option_problem(opts)
  if problem then args.fail(1, "client", problem) end
  local policy, mistake = retry_policy(opts.retry)
  if mistake then args.fail(1, "client", mistake) end
  local c = setmetatable({
    timeout = opts.timeout or 30,
    connect_timeout = opts.connect_timeout or 10,
    insecure = opts.insecure == true,
    compress = opts.compress == true,
    cafile = opts.cafile,
    max_body = math.tointeger(opts.max_body) or 64 * 1024 * 1024,
    headers = opts.headers or {},
    policy = policy,
    multi = core.multi{ max_connections = opts.max_connections or 50,
      headers_mt = HEADERS },
    waiters = {}, nwaiting = 0,
    paused_until = 0,
    stop = opts.stop,
  }, Client)
  c.creq = { connect_timeout = c.connect_timeout, insecure = c.insecure,
    cafile = c.cafile, max_body = c.max_body, compress = c.compress,
    noproxy = no_proxy_list(opts.no_proxy) }
  c.source = {
    multi = c.multi,
    pending = function() return c.nwaiting end,
    poll = function(timeout) dispatch(c, c.multi:poll(timeout)) end,
  }
  return c
end

-- One transfer; returns the multi's result table. The client's scratch
-- request table is filled and read by start() with no yield in between,
-- so tasks can share it; this saves a table per attempt.
local function transfer(c, req, method, headers, once, left)
  local creq = c.creq
  creq.method, creq.url, creq.body = method, req.url, req.body
  creq.headers, creq.timeout = headers, req.timeout or c.timeout
  if left and left < creq.timeout then creq.timeout = left end
  creq.once = once
  local id, err = c.multi:start(creq)
  if not id then return { error = err, kind = "other", sent = false } end
  local t = task.current()
  if t then
    c.waiters[id] = t
    c.nwaiting = c.nwaiting + 1
    task.watch(c.source)
    return task.suspend()
  end
  return c.multi:wait(id)
end

local NO_HEADERS = {}

local TOKEN = "^[%w!#$%%&'*+.^_`|~-]+$"

-- The request's header lines, defaults merged under the given ones; or
-- nil and what is wrong.
local function header_lines(defaults, given)
  if next(defaults) == nil and (given == nil or next(given) == nil) then
    return NO_HEADERS
  end
  local merged, lines = {}, {}
  for k, v in pairs(defaults) do merged[k:lower()] = { k, v } end
  for k, v in pairs(given or {}) do merged[k:lower()] = { k, v } end
  for _, kv in pairs(merged) do
    local v = tostring(kv[2])
    if not kv[1]:match(TOKEN) or v:find("[\r\n%z]") then
      -- a line break would smuggle a header or a request into the stream
      return nil, ("invalid header %q"):format(kv[1])
    end
    -- "Name;" is libcurl's way to send a header with an empty value.
    lines[#lines + 1] = v == "" and kv[1] .. ";" or kv[1] .. ": " .. v
  end
  table.sort(lines)
  return lines
end

-- What is wrong with a request table (nil: nothing).
local function request_problem(req)
  if type(req.url) ~= "string" then return "url must be a string" end
  if req.method ~= nil and (type(req.method) ~= "string"
      or not req.method:match(TOKEN)) then
    return 'method must be a token such as "GET"'
  end
  if req.body ~= nil and type(req.body) ~= "string" then
    return "body must be a string"
  end
  if req.headers ~= nil and type(req.headers) ~= "table" then
    return "headers must be a table of name = value"
  end
end

-- Every new attempt of this client waits while a Retry-After pause runs
-- (but not past the run's stop: then the pause is not waited for).
local function wait_pause(c)
  if c.paused_until == 0 then return end
  local left = c.paused_until - sys.monotime()
  while left > 0 do
    local limit = c.stop and c.stop.time_left()
    if limit and limit <= left then return end
    task.sleep(left)
    left = c.paused_until - sys.monotime()
  end
  c.paused_until = 0
end

-- Seconds the next attempt may take under the client's stop (nil: no
-- limit), and whether no attempt may start at all.
local function stop_limit(c)
  local left = c.stop and c.stop.time_left()
  return left, left ~= nil and left <= 0
end

-- No retry once the run stops, nor one whose wait ends past its limit.
local function stop_refuses(c, delay)
  if not c.stop then return false end
  local left = c.stop.time_left()
  if c.stop.check() ~= nil or (left ~= nil and delay >= left) then
    c.stop.cut()
    return true
  end
  return false
end

-- The URL without its query string: errors and logs never show
-- parameters, which may carry secrets.
local function safe_url(url)
  return (url:gsub("[?#].*$", ""))
end

local function log_attempt(method, url, r, n)
  if not log.enabled("debug") then return end
  log.request{ method = method, url = safe_url(url), status = r.status,
    duration = r.time, attempt = n, error = r.kind,
    request_id = r.headers and r.headers["x-request-id"] }
end

local function log_retry(method, url, r, n, delay, source)
  log.warn("%s %s: %s, retry %d in %.2fs (%s)", method, safe_url(url),
    r.status and ("status " .. r.status) or r.kind, n, delay, source)
end

local function outcome(r, idempotent, n, elapsed)
  return { status = r.status, kind = r.kind, sent = r.sent,
    retry_after = r.headers and r.headers["retry-after"],
    idempotent = idempotent, attempt = n, elapsed = elapsed }
end

-- The multi's result is the response itself (its headers table already
-- has the HEADERS metatable); a transport failure becomes nil, msg, info.
local function finish(r, method, url, n, sent)
  if r.status then
    r.id, r.attempts = nil, n
    return r
  end
  local msg = ("%s %s: %s"):format(method, safe_url(url), r.error)
  return nil, msg, { kind = r.kind, sent = sent, attempts = n, code = r.code }
end

--- Sends a request, with the client's retry policy.
-- @param req `{method = "GET", url =, headers = {name = value}, body =,
--   timeout = seconds, idempotent = bool, retry_sent = bool}`;
--   `idempotent` defaults to false for POST and PATCH, true otherwise;
--   `retry_sent = false` retries an idempotent request only when it
--   certainly was not processed, as one that is not (its caller settles
--   the rest by reading back), while it still rides a kept-alive
--   connection; it defaults to `idempotent`
-- @return response `{status, headers, body, time, attempts,
--   http_version}` (any HTTP status); or nil, message and
--   `{kind, sent, attempts, code}` (`sent`: some attempt may have reached
--   the server)
function Client:request(req)
  args.check(1, "request", req, "table")
  local problem = request_problem(req)
  if problem then args.fail(1, "request", problem) end
  local headers
  headers, problem = header_lines(self.headers, req.headers)
  if not headers then args.fail(1, "request", problem) end
  local method = (req.method or "GET"):upper()
  local idempotent = req.idempotent
  if idempotent == nil then
    idempotent = method ~= "POST" and method ~= "PATCH"
  end
  local retry_sent = idempotent and req.retry_sent ~= false
  local started = sys.monotime()
  local n, sent = 0, false
  while true do
    wait_pause(self)
    local left, none = stop_limit(self)
    if none then
      return nil, ("%s %s: not sent: the run is stopping"):format(method,
        safe_url(req.url)), { kind = "stopped", sent = sent, attempts = n }
    end
    n = n + 1
    local r = transfer(self, req, method, headers, not idempotent, left)
    sent = sent or r.sent == true
    log_attempt(method, req.url, r, n)
    local policy = self.policy
    if not policy or (r.status and not policy.status_set[r.status]) then
      return finish(r, method, req.url, n, sent)
    end
    local delay, source = policy:decide(
      outcome(r, retry_sent, n, sys.monotime() - started))
    if not delay or stop_refuses(self, delay) then
      return finish(r, method, req.url, n, sent)
    end
    log_retry(method, req.url, r, n, delay, source)
    if source == "retry-after" then
      self.paused_until = math.max(self.paused_until, sys.monotime() + delay)
    else
      task.sleep(delay)
    end
  end
end

--- The client's retry policy (flowlua.retry), or nil when `retry = false`.
-- @return policy or nil
function Client:retry_policy()
  return self.policy
end

--- Closes the client: stops its transfers and closes its connections.
-- Tasks waiting for a transfer of this client get a failure of kind
-- "cancelled" (counted as sent: it may have reached the server).
function Client:close()
  self.multi:close()
  for id, t in pairs(self.waiters) do
    self.waiters[id] = nil
    task.wake(t, { id = id, error = "the client was closed",
      kind = "cancelled", sent = true })
  end
  self.nwaiting = 0
end
Client.__close = Client.close

--- libcurl's version string.
http.version = core.version

return http
