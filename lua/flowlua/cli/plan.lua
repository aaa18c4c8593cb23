--- `flowlua plan FILE`: what `flowlua apply FILE` would change in the
-- sandbox to make it match the desired-state file (flowlua.fleet.desired):
-- each create, update (its JSON Patch), publish, enable and disable, and
-- a count line. Sends only reads.
-- @module flowlua.cli.plan

local options = require "flowlua.cli.options"
local service = require "flowlua.cli.service"
local desired = require "flowlua.fleet.desired"
local trees = require "flowlua.fleet.trees"
local json = require "flowlua.json"

local cmd = {}

local USAGE = "usage: flowlua plan [--json] [--detailed-exitcode] "
  .. "[--target NAME]... [--emulator[=STATE]] [--sandbox S] [--profile P] "
  .. "[--config FILE] [-v] FILE"

--- The options plan and apply share.
cmd.OWN = {
  { long = "--json", key = "json",
    help = "print one JSON document (steps, counts)" },
  { long = "--target", key = "target", value = "required", arg = "NAME",
    multiple = true, help = "only the tree NAME (repeatable)" },
}

local SPECS = service.specs{ cmd.OWN[1], cmd.OWN[2],
  { long = "--detailed-exitcode", key = "detailed",
    help = "exit 0 when there are no changes, 2 when there are, 1 on error" },
  { long = "--out", key = "out", value = "required", arg = "PLAN",
    help = "save the plan to PLAN (JSON), for `flowlua apply --plan PLAN`" },
}

local HELP = USAGE .. [[


Reads FILE (a Lua file returning flow trees by name: base, source, target
and flow bodies with `spec` by id or name, a `state`, secrets as
"env:NAME") and the live sandbox (one list per collection), and prints
what `flowlua apply FILE` would do, parents first: create, update (with
the JSON Patch it sends), publish, enable, disable. Live entities are
matched by kind and name. Nothing is changed.

Options:
]] .. options.help(SPECS) .. [[


Exit status: 0 the plan was printed, 1 an error, 2 a usage error. With
--detailed-exitcode (as Terraform's): 0 no changes, 2 changes, 1 an error
of any kind, a usage error included.]]

local clean = service.clean

local MARK = { create = "+", update = "~", publish = ">", enable = ">",
  disable = ">" }

--- The count line of a plan.
-- @tparam table n `desired.counts`'s result
-- @treturn string
function cmd.count_line(n)
  local line = ("%d to create, %d to update, %d to delete"):format(n.create,
    n.update, n.delete)
  local acts = n.publish + n.enable + n.disable
  if acts > 0 then
    line = line .. (", %d to publish, %d to enable, %d to disable")
      :format(n.publish, n.enable, n.disable)
  end
  return line
end

--- A plan as text, one step a line (an update followed by its patch).
-- @tparam table steps `desired.plan`'s steps
-- @treturn string
function cmd.render(steps)
  if #steps == 0 then
    return "No changes: the sandbox matches the file."
  end
  local lines = {}
  for _, s in ipairs(steps) do
    lines[#lines + 1] = ('%s %s %s "%s" (tree %s)%s'):format(MARK[s.action],
      s.action, trees.WORDS[desired.ENTITY_KIND[s.kind]], clean(s.name),
      clean(s.tree), s.id and (" " .. clean(s.id)) or "")
    for _, op in ipairs(s.ops or {}) do
      lines[#lines + 1] = "    " .. clean(json.encode(op,
        { sort_keys = true }))
    end
  end
  lines[#lines + 1] = cmd.count_line(desired.counts(steps))
  return table.concat(lines, "\n")
end

--- A plan as a JSON document.
-- @tparam table steps
-- @treturn string
function cmd.as_json(steps)
  local list = json.array()
  for i, s in ipairs(steps) do
    list[i] = { tree = s.tree, kind = desired.ENTITY_KIND[s.kind],
      name = s.name, action = s.action, id = s.id, etag = s.etag,
      ops = s.ops and json.array(s.ops) or nil }
  end
  return json.encode({ steps = list, counts = desired.counts(steps),
    changes = #steps > 0 }, { sort_keys = true })
end

--- Parses the operand and `--target`s; loads the file and the plan.
-- @tparam table c the client
-- @tparam table opts the parsed options
-- @tparam string usage
-- @treturn table the trees
-- @treturn table the steps
-- @treturn table the live ids by tree
-- @treturn table the names of the trees planned
-- @treturn string the file's text
function cmd.make_plan(c, opts, usage)
  local path = opts.operands[1]
  local f, err = io.open(path, "rb")
  if f == nil then error(err, 0) end
  local text = f:read("a")
  f:close()
  local all, steps, ids, names = cmd.plan_text(c, text, path, opts.target,
    usage)
  return all, steps, ids, names, text
end

--- Plans from a desired-state file's text.
-- @tparam table c the client
-- @tparam string text the file's text
-- @tparam string path its name
-- @tparam[opt] table targets the trees to plan (default all)
-- @tparam string usage
-- @treturn table the trees
-- @treturn table the steps
-- @treturn table the live ids (and etags) by tree
-- @treturn table the names of the trees planned
function cmd.plan_text(c, text, path, targets, usage)
  local all, names = desired.load_text(text, path)
  if targets then
    for _, name in ipairs(targets) do
      if all[name] == nil then
        options.usage_error(("--target %s: no such tree in %s"):format(
          name, path), usage)
      end
    end
    names = targets
  end
  local steps, ids = desired.plan(c, all, names, desired.read_live(c))
  return all, steps, ids, names
end

-- The plan saved by --out: the file's text (it holds no secret), the
-- trees planned, the etags read, and the steps (for reading).
local function save(out, text, path, steps, ids, names)
  local etags = {}
  for _, name in ipairs(names) do etags[name] = ids[name].etags end
  local doc = json.decode(cmd.as_json(steps))
  doc.format, doc.file, doc.text = "flowlua-plan/1", path, text
  doc.trees, doc.etags = json.array(names), etags
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

local function run(args)
  local opts = options.parse(args, SPECS, USAGE)
  if opts.help then print(HELP) return 0 end
  cmd.check_operands(opts, USAGE)
  return service.with_client(opts, USAGE, function(c)
    local _, steps, ids, names, text = cmd.make_plan(c, opts, USAGE)
    if opts.out then
      save(opts.out, text, opts.operands[1], steps, ids, names)
    end
    io.stdout:write(opts.json and cmd.as_json(steps) or cmd.render(steps),
      "\n")
    service.report_requests(c, "plan")
    if opts.detailed and #steps > 0 then return 2 end
    return 0
  end)
end

--- Runs the command.
-- @tparam table args the arguments after `plan`
-- @treturn integer exit status
function cmd.main(args)
  if not detailed_exitcode(args) then return run(args) end
  return options.usage_status(1, function() return run(args) end)
end

return cmd
