--- What the commands print differently on a terminal: whether stdout is
-- one (tree views instead of plain tables), whether to colour (a terminal
-- and no `NO_COLOR`, as no-color.org asks), and the colouring itself.
-- Pipes, files and `--json` get plain text, the same on every run.
-- @module flowlua.cli.term

local sys = require("flowlua.core").sys

local term = {}

--- SGR codes by style name.
term.STYLES = { bold = "1", dim = "2", red = "31", green = "32",
  yellow = "33", blue = "34", magenta = "35", cyan = "36" }

--- True when stdout is a terminal.
-- @treturn boolean
function term.is_tty()
  return sys.isatty("stdout")
end

--- True when output to stdout may be coloured: a terminal, and
-- `NO_COLOR` unset or empty.
-- @treturn boolean
function term.colour()
  local no = os.getenv("NO_COLOR")
  return term.is_tty() and (no == nil or no == "")
end

--- A function `paint(text, style)`: `text` in that style (a name of
-- `term.STYLES`, or nil for none) when `on`, else `text` as it is.
-- @tparam boolean on colour or not
-- @treturn function
function term.painter(on)
  if not on then return function(text) return text end end
  return function(text, style)
    local code = style and term.STYLES[style]
    if code == nil or text == "" then return text end
    return "\27[" .. code .. "m" .. text .. "\27[0m"
  end
end

return term
