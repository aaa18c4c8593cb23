-- flowlua.plan: the dry-run plan, rendered in order.
local plan = require("flowlua.plan")

describe("flowlua.plan", function()
  before_each(plan.reset)

  it("renders creates, updates and publishes in order", function()
    plan.add{ action = "create", kind = "connection", name = "ACME base",
      id = "dry-run:connection:1", draft = true,
      body = { name = "ACME base", auth = { params = { password = "***" } } },
      detail = "connection spec 'azure-file-storage'" }
    plan.add{ action = "update", kind = "flow", name = "ACME flow",
      id = "dry-run:flow:4",
      ops = { { op = "replace", path = "/name", value = "x" } } }
    plan.add{ action = "publish", kind = "connection", name = "ACME base",
      id = "dry-run:connection:1" }
    assert.equal(table.concat({
      "Plan (dry run, nothing was changed): 3 steps",
      "  1. create draft base connection \"ACME base\" (connection spec "
        .. "'azure-file-storage')",
      "       id: dry-run:connection:1",
      '       body: {"auth":{"params":{"password":"***"}},"name":"ACME base"}',
      "  2. update flow \"ACME flow\"",
      "       id: dry-run:flow:4",
      '       patch: [{"op":"replace","path":"/name","value":"x"}]',
      "  3. publish base connection \"ACME base\"",
      "       id: dry-run:connection:1",
    }, "\n"), plan.render())
    assert.equal(3, #plan.steps())
  end)

  it("says so when there is nothing to do", function()
    assert.equal("Plan (dry run, nothing was changed): 0 steps", plan.render())
  end)
end)
