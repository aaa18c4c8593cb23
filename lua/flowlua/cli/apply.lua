--- `flowlua apply FILE`: plans as `flowlua plan FILE` does, prints the
-- plan, then carries it out (flowlua.fleet.apply), parents first, each
-- change sent exactly once by the entities' own methods, holding the
-- workspace's record in flowlua's state (flowlua.fleet.managed) and
-- writing what it made and deleted there.
-- @module flowlua.cli.apply

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local plan_cmd = require("flowlua.cli.plan")
local plan_view = require("flowlua.cli.plan_view")
local apply = require("flowlua.fleet.apply")
local desired = require("flowlua.fleet.desired")
local managed = require("flowlua.fleet.managed")
local trees = require("flowlua.fleet.trees")
local files = require("flowlua.files")
local json = require("flowlua.json")
local sys = require("flowlua.core").sys

local USAGE = "usage: flowlua apply [--auto-approve] [--json] "
  .. "[--allow-delete] [--target NAME]... [--workspace NAME] "
  .. service.USAGE .. " FILE | --plan PLAN"

local SPECS = service.specs{ plan_cmd.OWN[1], plan_cmd.OWN[2],
  plan_cmd.OWN[3],
  { "--plan PLAN", "apply a plan saved by `flowlua plan --out PLAN` (no "
    .. "FILE), only if no entity it read has changed since" },
  { "--allow-delete", "carry out a plan that deletes trees (without it, "
    .. "such a plan is refused and nothing is changed)" },
  { "--auto-approve", "apply without asking (needed where stdin is no "
    .. "terminal, as in CI, and with --json)" },
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Makes the sandbox match FILE (see `flowlua plan --help`): prints the plan
(on a terminal by tree, as `flowlua plan` does), asks for "yes" on the
terminal (not with --auto-approve, nor for a saved --plan, which was
reviewed when saved), then creates, updates, publishes, enables, disables
and deletes, parents first (deletes: the flow first). A plan that deletes
is refused unless --allow-delete is given. Secret references ("env:NAME")
are read from the environment here. Each change is sent once, even when
answers are lost; the trees applied are recorded in flowlua's state under
the workspace (`--workspace`, default FILE's name), whose lock the apply
holds; a recorded tree that leaves nothing to delete (its entities deleted
elsewhere, or what is left kept) is forgotten, and the apply says so. An
apply cut short is resumed by running it again (what landed is found by
the recorded id or by name), and a plan right after a complete apply shows
no changes.]],
  after = [[
Exit status: 0 applied (or nothing to do), 1 an error, a plan that
deletes without --allow-delete, or an answer other than "yes" (nothing was
changed then), 2 a usage error (among them: stdin is no terminal, or
--json, without --auto-approve or --plan).]] }

local clean = service.clean

local DONE = { create = "created", update = "updated", publish = "published",
  enable = "enabled", disable = "disabled", delete = "deleted" }

-- The plan `flowlua plan --out` saved.
local function read_saved(opts)
  if #opts.operands > 0 or opts.target or opts.workspace then
    options.usage_error("--plan takes no FILE, --target or --workspace: "
      .. "the saved plan names them", USAGE)
  end
  local text, err = files.read(opts.plan)
  if text == nil then error(err, 0) end
  local doc = json.decode(text)
  if type(doc) ~= "table" or doc.format ~= "flowlua-plan/1" then
    error(opts.plan .. ": not a plan saved by flowlua plan --out", 0)
  end
  return doc
end

-- The plan again, from the saved text, refused when an entity it read
-- has changed since.
local function replan_saved(c, saved, recorded)
  local p = plan_cmd.plan_text(c, saved.text, saved.file, {
    targets = saved.trees, workspace = saved.workspace,
    recorded = recorded, saved = true }, USAGE)
  local changed = desired.changed_since(saved.etags, p.ids)
  if #changed > 0 then
    for i, line in ipairs(changed) do changed[i] = clean(line) end
    error(("the sandbox changed since the plan was saved; plan again:"
      .. "\n  %s"):format(table.concat(changed, "\n  ")), 0)
  end
  return p
end

-- A plan that deletes needs --allow-delete: refused naming the trees.
local function check_deletes(p, opts)
  if opts.allow_delete then return end
  local n, names, seen = 0, {}, {}
  for _, s in ipairs(p.steps) do
    if s.action == "delete" then
      n = n + 1
      if not seen[s.tree] then
        seen[s.tree] = true
        names[#names + 1] = clean(s.tree)
      end
    end
  end
  if n == 0 then return end
  error(("the plan deletes %d entit%s of tree%s %s (no longer in the "
    .. "file); nothing was changed: apply with --allow-delete to delete "
    .. "them"):format(n, n == 1 and "y" or "ies", #names == 1 and "" or "s",
      table.concat(names, ", ")), 0)
end

-- Asking is for a person at a terminal: elsewhere (CI) and for JSON,
-- applying a plan nobody has seen needs --auto-approve (or a saved plan).
local function check_approval(opts)
  if opts.auto_approve or opts.plan then return end
  if opts.json then
    options.usage_error("--json needs --auto-approve (or --plan PLAN): "
      .. "apply asks before changing anything, and JSON output is not for "
      .. "asking", USAGE)
  end
  if not sys.isatty("stdin") then
    options.usage_error("stdin is not a terminal, so nobody can answer "
      .. "whether to apply: give --auto-approve to apply without asking "
      .. "(as in CI), or apply a reviewed plan with --plan PLAN", USAGE)
  end
end

-- Asks on the terminal; true when the answer is "yes".
local function approved()
  io.stdout:write("\nDo you want to apply this plan? Only 'yes' will be "
    .. "accepted.\n  Enter a value: ")
  io.stdout:flush()
  local answer = io.stdin:read("l")
  io.stdout:write("\n")
  return answer ~= nil and answer:match("^%s*(.-)%s*$") == "yes"
end

-- The end of an apply: the records forgotten, then the summary (or the
-- JSON document of what was done).
local function summary(p, done, opts)
  local n, forgot = desired.counts(p.steps), #p.forget
  if opts.json then
    io.stdout:write(json.encode({ applied = done, counts = n,
      forgotten = json.array(table.move(p.forget, 1, forgot, 1, {})) },
      { sort_keys = true }), "\n")
    return
  end
  local kept_some = plan_view.kept_trees(p.kept)
  for _, name in ipairs(p.forget) do
    io.stdout:write(('forgot the record of tree "%s": %s\n'):format(
      clean(name), kept_some[name] and "what was left of it is kept"
        or "its entities were gone from the sandbox"))
  end
  local also = forgot == 0 and ""
    or (", %d record%s forgotten"):format(forgot, forgot == 1 and "" or "s")
  io.stdout:write(("Apply complete: %d created, %d updated, %d deleted%s\n")
    :format(n.create, n.update, n.delete, also))
end

local function run(c, opts, saved, rec)
  local p = saved and replan_saved(c, saved, rec:trees())
    or plan_cmd.make_plan(c, opts, USAGE, rec:trees())
  if not opts.json then
    io.stdout:write(plan_cmd.show(p), "\n")
    io.stdout:flush()
  end
  check_deletes(p, opts)
  local ask = plan_cmd.has_changes(p) and not (opts.auto_approve or saved)
  if ask and not approved() then
    error("apply cancelled: the answer was not 'yes'; nothing was changed",
      0)
  end
  local done = json.array()
  apply.run(c, p, { record = rec, report = function(s, e)
    done[#done + 1] = { tree = s.tree, kind = desired.ENTITY_KIND[s.kind],
      name = s.name, action = s.action, id = e.id }
    if not opts.json then
      io.stdout:write(('%s %s "%s" %s\n'):format(DONE[s.action],
        trees.WORDS[desired.ENTITY_KIND[s.kind]], clean(s.name),
        clean(e.id)))
      io.stdout:flush()
    end
  end })
  summary(p, done, opts)
  service.report_requests(c, "apply")
  return 0
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  local saved = opts.plan and read_saved(opts)
  if not saved then plan_cmd.check_operands(opts, USAGE) end
  check_approval(opts)
  return service.with_client(opts, USAGE, function(c)
    local workspace = saved
      and plan_cmd.workspace(saved.file, saved.workspace)
      or plan_cmd.workspace(opts.operands[1], opts.workspace)
    local rec = managed.open(c, workspace)
    local ok, status = pcall(run, c, opts, saved, rec)
    rec:close()
    if not ok then error(status, 0) end
    return status
  end)
end

return cmd
