--- The schedule of enabled flows: runs start at `scheduleParams.startTime`
-- and every `interval` `frequency` after it (`once`: one run), on the
-- emulator's clock. The work is done lazily, before a request that can
-- see runs (`/runs`, `/flows`) is answered: every slot that has come
-- since the last look gets its run, and every run whose time is up
-- finishes (ingests) and updates its flow's `lastRunDetails`. Nothing
-- runs between requests, and nobody can tell.
--
-- Choices (docs/emulator.md, "Runs"): a flow enabled after its start
-- time runs at once, then on its grid; a disabled flow skips its slots;
-- at most `MAX_CATCH_UP` runs start at once per flow, the older slots
-- being skipped, as a service that was down does not replay them all.
-- @module flowlua.emulator.scheduler

local runs = require("flowlua.emulator.runs")
local util = require("flowlua.emulator.util")

local scheduler = {}

scheduler.MAX_CATCH_UP = 50

local PERIOD = { minute = 60, hour = 3600, day = 86400, week = 604800 }

local Scheduler = {}
Scheduler.__index = Scheduler
Scheduler.__name = "flowlua.emulator.scheduler"

--- A scheduler.
-- @tparam table env `{storage=, clock=}`
-- @treturn table
function scheduler.new(env)
  -- quiet: flow version (entities are immutable tables, one per version)
  -- -> the clock (ms) before which looking at it again changes nothing
  return setmetatable({ env = env, cursors = {}, settled = {},
    quiet = setmetatable({}, { __mode = "k" }) }, Scheduler)
end

-- The flow's schedule in ms, or nil when it has none.
local function schedule_of(flow)
  local sp = flow.scheduleParams
  if type(sp) ~= "table" then return nil end
  local start = math.tointeger(tonumber(sp.startTime))
  if start == nil then return nil end
  if sp.frequency == "once" then return { start = start * 1000 } end
  local unit = PERIOD[sp.frequency]
  local interval = math.tointeger(tonumber(sp.interval))
  if unit == nil or interval == nil or interval < 1 then return nil end
  return { start = start * 1000, period = unit * interval * 1000,
    backfill = sp.backfill ~= false and sp.backfill ~= "false" }
end

-- The cursor of a flow: the last slot given a run (ms), whether it has
-- had one, and the state it was last seen in.
local function initial_cursor(sb, flow, sched)
  local last
  for _, r in ipairs(sb:list("runs")) do
    if r.flowId == flow.id and r.scheduledAtUTC then
      last = math.max(last or 0, r.scheduledAtUTC)
    end
  end
  if last then return { slot = last, started = true, start = sched.start } end
  return { slot = math.max(sched.start, flow.updatedAt or 0) - 1,
    started = false, start = sched.start }
end

local function due_slots(sched, cursor, now)
  local out = {}
  local from = cursor.slot
  if not cursor.started then
    if from + 1 > now then return out end
    out[1] = from + 1
    if sched.period == nil then return out end
  elseif sched.period == nil then
    return out
  end
  local k = math.max(0, (from - sched.start) // sched.period + 1)
  local last = (now - sched.start) // sched.period
  k = math.max(k, last - scheduler.MAX_CATCH_UP + #out + 1)
  for i = k, last do out[#out + 1] = sched.start + i * sched.period end
  return out
end

local function window_start(sched, cursor, prev)
  if cursor.started then return prev // 1000 end
  return sched.backfill == false and sched.start // 1000 or 0
end

local function start_runs(ctx, flow, sched, cursor)
  local changed = false
  for _, slot in ipairs(due_slots(sched, cursor, ctx.now)) do
    local params = { startTime = slot // 1000,
      windowStartTime = window_start(sched, cursor, cursor.slot),
      windowEndTime = slot // 1000 }
    local run = runs.start(ctx, flow, params, slot)
    run.scheduledAtUTC = slot
    ctx.sb:put("runs", run)
    cursor.slot, cursor.started, changed = slot, true, true
  end
  return changed
end

function Scheduler:cursor(ctx, flow, sched)
  local c = self.cursors[flow.id]
  -- A start time moved before the first run (a PATCH may move one that
  -- has not passed): the flow starts on its new schedule.
  if c and not c.started and c.start ~= sched.start then c = nil end
  if c == nil then
    c = initial_cursor(ctx.sb, flow, sched)
    self.cursors[flow.id] = c
  elseif c.state == "disabled" then
    c.slot = math.max(c.slot, (flow.updatedAt or 0) - 1)
  end
  c.state = flow.state
  return c
end

-- The clock (ms) of the flow's next slot after its cursor; never for a
-- flow that will not run again in this version.
local function next_due(sched, cursor)
  if not cursor.started then return cursor.slot + 1 end
  if sched.period == nil then return math.huge end
  return sched.start
    + ((cursor.slot - sched.start) // sched.period + 1) * sched.period
end

-- Looks at one flow; returns whether runs started, and the clock before
-- which looking at this version of it again would change nothing.
function Scheduler:visit(ctx, flow)
  local sched = schedule_of(flow)
  if sched and flow.state == "enabled" then
    local cursor = self:cursor(ctx, flow, sched)
    local changed = start_runs(ctx, flow, sched, cursor)
    return changed, next_due(sched, cursor)
  elseif sched and self.cursors[flow.id] then
    self.cursors[flow.id].state = flow.state
  end
  return false, math.huge
end

-- Every request that can see runs looks at every flow, so a flow
-- version is looked at again only once its next slot has come: with
-- thousands of flows a look is one table read each, not a schedule.
function Scheduler:schedule(ctx)
  local changed, quiet = false, self.quiet
  for _, flow in ipairs(ctx.sb:list("flows")) do
    local until_ms = quiet[flow]
    if until_ms == nil or until_ms <= ctx.now then
      local started
      started, quiet[flow] = self:visit(ctx, flow)
      changed = started or changed
    end
  end
  return changed
end

-- The runs that may be unfinished. Runs are never removed and new ones
-- are appended, so the runs before the first unfinished one stay
-- finished (a provider's PUT aside): each look starts there, and the
-- work per request is the new runs, not all of them.
function Scheduler:unfinished(sb)
  local list = sb:list("runs")
  local low = self.settled[sb] or 0
  while list[low + 1] and runs.finished(list[low + 1]) do low = low + 1 end
  self.settled[sb] = low
  local out = {}
  for i = low + 1, #list do
    if not runs.finished(list[i]) then out[#out + 1] = list[i] end
  end
  return out
end

function Scheduler:finish(ctx)
  local changed = false
  for _, r in ipairs(self:unfinished(ctx.sb)) do
    if runs.due(r) <= ctx.now then
      local done = runs.finish(ctx, self.env, r)
      ctx.sb:put("runs", done)
      local flow = ctx.sb:get("flows", r.flowId)
      if flow then
        local f = util.copy(flow)
        f.lastRunDetails = runs.last_details(done)
        ctx.sb:put("flows", f)
      end
      changed = true
    end
  end
  return changed
end

--- Brings a sandbox up to the clock: starts due runs, finishes runs
-- whose time is up.
-- @tparam table ctx the request context (`sb`, `now`, `who`)
-- @treturn boolean whether the store changed
function Scheduler:tick(ctx)
  local started = self:schedule(ctx)
  local finished = self:finish(ctx)
  return started or finished
end

return scheduler
