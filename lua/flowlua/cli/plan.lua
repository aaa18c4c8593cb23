--- `flowlua plan FILE`: what `flowlua apply FILE` would change in the
-- sandbox to make it match the desired-state file (flowlua.fleet.desired):
-- each create, update (its JSON Patch), publish, enable, disable and
-- delete (of a tree an earlier apply recorded that the file no longer
-- has), and a count line. Sends only reads.
-- @module flowlua.cli.plan

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local desired = require("flowlua.fleet.desired")
local known = require("flowlua.fleet.known")
local managed = require("flowlua.fleet.managed")
local retire = require("flowlua.fleet.retire")
local trees = require("flowlua.fleet.trees")
local files = require("flowlua.files")
local json = require("flowlua.json")
local term = require("flowlua.cli.term")
local plan_view = require("flowlua.cli.plan_view")

local USAGE = "usage: flowlua plan [--json] [--detailed-exitcode] "
  .. "[--target NAME]... [--workspace NAME] " .. service.USAGE .. " FILE"

local OWN = {
  options.json "steps, counts",
  { "--target NAME", "only the tree NAME (repeatable)", multiple = true },
  { "--workspace NAME", "the trees applied before under NAME (default: "
    .. "FILE's name without directory and .lua)" },
}

local SPECS = service.specs{ OWN[1], OWN[2], OWN[3],
  { "--detailed-exitcode",
    "exit 0 when there are no changes, 2 when there are, 1 on error" },
  { "--out PLAN",
    "save the plan to PLAN (JSON), for `flowlua apply --plan PLAN`" },
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Reads FILE (a Lua file returning flow trees by name: base, source, target
and flow bodies with `spec` by id or name, a `state`, secrets as
"env:NAME") and the live sandbox (one list per collection), and prints
what `flowlua apply FILE` would do, parents first: create, update (with
the JSON Patch it sends), publish, enable, disable, and delete the trees
an earlier apply of the workspace made or took over that FILE no longer
has (flow first, never a shared connection); such a tree that leaves
nothing to delete (its entities deleted elsewhere, or what is left kept)
is a record apply forgets. Live entities are matched by the ids the
workspace's record in flowlua's state holds, else by kind and name.
Nothing is changed.

On a terminal the steps are grouped by tree, in colour unless NO_COLOR is
set; through a pipe or into a file, one step a line.]],
  after = [[
Exit status: 0 the plan was printed, 1 an error, 2 a usage error. With
--detailed-exitcode (as Terraform's): 0 no changes, 2 changes (a record
to forget included: apply changes flowlua's state then), 1 an error of
any kind, a usage error included.]] }

--- The options plan and apply share.
cmd.OWN = OWN

local clean = service.clean

local MARK = { create = "+", update = "~", publish = ">", enable = ">",
  disable = ">", delete = "-" }

--- The count line of a plan.
-- @tparam table n `desired.counts`'s result
-- @tparam[opt] integer forget the records to forget (named when > 0)
-- @treturn string
function cmd.count_line(n, forget)
  local line = ("%d to create, %d to update, %d to delete"):format(n.create,
    n.update, n.delete)
  local acts = n.publish + n.enable + n.disable
  if acts > 0 then
    line = line .. (", %d to publish, %d to enable, %d to disable")
      :format(n.publish, n.enable, n.disable)
  end
  if (forget or 0) > 0 then
    line = line .. (", %d record%s to forget"):format(forget,
      forget == 1 and "" or "s")
  end
  return line
end

--- Whether a plan changes anything: a step to send, or a record to
-- forget (apply changes flowlua's state then, so that counts too).
-- @tparam table p the plan (`cmd.plan_text`'s)
-- @treturn boolean
function cmd.has_changes(p)
  return #p.steps > 0 or #p.forget > 0
end

local function step_lines(steps, lines)
  for _, s in ipairs(steps) do
    lines[#lines + 1] = ('%s %s %s "%s" (tree %s)%s'):format(MARK[s.action],
      s.action, trees.WORDS[desired.ENTITY_KIND[s.kind]], clean(s.name),
      clean(s.tree), s.id and (" " .. clean(s.id)) or "")
    for _, op in ipairs(s.ops or {}) do
      lines[#lines + 1] = "    " .. clean(json.encode(op,
        { sort_keys = true }))
    end
  end
end

--- A plan as text, one step a line (an update followed by its patch),
-- then the entities of deleted trees that are kept, then the records
-- to forget.
-- @tparam table p the plan (`cmd.plan_text`'s `steps`, `kept`, `forget`)
-- @treturn string
function cmd.render(p)
  if not cmd.has_changes(p) then
    return "No changes: the sandbox matches the file."
  end
  local lines = {}
  step_lines(p.steps, lines)
  for _, k in ipairs(p.kept) do
    lines[#lines + 1] = ('  keep %s "%s" (tree %s) %s: %s'):format(
      trees.WORDS[desired.ENTITY_KIND[k.kind]], clean(k.name),
      clean(k.tree), clean(k.id), clean(k.reason))
  end
  local kept_some = plan_view.kept_trees(p.kept)
  for _, name in ipairs(p.forget) do
    lines[#lines + 1] = plan_view.forget_line(name, nil, kept_some[name])
  end
  lines[#lines + 1] = cmd.count_line(desired.counts(p.steps), #p.forget)
  return table.concat(lines, "\n")
end

--- A plan as text for stdout: by tree, marked and coloured on a
-- terminal (flowlua.cli.plan_view), else `cmd.render`'s lines.
-- @tparam table p the plan
-- @treturn string
function cmd.show(p)
  if not term.is_tty() then return cmd.render(p) end
  local count = cmd.count_line(desired.counts(p.steps), #p.forget)
  return plan_view.render(p, count, term.painter(term.colour()))
end

--- A plan as a JSON document: `steps`, `counts`, `kept`, `forget` (the
-- trees whose record apply forgets) and `changes`.
-- @tparam table p the plan
-- @treturn string
function cmd.as_json(p)
  local list, keep = json.array(), json.array()
  for i, s in ipairs(p.steps) do
    list[i] = { tree = s.tree, kind = desired.ENTITY_KIND[s.kind],
      name = s.name, action = s.action, id = s.id, etag = s.etag,
      ops = s.ops and json.array(s.ops) or nil }
  end
  for i, k in ipairs(p.kept) do
    keep[i] = { tree = k.tree, kind = desired.ENTITY_KIND[k.kind],
      name = k.name, id = k.id, reason = k.reason }
  end
  return json.encode({ steps = list, counts = desired.counts(p.steps),
    kept = keep, forget = json.array(table.move(p.forget, 1, #p.forget, 1,
      {})), changes = cmd.has_changes(p) }, { sort_keys = true })
end

--- Parses the operand and `--target`s; loads the file and plans.
-- @tparam table c the client
-- @tparam table opts the parsed options
-- @tparam string usage
-- @tparam[opt] table recorded the workspace's trees, when the caller
--   holds its record (flowlua.fleet.managed)
-- @treturn table the plan (`cmd.plan_text`'s), with `text` the file's
function cmd.make_plan(c, opts, usage, recorded)
  local path = opts.operands[1]
  local text, err = files.read(path)
  if text == nil then error(err, 0) end
  local p = cmd.plan_text(c, text, path, { targets = opts.target,
    workspace = opts.workspace, recorded = recorded }, usage)
  p.text = text
  return p
end

--- The workspace a plan of `path` records its trees under.
-- @tparam string path the desired-state file
-- @tparam[opt] string workspace `--workspace`
-- @treturn string
function cmd.workspace(path, workspace)
  return workspace or managed.workspace_of(path)
end

-- The trees to plan: the file's (or the targets among them), and the
-- recorded trees the file no longer has (or the targets among them).
local function choose(all, recorded, sel, path, usage)
  local names, gone = {}, {}
  for name in pairs(all) do names[#names + 1] = name end
  for name in pairs(recorded) do
    if all[name] == nil then gone[#gone + 1] = name end
  end
  if sel.targets then
    names, gone = {}, {}
    for _, name in ipairs(sel.targets) do
      if all[name] then names[#names + 1] = name
      elseif recorded[name] then gone[#gone + 1] = name
      elseif not sel.saved then
        options.usage_error(("--target %s: no such tree in %s (nor "
          .. "recorded by workspace %s)"):format(name, path,
            cmd.workspace(path, sel.workspace)), usage)
      end
    end
  end
  table.sort(names)
  table.sort(gone)
  return names, gone
end

--- Plans from a desired-state file's text.
-- @tparam table c the client
-- @tparam string text the file's text
-- @tparam string path its name
-- @tparam table sel `{targets = the trees to plan (default all),
--   workspace = NAME (default from path), recorded = the workspace's
--   trees (default: read from the state store), saved = true when
--   re-planning a saved plan (a target gone since is no error)}`
-- @tparam string usage
-- @treturn table the plan: `trees` (the file's), `steps`, `ids` (live
--   ids, etags and spec ids by tree), `names` (the file's trees
--   planned), `retired` (the recorded trees to delete), `kept` (their
--   entities left alone), `forget` (those of `retired` that leave
--   nothing to delete: entities gone, or what is left kept), `workspace`
function cmd.plan_text(c, text, path, sel, usage)
  local all = desired.load_text(text, path)
  local workspace = cmd.workspace(path, sel.workspace)
  local recorded = sel.recorded or managed.read(c, workspace)
  local names, gone = choose(all, recorded, sel, path, usage)
  local ctx = { live = desired.read_live(c), recorded = recorded,
    owners = known.workflows(), workflow = managed.workflow(workspace) }
  local steps, ids = desired.plan(c, all, names, ctx)
  ctx.in_use = desired.matched_ids(all, ctx)
  local deletes, kept, gone_ids = retire.plan(c, recorded, gone, ctx)
  local forget = retire.forgotten(recorded, gone, deletes, ctx)
  table.move(deletes, 1, #deletes, #steps + 1, steps)
  for name, v in pairs(gone_ids) do ids[name] = v end
  return { trees = all, steps = steps, ids = ids, names = names,
    retired = gone, kept = kept, workspace = workspace, forget = forget }
end

-- The plan saved by --out: the file's text (it holds no secret), the
-- workspace, the trees planned, the etags read, and the steps (for
-- reading).
local function save(out, path, p)
  local etags, planned = {}, json.array()
  for _, list in ipairs{ p.names, p.retired } do
    for _, name in ipairs(list) do
      etags[name] = p.ids[name].etags
      planned[#planned + 1] = name
    end
  end
  local doc = json.decode(cmd.as_json(p))
  doc.format, doc.file, doc.text = "flowlua-plan/1", path, p.text
  doc.workspace, doc.trees, doc.etags = p.workspace, planned, etags
  local f = assert(io.open(out, "wb"))
  f:write(json.encode(doc, { sort_keys = true }), "\n")
  f:close()
end

--- Checks that exactly one FILE is given.
-- @tparam table opts
-- @tparam string usage
function cmd.check_operands(opts, usage)
  if #opts.operands ~= 1 then
    options.usage_error("give exactly one desired-state FILE", usage)
  end
end

local function detailed_exitcode(args)
  for _, a in ipairs(args) do
    if a == "--" then return false end
    if a == "--detailed-exitcode" then return true end
  end
  return false
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  cmd.check_operands(opts, USAGE)
  return service.with_client(opts, USAGE, function(c)
    local p = cmd.make_plan(c, opts, USAGE)
    if opts.out then save(opts.out, opts.operands[1], p) end
    io.stdout:write(opts.json and cmd.as_json(p) or cmd.show(p), "\n")
    service.report_requests(c, "plan")
    if opts.detailed_exitcode and cmd.has_changes(p) then return 2 end
    return 0
  end)
end

local parse_and_run = cmd.main

--- Parses the arguments and runs the command; under
-- `--detailed-exitcode` a usage error exits 1, since 2 means changes.
-- @tparam table args the arguments after `plan`
-- @treturn integer exit status
function cmd.main(args)
  if not detailed_exitcode(args) then return parse_and_run(args) end
  return options.usage_status(1, function() return parse_and_run(args) end)
end

return cmd
