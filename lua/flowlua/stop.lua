--- When a run must stop: its deadline (`flowlua run --deadline`) or a
-- SIGINT/SIGTERM. Process-wide, like flowlua.runtime. Once a stop is
-- noticed, no new step and no new change (POST, PATCH, PUT, DELETE)
-- starts; requests get at most `grace` seconds past the deadline; the
-- workflows' outcomes are tallied for the summary `flowlua run` prints.
-- Under plain lua5.4 nothing is set and nothing ever stops.
-- @module flowlua.stop

local errors = require("flowlua.errors")
local log = require("flowlua.log")
local sys = require("flowlua.core").sys

local stop = {
  --- Monotonic time of the deadline, or nil.
  deadline = nil,
  --- The deadline as the user gave it ("20s"), for messages.
  deadline_text = nil,
  --- Seconds requests may run past the deadline (in-flight ones finish).
  grace = 3,
  --- nil, "deadline", "SIGINT" or "SIGTERM" once a stop is noticed.
  reason = nil,
  --- Monotonic time the stop was noticed.
  at = nil,
  --- Whether signals were trapped (`flowlua run` does).
  trapping = false,
  --- Monotonic time the run started (`flowlua run` sets it).
  started = nil,
}

-- Outcome of each workflow of this run: "finished", "failed",
-- "interrupted" (stopped while running) or "not_started". Weak keys and
-- running counts: a finished workflow, its journal and its entities are
-- not kept until the run ends (a bulk run of 5,000 kept 40 MB of them).
local outcomes = setmetatable({}, { __mode = "k" })
local tally = { finished = 0, failed = 0, interrupted = 0, not_started = 0 }
local noted = 0

local UNITS = { s = 1, m = 60, h = 3600, ms = 0.001 }

--- Reads a duration: `90`, `90s`, `1.5m`, `2h`, `500ms`.
-- @tparam string text the duration
-- @treturn number|nil seconds (positive), nil when not a duration
function stop.parse_duration(text)
  local n, unit = tostring(text):match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
  local scale = UNITS[unit == "" and "s" or unit]
  n = tonumber(n)
  if n == nil or scale == nil or n <= 0 then return nil end
  return n * scale
end

--- Sets the deadline, `seconds` after `from` (a monotonic time, default
-- now).
-- @tparam number seconds
-- @tparam[opt] string text how the user wrote it
-- @tparam[opt] number from
function stop.set_deadline(seconds, text, from)
  stop.deadline = (from or sys.monotime()) + seconds
  stop.deadline_text = text or ("%gs"):format(seconds)
end

--- From now on SIGINT/SIGTERM ask the run to stop (a second one exits).
function stop.trap()
  sys.trap_stop()
  stop.trapping = true
end

--- The reason to stop, noticing a signal or the deadline; nil to go on.
-- @treturn string|nil
function stop.check()
  if stop.reason then return stop.reason end
  local reason = stop.trapping and sys.stop_signal() or nil
  if reason == nil and stop.deadline and sys.monotime() >= stop.deadline then
    reason = "deadline"
  end
  if reason then stop.reason, stop.at = reason, sys.monotime() end
  return reason
end

--- Seconds a request starting now may take at most, or nil when nothing
-- limits it: until the deadline plus the grace, or the grace after a
-- signal.
-- @treturn number|nil
function stop.time_left()
  stop.check()
  local ends
  if stop.deadline then ends = stop.deadline + stop.grace end
  if stop.at and stop.reason ~= "deadline" then
    ends = math.min(ends or math.huge, stop.at + stop.grace)
  end
  return ends and ends - sys.monotime() or nil
end

-- Coroutines whose request the stop cut short (a retry not made because
-- its wait would end past the deadline): their failure is the stop's.
local cut = setmetatable({}, { __mode = "k" })

--- Whether the deadline cut some work short before it passed.
stop.cut_short = false

--- Marks the running coroutine's request as cut short by the stop.
function stop.cut()
  cut[coroutine.running()] = true
  stop.cut_short = true
end

--- At the end of a run: work given up because its next attempt would
-- have started past the deadline makes the run one the deadline stopped
-- (summary, exit status 4), even if it ended just before the deadline.
-- @treturn string|nil the reason the run stopped
function stop.settle()
  if stop.reason == nil and stop.cut_short then
    stop.reason, stop.at = "deadline", sys.monotime()
  end
  return stop.check()
end

--- Whether a pause of `delay` seconds before another attempt of a change
-- is worth waiting: not once the run stops, nor when the pause would end
-- past the deadline (the change would be refused then). When not, the
-- running coroutine's failure is the stop's (see `caused`).
-- @tparam number delay seconds
-- @treturn boolean
function stop.may_wait(delay)
  local left = stop.time_left()
  if stop.check() == nil and (left == nil or delay < left - stop.grace) then
    return true
  end
  stop.cut()
  return false
end

--- True when the stop caused the running coroutine's failure: the run
-- is stopping, or a request of this coroutine was cut short.
-- @treturn boolean
function stop.caused()
  return stop.reason ~= nil or cut[coroutine.running()] == true
end

-- The deadline as the clock on the wall reads it: "21:40:12".
local function wall_clock(monotonic)
  return os.date("%H:%M:%S", math.floor(sys.time() + monotonic
    - sys.monotime() + 0.5))
end

--- Why nothing new starts, in words. A run that `settle` stopped before
-- its deadline (its next attempt would have started past it) says so.
-- @treturn string
function stop.why()
  if stop.reason == "deadline" then
    if stop.deadline and stop.at < stop.deadline then
      return ("the deadline (%s, at %s) leaves no time for another "
        .. "attempt"):format(stop.deadline_text or "?",
        wall_clock(stop.deadline))
    end
    return ("the deadline (%s) passed"):format(stop.deadline_text or "?")
  end
  return ("interrupted by %s"):format(tostring(stop.reason))
end

--- The error of work refused because of the stop (kind "stopped").
-- @tparam string what what was not started, e.g. `"POST /flows"`
-- @treturn table the error
function stop.refusal(what)
  return errors.new("stopped", { reason = stop.reason,
    message = ("%s: not started: %s"):format(what, stop.why()) })
end

--- Records a workflow's outcome (the first one recorded stays, except
-- that finishing wins).
-- @param wf the workflow
-- @tparam string outcome "finished", "failed", "interrupted", "not_started"
function stop.note(wf, outcome)
  local was = outcomes[wf]
  if was == nil then noted = noted + 1 end
  if was == nil or outcome == "finished" then
    if was then tally[was] = tally[was] - 1 end
    tally[outcome] = tally[outcome] + 1
    outcomes[wf] = outcome
  end
end

--- Counts of the recorded outcomes.
-- @treturn table `{finished=, failed=, interrupted=, not_started=}`
function stop.counts()
  return { finished = tally.finished, failed = tally.failed,
    interrupted = tally.interrupted, not_started = tally.not_started }
end

--- The exit status of a stopped run: 130 (SIGINT), 143 (SIGTERM), 4 (the
-- deadline), or 1 when every workflow had failed on its own before.
-- @treturn integer
function stop.exit_status()
  if stop.reason == "SIGINT" then return 130 end
  if stop.reason == "SIGTERM" then return 143 end
  local c = stop.counts()
  if c.failed > 0 and c.finished + c.interrupted + c.not_started == 0 then
    return 1
  end
  return 4
end

local function quote(word)
  if word:match("^[%w%-_./=:@,+]+$") then return word end
  return "'" .. word:gsub("'", "'\\''") .. "'"
end

-- Argument names that say their value is a secret.
local SECRET_NAMES = { "password", "secret", "token", "key" }

-- A word of the command as the summary shows it: secrets never (the
-- resume line is printed, and may be logged): a NAME=VALUE argument whose
-- name says it holds one shows NAME=***, a registered secret (flowlua.log)
-- shows ***.
local function shown(word)
  local name = word:match("^%-*([^=]+)=")
  for _, s in ipairs(SECRET_NAMES) do
    if name and name:lower():find(s, 1, true) then
      return quote(word:match("^[^=]*=") .. "***")
    end
  end
  return quote(log.redact(word))
end

--- The summary of a stopped run, or with `failed` of a run that ended
-- in failure with failed workflows: two lines, the last for resuming.
-- @tparam table argv the command's words (`{"flowlua", "run", ...}`)
-- @tparam[opt] boolean failed the run was not stopped but failed
-- @treturn string
function stop.summary(argv, failed)
  local c = stop.counts()
  local words = {}
  for i, w in ipairs(argv) do words[i] = shown(w) end
  local head = failed and "the run failed" or "stopped, " .. stop.why()
  if noted == 0 then  -- a script without workflows: nothing to count
    return ("flowlua: %s: no workflow had started\n"
      .. "flowlua: to run it again: %s\n"):format(head,
      table.concat(words, " "))
  end
  return ("flowlua: %s: %d finished, %d failed, %d not finished "
    .. "(%d of them not started); the state is saved\n"
    .. "flowlua: to resume, run the same command: %s\n"):format(head,
    c.finished, c.failed, c.interrupted + c.not_started, c.not_started,
    table.concat(words, " "))
end

return stop
