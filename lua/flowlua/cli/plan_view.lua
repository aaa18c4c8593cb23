--- `flowlua plan` (and `apply`'s plan) on a terminal: the steps grouped
-- by tree under a legend, each marked as Terraform marks them (`+`
-- create, `~` update with its JSON Patch below, `-` delete, `>` publish,
-- enable or disable), the connections a deletion keeps (`=`, with why),
-- the records apply forgets (`-`: trees that leave nothing to delete,
-- their entities gone from the sandbox or kept), coloured where allowed,
-- then the count line.
-- flowlua.cli.plan keeps the plain text that pipes and files get.
-- @module flowlua.cli.plan_view

local desired = require("flowlua.fleet.desired")
local trees = require("flowlua.fleet.trees")
local service = require("flowlua.cli.service")
local json = require("flowlua.json")

local plan_view = {}

--- Each action's mark and colour.
plan_view.MARK = {
  create = { "+", "green" }, update = { "~", "yellow" },
  delete = { "-", "red" }, publish = { ">", "cyan" },
  enable = { ">", "cyan" }, disable = { ">", "magenta" },
}

--- The colour of a JSON Patch operation.
plan_view.OP_STYLE = { add = "green", replace = "yellow", remove = "red" }

plan_view.LEGEND = "Actions: + create, ~ update (its JSON Patch below), "
  .. "- delete, > publish, enable or disable, = kept"

--- What the legend adds when the plan forgets records.
plan_view.LEGEND_FORGET = ", - forget a record"

--- Why apply forgets the record of a tree gone from the file: its
-- entities are gone from the sandbox, or (`FORGET_KEPT`) what is left of
-- them is kept.
plan_view.FORGET = "recorded, but its entities are gone from the sandbox; "
  .. "apply forgets the record"
plan_view.FORGET_KEPT = "recorded, but what is left of it is kept; "
  .. "apply forgets the record"

local clean = service.clean

--- The trees that some kept entities belong to.
-- @tparam table kept flowlua.fleet.retire's kept entities
-- @treturn table set of tree names
function plan_view.kept_trees(kept)
  local set = {}
  for _, k in ipairs(kept) do set[k.tree or "?"] = true end
  return set
end

--- The line of a tree whose record apply forgets.
-- @tparam string name the tree
-- @tparam[opt] function paint flowlua.cli.term.painter's function
-- @tparam[opt] boolean kept_some whether entities of the tree are kept
-- @treturn string
function plan_view.forget_line(name, paint, kept_some)
  paint = paint or function(s) return s end
  return ('%s %s tree "%s": %s'):format(paint("-", "red"),
    paint("forget", "red"), clean(name),
    kept_some and plan_view.FORGET_KEPT or plan_view.FORGET)
end

-- The steps and the kept entities by tree, trees in the order they
-- first appear.
local function by_tree(steps, kept, forget)
  local order, of = {}, {}
  local function add(tree, field, item)
    tree = tree or "?"
    if of[tree] == nil then
      of[tree] = { steps = {}, kept = {}, forget = {} }
      order[#order + 1] = tree
    end
    table.insert(of[tree][field], item)
  end
  for _, s in ipairs(steps) do add(s.tree, "steps", s) end
  for _, k in ipairs(kept) do add(k.tree, "kept", k) end
  for _, name in ipairs(forget) do add(name, "forget", name) end
  return order, of
end

local function word(kind)
  kind = desired.ENTITY_KIND[kind]
  return trees.WORDS[kind] or tostring(kind)
end

local function step_lines(s, paint, lines)
  local mark = plan_view.MARK[s.action] or { "?" }
  lines[#lines + 1] = ('  %s %s %s "%s"%s'):format(paint(mark[1], mark[2]),
    paint(s.action, mark[2]), word(s.kind), clean(s.name),
    s.id and paint(" " .. clean(s.id), "dim") or "")
  for _, op in ipairs(s.ops or {}) do
    lines[#lines + 1] = "      " .. paint(clean(json.encode(op,
      { sort_keys = true })), plan_view.OP_STYLE[op.op])
  end
end

local function kept_line(k, paint)
  return ('  %s %s "%s" %s: %s'):format(paint("= keep", "dim"),
    word(k.kind), clean(k.name), paint(clean(k.id), "dim"), clean(k.reason))
end

--- A plan drawn for a terminal.
-- @tparam table p the plan (flowlua.cli.plan's): `steps`, `kept` (the
--   entities of deleted trees that are kept, `{tree, kind, name, id,
--   reason}`), `forget` (the trees whose record apply forgets)
-- @tparam string count_line the plan's count line
-- @tparam function paint flowlua.cli.term.painter's function
-- @treturn string
function plan_view.render(p, count_line, paint)
  if #p.steps == 0 and #p.forget == 0 then
    return paint("No changes: the sandbox matches the file.", "green")
  end
  local legend = plan_view.LEGEND
    .. (#p.forget > 0 and plan_view.LEGEND_FORGET or "")
  local lines = { paint(legend, "dim") }
  local order, of = by_tree(p.steps, p.kept, p.forget)
  for _, name in ipairs(order) do
    lines[#lines + 1] = ""
    lines[#lines + 1] = paint("tree " .. clean(name), "bold")
    for _, s in ipairs(of[name].steps) do step_lines(s, paint, lines) end
    for _, k in ipairs(of[name].kept) do
      lines[#lines + 1] = kept_line(k, paint)
    end
    for _, f in ipairs(of[name].forget) do
      lines[#lines + 1] = "  " .. plan_view.forget_line(f, paint,
        #of[name].kept > 0)
    end
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = paint(count_line, "bold")
  return table.concat(lines, "\n")
end

return plan_view
