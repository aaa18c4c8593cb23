-- Lost create answers between machines and with a wrong clock, end to
-- end: real `flowlua run scripts/bulk-onboarding.lua` processes against
-- an emulator in its own process that drops one answer in five after
-- doing the request (`--faults drop=0.2`: a create creates, then the
-- connection closes). Each "machine" is a process with its own working
-- directory, so its own state store; both onboard the same names in one
-- sandbox. A create whose answer was lost is adopted only by the marker
-- it carried (flowlua.entity.marker), so each machine ends with its own
-- complete trees, and a client clock 75 s or 5 min ahead or 5 min behind
-- (faketime) changes nothing. Everything is checked from the service's side (a fault-free
-- emulator on the same state file) and from each state store.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local state_record = require("support.state_record")
local tables = require("support.tables")
local read = require("support.fs").read

local COUNT = 6
local KINDS = { "connections", "sourceConnections", "targetConnections",
  "flows" }

local settings_for = emu.settings_for

-- The shell command of one `flowlua run` in `dir`, its output and exit
-- status left in files there; `prefix` (a list) goes before the binary.
local function command(dir, env, args, prefix)
  local words = {}
  for k, v in pairs(env) do words[#words + 1] = k .. "=" .. proc.quote(v) end
  for _, w in ipairs(prefix or {}) do words[#words + 1] = proc.quote(w) end
  words[#words + 1] = proc.quote(proc.BIN)
  for _, a in ipairs(args) do words[#words + 1] = proc.quote(a) end
  local q = proc.quote
  return ("(cd %s && %s >%s 2>%s </dev/null; echo $? >%s)"):format(q(dir),
    table.concat(words, " "), q(dir .. "/out"), q(dir .. "/err"),
    q(dir .. "/code"))
end

-- Runs the commands at the same time; each dir's {out, err, code}.
local function run_together(runs)
  local cmds = {}
  for i, r in ipairs(runs) do cmds[i] = command(r.dir, r.env, r.args, r.prefix) end
  assert(os.execute(table.concat(cmds, " & ") .. " & wait"))
  local out = {}
  for i, r in ipairs(runs) do
    out[i] = { out = assert(read(r.dir .. "/out")),
      err = assert(read(r.dir .. "/err")),
      code = tonumber(assert(read(r.dir .. "/code"))) }
  end
  return out
end

-- What the service holds, read from the state file by a fault-free
-- emulator: counts and items by kind.
local function census(state)
  local e = emu.start{ state = state }
  local counts, items = fsvc.raw(e.handle:client_settings()):census()
  e:stop()
  return counts, items
end

-- The ids a directory's state store records, over the bulk workflows.
local function recorded(dir)
  local ids = {}
  for i = 1, COUNT do
    local doc = state_record.doc(dir .. "/.flowlua/state.db",
      ("bulk-twin-%03d"):format(i))
    assert(doc, "no record of source " .. i .. " in " .. dir)
    for _, step in ipairs(doc.steps) do
      for _, it in ipairs(step.intents or {}) do
        if it.id then ids[it.id] = true end
      end
    end
  end
  return ids
end

local size, by_id = tables.count, tables.by_id

describe("lost create answers", function()
  local root

  setup(function() root = fsvc.tmpdir() end)
  teardown(function() os.execute("rm -rf " .. proc.quote(root)) end)

  -- A fresh emulator process with dropped answers, its state file.
  local function faulty(name, seed)
    local state = root .. "/" .. name .. ".json"
    local server = assert(emu.spawn{ "--faults",
      "drop=0.2,seed=" .. seed, "--state", state })
    return server, state
  end

  local function machine(name)
    local dir = root .. "/" .. name
    assert(os.execute("mkdir -p " .. proc.quote(dir)))
    return dir
  end

  it("on two machines onboarding the same names: each adopts only its "
    .. "own entities, no orphans, no shared parents", function()
    local server, state = faulty("twins", 3)
    local env = fsvc.env(settings_for(server.url))
    local a, b = machine("machine-a"), machine("machine-b")
    local args = { "run", fsvc.BULK, "--count", tostring(COUNT), "--prefix",
      "twin", "--concurrency", "3" }
    local res = run_together{ { dir = a, env = env, args = args },
      { dir = b, env = env, args = args } }
    server:stop()
    for i, r in ipairs(res) do
      assert.equal(0, r.code, ("machine %d: %s%s"):format(i, r.out, r.err))
    end
    local counts, items = census(state)
    assert.same({ connections = 2 * COUNT, sourceConnections = 2 * COUNT,
      targetConnections = 2 * COUNT, flows = 2 * COUNT }, counts)
    -- Every entity belongs to exactly one machine's state.
    local mine = { recorded(a), recorded(b) }
    assert.equal(4 * COUNT, size(mine[1]))
    assert.equal(4 * COUNT, size(mine[2]))
    local owner = {}
    for _, kind in ipairs(KINDS) do
      for _, it in ipairs(items[kind]) do
        assert.equal("enabled", it.state, kind .. " " .. it.name)
        local of_a, of_b = mine[1][it.id], mine[2][it.id]
        assert.is_true((of_a or of_b) and not (of_a and of_b),
          ("%s %s is recorded by %s"):format(kind, it.id,
            of_a and "both machines" or "neither machine"))
        owner[it.id] = of_a and "a" or "b"
      end
    end
    -- Each flow's connections are its own machine's, used by it alone.
    local sources, used = by_id(items.sourceConnections), {}
    for _, f in ipairs(items.flows) do
      local src = sources[f.sourceConnectionIds[1]]
      for _, id in ipairs{ src.id, f.targetConnectionIds[1],
          src.baseConnectionId } do
        assert.equal(owner[f.id], owner[id], "flow " .. f.id .. " uses "
          .. id .. " of the other machine")
        assert.is_nil(used[id], id .. " is a parent in two trees")
        used[id] = f.id
      end
    end
    assert.equal(3 * 2 * COUNT, size(used))
  end)

  -- The clock a step's intent and the old adoption window went by is the
  -- client's: ahead, every lost answer became a duplicate; behind, the
  -- window reached back over other runs' entities.
  for _, shift in ipairs{ { "+75s", 75, "75 s ahead" },
      { "+300s", 300, "5 min ahead" }, { "-300s", -300, "5 min behind" } } do
    local offset, seconds, how = shift[1], shift[2], shift[3]
    it(("with the client's clock %s: no duplicate, exit 0"):format(how),
      function()
      -- faketime shifts the client process's clock (not the emulator's);
      -- ASan must accept libfaketime loaded before its runtime.
      local asan = os.getenv("ASAN_OPTIONS")
      local extra = { ASAN_OPTIONS = (asan and asan .. ":" or "")
        .. "verify_asan_link_order=0" }
      local clock = proc.tempfile("print(os.time())")
      local out, err, code = proc.run({ "-f", offset, proc.BIN, "run",
        clock }, { bin = "faketime", env = extra })
      os.remove(clock)
      assert.equal(0, code, err)
      -- the shift took effect (a check of the test, not of flowlua)
      assert.is_true(math.abs(tonumber(out) - os.time() - seconds) <= 10,
        out)
      local name = "clock" .. seconds
      local server, state = faulty(name, 5)
      local dir = machine(name)
      local env = fsvc.env(settings_for(server.url), extra)
      local res = run_together{ { dir = dir, env = env, prefix = {
        "faketime", "-f", offset }, args = { "run", fsvc.BULK, "--count",
        tostring(COUNT), "--prefix", "twin", "--concurrency", "3" } } }
      server:stop()
      assert.equal(0, res[1].code, res[1].out .. res[1].err)
      local counts, items = census(state)
      assert.same({ connections = COUNT, sourceConnections = COUNT,
        targetConnections = COUNT, flows = COUNT }, counts)
      local names = {}
      for _, kind in ipairs(KINDS) do
        for _, it in ipairs(items[kind]) do
          assert.is_nil(names[it.name], "duplicate " .. it.name)
          names[it.name] = true
          assert.equal("enabled", it.state, kind .. " " .. it.name)
        end
      end
      assert.equal(4 * COUNT, size(recorded(dir)))
    end)
  end
end)
