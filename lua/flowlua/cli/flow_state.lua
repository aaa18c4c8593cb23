--- `flowlua enable|disable [OPTIONS] [FLOW_ID...]`: bring many flows to
-- a state, chosen by id, by the service's own `property` filters, or all
-- (flowlua.fleet.trees.set_state). `--dry-run` prints every request it
-- would send. `flowlua.cli.enable` and `flowlua.cli.disable` are this
-- command with its verb.
-- @module flowlua.cli.flow_state

local options = require "flowlua.cli.options"
local service = require "flowlua.cli.service"
local trees = require "flowlua.fleet.trees"
local plan = require "flowlua.plan"
local json = require "flowlua.json"

local flow_state = {}

local STATE = { enable = "enabled", disable = "disabled" }

local function usage_of(verb)
  return ("usage: flowlua %s [--filter EXPR]... [--all] [--dry-run] [--json] "
    .. "[--emulator[=STATE]] [--sandbox S] [--profile P] [--config FILE] [-v] "
    .. "[FLOW_ID...]"):format(verb)
end

--- The options that choose flows (shared with `reschedule`).
flow_state.SELECTION = {
  { long = "--filter", key = "filter", value = "required", arg = "EXPR",
    multiple = true, help = "only flows matching the service's property "
      .. "filter, e.g. state==disabled or flowSpec.id==ID (repeat: all hold)" },
  { long = "--all", key = "all",
    help = "every flow of the sandbox (when no FLOW_ID or --filter is given)" },
}

local SPECS = service.specs{
  flow_state.SELECTION[1], flow_state.SELECTION[2],
  { long = "--dry-run", key = "dry_run",
    help = "print every request it would send; send nothing that changes" },
  { long = "--json", key = "json",
    help = "print one JSON document (steps, unchanged, drafts, missing)" },
}

local function help_of(verb)
  return usage_of(verb) .. ("\n\n%ss the flows named by id, matched by every "
    .. "--filter, or all of them\n(--all). A flow already %s is left alone; "
    .. "a draft is skipped (publish it\nfirst). A lost answer is settled by "
    .. "reading the flow back; re-running is\nharmless.\n\nOptions:\n")
    :format(verb:gsub("^%l", string.upper), STATE[verb])
    .. options.help(SPECS) .. [[


Exit status: 0 every flow chosen is in the state; 1 an error; 2 usage
error; 3 a draft was skipped or a FLOW_ID is not in the sandbox (or does
not match the filters).]]
end

local clean = service.clean

local function list_json(flows)
  local out = json.array()
  for i, f in ipairs(flows) do out[i] = { id = f.id, name = f.name } end
  return out
end

local function write_text(verb, outcome, steps, missing, dry_run)
  if dry_run then io.stdout:write(service.render_plan(steps), "\n") end
  for _, f in ipairs(outcome.draft) do
    io.stdout:write(("skipped flow %s \"%s\": a draft (publish it first)\n")
      :format(f.id, clean(f.name)))
  end
  for _, id in ipairs(missing) do
    io.stdout:write(("not found: flow %s\n"):format(clean(id)))
  end
  io.stdout:write(("%s: %d flow%s %s, %d already %s, %d draft%s skipped, %d "
    .. "not found\n"):format(verb, #steps, #steps == 1 and "" or "s",
    dry_run and ("to " .. verb) or STATE[verb], #outcome.unchanged,
    STATE[verb], #outcome.draft, #outcome.draft == 1 and "" or "s",
    #missing))
end

local function run(c, verb, opts)
  plan.reset()
  local flows, missing = trees.select_flows(c, opts.operands,
    opts.filter or {})
  local outcome, done = { unchanged = {}, draft = {} }, {}
  trees.set_state(flows, STATE[verb], function(f, what)
    if what == "changed" then
      done[#done + 1] = { action = verb, kind = "flow", id = f.id,
        name = f.name }
      if not opts.json and not opts.dry_run then
        io.stdout:write(("%s flow %s \"%s\"\n"):format(STATE[verb], f.id,
          clean(f.name)))
        io.stdout:flush()
      end
    else
      table.insert(outcome[what], f)
    end
  end)
  local steps = service.steps(opts.dry_run and plan.steps() or done)
  if opts.json then
    io.stdout:write(json.encode({ dry_run = opts.dry_run or false,
      steps = steps, unchanged = list_json(outcome.unchanged),
      drafts = list_json(outcome.draft), missing = json.array(missing) },
      { sort_keys = true }), "\n")
  else
    write_text(verb, outcome, steps, missing, opts.dry_run)
  end
  service.report_requests(c, verb)
  return (#outcome.draft > 0 or #missing > 0) and 3 or 0
end

--- Raises a usage error unless the options name flows one way: FLOW_IDs
-- and/or `--filter`s, or `--all` alone (a bare command must not act on a
-- whole sandbox by mistake).
-- @tparam table opts the parsed options
-- @tparam string usage the command's usage line
function flow_state.check_selection(opts, usage)
  if #opts.operands == 0 and not opts.filter and not opts.all then
    options.usage_error("name the flows: FLOW_ID..., --filter EXPR or "
      .. "--all", usage)
  end
  if opts.all and (#opts.operands > 0 or opts.filter) then
    options.usage_error("--all goes alone: without FLOW_ID or --filter",
      usage)
  end
end

--- The command for a verb.
-- @tparam string verb "enable" or "disable"
-- @treturn table a command module (`main(args)`)
function flow_state.command(verb)
  local usage = usage_of(verb)
  return { main = function(args)
    local opts = options.parse(args, SPECS, usage)
    if opts.help then print(help_of(verb)) return 0 end
    flow_state.check_selection(opts, usage)
    return service.with_client(opts, usage, function(c)
      return run(c, verb, opts)
    end, { dry_run = opts.dry_run or false })
  end }
end

return flow_state
