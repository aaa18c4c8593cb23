--- Flow runs: their records in the fields Adobe documents (OAS
-- FlowRunItemDTO and the monitoring guide: `metrics.durationSummary`,
-- `sizeSummary`, `recordSummary`, `fileSummary`, `statusSummary` with
-- `errors`, and `activities`), ad hoc runs (`POST /runs`), re-trigger
-- (`POST /runs/{id}/action?op=re-trigger`) and provider updates
-- (`PUT /runs/{id}`). The schedule that starts runs is
-- flowlua.emulator.scheduler.
-- @module flowlua.emulator.runs

local errors = require("flowlua.emulator.errors")
local ingest = require("flowlua.emulator.ingest")
local json = require("flowlua.json")
local util = require("flowlua.emulator.util")
local views = require("flowlua.emulator.views")

local runs = {}

--- Simulated seconds a run takes (the documentation gives no figure;
-- a minute keeps runs short next to the shortest schedule, 15 minutes).
runs.DURATION_MS = 60 * 1000

local function stamp(ctx, e)
  local etag = util.etag()
  e.etag = etag
  e.updatedAt = ctx.now
  e.updatedBy = ctx.who.client_id .. "@AdobeID"
  e.updatedClient = ctx.who.client_id
end

--- A new run, in progress.
-- @tparam table ctx
-- @tparam table flow
-- @tparam table params `{startTime, windowStartTime, windowEndTime}`
--   (epoch seconds)
-- @tparam integer started_ms when it starts (simulated)
-- @treturn table the run
function runs.start(ctx, flow, params, started_ms)
  local who = ctx.who.client_id
  local run = { id = util.uuid(), flowId = flow.id,
    flowSpec = { id = flow.flowSpec.id, version = flow.flowSpec.version },
    createdAt = started_ms, createdBy = who .. "@AdobeID",
    createdClient = who, sandboxId = ctx.sb.id, sandboxName = ctx.sb.name,
    imsOrgId = ctx.who.org, params = params,
    metrics = { durationSummary = { startedAtUTC = started_ms },
      statusSummary = { status = "inProgress" } },
    activities = json.array() }
  stamp(ctx, run)
  run.updatedAt = started_ms
  return run
end

--- Whether a run has finished.
-- @tparam table run
-- @treturn boolean
function runs.finished(run)
  return run.metrics.statusSummary.status ~= "inProgress"
end

--- When an in-progress run finishes (simulated ms).
-- @tparam table run
-- @treturn integer
function runs.due(run)
  return run.metrics.durationSummary.startedAtUTC + runs.DURATION_MS
end

local function window(run)
  local p = run.params
  return { from = tonumber(p.windowStartTime) or 0,
    to = tonumber(p.windowEndTime) or tonumber(p.startTime) or 0 }
end

local function metrics(out, started, completed)
  local status = #out.errors > 0 and "failed" or "success"
  local m = {
    durationSummary = { startedAtUTC = started, completedAtUTC = completed },
    sizeSummary = { inputBytes = out.input_bytes,
      outputBytes = out.output_bytes },
    recordSummary = { inputRecordCount = out.records,
      createdRecordCount = out.records, outputRecordCount = out.records,
      failedRecordCount = 0 },
    fileSummary = { inputFileCount = out.input_files,
      outputFileCount = out.output_files,
      failedFileCount = out.failed_files,
      manifest = { fileInfo = json.array(out.manifest) } },
    statusSummary = { status = status },
  }
  if status == "failed" then
    m.statusSummary.errors = json.array(out.errors)
    m.recordSummary.failedInfo = json.array(out.errors)
  end
  return m
end

-- The connector's name, as activities are named ("SFTP Copy Activity").
local function connector_name(ctx, flow)
  local ia = flow and flow.inheritedAttributes
  local first = ia and ia.sourceConnections and ia.sourceConnections[1]
  local cs = first and ctx.specs.connectionSpecs.by_id[first.connectionSpec.id]
  return cs and cs.attributes and cs.attributes.connectorName or "Source"
end

local function activity(ctx, flow, m)
  return { id = util.uuid(), name = connector_name(ctx, flow) .. " Copy Activity",
    updatedAtUTC = m.durationSummary.completedAtUTC,
    durationSummary = m.durationSummary, sizeSummary = m.sizeSummary,
    recordSummary = { inputRecordCount = m.recordSummary.inputRecordCount,
      outputRecordCount = m.recordSummary.outputRecordCount },
    fileSummary = { inputFileCount = m.fileSummary.inputFileCount,
      outputFileCount = m.fileSummary.outputFileCount },
    statusSummary = { status = m.statusSummary.status,
      errors = m.statusSummary.errors } }
end

--- The finished version of an in-progress run: it ingests its window.
-- @tparam table ctx
-- @tparam table env `{storage=, clock=}`
-- @tparam table run in progress
-- @treturn table the finished run (a new table)
function runs.finish(ctx, env, run)
  local flow = ctx.sb:get("flows", run.flowId)
  local new = util.copy(run)
  local completed = runs.due(run)
  local out
  if flow == nil then
    out = { input_files = 0, output_files = 0, failed_files = 0,
      input_bytes = 0, output_bytes = 0, records = 0, manifest = {},
      errors = { { code = ingest.COPY_ERROR, message = "Error in copying "
        .. "the data from Source. The flow " .. run.flowId .. " was deleted" } } }
  else
    out = ingest.run(ctx, env, flow, window(run))
    if env.run_fails and env.run_fails() then
      out.errors[#out.errors + 1] = { code = ingest.COPY_ERROR,
        message = "Error in copying the data from Source. The transfer "
          .. "broke off (injected fault: --faults run-fail)" }
    end
  end
  new.metrics = metrics(out, run.metrics.durationSummary.startedAtUTC,
    completed)
  new.activities = json.array({ activity(ctx, flow, new.metrics) })
  stamp(ctx, new)
  new.updatedAt = completed
  return new
end

--- A flow's `lastRunDetails` after a run finished (OAS FlowItemDTO).
-- @tparam table run finished
-- @treturn table
function runs.last_details(run)
  local d = run.metrics.durationSummary
  return { id = run.id, state = run.metrics.statusSummary.status,
    startedAtUTC = d.startedAtUTC, completedAtUTC = d.completedAtUTC }
end

local function seconds(v)
  local n = math.tointeger(tonumber(v))
  if n and n > 100000000000 then n = n // 1000 end   -- milliseconds given
  return n
end

local function adhoc_params(p, now_ms)
  if p ~= nil and type(p) ~= "table" then return nil, "params must be an object" end
  p = p or {}
  local out = {}
  for _, k in ipairs({ "startTime", "windowStartTime", "windowEndTime" }) do
    if p[k] ~= nil then
      out[k] = seconds(p[k])
      if out[k] == nil then
        return nil, ("params.%s must be epoch seconds"):format(k)
      end
    end
  end
  out.startTime = out.startTime or now_ms // 1000
  out.windowStartTime = out.windowStartTime or 0
  out.windowEndTime = out.windowEndTime or now_ms // 1000
  return out
end

local function created(ctx, run)
  local undo = ctx.sb:put("runs", run)
  local res = errors.json(201, { id = run.id, etag = run.etag })
  res.headers["Location"] = ctx.base .. "/runs/" .. run.id
  return res, undo
end

local function flow_not_found(id)
  return errors.flow("1439-400", ("The requested flow resource %s is not "
    .. "found"):format(id))
end

local function flow_state_error(flow, what)
  if flow.state ~= "enabled" then
    return errors.flow("1422-400", ("The action %s cannot be applied on the "
      .. "current state %s of flow %s"):format(what, flow.state, flow.id))
  end
end

--- POST /runs: an ad hoc run of a flow scheduled `once`.
-- @tparam table ctx
-- @param body the decoded body `{flowId, params}`
-- @treturn table response
-- @treturn function|nil undo
function runs.create(ctx, body)
  if type(body) ~= "table" or getmetatable(body) == json.array then
    return errors.flow("1100-400", "The request body must be a JSON object")
  end
  if type(body.flowId) ~= "string" then
    return errors.flow("1100-400", "flowId is required")
  end
  local flow = ctx.sb:get("flows", body.flowId)
  if flow == nil then
    return flow_not_found(body.flowId)
  end
  local err = flow_state_error(flow, "run")
  if err then return err end
  local sp = type(flow.scheduleParams) == "table" and flow.scheduleParams or {}
  if sp.frequency ~= "once" then
    return errors.flow("1409-400", ("The operation run cannot be applied on "
      .. "flow %s: an ad hoc run needs a flow scheduled for one-time "
      .. "ingestion (scheduleParams.frequency \"once\"), this one is %s")
      :format(flow.id, tostring(sp.frequency or "not scheduled")))
  end
  local params, why = adhoc_params(body.params, ctx.now)
  if params == nil then return errors.flow("1100-400", why) end
  return created(ctx, runs.start(ctx, flow, params, ctx.now))
end

local function retriggerable(run)
  local s = run.metrics.statusSummary.status
  if s == "failed" then return true end
  return s == "success" and (run.metrics.recordSummary or {})
    .outputRecordCount == 0
end

local function not_found(id)
  return errors.not_found("runs", id)
end

--- POST /runs/{id}/action?op=re-trigger: a new run of the same window,
-- for a failed run or a successful one that ingested nothing (the retry
-- tutorial). Answers `{id, etag}` of the new run.
-- @tparam table ctx
-- @tparam string id
-- @tparam string|nil op
-- @treturn table response
-- @treturn function|nil undo
function runs.action(ctx, id, op)
  local run = ctx.sb:get("runs", id)
  if run == nil then return not_found(id) end
  local name = (op or ""):lower():gsub("_", "-")
  if name ~= "re-trigger" then
    return errors.flow("1434-400", ("Unsupported op '%s' for runs; "
      .. "supported: re-trigger"):format(op or ""))
  end
  if not retriggerable(run) then
    return errors.flow("1422-400", ("The action re-trigger cannot be applied "
      .. "on the current state %s of run %s: only failed runs, and successful "
      .. "runs that ingested no records, can be re-triggered")
      :format(run.metrics.statusSummary.status, id))
  end
  local flow = ctx.sb:get("flows", run.flowId)
  if flow == nil then
    return flow_not_found(run.flowId)
  end
  local new = runs.start(ctx, flow, util.copy(run.params), ctx.now)
  new.predecessors = json.array({ { flowId = flow.id, flowRunId = run.id } })
  local undo = ctx.sb:put("runs", new)
  return errors.json(200, { id = new.id, etag = new.etag }), undo
end

local UPDATABLE = { metrics = true, activities = true, params = true,
  providerRefId = true, parentFlowRunId = true, childFlowRunIds = true,
  predecessors = true, recordTypes = true }

local function unquote(etag)
  etag = etag:gsub("^%s*W/", ""):gsub("^%s+", ""):gsub("%s+$", "")
  return etag:match('^"(.*)"$') or etag
end

local function update_error(run, body, if_match)
  if if_match == nil or if_match == "" then
    return errors.flow("1403-400", "Header If-Match is missing")
  end
  if unquote(if_match) ~= unquote(run.etag) then
    return errors.flow("1404-412", ("The supplied version %s does not match "
      .. "the current version on entity %s"):format(if_match, run.etag))
  end
  if type(body) ~= "table" or getmetatable(body) == json.array then
    return errors.flow("1100-400", "The request body must be a JSON object")
  end
  for k, v in pairs(body) do
    if (k == "flowId" and v ~= run.flowId) or (k == "flowSpec"
        and (type(v) ~= "table" or v.id ~= run.flowSpec.id)) then
      return errors.flow("1100-400", ("The field '%s' of a run cannot be "
        .. "changed"):format(k))
    elseif k ~= "flowId" and k ~= "flowSpec" and not UPDATABLE[k] then
      return errors.flow("1100-400", ("Unknown field '%s' in the run body")
        :format(tostring(k)))
    end
  end
end

--- PUT /runs/{id} (for flow providers): replaces the run's metrics,
-- activities, params and references; answers the updated run.
-- @tparam table ctx
-- @tparam string id
-- @param body decoded UpdateFlowRunRequest
-- @tparam string|nil if_match
-- @treturn table response
-- @treturn function|nil undo
function runs.update(ctx, id, body, if_match)
  local run = ctx.sb:get("runs", id)
  if run == nil then return not_found(id) end
  local err = update_error(run, body, if_match)
  if err then return err end
  local new = util.copy(run)
  for k, v in pairs(body) do
    if UPDATABLE[k] then new[k] = v end
  end
  if type(new.metrics) ~= "table" or type(new.metrics.statusSummary) ~= "table"
      or type(new.metrics.durationSummary) ~= "table" then
    return errors.flow("1100-400", "metrics must keep durationSummary and "
      .. "statusSummary objects")
  end
  stamp(ctx, new)
  local undo = ctx.sb:put("runs", new)
  return errors.json(200, views.text(ctx.specs, new)), undo
end

return runs
