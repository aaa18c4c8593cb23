-- flowlua.workflow.progress: a live line per workflow on a terminal, plain lines
-- otherwise.
local progress = require("flowlua.workflow.progress")
local runtime = require("flowlua.runtime")

local function sink()
  local s = { text = "" }
  function s.write(_, ...) s.text = s.text .. table.concat({ ... }) end
  function s.flush() end
  return s
end

describe("flowlua.workflow.progress", function()
  after_each(function()
    progress.configure{}
    runtime.log_level = "info"
  end)

  it("prints one plain line per step outcome when not live", function()
    local out = sink()
    progress.configure{ stream = out, live = false }
    progress.running("wf", "base")
    progress.step("wf", "base", "done")
    progress.step("wf", "source", "resumed")
    progress.finished("wf", "done (2 steps: 1 run, 1 resumed)")
    assert.equal("wf: base done\nwf: source resumed\n"
      .. "wf: done (2 steps: 1 run, 1 resumed)\n", out.text)
  end)

  it("redraws one live line per running workflow on a terminal", function()
    local out = sink()
    progress.configure{ stream = out, live = true }
    progress.running("a", "base")
    progress.running("b", "base")
    progress.step("a", "base", "done")
    progress.finished("a", "done")
    assert.equal(table.concat{
      "\27[Ka: base ...\n",
      "\27[1A\27[J", "\27[Ka: base ...\n", "\27[Kb: base ...\n",
      "\27[2A\27[J", "\27[Ka: base done\n", "\27[Kb: base ...\n",
      "\27[2A\27[J", "a: done\n", "\27[Kb: base ...\n",
    }, out.text)
  end)

  it("writes log lines above the live lines while workflows run", function()
    local log = require("flowlua.log")
    local out = sink()
    progress.configure{ stream = out, live = true }
    progress.running("a", "base")
    log.warn("careful")
    progress.step("a", "base", "failed: boom")
    local stderr, err = io.stderr, sink()
    io.stderr = err  -- luacheck: ignore 122 (the log looks it up per line)
    log.warn("after")
    io.stderr = stderr  -- luacheck: ignore 122
    assert.truthy(err.text:find("WARN  after\n", 1, true))
    local text = out.text:gsub("%d%d%d%d%-%d%d%-%d%dT[%d:.]+Z", "TIME")
    assert.equal(table.concat{
      "\27[Ka: base ...\n",
      "\27[1A\27[J", "TIME WARN  careful\n", "\27[Ka: base ...\n",
      "\27[1A\27[J", "a: base failed: boom\n",
    }, text)
  end)

  it("is silent under -q except for failures", function()
    local out = sink()
    progress.configure{ stream = out, live = false }
    runtime.log_level = "warn"
    progress.step("wf", "base", "done")
    progress.step("wf", "flow", "failed: boom")
    progress.finished("wf", "done")
    assert.equal("wf: flow failed: boom\n", out.text)
  end)
end)
