-- The state store against a real SQLite file and a real PostgreSQL
-- (spec/support/postgres.lua starts a throwaway server, or uses
-- FLOWLUA_TEST_PG): one contract, run once per backend. Locks are taken
-- by real processes (lua5.4 children) that live, die or hold on.
local state = require("flowlua.state")
local holder = require("flowlua.state.holder")
local task = require("flowlua.task")
local sys = require("flowlua.core").sys
local pg = require("support.postgres")
local state_record = require("support.state_record")

local key, doc_with = state_record.key, state_record.doc_with

local made = {}

local function temp_dir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(sys.mkdir(dir, tonumber("700", 8)))
  made[#made + 1] = dir
  return dir
end

teardown(function()
  for _, dir in ipairs(made) do os.execute("rm -rf '" .. dir .. "'") end
end)

-- A child process that takes the lock of `workflow` in `location`, prints
-- "locked", then sleeps `secs` (or exits without unlocking when 0).
local function child_script(location, workflow, secs)
  return ([[
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/lib/?.so;" .. package.cpath
local state = require("flowlua.state")
local s = state.open(%q)
assert(s:lock({ endpoint = "https://platform.adobe.io",
  org = "O@AdobeOrg", sandbox = "dev", workflow = %q }))
io.write("locked\n") io.flush()
require("flowlua.core").sys.sleep(%d)
os.exit(0, false)
]]):format(location, workflow, secs)
end

-- Starts the child and waits until it holds the lock; returns its pid.
local function hold_in_child(location, workflow, secs)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(child_script(location, workflow, secs))
  f:close()
  local p = io.popen(("lua5.4 %s & echo $!"):format(path))
  local pid = tonumber(p:read("l"))
  assert.same("locked", p:read("l"))
  return pid, p, path
end

-- A child that opens the store at `location`, takes the lock of
-- `workflow`, saves its record and lets go; it prints only on failure.
local OPEN_AND_SAVE = [[
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/lib/?.so;" .. package.cpath
local state = require("flowlua.state")
local key = { endpoint = "e", org = "o", sandbox = "s", workflow = arg[2] }
local s = state.open(arg[1])
assert(s:lock(key))
s:save(key, state.fresh(arg[2]))
s:unlock(key)
s:close()
]]

-- Starts `n` children of OPEN_AND_SAVE on one location at once, waits
-- for all; returns what they wrote on stdout and stderr.
local function open_and_save_at_once(script, location, n)
  local parts = {}
  for i = 1, n do
    parts[i] = ("lua5.4 %s '%s' w%d &"):format(script, location, i)
  end
  local p = io.popen("(" .. table.concat(parts, " ") .. " wait) 2>&1")
  local out = p:read("a")
  p:close()
  return out
end

local function contract(name, location_of)
  describe("the " .. name .. " store", function()
    local location

    before_each(function() location = location_of() end)

    it("keeps one record per target, names exactly as given", function()
      local s <close> = state.open(location)
      local names = { "sales eu", "sales/eu", "sales:eu", "Köln", "Kéln" }
      for i, n in ipairs(names) do s:save(key(n), doc_with(n, "id" .. i)) end
      s:save(key("sales eu", "prod"), doc_with("sales eu", "prod-id"))
      local s2 <close> = state.open(location)
      for i, n in ipairs(names) do
        assert.same("id" .. i, s2:load(key(n)).steps[1].intents[1].id)
      end
      assert.same("prod-id",
        s2:load(key("sales eu", "prod")).steps[1].intents[1].id)
      assert.is_nil(s2:load(key("sales eu", "stage")))
      assert.same(6, #s2:list())
    end)

    it("refuses a second holder, naming the first, until it lets go",
        function()
      local a <close> = state.open(location)
      local b <close> = state.open(location)
      assert.is_true(a:lock(key("w")))
      local ok, h = b:lock(key("w"))
      assert.is_false(ok)
      assert.same(holder.host(), h.host)
      assert.same(sys.getpid(), math.tointeger(tonumber(h.pid)))
      assert.matches("^host .+, pid %d+, since %d%d%d%d%-",
        holder.describe(h))
      assert.is_true(b:lock(key("other")))
      a:unlock(key("w"))
      assert.is_true(b:lock(key("w")))
      assert.is_false((a:lock(key("w"))))
    end)

    it("refuses a lock held by another live process", function()
      local pid, p, path = hold_in_child(location, "busy", 30)
      local s <close> = state.open(location)
      local ok, h = s:lock(key("busy"), { wait = 0.2 })
      os.execute("kill -9 " .. pid)
      p:close()
      os.remove(path)
      assert.is_false(ok)
      assert.same(pid, math.tointeger(tonumber(h.pid)))
    end)

    it("recovers the lock of a process that died holding it", function()
      local pid, p, path = hold_in_child(location, "dead", 30)
      os.execute("kill -9 " .. pid)
      p:close()
      os.remove(path)
      local s <close> = state.open(location)
      assert.is_true(s:lock(key("dead"), { wait = 10 }))
    end)

    it("writes nothing once another process took a lock it held", function()
      local a <close> = state.open(location)
      local b <close> = state.open(location)
      assert.is_true(a:lock(key("other")))
      assert.is_true(a:lock(key("taken")))
      a:save(key("taken"), doc_with("taken", "first"))
      assert.equal(1, b:drop_lock(key("taken")))  -- `flowlua state unlock`
      assert.has_error(function()
        a:save(key("taken"), doc_with("taken", "second"))
      end, ("state store %s: lost the lock of %s (its lease ran out or its "
        .. "connection dropped, and another process took it); stopping "
        .. "before writing"):format(state.describe(location),
          state.describe_key(key("taken"))))
      assert.same("first", b:load(key("taken")).steps[1].intents[1].id)
    end)

    -- However many processes open a new store at once, each finds the
    -- whole schema (its lock row goes to flowlua_locks) and every record
    -- is kept: five new stores, twenty processes each.
    it("serves twenty processes that create it at once", function()
      local script = os.tmpname()
      local f = assert(io.open(script, "w"))
      f:write(OPEN_AND_SAVE)
      f:close()
      for round = 1, 5 do
        local fresh = round == 1 and location or location_of()
        assert.same("", open_and_save_at_once(script, fresh, 20))
        local s <close> = state.open(fresh)
        local names = {}
        for i, r in ipairs(s:list()) do names[i] = r.key.workflow end
        table.sort(names)
        local want = {}
        for i = 1, 20 do want[i] = "w" .. i end
        table.sort(want)
        assert.same(want, names, "round " .. round)
      end
      os.remove(script)
    end)

    it("commits the saves of one scheduler turn together", function()
      local s <close> = state.open(location)
      for i = 1, 50 do
        task.spawn(function()
          s:save(key("bulk " .. i), doc_with("bulk " .. i, "id" .. i))
        end)
      end
      task.run()
      local other <close> = state.open(location)
      assert.same(50, #other:list())
      assert.same("id50", other:load(key("bulk 50")).steps[1].intents[1].id)
    end)

    it("names the store and the record when a record is damaged",
        function()
      local s <close> = state.open(location)
      s:save(key("u"), doc_with("u", "y"))
      s:save(key("v"), doc_with("v", "x"))
      s:save(key("w"), doc_with("w", "x"))
      s.db:exec("UPDATE flowlua_records SET doc = '{\"format\":1,"
        .. "\"workflow\":\"u\",\"steps\":[{\"name\":7}]}' "
        .. "WHERE workflow = 'u'")
      assert.has_error(function() s:load(key("u")) end, ("state store %s: "
        .. "record %s is damaged (steps[1].name is not a string); see it "
        .. "with `flowlua state check`, drop it with `flowlua state "
        .. "forget`"):format(state.describe(location),
          state.describe_key(key("u"))))
      local problems = s:check()
      assert.same(2, #problems)
      assert.same("steps[1].name is not a string", problems[1].problem)
      assert.same(key("w"), problems[2].key)
      assert.same("connection x is also recorded by "
        .. state.describe_key(key("v")), problems[2].problem)
      assert.is_true(s:forget(key("u")))
      assert.is_true(s:forget(key("w")))
      assert.is_nil(s:load(key("u")))
      assert.same({}, s:check())
    end)

    it("refuses a record that belongs to another workflow", function()
      local s <close> = state.open(location)
      s:save(key("w"), doc_with("someone else", "x"))
      assert.has_error(function() s:load(key("w")) end, ("state store %s: "
        .. "record %s is damaged (it is workflow \"someone else\"'s "
        .. "record); see it with `flowlua state check`, drop it with "
        .. "`flowlua state forget`"):format(state.describe(location),
          state.describe_key(key("w"))))
    end)

    it("refuses a store of another format", function()
      local s = state.open(location)
      s.db:exec("UPDATE flowlua_meta SET value = '9' WHERE key = 'format'")
      s:close()
      assert.has_error(function() state.open(location) end, ("state store "
        .. "%s has format 9; this flowlua reads format 1: use the flowlua "
        .. "that wrote it"):format(state.describe(location)))
    end)
  end)
end

contract("SQLite", function() return temp_dir() .. "/state.db" end)

pg.contract("PostgreSQL store", contract)

describe("the SQLite store's file", function()
  it("is created 0600 in 0700 directories, in WAL mode", function()
    local dir = temp_dir()
    local path = dir .. "/a/b/state.db"
    local s <close> = state.open("sqlite:" .. path)
    assert.same(tonumber("600", 8), sys.stat_mode(path) & tonumber("777", 8))
    assert.same(tonumber("700", 8),
      sys.stat_mode(dir .. "/a/b") & tonumber("777", 8))
    assert.same("wal", s.db:rows("PRAGMA journal_mode")[1].journal_mode)
  end)

  -- Two processes creating one new store: the one that loses the race
  -- to create the file must not replace it (the winner's first records
  -- went to a file no longer in the directory: lost, or 'disk I/O
  -- error'). Twenty new stores, two writers each, every record kept.
  it("keeps every record when two processes create it at once", function()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write([[
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/lib/?.so;" .. package.cpath
local state = require("flowlua.state")
local s = state.open(arg[1])
for i = 1, 20 do
  local name = arg[2] .. i
  s:save({ endpoint = "e", org = "o", sandbox = "s", workflow = name },
    state.fresh(name))
end
s:close()
]])
    f:close()
    local base = temp_dir()
    for round = 1, 20 do
      local path = ("%s/%d/.flowlua/state.db"):format(base, round)
      local p = io.popen(("(lua5.4 %s %s a & lua5.4 %s %s b & wait) 2>&1")
        :format(script, path, script, path))
      local out = p:read("a")
      p:close()
      assert.same("", out)
      local s <close> = state.open(path)
      assert.same(40, #s:list(), "round " .. round)
    end
    os.remove(script)
  end)

  it("refuses a database that holds other tables of ours", function()
    local path = temp_dir() .. "/state.db"
    local s = state.open(path)
    s.db:exec("DROP TABLE flowlua_meta")
    s:close()
    assert.has_error(function() state.open(path) end, ("state store "
      .. "sqlite:%s: table flowlua_records exists without flowlua_meta; it "
      .. "was not written by this flowlua (state format 1): point --state "
      .. "elsewhere"):format(path))
  end)
end)

describe("a state key", function()
  it("that is wrong raises a bad argument error at the caller's line",
    function()
    local s <close> = state.open("sqlite:" .. temp_dir() .. "/state.db")
    local bad = key("w")
    bad.org = 7
    local ok, err = pcall(function() s:load(bad) end)
    assert.is_false(ok)
    assert.matches("^spec/state_spec%.lua:%d+: bad argument #1 to 'load' "
      .. "%(org must be a string%)$", err)
    ok, err = pcall(function()
      s:save(key("a\0b"), doc_with("x", "id"))
    end)
    assert.is_false(ok)
    assert.matches("^spec/state_spec%.lua:%d+: bad argument #1 to 'save' "
      .. "%(workflow must be UTF%-8 text "
      .. "without NUL%)$", err)
  end)
end)

describe("a PostgreSQL location", function()
  it("keeps its password out of messages", function()
    local url = "postgresql://flowlua:hunter2-secret@/nodb?host=/nonexistent"
    assert.same("postgresql://flowlua@/nodb?host=/nonexistent",
      state.describe(url))
    local ok, err = pcall(state.open, url)
    assert.is_false(ok)
    assert.matches("^state store postgresql://flowlua@/nodb%?host="
      .. "/nonexistent: cannot connect: ", err)
    assert.is_nil(err:find("hunter2", 1, true))
  end)
end)
