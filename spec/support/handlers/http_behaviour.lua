--- A server handler for the HTTP client specs and bench: each path is a
-- behaviour (echo, delay, abort, failures then success, big bodies), and
-- the server keeps its own record of what arrived, read back through
-- /stats, so specs check what the server saw rather than client timing.
--
--   /echo                 200 with a JSON description of the request
--   /hello                200 "hello" with a mixed-case header
--   /delay?s=S            200 after S seconds
--   /abort                closes the connection without a response
--   /fail?key=K&n=N&status=C[&after=R|&date=D]
--                         the first N requests of key K get status C (and
--                         Retry-After: R seconds, or an HTTP-date D seconds
--                         ahead), later ones 200 "ok after N"
--   /big?n=N              200 with N bytes of body
--   /stats?key=K          JSON {count, arrivals (sys.time), max_in_flight}
--   /reset                forgets every key and the in-flight record
local json = require("flowlua.json")
local sys = require("flowlua.core.sys")

local function query_args(query)
  local args = {}
  for k, v in query:gmatch("([^&=]+)=([^&]*)") do args[k] = v end
  return args
end

local function json_response(body)
  return { status = 200, headers = { ["Content-Type"] = "application/json" },
    body = json.encode(body) }
end

local function http_date(epoch)
  return os.date("!%a, %d %b %Y %H:%M:%S GMT", epoch)
end

return function()
  local keys = {}         -- key -> {count =, arrivals = {}}
  local ends = {}         -- scheduled end times of requests in flight
  local max_in_flight = 0

  -- A request is in flight from its arrival until its delay has passed.
  local function arrive(now, delay)
    local still = {}
    for _, e in ipairs(ends) do if e > now then still[#still + 1] = e end end
    still[#still + 1] = now + delay
    ends = still
    if #ends > max_in_flight then max_in_flight = #ends end
  end

  local function record(key)
    local k = keys[key] or { count = 0, arrivals = {} }
    keys[key] = k
    k.count = k.count + 1
    k.arrivals[k.count] = sys.time()
    return k
  end

  local function fail(args)
    local k = record(args.key or "default")
    if k.count > tonumber(args.n or 1) then
      return { status = 200, body = "ok after " .. (args.n or 1) }
    end
    local headers = {}
    if args.after then headers["Retry-After"] = args.after end
    if args.date then
      headers["Retry-After"] = http_date(math.floor(sys.time())
        + tonumber(args.date))
    end
    return { status = tonumber(args.status or 503), headers = headers,
      body = "failure " .. k.count }
  end

  local routes = {
    ["/echo"] = function(req)
      return json_response{ method = req.method, body = req.body,
        headers = req.headers, query = req.query, remote = req.remote }
    end,
    ["/hello"] = function()
      return { status = 200, headers = { ["X-Mixed-Case"] = "Yes" },
        body = "hello" }
    end,
    ["/delay"] = function(_, args)
      return { status = 200, body = "slept", delay = tonumber(args.s) }
    end,
    ["/abort"] = function() return { abort = true } end,
    ["/fail"] = function(_, args) return fail(args) end,
    ["/big"] = function(_, args)
      return { status = 200, body = ("x"):rep(tonumber(args.n)) }
    end,
    ["/stats"] = function(_, args)
      local k = keys[args.key or "default"] or { count = 0, arrivals = {} }
      return json_response{ count = k.count, arrivals = k.arrivals,
        max_in_flight = max_in_flight }
    end,
    ["/reset"] = function()
      keys, ends, max_in_flight = {}, {}, 0
      return { status = 200, body = "reset" }
    end,
  }

  return function(req)
    local args = query_args(req.query)
    if args.key and req.path ~= "/stats" and req.path ~= "/fail" then
      record(args.key)
    end
    if req.path ~= "/stats" and req.path ~= "/reset" then
      arrive(sys.monotime(), req.path == "/delay" and tonumber(args.s) or 0)
    end
    local route = routes[req.path]
    if not route then return { status = 404, body = "no route" } end
    return route(req, args)
  end
end
