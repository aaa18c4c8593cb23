--- Bringing a flow tree made elsewhere under flowlua's state: the tree of
-- a flow (its source and target connections, their base connections) is
-- recorded as adopted by a workflow (flowlua.workflow.adopted), so that
-- the workflow's script, run later, uses those entities instead of
-- creating a second tree.
--
-- The record is the workflow's journal in the state store
-- (flowlua.workflow.journal), keyed by the client's endpoint, org and
-- sandbox; the tree is read with filtered lists (flowlua.fleet.trees),
-- never one GET per entity.
-- @module flowlua.fleet.adopt

local trees = require("flowlua.fleet.trees")
local keys = trees.sorted_keys
local known = require("flowlua.fleet.known")
local journal = require("flowlua.workflow.journal")
local adopted = require("flowlua.workflow.adopted")
local errors = require("flowlua.errors")

local adopt = {}

local function spec_id(e)
  local s = e.flowSpec or e.connectionSpec
  return type(s) == "table" and s.id or nil
end

local function entry(e, flow_id)
  return { kind = e.kind, id = e.id, name = e.name, spec = spec_id(e),
    flow = flow_id }
end

local function set_of(list)
  local out = {}
  for _, id in ipairs(type(list) == "table" and list or {}) do out[id] = true end
  return out
end

--- The entities of a flow's tree, parents first (base connections, then
-- source and target connections, then the flow).
-- @tparam table c the client
-- @tparam string flow_id
-- @treturn table|nil list of `{kind, id, name, spec, flow}`; nil when the
--   sandbox holds no such flow
-- @treturn table ids the flow names that the sandbox lacks
function adopt.tree(c, flow_id)
  local flow = trees.list_where(c, "flow", "id", { flow_id })[1]
  if flow == nil then return nil, {} end
  local wanted = { source = set_of(flow.sourceConnectionIds),
    target = set_of(flow.targetConnectionIds) }
  local children, bases = {}, {}
  for _, kind in ipairs{ "source", "target" } do
    for _, e in ipairs(trees.list_where(c, kind, "id", keys(wanted[kind]))) do
      wanted[kind][e.id] = nil
      children[#children + 1] = e
      if type(e.baseConnectionId) == "string" then
        bases[e.baseConnectionId] = true
      end
    end
  end
  local out, missing = {}, {}
  for _, e in ipairs(trees.list_where(c, "connection", "id", keys(bases))) do
    bases[e.id] = nil
    out[#out + 1] = entry(e, flow_id)
  end
  for _, e in ipairs(children) do out[#out + 1] = entry(e, flow_id) end
  out[#out + 1] = entry(flow, flow_id)
  for _, set in ipairs{ wanted.source, wanted.target, bases } do
    for _, id in ipairs(keys(set)) do missing[#missing + 1] = id end
  end
  return out, missing
end

local function refuse(message)
  errors.raise("usage", { message = message })
end

--- Records a tree as adopted by the workflow `name` of the client's
-- target (endpoint, org, sandbox), under the workflow's lock. Refused (a
-- usage error naming why) when an entity of the tree is already known to
-- another workflow, or when the workflow already has entities of its own;
-- a "locked" error when another process runs the workflow.
-- @tparam table c the client
-- @tparam table entries `adopt.tree`'s list
-- @tparam string name the workflow name
-- @tparam[opt] table opts `{dir = directory of the state store,
--   dry_run = bool}`
-- @treturn table the entries adopted now (none when adopted before)
function adopt.record(c, entries, name, opts)
  opts = opts or {}
  local owners = known.workflows(opts.dir)
  local fresh = {}
  for _, e in ipairs(entries) do
    local owner = owners[e.id]
    if owner and owner ~= name then
      refuse(("%s %s is already known to workflow %q"):format(
        trees.WORDS[e.kind], e.id, owner))
    end
    if owner == nil then fresh[#fresh + 1] = e end
  end
  if #fresh == 0 then return fresh end   -- adopted before: nothing to do
  local j = journal.open(journal.key(c, name), { dir = opts.dir,
    lock = not opts.dry_run })
  local ok, err = pcall(function()
    for _, step in ipairs(j.data.steps) do
      for _, it in ipairs(step.intents or {}) do
        if it.id then
          refuse(("workflow %q already has entities of its own (step %q): "
            .. "adopt into a new workflow name"):format(name, step.name))
        end
      end
    end
    adopted.record(j, fresh)
    if not opts.dry_run then j:save() end
  end)
  j:release()
  if not ok then error(err, 0) end
  return fresh
end

return adopt
