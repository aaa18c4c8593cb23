--- `flowlua promote` on a terminal: the rows of the plain table drawn as
-- the trees they belong to (flow, `├─ source`, `│  └─ base`,
-- `└─ target`), as flowlua.cli.tree_view draws inventory's, each outcome
-- coloured where allowed. An entity two trees share is drawn in each.
-- flowlua.cli.promote keeps the plain table that pipes and files get.
-- @module flowlua.cli.promote_view

local tree_view = require("flowlua.cli.tree_view")

local promote_view = {}

--- Colour of an outcome.
promote_view.OUTCOME_STYLE = { created = "green", existed = "dim",
  planned = "cyan" }

local function list_of(v)
  return type(v) == "table" and v or {}
end

--- The trees of the rows: for each flow, its rows nearest the root first,
-- each with its depth (flow 0, its connections 1, their bases 2).
-- @tparam table set flowlua.fleet.promote.read's first result
-- @tparam table rows the rows by entity of flowlua.cli.promote, each
--   with `from_id`
-- @treturn table `{{row =, depth =}, ...}`
function promote_view.tree_rows(set, rows)
  local of, out = {}, {}
  for _, r in ipairs(rows) do of[r.from_id] = r end
  local function add(id, depth)
    if of[id] then out[#out + 1] = { row = of[id], depth = depth } end
  end
  local function connection(id)
    add(id, 1)
    local e = set.by_id[id]
    local base = e and e.baseConnectionId
    if type(base) == "string" and base ~= "" then add(base, 2) end
  end
  for _, f in ipairs(set.flows) do
    add(f.id, 0)
    for _, id in ipairs(list_of(f.sourceConnectionIds)) do connection(id) end
    for _, id in ipairs(list_of(f.targetConnectionIds)) do connection(id) end
  end
  return out
end

local function outcome_style(cell, col)
  if col == 4 then return promote_view.OUTCOME_STYLE[cell] end
end

--- The table's rows drawn as trees.
-- @tparam table header the table's header row
-- @tparam table tree `promote_view.tree_rows`'s list, each row's cells
--   in `cells` (KIND first)
-- @tparam function paint flowlua.cli.term.painter's function
-- @treturn string
function promote_view.render(header, tree, paint)
  local rows = { header }
  for i, t in ipairs(tree) do
    local cells = table.move(t.cells, 1, #t.cells, 1, {})
    cells[1] = ("  "):rep(t.depth) .. cells[1]
    rows[i + 1] = cells
  end
  return tree_view.draw(rows, paint, outcome_style)
end

return promote_view
