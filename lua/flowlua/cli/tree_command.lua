--- What the tree operation commands (`delete-tree`, `enable`, `disable`,
-- `reschedule`) do alike around their own change: parse and check the
-- options, connect, change under a progress line, then print the steps
-- sent (or, in a dry run, the plan of those it would send) as text or as
-- one JSON document, the flows not found, a summary line, and exit 3 when
-- a flow was not found or skipped.
-- @module flowlua.cli.tree_command

local command = require("flowlua.cli.command")
local service = require("flowlua.cli.service")
local tree_options = require("flowlua.cli.tree_options")
local tree_progress = require("flowlua.cli.tree_progress")
local trees = require("flowlua.fleet.trees")
local plan = require("flowlua.plan")
local json = require("flowlua.json")

local tree_command = {}

-- `progress(total, operation)` for a command's change: runs
-- `operation(step, concurrency)` under the progress line; `step(line)`
-- counts an item done and prints its line unless the output is JSON or
-- a plan.
local function progress_for(name, opts, concurrency)
  local shown = not opts.json and not opts.dry_run
  return function(total, operation)
    tree_progress.around(name, total, function(step)
      operation(function(line) step(shown and line or nil) end, concurrency)
    end)
  end
end

local function write_text(outcome, steps, dry_run)
  if dry_run then io.stdout:write(service.render_plan(steps), "\n") end
  for _, line in ipairs(outcome.notes or {}) do
    io.stdout:write(line, "\n")
  end
  for _, id in ipairs(outcome.missing) do
    io.stdout:write(("not found: flow %s\n"):format(service.clean(id)))
  end
  io.stdout:write(outcome.summary(steps), "\n")
end

local function report(c, op, opts, outcome)
  local steps = service.steps(opts.dry_run and plan.steps() or outcome.done)
  if opts.json then
    local doc = outcome.json
    doc.dry_run, doc.steps = opts.dry_run or false, steps
    doc.missing = json.array(outcome.missing)
    io.stdout:write(json.encode(doc, { sort_keys = true }), "\n")
  else
    write_text(outcome, steps, opts.dry_run)
  end
  service.report_requests(c, op.name)
  return (outcome.skipped or #outcome.missing > 0) and 3 or 0
end

--- The flows the options name (FLOW_IDs, `--filter`s or `--all`), each
-- changed through `apply(flows, done, concurrency)` (trees.set_state,
-- trees.reschedule) under the progress line, which shows `line_of(flow)`
-- for each flow changed.
-- @tparam table c the client
-- @tparam table opts the parsed options
-- @tparam function progress `change`'s
-- @tparam function apply calls `done(flow, outcome, detail)` for each flow
-- @tparam function line_of the line of a flow changed
-- @treturn table the flows by outcome (`changed`, `unchanged`, and any
--   other `apply` gives), each list in the selection's order whatever the
--   concurrency
-- @treturn table the ids not found
-- @treturn table each flow's detail (what `apply` gave with its outcome)
function tree_command.change_flows(c, opts, progress, apply, line_of)
  local flows, missing = trees.select_flows(c, opts.operands,
    opts.filter or {})
  local outcome_of, detail_of = {}, {}
  progress(#flows, function(step, concurrency)
    apply(flows, function(f, outcome, detail)
      outcome_of[f], detail_of[f] = outcome, detail
      step(outcome == "changed" and line_of(f) or nil)
    end, concurrency)
  end)
  local by_outcome = { changed = {}, unchanged = {} }
  for _, f in ipairs(flows) do
    local outcome = outcome_of[f]
    if outcome then
      by_outcome[outcome] = by_outcome[outcome] or {}
      table.insert(by_outcome[outcome], f)
    end
  end
  return by_outcome, missing, detail_of
end

--- Flows as the JSON document lists them: id and name.
-- @tparam table flows
-- @treturn table a JSON array
function tree_command.flows_json(flows)
  local out = json.array()
  for i, f in ipairs(flows) do out[i] = { id = f.id, name = f.name } end
  return out
end

--- The steps sent to flows, as `change` returns them in `done`.
-- @tparam string action e.g. "enable", "update"
-- @tparam table flows
-- @tparam[opt] table ops_of each flow's JSON Patch
-- @treturn table `{action, kind = "flow", id, name, ops}` for each flow
function tree_command.flow_steps(action, flows, ops_of)
  local out = {}
  for i, f in ipairs(flows) do
    out[i] = { action = action, kind = "flow", id = f.id, name = f.name,
      ops = ops_of and ops_of[f] }
  end
  return out
end

--- Declares a tree operation command (flowlua.cli.command).
-- @tparam table op as flowlua.cli.command.new takes it (`usage`,
--   `options`, `about`, `after`), with `name` (for the progress line and
--   `-v`), `check(opts)` (raises a usage error; what it returns reaches
--   `change`) and `change(c, opts, want, progress)`, which runs the change
--   through `progress(total, operation)` and returns `{done = the steps
--   sent, missing = ids not found, json = the JSON document's own fields,
--   notes = lines to print before those not found, summary =
--   function(steps) giving the last line, skipped = true when a flow was
--   left out}`
-- @treturn table the command
function tree_command.new(op)
  local cmd = command.new(op)
  function cmd.run(opts)
    local want = op.check(opts)
    local concurrency = tree_options.concurrency(opts, op.usage)
    return service.with_client(opts, op.usage, function(c)
      plan.reset()
      local outcome = op.change(c, opts, want,
        progress_for(op.name, opts, concurrency))
      return report(c, op, opts, outcome)
    end, { dry_run = opts.dry_run or false })
  end
  return cmd
end

return tree_command
