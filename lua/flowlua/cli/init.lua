--- The flowlua command line: `flowlua COMMAND [OPTIONS] ...`.
-- main.c hands argv here; every command is a module under flowlua.cli.
-- Exit codes: 0 success, 1 failure (a script error, an invalid document),
-- 2 usage error or unreadable input (1 under `plan --detailed-exitcode`,
-- where 2 means "changes"), 3 a workflow left untouched because another
-- process runs it (a "locked" error: `--wait-lock` waits instead).
-- @module flowlua.cli

local cli = {}

local core = require("flowlua.core")
local options = require("flowlua.cli.options")

cli.VERSION = core.version

--- Commands: name → module and one-line summary, in help order.
cli.commands = {
  { name = "run", module = "flowlua.cli.run",
    summary = "run a workflow script" },
  { name = "emulator", module = "flowlua.cli.emulator",
    summary = "serve the local Flow Service emulator" },
  { name = "runs", module = "flowlua.cli.runs",
    summary = "show a flow's state and recent runs (--json, --watch)" },
  { name = "state", module = "flowlua.cli.state",
    summary = "list, show, check, unlock or forget workflow state" },
  { name = "validate", module = "flowlua.cli.validate",
    summary = "validate JSON documents against a JSON Schema" },
  { name = "inventory", module = "flowlua.cli.inventory",
    summary = "list every flow tree of a sandbox, and the orphans" },
  { name = "delete-tree", module = "flowlua.cli.delete_tree",
    summary = "delete flow trees, keeping shared connections" },
  { name = "enable", module = "flowlua.cli.enable",
    summary = "enable flows by id, filter or all" },
  { name = "disable", module = "flowlua.cli.disable",
    summary = "disable flows by id, filter or all" },
  { name = "reschedule", module = "flowlua.cli.reschedule",
    summary = "give flows chosen by id, filter or all one schedule" },
  { name = "adopt", module = "flowlua.cli.adopt",
    summary = "bring a flow tree made elsewhere under a workflow's state" },
  { name = "promote", module = "flowlua.cli.promote",
    summary = "make flow trees of one sandbox again in another, as drafts" },
  { name = "plan", module = "flowlua.cli.plan",
    summary = "show what apply would change to match a flows.lua file" },
  { name = "apply", module = "flowlua.cli.apply",
    summary = "make the sandbox match a flows.lua file" },
}

cli.USAGE = "usage: flowlua [--help] [--version] COMMAND [OPTIONS] [ARGS]"

--- Raises a usage error (flowlua.cli.options.usage_error): exit 2.
cli.usage_error = options.usage_error

local function find_command(name)
  for _, c in ipairs(cli.commands) do
    if c.name == name then return c end
  end
end

local function help_text()
  local lines = {
    "flowlua " .. cli.VERSION ..
      " - Adobe Experience Platform Flow Service workflows in Lua", "",
    cli.USAGE, "", "Commands:" }
  local width = 0
  for _, c in ipairs(cli.commands) do width = math.max(width, #c.name) end
  for _, c in ipairs(cli.commands) do
    lines[#lines + 1] = ("  %-" .. width .. "s  %s"):format(c.name, c.summary)
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Run `flowlua COMMAND --help` for a command's options."
  return table.concat(lines, "\n")
end

local function version_text()
  local curl = core.http.version and core.http.version() or "?"
  return ("flowlua %s (%s, libcurl %s)"):format(cli.VERSION, _VERSION, curl)
end

--- Runs the command line and returns the exit status.
-- @tparam table argv argv[0] the program name, argv[1..n] the arguments
-- @treturn integer exit status
function cli.main(argv)
  local first = argv[1]
  if first == nil then
    io.stderr:write(cli.USAGE, "\n")
    return 2
  elseif first == "--help" or first == "-h" or first == "help" then
    print(help_text())
    return 0
  elseif first == "--version" then
    print(version_text())
    return 0
  end
  local command = find_command(first)
  if command == nil then
    io.stderr:write(("flowlua: unknown command '%s'\n%s\n")
      :format(first, cli.USAGE))
    return 2
  end
  local args = table.move(argv, 2, #argv, 1, {})
  local ok, result = pcall(function()
    return require(command.module).main(args)
  end)
  if ok then return result or 0 end
  if options.is_usage_error(result) then
    io.stderr:write("flowlua: ", result.message, "\n",
      result.usage or cli.USAGE, "\n")
    return result.status or 2
  end
  io.stderr:write("flowlua: ", tostring(result), "\n")
  return require("flowlua.errors").is(result, "locked") and 3 or 1
end

return cli
