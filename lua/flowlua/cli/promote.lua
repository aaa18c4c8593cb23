--- `flowlua promote --from SANDBOX --to SANDBOX FLOW_ID...`: make the
-- flow trees of one sandbox again in another, as drafts, parents first,
-- each entity once (flowlua.fleet.promote).
-- @module flowlua.cli.promote

local options = require "flowlua.cli.options"
local service = require "flowlua.cli.service"
local columns = require "flowlua.cli.columns"
local promote = require "flowlua.fleet.promote"
local trees = require "flowlua.fleet.trees"
local client_mod = require "flowlua.client"
local progress = require "flowlua.workflow.progress"
local runtime = require "flowlua.runtime"
local json = require "flowlua.json"

local cmd = {}

local USAGE = "usage: flowlua promote --from SANDBOX --to SANDBOX "
  .. "[--dry-run] [--json] [--emulator[=STATE]] [--profile P] "
  .. "[--config FILE] [-v] FLOW_ID..."

local OWN = {
  { long = "--from", key = "from", value = "required", arg = "SANDBOX",
    help = "the sandbox the trees are read in" },
  { long = "--to", key = "to", value = "required", arg = "SANDBOX",
    help = "the sandbox the drafts are made in" },
  { long = "--dry-run", key = "dry_run",
    help = "print every request it would send, with its body; send none" },
  { long = "--json", key = "json",
    help = "print one JSON document (entities, counts)" },
}

-- The service options but --sandbox: --from and --to name both.
local function specs()
  local out = {}
  for _, s in ipairs(service.specs(OWN)) do
    if s.long ~= "--sandbox" then out[#out + 1] = s end
  end
  return out
end
local SPECS = specs()

local HELP = USAGE .. [[


Reads the tree of each FLOW_ID in sandbox --from (the flow, its source
connections and their base connections, its target connections and
theirs) and creates its four kinds of entities again in sandbox --to, as
drafts (?mode=draft), parents first. Each entity is created once: the
creates are the steps of workflow "promote from SANDBOX" in the target
sandbox's state (--state, FLOWLUA_STATE or .flowlua/state.db), so a lost
answer or a killed run never makes a second copy, and running promote
again creates nothing and lists what exists.

Options:
]] .. options.help(SPECS) .. [[


Exit status: 0 the drafts exist; 1 an error; 2 usage error; 3 a FLOW_ID
is not in sandbox --from (nothing was created).]]

local clean = service.clean

local PATHS = { connection = "/connections", source = "/sourceConnections",
  target = "/targetConnections", flow = "/flows" }

local function request_of(kind)
  return "POST " .. client_mod.BASE_PATH .. PATHS[kind] .. "?mode=draft"
end

-- One row of the outcome: the source entity and its copy.
local function row(e, copy, outcome)
  return { kind = e.kind, from_id = e.id, id = copy.id, name = e.name,
    outcome = outcome, request = request_of(e.kind) }
end

local function counts(rows)
  local n = { created = 0, existed = 0, planned = 0 }
  for _, r in ipairs(rows) do n[r.outcome] = n[r.outcome] + 1 end
  return n
end

local KIND_WORDS = { connection = "base", source = "source",
  target = "target", flow = "flow" }

local function table_text(rows, opts)
  local out = { { "KIND", "FROM " .. clean(opts.from), "TO "
    .. clean(opts.to), "OUTCOME", "NAME" } }
  for _, r in ipairs(rows) do
    out[#out + 1] = { KIND_WORDS[r.kind], r.from_id,
      r.outcome == "planned" and "-" or clean(r.id), r.outcome,
      clean(r.name) }
  end
  return columns(out)
end

local function plan_text(rows)
  local planned = counts(rows).planned
  local lines = { ("Plan (dry run, nothing was changed): %d step%s")
    :format(planned, planned == 1 and "" or "s") }
  local n = 0
  for _, r in ipairs(rows) do
    if r.outcome == "planned" then
      n = n + 1
      lines[#lines + 1] = ('%3d. create draft %s "%s" (from %s)'):format(
        n, trees.WORDS[r.kind], clean(r.name), r.from_id)
      lines[#lines + 1] = "       " .. r.request
      lines[#lines + 1] = "       " .. json.encode(r.body,
        { sort_keys = true })
    end
  end
  return table.concat(lines, "\n")
end

local function summary(set, rows, opts)
  local n = counts(rows)
  return ("promote %s -> %s: %d tree%s, %d entit%s: %d %s, %d existed")
    :format(clean(opts.from), clean(opts.to), #set.flows,
      #set.flows == 1 and "" or "s", #rows, #rows == 1 and "y" or "ies",
      opts.dry_run and n.planned or n.created,
      opts.dry_run and "to create" or "created", n.existed)
end

local function write_json(set, rows, opts)
  local list = json.array()
  for i, r in ipairs(rows) do list[i] = r end
  io.stdout:write(json.encode({ from = opts.from, to = opts.to,
    dry_run = opts.dry_run or false, trees = #set.flows, entities = list,
    counts = counts(rows),
    workflow = promote.workflow_name(opts.from) }, { sort_keys = true }),
    "\n")
end

local function refuse_unread(c, missing, dangling)
  if #missing > 0 then
    for i, id in ipairs(missing) do missing[i] = clean(id) end
    io.stderr:write(("flowlua: no flow %s in sandbox %s; nothing was "
      .. "created\n"):format(table.concat(missing, ", "),
      clean(c.settings.sandbox)))
    return 3
  end
  local first = dangling[1]
  if first then
    error(("%s %s \"%s\" names %s, which sandbox %s does not hold; "
      .. "nothing was created"):format(trees.WORDS[first.by.kind],
      first.by.id, clean(first.by.name), clean(first.id),
      clean(c.settings.sandbox)), 0)
  end
end

-- The workflow's step lines are the table's rows: shown under -v only.
local function quiet_progress()
  if runtime.verbose then return end
  progress.configure{ live = false, stream = { write = function() end,
    flush = function() end } }
end

local function run(src, opts)
  quiet_progress()
  local set, missing, dangling = promote.read(src, opts.operands)
  local refused = refuse_unread(src, missing, dangling)
  if refused then return refused end
  local dst = require("flowlua").connect{ sandbox = opts.to,
    dry_run = opts.dry_run or false }
  local rows = {}
  promote.run(dst, set, { from = opts.from, spec_client = src,
    report = function(e, copy, outcome)
      local r = row(e, copy, outcome)
      if dst.dry_run and outcome == "created" then
        r.outcome, r.id = "planned", nil
        local step = require("flowlua.plan").steps()
        r.body = step[#step].body   -- already redacted
      end
      rows[#rows + 1] = r
    end })
  if opts.json then write_json(set, rows, opts)
  else
    if opts.dry_run then io.stdout:write(plan_text(rows), "\n") end
    io.stdout:write(table_text(rows, opts), "\n", summary(set, rows, opts),
      "\n")
  end
  service.report_requests(src, "promote (reads in " .. opts.from .. ")")
  service.report_requests(dst, "promote (in " .. opts.to .. ")")
  return 0
end

--- Runs the command.
-- @tparam table args the arguments after `promote`
-- @treturn integer exit status
function cmd.main(args)
  local opts = options.parse(args, SPECS, USAGE)
  if opts.help then print(HELP) return 0 end
  if opts.from == nil or opts.from == "" or opts.to == nil
      or opts.to == "" then
    options.usage_error("--from SANDBOX and --to SANDBOX are required", USAGE)
  end
  if opts.from == opts.to then
    options.usage_error("--from and --to name the same sandbox", USAGE)
  end
  if #opts.operands == 0 then options.usage_error("no FLOW_ID given", USAGE) end
  opts.sandbox = nil
  require("flowlua.plan").reset()
  return service.with_client(opts, USAGE, function(src)
    return run(src, opts)
  end, { sandbox = opts.from })
end

return cmd
