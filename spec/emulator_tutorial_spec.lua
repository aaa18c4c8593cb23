-- The seed tutorial ("Create drafts of your Flow Service entities using
-- the API"), every request in it, run with curl(1) against `flowlua
-- emulator` in its own process. Its requests are copied as written, with
-- three corrections: the source connection body's broken JSON (a stray
-- quote after "description" and a trailing comma after "format"), the
-- source and target publish URLs (the tutorial posts them to
-- /connections/{id}/action; its own "API format" lines say
-- /sourceConnections and /targetConnections), and the missing
-- `curl -X POST` of the dataflow request. Placeholders become real
-- values; the host becomes the emulator's.
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

  local function state_of(kind, id)
    local status, body = run("curl -X GET "
      .. "'https://platform.adobe.io/data/foundation/flowservice/" .. kind
      .. "/" .. id .. "' \\\n" .. HEADERS)
    assert.equal(200, status)
    return body.items[1].state
  end

  it("looks up the connection spec: draft mode is supported", function()
    local status, body = run([[
curl -X GET \
  'https://platform.adobe.io/data/foundation/flowservice/connectionSpecs/be5ec48c-5b78-49d5-b8fa-7c89ec4569b8' \
]] .. HEADERS)
    assert.equal(200, status)
    assert.equal("be5ec48c-5b78-49d5-b8fa-7c89ec4569b8", body.items[1].id)
    assert.equal("azure-file-storage", body.items[1].name)
    assert.is_true(body.items[1].attributes.isDraftModeSupported)
  end)

  it("looks up the flow spec: draft mode is supported", function()
    local status, body = run([[
curl -X GET \
  'https://platform.adobe.io/data/foundation/flowservice/flowSpecs?property=name==%22CloudStorageToAEP%22' \
]] .. HEADERS)
    assert.equal(200, status)
    assert.equal(1, #body.items)
    assert.equal("9753525b-82c7-4dce-8a9b-5ccfce2b9876", body.items[1].id)
    assert.is_true(body.items[1].attributes.isDraftModeSupported)
  end)

  it("creates the drafts and publishes them in order", function()
    -- Create a draft base connection (the API format's ?mode=draft, which
    -- the tutorial's curl line forgets)
    local status, base = run([[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/connections?mode=draft' \
]] .. HEADERS .. [[
  -d '{
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
      }']])
    assert.equal(201, status)
    assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", base.id)
    assert.matches('^"[%x%-]+"$', base.etag)
    assert.equal("draft", state_of("connections", base.id))
    vars.BASE_CONNECTION_ID = base.id

    -- Publish your draft base connection: refused, `userid` is missing
    local publish_base = [[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/connections/{BASE_CONNECTION_ID}/action?op=publish' \
]] .. HEADERS
    local refused
    status, refused = run(publish_base)
    assert.equal(400, status)
    assert.equal(FLOW .. "1100-400", refused.type)
    assert.equal("Cannot publish base connection " .. base.id
      .. ": auth.params.userid is required", refused.report["detailed-message"])
    assert.equal("draft", state_of("connections", base.id))

    -- Create a draft source connection (its JSON corrected)
    local source
    status, source = run([[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/sourceConnections?mode=draft' \
]] .. HEADERS .. [[
  -d '{
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
  }']])
    assert.equal(201, status)
    vars.SOURCE_CONNECTION_ID = source.id

    -- The tutorial's publish URL names the wrong kind: no such connection
    local wrong
    status, wrong = run([[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/connections/{SOURCE_CONNECTION_ID}/action?op=publish' \
]] .. HEADERS)
    assert.equal(404, status)
    assert.equal(FLOW .. "1439-404", wrong.type)

    -- Publish your draft source connection: the base is still a draft
    local publish_source = [[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/sourceConnections/{SOURCE_CONNECTION_ID}/action?op=publish' \
]] .. HEADERS
    status, refused = run(publish_source)
    assert.equal(400, status)
    assert.equal(FLOW .. "1409-400", refused.type)
    assert.matches("base connection " .. base.id .. " is still in draft",
      refused.report["detailed-message"], 1, true)

    -- Fix the base connection's draft (JSON Patch, If-Match), publish it
    local fixed
    status, fixed = run([[
curl -X PATCH \
  'https://platform.adobe.io/data/foundation/flowservice/connections/{BASE_CONNECTION_ID}' \
]] .. HEADERS .. "  -H 'If-Match: " .. base.etag .. [[' \
  -d '[
        {"op": "add", "path": "/auth/params/userid", "value": "{USER_ID}"},
        {"op": "remove", "path": "/auth/params/userId"}
      ]']])
    assert.equal(200, status)
    assert.equal(base.id, fixed.id)
    assert.are_not.equal(base.etag, fixed.etag)
    local published
    status, published = run(publish_base)
    assert.equal(200, status)
    assert.equal(base.id, published.id)
    assert.equal("enabled", state_of("connections", base.id))

    status, published = run(publish_source)
    assert.equal(200, status)
    assert.equal(source.id, published.id)
    assert.are_not.equal(source.etag, published.etag)
    assert.equal("enabled", state_of("sourceConnections", source.id))

    -- Create a draft target connection
    local target
    status, target = run([[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/targetConnections?mode=draft' \
]] .. HEADERS .. [[
  -d '{
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
  }']])
    assert.equal(201, status)
    vars.TARGET_CONNECTION_ID = target.id
    assert.equal("draft", state_of("targetConnections", target.id))

    -- Create a draft dataflow
    local flow
    status, flow = run([[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/flows?mode=draft' \
]] .. HEADERS .. [[
  -d '{
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
  }']])
    assert.equal(201, status)
    vars.FLOW_ID = flow.id
    assert.equal("draft", state_of("flows", flow.id))

    -- Publish your draft dataflow: the target connection is still a draft
    local publish_flow = [[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/flows/{FLOW_ID}/action?op=publish' \
]] .. HEADERS
    status, refused = run(publish_flow)
    assert.equal(400, status)
    assert.equal(FLOW .. "1409-400", refused.type)
    assert.matches("target connection " .. target.id, refused.report["detailed-message"], 1,
      true)

    -- Publish your draft target connection
    status, published = run([[
curl -X POST \
  'https://platform.adobe.io/data/foundation/flowservice/targetConnections/{TARGET_CONNECTION_ID}/action?op=publish' \
]] .. HEADERS)
    assert.equal(200, status)
    assert.equal(target.id, published.id)
    assert.equal("enabled", state_of("targetConnections", target.id))

    -- Publish your draft dataflow
    status, published = run(publish_flow)
    assert.equal(200, status)
    assert.equal(flow.id, published.id)
    assert.matches('^"[%x%-]+"$', published.etag)
    assert.equal("enabled", state_of("flows", flow.id))

    -- Publishing again is refused
    status, refused = run(publish_flow)
    assert.equal(400, status)
    assert.equal(FLOW .. "1422-400", refused.type)
  end)

  it("never reveals the password it was given", function()
    local status, _, raw = run("curl -X GET "
      .. "'https://platform.adobe.io/data/foundation/flowservice/connections' "
      .. "\\\n" .. HEADERS)
    assert.equal(200, status)
    assert.truthy(raw:find(vars.HOST, 1, true))
    assert.is_nil(raw:find(vars.PASSWORD, 1, true))
  end)
end)
