-- `flowlua plan` and `flowlua apply` end to end: an emulator in its own
-- process, a desired-state file on disk, the flowlua executable run as a
-- real process; drift made through raw API calls, as the UI would make
-- it, never through the client under test (support.plan_workspace).
local pw = require("support.plan_workspace")
local trees = require("support.trees")
local json = require("flowlua.json")

local FLOWS = pw.flows{ { "acme" }, { "beta", state = "disabled" } }
local SECRET = pw.SECRET

describe("flowlua plan and apply", function()
  local w, dir, file, settings

  local function flowlua(args) return w:flowlua(args) end
  local function raw(...) return w:raw(...) end
  local function find(...) return w:find(...) end

  setup(function()
    w = pw.open{ sandbox = "plan" }
    dir, file, settings = w.dir, w.file, w.settings
    w:write(FLOWS)
  end)

  teardown(function() w:close() end)

  it("plans every entity of a new tree as a create, and exits 2 under "
    .. "--detailed-exitcode", function()
    local out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(2, code, err)
    assert.equal(table.concat({
      '+ create base connection "acme base" (tree acme)',
      '+ create source connection "acme source" (tree acme)',
      '+ create target connection "acme target" (tree acme)',
      '+ create flow "acme flow" (tree acme)',
      '+ create base connection "beta base" (tree beta)',
      '+ create source connection "beta source" (tree beta)',
      '+ create target connection "beta target" (tree beta)',
      '+ create flow "beta flow" (tree beta)',
      '> disable flow "beta flow" (tree beta)',
      "8 to create, 0 to update, 0 to delete, 0 to publish, 0 to enable, "
        .. "1 to disable", "" }, "\n"), out)
    assert.same({}, select(2, trees.census(settings)).flows or {})
  end)

  it("limits a plan to one tree with --target, as JSON", function()
    local out, err, code = flowlua{ "plan", "--json", "--target", "acme",
      file }
    assert.equal(0, code, err)
    local doc = json.decode(out)
    assert.same({ create = 4, update = 0, delete = 0, publish = 0,
      enable = 0, disable = 0 }, doc.counts)
    assert.equal(4, #doc.steps)
    assert.equal("acme", doc.steps[4].tree)
  end)

  it("applies the plan parents first, then plans no changes (exit 0)",
    function()
    local out, err, code = flowlua{ "apply", "--auto-approve", file }
    assert.equal(0, code, err)
    assert.matches('created flow "acme flow" %x+%-', out)
    assert.matches("Apply complete: 8 created, 0 updated, 0 deleted\n$", out)
    assert.falsy((out .. err):find(SECRET, 1, true))
    local counts = trees.census(settings)
    assert.same({ 2, 2, 2, 2 }, { counts.connections,
      counts.sourceConnections, counts.targetConnections, counts.flows })
    local acme, beta = find("flows", "acme flow"), find("flows", "beta flow")
    assert.equal("enabled", acme.state)
    assert.equal("disabled", beta.state)
    local src = find("sourceConnections", "acme source")
    assert.same({ src.id }, acme.sourceConnectionIds)
    out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(0, code, err)
    assert.equal("No changes: the sandbox matches the file.\n", out)
  end)

  it("shows drift made through raw API calls as an update with its JSON "
    .. "Patch and an enable, and applies it", function()
    local src = w:drift("sourceConnections", "acme source", "/params/path",
      "/elsewhere.csv")
    local flow = find("flows", "acme flow")
    raw("POST", "/flows/" .. flow.id .. "/action?op=disable")
    local out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(2, code, err)
    assert.equal(table.concat({
      '~ update source connection "acme source" (tree acme) ' .. src.id,
      '    {"op":"replace","path":"/params","value":{"path":'
        .. '"/acme/account.csv","type":"file"}}',
      '> enable flow "acme flow" (tree acme) ' .. flow.id,
      "0 to create, 1 to update, 0 to delete, 0 to publish, 1 to enable, "
        .. "0 to disable", "" }, "\n"), out)
    out, err, code = flowlua{ "apply", "--auto-approve", file }
    assert.equal(0, code, err)
    local tail = '\nupdated source connection "acme source" ' .. src.id
      .. '\nenabled flow "acme flow" ' .. flow.id
      .. "\nApply complete: 0 created, 1 updated, 0 deleted\n"
    assert.equal(tail, out:sub(-#tail))
    assert.equal("/acme/account.csv",
      find("sourceConnections", "acme source").params.path)
    assert.equal("enabled", find("flows", "acme flow").state)
    out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(0, code, err .. out)
  end)

  it("applies a saved plan only while the entities it read are unchanged",
    function()
    local saved = dir .. "/plan.json"
    w:drift("sourceConnections", "beta source", "/params/path", "/drift.csv")
    local out, err, code = flowlua{ "plan", "--out", saved, "--target",
      "beta", file }
    assert.equal(0, code, err)
    assert.matches("0 to create, 1 to update, 0 to delete\n$", out)
    local doc = json.decode(assert(io.open(saved)):read("a"))
    assert.same({ "beta" }, doc.trees)
    assert.equal(1, #doc.steps)
    -- the file changing after the plan is saved does not matter: the
    -- saved plan is applied as planned
    w:write((FLOWS:gsub("/beta/account.csv", "/beta/later.csv")))
    local flow = find("flows", "beta flow")
    out, err, code = flowlua{ "apply", "--plan", saved }
    w:write(FLOWS)
    assert.equal(0, code, err)
    assert.matches("Apply complete: 0 created, 1 updated, 0 deleted\n$", out)
    assert.equal("/beta/account.csv",
      find("sourceConnections", "beta source").params.path)
    -- applied, the source's etag moved on: the same plan is now stale
    local now = find("sourceConnections", "beta source")
    out, err, code = flowlua{ "apply", "--plan", saved }
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal("flowlua: the sandbox changed since the plan was saved; "
      .. "plan again:\n  tree beta source: " .. doc.etags.beta.source
      .. " when planned, " .. now.etag .. " now\n", err)
    assert.equal(flow.etag, find("flows", "beta flow").etag)
  end)

  it("refuses a secret written inline, and exits 1 under "
    .. "--detailed-exitcode", function()
    local bad = w:write((FLOWS:gsub('"env:AFS_KEY"', '"' .. SECRET .. '"')),
      dir .. "/inline.lua")
    local out, err, code = flowlua{ "plan", "--detailed-exitcode", bad }
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal('flowlua: tree "acme" base: secret field auth.params.password '
      .. 'must be a reference ("env:NAME"), never inline\n', err)
  end)

  it("names an unknown --target as a usage error", function()
    local _, err, code = flowlua{ "plan", "--target", "nope", file }
    assert.equal(2, code)
    assert.matches("^flowlua: %-%-target nope: no such tree in ", err)
  end)

  it("exits 1 on a usage error under --detailed-exitcode, where 2 means "
    .. "changes", function()
    local out, err, code = flowlua{ "plan", "--detailed-exitcode",
      "--target", "nope", file }
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^flowlua: %-%-target nope: no such tree in ", err)
    out, err, code = flowlua{ "plan", "--bogus", "--detailed-exitcode", file }
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^flowlua: unknown option '%-%-bogus'\nusage: flowlua plan ",
      err)
    out, err, code = flowlua{ "plan", "--detailed-exitcode" }
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^flowlua: give exactly one desired%-state FILE\n", err)
    -- without the flag, the same mistake is the usual usage error
    out, err, code = flowlua{ "plan", "--bogus", file }
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^flowlua: unknown option '%-%-bogus'\n", err)
  end)
end)
