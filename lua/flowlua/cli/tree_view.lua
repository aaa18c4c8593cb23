--- `flowlua inventory` on a terminal: the same rows as the plain table,
-- each tree drawn with branches (flow, `├─ source`, `│  └─ base`,
-- `└─ target`), a blank line between trees, and colour where allowed
-- (states, last runs, the workflow that knows a tree, orphans' reasons).
-- flowlua.cli.inventory builds the rows; this module only draws them.
-- @module flowlua.cli.tree_view

local columns = require("flowlua.cli.columns")

local tree_view = {}

--- Colour of a state or a last run's outcome.
tree_view.STATE_STYLE = { enabled = "green", disabled = "yellow",
  draft = "cyan", missing = "red", success = "green", failed = "red",
  inProgress = "cyan", cancelled = "yellow" }

local function depth_of(cell)
  return #cell:match("^ *") // 2
end

-- Whether the row at `i` is the last child of its parent: no row of its
-- depth follows before one nearer the root (or the end).
local function is_last(depths, i)
  for j = i + 1, #depths do
    if depths[j] < depths[i] then return true end
    if depths[j] == depths[i] then return false end
  end
  return true
end

-- The first cells with branches instead of indentation: `open[d]` is
-- true while the row's ancestor at depth d has siblings still to come.
local function branch(rows)
  local depths, out, open = {}, {}, {}
  for i = 2, #rows do depths[i - 1] = depth_of(rows[i][1]) end
  out[1] = rows[1]
  for i, d in ipairs(depths) do
    local r = table.move(rows[i + 1], 1, #rows[i + 1], 1, {})
    local label = r[1]:gsub("^ *", "")
    if d == 0 then
      r[1] = label
    else
      local last = is_last(depths, i)
      local prefix = {}
      for k = 1, d - 1 do prefix[k] = open[k] and "│  " or "   " end
      r[1] = table.concat(prefix) .. (last and "└─ " or "├─ ") .. label
      open[d] = not last
    end
    out[i + 1] = r
  end
  return out, depths
end

local function first_word(cell)
  return cell:match("^(%S+)")
end

--- Rows (header first) drawn as trees: the first cell's indentation
-- (two spaces a level) made branches, the header and each root bold, a
-- blank line between trees.
-- @tparam table rows `{{FIRST, ...}, ...}`, FIRST indented
-- @tparam function paint flowlua.cli.term.painter's function
-- @tparam[opt] function style `style(cell, column)` → a style name for
--   the other cells of the body (nil: none)
-- @treturn string
function tree_view.draw(rows, paint, style)
  local drawn, depths = branch(rows)
  local text = columns(drawn, function(cell, col, n)
    if n == 1 then return paint(cell, "bold") end
    if col == 1 then
      return depths[n - 1] == 0 and paint(cell, "bold") or cell
    end
    return paint(cell, style and style(cell, col))
  end)
  local lines, n = {}, 0
  for line in text:gmatch("[^\n]+") do
    n = n + 1
    if n > 2 and depths[n - 1] == 0 then lines[#lines + 1] = "" end
    lines[#lines + 1] = line
  end
  return table.concat(lines, "\n")
end

-- Inventory's colours: states and last runs, the workflow that knows a
-- tree (or "-").
local function inventory_style(cell, col)
  if col == 3 or col == 5 then
    return tree_view.STATE_STYLE[first_word(cell) or ""]
  end
  if col == 6 then return cell == "-" and "dim" or "blue" end
end

--- The tree rows (header first, as flowlua.cli.inventory makes them)
-- drawn as trees.
-- @tparam table rows `{{KIND, ID, STATE, SPEC, LAST RUN, WORKFLOW, NAME},
--   ...}`, the KIND cell indented two spaces a level
-- @tparam function paint flowlua.cli.term.painter's function
-- @treturn string
function tree_view.trees(rows, paint)
  return tree_view.draw(rows, paint, inventory_style)
end

--- The orphans' table (header first), their reasons coloured.
-- @tparam table rows `{{KIND, ID, STATE, SPEC, CREATED, WHY, NAME}, ...}`
-- @tparam function paint
-- @treturn string
function tree_view.table(rows, paint)
  return columns(rows, function(cell, col, n)
    if n == 1 then return paint(cell, "bold") end
    if col == 3 then return paint(cell, tree_view.STATE_STYLE[cell]) end
    if col == 6 then return paint(cell, "yellow") end
    return cell
  end)
end

--- How flowlua.cli.inventory draws on a terminal.
-- @tparam function paint flowlua.cli.term.painter's function
-- @treturn table `{trees = fn(rows), table = fn(rows), line = fn(text)}`
function tree_view.style(paint)
  return {
    trees = function(rows) return tree_view.trees(rows, paint) end,
    table = function(rows) return tree_view.table(rows, paint) end,
    line = function(text) return paint(text, "bold") end,
  }
end

return tree_view
