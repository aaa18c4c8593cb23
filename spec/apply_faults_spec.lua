-- `flowlua apply` under faults, end to end: an emulator process that drops
-- answers after doing the work and resets connections before it, and
-- apply processes killed with SIGKILL partway. Each ends with exactly one
-- of every entity of the file (counted in the emulator's state file, which
-- draws no fault), and a plan after shows no changes.
local pw = require("support.plan_workspace")

local TREES = { { "acme" }, { "beta", state = "disabled" } }

-- The POSTs that create entities, as the emulator's tally counts them.
local function create_posts(tally)
  local n = 0
  for kind, count in pairs(tally.requests) do
    if kind:match("^POST /%a+$") or kind:match("^POST /%a+%?mode=draft$") then
      n = n + count
    end
  end
  return n
end

describe("flowlua apply under dropped answers and resets", function()
  local w

  setup(function()
    w = pw.open{ sandbox = "faults",
      faults = "drop=0.3,reset=0.2,seed=19" }
    w:write(pw.flows(TREES))
  end)

  teardown(function() w:close() end)

  it("creates each entity exactly once, then plans no changes", function()
    local out, err, code = w:flowlua{ "apply", "--auto-approve", w.file }
    assert.equal(0, code, err)
    assert.matches("Apply complete: 8 created, 0 updated, 0 deleted\n$", out)
    local counts, named = w:stored_counts()
    assert.same({ 2, 2, 2, 2 }, counts)
    assert.equal("disabled", named.flows["beta flow"].state)
    -- the faults hit creates: some were sent again after a reset, some
    -- found by a read after a dropped answer
    local tally = w:tally()
    assert.is_true(create_posts(tally) > 8, "no create was sent twice")
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
  end)

  it("deletes each entity exactly once with --allow-delete", function()
    w:write(pw.flows{ TREES[1] })
    local out, err, code = w:flowlua{ "apply", "--auto-approve",
      "--allow-delete", w.file }
    assert.equal(0, code, err)
    assert.matches("0 created, 0 updated, 4 deleted\n$", out)
    assert.same({ 1, 1, 1, 1 }, (w:stored_counts()))
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", w.file }
    assert.equal(0, code, err .. out)
  end)
end)

describe("flowlua apply killed with SIGKILL, then run again", function()
  local w

  setup(function()
    -- each answer takes 25 ms, so the kills land inside the apply
    w = pw.open{ sandbox = "kill", faults = "latency=25ms,drop=0.1,seed=5" }
  end)

  teardown(function() w:close() end)

  it("resumes and ends with exactly one of each entity, recorded, and no "
    .. "changes planned", function()
    local cut = 0   -- applies the kill cut short
    for i, after in ipairs{ 1, 3, 6 } do
      local name = "k" .. i
      local file = w:write(pw.flows{ { name .. "a" },
        { name .. "b", state = "disabled" } }, w.dir .. "/" .. name .. ".lua")
      local first = w:flowlua_killed({ "apply", "--auto-approve", file },
        "created ", after)
      if not first:find("Apply complete", 1, true) then cut = cut + 1 end
      local out, err, code = w:flowlua{ "apply", "--auto-approve", file }
      assert.equal(0, code, err)
      assert.matches("Apply complete: %d+ created", out)
      local counts, named = w:stored_counts()
      assert.same({ 2 * i, 2 * i, 2 * i, 2 * i }, counts)
      assert.equal("disabled", named.flows[name .. "b flow"].state)
      out, err, code = w:flowlua{ "plan", "--detailed-exitcode", file }
      assert.equal(0, code, err .. out)
    end
    assert.is_true(cut >= 2, "the kill cut only " .. cut .. " applies short")
    local out, err, code = w:flowlua{ "state", "check" }
    assert.equal(0, code, err .. out)
  end)

  it("resumes deletions cut short, deleting each entity once", function()
    local file = w:write(pw.flows{}, w.dir .. "/k3.lua")
    local first = w:flowlua_killed({ "apply", "--auto-approve",
      "--allow-delete", file }, "deleted ", 2)
    assert.falsy(first:find("Apply complete", 1, true), first)
    local out, err, code = w:flowlua{ "apply", "--auto-approve",
      "--allow-delete", file }
    assert.equal(0, code, err)
    assert.matches("Apply complete: 0 created, 0 updated, %d+ deleted\n$", out)
    assert.same({ 4, 4, 4, 4 }, (w:stored_counts()))
    out, err, code = w:flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(0, code, err .. out)
    out, err, code = w:flowlua{ "state", "show", "apply:k3" }
    assert.equal(1, code, out)
    assert.matches("no record of workflow \"apply:k3\"", err, 1, true)
  end)
end)
