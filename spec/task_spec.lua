local task = require("flowlua.task")

describe("flowlua.task", function()
  describe("spawn and run", function()
    it("runs tasks until none is left and returns their results", function()
      local order = {}
      local a = task.spawn(function(x) order[#order + 1] = "a" return x * 2, "two" end, 21)
      local b = task.spawn(function() order[#order + 1] = "b" end)
      task.run()
      assert.same({ "a", "b" }, order)
      assert.same({ 42, "two" }, { a:wait() })
      assert.same({}, { b:wait() })
    end)

    it("is outside any task at top level and inside one in a task", function()
      assert.is_nil(task.current())
      local t
      t = task.spawn(function() return task.current() == t end)
      assert.is_true(t:wait())
    end)

    it("does not treat a plain coroutine inside a task as the task", function()
      local t = task.spawn(function()
        return coroutine.wrap(function() return task.current() end)()
      end)
      assert.is_nil(t:wait())
    end)

    it("raises a task's error from wait, keeping a table error as it is", function()
      local e = { code = "boom" }
      local t = task.spawn(function() error(e) end)
      local ok, got = pcall(t.wait, t)
      assert.is_false(ok)
      assert.equal(e, got)
    end)

    it("raises from run the error of a task nobody waits for", function()
      task.spawn(function() error("lost", 0) end)
      assert.has_error(function() task.run() end, "lost")
      task.run()  -- reported once
    end)

    it("refuses a task that yields values of its own", function()
      local t = task.spawn(function() coroutine.yield("mine") end)
      assert.has_error(function() t:wait() end, "flowlua.task: a task yielded "
        .. "outside flowlua.task (wrap plain coroutines with coroutine.wrap "
        .. "inside the task)")
    end)

    it("detects that every task waits forever", function()
      local t = task.spawn(function() task.suspend() end)
      assert.has_error(function() t:wait() end, "flowlua.task: deadlock: every "
        .. "task waits for something that nothing in flight will bring")
      task.wake(t)
      t:wait()
    end)

    it("lets one task wait for another", function()
      local inner = task.spawn(function() task.sleep(0.01) return "inner" end)
      local outer = task.spawn(function() return "got " .. inner:wait() end)
      assert.same("got inner", outer:wait())
    end)
  end)

  describe("sleep", function()
    it("inside tasks lets other tasks run: the shorter sleep ends first", function()
      local order = {}
      local function sleeper(name, s)
        return function() task.sleep(s) order[#order + 1] = name end
      end
      task.spawn(sleeper("long", 0.2))
      task.spawn(sleeper("short", 0.05))
      task.spawn(sleeper("none", 0))
      task.run()
      assert.same({ "none", "short", "long" }, order)
    end)

    it("outside a task blocks the caller", function()
      local sys = require("flowlua.core").sys
      local t0 = sys.monotime()
      task.sleep(0.05)
      assert.is_true(sys.monotime() - t0 >= 0.05)
    end)

    it("checks its argument", function()
      assert.has_error(function() task.sleep(-1) end,
        "bad argument #1 to 'sleep' (seconds expected)")
    end)
  end)

  describe("parallel", function()
    it("returns the results in the order of the items", function()
      local got = task.parallel({ 0.06, 0.02, 0.04, 0 }, function(s, i)
        task.sleep(s)
        return i * 10
      end, { concurrency = 4 })
      assert.same({ 10, 20, 30, 40 }, got)
    end)

    it("runs at most `concurrency` items at once", function()
      local active, most = 0, 0
      task.parallel({ 1, 2, 3, 4, 5, 6, 7 }, function()
        active = active + 1
        most = math.max(most, active)
        task.sleep(0.01)
        active = active - 1
      end, { concurrency = 3 })
      assert.same(3, most)
    end)

    it("stops starting items after an error, finishes the running ones and "
      .. "raises the first error as it was", function()
      local started, finished = {}, {}
      local e = { status = 500 }
      local ok, got = pcall(task.parallel, { 1, 2, 3, 4, 5, 6 }, function(i)
        started[#started + 1] = i
        task.sleep(({ 0.05, 0.01, 0.03 })[i] or 0)
        if i == 2 then error(e) end
        if i == 3 then error("second") end
        finished[#finished + 1] = i
      end, { concurrency = 3 })
      assert.is_false(ok)
      assert.equal(e, got)
      assert.same({ 1, 2, 3 }, started)
      assert.same({ 1 }, finished)
    end)

    it("works inside a task: the caller waits while the items run", function()
      local t = task.spawn(function()
        local inner = task.parallel({ 1, 2, 3 }, function(i)
          task.sleep(0.01 * (4 - i))
          return i + 100
        end)
        return table.concat(inner, ",")
      end)
      assert.same("101,102,103", t:wait())
    end)

    it("nests: parallel items that run parallel themselves", function()
      local got = task.parallel({ 1, 2 }, function(i)
        return table.concat(task.parallel({ "a", "b" }, function(x)
          task.sleep(0.01)
          return x .. i
        end), "+")
      end)
      assert.same({ "a1+b1", "a2+b2" }, got)
    end)

    it("returns an empty list for no items", function()
      assert.same({}, task.parallel({}, function() error("never") end))
    end)

    it("checks its arguments", function()
      assert.has_error(function() task.parallel(nil, print) end,
        "bad argument #1 to 'parallel' (table expected, got no value)")
      assert.has_error(function() task.parallel({}, print, { concurrency = 0 }) end,
        "bad argument #3 to 'parallel' (concurrency must be a positive integer)")
    end)
  end)
end)
