--- The inventory of a sandbox: every flow tree (flow → source connection
-- → base connection; target connection → base connection), with states,
-- spec names, last run, which workflow of flowlua's state knows it, and
-- the orphans (connections no flow uses, drafts older than a limit).
--
-- It costs the fewest requests the API allows: each of the four
-- collections is listed once, page after page (`limit` at its largest,
-- following `continuationToken`), and the specs the entities name are
-- read with one `property=id==A,B,...` filter per family, never one GET
-- per entity. `inventory.gather` reads; `inventory.assemble` is pure
-- (lists in, inventory out), so it can be checked on its own.
-- @module flowlua.fleet.inventory

local json = require("flowlua.json")
local url = require("flowlua.url")
local known = require("flowlua.fleet.known")
local COLLECTION = require("flowlua.fleet.trees").COLLECTION
local sorted_keys = require("flowlua.fleet.trees").sorted_keys

local inventory = {}

--- Items asked for per page: the largest `limit` the Flow Service
-- documents (its search's maximum, and the emulator's).
inventory.PAGE_SIZE = 1000

--- Ids per `property=id==...` filter, so that a URL stays short.
inventory.IDS_PER_FILTER = 40

--- Default age after which a draft is flagged: 7 days, in seconds.
inventory.OLDER_THAN = 7 * 86400

-- The kinds in the order they are listed and printed.
inventory.KINDS = { "flow", "source", "target", "connection" }

local function list_all(c, kind, page_size)
  local out = {}
  for e in c[COLLECTION[kind]]:list{ limit = page_size } do
    out[#out + 1] = e
  end
  return out
end

local function spec_id(e)
  local s = e.flowSpec or e.connectionSpec
  return type(s) == "table" and type(s.id) == "string" and s.id or nil
end

-- The names of the specs with these ids, one filtered list per chunk.
local function spec_names(c, path, ids, out)
  local list = sorted_keys(ids)
  for i = 1, #list, inventory.IDS_PER_FILTER do
    local chunk = table.move(list, i, i + inventory.IDS_PER_FILTER - 1, 1, {})
    local data = c:request("GET", path .. url.query{
      { "property", "id==" .. table.concat(chunk, ",") } })
    for _, spec in ipairs(type(data.items) == "table" and data.items or {}) do
      if type(spec) == "table" and spec.id then out[spec.id] = spec.name end
    end
  end
  return out
end

--- Reads what the inventory needs from the service and flowlua's state.
-- @tparam table c the client
-- @tparam[opt] table opts `{page_size = 1000, journal_dir = path}`
-- @treturn table `{lists = {flow=, source=, target=, connection=},
--   spec_names = {id → name}, known = {id → workflow}}`
function inventory.gather(c, opts)
  opts = opts or {}
  local lists = {}
  for _, kind in ipairs(inventory.KINDS) do
    lists[kind] = list_all(c, kind, opts.page_size or inventory.PAGE_SIZE)
  end
  local ids = { flow = {}, connection = {} }
  for kind, list in pairs(lists) do
    local family = kind == "flow" and ids.flow or ids.connection
    for _, e in ipairs(list) do
      local id = spec_id(e)
      if id then family[id] = true end
    end
  end
  local names = spec_names(c, "/flowSpecs", ids.flow, {})
  spec_names(c, "/connectionSpecs", ids.connection, names)
  return { lists = lists, spec_names = names,
    known = known.workflows(opts.journal_dir) }
end

----------------------------------------------------------------------
-- Assembling (pure)
----------------------------------------------------------------------

local function node(kind, e, facts)
  local sid = spec_id(e)
  return { kind = kind, id = e.id, name = e.name, state = e.state,
    created_at = math.tointeger(e.createdAt) or e.createdAt,
    spec = sid and { id = sid, name = facts.spec_names[sid] } or nil,
    workflow = facts.known[e.id] }
end

local function missing(kind, id)
  return { kind = kind, id = id, missing = true }
end

local function last_run(flow)
  local d = flow.lastRunDetails
  if type(d) ~= "table" then return nil end
  return { id = d.id, state = d.state, started_at = d.startedAtUTC,
    completed_at = d.completedAtUTC }
end

-- A source or target connection of a flow, with its base connection.
local function child(kind, id, facts, used)
  used[id] = true
  local e = facts.find(kind, id)
  if e == nil then return missing(kind, id) end
  local n = node(kind, e, facts)
  local base_id = e.baseConnectionId
  if type(base_id) == "string" and base_id ~= "" then
    used[base_id] = true
    local b = facts.find("connection", base_id)
    n.base = b and node("connection", b, facts)
      or missing("connection", base_id)
  end
  return n
end

local function ids_of(v)
  return type(v) == "table" and v or {}
end

local function tree(flow, facts, used)
  local t = node("flow", flow, facts)
  t.last_run = last_run(flow)
  t.sources, t.targets = json.array(), json.array()
  for _, id in ipairs(ids_of(flow.sourceConnectionIds)) do
    t.sources[#t.sources + 1] = child("source", id, facts, used)
  end
  for _, id in ipairs(ids_of(flow.targetConnectionIds)) do
    t.targets[#t.targets + 1] = child("target", id, facts, used)
  end
  -- known when flowlua's state holds any entity of the tree
  local parts = { t, table.unpack(t.sources) }
  table.move(t.targets, 1, #t.targets, #parts + 1, parts)
  for _, p in ipairs(parts) do
    t.workflow = t.workflow or p.workflow or (p.base and p.base.workflow)
  end
  return t
end

local function by_name(a, b)
  local an, bn = tostring(a.name), tostring(b.name)
  if an ~= bn then return an < bn end
  return tostring(a.id) < tostring(b.id)
end

local KIND_ORDER = { flow = 1, source = 2, target = 3, connection = 4 }

local function orphans(lists, facts, used, cutoff)
  local out = json.array()
  for _, kind in ipairs(inventory.KINDS) do
    for _, e in ipairs(lists[kind]) do
      local reasons = json.array()
      if kind ~= "flow" and not used[e.id] then
        reasons[#reasons + 1] = "unused"
      end
      local created = tonumber(e.createdAt)
      if e.state == "draft" and created and created < cutoff then
        reasons[#reasons + 1] = "old draft"
      end
      if #reasons > 0 then
        local n = node(kind, e, facts)
        n.reasons = reasons
        out[#out + 1] = n
      end
    end
  end
  table.sort(out, function(a, b)
    if a.kind ~= b.kind then return KIND_ORDER[a.kind] < KIND_ORDER[b.kind] end
    return by_name(a, b)
  end)
  return out
end

local function counts(lists, trees, orphan_list)
  local n = { flows = #trees, draft = 0, enabled = 0, disabled = 0,
    known = 0, elsewhere = 0, orphans = #orphan_list, entities = 0 }
  for _, kind in ipairs(inventory.KINDS) do
    n.entities = n.entities + #lists[kind]
  end
  for _, t in ipairs(trees) do
    if n[t.state] then n[t.state] = n[t.state] + 1 end
    if t.workflow then n.known = n.known + 1
    else n.elsewhere = n.elsewhere + 1 end
  end
  return n
end

--- Builds the inventory from what `gather` read.
-- @tparam table facts `gather`'s result
-- @tparam[opt] table opts `{now = epoch ms, older_than = seconds}`
-- @treturn table `{trees = {...}, orphans = {...}, counts = {...},
--   now =, older_than =}`; each tree is its flow's node with `sources`,
--   `targets` (each with `base`), `last_run`, `workflow`
function inventory.assemble(facts, opts)
  opts = opts or {}
  local now = opts.now or math.floor(require("flowlua.core").sys.time() * 1000)
  local older_than = opts.older_than or inventory.OLDER_THAN
  local by_id = {}
  for kind, list in pairs(facts.lists) do
    by_id[kind] = {}
    for _, e in ipairs(list) do by_id[kind][e.id] = e end
  end
  local f = { spec_names = facts.spec_names or {}, known = facts.known or {},
    find = function(kind, id) return by_id[kind][id] end }
  local used, trees = {}, json.array()
  for _, flow in ipairs(facts.lists.flow) do
    trees[#trees + 1] = tree(flow, f, used)
  end
  table.sort(trees, by_name)
  local orphan_list = orphans(facts.lists, f, used, now - older_than * 1000)
  return { trees = trees, orphans = orphan_list,
    counts = counts(facts.lists, trees, orphan_list),
    now = now, older_than = older_than }
end

return inventory
