--- `flowlua promote --from SANDBOX --to SANDBOX FLOW_ID...`: make the
-- flow trees of one sandbox again in another, as drafts, parents first,
-- each entity once (flowlua.fleet.promote).
-- @module flowlua.cli.promote

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local columns = require("flowlua.cli.columns")
local promote_view = require("flowlua.cli.promote_view")
local term = require("flowlua.cli.term")
local promote = require("flowlua.fleet.promote")
local promote_map = require("flowlua.fleet.promote_map")
local promote_secrets = require("flowlua.fleet.promote_secrets")
local trees = require("flowlua.fleet.trees")
local client_mod = require("flowlua.client")
local progress = require("flowlua.workflow.progress")
local runtime = require("flowlua.runtime")
local json = require("flowlua.json")

local USAGE = "usage: flowlua promote --from SANDBOX --to SANDBOX "
  .. "[--map FILE] [--secrets FILE] [--dry-run] [--json] "
  .. "[--emulator[=STATE]] [--profile P] "
  .. "[--config FILE] [-v] FLOW_ID..."

local OWN = {
  { "--from SANDBOX", "the sandbox the trees are read in" },
  { "--to SANDBOX", "the sandbox the drafts are made in" },
  { "--map FILE", "the ids of datasets, schemas, mapping sets and keys in "
    .. "--to for those in --from (default " .. promote_map.DEFAULT
    .. "; missing ids are added to it, empty)", default = promote_map.DEFAULT },
  { "--secrets FILE", "secrets by entity name and field (JSON, or Lua "
    .. "returning a table); else FLOWLUA_SECRET_<NAME>_<FIELD> from the "
    .. "environment" },
  { "--dry-run",
    "print every request it would send, with its body; send none" },
  options.json "entities, counts",
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

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Reads the tree of each FLOW_ID in sandbox --from (the flow, its source
connections and their base connections, its target connections and
theirs) and creates its four kinds of entities again in sandbox --to, as
drafts (?mode=draft), parents first. Each entity is created once: the
creates are the steps of workflow "promote from SANDBOX" in the target
sandbox's state (--state, FLOWLUA_STATE or .flowlua/state.db), so a lost
answer or a killed run never makes a second copy, and running promote
again creates nothing and lists what exists.

Ids that name things of one sandbox (datasets and schemas in connection
params and data, mapping sets and encryption keys in flow transformations)
are replaced through the mapping file (--map). When an id has no value
there, promote adds it to the file with an empty value, creates nothing
and exits 5: fill the values in (a mapping set may be {"id": ...,
"version": N}) and run it again. A mapping file is for one pair of
sandboxes (it holds "from" and "to"): give each pair its own.

Secret fields (those the connection spec marks "format": "password"),
which the service never returns, are taken by the entity's name in --from
and the field's name from --secrets FILE ({"NAME": {"FIELD": "..."}}) or
from the environment: FLOWLUA_SECRET_<NAME>_<FIELD>, upper case, each run
of other characters than letters and digits as one _ (a base connection
"acme base" with field password: FLOWLUA_SECRET_ACME_BASE_PASSWORD). A
secret not given is left out: the draft waits for it, and the summary
names it. Secrets are never printed or stored.

On a terminal the entities are drawn as their trees (flow, its source
and target connections, their base connections), outcomes in colour
unless NO_COLOR is set; through a pipe or into a file, a plain table.]],
  after = [[
Exit status: 0 the drafts exist; 1 an error (a FLOW_ID not in sandbox
--from among them); 2 usage error; 3 another process is promoting from
--from into --to (--wait-lock waits for it); 5 ids to map were added to
the mapping file (nothing was created in any of these cases).]] }

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

local function cells(r)
  return { KIND_WORDS[r.kind], clean(r.from_id),
    r.outcome == "planned" and "-" or clean(r.id), r.outcome, clean(r.name) }
end

-- The outcome by entity: on a terminal drawn as trees
-- (flowlua.cli.promote_view), else one row an entity, parents first.
local function table_text(set, rows, opts)
  local header = { "KIND", "FROM " .. clean(opts.from), "TO "
    .. clean(opts.to), "OUTCOME", "NAME" }
  if term.is_tty() then
    local tree = promote_view.tree_rows(set, rows)
    for _, t in ipairs(tree) do t.cells = cells(t.row) end
    return promote_view.render(header, tree, term.painter(term.colour()))
  end
  local out = { header }
  for _, r in ipairs(rows) do out[#out + 1] = cells(r) end
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
        n, trees.WORDS[r.kind], clean(r.name), clean(r.from_id))
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

local function write_json(set, rows, waiting, opts)
  local list, wait = json.array(), json.array()
  for i, r in ipairs(rows) do list[i] = r end
  for i, w in ipairs(waiting) do
    wait[i] = { kind = w.kind, from_id = w.id, name = w.name,
      field = w.field, env = w.env }
  end
  io.stdout:write(json.encode({ from = opts.from, to = opts.to,
    dry_run = opts.dry_run or false, trees = #set.flows, entities = list,
    counts = counts(rows), waiting_secrets = wait,
    workflow = promote.workflow_name(opts.from) }, { sort_keys = true }),
    "\n")
end

-- A FLOW_ID --from lacks is an error like any other (exit 1): 3 means a
-- held lock, as for every command that keeps a workflow's state.
local function refuse_unread(c, missing, dangling)
  if #missing > 0 then
    for i, id in ipairs(missing) do missing[i] = clean(id) end
    error(("no flow %s in sandbox %s; nothing was created"):format(
      table.concat(missing, ", "), clean(c.settings.sandbox)), 0)
  end
  local first = dangling[1]
  if first then
    error(("%s %s \"%s\" names %s, which sandbox %s does not hold; "
      .. "nothing was created"):format(trees.WORDS[first.by.kind],
      clean(first.by.id), clean(first.by.name), clean(first.id),
      clean(c.settings.sandbox)), 0)
  end
end

-- Every copy needs a name: a lost answer is settled by finding the
-- entity again by its name (the service lets a target connection have
-- none).
local function refuse_nameless(set, sandbox)
  for _, e in ipairs(promote.order(set)) do
    if type(e.name) ~= "string" or e.name == "" then
      error(("%s %s has no name, and flowlua finds a copy again by its "
        .. "name after a lost answer: name it in sandbox %s first (its "
        .. "update, /name); nothing was created"):format(trees.WORDS[e.kind],
        clean(e.id), clean(sandbox)), 0)
    end
  end
end

-- The workflow's step lines are the table's rows: shown under -v only.
local function quiet_progress()
  if runtime.verbose then return end
  progress.configure{ live = false, stream = { write = function() end,
    flush = function() end } }
end

-- Every sandbox-specific id of the trees, with the entity it is in.
local function map_uses(set)
  local out = {}
  for _, e in ipairs(promote.order(set)) do
    for _, p in ipairs(promote_map.places(e.kind, e)) do
      out[#out + 1] = { place = p, entity = e }
    end
  end
  return out
end

local function unmapped_json(unmapped, opts, written)
  local list = json.array()
  for i, m in ipairs(unmapped) do
    local uses = json.array()
    for j, u in ipairs(m.uses) do
      uses[j] = { kind = u.entity.kind, from_id = u.entity.id,
        name = u.entity.name, where = u.where }
    end
    list[i] = { category = m.category, id = m.id, uses = uses }
  end
  io.stdout:write(json.encode({ from = opts.from, to = opts.to,
    map_file = opts.map, written = written, unmapped = list },
    { sort_keys = true }), "\n")
end

-- Places named per id in the message (--json lists them all).
local USES_SHOWN = 3

-- Ids with no counterpart: added to the mapping file (not in a dry run),
-- named on stderr; nothing is created.
local function ask_for_ids(map, unmapped, opts)
  local written = not opts.dry_run
  if written then promote_map.write(opts.map, map, unmapped) end
  if opts.json then unmapped_json(unmapped, opts, written) end
  local lines = { ("flowlua: %d id%s of sandbox %s %s no value for sandbox "
    .. "%s in %s%s; fill %s in and run promote again (nothing was created)")
    :format(#unmapped, #unmapped == 1 and "" or "s", clean(opts.from),
      #unmapped == 1 and "has" or "have", clean(opts.to), clean(opts.map),
      written and " (added to it, empty)" or " (dry run: not written)",
      #unmapped == 1 and "it" or "them") }
  for _, m in ipairs(unmapped) do
    for i = 1, math.min(#m.uses, USES_SHOWN) do
      local u = m.uses[i]
      lines[#lines + 1] = ('  %s "%s": %s "%s" %s'):format(m.category,
        clean(m.id), trees.WORDS[u.entity.kind], clean(u.entity.name),
        u.where)
    end
    if #m.uses > USES_SHOWN then
      lines[#lines + 1] = ("    and %d more use%s of it"):format(
        #m.uses - USES_SHOWN, #m.uses - USES_SHOWN == 1 and "" or "s")
    end
  end
  io.stderr:write(table.concat(lines, "\n"), "\n")
  return 5
end

local function waiting_text(waiting)
  if #waiting == 0 then return "" end
  local lines = { "drafts made without secrets (each waits for it before "
    .. "it can be published):" }
  for _, w in ipairs(waiting) do
    lines[#lines + 1] = ('  %s "%s" %s: %s'):format(trees.WORDS[w.kind],
      clean(w.name), clean(w.field), w.env)
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Replaces the mapped ids and fills in the secrets of a body about to be
-- created; returns the names of the secret fields not given.
local function preparer(map, secrets)
  return function(e, body, spec)
    for _, p in ipairs(promote_map.places(e.kind, body)) do
      p.set(promote_map.lookup(map, p.category, p.id))
    end
    local fields = {}
    for i, m in ipairs(promote_secrets.fill(e, body,
        promote.secret_paths(e.kind, body, spec), secrets)) do
      fields[i] = m.field
    end
    return fields
  end
end

local function run(src, opts)
  quiet_progress()
  local secrets = opts.secrets and promote_secrets.load(opts.secrets)
  local set, missing, dangling = promote.read(src, opts.operands)
  refuse_unread(src, missing, dangling)
  refuse_nameless(set, src.settings.sandbox)
  local map = promote_map.load(opts.map, opts.from, opts.to)
  local unmapped = promote_map.missing(map, map_uses(set))
  if #unmapped > 0 then return ask_for_ids(map, unmapped, opts) end
  local dst = require("flowlua").connect{ sandbox = opts.to,
    dry_run = opts.dry_run or false }
  local rows, waiting = {}, {}
  promote.run(dst, set, { from = opts.from, spec_client = src,
    prepare = preparer(map, secrets),
    report = function(e, copy, outcome, left_out)
      for _, field in ipairs(left_out) do
        waiting[#waiting + 1] = { kind = e.kind, id = e.id, name = e.name,
          field = field, env = promote_secrets.env_name(e.name, field) }
      end
      local r = row(e, copy, outcome)
      if dst.dry_run and outcome == "created" then
        r.outcome, r.id = "planned", nil
        local step = require("flowlua.plan").steps()
        r.body = step[#step].body   -- already redacted
      end
      rows[#rows + 1] = r
    end })
  if opts.json then write_json(set, rows, waiting, opts)
  else
    if opts.dry_run then io.stdout:write(plan_text(rows), "\n") end
    io.stdout:write(table_text(set, rows, opts), "\n", waiting_text(waiting),
      summary(set, rows, opts), "\n")
  end
  service.report_requests(src, "promote (reads in " .. opts.from .. ")")
  service.report_requests(dst, "promote (in " .. opts.to .. ")")
  return 0
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
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
