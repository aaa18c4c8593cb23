-- `flowlua inventory` end to end: an emulator in its own process holding
-- a sandbox of 369 entities (published, disabled and draft trees, shared
-- connections, a flow whose source connection was deleted, orphans, old
-- drafts, runs), one tree made by a flowlua workflow; the inventory read
-- across pages of 25 with one list per collection.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local trees = require("support.trees")
local json = require("flowlua.json")

local DAY_MS = 86400 * 1000

local function seed(s)
  local made = {}
  for i = 1, 70 do
    local name = ("p%03d"):format(i)
    made[name] = s:tree{ name = name, disabled = i <= 10 }
  end
  -- a second flow on p011's base connection; a second flow on p012's
  -- source connection (and so its base)
  made["shared-a"] = s:tree{ name = "shared-a", base = made.p011.base }
  made["shared-b"] = s:tree{ name = "shared-b", base = made.p012.base,
    source = made.p012.source }
  for i = 1, 12 do
    local name = ("d%02d"):format(i)
    made[name] = s:tree{ name = name, draft = true }
  end
  for i = 1, 15 do s:base{ name = ("orphan-base-%02d"):format(i) } end
  for i = 1, 5 do
    s:source{ name = ("orphan-src-%02d"):format(i),
      base = s:base{ name = ("orphan-src-base-%02d"):format(i) } }
  end
  for i = 1, 4 do s:target{ name = ("orphan-tgt-%02d"):format(i) } end
  -- the service lets a flow's source connection be deleted: the flow
  -- keeps the id, and the base connection is left unused
  made.dangling = s:tree{ name = "dangling" }
  local res = s.raw.http:request{ method = "DELETE",
    url = s.raw.url .. "/sourceConnections/" .. made.dangling.source,
    headers = s.raw.headers }
  assert(res.status == 204, res.body)
  return made
end

-- Four drafts were made 30 days ago; two flows have run.
local function age_and_run(state, now_ms)
  trees.edit_state(state, "inv", function(_, e)
    if type(e.name) == "string" and e.name:match("^d0[1-4] ") then
      e.createdAt = now_ms - 30 * DAY_MS
    elseif e.name == "p013 flow" then
      e.lastRunDetails = { id = "run-13", state = "failed",
        startedAtUTC = 1796000000000, completedAtUTC = 1796000060000 }
    elseif e.name == "p014 flow" then
      e.lastRunDetails = { id = "run-14", state = "success",
        startedAtUTC = 1796000000000, completedAtUTC = 1796000060000 }
    end
  end)
end

-- An id inside a Lua pattern (ids have dashes).
local function esc(id)
  return (id:gsub("%p", "%%%0"))
end

local function pages(n, size)
  return math.max(1, (n + size - 1) // size)
end

describe("flowlua inventory", function()
  local dir, state, server, settings, made, census

  local function inventory(args, extra_env)
    local argv = { "inventory", "--sandbox", "inv" }
    for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
    return proc.run(argv, { cwd = dir,
      env = fsvc.env(settings, extra_env) })
  end

  setup(function()
    dir = fsvc.tmpdir()
    state = dir .. "/emulator.json"
    local seeding = assert(emu.spawn{ "--state", state })
    settings = trees.settings_for(seeding.url)
    local seeder = trees.seeder(settings, "inv")
    made = seed(seeder)
    seeder:close()
    local _, err, code = proc.run({ "run", fsvc.ONBOARDING }, { cwd = dir,
      env = fsvc.env(settings, { FLOWLUA_SANDBOX = "inv" }) })
    assert(code == 0, err)
    seeding:stop()
    age_and_run(state, os.time() * 1000)
    server = assert(emu.spawn{ "--state", state })
    settings = trees.settings_for(server.url)
    census = trees.census(trees.settings_for(server.url, "inv"))
  end)

  teardown(function()
    if server then server:stop() end
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("holds the sandbox the spec made", function()
    assert.same({ flows = 86, sourceConnections = 89,
      targetConnections = 90, connections = 104 }, census)
  end)

  it("lists every tree with one list per collection, page by page",
    function()
    local out, err, code = inventory{ "--json", "--page-size", "25", "-v" }
    assert.equal(0, code, err)
    local inv = assert(json.decode(out))
    local expected = pages(census.flows, 25)
      + pages(census.sourceConnections, 25)
      + pages(census.targetConnections, 25)
      + pages(census.connections, 25) + 2   -- flow specs, connection specs
    assert.equal(19, expected)
    assert.equal(expected, inv.requests)
    assert.truthy(err:find(("inventory of 369 entities: %d requests (GET %d)")
      :format(expected, expected), 1, true), err)
    assert.same({ flows = 86, draft = 12, enabled = 64, disabled = 10,
      known = 1, elsewhere = 85, orphans = 46, entities = 369 }, inv.counts)
    assert.equal("inv", inv.sandbox)
  end)

  it("draws each tree: flow, source and its base, target; specs, runs",
    function()
    local out, err, code = inventory{ "--json" }
    assert.equal(0, code, err)
    local inv = json.decode(out)
    local by_name = {}
    for _, t in ipairs(inv.trees) do by_name[t.name] = t end
    local p13 = by_name["p013 flow"]
    assert.equal(made.p013.flow, p13.id)
    assert.equal("enabled", p13.state)
    assert.equal("CloudStorageToAEP", p13.spec.name)
    assert.same({ id = "run-13", state = "failed",
      started_at = 1796000000000, completed_at = 1796000060000 },
      p13.last_run)
    assert.equal(made.p013.source, p13.sources[1].id)
    assert.equal("azure-file-storage", p13.sources[1].spec.name)
    assert.equal(made.p013.base, p13.sources[1].base.id)
    assert.equal("p013 base", p13.sources[1].base.name)
    assert.equal(made.p013.target, p13.targets[1].id)
    assert.is_nil(p13.targets[1].base)
    assert.equal("disabled", by_name["p001 flow"].state)
    assert.equal("draft", by_name["d05 flow"].state)
    assert.equal("draft", by_name["d05 flow"].sources[1].base.state)
    -- a shared connection appears in each tree that uses it
    assert.equal(made.p011.base, by_name["shared-a flow"].sources[1].base.id)
    assert.equal(made.p012.source, by_name["shared-b flow"].sources[1].id)
    assert.equal(made.p012.source, by_name["p012 flow"].sources[1].id)
    -- a flow whose source connection is gone
    assert.same({ kind = "source", id = made.dangling.source,
      missing = true }, by_name["dangling flow"].sources[1])
  end)

  it("names the workflow of flowlua's state that knows a tree", function()
    local inv = json.decode((inventory{ "--json" }))
    local known = {}
    for _, t in ipairs(inv.trees) do
      if t.workflow then known[#known + 1] = t.name .. " " .. t.workflow end
    end
    assert.same({ "ACME Azure File Storage Dataflow onboarding-ACME" }, known)
  end)

  it("flags unused connections and drafts older than --older-than",
    function()
    local inv = json.decode((inventory{ "--json" }))
    local why = {}
    for _, o in ipairs(inv.orphans) do
      why[o.name] = table.concat(o.reasons, ",")
    end
    assert.equal("unused", why["orphan-base-07"])
    assert.equal("unused", why["orphan-src-03"])
    assert.equal("unused", why["orphan-src-base-03"])
    assert.equal("unused", why["orphan-tgt-04"])
    assert.equal("unused", why["dangling base"])
    assert.equal("old draft", why["d02 flow"])
    assert.equal("old draft", why["d04 base"])
    assert.is_nil(why["d05 flow"])
    assert.is_nil(why["p011 base"])       -- used by two flows
    assert.is_nil(why["p012 source"])
    local older = json.decode((inventory{ "--json", "--older-than", "40d" }))
    assert.equal(30, older.counts.orphans)
    assert.equal(40 * 86400, older.older_than)
  end)

  it("prints a table drawn as a tree, the orphans and a count line",
    function()
    local out, err, code = inventory()
    assert.equal(0, code, err)
    local function line_of(pattern)
      for line in out:gmatch("[^\n]+") do
        if line:find(pattern) then return line end
      end
      return false
    end
    assert.truthy(out:find("^KIND +ID +STATE +SPEC +LAST RUN +WORKFLOW +NAME"))
    assert.truthy(line_of("^flow +" .. esc(made.p013.flow)
      .. " +enabled +CloudStorageToAEP +failed 2026%-%d%d%-%d%d %d%d:%d%d +%- +p013 flow$"))
    assert.truthy(line_of("^  source +" .. esc(made.p013.source)
      .. " +enabled +azure%-file%-storage +%- +p013 source$"))
    assert.truthy(line_of("^    base +" .. esc(made.p013.base)
      .. " +enabled +azure%-file%-storage +%- +p013 base$"))
    assert.truthy(line_of("^  target +" .. esc(made.p013.target)
      .. " +enabled +datalake +%- +p013 target$"))
    assert.truthy(line_of("^  source +" .. esc(made.dangling.source)
      .. " +missing +%(referenced, but not in the sandbox%)$"))
    assert.truthy(line_of("onboarding%-ACME +ACME Azure File Storage Dataflow$"))
    assert.truthy(out:find("\nOrphans %(connections no flow uses, drafts "
      .. "older than 7 days%):\nKIND +ID +STATE +SPEC +CREATED +WHY +NAME\n"))
    assert.truthy(line_of("^base +%S+ +enabled +azure%-file%-storage "
      .. "+%d%d%d%d%-%d%d%-%d%d %d%d:%d%d +unused +orphan%-base%-01$"))
    assert.truthy(line_of("^flow +" .. esc(made.d01.flow)
      .. " +draft +CloudStorageToAEP +%S+ %S+ +old draft +d01 flow$"))
    assert.truthy(out:find("\nsandbox inv: 86 flows %(12 draft, 64 enabled, "
      .. "10 disabled%), 1 known to flowlua, 85 made elsewhere; 46 orphans\n$"))
  end)

  it("exits 2 on a usage error and 1 when the service cannot be read",
    function()
    local _, err, code = inventory{ "--older-than", "7" }
    assert.equal(2, code)
    assert.truthy(err:find("--older-than must be a number and a unit", 1,
      true), err)
    _, err, code = inventory{ "--page-size", "1001" }
    assert.equal(2, code, err)
    _, err, code = inventory({}, { FLOWLUA_ORG_ID = "not-an-org" })
    assert.equal(1, code)
    assert.truthy(err:find("^flowlua: GET [^\n]*/flows%?limit=1000: 403"), err)
  end)
end)
