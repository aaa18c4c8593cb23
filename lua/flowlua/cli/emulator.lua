--- `flowlua emulator [OPTIONS]`: serve the local Flow Service emulator
-- until SIGINT or SIGTERM (exit status 130 or 143).
-- @module flowlua.cli.emulator

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")

local USAGE = "usage: flowlua emulator [--host HOST] [--port PORT] "
  .. "[--state FILE] [--faults SPEC] [--client-id ID --client-secret S] "
  .. "[--org ORG_ID] [--token-ttl SECONDS] [--tls-cert FILE --tls-key FILE] "
  .. "[--time-scale N] [--files DIR]"

local SPECS = {
  { "--host HOST", "address to bind (default 127.0.0.1)",
    default = "127.0.0.1" },
  { "--port PORT", "port to bind (default 0: any free port)", default = "0" },
  { "--state FILE", "persist every sandbox's entities in FILE and reload them" },
  { "--faults SPEC",
    "inject faults, e.g. 429=0.05,503=0.05,drop=0.02,latency=5ms,seed=7" },
  { "--client-id ID", "accept only this IMS client id (default: any)" },
  { "--client-secret SECRET",
    "accept only this IMS client secret (default: any)" },
  { "--org ORG_ID",
    "accept only this x-gw-ims-org-id (default: any ...@AdobeOrg)" },
  { "--token-ttl SECONDS", "lifetime of issued tokens (default 86399)",
    default = "86399" },
  { "--tls-cert FILE",
    "serve HTTPS with this PEM certificate (needs --tls-key)" },
  { "--tls-key FILE", "the PEM private key of --tls-cert" },
  options.ALLOW_CORE,
  { "--time-scale N", "N simulated seconds pass per real second (default 1)" },
  { "--files DIR", "serve DIR as the cloud storage's contents (default: "
    .. "files/ beside --state)" },
  options.HELP,
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Serves a local Adobe Flow Service (and IMS token endpoint) for development
and tests. Prints `listening on URL` first, then serves until interrupted.]],
  after = [[
See docs/emulator.md for every behaviour and the fault spec.]] }

local function number_opt(value, name, min, max)
  local n = math.tointeger(tonumber(value))
  if n == nil or n < min or n > max then
    options.usage_error(("%s must be an integer from %d to %d")
      :format(name, min, max), USAGE)
  end
  return n
end

-- The shell's convention: 128 + the signal's number.
local EXIT_STATUS = { SIGINT = 130, SIGTERM = 143 }

-- Stops listening and waits for the requests in progress (closing the
-- server joins their threads). Every change was written to the state file
-- before it was answered, so the file is complete once they are done;
-- what is left to do is remove a temporary file a write of this process
-- may have left (sys.write_file's PATH.tmp.PID).
local function stop(handle, state)
  handle:close()
  if state then
    os.remove(("%s.tmp.%d"):format(state, require("flowlua.core").sys.getpid()))
  end
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  if opts.allow_core then require("flowlua.core").sys.allow_core() end
  if #opts.operands > 0 then
    options.usage_error("unexpected argument '"
      .. opts.operands[1] .. "'", USAGE)
  end
  local settings = {
    host = opts.host, port = number_opt(opts.port, "--port", 0, 65535),
    state = opts.state, faults = opts.faults,
    client_id = opts.client_id, client_secret = opts.client_secret,
    org = opts.org, token_ttl = number_opt(opts.token_ttl, "--token-ttl", 1, 1 << 31),
    tls_cert = opts.tls_cert, tls_key = opts.tls_key, files = opts.files,
    time_scale = opts.time_scale and options.positive_number(opts.time_scale,
      "--time-scale", USAGE),
  }
  if (opts.tls_cert == nil) ~= (opts.tls_key == nil) then
    options.usage_error("--tls-cert and --tls-key go together",
      USAGE)
  end
  local sys = require("flowlua.core").sys
  sys.trap_signals()  -- before `listening on`: a signal right after it counts
  local ok, handle = pcall(require("flowlua.emulator").start, settings)
  if not ok then
    io.stderr:write("flowlua: ", tostring(handle), "\n")
    return 1
  end
  io.stdout:write("listening on ", handle.url, "\n")
  io.stdout:flush()
  local signal = sys.wait_signal()
  stop(handle, opts.state)
  io.stderr:write("flowlua emulator: ", signal, ", stopped\n")
  return EXIT_STATUS[signal]
end

return cmd
