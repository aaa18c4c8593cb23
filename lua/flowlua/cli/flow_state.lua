--- `flowlua enable|disable [OPTIONS] [FLOW_ID...]`: bring many flows to
-- a state, chosen by id, by the service's own `property` filters, or all
-- (flowlua.fleet.trees.set_state). `--dry-run` prints every request it
-- would send. `flowlua.cli.enable` and `flowlua.cli.disable` are this
-- command with its verb.
-- @module flowlua.cli.flow_state

local service = require("flowlua.cli.service")
local tree_command = require("flowlua.cli.tree_command")
local tree_options = require("flowlua.cli.tree_options")
local trees = require("flowlua.fleet.trees")

local flow_state = {}

local STATE = { enable = "enabled", disable = "disabled" }

local SPECS = service.specs{ tree_options.SELECTION[1],
  tree_options.SELECTION[2], table.unpack(tree_options.specs{
    dry_run = "print every request it would send; send nothing that changes",
    json = "steps, unchanged, drafts, missing" }) }

local ABOUT = [[
%ss the flows named by id, matched by every --filter, or all of them
(--all). A flow already %s is left alone; a draft is skipped (publish it
first). A lost answer is settled by reading the flow back; re-running is
harmless. With --concurrency N, N flows are changed at once.]]

local EXIT_STATUS = [[
Exit status: 0 every flow chosen is in the state; 1 an error; 2 usage
error; 3 a draft was skipped or a FLOW_ID is not in the sandbox (or does
not match the filters).]]

local clean = service.clean

local function notes(drafts)
  local out = {}
  for i, f in ipairs(drafts) do
    out[i] = ("skipped flow %s \"%s\": a draft (publish it first)")
      :format(f.id, clean(f.name))
  end
  return out
end

local function summary(verb, outcome, missing, dry_run)
  return function(steps)
    return ("%s: %d flow%s %s, %d already %s, %d draft%s skipped, %d not "
      .. "found"):format(verb, #steps, #steps == 1 and "" or "s",
      dry_run and ("to " .. verb) or STATE[verb], #outcome.unchanged,
      STATE[verb], #outcome.draft, #outcome.draft == 1 and "" or "s",
      #missing)
  end
end

local function change(c, opts, verb, progress)
  local outcome, missing = tree_command.change_flows(c, opts, progress,
    function(flows, done, concurrency)
      trees.set_state(flows, STATE[verb], done, concurrency)
    end, function(f)
      return ("%s flow %s \"%s\""):format(STATE[verb], f.id, clean(f.name))
    end)
  outcome.draft = outcome.draft or {}
  return { done = tree_command.flow_steps(verb, outcome.changed),
    missing = missing, skipped = #outcome.draft > 0,
    json = { unchanged = tree_command.flows_json(outcome.unchanged),
      drafts = tree_command.flows_json(outcome.draft) },
    notes = notes(outcome.draft),
    summary = summary(verb, outcome, missing, opts.dry_run) }
end

--- The command for a verb.
-- @tparam string verb "enable" or "disable"
-- @treturn table a command module (`main(args)`)
function flow_state.command(verb)
  local usage = ("usage: flowlua %s [--filter EXPR]... [--all] %s %s "
    .. "[FLOW_ID...]"):format(verb, tree_options.USAGE, service.USAGE)
  return tree_command.new{ name = verb, usage = usage, options = SPECS,
    about = ABOUT:format(verb:gsub("^%l", string.upper), STATE[verb]),
    after = EXIT_STATUS, change = change,
    check = function(opts)
      tree_options.check_selection(opts, usage)
      return verb
    end }
end

return flow_state
