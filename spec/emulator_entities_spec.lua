-- The emulator's entities over real HTTP: create, get, patch, delete,
-- publish and the flow actions, with the catalogue's error codes.
local emu = require("support.emulator")
local json = require("flowlua.json")

local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x+$"
local ETAG = '^"[%x%-]+"$'

describe("emulator entities", function()
  local e, c

  setup(function() e, c = emu.serve() end)
  teardown(function() e:stop() end)

  local function item(kind, id)
    local res = c:get("/" .. kind .. "/" .. id)
    assert.equal(200, res.status)
    assert.equal(1, #res.json.items)
    return res.json.items[1]
  end

  describe("create", function()
    it("answers 201 with a UUID id, a quoted etag and a Location", function()
      local res = c:post("/connections", emu.base_body())
      assert.equal(201, res.status)
      assert.matches(UUID, res.json.id)
      assert.matches(ETAG, res.json.etag)
      assert.equal(emu.BASE .. "/connections/" .. res.json.id,
        res.headers["location"])
    end)

    it("stores the entity with timestamps, state, version = etag", function()
      local before = os.time() * 1000 - 1000
      local r = c:post("/connections", emu.base_body()).json
      local got = item("connections", r.id)
      assert.equal(r.id, got.id)
      assert.equal(r.etag, got.etag)
      assert.equal(r.etag, got.version)
      assert.equal("enabled", got.state)
      assert.equal("prod", got.sandboxName)
      assert.equal(emu.ORG, got.imsOrgId)
      assert.equal("integer", math.type(got.createdAt))
      assert.is_true(got.createdAt >= before)
      assert.equal(got.createdAt, got.updatedAt)
    end)

    it("never shows a password-format auth param", function()
      local r = c:post("/connections", emu.base_body()).json
      assert.same({ host = "acme.file.core.windows.net", userid = "acme" },
        item("connections", r.id).auth.params)
    end)

    it("makes a draft with ?mode=draft", function()
      local r = c:post("/connections?mode=draft", emu.base_body()).json
      assert.equal("draft", item("connections", r.id).state)
    end)

    it("refuses an unknown connection spec with 1413-400", function()
      local body = emu.base_body()
      body.connectionSpec.id = "00000000-0000-0000-0000-000000000000"
      local res = c:post("/connections", body)
      assert.equal("Invalid connectionSpec id "
        .. "'00000000-0000-0000-0000-000000000000': no such spec",
        emu.refusal(res, "1413-400"))
    end)

    it("refuses an unknown auth.specName with 1415-400", function()
      local body = emu.base_body()
      body.auth.specName = "OAuth"
      local res = c:post("/connections", body)
      assert.matches("authSpec 'OAuth' not found",
        emu.refusal(res, "1415-400"), 1, true)
    end)

    it("checks auth params in full without ?mode=draft", function()
      local res = c:post("/connections", emu.base_body({ host = "h",
        userId = "u", password = "p" }))
      assert.equal("auth.params.userid is required",
        emu.refusal(res, "1100-400"))
      assert.equal(400, res.json.status)
    end)

    it("checks present fields of a draft at once", function()
      local res = c:post("/connections?mode=draft",
        emu.base_body({ host = false }))
      assert.matches("^auth%.params%.host: ", emu.refusal(res, "1100-400"))
    end)

    it("never echoes a secret in a validation error", function()
      local res = c:post("/connections?mode=draft",
        emu.base_body({ password = { "hunter2-secret" } }))
      assert.equal(400, res.status)
      assert.is_nil(res.body:find("hunter2", 1, true))
      assert.matches("auth.params.password: is invalid", emu.message(res),
        1, true)
    end)

    it("refuses ?mode=draft where the spec lacks draft support", function()
      local res = c:post("/connections?mode=draft", {
        name = "stream", connectionSpec = {
          id = emu.HTTP_API, version = "1.0" },
        auth = { specName = "Streaming Connection",
          params = { sourceId = "s", dataType = "xdm" } } })
      assert.matches("Draft mode is not supported",
        emu.refusal(res, "1100-400"), 1, true)
    end)

    it("refuses state in a flow body with 1410-400", function()
      local ch = emu.chain(c, true)
      local body = emu.flow_body(ch.source.id, ch.target.id)
      body.state = "enabled"
      local res = c:post("/flows", body)
      emu.refusal(res, "1410-400")
    end)

    it("refuses a flow whose spec does not take the source spec", function()
      local src = c:post("/sourceConnections", { name = "dlz",
        data = { format = "delimited" }, params = { path = "c/x.csv" },
        connectionSpec = { id = "26f526f2-58f4-4712-961d-e41bf1ccc0e8",
          version = "1.0" } }).json
      local tgt = c:post("/targetConnections", emu.target_body()).json
      local body = emu.flow_body(src.id, tgt.id)
      body.flowSpec.id = "d8a6f005-7eaf-4153-983e-e8574508b877"
      local res = c:post("/flows", body)
      assert.matches("does not accept sourceConnection " .. src.id,
        emu.refusal(res, "1413-400"), 1, true)
    end)

    it("refuses a flow naming a missing connection with 1439-400", function()
      local tgt = c:post("/targetConnections", emu.target_body()).json
      local res = c:post("/flows", emu.flow_body(
        "11111111-1111-4111-8111-111111111111", tgt.id))
      emu.refusal(res, "1439-400")
    end)

    it("checks scheduleParams against the flow spec's schedule", function()
      local ch = emu.chain(c, true)
      local body = emu.flow_body(ch.source.id, ch.target.id)
      body.scheduleParams = { startTime = 1597784298, frequency = "minute",
        interval = 5 }
      local res = c:post("/flows", body)
      assert.matches("^scheduleParams%.interval: ", emu.refusal(res, "1100-400"))
      body.scheduleParams.interval = 15
      assert.equal(201, c:post("/flows", body).status)
    end)

    it("checks transformations against the flow spec", function()
      local ch = emu.chain(c, true)
      local body = emu.flow_body(ch.source.id, ch.target.id)
      body.transformations = json.array{ { name = "Mapping",
        params = { mappingId = "bf5286a9", mappingVersion = json.array() } } }
      local res = c:post("/flows", body)
      assert.equal(400, res.status)
      assert.matches("^transformations%[0%]%.params%.mappingVersion: ",
        emu.message(res))
      body.transformations[1].params.mappingVersion = "0"
      assert.equal(201, c:post("/flows", body).status)
    end)

    -- Behaviour change (issue 14): the bodies of Adobe's cloud storage
    -- tutorial are accepted and stored as sent: scalars as strings where
    -- the specs type them, `"mappingVersion": 0`, a Data Lake target with
    -- only `data.format`.
    it("accepts the cloud storage tutorial's bodies and returns them as "
      .. "given", function()
      local base = c:post("/connections", emu.base_body()).json
      local src_body = emu.source_body(base.id)
      src_body.params.recursive = "true"
      local src = c:post("/sourceConnections", src_body)
      assert.equal(201, src.status)
      assert.equal("true", item("sourceConnections", src.json.id)
        .params.recursive)
      local tgt_body = emu.target_body()
      tgt_body.data = { format = "parquet_xdm" }
      local tgt = c:post("/targetConnections", tgt_body)
      assert.equal(201, tgt.status)
      local body = emu.flow_body(src.json.id, tgt.json.id)
      body.transformations = json.array{ { name = "Mapping", params = {
        mappingId = "bf5286a9c1ad4266baca76ba3adc9366", mappingVersion = 0 } } }
      body.scheduleParams = { startTime = "1597784298", frequency = "minute",
        interval = "30" }
      local flow = c:post("/flows", body)
      assert.equal(201, flow.status)
      local got = item("flows", flow.json.id)
      assert.same({ startTime = "1597784298", frequency = "minute",
        interval = "30" }, got.scheduleParams)
      assert.equal(0, got.transformations[1].params.mappingVersion)
      -- a string is checked as the number it spells
      body.scheduleParams = { startTime = "1597784298", frequency = "minute",
        interval = "5" }
      local res = c:post("/flows", body)
      assert.equal(400, res.status)
      assert.matches("^scheduleParams%.interval: ", emu.message(res))
      body.scheduleParams = { startTime = "soon", frequency = "hour",
        interval = "1", backfill = "true" }
      res = c:post("/flows", body)
      assert.equal(400, res.status)
      assert.matches("^scheduleParams%.startTime: ", emu.message(res))
    end)

    it("refuses an enabled flow over draft connections", function()
      local ch = emu.chain(c, false)
      local res = c:post("/flows", emu.flow_body(ch.source.id, ch.target.id))
      emu.refusal(res, "1409-400")
    end)

    it("refuses unknown fields and service-owned fields", function()
      local body = emu.base_body()
      body.baseConnectionID = "x"
      assert.equal("Unknown field 'baseConnectionID' in the connection body",
        emu.message(c:post("/connections", body)))
      body = emu.base_body()
      body.id = "mine"
      assert.equal("1100-400", emu.code(c:post("/connections", body)))
    end)
  end)

  describe("publish", function()
    it("publishes in order and refuses out of order with 1409-400", function()
      local ch = emu.chain(c, false)
      local res = c:post("/flows/" .. ch.flow.id .. "/action?op=publish")
      assert.matches("source connection " .. ch.source.id,
        emu.refusal(res, "1409-400"), 1, true)
      assert.matches("target connection " .. ch.target.id, emu.message(res),
        1, true)
      res = c:post("/sourceConnections/" .. ch.source.id
        .. "/action?op=publish")
      assert.equal("1409-400", emu.code(res))
      assert.matches("base connection " .. ch.base.id, emu.message(res),
        1, true)
      for _, step in ipairs({ { "connections", ch.base },
          { "sourceConnections", ch.source },
          { "targetConnections", ch.target }, { "flows", ch.flow } }) do
        res = c:post("/" .. step[1] .. "/" .. step[2].id
          .. "/action?op=PUBLISH")
        assert.equal(200, res.status)
        assert.equal(step[2].id, res.json.id)
        assert.are_not.equal(step[2].etag, res.json.etag)
        assert.equal("enabled", item(step[1], step[2].id).state)
      end
    end)

    -- The answer to action `op` on a new published base connection.
    local function act_on_published_base(op)
      local r = c:post("/connections", emu.base_body()).json
      return c:post("/connections/" .. r.id .. "/action?op=" .. op)
    end

    it("refuses to publish a published entity with 1422-400", function()
      emu.refusal(act_on_published_base("publish"), "1422-400")
    end)

    it("names every missing field when a draft is incomplete", function()
      local r = c:post("/connections?mode=draft", { name = "x",
        auth = { specName = "Basic Authentication", params = {} },
        connectionSpec = { id = emu.AZURE } }).json
      local res = c:post("/connections/" .. r.id .. "/action?op=publish")
      emu.refusal(res, "1100-400")
      local fields = {}
      for _, s in ipairs(res.json.report["sub-errors"]) do
        fields[#fields + 1] = s.field
      end
      table.sort(fields)
      assert.same({ "auth.params.host", "auth.params.password",
        "auth.params.userid" }, fields)
    end)

    it("enables and disables a flow, 1422-400 on a draft", function()
      local ch = emu.chain(c, false)
      local res = c:post("/flows/" .. ch.flow.id .. "/action?op=disable")
      assert.equal("1422-400", emu.code(res))
      ch = emu.chain(c, true)
      res = c:post("/flows/" .. ch.flow.id .. "/action?op=Disable")
      assert.equal(200, res.status)
      assert.equal("disabled", item("flows", ch.flow.id).state)
      res = c:post("/flows/" .. ch.flow.id .. "/action?op=enable")
      assert.equal(200, res.status)
      assert.equal("enabled", item("flows", ch.flow.id).state)
    end)

    it("refuses an unknown op with 1434-400", function()
      emu.refusal(act_on_published_base("enable"), "1434-400")
    end)
  end)

  describe("patch", function()
    local function ops(list) return json.array(list) end

    it("applies add/replace/remove with If-Match, new etag", function()
      local r = c:post("/connections?mode=draft", emu.base_body()).json
      local res = c:patch("/connections/" .. r.id, ops{
        { op = "REPLACE", path = "/name", value = "ACME v2" },
        { op = "add", path = "/description", value = "d" },
        { op = "Remove", path = "/auth/params/host" } },
        { ["If-Match"] = r.etag })
      assert.equal(200, res.status)
      assert.equal(r.id, res.json.id)
      assert.are_not.equal(r.etag, res.json.etag)
      local got = item("connections", r.id)
      assert.equal("ACME v2", got.name)
      assert.equal("d", got.description)
      assert.is_nil(got.auth.params.host)
      assert.equal(res.json.etag, got.etag)
    end)

    -- Behaviour change (issue 14): If-Match is the quoted strong etag the
    -- service gave; an unquoted or weak one no longer matches.
    it("refuses an unquoted or weak If-Match with the documented 412",
      function()
        local r = c:post("/connections", emu.base_body()).json
        local bare = r.etag:gsub('"', "")
        for _, supplied in ipairs({ bare, "W/" .. r.etag }) do
          local res = c:patch("/connections/" .. r.id, ops{
            { op = "replace", path = "/name", value = "n" } },
            { ["If-Match"] = supplied })
          emu.refusal(res, "1404-412")
          assert.equal(("Supplied version=[%s] does not match the current "
            .. "version on entity=[%s]"):format(supplied, r.etag),
            res.json.errorMessage)
        end
      end)

    -- Behaviour change (issue 14): a PATCH body is an RFC 6902 array, as
    -- every documented body is; one bare instruction object is refused.
    it("refuses a PATCH body that is one instruction, not an array",
      function()
        local r = c:post("/connections", emu.base_body()).json
        local res = c:patch("/connections/" .. r.id,
          { op = "replace", path = "/name", value = "n" },
          { ["If-Match"] = r.etag })
        assert.equal("Invalid PATCH: the body must be a JSON Patch array of "
          .. "{op, path, value}", emu.refusal(res, "1100-400"))
      end)

    it("needs If-Match (1403-400) and the current etag (1404-412)", function()
      local r = c:post("/connections", emu.base_body()).json
      local body = ops{ { op = "replace", path = "/name", value = "n" } }
      local res = c:patch("/connections/" .. r.id, body)
      emu.refusal(res, "1403-400")
      res = c:patch("/connections/" .. r.id, body, { ["If-Match"] = r.etag })
      assert.equal(200, res.status)
      res = c:patch("/connections/" .. r.id, body, { ["If-Match"] = r.etag })
      emu.refusal(res, "1404-412")
    end)

    it("refuses to change the connection spec with 1414-400", function()
      local r = c:post("/connections", emu.base_body()).json
      local res = c:patch("/connections/" .. r.id, ops{ { op = "replace",
        path = "/connectionSpec/id", value = emu.DATA_LAKE } },
        { ["If-Match"] = r.etag })
      emu.refusal(res, "1414-400")
    end)

    it("re-validates and leaves the entity unchanged on failure", function()
      local r = c:post("/connections", emu.base_body()).json
      local res = c:patch("/connections/" .. r.id, ops{
        { op = "replace", path = "/name", value = "changed" },
        { op = "remove", path = "/auth/params/userid" } },
        { ["If-Match"] = r.etag })
      assert.equal(400, res.status)
      assert.equal("auth.params.userid is required", emu.message(res))
      local got = item("connections", r.id)
      assert.equal("ACME Azure File Storage Base Connection", got.name)
      assert.equal(r.etag, got.etag)
    end)

    it("refuses read-only fields and bad paths", function()
      local r = c:post("/connections", emu.base_body()).json
      local res = c:patch("/connections/" .. r.id, ops{ { op = "replace",
        path = "/state", value = "draft" } }, { ["If-Match"] = r.etag })
      assert.equal("The field 'state' cannot be updated", emu.message(res))
      res = c:patch("/connections/" .. r.id, ops{ { op = "replace",
        path = "/nope/deeper", value = 1 } }, { ["If-Match"] = r.etag })
      assert.equal(400, res.status)
      assert.equal("Invalid PATCH: operation 0 (replace /nope/deeper): its "
        .. "parent does not exist", emu.message(res))
      res = c:patch("/connections/" .. r.id, ops{ { op = "move",
        path = "/name", from = "/description" } }, { ["If-Match"] = r.etag })
      assert.equal("Invalid PATCH: operation 0: op 'move' is not supported "
        .. "(add, replace, remove)", emu.message(res))
    end)

    it("adds transformations to a draft flow", function()
      local ch = emu.chain(c, false)
      local res = c:patch("/flows/" .. ch.flow.id, ops{ { op = "add",
        path = "/transformations", value = ops{ { name = "Mapping",
          params = { mappingId = "m1", mappingVersion = "0" } } } } },
        { ["If-Match"] = ch.flow.etag })
      assert.equal(200, res.status)
      assert.equal("m1",
        item("flows", ch.flow.id).transformations[1].params.mappingId)
    end)
  end)

  describe("delete", function()
    it("answers 204 and the entity is gone (FLOW-1439-404)", function()
      local r = c:post("/connections", emu.base_body()).json
      local res = c:delete("/connections/" .. r.id)
      assert.equal(204, res.status)
      assert.equal("", res.body)
      res = c:get("/connections/" .. r.id)
      emu.refusal(res, "1439-404")
      assert.equal(404, c:delete("/connections/" .. r.id).status)
    end)

    it("refuses a base connection used by a flow with 1418-400", function()
      local ch = emu.chain(c, true)
      local res = c:delete("/connections/" .. ch.base.id)
      emu.refusal(res, "1418-400")
      assert.equal(204, c:delete("/flows/" .. ch.flow.id).status)
      assert.equal(204, c:delete("/connections/" .. ch.base.id).status)
    end)
  end)
end)
