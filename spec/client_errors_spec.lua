-- flowlua.errors: structured errors that print as one line.
local errors = require "flowlua.errors"
local json = require "flowlua.json"

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
    local log = require "flowlua.log"
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
