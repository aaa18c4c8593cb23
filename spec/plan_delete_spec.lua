-- What `flowlua apply` records in flowlua's state, and the deletions it
-- plans from that record: trees an apply made that the desired-state file
-- no longer has, deleted flow first, never a shared connection, never a
-- tree flowlua did not make. End to end: an emulator process, the
-- flowlua executable, drift and foreign trees made through raw API calls.
local pw = require("support.plan_workspace")
local trees = require("support.trees")
local json = require("flowlua.json")

local ALL = pw.flows{ { "acme" }, { "beta" }, { "gamma" } }

-- A string as a Lua pattern that matches just it.
local function lit(s)
  return (s:gsub("%W", "%%%0"))
end

-- The workflow each live flow's tree is known to, as `inventory` says.
local function workflows(w)
  local out, err, code = w:flowlua{ "inventory", "--json" }
  assert.equal(0, code, err)
  local by_flow = {}
  for _, t in ipairs(json.decode(out).trees) do
    by_flow[t.name] = t.workflow or "-"
  end
  return by_flow
end

describe("flowlua apply records its trees", function()
  local w

  setup(function()
    w = pw.open{ sandbox = "del" }
    w:write(ALL)
  end)

  teardown(function() w:close() end)

  it("as the workflow apply:WORKSPACE, which inventory names, and plans "
    .. "no changes after", function()
    local seed = trees.seeder(w.settings, "del")
    seed:tree{ name = "ui" }
    seed:close()
    local out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(0, code, err)
    assert.matches("Apply complete: 12 created, 0 updated, 0 deleted\n$", out)
    assert.same({ ["acme flow"] = "apply:flows", ["beta flow"] = "apply:flows",
      ["gamma flow"] = "apply:flows", ["ui flow"] = "-" }, workflows(w))
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
    assert.equal("No changes: the sandbox matches the file.\n", out)
  end)

  it("finds a tree renamed elsewhere by its recorded id: the name is "
    .. "drift, not a new tree", function()
    local flow = w:drift("flows", "gamma flow", "/name", "renamed in the UI")
    local out, err, code = w:flowlua{ "plan", "--target", "gamma", w.file }
    assert.equal(0, code, err)
    assert.equal(table.concat({
      '~ update flow "gamma flow" (tree gamma) ' .. flow.id,
      '    {"op":"replace","path":"/name","value":"gamma flow"}',
      "0 to create, 1 to update, 0 to delete", "" }, "\n"), out)
    out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(0, code, err)
    assert.matches('\nupdated flow "gamma flow" ' .. flow.id:gsub("%-", "%%-")
      .. "\nApply complete: 0 created, 1 updated, 0 deleted\n$", out)
    assert.equal(flow.id, w:find("flows", "gamma flow").id)
    assert.same({ 4, 4, 4, 4 }, w:counts())
  end)

  it("plans a tree gone from the file as deletes, flow first, and refuses "
    .. "to apply them without --allow-delete", function()
    w:write(pw.flows{ { "acme" }, { "gamma" } })
    local flow = w:find("flows", "beta flow")
    local src = w:find("sourceConnections", "beta source")
    local tgt = w:find("targetConnections", "beta target")
    local base = w:find("connections", "beta base")
    local out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(2, code, err)
    local plan = table.concat({
      '- delete flow "beta flow" (tree beta) ' .. flow.id,
      '- delete source connection "beta source" (tree beta) ' .. src.id,
      '- delete target connection "beta target" (tree beta) ' .. tgt.id,
      '- delete base connection "beta base" (tree beta) ' .. base.id,
      "0 to create, 0 to update, 4 to delete", "" }, "\n")
    assert.equal(plan, out)
    out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(1, code)
    assert.equal(plan, out)
    assert.equal("flowlua: the plan deletes 4 entities of tree beta (no "
      .. "longer in the file); nothing was changed: apply with "
      .. "--allow-delete to delete them\n", err)
    assert.same({ 4, 4, 4, 4 }, w:counts())
  end)

  it("deletes them with --allow-delete, then plans no changes", function()
    local out, err, code = w:flowlua{ "apply", "--auto-approve",
      "--allow-delete", w.file }
    assert.equal(0, code, err)
    assert.matches('\ndeleted flow "beta flow" %S+\ndeleted source '
      .. 'connection "beta source" %S+\ndeleted target connection "beta '
      .. 'target" %S+\ndeleted base connection "beta base" %S+\nApply '
      .. "complete: 0 created, 0 updated, 4 deleted\n$", out)
    assert.same({ 3, 3, 3, 3 }, w:counts())
    assert.is_nil(w:find("flows", "beta flow"))
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
    assert.same({ ["acme flow"] = "apply:flows",
      ["gamma flow"] = "apply:flows", ["ui flow"] = "-" }, workflows(w))
  end)

  it("deletes nothing a tree renamed in the file still uses", function()
    local both = pw.flows{ { "acme" }, { "gamma" } }
    w:write((both:gsub("\n  acme = {", "\n  acme2 = {")))
    local out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
    assert.equal("No changes: the sandbox matches the file.\n", out)
    out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(0, code, err)
    assert.matches("Apply complete: 0 created, 0 updated, 0 deleted\n$", out)
    w:write(both)
    out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(0, code, err)
    assert.matches("Apply complete: 0 created, 0 updated, 0 deleted\n$", out)
    assert.same({ 3, 3, 3, 3 }, w:counts())
  end)

  it("keeps a connection something else uses, and never deletes a tree "
    .. "it did not make", function()
    local base = w:find("connections", "gamma base")
    local seed = trees.seeder(w.settings, "del")
    local other = seed:source{ name = "ui-made source", base = base.id }
    seed:close()
    w:write(pw.flows{ { "acme" } })
    local out, err, code = w:flowlua{ "plan", w.file }
    assert.equal(0, code, err)
    assert.matches('\n%- delete target connection "gamma target" %(tree '
      .. 'gamma%) %S+\n' .. lit('  keep base connection "gamma base" (tree '
      .. "gamma) " .. base.id .. ": also used by source connection " .. other
      .. ' "ui-made source"\n0 to create, 0 to update, 3 to delete\n') .. "$",
      out)
    assert.falsy(out:find("ui flow", 1, true))
    out, err, code = w:flowlua{ "apply", "--auto-approve", "--allow-delete",
      w.file }
    assert.equal(0, code, err)
    assert.matches("0 created, 0 updated, 3 deleted\n$", out)
    assert.same({ 3, 3, 2, 2 }, w:counts())
    assert.equal(base.etag, w:find("connections", "gamma base").etag)
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
  end)

  it("refuses to manage a tree another workflow of flowlua's state knows",
    function()
    local flow = w:find("flows", "ui flow")
    local base = w:find("connections", "ui base")
    local _, err, code = w:flowlua{ "adopt", flow.id, "--as", "onboarding-ui" }
    assert.equal(0, code, err)
    local file = w:write(pw.flows{ { "ui" } }, w.dir .. "/ui.lua")
    local out
    out, err, code = w:flowlua{ "plan", file }
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal('flowlua: tree "ui" base "ui base" is live as ' .. base.id
      .. ', which workflow "onboarding-ui" of flowlua\'s state manages: '
      .. "rename it in the file, or `flowlua state forget` that workflow\n",
      err)
  end)

  it("refuses a saved plan that deletes without --allow-delete", function()
    w:write(pw.flows{})
    local saved = w.dir .. "/plan.json"
    local out, err, code = w:flowlua{ "plan", "--out", saved, w.file }
    assert.equal(0, code, err)
    assert.matches("0 to create, 0 to update, 4 to delete\n$", out)
    out, err, code = w:flowlua{ "apply", "--plan", saved }
    assert.equal(1, code)
    assert.matches("0 to create, 0 to update, 4 to delete\n$", out)
    assert.matches("the plan deletes 4 entities of tree acme", err, 1, true)
    out, err, code = w:flowlua{ "apply", "--allow-delete", "--plan", saved }
    assert.equal(0, code, err)
    assert.matches("0 created, 0 updated, 4 deleted\n$", out)
    assert.same({ ["ui flow"] = "onboarding-ui" }, workflows(w))
  end)
end)
