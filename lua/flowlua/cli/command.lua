--- A command of the flowlua CLI as it declares itself: its usage line,
-- its options, the text of its `--help` around them, and what it runs.
-- Every command's `main(args)` is the same: parse the arguments, print
-- the help under `--help`, else run.
-- @module flowlua.cli.command

local options = require("flowlua.cli.options")
local wrap = require("flowlua.cli.wrap")

local command = {}

--- The `--help` text: the usage line, what the command does, its
-- options, and what follows them (exit statuses).
-- @tparam table cmd as `new` takes it
-- @treturn string
function command.help(cmd)
  local head = cmd.usage:match("^usage: %S+ %S+ ") or ""
  -- an option in brackets ("[--target NAME]...") is kept on one line
  local groups = cmd.usage:sub(#head + 1):gsub("%b[]", function(group)
    return (group:gsub(" ", "\0"))
  end)
  return (wrap(head, groups):gsub("%z", " ")) .. "\n\n" .. cmd.about
    .. "\n\nOptions:\n"
    .. options.help(cmd.options) .. (cmd.after and "\n\n" .. cmd.after or "")
end

--- Declares a command.
-- @tparam table cmd `usage` (the usage line, also that of its usage
--   errors), `options` (as flowlua.cli.options.parse takes them),
--   `about` (the help's text before the options), `after` (optional,
--   after them) and `stop_at_operand` (options end at the first operand,
--   as `run` needs); `run(opts, args)`, which gives the exit status, may
--   be set afterwards
-- @treturn table `cmd`, with `help` (the `--help` text) and `main(args)`
function command.new(cmd)
  cmd.help = command.help(cmd)
  function cmd.main(args)
    local opts = options.parse(args, cmd.options, cmd.usage,
      cmd.stop_at_operand)
    if opts.help then print(cmd.help) return 0 end
    return cmd.run(opts, args)
  end
  return cmd
end

return command
