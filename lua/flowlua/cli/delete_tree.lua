--- `flowlua delete-tree [OPTIONS] FLOW_ID...`: delete flow trees, the
-- flow first, then its source and target connections, then their base
-- connections; a connection another flow or connection uses is kept
-- (flowlua.fleet.trees). `--dry-run` prints every request it would send.
-- @module flowlua.cli.delete_tree

local options = require "flowlua.cli.options"
local service = require "flowlua.cli.service"
local tree_options = require "flowlua.cli.tree_options"
local tree_progress = require "flowlua.cli.tree_progress"
local trees = require "flowlua.fleet.trees"
local plan = require "flowlua.plan"
local json = require "flowlua.json"

local cmd = {}

local USAGE = "usage: flowlua delete-tree " .. tree_options.USAGE
  .. " " .. service.USAGE .. " "
  .. "FLOW_ID..."

local SPECS = service.specs(tree_options.specs{
  dry_run = "print every request it would send; send no DELETE",
  json = "steps, kept, missing" })

local HELP = USAGE .. [[


Deletes the tree of each flow: the flow, then its source and target
connections, then their base connections. A connection that another flow
(or another source or target connection) uses is kept and named. A lost
answer is settled by reading the entity back; re-running is harmless.
With --concurrency N, N deletes are sent at once: the flows first, then
their source and target connections, then the base connections.

Options:
]] .. options.help(SPECS) .. [[


Exit status: 0 every tree was deleted; 1 an error (what was deleted
before it is printed); 2 usage error; 3 a FLOW_ID is not in the sandbox
(the other trees were deleted).]]

local clean = service.clean

local function print_kept(p, stream)
  for _, k in ipairs(p.kept) do
    stream:write(("kept %s %s \"%s\": %s\n"):format(trees.WORDS[k.kind],
      k.id, clean(k.name), clean(k.reason)))
  end
  for _, id in ipairs(p.missing) do
    stream:write(("not found: flow %s\n"):format(clean(id)))
  end
end

local function summary(p, dry_run)
  return ("delete-tree: %d tree%s, %d entit%s %s, %d kept (shared), %d not "
    .. "found"):format(p.flows, p.flows == 1 and "" or "s", #p.order,
    #p.order == 1 and "y" or "ies", dry_run and "to delete" or "deleted",
    #p.kept, #p.missing)
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

local function run(c, ids, opts, concurrency)
  plan.reset()
  local p = trees.plan_delete(c, ids)
  p.flows = 0
  for _, e in ipairs(p.order) do
    if e.kind == "flow" then p.flows = p.flows + 1 end
  end
  local deleted, shown = {}, not opts.json and not opts.dry_run
  tree_progress.around("delete-tree", #p.order, function(step)
    trees.delete(p, function(e)
      deleted[e] = true
      step(shown and ("deleted %s %s \"%s\""):format(trees.WORDS[e.kind],
        e.id, clean(e.name)) or nil)
    end, concurrency)
  end)
  local done = deleted_steps(p, deleted)
  local steps = service.steps(opts.dry_run and plan.steps() or done)
  if opts.json then
    io.stdout:write(json.encode({ dry_run = opts.dry_run or false,
      steps = steps, kept = kept_json(p),
      missing = json.array(p.missing) }, { sort_keys = true }), "\n")
  else
    if opts.dry_run then io.stdout:write(service.render_plan(steps), "\n") end
    print_kept(p, io.stdout)
    io.stdout:write(summary(p, opts.dry_run), "\n")
  end
  service.report_requests(c, "delete-tree")
  return #p.missing > 0 and 3 or 0
end

--- Runs the command.
-- @tparam table args the arguments after `delete-tree`
-- @treturn integer exit status
function cmd.main(args)
  local opts = options.parse(args, SPECS, USAGE)
  if opts.help then print(HELP) return 0 end
  if #opts.operands == 0 then options.usage_error("no FLOW_ID given", USAGE) end
  local concurrency = tree_options.concurrency(opts, USAGE)
  return service.with_client(opts, USAGE, function(c)
    return run(c, opts.operands, opts, concurrency)
  end, { dry_run = opts.dry_run or false })
end

return cmd
