-- `--concurrency` of the tree operations (delete-tree, enable, disable,
-- reschedule): two emulators in their own processes seeded with the same
-- trees, one worked on at concurrency 1, the other at 8; the emulators'
-- request tallies and what the sandboxes hold afterwards must be the
-- same. Then a deletion at concurrency 8 under lost answers and resets:
-- every doomed entity gone, every shared one kept.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local trees = require("support.trees")
local json = require("flowlua.json")
local tables = require("support.tables")

local TREES = 12

-- t1..t12 (t3 and t7 disabled); "share" on t1's base; "twin" on t2's
-- source; one draft tree.
local function seed(s)
  local t = {}
  for i = 1, TREES do
    t["t" .. i] = s:tree{ name = "t" .. i, disabled = i == 3 or i == 7 }
  end
  t.share = s:tree{ name = "share", base = t.t1.base }
  t.twin = s:tree{ name = "twin", base = t.t2.base, source = t.t2.source }
  t.d1 = s:tree{ name = "d1", draft = true }
  return t
end

-- The tally of requests by route, the token requests left out (how many
-- tokens a process fetches is not what is compared).
local function tally(url)
  local n = emu.tally(url).requests
  n["POST /ims/token/v3"] = nil
  return n
end

-- What the sandbox holds, by kind and name: state and schedule.
local function holdings(url)
  local _, items = trees.census(trees.settings_for(url, "conc"))
  local out = {}
  for kind, list in pairs(items) do
    for _, e in ipairs(list) do
      local sp = e.scheduleParams
      out[kind .. " " .. e.name] = e.state .. (type(sp) == "table"
        and (" " .. tostring(sp.frequency) .. "/" .. tostring(sp.interval))
        or "")
    end
  end
  return out
end

local count = tables.count

describe("tree operations at --concurrency 1 and 8", function()
  local dir, side = nil, {}

  -- One side: an emulator (seeded fault-free, then started again with
  -- `args`), its trees, and flowlua run against it.
  local function new_side(name, args)
    local s = { state = dir .. "/" .. name .. ".json" }
    s.server = assert(emu.spawn{ "--state", s.state })
    local seeder = trees.seeder(trees.settings_for(s.server.url), "conc")
    s.t = seed(seeder)
    seeder:close()
    if args then
      s.server:stop()
      local a = { "--state", s.state }
      table.move(args, 1, #args, 3, a)
      s.server = assert(emu.spawn(a))
    end
    emu.reset_tally(s.server.url)
    function s.flowlua(argv)
      local all = table.move(argv, 1, #argv, 1, {})
      table.move({ "--sandbox", "conc" }, 1, 2, #all + 1, all)
      return proc.run(all, { cwd = dir,
        env = fsvc.env(trees.settings_for(s.server.url)) })
    end
    return s
  end

  -- Runs the same command on both sides (`ids(t)` gives the FLOW_IDs of
  -- a side's trees) and checks that both did the same.
  local function same_on_both(argv, ids)
    local outs = {}
    for _, c in ipairs{ 1, 8 } do
      local s = side[c]
      local a = table.move(argv, 1, #argv, 1, {})
      table.move({ "--concurrency", tostring(c), "--json" }, 1, 3, #a + 1, a)
      table.move(ids and ids(s.t) or {}, 1, #(ids and ids(s.t) or {}),
        #a + 1, a)
      local out, err, code = s.flowlua(a)
      assert.equal(0, code, err)
      local doc = json.decode(out)
      local names = {}
      for i, step in ipairs(doc.steps) do
        names[i] = step.action .. " " .. step.kind .. " " .. step.name
      end
      outs[c] = { names = names, tally = tally(s.server.url),
        holdings = holdings(s.server.url) }
      emu.reset_tally(s.server.url)
    end
    assert.same(outs[1].names, outs[8].names)
    assert.same(outs[1].tally, outs[8].tally)
    assert.same(outs[1].holdings, outs[8].holdings)
    return outs[8]
  end

  setup(function()
    dir = fsvc.tmpdir()
    side[1], side[8] = new_side("one"), new_side("eight")
  end)

  teardown(function()
    for _, s in pairs(side) do s.server:stop() end
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("refuses a --concurrency that is not an integer from 1 to 64",
    function()
    for _, bad in ipairs{ "0", "65", "2.5", "many" } do
      local out, err, code = side[1].flowlua{ "disable", "--all",
        "--concurrency", bad }
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("^flowlua: %-%-concurrency must be an integer from 1 "
        .. "to 64\nusage: flowlua disable ", err)
    end
  end)

  it("disables by filter with the same requests and the same result",
    function()
    local r = same_on_both{ "disable", "--filter", "state==enabled" }
    assert.equal(TREES, #r.names)  -- 10 of t1..t12, share, twin
    assert.equal(TREES, r.tally["POST /flows/{id}/action?op=disable"])
    assert.equal("disabled", r.holdings["flows t5 flow"])
    assert.equal("draft", r.holdings["flows d1 flow"])
  end)

  it("enables all with the same requests and the same result", function()
    local r = same_on_both({ "enable" }, function(t)
      local ids = {}
      for i = 1, TREES do ids[i] = t["t" .. i].flow end
      return ids
    end)
    assert.equal(TREES, r.tally["POST /flows/{id}/action?op=enable"])
    assert.equal("enabled", r.holdings["flows t7 flow"])
    assert.equal("disabled", r.holdings["flows share flow"])
  end)

  it("reschedules with the same requests and the same result", function()
    local r = same_on_both{ "reschedule", "--filter", "state==enabled",
      "--frequency", "hour", "--interval", "2" }
    assert.equal(TREES, r.tally["PATCH /flows/{id}"])
    assert.equal("enabled hour/2", r.holdings["flows t12 flow"])
  end)

  it("deletes trees with the same requests, keeping shared connections",
    function()
    local r = same_on_both({ "delete-tree" }, function(t)
      local ids = {}
      for i = 1, TREES do ids[i] = t["t" .. i].flow end
      return ids
    end)
    -- 12 flows, 11 sources (t2's is twin's too), 12 targets, 10 bases
    -- (t1's is share's, t2's is twin's)
    assert.equal(45, #r.names)
    assert.equal(TREES, r.tally["DELETE /flows/{id}"])
    assert.equal(11, r.tally["DELETE /sourceConnections/{id}"])
    assert.equal(TREES, r.tally["DELETE /targetConnections/{id}"])
    assert.equal(10, r.tally["DELETE /connections/{id}"])
    assert.same({ "flows d1 flow", "flows share flow", "flows twin flow" },
      (function()
        local flows = {}
        for k in pairs(r.holdings) do
          if k:find("^flows ") then flows[#flows + 1] = k end
        end
        table.sort(flows)
        return flows
      end)())
    -- share, twin and d1, with t1's base, t2's source and t2's base
    assert.equal(12, count(r.holdings))
  end)

  it("deletes exactly once at concurrency 8 under lost answers and resets",
    function()
    local s = new_side("faults", { "--faults", "drop=0.3,reset=0.05,seed=8" })
    side.faults = s
    local ids = {}
    for i = 1, TREES do ids[i] = s.t["t" .. i].flow end
    local argv = { "delete-tree", "--concurrency", "8" }
    table.move(ids, 1, #ids, #argv + 1, argv)
    local out, err, code = s.flowlua(argv)
    assert.equal(0, code, err)
    assert.truthy(out:find("\ndelete%-tree: 12 trees, 45 entities deleted, "
      .. "2 kept %(shared%), 0 not found\n$"), out)
    -- the faults hit the deletes: some were sent again
    local deletes = 0
    for route, n in pairs(tally(s.server.url)) do
      if route:find("^DELETE ") then deletes = deletes + n end
    end
    assert.is_true(deletes > 45, tostring(deletes))
    s.server:stop()
    local e = emu.start{ state = s.state }
    local have = holdings(e.url)
    e:stop()
    assert.equal(12, count(have))
    for _, name in ipairs{ "share", "twin", "d1" } do
      assert.truthy(have["flows " .. name .. " flow"], name)
    end
    assert.truthy(have["connections t1 base"])
    assert.truthy(have["sourceConnections t2 source"])
    assert.is_nil(have["flows t9 flow"])
  end)
end)
