-- The service commands and a workflow another process runs: `flowlua
-- apply` on a workspace whose lock this spec's process holds leaves it
-- untouched, names the holder and exits 3 (also after waiting with
-- --wait-lock), and applies once the lock is let go. An emulator in its
-- own process, a real SQLite store, the real executable.
local pw = require("support.plan_workspace")
local state = require("flowlua.state")
local sys = require("flowlua.core").sys

describe("a service command refused a workflow's lock", function()
  local w

  setup(function() w = pw.open{ sandbox = "locked", trees = { { "acme" } } } end)

  teardown(function() w:close() end)

  it("exits 3 naming the holder, waits with --wait-lock, then applies",
      function()
    local store <close> = state.open(w.dir .. "/.flowlua/state.db")
    local key = { endpoint = w.settings.endpoint, org = w.settings.org_id,
      sandbox = "locked", workflow = "apply:flows" }
    assert.is_true(store:lock(key))
    for _, extra in ipairs{ {}, { "--wait-lock=0.3" } } do
      local argv = { "apply", "--auto-approve", w.file }
      table.move(extra, 1, #extra, #argv + 1, argv)
      local out, err, code = w:flowlua(argv)
      assert.equal(3, code, out .. err)
      assert.matches('workflow "apply:flows" in sandbox "locked" is being '
        .. "run by another process %(host .+, pid " .. sys.getpid()
        .. ", since .+%): left untouched; wait for it with "
        .. "%-%-wait%-lock", err)
    end
    assert.is_nil(w:find("flows", "acme flow"))
    store:unlock(key)
    local out, err, code = w:flowlua{ "apply", "--auto-approve",
      "--wait-lock", w.file }
    assert.equal(0, code, out .. err)
    assert.truthy(w:find("flows", "acme flow"))
  end)
end)
