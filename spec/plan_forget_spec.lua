-- A tree an apply recorded, gone from the desired-state file, whose
-- entities were all deleted outside flowlua: `plan` names it as a record
-- to forget (text, terminal and JSON; a change for --detailed-exitcode),
-- and `apply` forgets the record and says so. End to end: an emulator
-- process, the flowlua executable, deletions through raw API calls.
local pw = require("support.plan_workspace")
local fs = require("support.fs")
local trees = require("support.trees")
local json = require("flowlua.json")

local FORGET_BETA = '- forget tree "beta": recorded, but its entities are '
  .. "gone from the sandbox; apply forgets the record"

local FORGET_KEPT_BETA = '- forget tree "beta": recorded, but what is left '
  .. "of it is kept; apply forgets the record"

-- The trees the workspace's record holds, as `flowlua state show` says.
local function recorded(w)
  local out, err, code = w:flowlua{ "state", "show", "apply:flows",
    "--json" }
  assert.equal(0, code, err)
  local names = {}
  for _, step in ipairs(json.decode(out).record.steps) do
    names[#names + 1] = step.name
  end
  table.sort(names)
  return names
end

-- Applies trees acme and `name` in the workspace, then deletes the
-- entities of `name` (of `kinds`, default all) outside flowlua and takes
-- it out of the file.
local function deleted_outside(w, name, kinds)
  w:write(pw.flows{ { "acme" }, { name } })
  local _, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
  assert.equal(0, code, err)
  w:delete_outside(name, kinds)
  w:write(pw.flows{ { "acme" } })
  return w
end

describe("a recorded tree whose entities were deleted elsewhere", function()
  local w
  setup(function()
    w = deleted_outside(pw.open{ sandbox = "forget" }, "beta")
  end)
  teardown(function() w:close() end)

  it("is planned as a record to forget, which counts as a change",
    function()
    assert.same({ 1, 1, 1, 1 }, w:counts())
    local out, err, code = w:flowlua{ "plan", "--detailed-exitcode",
      w.file }
    assert.equal(2, code, err)
    assert.equal(FORGET_BETA .. "\n0 to create, 0 to update, 0 to delete, "
      .. "1 record to forget\n", out)
  end)

  it("is listed under forget in the JSON plan", function()
    local out, err, code = w:flowlua{ "plan", "--json", w.file }
    assert.equal(0, code, err)
    local doc = json.decode(out)
    assert.same({ "beta" }, doc.forget)
    assert.is_true(doc.changes)
    assert.same({}, doc.steps)
    assert.same({}, doc.kept)
  end)

  it("is drawn under its tree on a terminal, coloured unless NO_COLOR",
    function()
    local shown, code = w:flowlua_tty({ "plan", w.file }, "",
      { NO_COLOR = "1" })
    assert.equal(0, code, shown)
    assert.equal(table.concat({ pw.LEGEND .. ", - forget a record", "",
      "tree beta", "  " .. FORGET_BETA, "",
      "0 to create, 0 to update, 0 to delete, 1 record to forget", "" },
      "\n"), shown)
    shown = w:flowlua_tty({ "plan", w.file }, "")
    assert.truthy(shown:find('\n  \27[31m-\27[0m \27[31mforget\27[0m tree '
      .. '"beta": ', 1, true), shown)
  end)

  it("is forgotten by apply, which needs no --allow-delete and says so",
    function()
    assert.same({ "tree acme", "tree beta" }, recorded(w))
    local out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(0, code, err)
    assert.equal(FORGET_BETA .. "\n0 to create, 0 to update, 0 to delete, "
      .. "1 record to forget\nforgot the record of tree \"beta\": its "
      .. "entities were gone from the sandbox\nApply complete: 0 created, "
      .. "0 updated, 0 deleted, 1 record forgotten\n", out)
    assert.same({ "tree acme" }, recorded(w))
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
    assert.equal("No changes: the sandbox matches the file.\n", out)
    assert.same({ 1, 1, 1, 1 }, w:counts())
  end)

  it("is named in apply's JSON", function()
    deleted_outside(w, "gamma")
    local out, err, code = w:flowlua{ "apply", "--auto-approve", "--json",
      w.file }
    assert.equal(0, code, err)
    local doc = json.decode(out)
    assert.same({ "gamma" }, doc.forgotten)
    assert.same({}, doc.applied)
    assert.same({ "tree acme" }, recorded(w))
  end)

  it("is asked about on a terminal, and kept unless the answer is yes",
    function()
    deleted_outside(w, "delta")
    local shown, code = w:flowlua_tty({ "apply", w.file }, "no\n",
      { NO_COLOR = "1" })
    assert.equal(1, code, shown)
    assert.matches("apply cancelled", shown, 1, true)
    assert.same({ "tree acme", "tree delta" }, recorded(w))
    shown, code = w:flowlua_tty({ "apply", w.file }, "yes\n",
      { NO_COLOR = "1" })
    assert.equal(0, code, shown)
    assert.matches("1 record forgotten\n", shown, 1, true)
    assert.same({ "tree acme" }, recorded(w))
  end)

  it("is named in a saved plan, which apply --plan carries out",
    function()
    deleted_outside(w, "epsilon")
    local saved = w.dir .. "/plan.json"
    local _, err, code = w:flowlua{ "plan", "--out", saved, w.file }
    assert.equal(0, code, err)
    assert.same({ "epsilon" }, json.decode(fs.read(saved)).forget)
    local out
    out, err, code = w:flowlua{ "apply", "--plan", saved }
    assert.equal(0, code, err)
    assert.matches("\nApply complete: 0 created, 0 updated, 0 deleted, 1 "
      .. "record forgotten\n$", out)
    assert.same({ "tree acme" }, recorded(w))
  end)
end)

describe("a recorded tree with an entity left", function()
  local w
  setup(function()
    w = deleted_outside(pw.open{ sandbox = "forget-some" }, "beta",
      { "flows" })
  end)
  teardown(function() w:close() end)

  it("is planned as deletes, as before, with no record to forget",
    function()
    local out, err, code = w:flowlua{ "plan", "--json", w.file }
    assert.equal(0, code, err)
    local doc = json.decode(out)
    assert.same({}, doc.forget)
    assert.equal(3, doc.counts.delete)
    out, err, code = w:flowlua{ "apply", "--auto-approve", "--allow-delete",
      w.file }
    assert.equal(0, code, err)
    assert.falsy(out:find("forget", 1, true), out)
    assert.matches("\nApply complete: 0 created, 0 updated, 3 deleted\n$",
      out)
    assert.same({ 1, 1, 1, 1 }, w:counts())
  end)
end)

describe("a recorded tree whose entities left are all kept", function()
  local w
  setup(function()
    -- beta's flow and target deleted elsewhere; its source connection
    -- (and so its base) now feeds a flow made in the UI
    w = deleted_outside(pw.open{ sandbox = "forget-kept" }, "beta",
      { "flows", "targetConnections" })
    local seed = trees.seeder(w.settings, "forget-kept")
    seed:tree{ name = "ui", source = w:find("sourceConnections",
      "beta source").id }
    seed:close()
  end)
  teardown(function() w:close() end)

  it("is planned as a record to forget under its kept entities, and "
    .. "forgotten by apply", function()
    local out, err, code = w:flowlua{ "plan", "--detailed-exitcode",
      w.file }
    assert.equal(2, code, err)
    assert.matches('^  keep source connection "beta source" %(tree beta%) '
      .. '[%x-]+: also used by flow [%x-]+ "ui flow"\n  keep base '
      .. 'connection "beta base" %(tree beta%) [%x-]+: also used by source '
      .. 'connection [%x-]+ "beta source"\n', out)
    assert.truthy(out:find("\n" .. FORGET_KEPT_BETA .. "\n0 to create, 0 "
      .. "to update, 0 to delete, 1 record to forget\n", 1, true), out)
    local shown = w:flowlua_tty({ "plan", w.file }, "", { NO_COLOR = "1" })
    assert.truthy(shown:find('\ntree beta\n  = keep source connection "beta '
      .. 'source" ', 1, true), shown)
    assert.truthy(shown:find("\n  " .. FORGET_KEPT_BETA .. "\n", 1, true),
      shown)
    out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(0, code, err)
    assert.matches('\nforgot the record of tree "beta": what was left of '
      .. "it is kept\nApply complete: 0 created, 0 updated, 0 deleted, 1 "
      .. "record forgotten\n$", out)
    assert.same({ "tree acme" }, recorded(w))
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
    assert.same({ 3, 2, 2, 2 }, w:counts())  -- ui's seed made a base too
  end)
end)
