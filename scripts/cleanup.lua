-- cleanup.lua: delete what a workflow created, children first.
--
-- Reads the workflow's record in the state store (.flowlua/state.db, or
-- --state; the record of this endpoint, org and sandbox) and deletes
-- its entities in reverse dependency order: dataflows, then source and
-- target connections, then base connections (the service refuses to
-- delete a base connection a flow still uses). Entities already gone are
-- skipped. The record is removed once everything is deleted, so running
-- the workflow again starts afresh.
--
--   flowlua run --emulator scripts/cleanup.lua onboarding-ACME
--   flowlua run scripts/cleanup.lua bulk-demo-001 bulk-demo-002 ...
--   flowlua run scripts/cleanup.lua --prefix bulk-demo-     every match
--   flowlua run --dry-run scripts/cleanup.lua onboarding-ACME   plan only

local flowlua = require("flowlua")
local journal = require("flowlua.workflow.journal")
local runtime = require("flowlua.runtime")

local COLLECTION = { connection = "connections", source = "source_connections",
  target = "target_connections", flow = "flows" }

-- The workflows of this client's target whose names start with prefix.
local function names_with_prefix(aep, prefix)
  local target = journal.key(aep, "")
  local out = {}
  for _, r in ipairs(journal.store(journal.location()):list()) do
    local k = r.key
    if k.endpoint == target.endpoint and k.org == target.org
        and k.sandbox == target.sandbox
        and k.workflow:sub(1, #prefix) == prefix then
      out[#out + 1] = k.workflow
    end
  end
  return out
end

local aep = flowlua.connect()
local args = { ... }
local names = args
if args[1] == "--prefix" then
  if not args[2] then error("--prefix needs a value", 0) end
  names = names_with_prefix(aep, args[2])
end
if #names == 0 then
  io.stderr:write("usage: flowlua run scripts/cleanup.lua WORKFLOW... | "
    .. "--prefix PREFIX\n")
  os.exit(2)
end

local verb = runtime.dry_run and "would delete" or "deleted"
local deleted = 0
for _, name in ipairs(names) do
  local wf = flowlua.workflow(name, { client = aep })
  for _, it in ipairs(wf:entities()) do
    local e = aep[COLLECTION[it.kind]]:get(it.id)
    if e then
      e:delete()
      deleted = deleted + 1
      print(("%s %s %s %q"):format(verb, it.kind, it.id, tostring(it.name)))
    end
  end
  wf:forget()
end
print(("cleanup: %d entit%s %s from %d workflow%s"):format(deleted,
  deleted == 1 and "y" or "ies", runtime.dry_run and "to delete" or "deleted",
  #names, #names == 1 and "" or "s"))
