-- flowlua.entity.validate: local checks against the service's own specs (the
-- seed's Azure File Storage connection spec and CloudStorageToAEP flow
-- spec, as the emulator's catalogue carries them verbatim).
local catalogue = require("flowlua.emulator.catalogue")
local validate = require("flowlua.entity.validate")
local json = require("flowlua.json")

local function spec(name)
  return json.decode(catalogue.text(name))
end

local AFS = spec("azure_file_storage")
local FLOW = spec("cloud_storage_to_aep")
local LAKE = spec("data_lake")

local function base(params)
  return { name = "ACME base", auth = { specName = "Basic Authentication",
    params = params }, connectionSpec = { id = AFS.id, version = "1.0" } }
end

local function fields(list)
  local out = {}
  for i, p in ipairs(list) do out[i] = p.field end
  return out
end

describe("flowlua.entity.validate", function()
  describe("base connections", function()
    it("defers the tutorial's userId mistake in a draft, with the fix", function()
      local errs, deferred = validate.connection(base{ host = "h",
        userId = "u", password = "p" }, AFS, { draft = true })
      assert.same({}, errs)
      assert.same({ "auth.params.userid" }, fields(deferred))
      assert.equal("rename 'userId' to 'userid' (property names are "
        .. "case-sensitive)", deferred[1].fix)
      assert.equal("required by authSpec 'Basic Authentication' of connection "
        .. "spec 'azure-file-storage'", deferred[1].rule)
    end)

    it("makes the same mistake an error outside drafts", function()
      local errs, deferred = validate.connection(base{ host = "h",
        userId = "u", password = "p" }, AFS)
      assert.same({ "auth.params.userid" }, fields(errs))
      assert.same({}, deferred)
    end)

    it("accepts the corrected body", function()
      local errs, deferred = validate.connection(base{ host = "h",
        userid = "u", password = "p" }, AFS)
      assert.same({}, errs)
      assert.same({}, deferred)
    end)

    it("names the authSpec entries when specName is wrong", function()
      local body = base{ host = "h" }
      body.auth.specName = "Basic"
      local errs = validate.connection(body, AFS, { draft = true })
      assert.same({ { field = "auth.specName", rule = "'Basic' is not an "
        .. "authSpec of connection spec 'azure-file-storage'",
        fix = "use one of 'Basic Authentication'" } }, errs)
    end)

    it("never shows a secret field's value", function()
      local errs = validate.connection(base{ host = "h", userid = "u",
        password = 987654321 }, AFS)
      assert.same({ "auth.params.password" }, fields(errs))
      assert.falsy(errs[1].rule:find("987654321", 1, true))
      assert.truthy(errs[1].rule:find("value hidden", 1, true))
    end)

    it("lists the secret fields of the body's authSpec", function()
      assert.same({ "auth.params.password" },
        validate.body_secrets("connection", base{}, AFS))
    end)

    it("requires a name, even in drafts", function()
      local body = base{ host = "h" }
      body.name = nil
      local errs = validate.connection(body, AFS, { draft = true })
      assert.same({ "name" }, fields(errs))
    end)
  end)

  describe("source and target connections", function()
    it("checks params against sourceSpec, deferring required in drafts", function()
      local body = { name = "s", data = { format = "delimited" },
        params = { recursive = "yes" },
        connectionSpec = { id = AFS.id, version = "1.0" } }
      local errs, deferred = validate.source(body, AFS, { draft = true })
      assert.same({ "params.recursive" }, fields(errs))
      assert.same({ "params.path" }, fields(deferred))
    end)

    it("checks a target's params against targetSpec, and its schema",
      function()
      local body = { name = "t", data = { schema = { id = "x" } }, params = {},
        connectionSpec = { id = LAKE.id, version = "1.0" } }
      local errs = validate.target(body, LAKE)
      assert.same({ "data.schema.version", "params.dataSetId" }, fields(errs))
    end)
  end)

  describe("flows", function()
    local function flow(extra)
      local body = { name = "f", sourceConnectionIds = { "s1" },
        targetConnectionIds = { "t1" },
        flowSpec = { id = FLOW.id, version = "1.0" } }
      for k, v in pairs(extra or {}) do body[k] = v end
      return body
    end

    it("checks scheduleParams against scheduleSpec", function()
      local errs = validate.flow(flow{ scheduleParams = { startTime = 1,
        frequency = "minute", interval = 5 } }, FLOW)
      assert.same({ "scheduleParams.interval" }, fields(errs))
      assert.equal("use a value within the bound", errs[1].fix)
      local ok = validate.flow(flow{ scheduleParams = { startTime = 1,
        frequency = "minute", interval = 15 } }, FLOW)
      assert.same({}, ok)
    end)

    it("refuses connections of specs the flow spec does not allow", function()
      local errs = validate.flow(flow(), FLOW, { spec_of = {
        s1 = "ffffffff-0000-0000-0000-000000000000", t1 = LAKE.id } })
      assert.same({ "sourceConnectionIds[1]" }, fields(errs))
    end)

    it("checks transformations by name and their params", function()
      local errs = validate.flow(flow{ transformations = {
        { name = "Maping", params = {} },
        { name = "Mapping", params = { mappingId = 7 } } } }, FLOW)
      assert.same({ "transformations[1].name",
        "transformations[2].params.mappingId" }, fields(errs))
      assert.equal("use one of 'Mapping', 'Encryption'", errs[1].fix)
    end)

    it("checks options against optionSpec and refuses state", function()
      local errs = validate.flow(flow{ options = { partialIngestionPercent = 0 },
        state = "enabled" }, FLOW)
      assert.same({ "state", "options.partialIngestionPercent" }, fields(errs))
    end)

    it("defers missing connection ids in a draft", function()
      local body = flow()
      body.sourceConnectionIds, body.targetConnectionIds = nil, nil
      local errs, deferred = validate.flow(body, FLOW, { draft = true })
      assert.same({}, errs)
      assert.same({ "sourceConnectionIds", "targetConnectionIds" },
        fields(deferred))
    end)
  end)
end)
