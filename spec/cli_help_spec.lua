-- Every command's --help fits an 80-column terminal, with each option's
-- description whole and aligned under its first line.
local cli = require("flowlua.cli")
local options = require("flowlua.cli.options")
local proc = require("support.proc")

-- The option lines of a help text: names → the description, its wrapped
-- lines joined again.
local function option_texts(help)
  local texts, last = {}, nil
  local block = (help .. "\n\n"):match("\nOptions:\n(.-)\n\n")
  for line in (block .. "\n"):gmatch("(.-)\n") do
    local head, text = line:match("^(  %-%S.-  +)(%S.*)$")
    if head and #head == 29 then
      last = head:match("^  (.-) *$")
      texts[last] = text
    else
      assert.equal(29, #line:match("^ *"), "continuation: " .. line)
      texts[last] = texts[last] .. " " .. line:match("^ *(.*)$")
    end
  end
  return texts
end

describe("flowlua COMMAND --help", function()
  for _, c in ipairs(cli.commands) do
    it(c.name .. " fits 80 columns and keeps every option's text", function()
      local out, err, code = proc.run{ c.name, "--help" }
      assert.equal("", err)
      assert.equal(0, code)
      for line in out:gmatch("[^\n]+") do
        assert(utf8.len(line) <= 80, ("%d columns: %s"):format(
          utf8.len(line), line))
      end
      local cmd = require(c.module)
      local texts = option_texts(out)
      for _, spec in ipairs(options.define_all(cmd.options)) do
        local shown
        for names, text in pairs(texts) do
          if names:find(spec.long, 1, true) then shown = text end
        end
        assert.equal(spec.help, shown)
      end
      assert.equal(cmd.usage, (out:match("^(.-)\n\n"):gsub("\n +", " ")))
    end)
  end

  it("lists the commands in aligned columns", function()
    local out = proc.run{ "--help" }
    local at = {}
    for name, gap in out:gmatch("\n  (%S+)( +)%S") do
      at[#at + 1] = #name + #gap
      assert(#gap >= 2, name)
    end
    assert.equal(#cli.commands, #at)
    for _, column in ipairs(at) do assert.equal(at[1], column) end
  end)
end)
