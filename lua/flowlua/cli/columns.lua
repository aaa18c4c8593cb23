--- Text tables for the terminal: rows of strings in columns padded to
-- their widest cell (counted in UTF-8 characters); the last column is not
-- padded, so lines carry no trailing blanks. A cell may be coloured
-- after its width is counted, so escape codes never upset the columns.
-- @module flowlua.cli.columns

--- The rows as lines, cells two spaces apart.
-- @tparam {{string,...},...} rows
-- @tparam[opt] function paint `paint(cell, column, row)` → the cell as
--   printed (e.g. coloured; same width on screen)
-- @treturn string the lines joined by newlines
return function(rows, paint)
  local width = {}
  for _, r in ipairs(rows) do
    for i, cell in ipairs(r) do
      width[i] = math.max(width[i] or 0, utf8.len(cell) or #cell)
    end
  end
  local lines = {}
  for n, r in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(r) do
      local pad = i < #r and width[i] - (utf8.len(cell) or #cell) or 0
      cells[i] = (paint and paint(cell, i, n) or cell) .. (" "):rep(pad)
    end
    lines[#lines + 1] = table.concat(cells, "  ")
  end
  return table.concat(lines, "\n")
end
