--- The trees `flowlua apply` manages: recorded in flowlua's state store
-- (flowlua.state, through flowlua.workflow.journal) as the record of the
-- workflow `apply:WORKSPACE` for the client's endpoint, org and sandbox,
-- so that a plan finds its entities by id (a rename made elsewhere is
-- drift, not a new tree) and a tree gone from the desired-state file is
-- known to be ours to delete.
--
-- The record is a journal document, one step per tree:
--
--     { "workflow": "apply:flows", "format": 1,
--       "steps": [ { "name": "tree acme", "state": "done",
--                    "intents": [ {"kind": "connection", "name": "acme base",
--                                  "spec": "<spec id>", "id": "<id>"} ] } ] }
--
-- so `flowlua state` shows it, `flowlua inventory` names the workflow of
-- each tree, and `flowlua state check` finds an entity recorded by two
-- records. An intent without an id is an entity being created: found by
-- name when an apply cut short is resumed.
-- @module flowlua.fleet.managed

local json = require("flowlua.json")
local journal = require("flowlua.workflow.journal")
local known = require("flowlua.fleet.known")

local managed = {}

--- The prefix of the workflow name an apply records its trees under.
managed.PREFIX = "apply:"

-- desired kinds (flowlua.fleet.desired) and journal kinds
local JOURNAL_KIND = { base = "connection", source = "source",
  target = "target", flow = "flow" }
local DESIRED_KIND = { connection = "base", source = "source",
  target = "target", flow = "flow" }

local STEP = "tree "

--- The workspace a desired-state file is applied in by default: its
-- name without directory and `.lua` (`deploy/flows.lua` → `flows`).
-- @tparam string path
-- @treturn string
function managed.workspace_of(path)
  local base = path:match("([^/]*)$"):gsub("%.lua$", "")
  return base ~= "" and base or path
end

--- The workflow name of a workspace's record.
-- @tparam string workspace
-- @treturn string
function managed.workflow(workspace)
  return managed.PREFIX .. workspace
end

-- The trees of a document: name → kind → `{id, name, spec}`.
local function trees_of(doc)
  local out = {}
  for _, step in ipairs(doc and doc.steps or {}) do
    local name = step.name:match("^" .. STEP .. "(.*)$")
    if name then
      local t = {}
      for _, it in ipairs(step.intents or {}) do
        t[DESIRED_KIND[it.kind]] = { id = it.id, name = it.name,
          spec = it.spec }
      end
      out[name] = t
    end
  end
  return out
end

--- The trees a workspace's record holds, read without its lock (and
-- without creating a state store where there is none).
-- @tparam table c the client
-- @tparam string workspace
-- @treturn table tree name → desired kind → `{id, name, spec}` (`id`
--   nil for an entity whose create was not seen to land)
function managed.read(c, workspace)
  local store = known.store()
  if store == nil then return {} end
  return trees_of(store:load(journal.key(c, managed.workflow(workspace))))
end

local Record = { __name = "flowlua.fleet.managed" }
Record.__index = Record

--- Opens a workspace's record for an apply, holding its lock (a
-- "locked" error naming the holder when another process applies it).
-- @tparam table c the client
-- @tparam string workspace
-- @treturn table the record: `trees()`, `set`, `forget`, `save`, `close`
function managed.open(c, workspace)
  local j = journal.open(journal.key(c, managed.workflow(workspace)))
  return setmetatable({ journal = j }, Record)
end

--- The trees the record holds (as `managed.read`).
-- @treturn table
function Record:trees()
  return trees_of(self.journal.data)
end

local function step_of(j, tree)
  local step = j:ensure_step(STEP .. tree)
  step.intents = json.array(step.intents or {})
  return step
end

--- Records an entity of a tree (replacing what the record held for its
-- kind); the tree's step is `running` until `done`.
-- @tparam string tree the tree's name
-- @tparam string kind a desired kind (`base`, `source`, `target`, `flow`)
-- @tparam table e `{name, spec, id}` (`id` nil while it is being created)
function Record:set(tree, kind, e)
  local step = step_of(self.journal, tree)
  local jkind = JOURNAL_KIND[kind]
  local intent = { kind = jkind, name = e.name, spec = e.spec, id = e.id }
  step.state = "running"
  for i, it in ipairs(step.intents) do
    if it.kind == jkind then
      step.intents[i] = intent
      return
    end
  end
  step.intents[#step.intents + 1] = intent
end

--- Marks a tree's record complete.
-- @tparam string tree
function Record:done(tree)
  step_of(self.journal, tree).state = "done"
end

--- Removes an entity from a tree's record, or the whole tree.
-- @tparam string tree
-- @tparam[opt] string kind a desired kind; nil: the whole tree
function Record:forget(tree, kind)
  local steps = self.journal.data.steps
  for i, step in ipairs(steps) do
    if step.name == STEP .. tree then
      if kind == nil then table.remove(steps, i) return end
      for k, it in ipairs(step.intents or {}) do
        if it.kind == JOURNAL_KIND[kind] then
          table.remove(step.intents, k)
          break
        end
      end
      if #(step.intents or {}) == 0 then table.remove(steps, i) end
      return
    end
  end
end

--- Writes the record (durable when it returns); a record left with no
-- tree is dropped from the store.
function Record:save()
  local j = self.journal
  if #j.data.steps == 0 then j.store:forget(j.key) return end
  j:save()
end

--- Releases the record's lock.
function Record:close()
  self.journal:release()
end

return managed
