-- flowlua.entity.patch: JSON Patch applied locally, and "did it land?".
local patch = require("flowlua.entity.patch")
local json = require("flowlua.json")

describe("flowlua.entity.patch", function()
  it("applies add, replace and remove, creating missing parents", function()
    local doc = { name = "a", auth = { params = { userId = "u" } },
      list = json.array{ 1, 2 } }
    patch.apply(doc, {
      { op = "replace", path = "/name", value = "b" },
      { op = "remove", path = "/auth/params/userId" },
      { op = "ADD", path = "/auth/params/userid", value = "u" },
      { op = "add", path = "/list/-", value = 3 },
      { op = "add", path = "/list/0", value = 0 },
      { op = "add", path = "/scheduleParams/frequency", value = "hour" },
    })
    assert.same({ name = "b", auth = { params = { userid = "u" } },
      list = { 0, 1, 2, 3 }, scheduleParams = { frequency = "hour" } }, doc)
  end)

  it("tells whether operations are visible in a document read back", function()
    local ops = { { op = "replace", path = "/name", value = "b" },
      { op = "remove", path = "/description" },
      { op = "add", path = "/transformations",
        value = { { name = "Mapping", params = { mappingId = "m" } } } } }
    assert.is_true(patch.applied({ name = "b", transformations =
      { { name = "Mapping", params = { mappingId = "m" } } } }, ops))
    assert.is_false(patch.applied({ name = "a", transformations =
      { { name = "Mapping", params = { mappingId = "m" } } } }, ops))
    assert.is_false(patch.applied({ name = "b", description = "d",
      transformations = { { name = "Mapping", params = { mappingId = "m" } } } },
      ops))
    assert.is_false(patch.applied({ name = "b" }, ops))
  end)

  it("lists the leaves of a value", function()
    local leaves = patch.leaves{ a = "x", b = { c = "y" } }
    table.sort(leaves)
    assert.same({ "x", "y" }, leaves)
  end)
end)
