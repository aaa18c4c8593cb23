--- The Flow Service emulator, embedded: `flowlua emulator` and
-- `flowlua run --emulator` both start it through `start`.
-- @module flowlua.emulator
-- @usage
-- local emu = require("flowlua.emulator").start{ state = "state.json" }
-- print(emu.url)   --> http://127.0.0.1:43127
-- emu:close()

local args = require("flowlua.args")
local faults = require("flowlua.emulator.faults")
local json = require("flowlua.json")
local persistence = require("flowlua.emulator.persistence")
local sys = require("flowlua.core").sys

local emulator = {}

--- Default credentials when none are given: the emulator then accepts
-- any non-empty client id and secret, and these are what
-- `client_settings` hands to a client.
emulator.CLIENT_ID = "flowlua-emulator"
emulator.CLIENT_SECRET = "flowlua-emulator-secret"
emulator.ORG_ID = "FLOWLUA0EMULATOR0000000@AdobeOrg"
emulator.SCOPES =
  "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"

local Handle = {}
Handle.__index = Handle
Handle.__name = "flowlua.emulator"

--- Stops the server (idempotent).
function Handle:close()
  if self.server then
    self.server:close()
    self.server = nil
  end
end

Handle.__close = Handle.close
Handle.__gc = Handle.close

--- Settings that point a flowlua client at this emulator.
-- @treturn table `{endpoint, ims_url, client_id, client_secret, org_id,
--   scopes, access_token = false}`
function Handle:client_settings()
  return {
    endpoint = self.url, ims_url = self.url,
    client_id = self.client_id, client_secret = self.client_secret,
    org_id = self.org or emulator.ORG_ID, scopes = emulator.SCOPES,
    access_token = false,
  }
end

local function check_opts(opts)
  if opts.token_ttl ~= nil and (math.type(opts.token_ttl) ~= "integer"
      or opts.token_ttl < 1) then
    error("token_ttl must be a positive integer (seconds)", 3)
  end
  -- Fail here, in the caller's state, with a clear message: a bad fault
  -- spec or a corrupt state file must not surface as a server error.
  faults.parse((require("flowlua.emulator.run_faults").split(opts.faults)))
  if opts.state then
    local dir = opts.state:match("^(.*)/[^/]+$")
    if dir and dir ~= "" then
      local ok, err = sys.mkdir(dir)
      if not ok then error(err, 0) end
    end
    persistence.load(opts.state)
  end
  if opts.org ~= nil and (type(opts.org) ~= "string"
      or not opts.org:match("^%w+@AdobeOrg$")) then
    error("org must look like ID@AdobeOrg", 3)
  end
  if (opts.tls_cert == nil) ~= (opts.tls_key == nil) then
    error("tls_cert and tls_key go together", 3)
  end
  if opts.time_scale ~= nil and (type(opts.time_scale) ~= "number"
      or opts.time_scale <= 0 or opts.time_scale ~= opts.time_scale) then
    error("time_scale must be a positive number", 3)
  end
end

-- The storage folder: `files`, or `files/` beside the state file; made
-- if missing, so a fresh emulator serves an empty storage.
local function files_dir(opts)
  local dir = opts.files
  if dir == nil and opts.state then
    dir = (opts.state:match("^(.*)/[^/]+$") or ".") .. "/files"
  end
  if dir then
    local ok, err = sys.mkdir(dir)
    if not ok then error(err, 0) end
  end
  return dir
end

local START_OPTIONS = { host = true, port = true, state = true, faults = true,
  client_id = true, client_secret = true, org = true, token_ttl = true,
  tls_cert = true, tls_key = true, time_scale = true, files = true }

--- Starts an emulator on its own server thread.
-- @tparam[opt] table opts `{host="127.0.0.1", port=0, state=path|nil,
--   faults=spec|nil, client_id=nil, client_secret=nil, org=nil (accept
--   only this x-gw-ims-org-id), token_ttl=86399,
--   tls_cert=path|nil, tls_key=path|nil, time_scale=1, files=dir|nil}`
--   (both TLS files: HTTPS; `time_scale` simulated seconds per real
--   second; `files` the storage folder, default `files/` beside `state`)
-- @treturn table handle with `url`, `port`, `close()`, `client_settings()`
function emulator.start(opts)
  opts = args.options(1, "start", opts, START_OPTIONS)
  check_opts(opts)
  local config = json.encode({
    state = opts.state, faults = opts.faults, client_id = opts.client_id,
    client_secret = opts.client_secret, org = opts.org,
    token_ttl = opts.token_ttl or 86399,
    time_scale = opts.time_scale, files = files_dir(opts),
  })
  local server = require("flowlua.core").server
  local srv, err = server.start{
    host = opts.host or "127.0.0.1", port = opts.port or 0,
    module = "flowlua.emulator.handler", config = config,
    max_body = 2 * 1024 * 1024,
    tls = opts.tls_cert and { cert = opts.tls_cert, key = opts.tls_key },
  }
  if srv == nil then error("cannot start the emulator: " .. tostring(err), 2) end
  return setmetatable({ server = srv, url = srv.url, port = srv.port,
    org = opts.org, client_id = opts.client_id or emulator.CLIENT_ID,
    client_secret = opts.client_secret or emulator.CLIENT_SECRET }, Handle)
end

return emulator
