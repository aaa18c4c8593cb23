-- `flowlua delete-tree`, `enable` and `disable` end to end: an emulator in
-- its own process, trees made over plain HTTP (some sharing a base or a
-- source connection, one draft), dry runs checked against the emulator's
-- own request tally, the real runs under injected faults (lost answers,
-- resets, 5xx) checked afterwards on a fault-free emulator of the same
-- state file.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local trees = require("support.trees")
local json = require("flowlua.json")

local FAULTS = "drop=0.3,reset=0.05,500=0.05,503=0.05,seed=19"

local function seed(s)
  local t = {}
  for i = 1, 6 do
    t["t" .. i] = s:tree{ name = "t" .. i, disabled = i == 4 }
  end
  -- share-a: its own source on t2's base; share-b: t3's source (and base)
  t["share-a"] = s:tree{ name = "share-a", base = t.t2.base }
  t["share-b"] = s:tree{ name = "share-b", base = t.t3.base,
    source = t.t3.source }
  -- a source connection no flow uses, on t5's base
  t.lonely = s:source{ name = "lonely source", base = t.t5.base }
  t.d1 = s:tree{ name = "d1", draft = true }
  return t
end

-- Which of these ids each collection still holds, read fault-free.
local function present(state)
  local e = emu.start{ state = state }
  local s = trees.settings_for(e.url, "ops")
  local _, items = trees.census(s)
  e:stop()
  local out = {}
  for kind, list in pairs(items) do
    for _, it in ipairs(list) do out[it.id] = { kind = kind,
      state = it.state } end
  end
  return out
end

describe("tree operations", function()
  local dir, state, server, t

  local function flowlua(args, extra_env)
    local argv = {}
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    argv[#argv + 1] = "--sandbox"
    argv[#argv + 1] = "ops"
    return proc.run(argv, { cwd = dir,
      env = fsvc.env(trees.settings_for(server.url), extra_env) })
  end

  local function restart(args)
    if server then server:stop() end
    local a = { "--state", state }
    for _, x in ipairs(args or {}) do a[#a + 1] = x end
    server = assert(emu.spawn(a))
  end

  setup(function()
    dir = fsvc.tmpdir()
    state = dir .. "/emulator.json"
    restart()
    local seeder = trees.seeder(trees.settings_for(server.url), "ops")
    t = seed(seeder)
    seeder:close()
  end)

  teardown(function()
    if server then server:stop() end
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("delete-tree --dry-run shows each request it would send, and sends "
    .. "only reads", function()
    emu.reset_tally(server.url)
    local out, err, code = flowlua{ "delete-tree", "--dry-run", t.t1.flow,
      t.t2.flow, t.t3.flow }
    assert.equal(0, code, err)
    -- step n of the plan: deleting `kind` `tree`'s entity of that role
    local COLLECTION = { flow = "flows", source = "sourceConnections",
      target = "targetConnections", base = "connections" }
    local KIND = { flow = "flow", source = "source connection",
      target = "target connection", base = "base connection" }
    local function step(n, tree, role)
      return ('  %d. delete %s "%s %s"\n       DELETE %s/%s/%s'):format(n,
        KIND[role], tree, role, emu.BASE, COLLECTION[role], t[tree][role])
    end
    local expected = {
      "Plan (dry run, nothing was changed): 9 steps",
      step(1, "t1", "flow"), step(2, "t2", "flow"), step(3, "t3", "flow"),
      step(4, "t1", "source"), step(5, "t2", "source"),
      step(6, "t1", "target"), step(7, "t2", "target"),
      step(8, "t3", "target"), step(9, "t1", "base"),
      ('kept source connection %s "t3 source": also used by flow %s '
        .. '"share-b flow"'):format(t.t3.source, t["share-b"].flow),
      ('kept base connection %s "t2 base": also used by source connection '
        .. '%s "share-a source"'):format(t.t2.base, t["share-a"].source),
      "delete-tree: 3 trees, 9 entities to delete, 2 kept (shared), 0 not "
        .. "found", "" }
    assert.equal(table.concat(expected, "\n"), out)
    local seen = emu.tally(server.url)
    for kind in pairs(seen.requests) do
      assert.truthy(kind:find("^GET ") or kind == "POST /ims/token/v3", kind)
    end
  end)

  it("delete-tree --json lists the same steps with their requests",
    function()
    local out, err, code = flowlua{ "delete-tree", "--dry-run", "--json",
      t.t5.flow }
    assert.equal(0, code, err)
    local doc = json.decode(out)
    assert.is_true(doc.dry_run)
    local requests = {}
    for i, s in ipairs(doc.steps) do requests[i] = s.request end
    local B = "DELETE /data/foundation/flowservice"
    assert.same({ B .. "/flows/" .. t.t5.flow,
      B .. "/sourceConnections/" .. t.t5.source,
      B .. "/targetConnections/" .. t.t5.target }, requests)
    assert.same({ { kind = "connection", id = t.t5.base, name = "t5 base",
      reason = ('also used by source connection %s "lonely source"')
        :format(t.lonely) } }, doc.kept)
    assert.same({}, doc.missing)
  end)

  it("deletes trees exactly once under lost answers, resets and 5xx, and "
    .. "never a shared connection", function()
    restart{ "--faults", FAULTS }
    local out, err, code = flowlua{ "delete-tree", t.t1.flow, t.t2.flow,
      t.t3.flow }
    assert.equal(0, code, err)
    -- the faults did hit the deletes: some were sent again
    local n, deletes = emu.tally(server.url).requests, 0
    for kind, count in pairs(n) do
      if kind:find("^DELETE ") then deletes = deletes + count end
    end
    assert.is_true(deletes > 9, json.encode(n))
    assert.truthy(out:find("\ndelete%-tree: 3 trees, 9 entities deleted, 2 "
      .. "kept %(shared%), 0 not found\n$"), out)
    restart()
    local have = present(state)
    for _, id in ipairs{ t.t1.flow, t.t1.source, t.t1.target, t.t1.base,
        t.t2.flow, t.t2.source, t.t2.target, t.t3.flow, t.t3.target } do
      assert.is_nil(have[id], id)
    end
    for _, id in ipairs{ t.t2.base, t.t3.base, t.t3.source } do
      assert.equal("enabled", have[id].state)
    end
    for _, name in ipairs{ "share-a", "share-b", "t4", "t5", "t6", "d1" } do
      for part, id in pairs(t[name]) do
        assert.truthy(have[id], name .. " " .. part)
      end
    end
    -- again: nothing left to delete, the flows are not found
    out, err, code = flowlua{ "delete-tree", t.t1.flow }
    assert.equal(3, code, err)
    assert.equal(("not found: flow %s\ndelete-tree: 0 trees, 0 entities "
      .. "deleted, 0 kept (shared), 0 not found\n"):format(t.t1.flow)
      :gsub("0 not found\n$", "1 not found\n"), out)
  end)

  it("sends one DELETE per entity when nothing fails", function()
    emu.reset_tally(server.url)
    local _, err, code = flowlua{ "delete-tree", t.t6.flow }
    assert.equal(0, code, err)
    local n = emu.tally(server.url).requests
    assert.equal(1, n["DELETE /flows/{id}"])
    assert.equal(1, n["DELETE /sourceConnections/{id}"])
    assert.equal(1, n["DELETE /targetConnections/{id}"])
    assert.equal(1, n["DELETE /connections/{id}"])
  end)

  it("disables by filter and enables by id under faults; drafts are "
    .. "skipped with exit 3", function()
    restart{ "--faults", FAULTS }
    local out, err, code = flowlua{ "disable", "--filter", "state==enabled" }
    assert.equal(0, code, err)
    -- lost answers were settled by reading the flow back
    local n = emu.tally(server.url).requests
    assert.is_true(n["GET /flows/{id}"] >= 1, json.encode(n))
    assert.is_true(n["POST /flows/{id}/action?op=disable"] > 3, json.encode(n))
    assert.truthy(out:find("\ndisable: 3 flows disabled, 0 already "
      .. "disabled, 0 drafts skipped, 0 not found\n$"), out)
    out, err, code = flowlua{ "enable", t.t4.flow, t.d1.flow, t.t5.flow }
    assert.equal(3, code, err)
    assert.truthy(out:find(('skipped flow %s "d1 flow": a draft %%(publish '
      .. 'it first%%)\n'):format(t.d1.flow:gsub("%p", "%%%0"))), out)
    assert.truthy(out:find("\nenable: 2 flows enabled, 0 already enabled, "
      .. "1 draft skipped, 0 not found\n$"), out)
    restart()
    local have = present(state)
    assert.equal("enabled", have[t.t4.flow].state)
    assert.equal("enabled", have[t.t5.flow].state)
    assert.equal("disabled", have[t["share-a"].flow].state)
    assert.equal("disabled", have[t["share-b"].flow].state)
    assert.equal("draft", have[t.d1.flow].state)
  end)

  it("reschedule --dry-run shows each PATCH and its body, and sends none",
    function()
    emu.reset_tally(server.url)
    local out, err, code = flowlua{ "reschedule", "--dry-run", "--frequency",
      "day", "--interval", "1", "--start", "2030-01-02T03:04:05Z", t.t5.flow }
    assert.equal(0, code, err)
    assert.equal(table.concat({
      "Plan (dry run, nothing was changed): 1 step",
      '  1. update flow "t5 flow"',
      "       PATCH /data/foundation/flowservice/flows/" .. t.t5.flow,
      '       [{"op":"add","path":"/scheduleParams","value":{"frequency":'
        .. '"day","interval":1,"startTime":1893553445}}]',
      "reschedule: 1 flow to reschedule, 0 already on it, 0 not found", "" },
      "\n"), out)
    assert.is_nil(emu.tally(server.url).requests["PATCH /flows/{id}"])
  end)

  it("reschedules by filter exactly once under faults; a second run sends "
    .. "nothing", function()
    restart{ "--faults", "drop=0.4,seed=6" }
    local out, err, code = flowlua{ "reschedule", "--filter", "state==enabled",
      "--frequency", "hour", "--interval", "3" }
    assert.equal(0, code, err)
    -- t4 and t5 (share-a and share-b were disabled above)
    assert.truthy(out:find("\nreschedule: 2 flows rescheduled, 0 already on "
      .. "it, 0 not found\n$"), out)
    -- a lost answer was settled by reading the flow back: no PATCH twice
    local n = emu.tally(server.url).requests
    assert.equal(2, n["PATCH /flows/{id}"], json.encode(n))
    assert.is_true(n["GET /flows/{id}"] >= 1, json.encode(n))
    out, err, code = flowlua{ "reschedule", "--filter", "state==enabled",
      "--frequency", "hour", "--interval", "3" }
    assert.equal(0, code, err)
    assert.truthy(out:find("reschedule: 0 flows rescheduled, 2 already on "
      .. "it, 0 not found\n$"), out)
    restart()
    local e = emu.start{ state = state }
    local _, items = trees.census(trees.settings_for(e.url, "ops"))
    e:stop()
    local on = 0
    for _, f in ipairs(items.flows) do
      local sp = f.scheduleParams
      if f.state == "enabled" then
        assert.same({ "hour", 3 }, { sp.frequency, sp.interval })
        on = on + 1
      end
    end
    assert.equal(2, on)
  end)

  it("enable --dry-run names each request; --all goes alone", function()
    emu.reset_tally(server.url)
    local _
    local out, err, code = flowlua{ "enable", "--dry-run", "--all" }
    assert.equal(3, code, err)   -- d1 is a draft
    assert.truthy(out:find(("POST /data/foundation/flowservice/flows/%s/"
      .. "action%%?op=enable\n"):format(t["share-a"].flow:gsub("%p", "%%%0"))),
      out)
    assert.is_nil(emu.tally(server.url).requests
      ["POST /flows/{id}/action?op=enable"])
    _, err, code = flowlua{ "enable", "--all", t.t4.flow }
    assert.equal(2, code)
    assert.truthy(err:find("--all goes alone", 1, true), err)
    _, err, code = flowlua{ "disable" }
    assert.equal(2, code)
    assert.truthy(err:find("name the flows: FLOW_ID..., --filter EXPR or "
      .. "--all", 1, true), err)
    _, _, code = flowlua{ "delete-tree" }
    assert.equal(2, code)
  end)
end)
