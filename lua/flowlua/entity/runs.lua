--- Flow runs: `aep.runs` (list, get, count), the run class (`status`,
-- `finished`, `errors`, `error`, `refresh`, `retrigger`), and the flow
-- methods `flow:runs{}`, `flow:run_now{}` and `flow:wait_for_run{}`.
-- A run is a table of the service's fields (`id`, `flowId`, `metrics`,
-- `activities`, ...); `run.kind` is `"run"`.
--
-- Starting a run (`run_now`, `retrigger`) is a POST: under `--dry-run`
-- it is recorded in flowlua.plan and a placeholder run is returned;
-- after an ambiguous failure the run is looked for (a run of the flow
-- with the same window, created since the attempt began) before the
-- error is raised, so a run is never started twice by one call.
-- @module flowlua.entity.runs

local args = require("flowlua.args")
local errors = require("flowlua.errors")
local plan = require("flowlua.plan")
local url = require("flowlua.url")
local base = require("flowlua.entity.base")
local mutate = require("flowlua.entity.mutate")
local pages = require("flowlua.entity.pages")

local runs = {}

local Run = { __name = "flowlua.run" }
local methods = {}
Run.__index = function(_, key)
  if key == "kind" then return "run" end
  return methods[key]
end
function Run.__tostring(self)
  return ("run %s (%s)"):format(tostring(rawget(self, "id")),
    tostring(methods.status(self)))
end

local clients = setmetatable({}, { __mode = "k" })

--- Wraps a service item as a run.
-- @tparam table c the client
-- @tparam table item
-- @treturn table the run
function runs.wrap(c, item)
  local r = setmetatable({}, Run)
  for k, v in pairs(item) do r[k] = v end
  clients[r] = c
  return r
end

--- True when `v` is a run.
-- @param v anything
-- @treturn boolean
function runs.is(v)
  return getmetatable(v) == Run
end

local function check_run(self, name)
  if not runs.is(self) then
    error(("bad self to '%s' (run expected, got %s)")
      :format(name, type(self)), 3)
  end
end

--- The run's status: `"inProgress"`, `"success"`, `"failed"` (or
-- `"planned"` for a dry run's placeholder).
-- @treturn string|nil
function methods:status()
  local m = rawget(self, "metrics")
  local s = type(m) == "table" and m.statusSummary
  return type(s) == "table" and s.status or nil
end

--- Whether the run has finished (successfully or not).
-- @treturn boolean
function methods:finished()
  local s = methods.status(self)
  return s ~= nil and s ~= "inProgress" and s ~= "planned"
end

--- The run's errors, as the service reports them
-- (`metrics.statusSummary.errors`): a list of `{code=, message=}`.
-- @treturn table
function methods:errors()
  local m = rawget(self, "metrics")
  local s = type(m) == "table" and m.statusSummary
  local out = {}
  for i, e in ipairs(type(s) == "table" and s.errors or {}) do
    out[i] = { code = e.code, message = e.message }
  end
  return out
end

--- A failed run's first error as a flowlua error of kind `"run"`
-- (`err.code` e.g. `"CONNECTOR-2001-500"`, `err.message`, `err.run_id`,
-- `err.flow_id`), or nil when the run did not fail.
-- @treturn table|nil
function methods:error()
  check_run(self, "error")
  if methods.status(self) ~= "failed" then return nil end
  local first = methods.errors(self)[1] or {}
  return errors.new("run", { code = first.code, run_id = self.id,
    flow_id = self.flowId, message = ("run %s of flow %s failed: %s %s")
      :format(self.id, tostring(self.flowId), tostring(first.code),
        tostring(first.message)) })
end

local function fetch(c, id)
  local data, err = c:call("GET", "/runs/" .. id)
  if data == nil then
    if err.status == 404 then return nil end
    error(err, 0)
  end
  local item = type(data.items) == "table" and data.items[1] or nil
  return item and runs.wrap(c, item) or nil
end

--- Reads the run again.
-- @treturn table the run
function methods:refresh()
  check_run(self, "refresh")
  local c = clients[self]
  if base.is_placeholder(self.id) then return self end
  local fresh = fetch(c, self.id)
  if fresh == nil then
    errors.raise("usage", { message = "run " .. self.id .. " does not exist" })
  end
  for k in pairs(self) do self[k] = nil end
  for k, v in pairs(fresh) do self[k] = v end
  return self
end

local function placeholder(c, flow_id, params)
  c.dry_seq = (c.dry_seq or 0) + 1
  local id = ("dry-run:run:%d"):format(c.dry_seq)
  return runs.wrap(c, { id = id, flowId = flow_id, params = params,
    metrics = { statusSummary = { status = "planned" } } })
end

-- The newest `n` runs of a flow (one page).
local function newest(c, flow_id, n)
  local out = {}
  for r in runs.collection(c):list{ flow = flow_id, orderby = "-createdAt",
      limit = n } do
    out[#out + 1] = r
    if #out >= n then break end
  end
  return out
end

local function known_ids(c, flow_id)
  local out = {}
  for _, r in ipairs(newest(c, flow_id, 20)) do out[r.id] = true end
  return out
end

--- How to tell whether a POST that starts a run of a flow landed: a
-- run of the flow with `params.startTime == start_time` (any run when
-- nil) that was not there before (the runs known now are read at once,
-- before the POST).
-- @tparam table c the client
-- @tparam string flow_id
-- @tparam number|nil start_time epoch seconds
-- @treturn function `landed()` → the run, or nil
function runs.started_since(c, flow_id, start_time)
  local known = known_ids(c, flow_id)
  return function()
    for _, r in ipairs(newest(c, flow_id, 20)) do
      local p = type(r.params) == "table" and r.params or {}
      if not known[r.id] and (start_time == nil
          or tonumber(p.startTime) == start_time) then
        return r
      end
    end
  end
end

-- POSTs something that starts a run, exactly once (flowlua.entity.mutate):
-- after an ambiguous failure the flow's runs are read; the run is there
-- (done) or it is sent again, as the client's retry policy allows.
local function start(c, path, body, flow_id, start_time)
  return mutate.run(c, {
    send = function()
      local data, err = c:call("POST", path, { body = body,
        idempotent = false })
      if data and type(data.id) ~= "string" then
        return nil, errors.from_network("the answer to a run request has "
          .. "no id", { kind = "protocol", sent = true }, "POST",
          c.base_url .. path)
      end
      return data, err
    end,
    done = function(data) return fetch(c, data.id) or runs.wrap(c, data) end,
    landed = runs.started_since(c, flow_id, start_time),
  })
end

--- Re-triggers the run (a failed run, or a successful one that ingested
-- nothing): the service starts a new run of the same window.
-- @treturn table the new run
function methods:retrigger()
  check_run(self, "retrigger")
  local c = clients[self]
  if c.dry_run or base.is_placeholder(self.id) then
    plan.add{ action = "re-trigger", kind = "run", id = self.id }
    return placeholder(c, self.flowId, self.params)
  end
  local p = type(self.params) == "table" and self.params or {}
  return start(c, "/runs/" .. self.id .. "/action?op=re-trigger", nil,
    self.flowId, tonumber(p.startTime))
end

--- Waits until this run has finished, reading it again with backoff
-- (0.25 s doubling up to `interval`); returns it.
-- @tparam[opt] table opts `{timeout = 600, interval = 10}`
-- @treturn table the run
-- @raise a `"timeout"` error when it has not finished in time
function methods:wait(opts)
  check_run(self, "wait")
  opts = opts or {}
  local timeout = opts.timeout or 600
  local sys, task = require("flowlua.core").sys, require("flowlua.task")
  local deadline, delay = sys.monotime() + timeout, 0.25
  while not methods.finished(self) do
    if base.is_placeholder(self.id) then return self end
    local left = deadline - sys.monotime()
    if left <= 0 then
      errors.raise("timeout", { run_id = self.id, message = ("run %s did "
        .. "not finish within %g s"):format(self.id, timeout) })
    end
    task.sleep(math.min(delay, left))
    delay = math.min(delay * 2, opts.interval or 10)
    methods.refresh(self)
  end
  return self
end

----------------------------------------------------------------------
-- The collection: aep.runs
----------------------------------------------------------------------

local Runs = { __name = "flowlua.runs" }
Runs.__index = Runs

--- The runs collection of a client (`aep.runs`).
-- @tparam table c the client
-- @treturn table
function runs.collection(c)
  return setmetatable({ client = c }, Runs)
end

-- The property filters the run options name (`flow`, `status`, `since`).
local function run_filters(opts)
  local f = {}
  if opts.flow then
    local id = type(opts.flow) == "table" and opts.flow.id or opts.flow
    f[#f + 1] = "flowId==" .. tostring(id)
  end
  if opts.status then
    f[#f + 1] = "metrics.statusSummary.status==" .. opts.status
  end
  if opts.since then
    f[#f + 1] = ("metrics.durationSummary.startedAtUTC>%d"):format(opts.since)
  end
  return f
end

local function list_query(opts, extra)
  return base.list_query(opts, extra, run_filters(opts))
end

local function check_opts(self, name, opts)
  if getmetatable(self) ~= Runs then
    error(("bad self to '%s' (use aep.runs:%s(...))"):format(name, name), 3)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #1 to '%s' (table expected, got %s)")
      :format(name, type(opts)), 3)
  end
  return opts or {}
end

--- Iterates over runs, page by page.
-- @tparam[opt] table opts `{flow = id or flow, status = "failed",
--   since = epoch ms (started after), property = filter(s),
--   orderby = "-metrics.durationSummary.startedAtUTC", limit = page size}`
-- @return an iterator yielding runs
-- @usage for r in aep.runs:list{ flow = flow, status = "failed" } do end
function Runs:list(opts)
  opts = check_opts(self, "list", opts)
  local c = self.client
  local q = url.query
  local next_item = pages.items(c, "/runs" .. q(list_query(opts)),
    function(token) return "/runs" .. q({ { "continuationToken", token } }) end)
  return function()
    local item = next_item()
    return item and runs.wrap(c, item)
  end
end

--- A run by id, or nil when there is none.
-- @tparam string id
-- @treturn table|nil
function Runs:get(id)
  check_opts(self, "get")
  if type(id) ~= "string" then
    args.fail(1, "get", "run id expected, got " .. args.got(id))
  end
  return fetch(self.client, id)
end

--- Counts the runs matching a filter (`flow`, `status`, `since`,
-- `property` as for `list`).
-- @tparam[opt] table opts
-- @treturn integer
function Runs:count(opts)
  opts = check_opts(self, "count", opts)
  local q = list_query({ flow = opts.flow, status = opts.status,
    since = opts.since, property = opts.property }, { { "count", "true" } })
  local data = self.client:request("GET", "/runs" .. url.query(q))
  return math.tointeger(data.count) or data.count
end

----------------------------------------------------------------------
-- Flow methods
----------------------------------------------------------------------

--- The flow's runs, newest first (`flow:runs{ limit = 5 }`).
-- @tparam[opt] table opts `{limit = 10, status =, since =}`
-- @treturn table a list of runs
function base.methods:runs(opts)
  local c = base.check_self(self, "runs", "flow")
  opts = opts or {}
  local out, limit = {}, opts.limit or 10
  if base.is_placeholder(self.id) then return out end
  for r in runs.collection(c):list{ flow = self.id, status = opts.status,
      since = opts.since, limit = math.min(limit, 100),
      orderby = "-metrics.durationSummary.startedAtUTC" } do
    out[#out + 1] = r
    if #out >= limit then break end
  end
  return out
end

local function run_params(opts)
  local p = {}
  for _, k in ipairs({ "startTime", "windowStartTime", "windowEndTime" }) do
    if opts[k] ~= nil then p[k] = opts[k] end
  end
  p.startTime = p.startTime or os.time()
  return p
end

--- Starts an ad hoc run of the flow (`POST /runs`; the service allows it
-- for flows scheduled `once`).
-- @tparam[opt] table opts `{startTime =, windowStartTime =,
--   windowEndTime =}` (epoch seconds; startTime defaults to now)
-- @treturn table the run
function base.methods:run_now(opts)
  local c = base.check_self(self, "run_now", "flow")
  local params = run_params(opts or {})
  if c.dry_run or base.is_placeholder(self.id) then
    plan.add{ action = "run", kind = "flow", name = self.name, id = self.id,
      detail = "ad hoc run" }
    return placeholder(c, self.id, params)
  end
  return start(c, "/runs", { flowId = self.id, params = params }, self.id,
    params.startTime)
end

local function finished_ids(c, flow_id)
  local out = {}
  for r in runs.collection(c):list{ flow = flow_id } do
    if r:finished() then out[r.id] = true end
  end
  return out
end

-- The oldest finished run not in `seen`, among the 50 newest: the next
-- one, when several finished between two polls.
local function newly_finished(c, flow_id, seen)
  local found
  for _, r in ipairs(newest(c, flow_id, 50)) do
    if r:finished() and not seen[r.id] then found = r end
  end
  return found
end

-- The flow's first run (the earliest started), once it has finished.
local function first_finished(c, flow_id)
  local r = runs.collection(c):list{ flow = flow_id, limit = 1,
    orderby = "metrics.durationSummary.startedAtUTC" }()
  return r and r:finished() and r or nil
end

--- Waits for the flow's next run to finish: a run that had not finished
-- when the call began (with `first = true`: the flow's first run, which
-- may have finished already). Polls with backoff (0.25 s doubling up to
-- `interval`), sleeping between polls (other tasks run meanwhile).
-- @tparam[opt] table opts `{timeout = 600 (seconds), interval = 10,
--   first = false, on_poll = function(elapsed_seconds) called after each
--   poll}`
-- @treturn table the finished run (check `run:status()`, `run:error()`)
-- @raise a `"timeout"` error naming the flow when no run finishes in time
function base.methods:wait_for_run(opts)
  local c = base.check_self(self, "wait_for_run", "flow")
  opts = opts or {}
  local timeout, max_delay = opts.timeout or 600, opts.interval or 10
  if type(timeout) ~= "number" or timeout < 0 then
    args.fail(1, "wait_for_run", ("timeout must be seconds, got %s")
      :format(type(timeout) == "number" and timeout or type(timeout)))
  end
  local sys, task = require("flowlua.core").sys, require("flowlua.task")
  local deadline = sys.monotime() + timeout
  local seen = not opts.first and finished_ids(c, self.id)
  local delay = 0.25
  while true do
    local r
    if seen then r = newly_finished(c, self.id, seen)
    else r = first_finished(c, self.id) end
    if r then return r end
    if opts.on_poll then opts.on_poll(timeout - (deadline - sys.monotime())) end
    local left = deadline - sys.monotime()
    if left <= 0 then
      errors.raise("timeout", { flow_id = self.id, message = ("no run of "
        .. "flow %s (%s) finished within %g s"):format(self.id,
        tostring(self.name), timeout) })
    end
    task.sleep(math.min(delay, left))
    delay = math.min(delay * 2, max_delay)
  end
end

return runs
