--- `flowlua delete-tree [OPTIONS] FLOW_ID...`: delete flow trees, the
-- flow first, then its source and target connections, then their base
-- connections; a connection another flow or connection uses is kept
-- (flowlua.fleet.trees). `--dry-run` prints every request it would send.
-- @module flowlua.cli.delete_tree

local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local tree_command = require("flowlua.cli.tree_command")
local tree_options = require("flowlua.cli.tree_options")
local trees = require("flowlua.fleet.trees")
local json = require("flowlua.json")

local USAGE = "usage: flowlua delete-tree " .. tree_options.USAGE
  .. " " .. service.USAGE .. " FLOW_ID..."

local SPECS = service.specs(tree_options.specs{
  dry_run = "print every request it would send; send no DELETE",
  json = "steps, kept, missing" })

local ABOUT = [[
Deletes the tree of each flow: the flow, then its source and target
connections, then their base connections. A connection that another flow
(or another source or target connection) uses is kept and named. A lost
answer is settled by reading the entity back; re-running is harmless.
With --concurrency N, N deletes are sent at once: the flows first, then
their source and target connections, then the base connections.]]

local EXIT_STATUS = [[
Exit status: 0 every tree was deleted; 1 an error (what was deleted
before it is printed); 2 usage error; 3 a FLOW_ID is not in the sandbox
(the other trees were deleted).]]

local clean = service.clean

local function kept_lines(p)
  local out = {}
  for i, k in ipairs(p.kept) do
    out[i] = ("kept %s %s \"%s\": %s"):format(trees.WORDS[k.kind], k.id,
      clean(k.name), clean(k.reason))
  end
  return out
end

local function summary(p, dry_run)
  return function()
    return ("delete-tree: %d tree%s, %d entit%s %s, %d kept (shared), %d "
      .. "not found"):format(p.flows, p.flows == 1 and "" or "s", #p.order,
      #p.order == 1 and "y" or "ies", dry_run and "to delete" or "deleted",
      #p.kept, #p.missing)
  end
end

local function kept_json(p)
  local out = json.array()
  for i, k in ipairs(p.kept) do out[i] = k end
  return out
end

-- What was deleted, in the plan's order whatever the concurrency.
local function deleted_steps(p, deleted)
  local done = {}
  for _, e in ipairs(p.order) do
    if deleted[e] then
      done[#done + 1] = { action = "delete", kind = e.kind, id = e.id,
        name = e.name }
    end
  end
  return done
end

local function change(c, opts, _, progress)
  local p = trees.plan_delete(c, opts.operands)
  p.flows = 0
  for _, e in ipairs(p.order) do
    if e.kind == "flow" then p.flows = p.flows + 1 end
  end
  local deleted = {}
  progress(#p.order, function(step, concurrency)
    trees.delete(p, function(e)
      deleted[e] = true
      step(("deleted %s %s \"%s\""):format(trees.WORDS[e.kind], e.id,
        clean(e.name)))
    end, concurrency)
  end)
  return { done = deleted_steps(p, deleted), missing = p.missing,
    json = { kept = kept_json(p) }, notes = kept_lines(p),
    summary = summary(p, opts.dry_run) }
end

local cmd = tree_command.new{ name = "delete-tree", usage = USAGE,
  options = SPECS, about = ABOUT, after = EXIT_STATUS, change = change,
  check = function(opts)
    if #opts.operands == 0 then
      options.usage_error("no FLOW_ID given", USAGE)
    end
  end }

return cmd
