--- Promoting flow trees from one sandbox to another: each tree (the
-- flow, its source connections and their base connections, its target
-- connections and theirs, if any) is read in the source sandbox with
-- filtered lists (flowlua.fleet.trees) and made again in the target
-- sandbox as drafts, parents first.
--
-- The creates run as the steps of one workflow per source sandbox
-- (`promote from NAME`), in the target sandbox's record of the state
-- store (flowlua.workflow): one step per entity of the source sandbox,
-- named after its kind and id. So each entity is created exactly once,
-- even when answers are lost or the process is killed (the workflow's
-- intents, the entity layer's exactly-once create), a re-run creates
-- nothing and returns what the earlier run made, and a connection two
-- promoted trees share is made once.
--
-- What cannot be copied as it is (the ids of datasets, schemas and
-- mapping sets, which differ between sandboxes; the secrets the service
-- never returns) is changed on the bodies by the caller's `prepare`
-- (flowlua.fleet.promote_map, flowlua.fleet.promote_secrets).
-- @module flowlua.fleet.promote

local trees = require("flowlua.fleet.trees")
local workflow = require("flowlua.workflow")
local validate = require("flowlua.entity.validate")
local deep_copy = require("flowlua.entity.base").deep_copy
local split_dots = require("flowlua.entity.check").split_dots
local json = require("flowlua.json")

local promote = {}

--- The workflow that promotes from a sandbox (its record is kept per
-- target sandbox).
-- @tparam string from the source sandbox
-- @treturn string
function promote.workflow_name(from)
  return "promote from " .. from
end

local COLLECTION = trees.COLLECTION

-- The fields a create takes, by kind; the rest (ids, etags, states,
-- times, the service's own attributes) belongs to the source sandbox.
local FIELDS = {
  connection = { "name", "description", "auth", "connectionSpec" },
  source = { "name", "description", "data", "params", "connectionSpec" },
  target = { "name", "description", "data", "params", "connectionSpec" },
  flow = { "name", "description", "flowSpec", "transformations",
    "scheduleParams", "options" },
}

local function list_of(v)
  return type(v) == "table" and v or {}
end

local function index(list)
  local out = {}
  for _, e in ipairs(list) do out[e.id] = e end
  return out
end

----------------------------------------------------------------------
-- Reading the trees
----------------------------------------------------------------------

local function base_of(e)
  local b = e.baseConnectionId
  return type(b) == "string" and b ~= "" and b or nil
end

-- The entities of `kind` the flows name in `field`, by id.
local function children(c, flows, kind, field)
  local ids = {}
  for _, f in ipairs(flows) do
    for _, id in ipairs(list_of(f[field])) do ids[#ids + 1] = id end
  end
  return trees.by_id(c, kind, ids)
end

--- Reads the trees of these flows: four filtered lists (per 40 ids),
-- whatever their number.
-- @tparam table c the source sandbox's client
-- @tparam table flow_ids flow ids
-- @treturn table `{flows = {flow entities, in the order given},
--   by_id = {id = entity}}`
-- @treturn table the flow ids the sandbox does not hold
-- @treturn table `{{id =, by = entity}}`: ids a tree names that the
--   sandbox does not hold
function promote.read(c, flow_ids)
  local found = trees.by_id(c, "flow", flow_ids)
  local out, missing, seen = { flows = {}, by_id = {} }, {}, {}
  for _, id in ipairs(flow_ids) do
    if found[id] == nil then missing[#missing + 1] = id
    elseif not seen[id] then
      seen[id] = true
      out.flows[#out.flows + 1] = found[id]
    end
  end
  local by_id = out.by_id
  for id, e in pairs(found) do by_id[id] = e end
  local sources = children(c, out.flows, "source", "sourceConnectionIds")
  local targets = children(c, out.flows, "target", "targetConnectionIds")
  local bases = {}
  for _, set in ipairs{ sources, targets } do
    for id, e in pairs(set) do
      by_id[id] = e
      bases[#bases + 1] = base_of(e)
    end
  end
  for id, e in pairs(trees.by_id(c, "connection", bases)) do
    by_id[id] = e
  end
  return out, missing, promote.dangling(out)
end

--- The ids the trees name that were not read (deleted under a flow).
-- @tparam table set `promote.read`'s first result
-- @treturn table `{{id =, by = entity}}`
function promote.dangling(set)
  local out = {}
  for _, item in ipairs(promote.order(set, true)) do
    if set.by_id[item.id] == nil then out[#out + 1] = item end
  end
  return out
end

----------------------------------------------------------------------
-- The order of the creates
----------------------------------------------------------------------

--- The entities of the trees, parents first, each once: per flow, each
-- source connection's base connection and the source connection, then
-- each target connection's base connection (if any) and the target
-- connection, then the flow.
-- @tparam table set `promote.read`'s first result
-- @tparam[opt] boolean with_absent include ids the sandbox lacks, as
--   `{id =, by = the entity naming it}` (for `dangling`)
-- @treturn table list of entities
function promote.order(set, with_absent)
  local out, seen = {}, {}
  local function add(id, by)
    if id == nil or seen[id] then return end
    local e = set.by_id[id]
    if e == nil and not with_absent then return end
    seen[id] = true
    out[#out + 1] = e or { id = id, by = by }
  end
  local function connection(id, by)
    local e = set.by_id[id]
    if e then add(base_of(e), e) end
    add(id, by)
  end
  for _, f in ipairs(set.flows) do
    for _, id in ipairs(list_of(f.sourceConnectionIds)) do connection(id, f) end
    for _, id in ipairs(list_of(f.targetConnectionIds)) do connection(id, f) end
    add(f.id, nil)
  end
  if with_absent then
    local absent = {}
    for _, item in ipairs(out) do
      if item.kind == nil then absent[#absent + 1] = item end
    end
    return absent
  end
  return out
end

----------------------------------------------------------------------
-- Bodies
----------------------------------------------------------------------

--- The secret fields of an entity's create body (as its spec marks
-- them: `"format": "password"`), as dotted paths.
-- @tparam string kind
-- @tparam table body
-- @tparam table spec the connection spec (nil for a flow)
-- @treturn table list of paths
function promote.secret_paths(kind, body, spec)
  if kind == "flow" or spec == nil then return {} end
  return validate.body_secrets(kind, body, spec)
end

-- Drops the secret fields: the service never returns them, and what
-- it may show in their place (a mask) must not be sent as a credential.
local function drop_secrets(kind, body, spec)
  for _, path in ipairs(promote.secret_paths(kind, body, spec)) do
    local parts, t = split_dots(path), body
    for i = 1, #parts - 1 do
      t = type(t) == "table" and t[parts[i]] or nil
    end
    if type(t) == "table" then t[parts[#parts]] = nil end
  end
end

local function spec_ref(ref)
  if type(ref) ~= "table" then return ref end
  return { id = ref.id, version = ref.version }
end

local function new_ids(list, made)
  local out = json.array()
  for i, id in ipairs(list_of(list)) do out[i] = made[id] end
  return out
end

--- The create body, in the target sandbox, of an entity read in the
-- source sandbox: the fields a create takes, the parents' ids replaced
-- by those of the copies made before it, no secret field.
-- @tparam table e the source entity
-- @tparam table made source id → id in the target sandbox
-- @tparam[opt] table spec the entity's connection spec (for its secret
--   fields; nil for a flow)
-- @treturn table the body
function promote.body(e, made, spec)
  local body = {}
  for _, field in ipairs(FIELDS[e.kind]) do
    if e[field] ~= nil then body[field] = deep_copy(e[field]) end
  end
  body.connectionSpec = spec_ref(body.connectionSpec)
  body.flowSpec = spec_ref(body.flowSpec)
  if type(body.auth) == "table" then
    body.auth = { specName = body.auth.specName,
      params = deep_copy(body.auth.params) }
  end
  local base = base_of(e)
  if base then body.baseConnectionId = made[base] end
  if e.kind == "flow" then
    body.sourceConnectionIds = new_ids(e.sourceConnectionIds, made)
    body.targetConnectionIds = new_ids(e.targetConnectionIds, made)
  end
  drop_secrets(e.kind, body, spec)
  return body
end

--- The connection spec of a source entity (nil for a flow), read
-- through the client's cache (specs are the same in every sandbox).
-- @tparam table c a client
-- @tparam table e the entity
-- @treturn table|nil
function promote.spec_of(c, e)
  if e.kind == "flow" then return nil end
  local ref = e.connectionSpec
  if type(ref) ~= "table" or type(ref.id) ~= "string" then return nil end
  return c:connection_spec(ref.id)
end

----------------------------------------------------------------------
-- Creating
----------------------------------------------------------------------

-- The step that makes the copy of a source entity.
local function step_name(e)
  return ("%s %s"):format(e.kind, e.id)
end

-- What the finished steps of these entities made, read with filtered
-- lists (per kind, 40 ids a request) rather than one GET each when the
-- steps resume.
local function prime(wf, dst, entities)
  local wanted, ids = {}, {}
  for _, e in ipairs(entities) do wanted[step_name(e)] = true end
  for _, s in ipairs(wf:status()) do
    if s.state == "done" and wanted[s.name] then
      for _, e in ipairs(s.entities) do
        ids[e.kind] = ids[e.kind] or {}
        ids[e.kind][#ids[e.kind] + 1] = e.id
      end
    end
  end
  for kind, list in pairs(ids) do
    local found, gone = trees.list_where(dst, kind, "id", list), {}
    local have = index(found)
    for _, id in ipairs(list) do
      if not have[id] then gone[#gone + 1] = id end
    end
    wf:prime(found, gone)
  end
end

--- Makes the trees again in the target sandbox, as drafts, parents
-- first, each entity once (see the module's description).
-- @tparam table dst the target sandbox's client (in dry-run, nothing is
--   sent and the workflow's state is neither locked nor written)
-- @tparam table set `promote.read`'s first result
-- @tparam table opts `{from = source sandbox name, dir = the state
--   store's directory (optional), spec_client = client to read specs
--   with (default dst), prepare = function(e, body, spec) that may change
--   the body before it is sent and returns the names of the secret
--   fields left out (optional), report = function(e, made, outcome,
--   left_out) with outcome "created" or "existed" and the fields
--   `prepare` named when the copy was created (optional)}`
-- @treturn table source id → id in the target sandbox
function promote.run(dst, set, opts)
  local wf = workflow.new(promote.workflow_name(opts.from), { client = dst,
    dir = opts.dir, dry_run = dst.dry_run })
  local made, order = {}, promote.order(set)
  local ok, err = pcall(function()
    prime(wf, dst, order)
    for _, e in ipairs(order) do
      local ran = false
      -- the fields left out are journaled with the copy (names only), so
      -- a re-run still says what the draft was made without
      local copy, left_out = wf:step(step_name(e), function()
        ran = true
        local spec = promote.spec_of(opts.spec_client or dst, e)
        local body = promote.body(e, made, spec)
        local left = opts.prepare and opts.prepare(e, body, spec) or {}
        return dst[COLLECTION[e.kind]]:create(body, { draft = true }),
          #left > 0 and table.concat(left, "\n") or nil
      end)
      made[e.id] = copy.id
      if opts.report then
        local fields = {}
        for f in (left_out or ""):gmatch("[^\n]+") do
          fields[#fields + 1] = f
        end
        opts.report(e, copy, ran and "created" or "existed", fields)
      end
    end
  end)
  if not ok then
    wf.journal:release()
    error(err, 0)
  end
  wf:finish()
  return made
end

promote.COLLECTION = COLLECTION

return promote
