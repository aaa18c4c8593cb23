--- `flowlua apply FILE`: plans as `flowlua plan FILE` does, prints the
-- plan, then carries it out (flowlua.fleet.apply), parents first, each
-- change sent exactly once by the entities' own methods.
-- @module flowlua.cli.apply

local options = require "flowlua.cli.options"
local service = require "flowlua.cli.service"
local plan_cmd = require "flowlua.cli.plan"
local apply = require "flowlua.fleet.apply"
local desired = require "flowlua.fleet.desired"
local trees = require "flowlua.fleet.trees"
local json = require "flowlua.json"

local cmd = {}

local USAGE = "usage: flowlua apply [--json] [--target NAME]... "
  .. "[--emulator[=STATE]] [--sandbox S] [--profile P] [--config FILE] "
  .. "[-v] FILE | --plan PLAN"

local SPECS = service.specs{ plan_cmd.OWN[1], plan_cmd.OWN[2],
  { long = "--plan", key = "plan", value = "required", arg = "PLAN",
    help = "apply a plan saved by `flowlua plan --out PLAN` (no FILE), "
      .. "only if no entity it read has changed since" },
}

local HELP = USAGE .. [[


Makes the sandbox match FILE (see `flowlua plan --help`): prints the plan,
then creates, updates, publishes, enables and disables, parents first.
Secret references ("env:NAME") are read from the environment here. Each
change is sent once, even when answers are lost; an apply cut short is
resumed by running it again (what landed is found by name), and a plan
right after a complete apply shows no changes.

Options:
]] .. options.help(SPECS) .. [[


Exit status: 0 applied (or nothing to do), 1 an error, 2 usage error.]]

local clean = service.clean

local DONE = { create = "created", update = "updated", publish = "published",
  enable = "enabled", disable = "disabled" }

-- The plan `flowlua plan --out` saved.
local function read_saved(opts)
  if #opts.operands > 0 or opts.target then
    options.usage_error("--plan takes no FILE and no --target: the saved "
      .. "plan names them", USAGE)
  end
  local f, err = io.open(opts.plan, "rb")
  if f == nil then error(err, 0) end
  local doc = json.decode(f:read("a"))
  f:close()
  if type(doc) ~= "table" or doc.format ~= "flowlua-plan/1" then
    error(opts.plan .. ": not a plan saved by flowlua plan --out", 0)
  end
  return doc
end

--- Runs the command.
-- @tparam table args the arguments after `apply`
-- @treturn integer exit status
function cmd.main(args)
  local opts = options.parse(args, SPECS, USAGE)
  if opts.help then print(HELP) return 0 end
  local saved = opts.plan and read_saved(opts)
  if not saved then plan_cmd.check_operands(opts, USAGE) end
  return service.with_client(opts, USAGE, function(c)
    local all, steps, ids
    if saved then
      all, steps, ids = plan_cmd.plan_text(c, saved.text, saved.file,
        saved.trees, USAGE)
      local changed = desired.changed_since(saved.etags, ids)
      if #changed > 0 then
        for i, line in ipairs(changed) do changed[i] = clean(line) end
        error(("the sandbox changed since the plan was saved; plan again:"
          .. "\n  %s"):format(table.concat(changed, "\n  ")), 0)
      end
    else
      all, steps, ids = plan_cmd.make_plan(c, opts, USAGE)
    end
    if not opts.json then io.stdout:write(plan_cmd.render(steps), "\n") end
    local done = json.array()
    apply.run(c, all, steps, ids, function(s, e)
      done[#done + 1] = { tree = s.tree, kind = desired.ENTITY_KIND[s.kind],
        name = s.name, action = s.action, id = e.id }
      if not opts.json then
        io.stdout:write(('%s %s "%s" %s\n'):format(DONE[s.action],
          trees.WORDS[desired.ENTITY_KIND[s.kind]], clean(s.name),
          clean(e.id)))
      end
    end)
    local n = desired.counts(steps)
    if opts.json then
      io.stdout:write(json.encode({ applied = done, counts = n },
        { sort_keys = true }), "\n")
    else
      io.stdout:write(("Apply complete: %d created, %d updated, %d deleted\n")
        :format(n.create, n.update, n.delete))
    end
    service.report_requests(c, "apply")
    return 0
  end)
end

return cmd
