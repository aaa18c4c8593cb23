-- flowlua.stop's tally of workflow outcomes (the summary of a stopped or
-- failed run): counted exactly, without keeping the workflows themselves
-- (a bulk run of thousands of sources must not hold every finished one).
local stop = require("flowlua.stop")

-- counts() after minus before, for the four outcomes.
local function delta(before, after)
  local d = {}
  for k, n in pairs(after) do d[k] = n - before[k] end
  return d
end

describe("flowlua.stop's outcomes", function()
  it("count a workflow once; finishing wins over an earlier outcome",
    function()
      local before = stop.counts()
      local a, b, c = {}, {}, {}
      stop.note(a, "failed")
      stop.note(a, "finished")
      stop.note(b, "finished")
      stop.note(b, "failed")
      stop.note(c, "interrupted")
      stop.note(c, "not_started")
      assert.same({ finished = 2, failed = 0, interrupted = 1,
        not_started = 0 }, delta(before, stop.counts()))
    end)

  it("do not keep a noted workflow alive", function()
    local before = stop.counts()
    local kept = setmetatable({}, { __mode = "v" })
    do
      local wf = { journal = { steps = {} } }
      kept[1] = wf
      stop.note(wf, "finished")
    end
    collectgarbage()
    collectgarbage()
    assert.is_nil(kept[1])
    assert.same({ finished = 1, failed = 0, interrupted = 0,
      not_started = 0 }, delta(before, stop.counts()))
  end)
end)
