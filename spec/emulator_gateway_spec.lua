-- The emulator's IMS token endpoint and the gateway's header checks,
-- over real HTTP, with the documented error bodies; sandbox isolation.
local emu = require("support.emulator")
local sys = require("flowlua.core").sys

local FORM = { ["Content-Type"] = "application/x-www-form-urlencoded" }

local function token_request(url, body)
  return emu.request{ method = "POST", url = url .. "/ims/token/v3",
    headers = FORM, body = body }
end

-- A client-credentials token request for `id` and `secret`, scope openid.
local function credentials(url, id, secret)
  return token_request(url, ("grant_type=client_credentials&client_id=%s"
    .. "&client_secret=%s&scope=openid"):format(id, secret))
end

describe("emulator IMS", function()
  local e

  setup(function() e = emu.start{ token_ttl = 1 } end)
  teardown(function() e:stop() end)

  it("issues bearer tokens that expire after token_ttl", function()
    local res = credentials(e.url, "any", "thing")
    assert.equal(200, res.status)
    assert.equal("bearer", res.json.token_type)
    assert.equal(1, res.json.expires_in)
    assert.matches("^emu%.%x+$", res.json.access_token)
    local c = emu.client(e.url, { client_id = "any",
      token = res.json.access_token })
    assert.equal(200, c:get("/connections").status)
    sys.sleep(1.2)
    local late = c:get("/connections")
    assert.equal(401, late.status)
    assert.same({ error_code = "401013", message = "Oauth token is not valid" },
      late.json)
  end)

  it("accepts the form fields in the query string too", function()
    local res = emu.request{ method = "POST", url = e.url .. "/ims/token/v3"
      .. "?grant_type=client_credentials&client_id=a&client_secret=b"
      .. "&scope=openid" }
    assert.equal(200, res.status)
  end)

  it("refuses a missing field, a wrong grant and a wrong body type", function()
    local res = token_request(e.url,
      "grant_type=client_credentials&client_id=a&scope=openid")
    assert.equal(400, res.status)
    assert.same({ error = "invalid_request",
      error_description = "client_secret is missing" }, res.json)
    res = token_request(e.url,
      "grant_type=client_credentials&client_id=a&client_secret=b")
    assert.equal("invalid_scope", res.json.error)
    res = token_request(e.url, "grant_type=password&client_id=a"
      .. "&client_secret=b&scope=openid")
    assert.equal("unsupported_grant_type", res.json.error)
    res = emu.request{ method = "POST", url = e.url .. "/ims/token/v3",
      headers = { ["Content-Type"] = "application/json" }, body = "{}" }
    assert.equal(400, res.status)
    assert.equal("invalid_request", res.json.error)
  end)
end)

describe("emulator IMS with --client-id/--client-secret", function()
  local e
  setup(function()
    e = emu.start{ client_id = "id-1", client_secret = "secret-1" }
  end)
  teardown(function() e:stop() end)

  it("accepts only the configured credentials", function()
    local res = credentials(e.url, "id-1", "wrong-secret-value")
    assert.equal(401, res.status)
    assert.equal("invalid_client", res.json.error)
    assert.is_nil(res.body:find("wrong-secret-value", 1, true))
    res = credentials(e.url, "other", "secret-1")
    assert.equal(401, res.status)
    res = credentials(e.url, "id-1", "secret-1")
    assert.equal(200, res.status)
  end)
end)

describe("emulator gateway", function()
  local e, c

  setup(function() e, c = emu.serve() end)
  teardown(function() e:stop() end)

  local function check(headers, status, code, message)
    local res = c:get("/connections", headers)
    assert.equal(status, res.status)
    assert.same({ error_code = code, message = message }, res.json)
  end

  it("403010 without Authorization", function()
    check({ Authorization = false }, 403, "403010", "Oauth token is missing.")
  end)

  it("403000 without x-api-key", function()
    check({ ["x-api-key"] = false }, 403, "403000", "Api Key is required")
  end)

  it("400003 without x-gw-ims-org-id", function()
    check({ ["x-gw-ims-org-id"] = false }, 400, "400003", "Missing header")
  end)

  it("401013 with an unknown token", function()
    check({ Authorization = "Bearer emu.0000" }, 401, "401013",
      "Oauth token is not valid")
    check({ Authorization = "Basic abc" }, 401, "401013",
      "Oauth token is not valid")
  end)

  it("403003 with an API key that is not the token's client", function()
    check({ ["x-api-key"] = "someone-else" }, 403, "403003",
      "Api Key is invalid")
  end)

  it("keeps one store per sandbox", function()
    local dev = emu.client(e.url, { sandbox = "dev" })
    local r = dev:post("/connections", emu.base_body()).json
    assert.equal(200, dev:get("/connections/" .. r.id).status)
    assert.equal("dev", dev:get("/connections/" .. r.id).json.items[1]
      .sandboxName)
    assert.equal(404, c:get("/connections/" .. r.id).status)
    local p = c:post("/connections", emu.base_body()).json
    assert.equal("prod", c:get("/connections/" .. p.id).json.items[1]
      .sandboxName)
  end)

  -- Behaviour change (issue 14): no silent `prod`; Adobe: "All requests to
  -- Platform APIs require the header x-sandbox-name".
  it("400003 without x-sandbox-name", function()
    check({ ["x-sandbox-name"] = false }, 400, "400003", "Missing header")
    check({ ["x-sandbox-name"] = "" }, 400, "400003", "Missing header")
  end)

  it("403025 with an org id that is not ID@AdobeOrg", function()
    check({ ["x-gw-ims-org-id"] = "ACME" }, 403, "403025",
      "Profile is not valid")
    check({ ["x-gw-ims-org-id"] = "ACME@AdobeOrg x" }, 403, "403025",
      "Profile is not valid")
  end)

  it("checks the headers on the catalogue too", function()
    local res = c:get("/connectionSpecs", { Authorization = false })
    assert.equal(403, res.status)
  end)
end)

describe("emulator gateway with --org", function()
  local e, c
  local ORG = "0123456789ABCDEF01234567@AdobeOrg"

  setup(function() e, c = emu.serve{ org = ORG } end)
  teardown(function() e:stop() end)

  it("accepts only that org (403025 for any other)", function()
    local res = c:get("/connections")
    assert.equal(403, res.status)
    assert.same({ error_code = "403025", message = "Profile is not valid" },
      res.json)
    assert.equal(200, c:get("/connections",
      { ["x-gw-ims-org-id"] = ORG }).status)
  end)

  it("hands that org to a client", function()
    assert.equal(ORG, e.handle:client_settings().org_id)
  end)
end)
