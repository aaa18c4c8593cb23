-- flowlua.cli.tree_progress on real files: the live line redrawn in place
-- (as on a terminal), and nothing but the periodic line elsewhere.
local tree_progress = require("flowlua.cli.tree_progress")

local function contents(f)
  f:seek("set")
  return f:read("a")
end

describe("flowlua.cli.tree_progress", function()
  it("redraws one line in place when live, and erases it at the end",
    function()
    local f = io.tmpfile()
    local p = tree_progress.new("delete-tree", 3, { stream = f, live = true })
    p:tick()
    p:tick()
    p:finish()
    p:finish()   -- erased once only
    assert.equal("\r\27[Kdelete-tree: 1 of 3 done\r\27[Kdelete-tree: 2 of 3 "
      .. "done\r\27[K", contents(f))
    f:close()
  end)

  it("writes nothing for a short run when not live", function()
    local f = io.tmpfile()
    local p = tree_progress.new("enable", 2, { stream = f, live = false })
    p:tick()
    p:tick()
    p:finish()
    assert.equal("", contents(f))
    f:close()
  end)

  it("writes a count line once EVERY seconds have passed when not live",
    function()
    local every = tree_progress.EVERY
    tree_progress.EVERY = 0
    local f = io.tmpfile()
    local ok, err = pcall(function()
      local p = tree_progress.new("reschedule", 2, { stream = f,
        live = false })
      p:tick()
      p:tick()
      p:finish()
    end)
    tree_progress.EVERY = every
    assert(ok, err)
    assert.equal("reschedule: 1 of 2 done\nreschedule: 2 of 2 done\n",
      contents(f))
    f:close()
  end)

  it("runs an operation whose steps print and count, and erases the live "
    .. "line before raising its error again", function()
    local f = io.tmpfile()
    local ok, err = pcall(tree_progress.around, "enable", 2, function(step)
      step()
      error("boom", 0)
    end, { stream = f, live = true })
    assert.same({ false, "boom" }, { ok, err })
    assert.equal("\r\27[Kenable: 1 of 2 done\r\27[K", contents(f))
    f:close()
  end)
end)
