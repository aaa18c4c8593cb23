-- flowlua.workflow.journal: a workflow instance's journal in the state
-- store (a real SQLite file), private, keyed by target, locked; older
-- JSON journals imported once, their stray temporary files removed.
local journal = require("flowlua.workflow.journal")
local json = require("flowlua.json")
local errors = require("flowlua.errors")
local state_record = require("support.state_record")
local sys = require("flowlua.core").sys
local write = require("support.fs").write

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  return d .. "/nested/journal"
end

local key = state_record.key

-- A JSON journal as an older flowlua wrote it, in dir (created).
local function legacy(dir, name, id)
  os.execute("mkdir -p '" .. dir .. "'")
  local path = dir .. "/" .. journal.file_name(name)
  write(path, json.encode({ workflow = name, format = 1, steps = {
    { name = "base", state = "done", intents = { { kind = "connection",
      name = "b", spec = "cs", started = 1.5, id = id } },
      values = { { kind = "connection", id = id } } } } }))
  return path
end

-- The error journal.open raises for workflow "x" in `dir`.
local function open_error(dir)
  local ok, err = pcall(journal.open, key("x"), { dir = dir })
  assert.is_false(ok)
  return err
end

-- The error journal.open raises for an older journal of "x" holding
-- `text`, and that journal's path.
local function legacy_error(text)
  local dir = tmpdir()
  local path = legacy(dir, "x", "id")
  write(path, text)
  return open_error(dir), path
end

describe("flowlua.workflow.journal", function()
  it("starts empty and round-trips steps through a 0600 store", function()
    local dir = tmpdir()
    local j = journal.open(key("acme onboarding/1"), { dir = dir })
    assert.same({}, j.data.steps)
    local s = j:ensure_step("base")
    s.state = "done"
    s.intents[1] = { kind = "connection", name = "b", spec = "cs",
      started = 1700000000.5, id = "id-1" }
    j:save()
    local path = dir .. "/state.db"
    assert.equal(tonumber("600", 8), sys.stat_mode(path) & tonumber("777", 8))
    local again = journal.open(key("acme onboarding/1"), { dir = dir })
    assert.same(j.data, again.data)
    assert.equal("id-1", again:step("base").intents[1].id)
    assert.is_nil(again:step("other"))
    assert.same(1, #state_record.texts(path, "acme onboarding/1"))
    again:remove()
    assert.same({}, state_record.texts(path, "acme onboarding/1"))
  end)

  it("keeps names that older journals mapped to one file apart", function()
    local dir = tmpdir()
    for _, n in ipairs{ "sales eu", "sales/eu", "sales:eu" } do
      local j = journal.open(key(n), { dir = dir })
      j:ensure_step("base").state = "done"
      j:save()
    end
    local j = journal.open(key("sales eu", "prod"), { dir = dir })
    assert.same({}, j.data.steps)
    for _, n in ipairs{ "sales eu", "sales/eu", "sales:eu" } do
      assert.same(1, #state_record.texts(dir .. "/state.db", n))
    end
  end)

  it("imports an older JSON journal once and keeps the file, renamed",
      function()
    local dir = tmpdir()
    local path = legacy(dir, "old one", "id-old")
    local j = journal.open(key("old one"), { dir = dir })
    assert.equal("id-old", j:step("base").intents[1].id)
    assert.is_nil(io.open(path))
    assert.truthy(io.open(path .. ".imported"))
    local doc = state_record.doc(dir .. "/state.db", "old one")
    assert.equal("id-old", doc.steps[1].intents[1].id)
    -- the other sandbox finds a record-less store but no file any more
    assert.same({}, journal.open(key("old one", "prod"),
      { dir = dir }).data.steps)
  end)

  it("leaves an older journal of another name mapped to the same file",
      function()
    local dir = tmpdir()
    local path = legacy(dir, "sales/eu", "id-other")
    assert.equal(dir .. "/sales_eu.json", path)
    assert.same({}, journal.open(key("sales eu"), { dir = dir }).data.steps)
    assert.truthy(io.open(path))
  end)

  it("removes temporary files whose writer is gone, not live ones",
      function()
    local dir = tmpdir()
    legacy(dir, "x", "id")
    write(dir .. "/x.json.tmp.999999999", "{")
    local mine = dir .. "/x.json.tmp." .. sys.getpid()
    write(mine, "{")
    journal.open(key("x"), { dir = dir })
    assert.is_nil(io.open(dir .. "/x.json.tmp.999999999"))
    assert.truthy(io.open(mine))
  end)

  it("refuses an unreadable older journal, naming the file", function()
    local err, path = legacy_error("{not json")
    assert.truthy(err:find("journal " .. path .. " is unreadable (not JSON",
      1, true), err)
  end)

  it("refuses an older journal of the wrong shape, naming what", function()
    local err, path = legacy_error('{"workflow":"x","format":1,"steps":[42]}')
    assert.equal("journal " .. path .. " is unreadable (steps[1] is not an "
      .. "object); move it away to start the workflow afresh", err)
  end)

  it("refuses a journal it cannot read instead of starting afresh", function()
    local dir = tmpdir()
    os.execute("mkdir -p '" .. dir .. "'")
    local path = dir .. "/x.json"
    assert(sys.mkdir(path))     -- a directory where the journal should be
    local err = open_error(dir)
    assert.equal("journal " .. path .. " is unreadable (" .. path
      .. ": Is a directory); move it away to start the workflow afresh", err)
  end)

  it("refuses an instance another process runs, naming it", function()
    local dir = tmpdir()
    journal.open(key("held"), { dir = dir })
    local script = os.tmpname()
    write(script, ([[
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path
package.cpath = "build/lib/?.so;" .. package.cpath
local journal = require("flowlua.workflow.journal")
local ok, err = pcall(journal.open, { endpoint = "https://platform.adobe.io",
  org = "O@AdobeOrg", sandbox = "dev", workflow = "held" }, { dir = %q })
print(ok, err.kind, err.workflow, err.holder.pid)
print(tostring(err))
]]):format(dir))
    local p = io.popen("lua5.4 " .. script)
    local first, second = p:read("l"), p:read("l")
    p:close()
    os.remove(script)
    assert.equal(("false\tlocked\theld\t%d"):format(sys.getpid()), first)
    assert.matches('^workflow "held" in sandbox "dev" is being run by '
      .. "another process %(host .+, pid " .. sys.getpid() .. ", since "
      .. "%d%d%d%d%-%d%d%-%d%dT[%d:]+Z; state store sqlite:" .. dir:gsub("%p", "%%%0")
      .. "/state.db%): left untouched; wait for it with "
      .. "%-%-wait%-lock%[=SECONDS%]$", second)
    assert.is_true(errors.is(errors.new("locked", { message = "m" }),
      "locked"))
  end)
end)
