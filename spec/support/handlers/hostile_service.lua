--- A hostile Flow Service for specs (a flowlua.core.server module).
-- Behind it runs the real emulator (flowlua.emulator.app), so what the
-- client sends really happens; the answer is then spoiled. The sandbox
-- name of a request chooses how: `KIND` spoils every Flow Service
-- request, `KIND@POST` only POSTs (creates and actions), so reads stay
-- honest and a spec can see what the service really holds. IMS token
-- requests are spoiled only for a client id `KIND@IMS`.
--
-- KIND is one of: truncated (half the JSON), html (a 502 proxy page),
-- html200 (a 200 login page), xml (a 200 XML body), huge (a 200 JSON body
-- larger than the client's cap, `config` bytes), slow (answered after 3
-- seconds), badutf8 (a name with an invalid byte), deep (100000 nested
-- arrays), reset (the connection is closed, no answer), empty (a 200
-- without a body), redirect (a 302 to another host, with a token in the
-- Location's query), down (a 502 proxy page, and the request never
-- reaches the service: nothing happens), busy (429 with Retry-After: 30,
-- and the request never reaches the service), blackhole (never answered
-- within an hour, and never done: the emulator only counts the request
-- in its tally, /emulator/requests; serve it from its own process,
-- spec/support/serve.lua, which can be killed). METHOD may also be
-- ACTION: the
-- POSTs of publish, enable and disable only. `KIND@METHOD/N` spoils only
-- the first N such requests of that sandbox; later ones are answered
-- honestly (a fault that passes).
local app = require("flowlua.emulator.app")

local HTML = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title>"
  .. "</head><body><h1>Bad Gateway</h1><p>The proxy server received an "
  .. "invalid response from an upstream server.</p></body></html>\n"

local LOGIN = "<!DOCTYPE html>\n<html><body><form action=\"/login\">"
  .. "<input name=\"user\"></form></body></html>\n"

local BUSY = '{"error_code":"429001","message":"Too many requests"}'

local function spoilers(huge)
  return {
    truncated = function(res)
      res.body = res.body:sub(1, #res.body // 2)
    end,
    html = function(res)
      res.status, res.body = 502, HTML
      res.headers = { ["Content-Type"] = "text/html; charset=utf-8" }
    end,
    html200 = function(res)
      res.status, res.body = 200, LOGIN
      res.headers = { ["Content-Type"] = "text/html" }
    end,
    xml = function(res)
      res.status, res.body = 200, "<?xml version=\"1.0\"?><items/>"
      res.headers = { ["Content-Type"] = "application/xml" }
    end,
    huge = function(res)
      res.status = 200
      res.body = '{"items":["' .. ("x"):rep(huge) .. '"]}'
    end,
    slow = function(res) res.delay = 3 end,
    badutf8 = function(res)
      res.body = res.body:gsub('"name":"', '"name":"\255', 1)
    end,
    deep = function(res)
      res.status = 200
      res.body = ("["):rep(100000) .. ("]"):rep(100000)
    end,
    reset = function(res) res.abort = true end,
    empty = function(res) res.status, res.body = 200, "" end,
    redirect = function(res)
      res.status, res.body = 302, ""
      res.headers = { Location = "https://login.example/sso/start"
        .. "?token=hostile-token-in-query" }
    end,
  }
end

local function is_action(req)
  return req.method == "POST" and req.path:find("/action$") ~= nil
end

-- The spoiler kind that applies to a request, or nil; and the mode.
local function kind_for(req)
  local mode = req.headers["x-sandbox-name"] or ""
  local ims = req.path == "/ims/token/v3"
  if ims then  -- no sandbox header there: the client id says it
    mode = (req.body or ""):match("client_id=([^&]*)") or ""
    mode = mode:gsub("%%40", "@")
  end
  local kind, method = mode:match("^([%w]+)@?(%u*)/?%d*$")
  if method == "IMS" then return ims and kind or nil, mode end
  if ims then return nil end
  if method == "" or method == req.method
      or (method == "ACTION" and is_action(req)) then
    return kind, mode
  end
end

-- Counts the spoiled requests of each `KIND@METHOD/N` mode: past N, the
-- fault has passed.
local function limiter()
  local spoiled = {}
  return function(kind, mode)
    local limit = kind and tonumber(mode:match("/(%d+)$"))
    if not limit then return kind end
    spoiled[mode] = (spoiled[mode] or 0) + 1
    return spoiled[mode] <= limit and kind or nil
  end
end

return function(config)
  local emulator = app.new{}
  local spoil = spoilers(tonumber(config) or 70 * 1024 * 1024)
  local limit = limiter()
  return function(req)
    local kind = limit(kind_for(req))
    if kind == "down" then  -- the service never sees the request
      local res = { headers = {} }
      spoil.html(res)
      return res
    end
    if kind == "busy" then  -- rate limited before the service sees it
      return { status = 429, body = BUSY, headers = {
        ["Content-Type"] = "application/json", ["Retry-After"] = "30" } }
    end
    if kind == "blackhole" then  -- counted in the emulator's tally
      emulator.tally:count(req)
      return { status = 504, delay = 3600 }
    end
    local res = emulator:handle(req)
    if spoil[kind] then spoil[kind](res) end
    return res
  end
end
