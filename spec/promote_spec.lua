-- `flowlua promote --from dev --to prod FLOW_ID...` end to end: one
-- emulator process holding two sandboxes, trees made in "dev" over plain
-- HTTP (as the UI would), promoted as drafts into "prod"; what prod holds
-- is read over plain HTTP too. The mapping file, the secrets file and the
-- state store live in a temporary directory; lost answers come from the
-- emulator's `drop` fault.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local trees = require("support.trees")
local fs = require("support.fs")
local http = require("flowlua.http")
local state = require("flowlua.state")
local json = require("flowlua.json")

local DATASET = "5f3c3cedb2805c194ff0b69a"       -- support.emulator's
local SCHEMA = "https://ns.adobe.com/acme/schemas/1"
local MAPPING = "bf5286a9c1ad4266baca76ba3adc9366"

-- The secrets given; none may appear in any output or file.
local T1_KEY = "t1-env-secret-8d1f"
local T2_KEY = "t2-file-secret-77ac"

local FILLED = {
  datasets = { [DATASET] = "64b7f0a1prod0000dataset01" },
  schemas = { [SCHEMA] = "https://ns.adobe.com/acme/schemas/prod-1" },
  mappings = { [MAPPING] = { id = "0f2e9c1dprod0000mapping1",
    version = "2" } },
  keys = { ["key-dev-1"] = "key-prod-1" },
}

-- The emulator's request tally (on a client closed afterwards).
local function tally(url)
  local c = http.client{}
  local res = assert(c:request{ method = "GET",
    url = url .. "/emulator/requests" })
  c:close()
  return json.decode(res.body).requests
end

local function reset_tally(url)
  local c = http.client{}
  assert(c:request{ method = "DELETE", url = url .. "/emulator/requests" })
  c:close()
end

-- Items of a census by name (a name twice fails).
local function by_name(items)
  local out = {}
  for kind, list in pairs(items) do
    out[kind] = {}
    for _, it in ipairs(list) do
      assert.is_nil(out[kind][it.name], "two " .. kind .. " named "
        .. it.name)
      out[kind][it.name] = it
    end
  end
  return out
end

-- A tree whose flow has a mapping (as a flow made in the UI has).
local function mapped_tree(s, name, base, key)
  local t = { base = base or s:base{ name = name .. " base" } }
  t.source = s:source{ name = name .. " source", base = t.base }
  t.target = s:target{ name = name .. " target" }
  local body = emu.flow_body(t.source, t.target)
  body.name = name .. " mapped flow"
  body.transformations = json.array{ { name = "Mapping",
    params = { mappingId = MAPPING, mappingVersion = "0" } } }
  if key then
    body.transformations[2] = { name = "Encryption",
      params = { publicKeyId = key } }
  end
  t.flow = s:post("/flows", body).id
  return t
end

local function no_secret_in(text, where)
  for _, secret in ipairs{ T1_KEY, T2_KEY } do
    assert.is_nil(text:find(secret, 1, true), secret .. " in " .. where)
  end
end

describe("flowlua promote", function()
  local dir, server, t

  local function restart(args)
    if server then server:stop() end
    local a = { "--state", dir .. "/emulator.json" }
    for _, x in ipairs(args or {}) do a[#a + 1] = x end
    server = assert(emu.spawn(a))
  end

  local function flowlua(args, extra_env)
    local out, err, code = proc.run(args, { cwd = dir,
      env = fsvc.env(trees.settings_for(server.url), extra_env) })
    no_secret_in(out .. err, "the output")
    return out, err, code
  end

  local function promote(args, extra_env)
    local argv = { "promote", "--from", "dev", "--to", "prod" }
    table.move(args, 1, #args, #argv + 1, argv)
    return flowlua(argv, extra_env)
  end

  -- promote under a pseudo-terminal (script(1)): what it wrote there
  -- (stdout and stderr, "\n" line ends) and the exit status; NO_COLOR
  -- unset unless `extra_env` sets it.
  local function promote_tty(args, extra_env)
    local cmd = { "cd", proc.quote(dir), "&&", "env", "-u", "NO_COLOR" }
    for k, v in pairs(fsvc.env(trees.settings_for(server.url), extra_env)) do
      cmd[#cmd + 1] = proc.quote(k .. "=" .. v)
    end
    for _, a in ipairs{ proc.BIN, "promote", "--from", "dev", "--to",
        "prod", table.unpack(args) } do
      cmd[#cmd + 1] = proc.quote(a)
    end
    local out = os.tmpname()
    local _, _, code = os.execute(("script -qec %s /dev/null >%s 2>&1 "
      .. "</dev/null"):format(proc.quote(table.concat(cmd, " ")), out))
    local text = fs.read(out):gsub("\r\n", "\n")
    os.remove(out)
    no_secret_in(text, "the terminal")
    return text, code
  end

  -- Each line's first cell (branches and the kind word), "" for a blank
  -- line, escape codes taken out.
  local function first_cells(text)
    local out, plain = {}, text:gsub("\27%[[%d;]*m", ""):gsub("\n$", "")
    for line in (plain .. "\n"):gmatch("(.-)\n") do
      out[#out + 1] = line:match("^([^%a]*%a+)") or line
    end
    return out
  end

  local function census(sandbox)
    return trees.census(trees.settings_for(server.url, sandbox))
  end

  local function fill_map()
    fs.write(dir .. "/promote-map.json", json.encode(FILLED))
  end

  setup(function()
    dir = fsvc.tmpdir()
    restart()
    local dev = trees.seeder(trees.settings_for(server.url), "dev")
    t = { t1 = mapped_tree(dev, "t1"), t2 = dev:tree{ name = "t2" },
      t4 = dev:tree{ name = "t4" }, t5 = dev:tree{ name = "t5" } }
    for k = 1, 4 do t["k" .. k] = dev:tree{ name = "k" .. k } end
    -- t3 shares t2's base, and its files are encrypted
    t.t3 = mapped_tree(dev, "t3", t.t2.base, "key-dev-1")
    dev:close()
    fs.write(dir .. "/secrets.json", json.encode{
      ["t2 base"] = { password = T2_KEY } })
  end)

  teardown(function()
    server:stop()
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("writes the ids to map into the mapping file, creates nothing and "
    .. "exits 5", function()
    local out, err, code = promote{ t.t1.flow, t.t2.flow }
    assert.equal(5, code, err)
    assert.equal("", out)
    assert.equal(table.concat({
      "flowlua: 3 ids of sandbox dev have no value for sandbox prod in "
        .. "promote-map.json (added to it, empty); fill them in and run "
        .. "promote again (nothing was created)",
      ('  datasets "%s": target connection "t1 target" params.dataSetId')
        :format(DATASET),
      ('  datasets "%s": target connection "t2 target" params.dataSetId')
        :format(DATASET),
      ('  schemas "%s": target connection "t1 target" data.schema.id')
        :format(SCHEMA),
      ('  schemas "%s": target connection "t2 target" data.schema.id')
        :format(SCHEMA),
      ('  mappings "%s": flow "t1 mapped flow" '
        .. 'transformations[0].params.mappingId'):format(MAPPING), "" },
      "\n"), err)
    assert.same({ from = "dev", to = "prod", datasets = { [DATASET] = "" },
      schemas = { [SCHEMA] = "" }, mappings = { [MAPPING] = "" }, keys = {} },
      json.decode(fs.read(dir .. "/promote-map.json")))
    assert.same({ connections = 0, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, census("prod"))
    -- still empty: the same answer, and --json says it too
    out, err, code = promote{ "--json", t.t1.flow }
    assert.equal(5, code, err)
    local doc = json.decode(out)
    assert.is_true(doc.written)
    assert.equal("promote-map.json", doc.map_file)
    assert.same({ "datasets", "schemas", "mappings" }, {
      doc.unmapped[1].category, doc.unmapped[2].category,
      doc.unmapped[3].category })
    assert.same({ kind = "flow", from_id = t.t1.flow,
      name = "t1 mapped flow",
      where = "transformations[0].params.mappingId" },
      doc.unmapped[3].uses[1])
  end)

  it("--dry-run prints each create with its body, mapped, and sends none",
    function()
    fill_map()
    fs.write(dir .. "/secrets.lua", ("return { [%q] = { password = %q } }")
      :format("t1 base", T1_KEY))
    local out, err, code = promote{ "--dry-run", "--secrets", "secrets.lua",
      t.t1.flow }
    assert.equal(0, code, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal("Plan (dry run, nothing was changed): 4 steps", lines[1])
    assert.equal(('  1. create draft base connection "t1 base" (from %s)')
      :format(t.t1.base), lines[2])
    assert.equal("       POST " .. emu.BASE .. "/connections?mode=draft",
      lines[3])
    assert.same({ specName = "Basic Authentication", params = {
      host = "acme.file.core.windows.net", userid = "acme",
      password = "***" } }, json.decode(lines[4]).auth)
    assert.equal(('  2. create draft source connection "t1 source" (from %s)')
      :format(t.t1.source), lines[5])
    assert.equal("dry-run:connection:1", json.decode(lines[7])
      .baseConnectionId)
    local target = json.decode(lines[10])
    assert.equal(FILLED.datasets[DATASET], target.params.dataSetId)
    assert.equal(FILLED.schemas[SCHEMA], target.data.schema.id)
    assert.equal('  4. create draft flow "t1 mapped flow" (from '
      .. t.t1.flow .. ")", lines[11])
    assert.equal("       POST " .. emu.BASE .. "/flows?mode=draft", lines[12])
    local flow = json.decode(lines[13])
    assert.same({ "dry-run:source:2" }, flow.sourceConnectionIds)
    assert.same({ "dry-run:target:3" }, flow.targetConnectionIds)
    assert.same({ { name = "Mapping", params = {
      mappingId = "0f2e9c1dprod0000mapping1", mappingVersion = "2" } } },
      flow.transformations)
    assert.truthy(out:find("\npromote dev %-> prod: 1 tree, 4 entities: 4 to "
      .. "create, 0 existed\n$"), out)
    assert.same({ connections = 0, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, census("prod"))
  end)

  it("makes the trees again in the target sandbox as drafts, parents "
    .. "first, with the mapped ids and the secrets given, a shared "
    .. "connection once", function()
    local out, err, code = promote({ "--secrets", "secrets.json", t.t1.flow,
      t.t2.flow, t.t3.flow, t.t4.flow },
      { FLOWLUA_SECRET_T1_BASE_PASSWORD = T1_KEY })
    assert.equal(0, code, err)
    assert.truthy(out:find("\ndrafts made without secrets %(each waits for "
      .. "it before it can be published%):\n"
      .. '  base connection "t4 base" password: '
      .. "FLOWLUA_SECRET_T4_BASE_PASSWORD\n"
      .. "promote dev %-> prod: 4 trees, 15 entities: 15 created, 0 "
      .. "existed\n$"), out)
    local counts, items = census("prod")
    assert.same({ connections = 3, sourceConnections = 4,
      targetConnections = 4, flows = 4 }, counts)
    local p = by_name(items)
    for _, n in ipairs{ "t1", "t2", "t3", "t4" } do
      local src = p.sourceConnections[n .. " source"]
      local tgt = p.targetConnections[n .. " target"]
      local flow = p.flows[n .. " flow"] or p.flows[n .. " mapped flow"]
      local base = p.connections[(n == "t3" and "t2" or n) .. " base"]
      assert.equal("draft", base.state)
      assert.same({ host = "acme.file.core.windows.net", userid = "acme" },
        base.auth.params)                  -- secrets are never returned
      assert.equal(base.id, src.baseConnectionId)
      assert.same({ src.id }, flow.sourceConnectionIds)
      assert.same({ tgt.id }, flow.targetConnectionIds)
      assert.equal("draft", flow.state)
      assert.equal(FILLED.datasets[DATASET], tgt.params.dataSetId)
      assert.equal(FILLED.schemas[SCHEMA], tgt.data.schema.id)
    end
    assert.same({ mappingId = "0f2e9c1dprod0000mapping1",
      mappingVersion = "2" }, p.flows["t1 mapped flow"]
      .transformations[1].params)
    assert.same({ name = "Encryption", params = {
      publicKeyId = "key-prod-1" } }, p.flows["t3 mapped flow"]
      .transformations[2])
    -- dev is as it was
    assert.same({ connections = 8, sourceConnections = 9,
      targetConnections = 9, flows = 9 }, (census("dev")))
    -- the secrets were sent: those drafts publish; t4's waits for its own
    local prod = trees.seeder(trees.settings_for(server.url), "prod")
    for _, n in ipairs{ "t1", "t2" } do
      prod:post("/connections/" .. p.connections[n .. " base"].id
        .. "/action?op=publish")
    end
    local res = assert(prod.raw.http:request{ method = "POST",
      url = prod.raw.url .. "/connections/" .. p.connections["t4 base"].id
        .. "/action?op=publish", headers = prod.raw.headers, body = "" })
    prod:close()
    assert.equal(400, res.status)
    assert.truthy(res.body:find("password", 1, true), res.body)
    -- no secret in a file promote wrote or read
    for _, f in ipairs{ "/promote-map.json", "/.flowlua/state.db",
        "/emulator.json" } do
      no_secret_in(fs.read(dir .. f) or "", f)
    end
  end)

  it("creates nothing when run again, and lists what exists", function()
    reset_tally(server.url)
    local out, err, code = promote{ "--json", t.t1.flow, t.t2.flow,
      t.t3.flow, t.t4.flow }
    assert.equal(0, code, err)
    -- one list per kind in each sandbox: the trees in dev, the copies the
    -- state store records in prod; nothing read by id, nothing sent
    local n = tally(server.url)
    n["POST /ims/token/v3"] = nil
    assert.same({ ["GET /connections?query"] = 2,
      ["GET /sourceConnections?query"] = 2,
      ["GET /targetConnections?query"] = 2, ["GET /flows?query"] = 2 }, n)
    local doc = json.decode(out)
    assert.same({ created = 0, existed = 15, planned = 0 }, doc.counts)
    -- what a draft was made without is journaled with it (names only)
    assert.same({ { kind = "connection", from_id = t.t4.base,
      name = "t4 base", field = "password",
      env = "FLOWLUA_SECRET_T4_BASE_PASSWORD" } }, doc.waiting_secrets)
    assert.equal("promote from dev", doc.workflow)
    local counts, items = census("prod")
    assert.same({ connections = 3, sourceConnections = 4,
      targetConnections = 4, flows = 4 }, counts)
    local p = by_name(items)
    for _, e in ipairs(doc.entities) do
      assert.equal("existed", e.outcome)
      local list = ({ connection = p.connections,
        source = p.sourceConnections, target = p.targetConnections,
        flow = p.flows })[e.kind]
      assert.equal(list[e.name].id, e.id)
    end
    -- the inventory of prod names the workflow that made the trees
    out, err, code = flowlua{ "inventory", "--sandbox", "prod", "--json" }
    assert.equal(0, code, err)
    for _, tree in ipairs(json.decode(out).trees) do
      assert.equal("promote from dev", tree.workflow)
    end
  end)

  it("draws the outcome as trees on a terminal, in colour unless NO_COLOR, "
    .. "and one row an entity elsewhere", function()
    local args = { "--secrets", "secrets.json", t.t2.flow, t.t3.flow }
    -- t3 shares t2's base: a plain row once, drawn in both trees
    local out, err, code = promote(args)
    assert.equal(0, code, err)
    assert.same({ "KIND", "base", "source", "target", "flow", "source",
      "target", "flow", "promote" }, first_cells(out))
    local shown
    shown, code = promote_tty(args, { NO_COLOR = "1" })
    assert.equal(0, code, shown)
    assert.is_nil(shown:find("\27", 1, true), shown)
    assert.same({ "KIND", "flow", "├─ source", "│  └─ base", "└─ target", "",
      "flow", "├─ source", "│  └─ base", "└─ target", "promote" },
      first_cells(shown))
    local lines = {}
    for l in shown:gmatch("[^\n]+") do lines[#lines + 1] = l end
    local flow, base = t.t2.flow:gsub("%p", "%%%0"),
      t.t2.base:gsub("%p", "%%%0")
    assert.matches("^flow +" .. flow .. " +%S+ +existed +t2 flow$", lines[2])
    assert.matches("^│  └─ base +" .. base .. " +%S+ +existed +t2 base$",
      lines[4])
    assert.matches("^│  └─ base +" .. base .. " +%S+ +existed +t2 base$",
      lines[8])
    assert.equal("promote dev -> prod: 2 trees, 7 entities: 0 created, "
      .. "7 existed", lines[10])
    shown, code = promote_tty(args)
    assert.equal(0, code, shown)
    assert.same(first_cells(shown), { "KIND", "flow", "├─ source",
      "│  └─ base", "└─ target", "", "flow", "├─ source", "│  └─ base",
      "└─ target", "promote" })
    assert.truthy(shown:find("\27[1mKIND", 1, true), shown)
    assert.truthy(shown:find("  \27[2mexisted\27[0m  ", 1, true), shown)
  end)

  it("creates each entity once when answers are lost", function()
    restart{ "--faults", "drop=0.4,seed=8" }
    local out, err, code = promote{ "-v", t.t5.flow }
    assert.equal(0, code, err)
    assert.truthy(out:find("\npromote dev %-> prod: 1 tree, 4 entities: 4 "
      .. "created, 0 existed\n$"), out)
    -- the faults did hit the creates: an answer was lost (-v logs each
    -- request), and no create was sent twice
    assert.truthy(err:find("DEBUG POST " .. emu.BASE .. "/%a+ reset"), err)
    local posts = 0
    for kind, n in pairs(tally(server.url)) do
      if kind:find("^POST /%a+%?mode=draft$") then posts = posts + n end
    end
    assert.equal(4, posts)
    restart()
    local counts, items = census("prod")
    assert.same({ connections = 4, sourceConnections = 5,
      targetConnections = 5, flows = 5 }, counts)
    local p = by_name(items)   -- no name twice
    assert.equal(p.connections["t5 base"].id,
      p.sourceConnections["t5 source"].baseConnectionId)
  end)

  -- How many create intents workflow "promote from dev" has journaled.
  local function intents()
    local pipe = io.popen(("lua5.4 %s %s %s"):format(
      proc.quote(fsvc.ROOT .. "/spec/support/count_intents.lua"),
      proc.quote(dir .. "/.flowlua/state.db"),
      proc.quote("promote from dev")))
    local n = tonumber(pipe:read("a"))
    pipe:close()
    return n
  end

  -- Starts promote of one flow, waits until `creates` more intents are
  -- journaled and `extra` seconds more, then kills it with SIGKILL.
  local function promote_killed(flow, creates, extra)
    local vars = {}
    for k, v in pairs(fsvc.env(trees.settings_for(server.url))) do
      vars[#vars + 1] = k .. "=" .. proc.quote(v)
    end
    local count = ("lua5.4 %s .flowlua/state.db %s"):format(
      proc.quote(fsvc.ROOT .. "/spec/support/count_intents.lua"),
      proc.quote("promote from dev"))
    os.execute(("cd %s || exit 1; %s %s promote --from dev --to prod %s "
      .. ">/dev/null 2>&1 & pid=$!; i=0; while [ $i -lt 1000 ]; do "
      .. "n=$(%s 2>/dev/null || echo 0); [ \"$n\" -ge %d ] && break; "
      .. "sleep 0.01; i=$((i+1)); done; sleep %.3f; kill -9 $pid 2>/dev/null; "
      .. "wait $pid 2>/dev/null; true"):format(proc.quote(dir),
      table.concat(vars, " "), proc.quote(proc.BIN), proc.quote(flow), count,
      intents() + creates, extra))
  end

  it("creates each entity once when killed with SIGKILL and run again",
    function()
    restart{ "--faults", "latency=25ms" }
    local midway = 0   -- re-runs that found the tree half promoted
    for k, point in ipairs{ { 1, 0 }, { 1, 0.03 }, { 2, 0 }, { 2, 0.02 } } do
      local flow = t["k" .. k].flow
      promote_killed(flow, point[1], point[2])
      local out, err, code = promote{ "--json", flow }
      assert.equal(0, code, err)
      local n = json.decode(out).counts
      assert.equal(4, n.created + n.existed)
      if n.created > 0 and n.existed > 0 then midway = midway + 1 end
      local _, items = census("prod")
      local p = by_name(items)   -- no name twice
      local name = "k" .. k
      assert.equal(p.connections[name .. " base"].id,
        p.sourceConnections[name .. " source"].baseConnectionId)
      assert.same({ p.targetConnections[name .. " target"].id },
        p.flows[name .. " flow"].targetConnectionIds)
    end
    assert.is_true(midway >= 2, "kills landed mid-run only " .. midway
      .. " times")
    restart()
  end)

  it("exits 3 while another process promotes from the sandbox into the "
    .. "target, creating nothing", function()
    local settings = trees.settings_for(server.url)
    local store <close> = state.open(dir .. "/.flowlua/state.db")
    local key = { endpoint = server.url, org = settings.org_id,
      sandbox = "prod", workflow = "promote from dev" }
    assert.is_true(store:lock(key))       -- held by this (live) process
    local dev = trees.seeder(settings, "dev")
    local lone = dev:tree{ name = "lone" }
    dev:close()
    local _, err, code = promote{ lone.flow }
    assert.equal(3, code)
    assert.truthy(err:find('workflow "promote from dev" in sandbox "prod" is '
      .. "being run by another process", 1, true), err)
    local _, items = census("prod")
    assert.is_nil(by_name(items).flows["lone flow"])
    store:unlock(key)
    local out
    out, err, code = promote{ lone.flow }
    assert.equal(0, code, err)
    assert.truthy(out:find("4 created, 0 existed\n$"), out)
  end)

  it("exits 1 for a flow the source sandbox lacks (3 is a held lock), "
    .. "creating nothing, and 2 on a usage error", function()
    local _, err, code = flowlua{ "promote", "--from", "dev", "--to",
      "stage", t.t1.flow, "no-such-flow" }
    assert.equal(1, code)
    assert.equal("flowlua: no flow no-such-flow in sandbox dev; nothing was "
      .. "created\n", err)
    assert.same({ connections = 0, sourceConnections = 0,
      targetConnections = 0, flows = 0 }, (census("stage")))
    _, err, code = promote{ "--secrets", "missing.json", t.t1.flow }
    assert.equal(1, code)
    assert.truthy(err:find("missing.json: No such file", 1, true), err)
    -- a mapping file with a mistake is named with it
    fs.write(dir .. "/bad-map.json", '{"dataset": {}}')
    _, err, code = promote{ "--map", "bad-map.json", t.t1.flow }
    assert.equal(1, code)
    assert.equal('flowlua: bad-map.json: unknown category "dataset" (known: '
      .. 'datasets, schemas, mappings, keys)\n', err)
    -- a tree naming an entity gone from the sandbox, a target connection
    -- without a name (as the service allows): refused before anything
    local dev = trees.seeder(trees.settings_for(server.url), "dev")
    local gone, anon = dev:tree{ name = "gone" }, dev:tree{ name = "anon" }
    dev:close()
    server:stop()
    trees.edit_state(dir .. "/emulator.json", "dev", function(_, e)
      if e.id == anon.target then e.name = nil end
    end)
    trees.edit_state(dir .. "/emulator.json", "dev", function(kind, e)
      if kind == "sourceConnections" and e.id == gone.source then
        e.id = "renamed-away"
      end
    end)
    server = nil
    restart()
    _, err, code = promote{ gone.flow }
    assert.equal(1, code)
    assert.equal(('flowlua: flow %s "gone flow" names %s, which sandbox dev '
      .. "does not hold; nothing was created\n"):format(gone.flow,
      gone.source), err)
    _, err, code = promote{ anon.flow }
    assert.equal(1, code)
    assert.equal(("flowlua: target connection %s has no name, and flowlua "
      .. "finds a copy again by its name after a lost answer: name it in "
      .. "sandbox dev first (its update, /name); nothing was created\n")
      :format(anon.target), err)
    local _, items = census("prod")
    local p = by_name(items)
    for _, name in ipairs{ "gone", "anon" } do
      assert.is_nil(p.connections[name .. " base"], name)
      assert.is_nil(p.flows[name .. " flow"], name)
    end
    -- a mapping file made for other sandboxes is refused
    fs.write(dir .. "/qa-map.json", '{"from": "dev", "to": "qa"}')
    _, err, code = promote{ "--map", "qa-map.json", t.t1.flow }
    assert.equal(1, code)
    assert.equal("flowlua: qa-map.json: maps ids from sandbox dev to sandbox "
      .. "qa, not from dev to prod: give another file with --map\n", err)
    -- a broken secrets file is named, never quoted
    fs.write(dir .. "/broken.lua", ("return { [%q] = { password = %q }")
      :format("t1 base", T1_KEY))
    _, err, code = promote{ "--secrets", "broken.lua", t.t1.flow }
    assert.equal(1, code)
    assert.equal("flowlua: broken.lua: not a secrets file (a JSON object, or "
      .. "a Lua file returning a table, of entity names to {field = "
      .. "secret})\n", err)
    _, err, code = flowlua{ "promote", "--from", "dev", "--to", "dev",
      t.t1.flow }
    assert.equal(2, code)
    assert.truthy(err:find("--from and --to name the same sandbox", 1,
      true), err)
    _, err, code = flowlua{ "promote", "--from", "dev", t.t1.flow }
    assert.equal(2, code)
    assert.truthy(err:find("--from SANDBOX and --to SANDBOX are required",
      1, true), err)
    _, err, code = promote{ "--sandbox", "x", t.t1.flow }
    assert.equal(2, code)
    assert.truthy(err:find("unknown option '--sandbox'", 1, true), err)
  end)
end)
