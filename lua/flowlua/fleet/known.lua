--- Which entities flowlua's own state knows, and under which workflow.
-- That state is the workflow state store (flowlua.state, through
-- flowlua.workflow.journal: `--state`, FLOWLUA_STATE, the profile's `state` or
-- `.flowlua/state.db`); this module is the one place that reads it for
-- the inventory.
-- @module flowlua.fleet.known

local json = require("flowlua.json")
local journal = require("flowlua.workflow.journal")
local log = require("flowlua.log")
local sys = require("flowlua.core").sys

local known = {}

local function add_ids(out, name, list)
  if type(list) ~= "table" then return end
  for _, rec in ipairs(list) do
    if type(rec) == "table" and type(rec.id) == "string" then
      out[rec.id] = out[rec.id] or name
    end
  end
end

-- The ids one record holds (entities done, and intents whose id became
-- known), each mapped to the record's workflow name.
local function read_record(r, where, out)
  local data = json.decode(r.text)
  if type(data) ~= "table" or type(data.steps) ~= "table" then
    log.warn("inventory: record of workflow %s in state store %s skipped "
      .. "(not a journal)", json.encode(r.key.workflow), where)
    return
  end
  for _, step in ipairs(data.steps) do
    if type(step) == "table" then
      add_ids(out, r.key.workflow, step.entities)
      add_ids(out, r.key.workflow, step.values)
      add_ids(out, r.key.workflow, step.intents)
    end
  end
  add_ids(out, r.key.workflow, data.adopted)
end

--- The workflow state store, or nil when it is a SQLite file not made
-- yet (a command that only reads creates none).
-- @tparam[opt] string dir the directory of the state store (default:
--   the workflows')
-- @treturn table|nil the store (flowlua.state)
function known.store(dir)
  local location = journal.location(dir)
  if not location:match("^postgres") and not sys.stat_mode(
      location:match("^sqlite:(.*)$") or location) then
    return nil
  end
  return journal.store(location)
end

--- The entities flowlua's state knows: id → workflow name. Every
-- record counts, whatever its target: an id is unique across sandboxes,
-- so another sandbox's record names none of this one's entities.
-- @tparam[opt] string dir the directory of the state store (default:
--   the workflows')
-- @treturn table map of entity id to workflow name
function known.workflows(dir)
  local out = {}
  local store = known.store(dir)
  if store == nil then return out end
  for _, r in ipairs(store:list()) do read_record(r, store.where, out) end
  return out
end

return known
