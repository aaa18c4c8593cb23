--- Declarative flow trees: a desired-state file (`flows.lua`) read and
-- compared with the live sandbox, giving the plan `flowlua plan` prints
-- and `flowlua apply` carries out.
--
-- The file returns a table of trees by name; each tree has a `base`,
-- `source`, `target` and `flow` (bodies as the service takes them, with
-- `spec` naming the connection or flow spec by id or name) and a `state`
-- ("enabled", the default, "disabled" or "draft"). A secret is written
-- as a reference, `"env:NAME"`, read from the environment only when an
-- entity is created; a secret written inline is refused.
--
-- A live entity is matched by the id an earlier apply recorded
-- (flowlua.fleet.managed), else by kind and name (names are unique per
-- kind within the file). The fields the file names are compared with the
-- live entity's (its name too: a rename made elsewhere is drift);
-- `auth` is only sent at creation (the service never returns secrets,
-- so it cannot be compared). The whole sandbox is read
-- with one list per collection, page by page.
-- @module flowlua.fleet.desired

local files = require("flowlua.files")
local json = require("flowlua.json")
local validate = require("flowlua.entity.validate")
local deep_copy = require("flowlua.entity.base").deep_copy
local split_dots = require("flowlua.entity.check").split_dots

local desired = {}

--- The kinds of a tree, parents first.
desired.KINDS = { "base", "source", "target", "flow" }

local ENTITY_KIND = { base = "connection", source = "source",
  target = "target", flow = "flow" }
local COLLECTION = { base = "connections", source = "source_connections",
  target = "target_connections", flow = "flows" }

-- Fields compared with the live entity (and patched when they differ).
local COMPARED = { "name", "description", "params", "data",
  "scheduleParams", "transformations" }

local STATES = { enabled = true, disabled = true, draft = true }

local function fail(path, message)
  error(("%s: %s"):format(path, message), 0)
end

local function check_tree(path, name, tree)
  if type(tree) ~= "table" then
    fail(path, ("tree %q must be a table"):format(name))
  end
  for _, kind in ipairs(desired.KINDS) do
    local e = tree[kind]
    if type(e) ~= "table" or type(e.name) ~= "string" or e.name == "" then
      fail(path, ("tree %q needs %s = { name = ..., ... }"):format(name, kind))
    end
  end
  local state = tree.state or "enabled"
  if not STATES[state] then
    fail(path, ("tree %q: state must be enabled, disabled or draft")
      :format(name))
  end
  if tree.target.spec == nil or tree.flow.spec == nil
      or tree.base.spec == nil then
    fail(path, ("tree %q: base, target and flow need spec (an id or a "
      .. "name)"):format(name))
  end
end

--- Reads a desired-state file: it runs with no globals (it can compute,
-- not read the environment or files) and returns the trees.
-- @tparam string path the file
-- @treturn table trees by name
-- @treturn table their names, sorted
function desired.load(path)
  local text, err = files.read(path)
  if text == nil then error(err, 0) end
  return desired.load_text(text, path)
end

--- Reads a desired-state file's text (as `desired.load`).
-- @tparam string text the file's text
-- @tparam string path its name, for messages
-- @treturn table trees by name
-- @treturn table their names, sorted
function desired.load_text(text, path)
  local chunk, err = load(text, "@" .. path, "t", {})
  if chunk == nil then error(err, 0) end
  local ok, trees = pcall(chunk)
  if not ok then fail(path, tostring(trees)) end
  if type(trees) ~= "table" then fail(path, "must return a table of trees") end
  local names, seen = {}, {}
  for name, tree in pairs(trees) do
    if type(name) ~= "string" then fail(path, "tree names must be strings") end
    check_tree(path, name, tree)
    names[#names + 1] = name
    for _, kind in ipairs(desired.KINDS) do
      local key = kind .. "\0" .. tree[kind].name
      if seen[key] then
        fail(path, ("%s name %q is used by trees %q and %q"):format(kind,
          tree[kind].name, seen[key], name))
      end
      seen[key] = name
    end
  end
  table.sort(names)
  return trees, names
end

----------------------------------------------------------------------
-- Specs and bodies
----------------------------------------------------------------------

local UUID = "^%x+%-%x+%-%x+%-%x+%-%x+$"

local function spec_of(c, kind, key)
  local lookup = key:match(UUID) and key or { name = key }
  if kind == "flow" then return c:flow_spec(lookup) end
  return c:connection_spec(lookup)
end

-- Each secret field of the body: a reference "env:NAME", or an error.
local function check_secrets(kind, body, spec, where)
  for _, path in ipairs(validate.body_secrets(ENTITY_KIND[kind], body,
      spec)) do
    local v = body
    for _, p in ipairs(split_dots(path)) do
      v = type(v) == "table" and v[p] or nil
    end
    if v ~= nil and not (type(v) == "string" and v:match("^env:[%w_]+$")) then
      error(("%s: secret field %s must be a reference (\"env:NAME\"), "
        .. "never inline"):format(where, path), 0)
    end
  end
end

-- The create body of an entity of a tree (parents' ids filled in from
-- `ids`; nil for a parent yet to be made).
local function body_of(kind, e, spec, ids)
  local body = deep_copy(e)
  body.spec = nil
  local ref = { id = spec.id, version = spec.version or "1.0" }
  if kind == "flow" then
    body.flowSpec = ref
    body.sourceConnectionIds = json.array{ ids.source }
    body.targetConnectionIds = json.array{ ids.target }
  else
    body.connectionSpec = ref
    if kind == "source" then body.baseConnectionId = ids.base end
  end
  return body
end
desired.body_of = body_of

--- Replaces each "env:NAME" reference of a body by the variable's value.
-- @tparam table body changed in place
-- @tparam[opt] function getenv default os.getenv
-- @treturn table the body
function desired.resolve_secrets(body, getenv)
  getenv = getenv or os.getenv
  for k, v in pairs(body) do
    if type(v) == "table" then desired.resolve_secrets(v, getenv)
    elseif type(v) == "string" then
      local name = v:match("^env:([%w_]+)$")
      if name then
        local value = getenv(name)
        if value == nil then
          error(("environment variable %s (a secret reference) is not set")
            :format(name), 0)
        end
        body[k] = value
      end
    end
  end
  return body
end

----------------------------------------------------------------------
-- The live sandbox
----------------------------------------------------------------------

--- The live entities by kind and name, and by id: one list per
-- collection.
-- @tparam table c the client
-- @treturn table `live[kind][name]` = entity (the newest of a name), and
--   `live.by_id[id]` = entity
function desired.read_live(c)
  local live = { by_id = {} }
  for _, kind in ipairs(desired.KINDS) do
    live[kind] = {}
    for e in c[COLLECTION[kind]]:list{ limit = 1000 } do
      local seen = live[kind][e.name]
      if seen == nil or (e.createdAt or 0) > (seen.createdAt or 0) then
        live[kind][e.name] = e
      end
      live.by_id[e.id] = e
    end
  end
  return live
end

-- The live entity of a tree's entity: the one recorded by an earlier
-- apply while it lives (and is of its kind), else the one of its name.
local function match(live, kind, name, recorded)
  local e = recorded and recorded.id and live.by_id[recorded.id]
  if e and e.kind == ENTITY_KIND[kind] then return e end
  return live[kind][name]
end

--- The ids of the live entities the file's trees match (recorded id or
-- name, as the plan matches them): a tree the file no longer has must
-- not delete an entity another of its trees now uses (a tree renamed in
-- the file).
-- @tparam table trees `desired.load`'s trees (all of them)
-- @tparam table ctx as `desired.plan`'s
-- @treturn table set of ids → tree name
function desired.matched_ids(trees, ctx)
  local out = {}
  for name, tree in pairs(trees) do
    local recorded = ctx.recorded and ctx.recorded[name] or {}
    for _, kind in ipairs(desired.KINDS) do
      local e = match(ctx.live, kind, tree[kind].name, recorded[kind])
      if e then out[e.id] = name end
    end
  end
  return out
end

-- An entity another workflow of flowlua's state knows is not the file's
-- to change.
local function check_owner(where, current, ctx)
  local owner = ctx.owners and ctx.owners[current.id]
  if owner and owner ~= ctx.workflow then
    error(("%s %q is live as %s, which workflow %q of flowlua's state "
      .. "manages: rename it in the file, or `flowlua state forget` that "
      .. "workflow"):format(where, current.name, current.id, owner), 0)
  end
end

----------------------------------------------------------------------
-- The difference
----------------------------------------------------------------------

local function canonical(v)
  return json.encode(v, { sort_keys = true })
end

-- JSON Patch turning the live entity's compared fields into the file's.
local function patch_of(want, live_e)
  local ops = {}
  for _, field in ipairs(COMPARED) do
    local w = want[field]
    if w ~= nil and (live_e[field] == nil
        or canonical(w) ~= canonical(live_e[field])) then
      ops[#ops + 1] = { op = live_e[field] == nil and "add" or "replace",
        path = "/" .. field, value = w }
    end
  end
  return ops
end

local function parents_changed(kind, live_e, ids)
  if kind == "source" then return live_e.baseConnectionId ~= ids.base end
  if kind ~= "flow" then return false end
  local s, t = live_e.sourceConnectionIds, live_e.targetConnectionIds
  return type(s) ~= "table" or s[1] ~= ids.source or #s ~= 1
    or type(t) ~= "table" or t[1] ~= ids.target or #t ~= 1
end

-- The steps of one entity; fills ids[kind] when it exists.
local function entity_steps(c, tree_name, tree, kind, ctx, ids, out)
  local e = tree[kind]
  local spec_key = e.spec or (kind == "source" and tree.base.spec)
  local spec = spec_of(c, kind, spec_key)
  local where = ("tree %q %s"):format(tree_name, kind)
  check_secrets(kind, body_of(kind, e, spec, ids), spec, where)
  local recorded = ctx.recorded and ctx.recorded[tree_name]
  local current = match(ctx.live, kind, e.name, recorded and recorded[kind])
  ids.etags[kind] = current and current.etag or "absent"
  ids.specs[kind] = spec.id
  local step = { tree = tree_name, kind = kind, name = e.name }
  if current == nil then
    step.action = "create"
    out[#out + 1] = step
    return
  end
  check_owner(where, current, ctx)
  step.id, step.etag, step.entity = current.id, current.etag, current
  ids[kind] = current.id
  if parents_changed(kind, current, ids) then
    error(("%s %q is live with other parents than the file gives it: "
      .. "rename it, or delete it first"):format(where, e.name), 0)
  end
  local ops = patch_of(e, current)
  if #ops > 0 then
    out[#out + 1] = { tree = tree_name, kind = kind, name = e.name,
      id = current.id, etag = current.etag, entity = current,
      action = "update", ops = ops }
  end
  local want = kind == "flow" and (tree.state or "enabled") or "enabled"
  if current.state == "draft" and want ~= "draft" then
    out[#out + 1] = { tree = tree_name, kind = kind, name = e.name,
      id = current.id, etag = current.etag, entity = current,
      action = "publish" }
  end
  if kind == "flow" and want ~= "draft" and current.state ~= "draft"
      and current.state ~= want then
    out[#out + 1] = { tree = tree_name, kind = kind, name = e.name,
      id = current.id, etag = current.etag, entity = current,
      action = want == "enabled" and "enable" or "disable" }
  end
end

--- The plan: the steps that bring the live sandbox to the file, parents
-- first within each tree.
-- @tparam table c the client
-- @tparam table trees `desired.load`'s trees
-- @tparam table names the names of the trees to plan, in order
-- @tparam table ctx `{live = desired.read_live's result, recorded = the
--   trees an earlier apply recorded (flowlua.fleet.managed; optional),
--   owners = id → workflow of flowlua's state (optional), workflow = the
--   workspace's own workflow name}`
-- @treturn table list of steps `{tree, kind, name, action ("create",
--   "update", "publish", "enable", "disable"), id, etag, entity, ops}`
-- @treturn table the live ids by tree and kind (`ids[tree][kind]`), the
--   etags the plan read (`ids[tree].etags[kind]`, "absent" for an
--   entity to create): a saved plan is applied only if they still hold;
--   and the spec ids (`ids[tree].specs[kind]`)
function desired.plan(c, trees, names, ctx)
  local out, all = {}, {}
  for _, name in ipairs(names) do
    local tree, ids = trees[name], { etags = {}, specs = {} }
    all[name] = ids
    for _, kind in ipairs(desired.KINDS) do
      entity_steps(c, name, tree, kind, ctx, ids, out)
    end
    if tree.state == "disabled" and not ids.flow then
      out[#out + 1] = { tree = name, kind = "flow", name = tree.flow.name,
        action = "disable" }
    end
  end
  return out, all
end

--- Counts a plan's steps: `{create, update, delete, publish, enable,
-- disable}` (an update counts once per entity).
-- @tparam table steps
-- @treturn table
function desired.counts(steps)
  local n = { create = 0, update = 0, delete = 0, publish = 0, enable = 0,
    disable = 0 }
  for _, s in ipairs(steps) do n[s.action] = n[s.action] + 1 end
  return n
end

--- What changed in the sandbox since a plan was saved: one line per
-- entity whose etag differs (or that appeared or went away).
-- @tparam table saved the saved plan's etags by tree and kind
-- @tparam table ids `desired.plan`'s second result, read now
-- @treturn table list of lines (empty: nothing changed)
function desired.changed_since(saved, ids)
  local out = {}
  local names = {}
  for name in pairs(saved) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    for _, kind in ipairs(desired.KINDS) do
      local was = saved[name][kind]
      local now = ids[name] and ids[name].etags[kind]
      if was ~= now then
        out[#out + 1] = ("tree %s %s: %s when planned, %s now"):format(name,
          kind, tostring(was), tostring(now))
      end
    end
  end
  return out
end

desired.ENTITY_KIND = ENTITY_KIND
desired.COLLECTION = COLLECTION

return desired
