--- Wrapping `--help` text to the terminal's customary 80 columns, as git
-- and curl print theirs: a head (an option's names, `usage: flowlua
-- CMD`) and its text, the text broken at spaces, each further line
-- starting at the text's column so options and descriptions stay aligned.
-- @module flowlua.cli.wrap

local WIDTH = 80

--- `head .. text`, the text broken at spaces so that no line passes 80
-- columns (a longer word stands alone); further lines start with
-- `indent` spaces.
-- @tparam string head printed as is
-- @tparam string text one paragraph
-- @tparam[opt] integer indent continuation indent (default `#head`)
-- @treturn string the lines joined by newlines
return function(head, text, indent)
  local margin = (" "):rep(indent or #head)
  local lines, current, fresh = {}, head, true
  for word in text:gmatch("%S+") do
    if not fresh and #current + 1 + #word > WIDTH then
      lines[#lines + 1] = current
      current, fresh = margin, true
    end
    current = current .. (fresh and "" or " ") .. word
    fresh = false
  end
  lines[#lines + 1] = current
  return table.concat(lines, "\n")
end
