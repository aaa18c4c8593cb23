--- flowlua.auth: the headers every Platform request carries, with an
-- Adobe IMS OAuth server-to-server token (or a static one).
--
-- The token comes from `POST {ims_url}/ims/token/v3` with the form fields
-- `grant_type=client_credentials`, `client_id`, `client_secret` and
-- `scope`; it is cached until shortly before `expires_in` runs out (10%
-- of its lifetime early, at most 5 minutes early). After a 401 the client
-- calls `a:invalidate()` and the next `a:token()` fetches a new one.
-- Tasks asking for a token while one is being fetched wait for that fetch
-- instead of starting their own.
-- @module flowlua.auth

local args = require("flowlua.args")
local config = require("flowlua.config")
local errors = require("flowlua.errors")
local json = require("flowlua.json")
local log = require("flowlua.log")
local task = require("flowlua.task")
local sys = require("flowlua.core").sys
local url_form = require("flowlua.url").form

local auth = {}

--- Seconds a token is kept when IMS does not say (`expires_in` missing).
auth.DEFAULT_TTL = 300
--- Longest margin before expiry at which a token is renewed.
auth.MAX_MARGIN = 300

local Auth = {}
Auth.__index = Auth
Auth.__name = "flowlua.auth"

--- Makes an authenticator.
-- @tparam table settings from `flowlua.config.load`
-- @param http_client a `flowlua.http` client (for the IMS requests)
-- @treturn table the authenticator
function auth.new(settings, http_client)
  args.check(1, "new", settings, "table")
  if settings.access_token == nil and http_client == nil then
    args.fail(2, "new", "an http client is needed to fetch tokens")
  end
  log.secret(settings.client_secret)
  log.secret(settings.access_token)
  return setmetatable({ settings = settings, http = http_client,
    waiters = {}, fetches = 0 }, Auth)
end

--- Encodes fields as application/x-www-form-urlencoded, in the given
-- order.
-- @tparam table pairs `{ {name, value}, ... }`
-- @treturn string the body
function auth.form(pairs_list)
  args.check(1, "form", pairs_list, "table")
  return url_form(pairs_list)
end

local function token_url(s)
  return (config.need(s, "ims_url"):gsub("/+$", "")) .. "/ims/token/v3"
end

-- IMS answers errors as {"error": "...", "error_description": "..."}.
local function refused(res, url)
  local body = json.decode(res.body or "")
  local code, message = nil, "IMS refused the token request"
  if type(body) == "table" then
    if type(body.error) == "string" then code = body.error end
    if type(body.error_description) == "string" then
      message = "IMS: " .. body.error_description
    end
  end
  return errors.new("service", { status = res.status, code = code,
    message = log.redact(message), method = "POST", url = url,
    request_id = res.headers and res.headers["x-request-id"] })
end

local function granted(res, url)
  local body = json.decode(res.body or "")
  if type(body) ~= "table" or type(body.access_token) ~= "string"
      or body.access_token == "" then
    return nil, errors.new("service", { status = res.status,
      message = "IMS answered without an access_token", method = "POST",
      url = url })
  end
  log.secret(body.access_token)
  local ttl = tonumber(body.expires_in) or auth.DEFAULT_TTL
  -- IMS has sent expires_in in milliseconds at times; a day is the most
  -- a server-to-server token lives.
  if ttl > 86400 * 2 then ttl = ttl / 1000 end
  return body.access_token, ttl
end

local function fetch(self)
  local s = self.settings
  local url = token_url(s)
  local body = auth.form{
    { "grant_type", "client_credentials" },
    { "client_id", config.need(s, "client_id") },
    { "client_secret", config.need(s, "client_secret") },
    { "scope", config.need(s, "scopes") },
  }
  self.fetches = self.fetches + 1
  local started = sys.monotime()
  local res, err, info = self.http:request{ method = "POST", url = url,
    body = body, idempotent = true, headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Accept"] = "application/json" } }
  if not res then
    error(errors.from_network(log.redact(err), info, "POST", url), 0)
  end
  if res.status ~= 200 then error(refused(res, url), 0) end
  local token, ttl = granted(res, url)
  if not token then error(ttl, 0) end
  local margin = math.min(auth.MAX_MARGIN, ttl * 0.1)
  self.value, self.refresh_at = token, started + ttl - margin
  log.debug("IMS token fetched, valid for %d s", math.floor(ttl))
  return token
end

-- Runs one fetch; tasks that ask meanwhile wait for its outcome.
local function fetch_once(self)
  local me = task.current()
  if self.fetching and me then
    self.waiters[#self.waiters + 1] = me
    local ok, value = task.suspend()
    if not ok then error(value, 0) end
    return value
  end
  self.fetching = true
  local ok, value = pcall(fetch, self)
  self.fetching = false
  local waiters = self.waiters
  self.waiters = {}
  for _, t in ipairs(waiters) do task.wake(t, ok, value) end
  if not ok then error(value, 0) end
  return value
end

--- The access token: the static one when `access_token` is set, else the
-- cached IMS token, fetched when missing or about to expire.
-- @treturn string the token
-- @raise a `flowlua.errors` error when IMS cannot be reached or refuses
function Auth:token()
  local static = self.settings.access_token
  if static then return static end
  if self.value and sys.monotime() < self.refresh_at then
    return self.value
  end
  return fetch_once(self)
end

--- Forgets the cached token (after a 401), so the next `token()` fetches
-- a new one. A static token stays.
function Auth:invalidate()
  self.value, self.refresh_at = nil, nil
end

--- The headers of every Platform request.
-- @treturn table `Authorization`, `x-api-key`, `x-gw-ims-org-id`,
--   `x-sandbox-name`
function Auth:headers()
  local s = self.settings
  local api_key = s.api_key
  if not api_key or api_key == "" then
    api_key = config.need(s, "client_id")
  end
  return {
    ["Authorization"] = "Bearer " .. self:token(),
    ["x-api-key"] = api_key,
    ["x-gw-ims-org-id"] = config.need(s, "org_id"),
    ["x-sandbox-name"] = s.sandbox or "prod",
  }
end

return auth
