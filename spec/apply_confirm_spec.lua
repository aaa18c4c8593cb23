-- `flowlua apply` asks before it changes anything, as Terraform's does:
-- on a terminal (a real pseudo-terminal, script(1)) it shows the plan as
-- `flowlua plan` does there (by tree, coloured unless NO_COLOR) and takes
-- only "yes"; `--auto-approve` and a saved plan skip the question;
-- with no terminal (CI) and no --auto-approve it refuses before sending
-- anything.
local pw = require("support.plan_workspace")

describe("flowlua apply asks before changing", function()
  local w

  setup(function() w = pw.open{ sandbox = "confirm", trees = { { "acme" } } } end)

  teardown(function() w:close() end)

  it("refuses without a terminal and without --auto-approve", function()
    local out, err, code = w:flowlua{ "apply", w.file }
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^flowlua: stdin is not a terminal, so nobody can answer "
      .. "whether to apply: give %-%-auto%-approve to apply without asking "
      .. "%(as in CI%), or apply a reviewed plan with %-%-plan PLAN\n", err)
    assert.same({ 0, 0, 0, 0 }, w:counts())
  end)

  it("refuses --json without --auto-approve", function()
    local _, err, code = w:flowlua{ "apply", "--json", w.file }
    assert.equal(2, code)
    assert.matches("^flowlua: %-%-json needs %-%-auto%-approve", err)
    assert.same({ 0, 0, 0, 0 }, w:counts())
  end)

  local ASKED = table.concat({ "",
    "Do you want to apply this plan? Only 'yes' will be accepted.",
    "  Enter a value: ",
    "flowlua: apply cancelled: the answer was not 'yes'; nothing was "
      .. "changed", "" }, "\n")

  it("on a terminal shows the plan as `flowlua plan` does (by tree) and "
    .. "changes nothing unless the answer is yes", function()
    local shown, code = w:flowlua_tty({ "apply", w.file }, "no\n",
      { NO_COLOR = "1" })
    assert.equal(1, code, shown)
    assert.equal(table.concat({ pw.LEGEND, "", pw.created_tree "acme", "",
      "4 to create, 0 to update, 0 to delete",
      ASKED }, "\n"), shown)
    assert.same({ 0, 0, 0, 0 }, w:counts())
  end)

  it("colours the plan on a terminal unless NO_COLOR is set", function()
    local shown, code = w:flowlua_tty({ "apply", w.file }, "no\n")
    assert.equal(1, code, shown)
    assert.matches('\n  \27[32m+\27[0m \27[32mcreate\27[0m flow '
      .. '"acme flow"\n', shown, 1, true)
    assert.matches("\n\27[1m4 to create, 0 to update, 0 to delete\27[0m\n"
      .. ASKED, shown, 1, true)
    assert.same({ 0, 0, 0, 0 }, w:counts())
  end)

  it("applies when the answer is yes, and asks nothing when there is "
    .. "nothing to do", function()
    local shown, code = w:flowlua_tty({ "apply", w.file }, "yes\n")
    assert.equal(0, code, shown)
    assert.matches("\n  Enter a value: \ncreated base connection ", shown,
      1, true)
    assert.matches("Apply complete: 4 created, 0 updated, 0 deleted\n$",
      shown)
    assert.same({ 1, 1, 1, 1 }, w:counts())
    shown, code = w:flowlua_tty({ "apply", w.file }, "")
    assert.equal(0, code, shown)
    assert.equal("\27[32mNo changes: the sandbox matches the file.\27[0m\n"
      .. "Apply complete: 0 created, 0 updated, 0 deleted\n", shown)
  end)
end)
