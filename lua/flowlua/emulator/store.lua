--- The emulator's entity store: one isolated store per sandbox
-- (`x-sandbox-name`), each with the four entity kinds and runs.
-- Entities are immutable tables: a change stores a new table under the
-- same id, so anything cached per table (encoded views) stays right.
-- GET by id is a hash lookup; lists walk the creation-ordered array.
-- @module flowlua.emulator.store

local util = require("flowlua.emulator.util")

local store = {}

--- Entity kinds that clients create, in dependency order.
store.KINDS = { "connections", "sourceConnections", "targetConnections",
  "flows", "runs" }

local Sandbox = {}
Sandbox.__index = Sandbox
Sandbox.__name = "flowlua.emulator.sandbox"

local function new_sandbox(name, id)
  local sb = setmetatable({ name = name, id = id or util.uuid(),
    kinds = {} }, Sandbox)
  for _, kind in ipairs(store.KINDS) do
    sb.kinds[kind] = { by_id = {}, list = {} }
  end
  return sb
end

--- The entity of a kind with an id.
-- @tparam string kind e.g. "connections"
-- @tparam string id
-- @treturn table|nil
function Sandbox:get(kind, id)
  return self.kinds[kind].by_id[id]
end

--- Every entity of a kind, in creation order (do not modify).
-- @tparam string kind
-- @treturn table
function Sandbox:list(kind)
  return self.kinds[kind].list
end

local function index_of(list, e)
  for i = #list, 1, -1 do
    if list[i] == e then return i end
  end
end

--- Stores an entity (new, or a new version of an existing one).
-- @tparam string kind
-- @tparam table e the entity, with `id`
-- @treturn function undo, restoring the previous state
function Sandbox:put(kind, e)
  local k = self.kinds[kind]
  local old = k.by_id[e.id]
  k.by_id[e.id] = e
  if old then
    local i = index_of(k.list, old)
    k.list[i] = e
    return function() k.by_id[e.id] = old; k.list[i] = old end
  end
  k.list[#k.list + 1] = e
  return function()
    k.by_id[e.id] = nil
    table.remove(k.list, index_of(k.list, e))
  end
end

--- Removes an entity.
-- @tparam string kind
-- @tparam string id
-- @treturn function undo
function Sandbox:remove(kind, id)
  local k = self.kinds[kind]
  local old = k.by_id[id]
  local i = index_of(k.list, old)
  k.by_id[id] = nil
  table.remove(k.list, i)
  return function()
    k.by_id[id] = old
    table.insert(k.list, i, old)
  end
end

local Store = {}
Store.__index = Store
Store.__name = "flowlua.emulator.store"

--- An empty store.
-- @treturn table
function store.new()
  return setmetatable({ sandboxes = {} }, Store)
end

--- The sandbox with a name, created on first use.
-- @tparam string name
-- @treturn table
function Store:sandbox(name)
  local sb = self.sandboxes[name]
  if sb == nil then
    sb = new_sandbox(name)
    self.sandboxes[name] = sb
  end
  return sb
end

--- A plain table of every sandbox, for the state file.
-- @treturn table `{[name] = {id=, connections = [...], ...}}`
function Store:snapshot()
  local json = require("flowlua.json")
  local out = {}
  for name, sb in pairs(self.sandboxes) do
    local t = { id = sb.id }
    for _, kind in ipairs(store.KINDS) do
      t[kind] = json.array(table.move(sb.kinds[kind].list, 1,
        #sb.kinds[kind].list, 1, {}))
    end
    out[name] = t
  end
  return out
end

--- A store from a snapshot (as read back from a state file).
-- @tparam table snap from `snapshot`
-- @treturn table|nil the store, or nil and a message
function store.restore(snap)
  local s = store.new()
  for name, t in pairs(snap) do
    if type(t) ~= "table" or type(t.id) ~= "string" then
      return nil, ("sandbox '%s' has no id"):format(tostring(name))
    end
    local sb = new_sandbox(name, t.id)
    for _, kind in ipairs(store.KINDS) do
      for _, e in ipairs(t[kind] or {}) do
        if type(e) ~= "table" or type(e.id) ~= "string" then
          return nil, ("an entity of %s in sandbox '%s' has no id")
            :format(kind, name)
        end
        sb:put(kind, e)
      end
    end
    s.sandboxes[name] = sb
  end
  return s
end

return store
