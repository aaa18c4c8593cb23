--- `flowlua reschedule --frequency F --interval N [--start TIME]
-- [FLOW_ID...|--filter EXPR|--all]`: give many flows one schedule, each
-- through its own `update` (flowlua.fleet.trees.reschedule). `--dry-run`
-- prints every PATCH it would send, with its body.
-- @module flowlua.cli.reschedule

local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local tree_command = require("flowlua.cli.tree_command")
local tree_options = require("flowlua.cli.tree_options")
local trees = require("flowlua.fleet.trees")

local USAGE = "usage: flowlua reschedule --frequency F --interval N "
  .. "[--start TIME] [--filter EXPR]... [--all] " .. tree_options.USAGE
  .. " " .. service.USAGE .. " [FLOW_ID...]"

local SPECS = service.specs{
  { "--frequency F", "once, minute, hour, day or week" },
  { "--interval N", "runs every N FREQUENCY (a positive integer)" },
  { "--start TIME", "startTime: epoch seconds or YYYY-MM-DDTHH:MM:SSZ "
    .. "(default: each flow keeps its own; one without a schedule starts "
    .. "now)" },
  tree_options.SELECTION[1], tree_options.SELECTION[2],
  table.unpack(tree_options.specs{
    dry_run = "print every request it would send, with its body; send no "
      .. "PATCH",
    json = "steps, unchanged, missing" }) }

local ABOUT = [[
Gives the flows named by id, matched by every --filter, or all of them
(--all) the schedule: a JSON Patch of scheduleParams, sent with the flow's
etag (read again once if the flow changed since it was listed). A flow that
has the schedule already is left alone. Adobe does not let a startTime that
has passed be changed: without --start each flow keeps its own. With
--concurrency N, N flows are changed at once.]]

local EXIT_STATUS = [[
Exit status: 0 every flow chosen has the schedule; 1 an error; 2 usage
error; 3 a FLOW_ID is not in the sandbox (or does not match the filters).]]

local FREQUENCIES = { once = true, minute = true, hour = true, day = true,
  week = true }

local function start_time(text)
  if text == nil then return nil end
  local n = math.tointeger(tonumber(text))
  if n and n > 0 then return n end
  local y, mo, d, h, mi, sec = text:match(
    "^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)Z$")
  if y == nil then
    options.usage_error("--start must be epoch seconds or "
      .. "YYYY-MM-DDTHH:MM:SSZ", USAGE)
  end
  -- os.time reads local time: correct by the zone's offset at that instant
  local t = { year = tonumber(y), month = tonumber(mo), day = tonumber(d),
    hour = tonumber(h), min = tonumber(mi), sec = tonumber(sec) }
  local here = os.time(t)
  return math.floor(here + os.difftime(here, os.time(os.date("!*t", here))))
end

local function schedule(opts)
  if not FREQUENCIES[opts.frequency or ""] then
    options.usage_error("--frequency must be once, minute, hour, day or "
      .. "week", USAGE)
  end
  local interval = math.tointeger(tonumber(opts.interval or ""))
  if interval == nil or interval < 1 then
    options.usage_error("--interval must be a positive integer", USAGE)
  end
  return { frequency = opts.frequency, interval = interval,
    startTime = start_time(opts.start) }
end

local function summary(unchanged, missing, dry_run)
  return function(steps)
    return ("reschedule: %d flow%s %s, %d already on it, %d not found")
      :format(#steps, #steps == 1 and "" or "s",
      dry_run and "to reschedule" or "rescheduled", #unchanged, #missing)
  end
end

local function change(c, opts, want, progress)
  local outcome, missing, ops_of = tree_command.change_flows(c, opts,
    progress, function(flows, done, concurrency)
      trees.reschedule(flows, want, done, concurrency)
    end, function(f)
      return ("rescheduled flow %s \"%s\""):format(f.id,
        service.clean(f.name))
    end)
  return { missing = missing,
    done = tree_command.flow_steps("update", outcome.changed, ops_of),
    json = { unchanged = tree_command.flows_json(outcome.unchanged) },
    summary = summary(outcome.unchanged, missing, opts.dry_run) }
end

local cmd = tree_command.new{ name = "reschedule", usage = USAGE,
  options = SPECS, about = ABOUT, after = EXIT_STATUS, change = change,
  check = function(opts)
    local want = schedule(opts)
    tree_options.check_selection(opts, USAGE)
    return want
  end }

return cmd
