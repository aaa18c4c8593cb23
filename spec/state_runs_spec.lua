-- Issue 15's reproductions with real processes: flowlua runs against an
-- emulator in its own process (creates answered or dropped after
-- committing), their state in a real SQLite file or a real PostgreSQL.
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local json = require("flowlua.json")
local pg = require("support.postgres")
local proc = require("support.proc")

local FAULTS = "drop=0.2,latency=5ms"

local settings_for = emu.settings_for

-- Runs each argv at once, each in its own directory; waits for all.
-- Returns a list of {out=, err=, code=}.
local function at_once(runs, env)
  local vars = {}
  for k, v in pairs(env) do vars[#vars + 1] = k .. "=" .. proc.quote(v) end
  local parts, files = {}, {}
  for i, r in ipairs(runs) do
    local words = { proc.quote(proc.BIN) }
    for _, a in ipairs(r.argv) do words[#words + 1] = proc.quote(a) end
    local f = { out = os.tmpname(), err = os.tmpname(), code = os.tmpname() }
    files[i] = f
    parts[#parts + 1] = ("(cd %s && %s %s >%s 2>%s </dev/null; echo $? >%s) &")
      :format(proc.quote(r.cwd), table.concat(vars, " "),
        table.concat(words, " "), f.out, f.err, f.code)
  end
  os.execute(table.concat(parts, " ") .. " wait")
  local out = {}
  for i, f in ipairs(files) do
    local function take(path)
      local h = assert(io.open(path))
      local text = h:read("a")
      h:close()
      os.remove(path)
      return text
    end
    out[i] = { out = take(f.out), err = take(f.err),
      code = tonumber(take(f.code)) }
  end
  return out
end

-- Every entity in the emulator's state file, read through a fault-free
-- emulator on it: each name once, `n` of each kind, every flow wired to
-- parents of its own name.
local function assert_one_set(state, n)
  local e = emu.start{ state = state }
  local counts, items = fsvc.raw(e.handle:client_settings()):census()
  e:stop()
  assert.same({ connections = n, sourceConnections = n,
    targetConnections = n, flows = n }, counts)
  local names = {}
  for _, list in pairs(items) do
    for _, it in ipairs(list) do
      assert.is_nil(names[it.name], "duplicate " .. it.name)
      names[it.name] = true
    end
  end
  local sources = {}
  for _, it in ipairs(items.sourceConnections) do sources[it.id] = it end
  for _, f in ipairs(items.flows) do
    local prefix = f.name:match("^(.-) dataflow$")
    assert.equal(prefix .. " source connection",
      sources[f.sourceConnectionIds[1]].name)
  end
end

-- Two bulk runs of the same sources at once: each either finishes a
-- source or leaves it to the other (exit 0 or 3); a third run finishes
-- what is left; the service ends with exactly one set.
local function two_at_once(cwds, extra)
  local state = fsvc.tmpdir() .. "/emulator.json"
  local server = assert(emu.spawn{ "--faults", FAULTS, "--state", state })
  -- KILL: once a TERM was left unanswered after drop faults (the
  -- emulator kept waiting); its state file is written at every change
  finally(function() server:stop("KILL") end)
  local env = fsvc.env(settings_for(server.url))
  local argv = { "run" }
  for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
  for _, a in ipairs{ fsvc.BULK, "--count", "20", "--concurrency", "4",
      "--prefix", "twice" } do
    argv[#argv + 1] = a
  end
  local results = at_once({ { argv = argv, cwd = cwds[1] },
    { argv = argv, cwd = cwds[2] } }, env)
  for _, r in ipairs(results) do
    assert.is_true(r.code == 0 or r.code == 3, r.out .. r.err)
    if r.code == 3 then
      assert.matches("skipped %(run by another process%)", r.out)
      assert.matches("left untouched %(run by another process%)", r.err)
    end
  end
  local again = at_once({ { argv = argv, cwd = cwds[1] } }, env)[1]
  assert.equal(0, again.code, again.out .. again.err)
  server:stop("KILL")
  assert_one_set(state, 20)
end

describe("two runs of one bulk onboarding at once", function()
  it("in one directory create each source once", function()
    local dir = fsvc.tmpdir()
    two_at_once({ dir, dir })
  end)

  local url, why = pg.url()
  if why then
    pending("on two machines sharing PostgreSQL: " .. why)
  else
    it("on two machines sharing PostgreSQL create each source once",
        function()
      local state = assert(pg.fresh())
      two_at_once({ fsvc.tmpdir(), fsvc.tmpdir() }, { "--state", state })
      assert.truthy(url)
    end)
  end
end)

-- Against an emulator in its own process whose create answers are
-- dropped (after committing) one time in five, as issue 15 asks.
describe("one directory, two targets", function()
  local dir, server, env

  setup(function()
    dir = fsvc.tmpdir()
    server = assert(emu.spawn{ "--faults", FAULTS, "--state",
      dir .. "/emulator.json" })
    env = fsvc.env(settings_for(server.url))
  end)

  teardown(function() server:stop("KILL") end)

  local function run(args)
    local out, err, code = proc.run(args, { cwd = dir, env = env })
    assert.equal(0, code, out .. err)
    return out
  end

  it("onboards dev then prod fully, and cleans both", function()
    run{ "run", "--sandbox", "dev", fsvc.ONBOARDING }
    local out = run{ "run", "--sandbox", "prod", fsvc.ONBOARDING }
    assert.matches("flow +ACME Azure File Storage Dataflow +[%x%-]+ +enabled",
      out)
    local list = json.decode(run{ "state", "list", "--json" })
    assert.same(2, #list)
    assert.same({ "dev", "prod" }, { list[1].key.sandbox,
      list[2].key.sandbox })
    for _, r in ipairs(list) do
      assert.same({ 7, 7, 4 }, { r.steps, r.done, r.entities })
    end
    for _, sandbox in ipairs{ "dev", "prod" } do
      local gone = run{ "run", "--sandbox", sandbox, fsvc.CLEANUP,
        "onboarding-ACME" }
      assert.matches("cleanup: 4 entities deleted from 1 workflow", gone)
    end
    assert.same({}, json.decode(run{ "state", "list", "--json" }))
  end)

  it("keeps 'sales eu' and 'sales/eu' apart", function()
    local csv = dir .. "/sources.csv"
    local f = assert(io.open(csv, "w"))
    f:write("name,path\nsales eu,/eu/a.csv\nsales/eu,/eu/b.csv\n")
    f:close()
    local out = run{ "run", fsvc.BULK, csv }
    assert.matches("2 sources: 2 onboarded, 0 already done, 0 failed", out)
    local again = run{ "run", fsvc.BULK, csv }
    assert.matches("2 sources: 0 onboarded, 2 already done", again)
    local list = json.decode(run{ "state", "list", "--json", "bulk-sales" })
    local names = {}
    for i, r in ipairs(list) do names[i] = r.key.workflow end
    assert.same({ "bulk-sales eu", "bulk-sales/eu" }, names)
    server:stop("KILL")
    assert_one_set(dir .. "/emulator.json", 2)
  end)
end)
