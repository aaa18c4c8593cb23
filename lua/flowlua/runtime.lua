--- Process-wide options of the current `flowlua run`.
-- The CLI fills this in before the script starts; flowlua.connect(),
-- the logger and the planner read it, so a script needs no flags of its
-- own to honour `--dry-run`, `--sandbox` or `--emulator`. Under plain
-- lua5.4 it keeps its defaults.
-- @module flowlua.runtime

local runtime = {
  --- Validate and print the plan; send no POST, PATCH or DELETE.
  dry_run = false,
  --- Named profile in the config file (nil: the file's default).
  profile = nil,
  --- Config file path (nil: ~/.config/flowlua/config.json).
  config_file = nil,
  --- Settings that win over the environment and the profile file, such as
  -- the embedded emulator's endpoint and credentials, `--cacert` (cafile)
  -- and `--insecure` (insecure = true: no TLS verification).
  overrides = {},
  --- Hosts this run's clients never reach through a proxy (curl's list,
  -- added to the environment's no_proxy): the embedded emulator's
  -- loopback address under `--emulator`, nil otherwise.
  no_proxy = nil,
  --- `--trust-state`: a resumed run does not check that what its finished
  -- steps changed is still as they left it (flowlua.workflow).
  trust_state = false,
  --- "debug", "info", "warn" or "error".
  log_level = "info",
  --- "text" or "json".
  log_format = "text",
  --- True when -v was given: tracebacks on errors, debug logs.
  verbose = false,
  --- The workflow state store (`--state PATH|URL`); nil: FLOWLUA_STATE,
  -- the profile's `state` or `.flowlua/state.db` (flowlua.workflow.journal).
  state = nil,
  --- Seconds a workflow waits for another process's lock (`--wait-lock`).
  wait_lock = nil,
  --- Under `--emulator`: `{url=, state=}`, so the state key of its
  -- workflows names its state file rather than its port of the moment.
  emulator = nil,
  --- Workflow names left untouched because another process held them.
  refused = nil,
}

return runtime
