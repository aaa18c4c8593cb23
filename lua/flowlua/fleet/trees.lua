--- Operations on whole flow trees: deleting trees by flow id (the flow
-- first, then the connections no other flow or connection uses, never a
-- shared one), and enabling or disabling many flows by filter.
--
-- Each operation is planned from a handful of filtered lists
-- (`property=id==A,B,...`, `property=sourceConnectionIds==...`,
-- `property=baseConnectionId==...`), never one GET per entity, and then
-- carried out through the entities' own methods (`delete`, `enable`,
-- `disable`), which hold the client's exactly-once rules under lost
-- answers and which, on a client in dry-run, record the step in
-- flowlua.plan instead of sending it.
--
-- The changes go through flowlua.task: `concurrency` of them at once
-- (independent flows; a deletion in three rounds, so that no connection
-- goes before a flow that uses it), each still sent exactly once.
-- @module flowlua.fleet.trees

local task = require("flowlua.task")

local trees = {}

-- Calls `fn(item)` for each item, `concurrency` (default 1) at a time.
local function each(items, fn, concurrency)
  task.parallel(items, function(item) fn(item) end,
    { concurrency = concurrency or 1 })
end

-- Deletion rounds: flows, then their source and target connections,
-- then base connections.
local ROUND = { flow = 1, source = 2, target = 2, connection = 3 }

--- Ids per `property=...==A,B,...` filter, so that a URL stays short.
trees.IDS_PER_FILTER = 40

--- The client's collection of each kind (`c[trees.COLLECTION[kind]]`).
local COLLECTION = { connection = "connections", source = "source_connections",
  target = "target_connections", flow = "flows" }
trees.COLLECTION = COLLECTION
local PATH = { connection = "/connections", source = "/sourceConnections",
  target = "/targetConnections", flow = "/flows" }

--- The keys of a set, sorted (ids in the order filters and output use).
-- @tparam table set `{key = true}`
-- @treturn table list
local function sorted_keys(set)
  local list = {}
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end
trees.sorted_keys = sorted_keys

-- Every entity of a kind whose `field` is one of `values`, ANDed with
-- `filters`: one list per chunk of values, each followed page by page.
local function list_where(c, kind, field, values, filters)
  local out = {}
  for i = 1, #values, trees.IDS_PER_FILTER do
    local chunk = table.move(values, i, i + trees.IDS_PER_FILTER - 1, 1, {})
    local property = { field .. "==" .. table.concat(chunk, ",") }
    table.move(filters or {}, 1, #(filters or {}), 2, property)
    for e in c[COLLECTION[kind]]:list{ property = property, limit = 1000 } do
      out[#out + 1] = e
    end
  end
  return out
end
trees.list_where = list_where

local function ids_of(v)
  return type(v) == "table" and v or {}
end

--- What each kind is called in messages.
trees.WORDS = { connection = "base connection", source = "source connection",
  target = "target connection", flow = "flow" }

local function label(e)
  return ("%s %s %q"):format(trees.WORDS[e.kind], e.id, tostring(e.name))
end

-- The entities of `kind` with these ids; ids the sandbox lacks are left
-- out (a connection already gone needs no delete).
local function fetch_all(c, kind, set)
  return list_where(c, kind, "id", sorted_keys(set))
end

--- The entities of a kind with these ids, by id: one filtered list per
-- 40 ids (duplicates and non-string ids ignored; ids the sandbox lacks
-- are absent).
-- @tparam table c the client
-- @tparam string kind the kind
-- @tparam table ids a list of ids
-- @treturn table `{id = entity}`
function trees.by_id(c, kind, ids)
  local set, out = {}, {}
  for _, id in ipairs(ids) do
    if type(id) == "string" then set[id] = true end
  end
  for _, e in ipairs(fetch_all(c, kind, set)) do out[e.id] = e end
  return out
end

-- Children of the deleted flows that another flow also uses: kept.
local function shared_children(c, doomed, field, ids, kept)
  for _, other in ipairs(list_where(c, "flow", field, sorted_keys(ids))) do
    if not doomed[other.id] then
      for _, id in ipairs(ids_of(other[field])) do
        if ids[id] and not kept[id] then
          kept[id] = "also used by " .. label(other)
        end
      end
    end
  end
end

-- Base connections another (kept) source or target connection uses: kept.
local function shared_bases(c, bases, doomed, kept)
  local list = sorted_keys(bases)
  for _, kind in ipairs{ "source", "target" } do
    for _, other in ipairs(list_where(c, kind, "baseConnectionId", list)) do
      local base = other.baseConnectionId
      if not doomed[other.id] and not kept[base] then
        kept[base] = "also used by " .. label(other)
      end
    end
  end
end

local function keep(out, e, why)
  out.kept[#out.kept + 1] = { kind = e.kind, id = e.id, name = e.name,
    reason = why }
end

-- Source and target connections of the flows (and the ones `also`
-- names) that no other flow uses.
local function doomed_children(c, flows, also, doomed, out)
  local ids, kept = { source = {}, target = {} }, {}
  for _, kind in ipairs{ "source", "target" } do
    for _, id in ipairs(also[kind] or {}) do ids[kind][id] = true end
  end
  for _, f in ipairs(flows) do
    for _, id in ipairs(ids_of(f.sourceConnectionIds)) do ids.source[id] = true end
    for _, id in ipairs(ids_of(f.targetConnectionIds)) do ids.target[id] = true end
  end
  shared_children(c, doomed, "sourceConnectionIds", ids.source, kept)
  shared_children(c, doomed, "targetConnectionIds", ids.target, kept)
  local children = {}
  for _, kind in ipairs{ "source", "target" } do
    for _, e in ipairs(fetch_all(c, kind, ids[kind])) do
      if kept[e.id] then keep(out, e, kept[e.id])
      else
        doomed[e.id] = true
        children[#children + 1] = e
      end
    end
  end
  return children
end

--- Plans the deletion of the trees of these flows.
-- @tparam table c the client
-- @tparam table flow_ids list of flow ids
-- @tparam[opt] table also more connections to delete with them, whose
--   flow may be gone: `{source = ids, target = ids, connection = ids}`
--   (kept, as the flows' own, when something else uses them)
-- @treturn table `{order = {entities, flows first, then source and target
--   connections, then base connections}, kept = {{kind, id, name,
--   reason}}, missing = {flow ids the sandbox does not hold}}`
function trees.plan_delete(c, flow_ids, also)
  also = also or {}
  local wanted = {}
  for _, id in ipairs(flow_ids) do wanted[id] = true end
  local out = { order = {}, kept = {}, missing = {} }
  local flows, doomed = fetch_all(c, "flow", wanted), {}
  for _, f in ipairs(flows) do
    doomed[f.id] = true
    out.order[#out.order + 1] = f
  end
  for _, id in ipairs(flow_ids) do
    if not doomed[id] then out.missing[#out.missing + 1] = id end
  end
  local children = doomed_children(c, flows, also, doomed, out)
  local bases = {}
  for _, id in ipairs(also.connection or {}) do bases[id] = true end
  for _, e in ipairs(children) do
    out.order[#out.order + 1] = e
    local b = e.baseConnectionId
    if type(b) == "string" and b ~= "" then bases[b] = true end
  end
  local kept = {}
  shared_bases(c, bases, doomed, kept)
  for _, e in ipairs(fetch_all(c, "connection", bases)) do
    if kept[e.id] then keep(out, e, kept[e.id])
    else out.order[#out.order + 1] = e end
  end
  return out
end

--- Deletes the entities of a plan, in its order (each delete is the
-- entity's own: a lost answer is settled by reading it back; one already
-- gone counts as deleted). With `concurrency` above 1 the flows go first,
-- several at once, then their source and target connections, then the
-- base connections: a connection is never deleted before a flow that
-- uses it.
-- @tparam table p `plan_delete`'s result
-- @tparam[opt] function on_done called with each entity once deleted
-- @tparam[opt] integer concurrency deletes at once (default 1)
function trees.delete(p, on_done, concurrency)
  local rounds = { {}, {}, {} }
  for _, e in ipairs(p.order) do
    local r = rounds[ROUND[e.kind]]
    r[#r + 1] = e
  end
  for _, round in ipairs(rounds) do
    each(round, function(e)
      e:delete()
      if on_done then on_done(e) end
    end, concurrency)
  end
end

--- The flows a selection names: ids (all of them if none), ANDed with
-- the service's `property` filters.
-- @tparam table c the client
-- @tparam table ids flow ids (may be empty)
-- @tparam table filters `property` expressions (may be empty)
-- @treturn table flows, in the service's order
-- @treturn table ids the sandbox does not hold (or the filters exclude)
function trees.select_flows(c, ids, filters)
  if #ids == 0 then
    local out = {}
    for f in c.flows:list{ property = filters, limit = 1000 } do
      out[#out + 1] = f
    end
    return out, {}
  end
  local set = {}
  for _, id in ipairs(ids) do set[id] = true end
  local flows = list_where(c, "flow", "id", sorted_keys(set), filters)
  local found, missing = {}, {}
  for _, f in ipairs(flows) do found[f.id] = true end
  for _, id in ipairs(ids) do
    if not found[id] then missing[#missing + 1] = id end
  end
  return flows, missing
end

--- Brings flows to a state (`enabled` or `disabled`) with the flows' own
-- `enable`/`disable`: a flow already there is left alone (nothing sent),
-- a draft is skipped (the service enables only published flows).
-- @tparam table flows the flows
-- @tparam string want "enabled" or "disabled"
-- @tparam[opt] function report called as `report(flow, outcome)` with
--   outcome "changed", "unchanged" or "draft"
-- @tparam[opt] integer concurrency flows changed at once (default 1)
-- @treturn table counts `{changed =, unchanged =, draft =}`
function trees.set_state(flows, want, report, concurrency)
  local n = { changed = 0, unchanged = 0, draft = 0 }
  each(flows, function(f)
    local outcome
    if f.state == want then outcome = "unchanged"
    elseif f.state == "draft" then outcome = "draft"
    else
      if want == "enabled" then f:enable() else f:disable() end
      outcome = "changed"
    end
    n[outcome] = n[outcome] + 1
    if report then report(f, outcome) end
  end, concurrency)
  return n
end

-- The JSON Patch that gives a flow the schedule, or nil when it has it.
local function schedule_ops(flow, want)
  local have = type(flow.scheduleParams) == "table" and flow.scheduleParams
  if not have then
    return { { op = "add", path = "/scheduleParams", value = {
      startTime = want.startTime or os.time(), frequency = want.frequency,
      interval = want.interval } } }
  end
  local ops = {}
  for _, field in ipairs{ "frequency", "interval", "startTime" } do
    local v = want[field]
    if v ~= nil and tostring(have[field]) ~= tostring(v) then
      ops[#ops + 1] = { op = have[field] == nil and "add" or "replace",
        path = "/scheduleParams/" .. field, value = v }
    end
  end
  return #ops > 0 and ops or nil
end
trees.schedule_ops = schedule_ops

--- Gives flows a schedule with each flow's own `update` (JSON Patch of
-- `scheduleParams`, If-Match its etag, read again once if it changed
-- since it was listed): a flow that has it already is left alone.
-- @tparam table flows the flows
-- @tparam table want `{frequency =, interval =, startTime = nil|epoch s}`
--   (without startTime a flow keeps its own; one without a schedule
--   starts now)
-- @tparam[opt] function report `report(flow, "changed"|"unchanged", ops)`
-- @tparam[opt] integer concurrency flows changed at once (default 1)
-- @treturn table counts `{changed =, unchanged =}`
function trees.reschedule(flows, want, report, concurrency)
  local n = { changed = 0, unchanged = 0 }
  each(flows, function(f)
    local ops = schedule_ops(f, want)
    if ops then f:update(ops, { reread = true }) end
    local outcome = ops and "changed" or "unchanged"
    n[outcome] = n[outcome] + 1
    if report then report(f, outcome, ops) end
  end, concurrency)
  return n
end

--- The request a step stands for (what the client sends, or would send
-- in a dry run): its method and its path below the Flow Service base.
-- @tparam table step a flowlua.plan step (delete, enable, disable)
-- @treturn string the method, e.g. "DELETE"
-- @treturn string the path, e.g. "/flows/ID"
function trees.request_of(step)
  local path = PATH[step.kind] .. "/" .. tostring(step.id)
  if step.action == "delete" then return "DELETE", path end
  if step.action == "update" then return "PATCH", path end
  return "POST", path .. "/action?op=" .. step.action
end

return trees
