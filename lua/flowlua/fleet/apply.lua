--- Carrying out a plan of flowlua.fleet.desired: each step through the
-- entities' own methods (`create`, `update`, `publish`, `enable`,
-- `disable`), which hold the client's exactly-once rules under lost
-- answers. Steps run in the plan's order, parents first; a create's
-- parents are the ids the earlier steps made or found. An apply cut
-- short is resumed by planning again: what landed is found by name.
-- @module flowlua.fleet.apply

local desired = require "flowlua.fleet.desired"

local apply = {}

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = deep_copy(x) end
  return setmetatable(out, getmetatable(v))
end

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

--- Runs the steps of a plan.
-- @tparam table c the client
-- @tparam table trees the desired trees (`desired.load`)
-- @tparam table steps `desired.plan`'s steps
-- @tparam table ids `desired.plan`'s live ids by tree (filled in here)
-- @tparam[opt] function report called as `report(step, entity)` after
--   each step
function apply.run(c, trees, steps, ids, report)
  local made = {}
  for _, s in ipairs(steps) do
    local tree, tids = trees[s.tree], ids[s.tree]
    local e = s.entity or made[s.tree .. "\0" .. s.kind]
    if s.action == "create" then
      e = create(c, tree, s, tids)
      tids[s.kind], made[s.tree .. "\0" .. s.kind] = e.id, e
    elseif s.action == "update" then
      e:update(desired.resolve_secrets(deep_copy(s.ops)))
    elseif s.action == "publish" then e:publish()
    elseif s.action == "enable" then e:enable()
    elseif s.action == "disable" then e:disable()
    end
    if report then report(s, e) end
  end
end

return apply
