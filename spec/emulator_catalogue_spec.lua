-- The catalogue over real HTTP: the seed's specs verbatim, the others
-- as the reference documents them, lists and filters on specs.
local emu = require("support.emulator")
local json = require("flowlua.json")
local fs = require("support.fs")

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "spec"
local SEED = here .. "/../../shared/seed/flow-service-drafts-tutorial.txt"
-- The seed's two `{"items": [...]}` responses, vendored (README.md there).
local EXCERPTS = {
  here .. "/fixtures/seed/connection-spec-azure-file-storage.json",
  here .. "/fixtures/seed/flow-spec-cloud-storage-to-aep.json",
}

-- The text of each `{"items": [...]}` response of the seed tutorial.
local function seed_responses(text)
  local found = {}
  for block in text:gmatch("\n(%{\n%s*\"items\": %[.-\n%}\n)") do
    found[#found + 1] = block
  end
  return found
end

-- The first item of the n-th vendored seed response.
local function seed_items(n)
  return assert(json.decode(assert(fs.read(EXCERPTS[n])))).items[1]
end

local function same_json(a, b)
  assert.equal(json.encode(a, { sort_keys = true }),
    json.encode(b, { sort_keys = true }))
end

describe("the vendored seed excerpts", function()
  local seed = fs.read(SEED)
  if seed == nil then
    pending("are the seed tutorial's text: needs " .. SEED
      .. ", which lives outside the repository")
    return
  end
  it("are the seed tutorial's first two responses, byte for byte", function()
    local responses = seed_responses(seed)
    assert.equal(fs.read(EXCERPTS[1]), responses[1])
    assert.equal(fs.read(EXCERPTS[2]), responses[2])
  end)
end)

describe("emulator catalogue", function()
  local e, c

  setup(function() e, c = emu.serve() end)
  teardown(function() e:stop() end)

  it("serves the seed's Azure File Storage spec verbatim", function()
    local res = c:get("/connectionSpecs/" .. emu.AZURE)
    assert.equal(200, res.status)
    assert.equal(1, #res.json.items)
    local spec = res.json.items[1]
    assert.is_true(spec.attributes.isDraftModeSupported)
    same_json(seed_items(1), spec)
  end)

  it("serves the seed's CloudStorageToAEP flow spec verbatim", function()
    local res = c:get("/flowSpecs?property=name==%22CloudStorageToAEP%22")
    assert.equal(200, res.status)
    assert.equal(1, #res.json.items)
    assert.equal(emu.CLOUD_TO_AEP, res.json.items[1].id)
    same_json(seed_items(2), res.json.items[1])
  end)

  it("lists every connection spec, each with its documented id", function()
    local res = c:get("/connectionSpecs")
    local by_name = {}
    for _, s in ipairs(res.json.items) do by_name[s.name] = s end
    assert.equal(emu.AZURE, by_name["azure-file-storage"].id)
    assert.equal("ecadc60c-7455-4d87-84dc-2a0e293d997b",
      by_name["amazon-s3"].id)
    assert.equal("b7bf2577-4520-42c9-bae9-cad01560f7bc", by_name.sftp.id)
    assert.equal("26f526f2-58f4-4712-961d-e41bf1ccc0e8",
      by_name["landing-zone"].id)
    assert.equal(emu.DATA_LAKE, by_name.datalake.id)
    assert.is_false(by_name["http-api"].attributes.isDraftModeSupported)
    assert.equal(6, #res.json.items)
  end)

  it("documents the S3 and SFTP auth types", function()
    local s3 = c:get("/connectionSpecs/ecadc60c-7455-4d87-84dc-2a0e293d997b")
      .json.items[1]
    assert.equal("Access Key", s3.authSpec[1].name)
    assert.same({ "s3AccessKey", "s3SecretKey" }, s3.authSpec[1].spec.required)
    local sftp = c:get("/connectionSpecs/b7bf2577-4520-42c9-bae9-cad01560f7bc")
      .json.items[1]
    assert.equal("Basic Authentication for sftp", sftp.authSpec[1].name)
    assert.equal("SSH PublicKey Authentication for sftp",
      sftp.authSpec[2].name)
  end)

  it("has a flow spec without draft support", function()
    local res = c:get("/flowSpecs?property=attributes.isDraftModeSupported"
      .. "==false")
    assert.equal(1, #res.json.items)
    assert.equal("d8a6f005-7eaf-4153-983e-e8574508b877", res.json.items[1].id)
  end)

  it("creates a Data Landing Zone source connection without a base",
    function()
      local res = c:post("/sourceConnections", { name = "dlz",
        data = { format = "delimited" },
        params = { path = "dlz-user-container/data8.csv" },
        connectionSpec = { id = "26f526f2-58f4-4712-961d-e41bf1ccc0e8",
          version = "1.0" } })
      assert.equal(201, res.status)
    end)

  it("creates S3 and SFTP base connections with their auth types",
    function()
      local res = c:post("/connections", { name = "s3",
        auth = { specName = "Access Key",
          params = { s3AccessKey = "AKIA", s3SecretKey = "k" } },
        connectionSpec = { id = "ecadc60c-7455-4d87-84dc-2a0e293d997b" } })
      assert.equal(201, res.status)
      res = c:post("/connections", { name = "sftp",
        auth = { specName = "SSH PublicKey Authentication for sftp",
          params = { host = "h", userName = "u" } },
        connectionSpec = { id = "b7bf2577-4520-42c9-bae9-cad01560f7bc" } })
      assert.equal(400, res.status)
      assert.equal("auth.params.privateKeyContent is required",
        emu.message(res))
    end)
end)
