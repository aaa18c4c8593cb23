--- Carrying out a plan of flowlua.fleet.desired: each step through the
-- entities' own methods (`create`, `update`, `publish`, `enable`,
-- `disable`, `delete`), which hold the client's exactly-once rules under
-- lost answers. Steps run in the plan's order, parents first; a create's
-- parents are the ids the earlier steps made or found. An apply cut
-- short is resumed by planning again: what landed is found by the id the
-- workspace's record holds, or by name.
--
-- The workspace's record (flowlua.fleet.managed) is written as the apply
-- goes: before anything is sent, every entity of the trees planned (an
-- entity to create without an id); after each create its id; after each
-- delete its removal; at the end the trees deleted are forgotten, and
-- so are those that left nothing to delete (the plan's `forget`).
-- @module flowlua.fleet.apply

local desired = require("flowlua.fleet.desired")
local deep_copy = require("flowlua.entity.base").deep_copy

local apply = {}

local function spec_key(tree, kind)
  return tree[kind].spec or (kind == "source" and tree.base.spec)
end

local function create(c, tree, step, ids)
  local kind = step.kind
  local key = spec_key(tree, kind)
  local lookup = key:match("^%x+%-%x+%-%x+%-%x+%-%x+$") and key
    or { name = key }
  local spec = kind == "flow" and c:flow_spec(lookup)
    or c:connection_spec(lookup)
  local body = desired.resolve_secrets(desired.body_of(kind, tree[kind],
    spec, ids))
  return c[desired.COLLECTION[kind]]:create(body,
    { draft = tree.state == "draft" })
end

-- Records every entity of the trees planned, before anything is sent.
local function claim(rec, p)
  for _, name in ipairs(p.names) do
    local tree, ids = p.trees[name], p.ids[name]
    for _, kind in ipairs(desired.KINDS) do
      rec:set(name, kind, { name = tree[kind].name, spec = ids.specs[kind],
        id = ids[kind] })
    end
  end
  rec:save()
end

-- Records what a step changed.
local function note(rec, p, s, e)
  if s.action == "create" then
    rec:set(s.tree, s.kind, { name = s.name,
      spec = p.ids[s.tree].specs[s.kind], id = e.id })
  elseif s.action == "delete" then
    rec:forget(s.tree, s.kind)
  else
    return
  end
  rec:save()
end

-- Marks the trees planned complete and forgets the trees deleted.
local function finish(rec, p)
  for _, name in ipairs(p.names) do rec:done(name) end
  for _, name in ipairs(p.retired or {}) do rec:forget(name) end
  rec:save()
end

local function run_step(c, p, s, made)
  local tree, tids = p.trees[s.tree], p.ids[s.tree]
  local e = s.entity or made[s.tree .. "\0" .. s.kind]
  if s.action == "create" then
    e = create(c, tree, s, tids)
    tids[s.kind], made[s.tree .. "\0" .. s.kind] = e.id, e
  elseif s.action == "update" then
    e:update(desired.resolve_secrets(deep_copy(s.ops)))
  elseif s.action == "publish" then e:publish()
  elseif s.action == "enable" then e:enable()
  elseif s.action == "disable" then e:disable()
  elseif s.action == "delete" then e:delete()
  end
  return e
end

--- Runs the steps of a plan.
-- @tparam table c the client
-- @tparam table p the plan (flowlua.cli.plan's `plan_text`): `trees`,
--   `steps`, `ids` (filled in here), `names`, `retired`
-- @tparam[opt] table opts `{record = the workspace's record, open
--   (flowlua.fleet.managed), report = function(step, entity) called
--   after each step}`
function apply.run(c, p, opts)
  opts = opts or {}
  local rec, made = opts.record, {}
  if rec then claim(rec, p) end
  for _, s in ipairs(p.steps) do
    local e = run_step(c, p, s, made)
    if rec then note(rec, p, s, e) end
    if opts.report then opts.report(s, e) end
  end
  if rec then finish(rec, p) end
end

return apply
