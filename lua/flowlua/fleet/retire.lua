--- Deleting the trees an apply made or took over (flowlua.fleet.managed)
-- that the desired-state file no longer has: the order of
-- flowlua.fleet.trees (the flow first, then the connections no other flow
-- uses, then their base connections; never a shared one), limited to the
-- entities the workspace's record holds. An entity the record does not
-- hold, that another workflow of flowlua's state knows, or that a tree
-- of the file matches (a tree renamed in the file) is kept, and so is
-- the base connection under a kept connection.
-- @module flowlua.fleet.retire

local trees = require("flowlua.fleet.trees")

local retire = {}

local DESIRED_KIND = { connection = "base", source = "source",
  target = "target", flow = "flow" }

local KINDS = { "base", "source", "target", "flow" }

-- The recorded entities of the trees, by id: `{tree, kind}`. An entity
-- recorded without an id (its create was cut short) is the live one of
-- its name and kind, if any. One a tree of the file matches is left out.
local function ours(recorded, names, ctx)
  local mine = {}
  for _, name in ipairs(names) do
    for _, kind in ipairs(KINDS) do
      local r = recorded[name][kind]
      local id = r and (r.id or (ctx.live[kind][r.name] or {}).id)
      if id and not (ctx.in_use and ctx.in_use[id]) then
        mine[id] = { tree = name, kind = kind }
      end
    end
  end
  return mine
end

-- The seeds of flowlua.fleet.trees.plan_delete: the flows, and the
-- connections (whose flow may be gone).
local function seeds(mine)
  local flows, also = {}, { source = {}, target = {}, connection = {} }
  for id, m in pairs(mine) do
    if m.kind == "flow" then flows[#flows + 1] = id
    elseif m.kind == "base" then also.connection[#also.connection + 1] = id
    else also[m.kind][#also[m.kind] + 1] = id end
  end
  for _, list in pairs(also) do table.sort(list) end
  table.sort(flows)
  return flows, also
end

-- Why an entity in the deletion order is not ours to delete, or nil.
local function not_ours(e, mine, ctx, kept_ids)
  if kept_ids[e.id] then return kept_ids[e.id] end
  local used = ctx.in_use and ctx.in_use[e.id]
  if used then return ("tree %s of the file uses it"):format(used) end
  if mine[e.id] == nil then
    return "not recorded by workspace " .. ctx.workflow
  end
  local owner = ctx.owners and ctx.owners[e.id]
  if owner and owner ~= ctx.workflow then
    return ("known to workflow %q"):format(owner)
  end
end

--- Plans the deletion of recorded trees.
-- @tparam table c the client
-- @tparam table recorded the workspace's trees (flowlua.fleet.managed)
-- @tparam table names the trees to delete, sorted
-- @tparam table ctx `{live = flowlua.fleet.desired.read_live's result,
--   owners = id → workflow, workflow = the workspace's workflow name,
--   in_use = id → the file's tree that matches it}`
-- @treturn table steps `{tree, kind, name, action = "delete", id, etag,
--   entity}`, in deletion order
-- @treturn table kept `{tree, kind, name, id, reason}`: entities of the
--   trees left alone
-- @treturn table `ids[tree].etags[kind]` of the entities to delete
function retire.plan(c, recorded, names, ctx)
  local mine = ours(recorded, names, ctx)
  local steps, kept, ids, kept_ids = {}, {}, {}, {}
  for _, name in ipairs(names) do ids[name] = { etags = {} } end
  if next(mine) == nil then return steps, kept, ids end
  local p = trees.plan_delete(c, seeds(mine))
  local function keep(e, why)
    local m = mine[e.id]
    kept[#kept + 1] = { tree = m and m.tree, kind = DESIRED_KIND[e.kind],
      name = e.name, id = e.id, reason = why }
    if type(e.baseConnectionId) == "string" then
      kept_ids[e.baseConnectionId] = kept_ids[e.baseConnectionId]
        or ("under kept %s %s"):format(trees.WORDS[e.kind], e.id)
    end
  end
  for _, k in ipairs(p.kept) do keep(k, k.reason) end
  for _, e in ipairs(p.order) do
    local why = not_ours(e, mine, ctx, kept_ids)
    if why then keep(e, why)
    else
      local m = mine[e.id]
      steps[#steps + 1] = { tree = m.tree, kind = m.kind, name = e.name,
        action = "delete", id = e.id, etag = e.etag, entity = e }
      ids[m.tree].etags[m.kind] = e.etag
    end
  end
  return steps, kept, ids
end

-- True when a tree of the file matches an entity of the record (the tree
-- was renamed there): its record moves with it, nothing is forgotten.
local function renamed(tree, ctx)
  for _, kind in ipairs(KINDS) do
    local r = tree[kind]
    local id = r and (r.id or (ctx.live[kind][r.name] or {}).id)
    if id and ctx.in_use and ctx.in_use[id] then return true end
  end
  return false
end

--- The recorded trees to delete that leave apply nothing to delete: their
-- entities are gone from the sandbox (deleted outside flowlua), or what
-- is left of them is kept (shared, or known to another workflow). Apply
-- forgets their record; a tree renamed in the file is not among them.
-- @tparam table recorded the workspace's trees (flowlua.fleet.managed)
-- @tparam table names the trees to delete, sorted
-- @tparam table deletes `retire.plan`'s steps
-- @tparam table ctx as `retire.plan` takes it
-- @treturn table their names, sorted
function retire.forgotten(recorded, names, deletes, ctx)
  local deleting, out = {}, {}
  for _, s in ipairs(deletes) do deleting[s.tree] = true end
  for _, name in ipairs(names) do
    if not deleting[name] and not renamed(recorded[name], ctx) then
      out[#out + 1] = name
    end
  end
  return out
end

return retire
