--- A small, strict command-line option parser shared by the commands.
-- Options are declared as a list of specs; parsing stops at the first
-- operand (or `--`) when `stop_at_operand` is set, which is what `run`
-- needs so that the script's own options reach the script.
-- Also the usage error every command raises (exit 2 with the usage line).
-- @module flowlua.cli.options

local wrap = require("flowlua.cli.wrap")

local options = {}

-- The column an option's description starts at in `--help`.
local HELP_COLUMN = 29

--- A usage error: printed with the usage line, exits 2 (or its `status`,
-- which a command may set: `plan --detailed-exitcode` keeps 2 for changes).
local UsageError = { __name = "flowlua.cli.UsageError" }
UsageError.__index = UsageError
function UsageError:__tostring() return self.message end

--- Raises a usage error with a message.
-- @tparam string message what was wrong with the command line
-- @tparam[opt] string usage the command's usage line
function options.usage_error(message, usage)
  error(setmetatable({ message = message, usage = usage }, UsageError), 0)
end

--- Runs `fn()`; a usage error it raises leaves with exit status `status`
-- instead of 2 (`plan --detailed-exitcode`, where 2 means changes).
-- @tparam integer status
-- @tparam function fn
-- @return what `fn` returns
function options.usage_status(status, fn)
  local ok, a, b = pcall(fn)
  if ok then return a, b end
  if options.is_usage_error(a) then a.status = status end
  error(a, 0)
end

--- True when `value` was raised by `usage_error`.
-- @param value anything
-- @treturn boolean
function options.is_usage_error(value)
  return getmetatable(value) == UsageError
end

----------------------------------------------------------------------
-- Declaring options

--- How a command writes an option: its names and argument as `--help`
-- shows them, then its help text. `{ "-v, --verbose", HELP }` is a flag,
-- `{ "--as NAME", HELP }` needs a value, `{ "--emulator[=STATE]", HELP }`
-- may have one; `multiple = true` gathers every use in a list,
-- `default = VALUE` stands when the option is not given. The key of its
-- value in the parsed options is the long name without its dashes, each
-- `-` as `_` (`--dry-run`: `dry_run`).
-- @tparam table spec the option as written, or one `define` made already
-- @treturn table `{long, short, key, value = "required" | "optional" |
--   nil (a flag), arg, help, default, multiple}`
function options.define(spec)
  if spec.long then return spec end
  local short, rest = spec[1]:match("^(%-%w), (.+)$")
  local long, tail = (rest or spec[1]):match("^(%-%-[%w-]+)(.*)$")
  local optional, required = tail and tail:match("^%[=(%S+)%]$"),
    tail and tail:match("^ (%S+)$")
  if long == nil or (tail ~= "" and not optional and not required) then
    error(("malformed option '%s'"):format(spec[1]), 2)
  end
  return { long = long, short = short, key = (long:sub(3):gsub("-", "_")),
    value = optional and "optional" or required and "required" or nil,
    arg = optional or required, help = spec[2], default = spec.default,
    multiple = spec.multiple }
end

--- Every option of a list through `define`.
-- @tparam table specs options as written
-- @treturn table a new list
function options.define_all(specs)
  local out = {}
  for i, spec in ipairs(specs) do out[i] = options.define(spec) end
  return out
end

--- `-h, --help`, which every command takes.
options.HELP = options.define{ "-h, --help", "show this help" }

--- `--allow-core`, for the commands that may run long enough to crash.
options.ALLOW_CORE = options.define{ "--allow-core",
  "let a crash write a core file (debugging; it holds secrets)" }

--- `--json` for a command that prints one JSON document instead of text.
-- @tparam string holds what the document holds, e.g. "steps, counts"
-- @treturn table the option
function options.json(holds)
  return options.define{ "--json", "print one JSON document (" .. holds
    .. ")" }
end

----------------------------------------------------------------------
-- Parsing

local function find_spec(specs, name)
  for _, spec in ipairs(specs) do
    if spec.long == name or spec.short == name then return spec end
  end
end

local function store(result, spec, value)
  if spec.multiple then
    local list = result[spec.key] or {}
    list[#list + 1] = value
    result[spec.key] = list
  else
    result[spec.key] = value
  end
end

--- Parses `args` against `specs`.
-- @tparam table args the arguments after the command name
-- @tparam table specs the options, as written or defined (`define`)
-- @tparam string usage the command's usage line, for errors
-- @tparam[opt] boolean stop_at_operand stop at the first operand
-- @treturn table options by key, with `operands` the remaining arguments
function options.parse(args, specs, usage, stop_at_operand)
  specs = options.define_all(specs)
  local result = { operands = {} }
  local operands = result.operands
  for _, spec in ipairs(specs) do
    if spec.default ~= nil then result[spec.key] = spec.default end
  end
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" then
      table.move(args, i + 1, #args, #operands + 1, operands)
      break
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      local name, inline = a:match("^(%-%-[^=]+)=(.*)$")
      name = name or a
      local spec = find_spec(specs, name)
      if spec == nil then
        options.usage_error(("unknown option '%s'"):format(name), usage)
      end
      if spec.value == "required" then
        if inline == nil then
          i = i + 1
          inline = args[i]
          if inline == nil then
            options.usage_error(("option '%s' needs a value"):format(name), usage)
          end
        end
        store(result, spec, inline)
      elseif spec.value == "optional" then
        store(result, spec, inline or true)
      elseif inline ~= nil then
        options.usage_error(("option '%s' takes no value"):format(name), usage)
      else
        store(result, spec, true)
      end
    else
      operands[#operands + 1] = a
      if stop_at_operand then
        table.move(args, i + 1, #args, #operands + 1, operands)
        break
      end
    end
    i = i + 1
  end
  return result
end

--- Formats the option list for `--help`.
-- @tparam table specs the options, as written or defined (`define`)
-- @treturn string one line per option
function options.help(specs)
  local lines = {}
  for _, spec in ipairs(options.define_all(specs)) do
    local names = spec.short and (spec.short .. ", " .. spec.long) or spec.long
    if spec.value == "required" then
      names = names .. " " .. spec.arg
    elseif spec.value == "optional" then
      names = names .. "[=" .. spec.arg .. "]"
    end
    lines[#lines + 1] = wrap(("  %-26s "):format(names), spec.help or "",
      HELP_COLUMN)
  end
  return table.concat(lines, "\n")
end

--- A positive number option, or a usage error (exit 2) naming it.
-- @tparam string value
-- @tparam string name e.g. "--time-scale"
-- @tparam string usage the command's usage line
-- @treturn number
function options.positive_number(value, name, usage)
  local n = tonumber(value)
  if n == nil or n <= 0 or n ~= n or n == math.huge then
    options.usage_error(("%s must be a positive number")
      :format(name), usage)
  end
  return n
end

return options
