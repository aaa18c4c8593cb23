--- What the commands that talk to the Flow Service share (`inventory`,
-- `delete-tree`, `enable`, `disable`): the options that say which service
-- and sandbox to reach (`--emulator`, `--profile`, `--config`,
-- `--sandbox`, `--state`, `--wait-lock`, `--cacert`, `--insecure`,
-- `--timeout`, `-v`),
-- applied to flowlua.runtime as `flowlua run` applies them, and the
-- client they give.
-- @module flowlua.cli.service

local options = require("flowlua.cli.options")
local runtime = require("flowlua.runtime")

local service = {}

--- The options, to append to a command's own.
service.SPECS = options.define_all{
  { "--emulator[=STATE]", "start the embedded Flow Service emulator and "
    .. "use it (state in .flowlua/emulator.json unless STATE is given)" },
  { "--profile NAME", "use this profile of the config file" },
  { "--config FILE", "config file (default ~/.config/flowlua/config.json)" },
  { "--sandbox NAME",
    "sandbox name (overrides FLOWLUA_SANDBOX and the profile)" },
  { "--state PATH|URL", "workflow state store: a SQLite file (PATH or "
    .. "sqlite:PATH) or postgresql://... (default FLOWLUA_STATE, the "
    .. "profile's \"state\", else .flowlua/state.db)" },
  { "--wait-lock[=SECONDS]", "wait for a workflow another process runs "
    .. "(default: leave it untouched and exit 3; no SECONDS: 600)" },
  { "--cacert FILE", "trust the CA certificates (PEM) in FILE for HTTPS" },
  { "--insecure",
    "do not verify TLS certificates (testing only; logs a warning)" },
  { "--timeout SECONDS", "each attempt of a request gives up after "
    .. "SECONDS (default 30; connecting at most 10)" },
  { "-v, --verbose", "debug logs and the number of requests sent" },
  options.HELP,
}

--- The options' part of a usage line, as most service commands write it.
service.USAGE = "[--emulator[=STATE]] [--sandbox S] [--profile P] "
  .. "[--config FILE] [-v]"

--- One of the service options, by its long name, for a command that
-- takes only some of them (`flowlua run`, `flowlua runs`, `flowlua
-- state`), with the command's own help where it says more.
-- @tparam string long e.g. "--profile"
-- @tparam[opt] string help the command's help text
-- @treturn table the option
function service.option(long, help)
  for _, spec in ipairs(service.SPECS) do
    if spec.long == long then
      if help == nil then return spec end
      local own = { help = help }
      for k, v in pairs(spec) do own[k] = own[k] or v end
      return own
    end
  end
  error(("no service option %s"):format(long), 2)
end

--- A command's options followed by the service options.
-- @tparam table own the command's options
-- @treturn table a new list
function service.specs(own)
  local out = options.define_all(own)
  return table.move(service.SPECS, 1, #service.SPECS, #out + 1, out)
end

--- Applies the options `flowlua run` and the service commands share to
-- flowlua.runtime (a command sets its own afterwards).
-- @tparam table opts the parsed options
-- @tparam string usage the command's usage line (for usage errors)
function service.configure(opts, usage)
  runtime.profile = opts.profile
  runtime.config_file = opts.config
  runtime.verbose = opts.verbose or false
  runtime.log_level = opts.verbose and "debug" or "info"
  if opts.sandbox then runtime.overrides.sandbox = opts.sandbox end
  if opts.cacert then runtime.overrides.cafile = opts.cacert end
  if opts.state then runtime.state = opts.state end
  if opts.wait_lock then
    runtime.wait_lock = opts.wait_lock == true and 600
      or options.positive_number(opts.wait_lock, "--wait-lock", usage)
  end
  if opts.insecure then runtime.overrides.insecure = true end
  if opts.timeout then
    local n = tonumber(opts.timeout)
    if n == nil or n <= 0 or n ~= n or n == math.huge then
      options.usage_error(
        "--timeout must be a positive number of seconds", usage)
    end
    runtime.overrides.timeout = n
  end
end

--- Starts the embedded emulator, as `--emulator` asks, and points the
-- client at it; the caller closes the handle.
-- @tparam string|boolean state the state file (true: the default one)
-- @tparam[opt] number time_scale simulated seconds per real second
-- @treturn table the emulator's handle
function service.start_emulator(state, time_scale)
  state = state == true and ".flowlua/emulator.json" or state
  local handle = require("flowlua.emulator").start{ state = state,
    time_scale = time_scale }
  runtime.emulator = { url = handle.url, state = state }
  for k, v in pairs(handle:client_settings()) do
    runtime.overrides[k] = v
  end
  -- Our own loopback server: never through a proxy (the storage
  -- passwords would cross it in clear text). Other hosts keep curl's rules.
  runtime.no_proxy = handle.url:match("^%a+://([^/:]+)")
  return handle
end

--- Applies the service options and calls `fn(client)`; the embedded
-- emulator (under `--emulator`) is closed afterwards, whatever happens.
-- @tparam table opts the parsed options
-- @tparam string usage the command's usage line (for usage errors)
-- @tparam function fn receives the client; its results are returned
-- @tparam[opt] table settings given to flowlua.connect (e.g. dry_run)
-- @return what `fn` returns
function service.with_client(opts, usage, fn, settings)
  service.configure(opts, usage)
  local emulator = opts.emulator and service.start_emulator(opts.emulator)
  local ok, a, b = pcall(function()
    return fn(require("flowlua").connect(settings))
  end)
  if emulator then emulator:close() end
  if not ok then error(a, 0) end
  return a, b
end

--- Writes the number of requests a client sent to stderr (under -v).
-- @tparam table c the client
-- @tparam string what the command's name
function service.report_requests(c, what)
  if not runtime.verbose then return end
  local counts, total, parts = c:request_counts(), 0, {}
  for method, n in pairs(counts) do
    total = total + n
    parts[#parts + 1] = method .. " " .. n
  end
  table.sort(parts)
  io.stderr:write(("%s: %d request%s (%s)\n"):format(what, total,
    total == 1 and "" or "s", table.concat(parts, ", ")))
end

--- Text from the service made fit for a terminal: names may have been
-- typed by anyone, so no control character is printed as is.
-- @param v a value (nil prints as "-")
-- @treturn string
function service.clean(v)
  if v == nil then return "-" end
  return (tostring(v):gsub("%c", "?"))
end

----------------------------------------------------------------------
-- What a tree operation sends, or would send
----------------------------------------------------------------------

--- The steps of a tree operation as plain tables: each names the entity
-- and the request (method, path) that changes it.
-- @tparam table steps flowlua.plan steps, or `{action=, kind=, id=,
--   name=}` records of what was sent
-- @treturn table list of `{action, kind, id, name, request}`
function service.steps(steps)
  local trees = require("flowlua.fleet.trees")
  local json = require("flowlua.json")
  local out = json.array()
  for i, s in ipairs(steps) do
    local method, path = trees.request_of(s)
    out[i] = { action = s.action, kind = s.kind, id = s.id, name = s.name,
      request = method .. " " .. require("flowlua.client").BASE_PATH
        .. path, body = s.ops }
  end
  return out
end

--- A dry run's steps as text: what each would change, and the request
-- it would send.
-- @tparam table steps `service.steps`'s result
-- @treturn string
function service.render_plan(steps)
  local words = require("flowlua.fleet.trees").WORDS
  local lines = { ("Plan (dry run, nothing was changed): %d step%s")
    :format(#steps, #steps == 1 and "" or "s") }
  for i, s in ipairs(steps) do
    lines[#lines + 1] = ('%3d. %s %s "%s"'):format(i, s.action,
      words[s.kind], service.clean(s.name))
    lines[#lines + 1] = "       " .. s.request
    if s.body then
      lines[#lines + 1] = "       " .. require("flowlua.json").encode(
        s.body, { sort_keys = true })
    end
  end
  return table.concat(lines, "\n")
end

return service
