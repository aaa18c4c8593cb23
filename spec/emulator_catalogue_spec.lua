-- The catalogue over real HTTP: the seed's specs verbatim, the others
-- as the reference documents them, lists and filters on specs.
local emu = require "support.emulator"
local json = require "flowlua.json"

local SEED = "/work/shared/seed/flow-service-drafts-tutorial.txt"

-- The JSON of the seed's n-th `{"items": [...]}` response, if the seed
-- is at hand (it lives outside the repository).
local function seed_items(n)
  local f = io.open(SEED, "rb")
  if f == nil then return nil end
  local text = f:read("a")
  f:close()
  local found = 0
  for block in text:gmatch("\n(%{\n%s*\"items\": %[.-\n%}\n)") do
    found = found + 1
    if found == n then return assert(json.decode(block)).items[1] end
  end
end

local function same_json(a, b)
  assert.equal(json.encode(a, { sort_keys = true }),
    json.encode(b, { sort_keys = true }))
end

describe("emulator catalogue", function()
  local e, c

  setup(function()
    e = emu.start()
    c = emu.client(e.url)
  end)
  teardown(function() e:stop() end)

  it("serves the seed's Azure File Storage spec verbatim", function()
    local res = c:get("/connectionSpecs/" .. emu.AZURE)
    assert.equal(200, res.status)
    assert.equal(1, #res.json.items)
    local spec = res.json.items[1]
    assert.is_true(spec.attributes.isDraftModeSupported)
    local seed = seed_items(1)
    if seed then same_json(seed, spec) end
  end)

  it("serves the seed's CloudStorageToAEP flow spec verbatim", function()
    local res = c:get("/flowSpecs?property=name==%22CloudStorageToAEP%22")
    assert.equal(200, res.status)
    assert.equal(1, #res.json.items)
    assert.equal(emu.CLOUD_TO_AEP, res.json.items[1].id)
    local seed = seed_items(2)
    if seed then same_json(seed, res.json.items[1]) end
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
