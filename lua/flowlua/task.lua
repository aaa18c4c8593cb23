--- Tasks: coroutines run by a small scheduler, for concurrent HTTP.
-- A task is a coroutine. A request made inside a task starts its
-- transfer and suspends the task; the scheduler polls the transfers
-- and the timers and resumes each task when what it waits for is done.
-- Code outside any task simply blocks, so the same function works both
-- ways. `task.parallel` is the everyday entry point:
--
--     local results = task.parallel(ids, function(id)
--       return client:request{ url = base .. id }
--     end, { concurrency = 10 })
--
-- @module flowlua.task

local args = require("flowlua.args")
local sys = require("flowlua.core").sys
local core_http = require("flowlua.core").http

local task = {}

local Task = {}
Task.__index = Task
Task.__name = "flowlua.task"

-- What a task yields to the scheduler; any other yield is a mistake.
local SUSPEND = setmetatable({}, { __name = "flowlua.task.suspend" })

local pack, unpack = table.pack, table.unpack

local tasks_of = setmetatable({}, { __mode = "k" })  -- coroutine -> task
local ready = { first = 1, last = 0 }                 -- tasks to resume
local timers = {}          -- {at =, task =} sorted by `at`, soonest first
local sources = {}         -- event sources (HTTP drivers) -> true
local live = 0             -- tasks started and not finished
local unhandled = nil      -- first error of a task nobody waited for

local function push_ready(t, ...)
  t.args = pack(...)
  t.state = "ready"
  ready.last = ready.last + 1
  ready[ready.last] = t
end

local function pop_ready()
  local i = ready.first
  if i > ready.last then return nil end
  local t = ready[i]
  ready[i] = nil
  ready.first = i + 1
  return t
end

--- The task running now, or nil outside any task.
-- A plain coroutine created inside a task is not a task: requests made
-- from it block instead of yielding.
-- @return the task or nil
function task.current()
  return tasks_of[coroutine.running()]
end

--- Suspends the current task until `task.wake` is called for it.
-- @return the values given to `task.wake`
function task.suspend()
  local t = task.current()
  if not t then error("task.suspend called outside a task", 2) end
  t.state = "waiting"
  return coroutine.yield(SUSPEND)
end

--- Makes a suspended task ready again; `suspend` returns `...` in it.
-- @param t the task
function task.wake(t, ...)
  args.check(1, "wake", t, "table")
  if t.state ~= "waiting" then args.fail(1, "wake", "the task is not waiting") end
  push_ready(t, ...)
end

--- Registers an event source for the scheduler loop: a table with
-- `pending()` (waits outstanding), `poll(timeout)` (waits at most
-- `timeout` seconds and wakes the tasks whose events happened) and
-- `multi` (its flowlua.http.multi, to wait on several sources at once).
-- @param source the source
function task.watch(source)
  args.check(1, "watch", source, "table")
  sources[source] = true
end

local function finish(t, ok, ...)
  live = live - 1
  t.state = "done"
  t.ok = ok
  t.results = pack(...)
  if not ok and #t.joiners == 0 and not t.detached then
    unhandled = unhandled or t
  end
  for _, j in ipairs(t.joiners) do push_ready(j) end
  t.joiners = {}
end

local function step(t)
  local co = t.co
  local given = t.args
  t.args = nil
  t.state = "running"
  local res = pack(coroutine.resume(co, unpack(given, 1, given.n)))
  if coroutine.status(co) == "dead" then
    finish(t, unpack(res, 1, res.n))
  elseif res[2] ~= SUSPEND then
    coroutine.close(co)
    finish(t, false, "flowlua.task: a task yielded outside flowlua.task "
      .. "(wrap plain coroutines with coroutine.wrap inside the task)")
  end
end

--- Starts `fn(...)` as a new task. It runs when a scheduler loop runs:
-- `task.run`, `t:wait()`, `task.parallel` or the parent task suspending.
-- @param fn function to run
-- @param ... its arguments
-- @return the task
function task.spawn(fn, ...)
  args.check(1, "spawn", fn, "function")
  local t = setmetatable({ co = coroutine.create(fn), joiners = {},
    state = "new" }, Task)
  tasks_of[t.co] = t
  live = live + 1
  push_ready(t, ...)
  return t
end

local function insert_timer(at, t)
  local i = #timers
  while i > 0 and timers[i].at > at do i = i - 1 end
  table.insert(timers, i + 1, { at = at, task = t })
end

local function fire_timers()
  local now, fired = sys.monotime(), false
  while timers[1] and timers[1].at <= now do
    push_ready(table.remove(timers, 1).task)
    fired = true
  end
  return fired
end

local function busy_sources()
  local list = {}
  for s in pairs(sources) do
    if s.pending() > 0 then list[#list + 1] = s else sources[s] = nil end
  end
  return list
end

local function poll_sources(list, timeout)
  if #list == 1 then return list[1].poll(timeout) end
  local before = ready.last
  for _, s in ipairs(list) do s.poll(0) end
  if ready.last ~= before then return end
  local multis = {}
  for i, s in ipairs(list) do multis[i] = s.multi end
  core_http.wait(multis, timeout)
  for _, s in ipairs(list) do s.poll(0) end
end

-- Waits for the next event: a timer or a finished transfer.
local function wait_events()
  if fire_timers() then return end
  local list = busy_sources()
  local timeout = timers[1] and math.max(0, timers[1].at - sys.monotime())
  if #list == 0 then
    if not timeout then
      error("flowlua.task: deadlock: every task waits for something that "
        .. "nothing in flight will bring", 0)
    end
    sys.sleep(timeout)
  else
    poll_sources(list, timeout or 1)
  end
  fire_timers()
end

-- Runs ready tasks and waits for events until done() is true.
local function drive(done)
  while not done() do
    local t = pop_ready()
    if t then step(t) else wait_events() end
  end
end

local function raise_unhandled()
  local t = unhandled
  unhandled = nil
  if t then error(t.results[1], 0) end
end

--- Runs every task until none is left; raises the first error of a task
-- nobody waited for.
function task.run()
  drive(function() return live == 0 or unhandled ~= nil end)
  raise_unhandled()
end

--- Waits for a task to finish and returns its results, or raises its
-- error (the original value, which may be a table).
-- @return the task's return values
function Task:wait()
  if self.state ~= "done" then
    local me = task.current()
    if me == self then error("a task cannot wait for itself", 2) end
    if me then
      self.joiners[#self.joiners + 1] = me
      task.suspend()
    else
      self.detached = true
      drive(function() return self.state == "done" end)
    end
  end
  if unhandled == self then unhandled = nil end
  if not self.ok then error(self.results[1], 0) end
  return unpack(self.results, 1, self.results.n)
end

--- Pauses for `secs` seconds: inside a task only this task waits (other
-- tasks run); outside any task the thread sleeps.
-- @param secs seconds (a number >= 0)
function task.sleep(secs)
  args.check(1, "sleep", secs, "number")
  if secs ~= secs or secs < 0 then args.fail(1, "sleep", "seconds expected") end
  local t = task.current()
  if not t then
    sys.sleep(secs)
    return
  end
  insert_timer(sys.monotime() + secs, t)
  task.suspend()
end


--- Runs `fn(item, index)` for every item of the list `items` as tasks,
-- at most `concurrency` (default 16) at a time, and returns the list of
-- their first results, in the order of the items. On an error no new
-- item starts, the running ones finish, and the first error is raised
-- as it was (a table stays a table). Works inside a task (the caller
-- waits while the items run) and outside (the call blocks).
-- @param items list of values
-- @param fn function(item, index)
-- @param[opt] opts `{concurrency = N}`
-- @return list of results
function task.parallel(items, fn, opts)
  args.check(1, "parallel", items, "table")
  args.check(2, "parallel", fn, "function")
  local concurrency = args.options(3, "parallel", opts, { concurrency = true })
    .concurrency or 16
  if math.type(concurrency) ~= "integer" or concurrency < 1 then
    args.fail(3, "parallel", "concurrency must be a positive integer")
  end
  local n, results, nextitem, failure = #items, {}, 1, nil
  local function worker()
    while not failure and nextitem <= n do
      local i = nextitem
      nextitem = i + 1
      local ok, res = pcall(fn, items[i], i)
      if ok then results[i] = res else failure = failure or { err = res } end
    end
  end
  local workers = {}
  for w = 1, math.min(concurrency, n) do workers[w] = task.spawn(worker) end
  for _, w in ipairs(workers) do w:wait() end
  if failure then error(failure.err, 0) end
  return results
end

return task
