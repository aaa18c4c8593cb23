-- flowlua.workflow.journal: a workflow's journal on disk, private and atomic.
local journal = require "flowlua.workflow.journal"
local sys = require("flowlua.core").sys

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  return d .. "/nested/journal"
end

describe("flowlua.workflow.journal", function()
  it("starts empty and round-trips steps through a 0600 file", function()
    local dir = tmpdir()
    local j = journal.open("acme onboarding/1", dir)
    assert.equal(dir .. "/acme_onboarding_1.json", j.path)
    assert.same({}, j.data.steps)
    local s = j:ensure_step("base")
    s.state = "done"
    s.intents[1] = { kind = "connection", name = "b", spec = "cs",
      started = 1700000000.5, id = "id-1" }
    j:save()
    assert.equal(tonumber("600", 8), sys.stat_mode(j.path) & tonumber("777", 8))
    local again = journal.open("acme onboarding/1", dir)
    assert.same(j.data, again.data)
    assert.equal("id-1", again:step("base").intents[1].id)
    assert.is_nil(again:step("other"))
    again:remove()
    assert.is_nil(io.open(j.path))
  end)

  it("refuses an unreadable journal, naming the file", function()
    local dir = tmpdir()
    journal.open("x", dir):save()
    local path = dir .. "/x.json"
    local f = assert(io.open(path, "w"))
    f:write("{not json")
    f:close()
    local ok, err = pcall(journal.open, "x", dir)
    assert.is_false(ok)
    assert.truthy(err:find("journal " .. path .. " is unreadable", 1, true))
  end)

  it("refuses a journal it cannot read instead of starting afresh", function()
    local dir = tmpdir()
    journal.open("x", dir):save()
    local path = dir .. "/x.json"
    assert(os.remove(path))
    assert(sys.mkdir(path))     -- a directory where the journal should be
    local ok, err = pcall(journal.open, "x", dir)
    assert.is_false(ok)
    assert.equal("journal " .. path .. " is unreadable (" .. path
      .. ": Is a directory); move it away to start the workflow afresh", err)
  end)
end)
