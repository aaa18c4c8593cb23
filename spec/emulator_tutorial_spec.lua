-- The seed tutorial ("Create drafts of your Flow Service entities using
-- the API"), every request in it, run with curl(1) against `flowlua
-- emulator` in its own process. Each request is sent as the tutorial
-- writes it: the method and path of its "API format" line, the
-- tutorial's headers, its body as written. Three corrections: the source
-- connection body's broken JSON (a stray quote after "description" and a
-- trailing comma after "format"), the source and target publish URLs (the
-- tutorial's curl lines post them to /connections/{id}/action; its own
-- "API format" lines say /sourceConnections and /targetConnections), and
-- the missing `curl -X POST` of the dataflow request. Placeholders become
-- real values; the host becomes the emulator's.
--
-- One answer differs from the tutorial on purpose: its base connection
-- sends `userId` where the Azure File Storage spec requires `userid`.
-- The draft is accepted (a draft may be incomplete, and an extra property
-- is allowed by the spec), but publishing it is refused naming `userid`,
-- as the real service's validation would; the spec fixes the draft with
-- a PATCH and publishes it.
-- luacheck: no max string line length
local emu = require("support.emulator")
local json = require("flowlua.json")
local proc = require("support.proc")

-- Flow Service errors name their catalogue code in a documented `type`.
local FLOW = "https://ns.adobe.com/aep/errors/FLOW-"

local FLOW_SERVICE = "https://platform.adobe.io/data/foundation/flowservice"

local function sh(cmd)
  local out = proc.output(cmd .. " -s -w '\\n%{http_code}'")
  local body, status = out:match("^(.-)\n?(%d%d%d)$")
  return tonumber(status), json.decode(body), body
end

describe("the seed tutorial against `flowlua emulator`", function()
  local p, vars

  -- Fills the tutorial's placeholders and points it at the emulator.
  local function run(cmd)
    cmd = cmd:gsub("https://platform%.adobe%.io", p.url)
    cmd = cmd:gsub("{([%u_]+)}", function(k)
      return assert(vars[k], "no value for {" .. k .. "}")
    end)
    return sh(cmd)
  end

  setup(function()
    p = assert(emu.spawn({}))
    vars = { API_KEY = "tutorial-client", ORG_ID = emu.ORG,
      SANDBOX_NAME = "prod", HOST = "acme.file.core.windows.net",
      USER_ID = "acme", PASSWORD = "tutorial-password",
      SCHEMA_ID = "https://ns.adobe.com/acme/schemas/0123",
      DATASET_ID = "5f3c3cedb2805c194ff0b69a" }
    local status, token = sh(("curl -X POST '%s/ims/token/v3' "
      .. "-H 'Content-Type: application/x-www-form-urlencoded' "
      .. "-d 'grant_type=client_credentials&client_id=tutorial-client"
      .. "&client_secret=tutorial-secret&scope=openid,AdobeID'"):format(p.url))
    assert.equal(200, status)
    vars.ACCESS_TOKEN = token.access_token
  end)

  teardown(function() p:stop() end)

  local HEADERS = [[
  -H 'Authorization: Bearer {ACCESS_TOKEN}' \
  -H 'Content-Type: application/json' \
  -H 'x-api-key: {API_KEY}' \
  -H 'x-gw-ims-org-id: {ORG_ID}' \
  -H 'x-sandbox-name: {SANDBOX_NAME}' \
]]

  -- One of the tutorial's curl requests: the method and path of its "API
  -- format" line, its headers (plus an extra one such as If-Match) and
  -- its body. Answers the HTTP status, the decoded body and the raw body.
  local function request(method, path, body, extra_header)
    local cmd = ("curl -X %s \\\n  '%s%s' \\\n"):format(method, FLOW_SERVICE, path)
      .. HEADERS
    if extra_header then cmd = cmd .. "  -H '" .. extra_header .. "' \\\n" end
    if body then cmd = cmd .. "  -d '" .. body .. "'" end
    return run(cmd)
  end

  local function state_of(kind, id)
    local status, body = request("GET", "/" .. kind .. "/" .. id)
    assert.equal(200, status)
    return body.items[1].state
  end

  -- "Create a draft ...": POST /{kind}?mode=draft answers 201 with an
  -- entity in state draft.
  local function create_draft(kind, body)
    local status, entity = request("POST", "/" .. kind .. "?mode=draft", body)
    assert.equal(201, status)
    assert.equal("draft", state_of(kind, entity.id))
    return entity
  end

  -- "Publish your draft ...": POST /{kind}/{id}/action?op=publish.
  local function publish(kind, entity)
    return request("POST", "/" .. kind .. "/" .. entity.id .. "/action?op=publish")
  end

  -- A publish that succeeds answers 200 with the entity, now enabled.
  local function published(kind, entity)
    local status, answer = publish(kind, entity)
    assert.equal(200, status)
    assert.equal(entity.id, answer.id)
    assert.equal("enabled", state_of(kind, entity.id))
    return answer
  end

  -- A refused request answers its HTTP status and its FLOW error code.
  local function refused(http_status, code, status, answer)
    assert.equal(http_status, status)
    assert.equal(FLOW .. code, answer.type)
    return answer
  end

  it("looks up the connection spec: draft mode is supported", function()
    local status, body = request("GET",
      "/connectionSpecs/be5ec48c-5b78-49d5-b8fa-7c89ec4569b8")
    assert.equal(200, status)
    assert.equal("be5ec48c-5b78-49d5-b8fa-7c89ec4569b8", body.items[1].id)
    assert.equal("azure-file-storage", body.items[1].name)
    assert.is_true(body.items[1].attributes.isDraftModeSupported)
  end)

  it("looks up the flow spec: draft mode is supported", function()
    local status, body = request("GET",
      "/flowSpecs?property=name==%22CloudStorageToAEP%22")
    assert.equal(200, status)
    assert.equal(1, #body.items)
    assert.equal("9753525b-82c7-4dce-8a9b-5ccfce2b9876", body.items[1].id)
    assert.is_true(body.items[1].attributes.isDraftModeSupported)
  end)

  it("creates the drafts and publishes them in order", function()
    -- Create a draft base connection (the API format's ?mode=draft, which
    -- the tutorial's curl line forgets)
    local base = create_draft("connections", [[{
        "name": "ACME Azure File Storage Base Connection",
        "description": "Azure File Storage base connection for ACME data (DRAFT)",
        "auth": {
            "specName": "Basic Authentication",
            "params": {
                    "host": "{HOST}",
                    "userId": "{USER_ID}",
                    "password": "{PASSWORD}"
                }
        },
        "connectionSpec": {
            "id": "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8",
            "version": "1.0"
        }
      }]])
    assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", base.id)
    assert.matches('^"[%x%-]+"$', base.etag)
    vars.BASE_CONNECTION_ID = base.id

    -- Publish your draft base connection: refused, `userid` is missing
    local refusal = refused(400, "1100-400", publish("connections", base))
    assert.equal("Cannot publish base connection " .. base.id
      .. ": auth.params.userid is required", refusal.report["detailed-message"])
    assert.equal("draft", state_of("connections", base.id))

    -- Create a draft source connection (its JSON corrected)
    local source = create_draft("sourceConnections", [[{
      "name": "ACME Azure File Storage Source Connection",
      "description": "Azure File Storage source connection for ACME data (DRAFT)",
      "baseConnectionId": "{BASE_CONNECTION_ID}",
      "data": {
          "format": "delimited"
      },
      "params": {
          "path": "/acme/summerCampaign/account.csv",
          "type": "file"
      },
      "connectionSpec": {
          "id": "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8",
          "version": "1.0"
      }
  }]])
    vars.SOURCE_CONNECTION_ID = source.id

    -- The tutorial's publish URL names the wrong kind: no such connection
    refused(404, "1439-404", request("POST",
      "/connections/{SOURCE_CONNECTION_ID}/action?op=publish"))

    -- Publish your draft source connection: the base is still a draft
    refusal = refused(400, "1409-400", publish("sourceConnections", source))
    assert.matches("base connection " .. base.id .. " is still in draft",
      refusal.report["detailed-message"], 1, true)

    -- Fix the base connection's draft (JSON Patch, If-Match), publish it
    local status, fixed = request("PATCH", "/connections/{BASE_CONNECTION_ID}", [=[[
        {"op": "add", "path": "/auth/params/userid", "value": "{USER_ID}"},
        {"op": "remove", "path": "/auth/params/userId"}
      ]]=], "If-Match: " .. base.etag)
    assert.equal(200, status)
    assert.equal(base.id, fixed.id)
    assert.are_not.equal(base.etag, fixed.etag)
    published("connections", base)

    local answer = published("sourceConnections", source)
    assert.are_not.equal(source.etag, answer.etag)

    -- Create a draft target connection
    local target = create_draft("targetConnections", [[{
      "name": "ACME Azure File Storage Target Connection",
      "description": "Azure File Storage target connection ACME data (DRAFT)",
      "data": {
          "schema": {
              "id": "{SCHEMA_ID}",
              "version": "application/vnd.adobe.xed-full+json;version=1"
          }
      },
      "params": {
          "dataSetId": "{DATASET_ID}"
      },
          "connectionSpec": {
          "id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c",
          "version": "1.0"
      }
  }]])
    vars.TARGET_CONNECTION_ID = target.id

    -- Create a draft dataflow
    local flow = create_draft("flows", [[{
    "name": "ACME Azure File Storage Dataflow",
    "description": "Azure File Storage dataflow for ACME data (DRAFT)",
    "sourceConnectionIds": [
        "{SOURCE_CONNECTION_ID}"
    ],
    "targetConnectionIds": [
        "{TARGET_CONNECTION_ID}"
    ],
    "flowSpec": {
        "id": "9753525b-82c7-4dce-8a9b-5ccfce2b9876",
        "version": "1.0"
    }
  }]])

    -- Publish your draft dataflow: the target connection is still a draft
    refusal = refused(400, "1409-400", publish("flows", flow))
    assert.matches("target connection " .. target.id, refusal.report["detailed-message"], 1,
      true)

    -- Publish your draft target connection
    published("targetConnections", target)

    -- Publish your draft dataflow
    answer = published("flows", flow)
    assert.matches('^"[%x%-]+"$', answer.etag)

    -- Publishing again is refused
    refused(400, "1422-400", publish("flows", flow))
  end)

  it("never reveals the password it was given", function()
    local status, _, raw = request("GET", "/connections")
    assert.equal(200, status)
    assert.truthy(raw:find(vars.HOST, 1, true))
    assert.is_nil(raw:find(vars.PASSWORD, 1, true))
  end)
end)
