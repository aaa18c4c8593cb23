-- Requests the emulator must refuse clearly: malformed JSON, wrong
-- content type, empty and oversized bodies, unknown paths and methods.
-- Nothing is half-applied and the server keeps serving.
local emu = require("support.emulator")
local json = require("flowlua.json")

describe("emulator request handling", function()
  local e, c

  setup(function()
    e = emu.start()
    c = emu.client(e.url, { sandbox = "requests" })
  end)
  teardown(function() e:stop() end)

  local function count()
    return c:get("/connections?count=true").json.count
  end

  it("refuses malformed JSON with 1100-400 and creates nothing", function()
    local before = count()
    local res = c:post("/connections", '{"name": "x",}')
    assert.matches("^Malformed JSON body: ", emu.refusal(res, "1100-400"))
    assert.equal(before, count())
  end)

  it("refuses a body that is not application/json", function()
    local res = c:post("/connections", "{}",
      { ["Content-Type"] = "text/plain" })
    assert.equal(400, res.status)
    assert.same({ type = "/placeholder/type/uri", status = 400,
      title = "BadRequestError",
      detail = "A valid content-type must be specified" }, res.json)
  end)

  it("accepts application/json with a charset", function()
    local res = c:post("/connections", emu.base_body(),
      { ["Content-Type"] = "application/json; charset=utf-8" })
    assert.equal(201, res.status)
  end)

  it("refuses an empty body with 1405-400", function()
    local res = c:post("/connections", "")
    emu.refusal(res, "1405-400")
  end)

  it("refuses a body that is not an object", function()
    local res = c:post("/connections", "[1, 2]")
    assert.equal(400, res.status)
    assert.equal("The request body must be a JSON object",
      emu.message(res))
  end)

  it("refuses an oversized body with a 413", function()
    local big = '{"name": "' .. ("x"):rep(1024 * 1024 + 10) .. '"}'
    local res = c:post("/connections", big)
    assert.equal(413, res.status)
    assert.equal(200, c:get("/connections").status)
  end)

  it("answers an unknown path with a JSON 404", function()
    local res = c:get("/nothing")
    assert.equal(404, res.status)
    assert.same({ error_code = "404000", message = "No such endpoint: GET "
      .. emu.BASE .. "/nothing" }, res.json)
    res = emu.request{ url = e.url .. "/elsewhere" }
    assert.equal(404, res.status)
    res = c:get("/connections/x/y/z")
    assert.equal(404, res.status)
  end)

  it("answers a wrong method with a JSON 405 and Allow", function()
    local res = c:request("PUT", "/connections", "{}")
    assert.equal(405, res.status)
    assert.equal("GET, POST", res.headers["allow"])
    assert.equal("405000", res.json.error_code)
    res = c:request("DELETE", "/connectionSpecs")
    assert.equal(405, res.status)
    assert.equal("GET, POST", res.headers["allow"])
  end)

  it("tolerates a trailing slash (the OAS writes /connections/{id}/)",
    function()
      local r = c:post("/connections", emu.base_body()).json
      assert.equal(200, c:get("/connections/" .. r.id .. "/").status)
      assert.equal(204, c:delete("/connections/" .. r.id .. "/").status)
    end)

  -- Behaviour change (issue 14): the documented FLOW-1439-404 body, where
  -- the emulator answered 1101-404 in its own shape.
  it("answers Adobe's documented FLOW-1439-404 for an unknown id in every "
    .. "collection", function()
    local id = "5a5a5a5a-0000-4000-8000-000000000000"
    for _, kind in ipairs({ "connections", "sourceConnections",
        "targetConnections", "flows", "runs", "connectionSpecs",
        "flowSpecs" }) do
      local res = c:get("/" .. kind .. "/" .. id)
      assert.equal(404, res.status)
      local text = ("The requested %s resource %s is not found. Verify the "
        .. "resource ID before trying again."):format(kind, id)
      local report = res.json.report
      assert.same({
        type = "https://ns.adobe.com/aep/errors/FLOW-1439-404",
        title = "Resource not found", status = 404,
        report = { ["detailed-message"] = text, id = report.id,
          ["request-id"] = res.headers["x-request-id"], type = kind },
        errorMessage = text, errorDetails = text }, res.json)
      assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", report.id)
      assert.equal("1439-404", emu.code(res))
    end
  end)

  it("routes POST /{kind}/search as search, never as an id",
    function()
      for _, kind in ipairs({ "connections", "flows", "flowSpecs" }) do
        local res = c:post("/" .. kind .. "/search", "{}")
        assert.equal(200, res.status)
        assert.is_table(res.json.items)
      end
      local res = c:get("/flows/search")
      assert.equal(405, res.status)
      assert.equal("POST", res.headers["allow"])
    end)

  it("sends a request id with every response", function()
    local res = c:get("/connections")
    assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", res.headers["x-request-id"])
  end)

  it("answers odd bodies of every kind with a 400 and keeps serving",
    function()
      local base = c:post("/connections", emu.base_body()).json
      local bodies = {
        { "/connections", '{"name": 1, "auth": "x", "connectionSpec": 7}' },
        { "/connections", '{"name": "n", "auth": {"specName": 5}, '
          .. '"connectionSpec": {"id": "' .. emu.AZURE .. '"}}' },
        { "/connections", '{"name": "n", "auth": {"specName": '
          .. '"Basic Authentication", "params": [1, 2]}, '
          .. '"connectionSpec": {"id": "' .. emu.AZURE .. '"}}' },
        { "/sourceConnections", '{"name": "s", "baseConnectionId": 42, '
          .. '"data": [], "params": "p", "connectionSpec": {"id": "'
          .. emu.AZURE .. '"}}' },
        { "/targetConnections", '{"name": "t", "data": {"schema": 1}, '
          .. '"connectionSpec": {"id": "' .. emu.DATA_LAKE .. '"}}' },
        { "/flows", '{"name": "f", "sourceConnectionIds": "x", '
          .. '"targetConnectionIds": [1, null], "transformations": "t", '
          .. '"scheduleParams": [], "flowSpec": {"id": "'
          .. emu.CLOUD_TO_AEP .. '"}}' },
        { "/flows", '{"name": "f", "sourceConnectionIds": [], '
          .. '"targetConnectionIds": [], "transformations": [1, {"name": 2}],'
          .. ' "flowSpec": {"id": "' .. emu.CLOUD_TO_AEP .. '"}}' },
        { "/flows", '{"flowSpec": "9753525b"}' },
        { "/connections", '"just a string"' },
        { "/connections", "null" },
        { "/connections", ("["):rep(5000) .. ("]"):rep(5000) },
        -- complete bodies whose only fault is their encoding
        { "/connections", json.encode(emu.base_body()):gsub(
          "ACME Azure", "\xff\xfe") },
        { "/connections", json.encode(emu.base_body()):gsub(
          "ACME Azure", "\\ud800") },
      }
      for _, b in ipairs(bodies) do
        local res = c:post(b[1], b[2])
        assert.equal(400, res.status, b[2]:sub(1, 80))
        assert.is_string(res.json.error_code or res.json.title)
      end
      for _, patch in ipairs({ '{"op": "add"}', "[1]", "[]", "{}",
          '[{"op": "replace", "path": "name", "value": 1}]',
          -- (an integer host would pass: integers are taken for strings,
          -- as the tutorials' "mappingVersion": 0 is; issue 14)
          '[{"op": "add", "path": "/auth/params/host", "value": true}]',
          '[{"op": "remove", "path": "/auth/params/host/deeper"}]' }) do
        local res = c:patch("/connections/" .. base.id, patch,
          { ["If-Match"] = base.etag })
        assert.equal(400, res.status, patch)
      end
      assert.equal(base.etag,
        c:get("/connections/" .. base.id).json.items[1].etag)
      for _, q in ipairs({ "property=%00", "property=[]==1",
          "orderby=a,,b", "limit=1e3", "property=a==&property===" }) do
        local res = c:get("/connections?" .. q)
        assert.is_true(res.status == 200 or res.status == 400, q)
      end
      assert.equal(200, c:get("/connections").status)
    end)
end)
