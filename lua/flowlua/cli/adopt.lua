--- `flowlua adopt FLOW_ID --as NAME`: bring a flow tree made elsewhere
-- under flowlua's state, as workflow NAME (flowlua.fleet.adopt), so that
-- the workflow's script, run later, updates that tree instead of
-- creating a second one.
-- @module flowlua.cli.adopt

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local adopt = require("flowlua.fleet.adopt")
local trees = require("flowlua.fleet.trees")
local json = require("flowlua.json")

local USAGE = "usage: flowlua adopt --as NAME [--dry-run] [--json] "
  .. service.USAGE .. " FLOW_ID"

local SPECS = service.specs{
  { "--as NAME", "the workflow that adopts the tree (the name its script "
    .. "gives flowlua.workflow)" },
  { "--dry-run", "show what would be adopted; write nothing" },
  options.json "workflow, entities, missing",
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Records the tree of FLOW_ID (its source and target connections, their base
connections, the flow) in the state of workflow NAME of this endpoint, org
and sandbox (the state store: --state, FLOWLUA_STATE, the profile's "state"
or .flowlua/state.db).
A later run of the script that
opens workflow NAME then uses these entities where it would create one of
the same kind and spec (of the same name first) instead of creating a
second tree. Adopting the same tree again changes nothing.]],
  after = [[
Exit status: 0 adopted (or adopted before); 1 an error: FLOW_ID is not
in the sandbox, an entity of the tree is already known to another
workflow, or NAME already has entities of its own; 2 usage error; 3
another process holds NAME's workflow (--wait-lock waits).]] }

local clean = service.clean

local function as_json(name, entries, fresh, missing, dry_run)
  local list = json.array()
  for i, e in ipairs(entries) do list[i] = e end
  return json.encode({ workflow = name, dry_run = dry_run, entities = list,
    adopted_now = #fresh, missing = json.array(missing) },
    { sort_keys = true })
end

local function write_text(name, entries, fresh, missing, dry_run)
  local new = {}
  for _, e in ipairs(fresh) do new[e.id] = true end
  for _, e in ipairs(entries) do
    io.stdout:write(("%s %s %s \"%s\"\n"):format(new[e.id] and (dry_run
      and "would adopt" or "adopted") or "known", trees.WORDS[e.kind], e.id,
      clean(e.name)))
  end
  for _, id in ipairs(missing) do
    io.stdout:write(("missing %s (named by the tree, not in the sandbox)\n")
      :format(clean(id)))
  end
  io.stdout:write(("adopt: %d entit%s %s by workflow \"%s\"\n"):format(
    #fresh, #fresh == 1 and "y" or "ies", dry_run and "to be adopted"
      or "adopted", clean(name)))
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  if #opts.operands ~= 1 then
    options.usage_error("give exactly one FLOW_ID", USAGE)
  end
  if opts.as == nil or opts.as == "" then
    options.usage_error("--as NAME is required", USAGE)
  end
  return service.with_client(opts, USAGE, function(c)
    local flow_id = opts.operands[1]
    local entries, missing = adopt.tree(c, flow_id)
    service.report_requests(c, "adopt")
    if entries == nil then
      io.stderr:write(("flowlua: no flow %s in sandbox %s\n"):format(
        clean(flow_id), clean(c.settings.sandbox)))
      -- 1 like any error naming what was wrong: 3 means a held lock.
      return 1
    end
    local fresh = adopt.record(c, entries, opts.as,
      { dry_run = opts.dry_run })
    if opts.json then
      io.stdout:write(as_json(opts.as, entries, fresh, missing,
        opts.dry_run or false), "\n")
    else
      write_text(opts.as, entries, fresh, missing, opts.dry_run)
    end
    return 0
  end)
end

return cmd
