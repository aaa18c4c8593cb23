-- How a `flowlua run` stops: at its deadline (--deadline) or on SIGINT,
-- with a summary as the last thing on stderr, the state saved, and a
-- re-run that finishes the work exactly once. Real emulator processes,
-- real signals, scripts/bulk-onboarding.lua.
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local proc = require("support.proc")
local fs = require("support.fs")
local sys = require("flowlua.core").sys

local settings_for = emu.settings_for

-- A file the shell script wrote into `dir`.
local function written(dir, name)
  return assert(fs.read(dir .. "/" .. name))
end

local function last_lines(text, n)
  local lines = {}
  for line in text:gmatch("[^\n]+") do lines[#lines + 1] = line end
  return table.concat(lines, "\n", math.max(1, #lines - n + 1))
end

-- One create of a base connection, outside any workflow.
local CREATE = emu.create_base_script("", "")

local SUMMARY = "^flowlua: stopped, (.-): (%d+) finished, (%d+) failed, "
  .. "(%d+) not finished %((%d+) of them not started%); the state is saved\n"
  .. "flowlua: to resume, run the same command: (.*)$"

-- The summary of a run that ended, failed, before any deadline.
local FAILED_SUMMARY = "^flowlua: the run failed: (%d+) finished, (%d+) "
  .. "failed, (%d+) not finished %(%d+ of them not started%); the state is "
  .. "saved\nflowlua: to resume, run the same command: .*$"

describe("flowlua run --deadline", function()
  it("ends a 20-source run whose emulator is down soon after the deadline",
    function()
      local down = assert(emu.spawn{})
      local url = down.url
      down:stop()   -- nothing listens there now
      local dir = fsvc.tmpdir()
      local started = sys.monotime()
      local _, err, code = proc.run({ "run", "--deadline", "20s", fsvc.BULK,
        "--count", "20" }, { cwd = dir, env = fsvc.env(settings_for(url)) })
      local took = sys.monotime() - started
      os.execute("rm -rf " .. proc.quote(dir))
      -- a correctness bound of the feature: 20 s, a 3 s grace, margin
      assert.is_true(took < 25, ("took %.1f s"):format(took))
      local summary = last_lines(err, 2)
      local why, finished, failed, unfinished = summary:match(SUMMARY)
      if why then
        assert.equal("the deadline (20s) passed", why)
      else
        -- every source's retries ran out before the deadline: the run
        -- failed on its own (exit 1), as the issue allows
        finished, failed, unfinished = summary:match(FAILED_SUMMARY)
        assert.is_string(finished, summary)
      end
      assert.equal("0", finished)
      -- a source whose retries ran out before the deadline failed on its
      -- own; the others were stopped (or never started)
      assert.equal(20, tonumber(failed) + tonumber(unfinished))
      assert.equal(tonumber(unfinished) > 0 and 4 or 1, code)
    end)

  it("says the deadline left no time for another attempt when a retry "
    .. "it forbade ended the run before it passed", function()
    -- every create is answered 429 with Retry-After: 30, which would
    -- start the next attempt past the deadline (20 s, plus its 3 s grace)
    local srv = assert(require("flowlua.core").server.start{
      module = "support.handlers.hostile_service" })
    finally(function() srv:close() end)
    local env = { FLOWLUA_ENDPOINT = srv.url, FLOWLUA_IMS_URL = srv.url,
      FLOWLUA_CLIENT_ID = "c", FLOWLUA_CLIENT_SECRET = "s",
      FLOWLUA_ORG_ID = "O@AdobeOrg", FLOWLUA_SCOPES = "openid",
      FLOWLUA_SANDBOX = "busy@POST" }
    local started = os.time()
    local _, err, code = proc.run({ "run", "--deadline", "20s",
      proc.tempfile(CREATE) }, { env = env })
    assert.equal(4, code)
    local h, m, sec = err:match("\nflowlua: stopped, the deadline %(20s, at "
      .. "(%d%d):(%d%d):(%d%d)%) leaves no time for another attempt: no "
      .. "workflow had started\nflowlua: to run it again: flowlua run "
      .. "%-%-deadline 20s [^\n]+\n$")
    assert.is_string(h, err)
    -- the time named is the deadline's, 20 s after the start (local time)
    local named = (h * 3600 + m * 60 + sec) % 86400
    local t = os.date("*t", started + 20)
    local expected = (t.hour * 3600 + t.min * 60 + t.sec) % 86400
    local off = (named - expected + 43200) % 86400 - 43200
    assert.is_true(off >= -1 and off <= 5, err)  -- the child's start, rounded
  end)

  it("refuses a deadline that is not a duration", function()
    local _, err, code = proc.run{ "run", "--deadline", "soon", "x.lua" }
    assert.equal(2, code)
    assert.matches("^flowlua: %-%-deadline must be a duration such as 90s, "
      .. "20m or 2h\n", err)
  end)

  it("exits as before when the work ends before the deadline", function()
    local out, err, code = proc.run{ "run", "--deadline", "1h",
      proc.tempfile("print('done')") }
    assert.equal("done\n", out)
    assert.equal("", err)
    assert.equal(0, code)
  end)
end)

describe("flowlua run on SIGINT", function()
  it("prints the summary, exits 130, and a re-run finishes exactly once",
    function()
      local dir = fsvc.tmpdir()
      local state = dir .. "/emulator.json"
      -- The signal is sent once three steps are done (their progress
      -- lines on stderr); the run's ~75 requests, two at a time, 100 ms
      -- each, leave it more than 3 s of waiting on the network after that,
      -- however loaded the machine: the signal always lands mid-run.
      local server = assert(emu.spawn{ "--faults", "latency=100ms",
        "--state", state })
      finally(function() server:stop() end)
      local env = fsvc.env(settings_for(server.url))
      local words = {}
      for k, v in pairs(env) do words[#words + 1] = k .. "=" .. proc.quote(v) end
      local sh = ([[cd %s || exit 1
%s %s run %s --count 8 --concurrency 2 >out 2>err &
pid=$!
n=0
while [ "$(grep -c ' done$' err 2>/dev/null)" -lt 3 ] && [ $n -lt 600 ]; do
  sleep 0.05; n=$((n+1)); done
kill -INT $pid
wait $pid
echo $? > status]]):format(proc.quote(dir), table.concat(words, " "),
        proc.quote(proc.BIN), proc.quote(fsvc.BULK))
      os.execute("sh -c " .. proc.quote(sh))
      assert.equal("130\n", written(dir, "status"))
      local why, finished, failed, unfinished =
        last_lines(written(dir, "err"), 2):match(SUMMARY)
      assert.equal("interrupted by SIGINT", why)
      assert.equal("0", failed)
      assert.is_true(tonumber(unfinished) > 0)
      assert.is_true(tonumber(finished) < 8)

      local out, err, code = proc.run({ "run", fsvc.BULK, "--count", "8",
        "--concurrency", "2" }, { cwd = dir, env = env })
      server:stop()
      assert.equal(0, code, err)
      assert.matches("8 sources: %d+ onboarded, %d+ already done, 0 failed",
        out)
      local e = emu.start{ state = state }
      local counts, items = fsvc.raw(e.handle:client_settings()):census()
      e:stop()
      os.execute("rm -rf " .. proc.quote(dir))
      assert.same({ connections = 8, sourceConnections = 8,
        targetConnections = 8, flows = 8 }, counts)
      for _, f in ipairs(items.flows) do assert.equal("enabled", f.state) end
    end)
end)

describe("flowlua run that fails", function()
  it("ends with the summary of its workflows and how to resume", function()
    -- every create is answered with a redirect: each source fails at once
    local srv = assert(require("flowlua.core").server.start{
      module = "support.handlers.hostile_service" })
    finally(function() srv:close() end)
    local dir = fsvc.tmpdir()
    local out, err, code = proc.run({ "run", fsvc.BULK, "--count", "3" },
      { cwd = dir, env = fsvc.env(settings_for(srv.url),
        { FLOWLUA_SANDBOX = "redirect@POST" }) })
    os.execute("rm -rf " .. proc.quote(dir))
    assert.equal(1, code)
    assert.matches("3 failed", out)
    assert.equal("flowlua: the run failed: 0 finished, 3 failed, 0 not "
      .. "finished (0 of them not started); the state is saved\n"
      .. "flowlua: to resume, run the same command: flowlua run " .. fsvc.BULK
      .. " --count 3", last_lines(err, 2))
  end)
end)

-- Waits for the run to stop (writing `ready` first), at most 30 s (then
-- exits 9); with "connect", a client is made first, so the profile's
-- settings apply.
local WAIT_FOR_STOP = [[
  local stop = require("flowlua.stop")
  local sys = require("flowlua.core").sys
  if arg[1] == "connect" then require("flowlua").connect() end
  assert(io.open("ready", "w")):close()
  local give_up = sys.monotime() + 30
  while not stop.check() do
    if sys.monotime() > give_up then os.exit(9) end
    sys.sleep(0.05)
  end
]]

describe("flowlua run's deadline setting", function()
  local dir, script, config

  setup(function()
    dir = fsvc.tmpdir()
    script = dir .. "/wait.lua"
    assert(io.open(script, "w")):write(WAIT_FOR_STOP):close()
    config = dir .. "/config.json"
    assert(io.open(config, "w")):write('{"profiles": {'
      .. '"long": {"deadline": "1h"}, "short": {"deadline": "1s"}}}'):close()
  end)
  teardown(function() os.execute("rm -rf " .. proc.quote(dir)) end)

  -- The deadline the summary names, and the exit status.
  local function deadline_of(words, env)
    local _, err, code = proc.run(words, { cwd = dir, env = env })
    return err:match("^flowlua: stopped, the deadline %((%w+)%) passed: no "
      .. "workflow had started\nflowlua: to run it again: [^\n]+\n$"), code
  end

  it("comes from FLOWLUA_DEADLINE", function()
    assert.same({ "1s", 4 }, { deadline_of({ "run", "wait.lua" },
      { FLOWLUA_DEADLINE = "1s" }) })
  end)

  it("comes from the profile's key 'deadline'", function()
    assert.same({ "1s", 4 }, { deadline_of{ "run", "--config", config,
      "--profile", "short", "wait.lua", "connect" } })
  end)

  it("is --deadline's over FLOWLUA_DEADLINE's over the profile's",
    function()
      assert.same({ "1s", 4 }, { deadline_of({ "run", "--config", config,
        "--profile", "long", "--deadline", "1s", "wait.lua", "connect" },
        { FLOWLUA_DEADLINE = "1h" }) })
      assert.same({ "1s", 4 }, { deadline_of({ "run", "--config", config,
        "--profile", "long", "wait.lua", "connect" },
        { FLOWLUA_DEADLINE = "1s" }) })
    end)
end)

-- Runs `flowlua run ARGS` (shell words) in `dir` in the background,
-- waits until it has written `ready` (at most 30 s), runs the shell lines
-- `signals` ($pid is the run's), and returns the run's exit status line
-- and its stderr.
local function signalled(dir, args, signals)
  local sh = ([[cd %s || exit 1
%s run %s 2>err &
pid=$!
n=0
while [ ! -e ready ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done
%s
wait $pid
echo $? > status]]):format(proc.quote(dir), proc.quote(proc.BIN), args,
    signals)
  os.execute("sh -c " .. proc.quote(sh))
  return written(dir, "status"), written(dir, "err")
end

describe("flowlua run on SIGTERM", function()
  it("prints the summary last, without secrets, and exits 143", function()
    local dir = fsvc.tmpdir()
    fs.write(dir .. "/wait.lua", WAIT_FOR_STOP)
    local status, err = signalled(dir, "wait.lua plain password=s3cret-9f1",
      "kill -TERM $pid")
    os.execute("rm -rf " .. proc.quote(dir))
    assert.equal("143\n", status)
    -- an argument named like a secret is not shown
    assert.equal("flowlua: stopped, interrupted by SIGTERM: no workflow had "
      .. "started\nflowlua: to run it again: flowlua run wait.lua plain "
      .. "'password=***'\n", err)
  end)
end)

describe("flowlua run on a second SIGINT", function()
  it("exits at once, even while the script does not look", function()
    local dir = fsvc.tmpdir()
    local script = dir .. "/busy.lua"
    assert(io.open(script, "w")):write([[
      local f = assert(io.open(arg[1], "w")) f:write("ready") f:close()
      require("flowlua.core").sys.sleep(60)  -- never checks for a stop
    ]]):close()
    local status, err = signalled(dir, "busy.lua ready",
      "kill -INT $pid\nsleep 0.2\nkill -INT $pid")
    os.execute("rm -rf " .. proc.quote(dir))
    assert.equal("130\n", status)
    assert.equal("\nflowlua: interrupted again, exiting now\n", err)
  end)
end)
