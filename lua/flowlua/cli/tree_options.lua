--- The options the tree operations share (`delete-tree`, `enable`,
-- `disable`, `reschedule`): `--dry-run`, `--json`, `--concurrency`, and
-- the selection of flows (`--filter`, `--all`) with its check.
-- @module flowlua.cli.tree_options

local options = require("flowlua.cli.options")

local tree_options = {}

--- Trees (or flows) changed at once unless `--concurrency` says otherwise.
tree_options.CONCURRENCY = 1

--- The options' part of a usage line.
tree_options.USAGE = "[--dry-run] [--json] [--concurrency N]"

--- The options that choose flows (enable, disable, reschedule).
tree_options.SELECTION = options.define_all{
  { "--filter EXPR", "only flows matching the service's property filter, "
    .. "e.g. state==disabled or flowSpec.id==ID (repeat: all hold)",
    multiple = true },
  { "--all",
    "every flow of the sandbox (when no FLOW_ID or --filter is given)" },
}

--- `--dry-run`, `--json` and `--concurrency`, with a command's own words.
-- @tparam table words `{dry_run = help of --dry-run, json = what the JSON
--   document holds}`
-- @treturn table three options
function tree_options.specs(words)
  return {
    { "--dry-run", words.dry_run },
    options.json(words.json),
    { "--concurrency N", ("independent trees changed at once, 1 to 64 "
      .. "(default %d; a dry run goes one by one)")
      :format(tree_options.CONCURRENCY) },
  }
end

--- The number of trees to change at once: `--concurrency` checked (a
-- usage error unless an integer from 1 to 64); 1 in a dry run, whose
-- steps are listed in order.
-- @tparam table opts the parsed options
-- @tparam string usage the command's usage line
-- @treturn integer
function tree_options.concurrency(opts, usage)
  if opts.concurrency == nil then return tree_options.CONCURRENCY end
  local n = math.tointeger(tonumber(opts.concurrency))
  if n == nil or n < 1 or n > 64 then
    options.usage_error("--concurrency must be an integer from 1 to 64",
      usage)
  end
  return opts.dry_run and 1 or n
end

--- Raises a usage error unless the options name flows one way: FLOW_IDs
-- and/or `--filter`s, or `--all` alone (a bare command must not act on a
-- whole sandbox by mistake).
-- @tparam table opts the parsed options
-- @tparam string usage the command's usage line
function tree_options.check_selection(opts, usage)
  if #opts.operands == 0 and not opts.filter and not opts.all then
    options.usage_error("name the flows: FLOW_ID..., --filter EXPR or "
      .. "--all", usage)
  end
  if opts.all and (#opts.operands > 0 or opts.filter) then
    options.usage_error("--all goes alone: without FLOW_ID or --filter",
      usage)
  end
end

return tree_options
