--- Entities a workflow adopted (`flowlua adopt FLOW_ID --as NAME`): a
-- tree made elsewhere, recorded in the workflow's journal under
-- `adopted` until the workflow's steps claim it. A create inside a step
-- that matches no intent of its own takes the first adopted entity of
-- the same kind and spec (of the same name, if there is one), so a later
-- run of the workflow's script uses the adopted tree instead of creating
-- a second one.
--
--     "adopted": [ {"kind": "connection", "id": "...", "name": "...",
--                   "spec": "<spec id>", "flow": "<the adopted flow>"} ]
-- @module flowlua.workflow.adopted

local json = require("flowlua.json")

local adopted = {}

local KINDS = { connection = true, source = true, target = true, flow = true }

--- The adopted entities not yet claimed by a step.
-- @tparam table journal an open journal (flowlua.workflow.journal)
-- @treturn table list of `{kind, id, name, spec, flow}`
function adopted.list(journal)
  local list = journal.data.adopted
  if type(list) ~= "table" then return {} end
  local out = {}
  for _, a in ipairs(list) do
    if type(a) == "table" and KINDS[a.kind] and type(a.id) == "string" then
      out[#out + 1] = a
    end
  end
  return out
end

--- Records entities as adopted (the caller saves the journal).
-- @tparam table journal an open journal
-- @tparam table entries list of `{kind, id, name, spec, flow}`
function adopted.record(journal, entries)
  local list = json.array(adopted.list(journal))
  for _, e in ipairs(entries) do list[#list + 1] = e end
  journal.data.adopted = list
end

--- Takes (removes and returns) the adopted entity a create matches: same
-- kind and spec, the same name first; nil when none does.
-- @tparam table journal an open journal
-- @tparam string kind
-- @tparam string name the name the create gives
-- @tparam string spec_id
-- @treturn table|nil `{kind, id, name, spec, flow}`
function adopted.take(journal, kind, name, spec_id)
  local list = adopted.list(journal)
  local pick
  for i, a in ipairs(list) do
    if a.kind == kind and a.spec == spec_id then
      if a.name == name then pick = i break end
      pick = pick or i
    end
  end
  if pick == nil then return nil end
  local taken = table.remove(list, pick)
  journal.data.adopted = json.array(list)
  return taken
end

return adopted
