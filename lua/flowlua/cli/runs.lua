--- `flowlua runs [OPTIONS] FLOW_ID`: a flow's state and its recent runs,
-- as a table, as one JSON document (`--json`), or watched until its next
-- run finishes (`--watch`, with a progress line).
-- @module flowlua.cli.runs

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local runtime = require("flowlua.runtime")

local USAGE = "usage: flowlua runs [--json] [--watch] [--limit N] "
  .. "[--timeout SECONDS] [--profile P] [--config FILE] [--sandbox S] FLOW_ID"

local SPECS = {
  { "--json", "print one JSON document: {\"flow\": ..., \"runs\": [...]}" },
  { "--watch", "wait for the flow's next run to finish, then show the runs" },
  { "--limit N", "how many recent runs (default 10)", default = "10" },
  { "--timeout SECONDS", "--watch gives up after this (default 3600)",
    default = "3600" },
  service.option "--profile",
  service.option "--config",
  service.option "--sandbox",
  service.option "--help",
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Shows a flow's state and its recent runs (newest first).]],
  after = [[
Exit status: 0, or 1 when the flow cannot be read or (with --watch) the
run that finished failed or none finished in time.]] }

local function utc(ms)
  if type(ms) ~= "number" then return "-" end
  return os.date("!%Y-%m-%d %H:%M:%S", ms // 1000)
end

local function duration(run)
  local d = type(run.metrics) == "table" and run.metrics.durationSummary
  if type(d) ~= "table" or type(d.completedAtUTC) ~= "number" then
    return "-"
  end
  return ("%ds"):format((d.completedAtUTC - d.startedAtUTC) // 1000)
end

local function metric(run, summary, field)
  local s = type(run.metrics) == "table" and run.metrics[summary]
  local v = type(s) == "table" and s[field]
  return v ~= nil and tostring(v) or "-"
end

local function first_error(run)
  local e = run:errors()[1]
  if e == nil then return "" end
  return ("%s %s"):format(tostring(e.code), tostring(e.message))
end

local function schedule(flow)
  local sp = flow.scheduleParams
  if type(sp) ~= "table" then return "no schedule" end
  if sp.frequency == "once" then
    return "once at " .. utc((tonumber(sp.startTime) or 0) * 1000) .. "Z"
  end
  return ("every %s %s from %sZ"):format(tostring(sp.interval),
    tostring(sp.frequency), utc((tonumber(sp.startTime) or 0) * 1000))
end

-- The connections under a flow, in tree order: each source connection
-- followed by its base connection, then each target connection (and its
-- base, if it has one). A connection that cannot be read is listed with
-- state "missing".
local function tree(aep, flow)
  local out = {}
  local function add(kind, id, depth)
    local coll = ({ source = aep.source_connections,
      target = aep.target_connections, connection = aep.connections })[kind]
    local e = coll:get(id)
    out[#out + 1] = { kind = kind, id = id, depth = depth,
      name = e and e.name, state = e and e.state or "missing" }
    if e and e.baseConnectionId then
      add("connection", e.baseConnectionId, depth + 1)
    end
  end
  for _, which in ipairs{ "source", "target" } do
    for _, id in ipairs(flow[which .. "ConnectionIds"] or {}) do
      add(which, id, 1)
    end
  end
  return out
end

local WORDS = { source = "source connection", target = "target connection",
  connection = "base connection" }

--- The table a terminal shows.
-- @tparam table flow
-- @tparam table runs
-- @tparam[opt] table connections the flow's tree (`tree` above)
-- @treturn string
function cmd.render(flow, runs, connections)
  local lines = {
    ("flow %s %q: %s, %s"):format(flow.id, tostring(flow.name),
      tostring(flow.state), schedule(flow)),
  }
  for _, t in ipairs(connections or {}) do
    lines[#lines + 1] = ("%s%s %s %q: %s"):format(("  "):rep(t.depth),
      WORDS[t.kind], t.id, tostring(t.name), tostring(t.state))
  end
  lines[#lines + 1] =
    ("%-36s  %-10s  %-19s  %8s  %7s  %5s  %s"):format("RUN", "STATUS",
      "STARTED (UTC)", "DURATION", "RECORDS", "FILES", "ERROR")
  for _, r in ipairs(runs) do
    lines[#lines + 1] = ("%-36s  %-10s  %-19s  %8s  %7s  %5s  %s"):format(
      r.id, tostring(r:status()), utc(r.metrics.durationSummary
        and r.metrics.durationSummary.startedAtUTC), duration(r),
      metric(r, "recordSummary", "outputRecordCount"),
      metric(r, "fileSummary", "inputFileCount"), first_error(r))
  end
  if #runs == 0 then lines[#lines + 1] = "(no runs yet)" end
  return table.concat(lines, "\n")
end

-- One JSON document: the flow as the service holds it, its connections
-- ({kind, id, name, state}, in tree order) and its runs, each as the
-- service holds it plus `status` (metrics.statusSummary.status).
local function as_json(flow, runs, connections)
  local json = require("flowlua.json")
  local items = json.array()
  for i, r in ipairs(runs) do
    local t = {}
    for k, v in pairs(r) do t[k] = v end
    t.status = r:status()
    items[i] = t
  end
  local conns = json.array()
  for i, t in ipairs(connections) do
    conns[i] = { kind = t.kind, id = t.id, name = t.name, state = t.state }
  end
  local f = {}
  for k, v in pairs(flow) do f[k] = v end
  f.runs = flow.runs_link  -- kept aside by the entity (flow:runs is a method)
  return json.encode({ flow = f, connections = conns, runs = items },
    { sort_keys = true })
end

-- A progress line on stderr: redrawn in place on a terminal, else a
-- line every 10 s.
local function progress(flow)
  local tty = require("flowlua.core").sys.isatty("stderr")
  local last = -math.huge
  return function(elapsed)
    if elapsed == nil then
      if tty then io.stderr:write("\r\27[K") end
      return
    end
    if not tty and elapsed - last < 10 then return end
    last = elapsed
    io.stderr:write(tty and "\r\27[K" or "", ("waiting for the next run of "
      .. "flow %s to finish: %ds"):format(flow.id, math.floor(elapsed)),
      tty and "" or "\n")
    io.stderr:flush()
  end
end

-- The next run to finish, or nil after `timeout` seconds.
local function watch(flow, timeout)
  local show = progress(flow)
  show(0)
  local ok, run = pcall(flow.wait_for_run, flow,
    { timeout = timeout, interval = 2, on_poll = show })
  show(nil)
  if ok then return run end
  if require("flowlua.errors").is(run, "timeout") then return nil end
  error(run, 0)
end

local function connect(opts)
  runtime.profile = opts.profile
  runtime.config_file = opts.config
  if opts.sandbox then runtime.overrides.sandbox = opts.sandbox end
  return require("flowlua").connect()
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  if #opts.operands ~= 1 then
    options.usage_error("one FLOW_ID expected", USAGE)
  end
  local limit = math.tointeger(tonumber(opts.limit))
  if limit == nil or limit < 1 or limit > 100 then
    options.usage_error("--limit must be from 1 to 100", USAGE)
  end
  local timeout = options.positive_number(opts.timeout, "--timeout", USAGE)
  local aep = connect(opts)
  local flow = aep.flows:get(opts.operands[1])
  if flow == nil then
    io.stderr:write("flowlua: no flow ", opts.operands[1], "\n")
    return 1
  end
  local status = 0
  if opts.watch then
    local run = watch(flow, timeout)
    if run == nil then
      io.stderr:write(("flowlua: no run of flow %s finished within %g s\n")
        :format(flow.id, timeout))
      status = 1
    elseif run:status() == "failed" then
      status = 1
    end
    flow:refresh()
  end
  local runs, connections = flow:runs{ limit = limit }, tree(aep, flow)
  io.stdout:write(opts.json and as_json(flow, runs, connections)
    or cmd.render(flow, runs, connections), "\n")
  return status
end

return cmd
