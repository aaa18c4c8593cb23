-- flowlua.errors: structured errors that print as one line.
local errors = require("flowlua.errors")
local json = require("flowlua.json")

describe("flowlua.errors", function()
  it("turns a Flow Service error response into a structured error", function()
    local res = { status = 412, headers = { ["x-request-id"] = "req-1" },
      body = json.encode{ error_code = "1404-412",
        message = "The supplied version \"a\" does not match" } }
    local e = errors.from_response(res, "PATCH",
      "http://127.0.0.1:9/data/foundation/flowservice/connections/c1", json.decode)
    assert.same({ "service", 412, "1404-412", "req-1", "PATCH" },
      { e.kind, e.status, e.code, e.request_id, e.method })
    assert.equal("PATCH /data/foundation/flowservice/connections/c1: 412 "
      .. "1404-412 The supplied version \"a\" does not match (request id req-1)",
      tostring(e))
  end)

  it("reads the gateway's and the problem-style bodies", function()
    local gw = errors.from_response({ status = 403, headers = {},
      body = '{"error_code":"403010","message":"Oauth token is missing."}' },
      "GET", "http://h/x", json.decode)
    assert.equal("GET /x: 403 403010 Oauth token is missing.", tostring(gw))
    local problem = errors.from_response({ status = 400, headers = {},
      body = '{"title":"BadRequestError","status":400,'
        .. '"detail":"A valid content-type must be specified"}' },
      "POST", "http://h/y", json.decode)
    assert.equal("POST /y: 400 A valid content-type must be specified",
      tostring(problem))
  end)

  -- Adobe's documented bodies (spec/fixtures/adobe/errors/README.md).
  local function fixture(name)
    local f = assert(io.open("spec/fixtures/adobe/errors/" .. name .. ".json",
      "rb"))
    local body = f:read("a")
    f:close()
    return body
  end

  local function parsed(name, status, headers)
    local e = errors.from_response({ status = status, headers = headers or {},
      body = fixture(name) }, "GET", "http://h/data/foundation/flowservice/x",
      json.decode)
    return { e.status, e.code, e.message, e.request_id }
  end

  it("reads code, status, message and request id from Flow Service's "
    .. "documented body", function()
    assert.same({ 404, "1439-404", "The requested flows resource "
      .. "2a2b3c4d-0000-4000-8000-00000000000f is not found. Verify the "
      .. "resource ID before trying again.", "Vs2kQ3Zr8sWnD0x1Ul4zP9cE5bTyH7aJ" },
      parsed("flow-1439-404", 404))
    -- the response header, when there is one, names the request
    assert.equal("hdr-1", parsed("flow-1439-404", 404,
      { ["x-request-id"] = "hdr-1" })[4])
  end)

  it("reads the documented stale-etag body as 1404-412", function()
    assert.same({ 412, "1404-412", 'Supplied version=["a200a2a3-0000-0200-'
      .. '0000-123178f90000"] does not match the current version on entity=['
      .. '"a200cdb2-0000-0200-0000-456179940000"]', "req-9" },
      parsed("stale-etag-412", 412, { ["x-request-id"] = "req-9" }))
  end)

  it("reads every documented gateway body", function()
    for _, g in ipairs({ { "403010", 403, "Oauth token is missing." },
        { "401013", 401, "Oauth token is not valid" },
        { "403000", 403, "Api Key is required" },
        { "403003", 403, "Api Key is invalid" },
        { "400003", 400, "Missing header" },
        { "403025", 403, "Profile is not valid" } }) do
      assert.same({ g[2], g[1], g[3] }, parsed("gateway-" .. g[1], g[2]))
      -- the gateway's bodies carry no request id: the header names it
      assert.equal("gw-" .. g[1], parsed("gateway-" .. g[1], g[2],
        { ["x-request-id"] = "gw-" .. g[1] })[4])
    end
  end)

  it("reads the documented content-type problem body", function()
    assert.same({ 400, nil, "A valid content-type must be specified" },
      parsed("content-type-400", 400))
    assert.equal("ct-1", parsed("content-type-400", 400,
      { ["x-request-id"] = "ct-1" })[4])
  end)

  it("never fails on a body of an unknown shape", function()
    for _, body in ipairs({ "[]", "[1,2]", "3", '"text"', "null", "{}",
        '{"report":"x","type":7,"error_code":{},"message":[]}',
        '{"report":{"detailed-message":5},"code":12.5,"title":""}',
        '{"type":"https://ns.adobe.com/aep/errors/FLOW-x"}' }) do
      local e = errors.from_response({ status = 418, headers = {},
        body = body }, "GET", "http://h/q", json.decode)
      assert.equal(418, e.status)
      assert.is_nil(e.code)
      assert.equal("string", type(tostring(e)))
    end
    local e = errors.from_response({ status = 400, headers = {},
      body = '{"code":1100}' }, "GET", "http://h/q", json.decode)
    assert.equal("1100", e.code)
  end)

  it("keeps a non-JSON body's first line as the message, on one line", function()
    local e = errors.from_response({ status = 502, headers = {},
      body = "bad\ngateway" }, "GET", "http://h/z", json.decode)
    assert.equal("GET /z: 502 bad gateway", tostring(e))
  end)

  it("prints validation problems with field, rule and fix", function()
    local e = errors.new("validation", { entity = "create base connection \"x\"",
      problems = { { field = "auth.params.userid", rule = "required",
        fix = "add 'userid'" } } })
    assert.equal("create base connection \"x\" not sent: auth.params.userid: "
      .. "required (fix: add 'userid')", tostring(e))
    assert.is_true(errors.is(e, "validation"))
    assert.is_false(errors.is(e, "service"))
    assert.is_false(errors.is({ kind = "validation" }))
  end)

  it("never prints a registered secret", function()
    local log = require("flowlua.log")
    log.secret("s3cr3t-value-42")
    local e = errors.from_response({ status = 400, headers = {},
      body = '{"message":"bad password s3cr3t-value-42"}' }, "POST",
      "http://h/c", json.decode)
    assert.equal("POST /c: 400 bad password ***", tostring(e))
  end)

  it("describes a network failure with whether the request was sent", function()
    local e = errors.from_network("connection reset", { kind = "reset",
      sent = true }, "POST", "http://h/flows")
    assert.same({ "network", "reset", true }, { e.kind, e.network, e.sent })
    assert.equal("POST /flows: connection reset", tostring(e))
  end)
end)
