-- What `flowlua inventory` and `flowlua plan` draw on a terminal
-- (flowlua.cli.tree_view, flowlua.cli.plan_view): first drawn here from
-- the real structures, the inventory gathered and the plan made by the
-- real code against an emulator in its own process; then the executable
-- run under a pseudo-terminal (`script`), with colour and with NO_COLOR.
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local trees = require("support.trees")
local pw = require("support.plan_workspace")
local json = require("flowlua.json")
local flowlua = require("flowlua")
local inventory = require("flowlua.fleet.inventory")
local desired = require("flowlua.fleet.desired")
local inventory_cmd = require("flowlua.cli.inventory")
local plan_cmd = require("flowlua.cli.plan")
local tree_view = require("flowlua.cli.tree_view")
local plan_view = require("flowlua.cli.plan_view")
local term = require("flowlua.cli.term")
local runtime = require("flowlua.runtime")

-- Two trees, beta disabled (support.plan_workspace's desired-state text).
local FLOWS = pw.flows{ { "acme" }, { "beta", state = "disabled" } }

local ESC = "\27%[[%d;]*m"

local function plain(text)
  return (text:gsub(ESC, ""))
end

-- The first cell of each line (branches and a word), blank lines as "".
local function first_cells(text)
  local out = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do
    out[#out + 1] = line:match("^([^%a]*%a+)") or line
  end
  return out
end

describe("terminal views", function()
  local dir, server, settings, made, file, text, client, state_before

  -- The executable under a pseudo-terminal: stdout and stderr together,
  -- line ends as the terminal gives them (\r\n) made \n.
  local function on_tty(args, env)
    local words = { "script", "-qec" }
    local cmd = { "cd", proc.quote(dir), "&&", "env" }
    for k, v in pairs(fsvc.env(settings, env)) do
      cmd[#cmd + 1] = proc.quote(k .. "=" .. v)
    end
    cmd[#cmd + 1] = proc.quote(proc.BIN)
    for _, a in ipairs(args) do cmd[#cmd + 1] = proc.quote(a) end
    words[#words + 1] = proc.quote(table.concat(cmd, " "))
    words[#words + 1] = "/dev/null"
    local out = os.tmpname()
    local _, _, code = os.execute(table.concat(words, " ") .. " >" .. out
      .. " 2>&1 </dev/null")
    local f = assert(io.open(out, "rb"))
    local got = f:read("a")
    f:close()
    os.remove(out)
    return (got:gsub("\r\n", "\n")), code
  end

  setup(function()
    dir = fsvc.tmpdir()
    server = assert(emu.spawn{ "--state", dir .. "/emulator.json" })
    settings = trees.settings_for(server.url, "views")
    local seeder = trees.seeder(settings, "views")
    made = {}
    made.t1 = seeder:tree{ name = "t1" }
    made.t2 = seeder:tree{ name = "t2", base = made.t1.base,
      disabled = true }
    made.d1 = seeder:tree{ name = "d1", draft = true }
    seeder:close()
    file = dir .. "/flows.lua"
    text = FLOWS
    local f = assert(io.open(file, "wb"))
    f:write(text)
    f:close()
    client = flowlua.connect(settings)
    -- the state store the executable uses in `dir` (apply records there)
    state_before = runtime.state
    runtime.state = dir .. "/.flowlua/state.db"
  end)

  teardown(function()
    runtime.state = state_before
    if client then client.http:close() end
    if server then server:stop() end
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  local function gathered()
    local inv = inventory.assemble(inventory.gather(client,
      { journal_dir = dir }), { older_than = 7 * 86400 })
    return inv
  end

  it("draws the inventory's trees with branches, the same rows as the "
    .. "plain table", function()
    local inv = gathered()
    local drawn = inventory_cmd.render(inv, "views",
      tree_view.style(term.painter(false)))
    local table_text = inventory_cmd.render(inv, "views")
    -- three trees: a blank line between them; every row of the table is
    -- there, its first cell drawn with branches instead of indentation
    local rows = {}
    for line in drawn:gmatch("[^\n]+") do rows[#rows + 1] = line end
    local normal = {}
    for line in table_text:gmatch("[^\n]+") do normal[#normal + 1] = line end
    assert.equal(#normal, #rows)
    local function squeeze(line)
      return (line:gsub("^[ │├└─]+", ""):gsub("  +", "|"))
    end
    for i = 1, #rows do
      assert.equal(squeeze(normal[i]), squeeze(rows[i]))
    end
    local cells = first_cells(drawn)
    local trees_part = table.move(cells, 1, 15, 1, {})
    assert.same({ "KIND",
      "flow", "├─ source", "│  └─ base", "└─ target", "",
      "flow", "├─ source", "│  └─ base", "└─ target", "",
      "flow", "├─ source", "│  └─ base", "└─ target" }, trees_part)
    assert.truthy(drawn:find("\nsandbox views: 3 flows %(1 draft, 1 enabled, "
      .. "1 disabled%), 0 known to flowlua, 3 made elsewhere; 0 orphans$"),
      drawn)
  end)

  it("draws a last child's children without a branch line beside them",
    function()
    local rows = { { "KIND", "ID" }, { "flow", "f" }, { "  source", "s1" },
      { "    base", "b1" }, { "  source", "s2" }, { "    base", "b2" },
      { "  target", "t" }, { "flow", "g" }, { "  target", "u" },
      { "    base", "c" } }
    assert.same({ "KIND", "flow", "├─ source", "│  └─ base", "├─ source",
      "│  └─ base", "└─ target", "", "flow", "└─ target", "   └─ base" },
      first_cells(tree_view.trees(rows, term.painter(false))))
  end)

  it("colours states, runs and the count line without moving a column",
    function()
    local inv = gathered()
    local coloured = inventory_cmd.render(inv, "views",
      tree_view.style(term.painter(true)))
    local uncoloured = inventory_cmd.render(inv, "views",
      tree_view.style(term.painter(false)))
    assert.equal(uncoloured, plain(coloured))
    assert.truthy(coloured:find("\27[32menabled\27[0m", 1, true))
    assert.truthy(coloured:find("\27[33mdisabled\27[0m", 1, true))
    assert.truthy(coloured:find("\27[36mdraft\27[0m", 1, true))
    assert.truthy(coloured:find("\27[1msandbox views: ", 1, true))
  end)

  it("groups the planner's steps by tree, marked as Terraform marks them, "
    .. "with the JSON Patch of an update", function()
    -- beta applied by the executable, then drifted by raw calls
    local _, err, code = proc.run({ "apply", "--auto-approve", "--target",
      "beta", file, "--sandbox", "views" }, { cwd = dir,
      env = fsvc.env(settings, { AFS_KEY = "v1ews-s3cret" }) })
    assert.equal(0, code, err)
    local r = fsvc.raw(settings)
    local src, flow
    for _, e in ipairs(r:all("/sourceConnections")) do
      if e.name == "beta source" then src = e end
    end
    for _, e in ipairs(r:all("/flows")) do
      if e.name == "beta flow" then flow = e end
    end
    local h = { ["Content-Type"] = "application/json" }
    for k, v in pairs(r.headers) do h[k] = v end
    h["If-Match"] = src.etag
    local res = assert(r.http:request{ method = "PATCH", url = r.url
      .. "/sourceConnections/" .. src.id, headers = h, body = json.encode{
        { op = "replace", path = "/params/path", value = "/drift.csv" } } })
    assert.equal(200, res.status, res.body)
    res = assert(r.http:request{ method = "POST", url = r.url .. "/flows/"
      .. flow.id .. "/action?op=enable", headers = r.headers, body = "" })
    assert.equal(200, res.status, res.body)
    r.http:close()
    local planned = plan_cmd.plan_text(client, text, file, {}, "usage")
    local count = plan_cmd.count_line(desired.counts(planned.steps))
    assert.equal(table.concat({ pw.LEGEND, "", pw.created_tree "acme", "",
      "tree beta",
      '  ~ update source connection "beta source" ' .. src.id,
      '      {"op":"replace","path":"/params","value":{"path":'
        .. '"/beta/account.csv","type":"file"}}',
      '  > disable flow "beta flow" ' .. flow.id,
      "",
      "4 to create, 1 to update, 0 to delete, 0 to publish, 0 to enable, "
        .. "1 to disable" }, "\n"),
      plan_view.render(planned, count, term.painter(false)))
    local coloured = plan_view.render(planned, count, term.painter(true))
    assert.equal(plan_view.render(planned, count, term.painter(false)),
      plain(coloured))
    assert.truthy(coloured:find("\27[32m+\27[0m \27[32mcreate\27[0m", 1,
      true))
    assert.truthy(coloured:find("\27[33m~\27[0m \27[33mupdate\27[0m", 1,
      true))
    assert.truthy(coloured:find('\27[33m{"op":"replace"', 1, true))
    assert.equal("No changes: the sandbox matches the file.",
      plan_view.render({ steps = {}, kept = {}, forget = {} }, "",
        term.painter(false)))
  end)

  it("marks the deletion of a tree the file no longer has", function()
    local only_acme = text:gsub("\n  beta = {.*\n  },\n}", "\n}")
    assert.is_nil(only_acme:find("beta", 1, true))
    local p = plan_cmd.plan_text(client, only_acme, file, {}, "usage")
    local r = fsvc.raw(settings)
    local function id_of(collection, name)
      for _, e in ipairs(r:all("/" .. collection)) do
        if e.name == name then return e.id end
      end
    end
    local ids = { id_of("flows", "beta flow"),
      id_of("sourceConnections", "beta source"),
      id_of("targetConnections", "beta target"),
      id_of("connections", "beta base") }
    r.http:close()
    local count = plan_cmd.count_line(desired.counts(p.steps))
    assert.equal(table.concat({
      "tree beta",
      '  - delete flow "beta flow" ' .. ids[1],
      '  - delete source connection "beta source" ' .. ids[2],
      '  - delete target connection "beta target" ' .. ids[3],
      '  - delete base connection "beta base" ' .. ids[4],
      "",
      "4 to create, 0 to update, 4 to delete" }, "\n"),
      plan_view.render(p, count, term.painter(false))
        :match("\n(tree beta\n.*)$"))
    assert.truthy(plan_view.render(p, count,
      term.painter(true)):find("\27[31m-\27[0m \27[31mdelete\27[0m", 1,
      true))
    -- a connection a deletion keeps is listed under its tree, with why
    local kept = { { tree = "beta", kind = "base", name = "beta base",
      id = ids[4], reason = "also used by source connection x" } }
    p.kept = kept
    assert.truthy(plan_view.render(p, count, term.painter(false))
      :find('\n  = keep base connection "beta base" ' .. ids[4]
        .. ": also used by source connection x\n\n4 to create", 1, true))
  end)

  it("runs plan and inventory on a terminal: the views, coloured unless "
    .. "NO_COLOR is set", function()
    local out, code = on_tty{ "plan", "--detailed-exitcode", "--sandbox",
      "views", file }
    assert.equal(2, code, out)
    assert.truthy(out:find("\27[1mtree acme\27[0m\n", 1, true), out)
    local tail = "\n\27[1m4 to create, 1 to update, 0 to delete, 0 to "
      .. "publish, 0 to enable, 1 to disable\27[0m\n"
    assert.equal(tail, out:sub(-#tail))
    out, code = on_tty({ "plan", "--sandbox", "views", file },
      { NO_COLOR = "1" })
    assert.equal(0, code, out)
    assert.falsy(out:find("\27", 1, true), out)
    assert.truthy(out:find("^Actions: %+ create"), out)
    assert.truthy(out:find('\ntree beta\n  ~ update source connection '
      .. '"beta source" ', 1, true), out)
    out, code = on_tty{ "inventory", "--sandbox", "views" }
    assert.equal(0, code, out)
    assert.truthy(out:find("\n\27[1mflow\27[0m ", 1, true), out)
    assert.truthy(out:find("\n│  └─ base ", 1, true), out)
    out, code = on_tty({ "inventory", "--sandbox", "views" },
      { NO_COLOR = "1" })
    assert.equal(0, code, out)
    assert.falsy(out:find("\27", 1, true), out)
    assert.truthy(out:find("\n└─ target ", 1, true), out)
    -- --json is the same document on a terminal
    out, code = on_tty{ "plan", "--json", "--sandbox", "views", file }
    assert.equal(0, code, out)
    assert.equal(6, #json.decode(out).steps)
  end)
end)
