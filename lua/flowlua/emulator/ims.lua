--- The emulator's IMS: `POST /ims/token/v3` (OAuth server-to-server,
-- client credentials) issuing tokens that expire, and the gateway checks
-- every Platform request goes through, with the gateway's documented
-- error bodies (reference §1.3, §4.1).
-- @module flowlua.emulator.ims

local errors = require("flowlua.emulator.errors")
local sys = require("flowlua.core").sys
local util = require("flowlua.emulator.util")

local ims = {}

local Ims = {}
Ims.__index = Ims
Ims.__name = "flowlua.emulator.ims"

--- A token issuer.
-- @tparam table cfg `{client_id=, client_secret=, org=, token_ttl=}`;
--   when client_id/secret are set only they are accepted, otherwise any
--   non-empty pair is; when org is set only that org id is
-- @treturn table
function ims.new(cfg)
  return setmetatable({ client_id = cfg.client_id,
    client_secret = cfg.client_secret, org = cfg.org, ttl = cfg.token_ttl or 86399,
    tokens = {}, count = 0 }, Ims)
end

local function oauth_error(status, code, description)
  return errors.json(status, { error = code,
    error_description = description })
end

local function form_params(req)
  local params = util.parse_query(req.query)
  if req.body ~= "" then
    for _, kv in ipairs(util.parse_query(req.body)) do
      params[kv[1]] = kv[2]
    end
  end
  return params
end

local function check_client(self, p)
  for _, name in ipairs({ "client_id", "client_secret", "scope" }) do
    if p[name] == nil or p[name] == "" then
      return oauth_error(400, name == "scope" and "invalid_scope"
        or "invalid_request", name .. " is missing")
    end
  end
  if self.client_id and p.client_id ~= self.client_id then
    return oauth_error(401, "invalid_client", "invalid client_id parameter")
  end
  if self.client_secret and p.client_secret ~= self.client_secret then
    return oauth_error(401, "invalid_client", "invalid client credentials")
  end
end

-- Forgets expired tokens once in a while, so the table stays small.
function Ims:prune(now)
  if self.count < 1024 then return end
  local n = 0
  for t, rec in pairs(self.tokens) do
    if rec.expires <= now then self.tokens[t] = nil else n = n + 1 end
  end
  self.count = n
end

--- Handles a token request.
-- @tparam table req the server's request
-- @treturn table response
function Ims:token(req)
  if req.method ~= "POST" then
    return oauth_error(405, "invalid_request", "use POST")
  end
  local ctype = (req.headers["content-type"] or ""):lower()
  if req.body ~= "" and
      not ctype:find("application/x-www-form-urlencoded", 1, true) then
    return oauth_error(400, "invalid_request",
      "Content-Type must be application/x-www-form-urlencoded")
  end
  local p = form_params(req)
  if p.grant_type ~= "client_credentials" then
    return oauth_error(400, "unsupported_grant_type",
      "grant_type must be client_credentials")
  end
  local refused = check_client(self, p)
  if refused then return refused end
  local now = sys.time()
  self:prune(now)
  local token = "emu." .. util.random_hex(24)
  self.tokens[token] = { expires = now + self.ttl, client_id = p.client_id }
  self.count = self.count + 1
  return errors.json(200, { access_token = token, token_type = "bearer",
    expires_in = self.ttl })
end

-- The gateway answers a request for an org the token is not entitled to
-- with 403025 "Profile is not valid" (reference §4.1): here, an org id
-- that is not `ID@AdobeOrg`, or not the one `--org` names.
local function org_refused(self, org)
  if not org:match("^%w+@AdobeOrg$")
      or (self.org ~= nil and org ~= self.org) then
    return errors.gateway(403, "403025", "Profile is not valid")
  end
end

--- The gateway checks of a Platform request.
-- @tparam table headers lower-case request headers
-- @treturn table|nil an error response, or nil and the caller's identity
--   `{client_id=, org=}`; a request without `x-sandbox-name` is refused
--   like one without `x-gw-ims-org-id` (Adobe: "All requests to Platform
--   APIs require the header x-sandbox-name")
function Ims:gateway(headers)
  local authz = headers["authorization"]
  if authz == nil or authz == "" then
    return errors.gateway(403, "403010", "Oauth token is missing.")
  end
  local key = headers["x-api-key"]
  if key == nil or key == "" then
    return errors.gateway(403, "403000", "Api Key is required")
  end
  local org = headers["x-gw-ims-org-id"]
  if org == nil or org == "" then
    return errors.gateway(400, "400003", "Missing header")
  end
  local token = authz:match("^[Bb][Ee][Aa][Rr][Ee][Rr]%s+(%S+)%s*$")
  local rec = token and self.tokens[token]
  if rec == nil or rec.expires <= sys.time() then
    return errors.gateway(401, "401013", "Oauth token is not valid")
  end
  if key ~= rec.client_id then
    return errors.gateway(403, "403003", "Api Key is invalid")
  end
  local refused = org_refused(self, org)
  if refused then return refused end
  local sandbox = headers["x-sandbox-name"]
  if sandbox == nil or sandbox == "" then
    return errors.gateway(400, "400003", "Missing header")
  end
  return nil, { client_id = rec.client_id, org = org }
end

return ims
