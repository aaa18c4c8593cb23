--- A real server (spec/support/handlers/hostile_service.lua) in front of
-- the real emulator that spoils the requests its sandbox name chooses
-- (`reset@METHOD/N`: made, then the answer lost; `down@METHOD/N`: never
-- reaching the service), with what the exactly-once specs ask of it:
-- clients with a quick retry policy, a plain HTTP view of what the
-- service holds, the requests a client sent.
-- @usage local srv = hostile.start("mutate"); local aep = srv:connect(sb)
local core = require("flowlua.core")
local emu = require("support.emulator")
local flowlua = require("flowlua")
local fsvc = require("support.flow_service")
local log = require("flowlua.log")

local hostile = {}

local Server = {}
Server.__index = Server

--- Starts the server (logs quiet: no line per retry).
-- @tparam string client_id the IMS client id its clients use
-- @treturn table the server: `url`, the methods below
function hostile.start(client_id)
  local srv = assert(core.server.start{
    module = "support.handlers.hostile_service" })
  log.configure{ level = "error" }
  return setmetatable({ srv = srv, url = srv.url, client_id = client_id,
    opened = {} }, Server)
end

--- Client settings for a sandbox, through the server.
function Server:settings(sandbox)
  return { endpoint = self.url, ims_url = self.url,
    client_id = self.client_id, client_secret = self.client_id .. "-secret",
    org_id = emu.ORG, scopes = "openid", sandbox = sandbox }
end

--- A client whose policy gives up after `attempts`, quickly.
function Server:connect(sandbox, attempts)
  local s = self:settings(sandbox)
  s.http = { retry = { attempts = attempts, base = 0.01, cap = 0.02,
    statuses = { 429, 500, 502, 503, 504 } } }
  local aep = flowlua.connect(s)
  self.opened[#self.opened + 1] = aep.http
  return aep
end

--- A plain HTTP view of what the service holds (support.flow_service).
function Server:raw(sandbox)
  local r = fsvc.raw(self:settings(sandbox))
  self.opened[#self.opened + 1] = r.http
  return r
end

--- Closes the HTTP clients made so far: their sockets would be
-- inherited by later specs' children.
function Server:close_clients()
  for i, h in ipairs(self.opened) do
    h:close()
    self.opened[i] = nil
  end
end

--- Closes the clients and the server; logs as they were.
function Server:close()
  self:close_clients()
  log.configure{}
  self.srv:close()
end

--- Requests of a method sent by `aep` while `fn` runs.
function hostile.sent(aep, method, fn)
  local before = aep:request_counts()[method] or 0
  fn()
  return (aep:request_counts()[method] or 0) - before
end

return hostile
