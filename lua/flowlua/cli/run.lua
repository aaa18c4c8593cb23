--- `flowlua run [OPTIONS] SCRIPT [ARGS...]`: run a workflow script.
-- The script gets a global `arg` laid out as lua5.4 does (arg[0] the
-- script, arg[1..n] its arguments, also passed as `...`).
-- @module flowlua.cli.run

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local runtime = require("flowlua.runtime")
local plan = require("flowlua.plan")
local errors = require("flowlua.errors")
local stop = require("flowlua.stop")

local USAGE = "usage: flowlua run [OPTIONS] SCRIPT [ARGS...]"

-- The options `flowlua run` shares with the service commands are theirs
-- (flowlua.cli.service), in the order this help shows them.
local shared = service.option

local SPECS = {
  shared "--emulator",
  { "--time-scale N",
    "with --emulator: N simulated seconds pass per real second" },
  { "--dry-run", "validate everything and print the plan; send no changes" },
  shared "--profile",
  shared "--config",
  shared "--sandbox",
  shared "--state",
  shared "--wait-lock",
  shared "--cacert",
  shared "--timeout",
  { "--deadline DURATION", "stop starting work after DURATION (e.g. 90s, "
    .. "20m, 2h), save the state, print a summary, exit 4" },
  { "--trust-state", "on resume, do not check that finished steps' changes "
    .. "are still in place (faster, riskier)" },
  shared "--insecure",
  { "--log-format text|json", "log line format (default text)" },
  shared("--verbose", "debug logs and tracebacks on errors"),
  { "-q, --quiet", "only warnings and errors" },
  options.ALLOW_CORE,
  shared "--help",
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  stop_at_operand = true,
  about = [[
Runs a Lua 5.4 workflow script with flowlua's modules available.]],
  after = [[
Exit status: 0 success, 1 the script failed, 2 usage error or unreadable
script, 3 a workflow was left untouched because another process runs it,
4 the deadline passed before the work was done, 130/143 stopped by
SIGINT/SIGTERM (a second one exits at once). A stopped run, and a failed
one whose workflows failed, prints what finished, what did not and the
command that resumes it.]] }

local function configure(opts)
  if opts.log_format and opts.log_format ~= "text"
      and opts.log_format ~= "json" then
    options.usage_error(
      "--log-format must be 'text' or 'json'", USAGE)
  end
  service.configure(opts, USAGE)
  runtime.dry_run = opts.dry_run or false
  runtime.trust_state = opts.trust_state or false
  runtime.log_format = opts.log_format or "text"
  runtime.log_level = opts.verbose and "debug"
    or opts.quiet and "warn" or "info"
end

-- Under --dry-run, what the script would have changed (flowlua.plan),
-- printed whether or not the script finished: a validation failure is
-- part of what a dry run is for. "0 steps" says that nothing would change.
local function print_plan()
  io.stdout:write(plan.render(), "\n")
  io.stdout:flush()
end

-- The command's words, for the line that resumes it.
local function command_words(args)
  local argv = { "flowlua", "run" }
  table.move(args, 1, #args, 3, argv)
  return argv
end

-- A run that fails with failed workflows ends with their summary (as a
-- stopped run does): what finished, what failed, how to resume.
local function failed_summary(args)
  if stop.counts().failed == 0 then return end
  io.stdout:flush()
  io.stderr:write(stop.summary(command_words(args), true))
  io.stderr:flush()
end

-- os.exit called by a script while the run stops: unwinds to cmd.main,
-- so the summary is still printed (last) and the exit status is the
-- stop's. Otherwise os.exit is Lua's own, after the summary of a
-- failure (a status other than 0 or true).
local ExitRequest = { __name = "flowlua.cli.cmd.ExitRequest" }

local function guard_exit(args)
  local exit = os.exit
  os.exit = function(code, close)  -- luacheck: ignore 122
    if stop.reason then error(setmetatable({ code = code }, ExitRequest), 0) end
    if code == false or (math.type(code) == "integer" and code ~= 0) then
      failed_summary(args)
    end
    return exit(code, close)
  end
end

-- Calls the chunk with a handler that keeps the traceback for -v.
-- Returns true, or false and the message (nil for an os.exit).
local function call_script(chunk, script_args)
  local traceback
  local ok, err = xpcall(chunk, function(e)
    traceback = debug.traceback("", 2)
    return e
  end, table.unpack(script_args, 1, script_args.n))
  if ok then return true end
  if getmetatable(err) == ExitRequest then return false, nil end
  local msg = tostring(err)
  if runtime.verbose and traceback then msg = msg .. traceback end
  return false, msg, err
end

-- Exit 3 when a workflow was left to another process and nothing else
-- failed; the names left untouched close the output.
local function refused_status(ok, err)
  local names = runtime.refused
  if names == nil or (not ok and not errors.is(err, "locked")) then
    return nil
  end
  io.stderr:write(("flowlua: %d workflow%s left untouched (run by another "
    .. "process): %s\n"):format(#names, #names == 1 and "" or "s",
      table.concat(names, ", ")))
  return 3
end

-- --deadline, else FLOWLUA_DEADLINE (a profile's `deadline` is applied
-- by flowlua.connect, counted from the same start).
local function set_deadline(opts)
  local text = opts.deadline or os.getenv("FLOWLUA_DEADLINE")
  if text == nil or text == "" then return end
  local secs = stop.parse_duration(text)
  if secs == nil then
    options.usage_error(("%s must be a duration such as "
      .. "90s, 20m or 2h"):format(opts.deadline and "--deadline"
      or "FLOWLUA_DEADLINE"), USAGE)
  end
  stop.set_deadline(secs, text, stop.started)
end

-- The end of a stopped run: its error (if any), then the summary, last.
local function stopped(msg, args)
  io.stdout:flush()
  if msg then io.stderr:write("flowlua: ", msg, "\n") end
  io.stderr:write(stop.summary(command_words(args)))
  io.stderr:flush()
  return stop.exit_status()
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @tparam table args the arguments after `run`, as given
-- @treturn integer exit status
function cmd.run(opts, args)
  if opts.allow_core then require("flowlua.core").sys.allow_core() end
  local script = opts.operands[1]
  if script == nil then
    options.usage_error("no script given", USAGE)
  end
  stop.started = require("flowlua.core").sys.monotime()
  configure(opts)
  set_deadline(opts)
  local chunk, load_err = loadfile(script)
  if chunk == nil then
    io.stderr:write("flowlua: ", load_err, "\n")
    return 2
  end
  local script_args = table.pack(table.unpack(opts.operands, 2))
  local global_arg = { [0] = script, [-1] = "run", [-2] = "flowlua" }
  table.move(script_args, 1, script_args.n, 1, global_arg)
  _G.arg = global_arg
  local emulator = opts.emulator and service.start_emulator(opts.emulator,
    opts.time_scale and options.positive_number(
      opts.time_scale, "--time-scale", USAGE))
  stop.trap()
  guard_exit(args)
  local ok, msg, err = call_script(chunk, script_args)
  if runtime.dry_run then print_plan() end
  if emulator then emulator:close() end
  if stop.settle() then return stopped(msg, args) end
  if not ok then io.stderr:write("flowlua: ", msg, "\n") end
  local refused = refused_status(ok, err)
  if refused then return refused end
  if not ok then failed_summary(args) end
  return ok and 0 or 1
end

return cmd
