-- flowlua.auth against an IMS-like server (flowlua.core.server with
-- spec/support/handlers/ims_server.lua), over real HTTP (flowlua.http).
local auth = require("flowlua.auth")
local http = require("flowlua.http")
local log = require("flowlua.log")
local logs = require("support.logs")
local task = require("flowlua.task")
local server = require("flowlua.core").server
local sys = require("flowlua.core").sys

local CLIENT_ID = "spec-client-id"
-- Characters that must be percent-encoded in a form body.
local SECRET = "p@ss w0rd&scope=x+y%/é"
local SCOPES = "openid,AdobeID,read_organizations"

local function form(t)
  return auth.form(t)
end

local function start_ims(extra)
  local fields = { { "client_id", CLIENT_ID }, { "client_secret", SECRET },
    { "scope", SCOPES } }
  for _, p in ipairs(extra or {}) do fields[#fields + 1] = p end
  return assert(server.start{ module = "support.handlers.ims_server",
    config = form(fields) })
end

local function settings_for(ims, over)
  local s = { client_id = CLIENT_ID, client_secret = SECRET, scopes = SCOPES,
    org_id = "ORG@AdobeOrg", sandbox = "dev", ims_url = ims.url,
    api_key = CLIENT_ID, profile = "spec", config_file = "/spec/config.json" }
  for k, v in pairs(over or {}) do s[k] = v end
  return s
end

local function get(c, url, headers)
  return assert(c:request{ method = "GET", url = url, headers = headers })
end

local function stats(c, ims)
  return get(c, ims.url .. "/stats").body
end

describe("flowlua.auth", function()
  local ims, c
  before_each(function()
    ims = start_ims()
    c = http.client{ retry = false }
  end)
  after_each(function()
    ims:close()
    c:close()
  end)

  it("fetches a token from IMS and sends the four Platform headers", function()
    local a = auth.new(settings_for(ims), c)
    local h = a:headers()
    assert.same({ Authorization = "Bearer ims-token-1-abcdefgh",
      ["x-api-key"] = CLIENT_ID, ["x-gw-ims-org-id"] = "ORG@AdobeOrg",
      ["x-sandbox-name"] = "dev" }, h)
    local res = get(c, ims.url .. "/api", h)
    assert.equal(200, res.status)
    assert.equal("api-key=spec-client-id org=ORG@AdobeOrg sandbox=dev", res.body)
  end)

  it("caches the token: one IMS request for many calls", function()
    local a = auth.new(settings_for(ims), c)
    for _ = 1, 20 do get(c, ims.url .. "/api", a:headers()) end
    assert.equal("token_requests=1 api_requests=20", stats(c, ims))
  end)

  it("makes tasks that ask at once share one IMS request", function()
    local a = auth.new(settings_for(ims), c)
    local tokens = task.parallel({ 1, 2, 3, 4, 5, 6, 7, 8 }, function()
      return a:token()
    end)
    assert.same({ "ims-token-1-abcdefgh" }, { tokens[1], tokens[9] })
    for i = 2, 8 do assert.equal(tokens[1], tokens[i]) end
    assert.equal("token_requests=1 api_requests=0", stats(c, ims))
  end)

  it("fetches a new token once the old one is about to expire", function()
    ims:close()
    ims = start_ims{ { "ttl", "1" } }
    local a = auth.new(settings_for(ims), c)
    assert.equal("ims-token-1-abcdefgh", a:token())
    assert.equal("ims-token-1-abcdefgh", a:token())
    sys.sleep(0.95)  -- past 90% of the one-second lifetime
    assert.equal("ims-token-2-abcdefgh", a:token())
    assert.equal("token_requests=2 api_requests=0", stats(c, ims))
  end)

  it("fetches again after invalidate, as the client does on a 401", function()
    local a = auth.new(settings_for(ims), c)
    assert.equal(200, get(c, ims.url .. "/api", a:headers()).status)
    assert.equal(204, assert(c:request{ method = "POST", url = ims.url .. "/revoke",
      body = "" }).status)
    assert.equal(401, get(c, ims.url .. "/api", a:headers()).status)
    a:invalidate()
    assert.equal(200, get(c, ims.url .. "/api", a:headers()).status)
    assert.equal("token_requests=2 api_requests=3", stats(c, ims))
  end)

  it("uses a static token without asking IMS", function()
    local a = auth.new(settings_for(ims, { access_token = "static-token-value" }), nil)
    assert.equal("Bearer static-token-value", a:headers().Authorization)
    a:invalidate()
    assert.equal("static-token-value", a:token())
    assert.equal("token_requests=0 api_requests=0", stats(c, ims))
  end)

  it("uses the client id as x-api-key when no api_key is set", function()
    local a = auth.new(settings_for(ims, { access_token = "static-token-value",
      api_key = false }), nil)
    assert.equal(CLIENT_ID, a:headers()["x-api-key"])
  end)

  describe("errors", function()
    local function failure(a)
      local ok, err = pcall(a.token, a)
      assert.is_false(ok)
      return err
    end

    it("name the status and IMS's error field", function()
      local a = auth.new(settings_for(ims, { client_secret = "wrong-secret-value" }), c)
      local err = failure(a)
      assert.equal(401, err.status)
      assert.equal("invalid_client", err.code)
      assert.equal("POST /ims/token/v3: 401 invalid_client "
        .. "IMS: invalid client_secret parameter", tostring(err))
    end)

    it("never show the secret, even when IMS echoes it", function()
      ims:close()
      ims = start_ims{ { "echo", "1" } }
      local wrong = "echoed-secret-value"
      local a = auth.new(settings_for(ims, { client_secret = wrong }), c)
      local err = failure(a)
      assert.equal("POST /ims/token/v3: 401 invalid_client IMS: bad secret ***",
        tostring(err))
    end)

    it("report an answer that is not a token", function()
      local a = auth.new(settings_for(ims, { ims_url = ims.url .. "/broken" }), c)
      assert.equal("POST /broken/ims/token/v3: 500 IMS refused the token request",
        tostring(failure(a)))
    end)

    it("report an unreachable IMS as a network error", function()
      local url = ims.url
      ims:close()
      local a = auth.new(settings_for({ url = url }), c)
      local err = failure(a)
      assert.equal("network", err.kind)
      assert.equal("connect", err.network)
      assert.equal(false, err.sent)
    end)

    it("name the variable and the file key of a missing setting", function()
      local a = auth.new(settings_for(ims, { org_id = false }), c)
      assert.has_error(function() a:headers() end, 'missing setting org_id: set '
        .. 'FLOWLUA_ORG_ID, or "org_id" in profile "spec" of /spec/config.json')
    end)
  end)

  it("keeps the secret and the token out of debug logs", function()
    local token
    local _, text = logs.capture({ level = "debug" }, function()
      local a = auth.new(settings_for(ims), c)
      token = a:token()
      local wrong = auth.new(settings_for(ims, { client_secret = "another-secret-value" }), c)
      local _, err = pcall(wrong.token, wrong)
      log.debug("token %s secret %s error %s", token, SECRET, tostring(err))
    end)
    assert.is_truthy(text:find("POST /ims/token/v3 200", 1, true))
    assert.is_truthy(text:find("token *** secret *** error", 1, true))
    for _, s in ipairs{ token, SECRET, "another-secret-value", auth.form{ { "s", SECRET } } } do
      assert.is_nil(text:find(s, 1, true))
    end
  end)
end)
