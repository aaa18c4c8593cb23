--- A workflow instance's journal: what each step meant to create and what
-- it did, kept in the state store (flowlua.state) under the instance's
-- key (endpoint, org, sandbox, workflow name, exactly as given), and
-- locked for this process while it runs. It holds ids, names and spec
-- ids only: never a request body, so never a secret.
--
--     { "workflow": "acme", "format": 1,
--       "steps": [ { "name": "base", "state": "done",
--                    "intents": [ {"kind": "connection", "name": "...",
--                                  "spec": "<spec id>", "started": 1.7e9,
--                                  "marker": "flowlua:<16 hex>",
--                                  "id": "<id once known>"} ],
--                    "values": [ {"kind": "connection", "id": "..."} ],
--                    "touched": [ {"kind": "flow", "id": "...",
--                                  "etag": "<as the change left it>"} ] } ] }
--
-- The store is `--state PATH|URL` (runtime.state), else `FLOWLUA_STATE`,
-- else the profile's `state` (flowlua.config), else `state.db` in the
-- journal directory given to the workflow (`{dir = ...}`), else
-- `.flowlua/state.db`. A JSON journal of an older
-- flowlua (`.flowlua/journal/<name>.json`) is imported the first time the
-- store has no record of the instance, then renamed `*.json.imported`.
-- @module flowlua.workflow.journal

local config = require("flowlua.config")
local errors = require("flowlua.errors")
local json = require("flowlua.json")
local log = require("flowlua.log")
local runtime = require("flowlua.runtime")
local state = require("flowlua.state")
local holder = require("flowlua.state.holder")
local legacy_file = require("flowlua.state.legacy")

local journal = {}

local Journal = { __name = "flowlua.workflow.journal" }
Journal.__index = Journal

--- The directory older flowlua kept JSON journals in:
-- `FLOWLUA_JOURNAL_DIR` or `.flowlua/journal`.
-- @treturn string
function journal.default_dir()
  return os.getenv("FLOWLUA_JOURNAL_DIR") or ".flowlua/journal"
end

--- The file name an older flowlua mapped a workflow name to (unsafe
-- characters became `_`, so names could collide: only imported from).
-- @tparam string name the workflow name
-- @treturn string
journal.file_name = legacy_file.file_name

--- Where the state store is for a workflow opened with `dir`:
-- `--state` (runtime.state), else the settings' `state` (FLOWLUA_STATE,
-- else the profile's), else `dir/state.db`, else `.flowlua/state.db`.
-- @tparam[opt] string dir the workflow's journal directory
-- @tparam[opt] table settings from flowlua.config.load (a client's);
--   default: those of the run's profile (`--profile`, `--config`)
-- @treturn string a location for flowlua.state.open
function journal.location(dir, settings)
  if runtime.state then return runtime.state end
  settings = settings or config.load{ profile = runtime.profile,
    file = runtime.config_file }
  local chosen = settings.state
  if chosen ~= nil and chosen ~= "" then return chosen end
  return dir and dir .. "/state.db" or state.DEFAULT
end

-- One store object per location and process: its locks are this
-- process's, and a second workflow object of the same instance in the
-- same process shares them.
local stores = {}

--- The store at a location (opened once per process).
-- @tparam string location
-- @treturn table the store
function journal.store(location)
  local s = stores[location]
  if s == nil then
    s = state.open(location)
    stores[location] = s
  end
  return s
end

--- The state key of a workflow run through a client: the client's
-- endpoint (the embedded emulator's is named by its state file, since
-- its port changes from run to run), org and sandbox.
-- @tparam table c the client
-- @tparam string name the workflow name
-- @treturn table the key
function journal.key(c, name)
  local s = c.settings or {}
  local endpoint = s.endpoint or ""
  local emu = runtime.emulator
  if emu and emu.url == endpoint then endpoint = "emulator:" .. emu.state end
  return { endpoint = endpoint, org = s.org_id or "",
    sandbox = s.sandbox or "", workflow = name }
end

--- Removes the temporary files dead writers left in a journal directory
-- (flowlua.state.legacy.clean_strays).
-- @function clean_strays
journal.clean_strays = legacy_file.clean_strays

local function unreadable(path, why)
  error(("journal %s is unreadable (%s); move it away to start the "
    .. "workflow afresh"):format(path, why), 0)
end

-- The older JSON journal of `key.workflow` in `dir`, checked, or nil.
local function legacy(dir, key)
  local path = dir .. "/" .. journal.file_name(key.workflow)
  local doc, bad = legacy_file.read(path, key.workflow)
  if bad then unreadable(path, bad) end
  return doc, path
end

-- Imports an older JSON journal; a dry run (no lock) only reads it.
local function import(store, key, dir, write)
  if write then journal.clean_strays(dir) end
  local doc, path = legacy(dir, key)
  if doc == nil or not write then return doc end
  store:save(key, doc)
  assert(os.rename(path, path .. ".imported"))
  log.info("%s", ("journal %s imported into state store %s as %s; the file is "
    .. "kept as %s.imported"):format(path, store.where,
      state.describe_key(key), path))
  return doc
end

local function refuse(store, key, h)
  runtime.refused = runtime.refused or {}
  local list = runtime.refused
  list[#list + 1] = key.workflow
  errors.raise("locked", { workflow = key.workflow, holder = h,
    message = ("workflow %s in sandbox %s is being run by another process "
      .. "(%s; state store %s): left untouched; wait for it with "
      .. "--wait-lock[=SECONDS]"):format(json.encode(key.workflow),
        json.encode(key.sandbox), holder.describe(h), store.where) })
end

--- Opens the journal of a workflow instance: takes its lock (waiting up
-- to `opts.wait` seconds, default `runtime.wait_lock` or 0), then reads
-- its record (or imports an older JSON journal, or starts afresh).
-- Raises a "locked" error naming the holder when another process has it.
-- @tparam table key the instance's key (journal.key)
-- @tparam[opt] table opts `{dir = journal directory, wait = seconds,
--   lock = false, settings = the client's}` (`lock = false`: dry runs
--   read without locking; `settings` for journal.location)
-- @treturn table the journal: `data` (the document), `store`, `key`
function journal.open(key, opts)
  opts = opts or {}
  local store = journal.store(journal.location(opts.dir, opts.settings))
  local write = opts.lock ~= false
  if write then
    local ok, h = store:lock(key, { wait = opts.wait or runtime.wait_lock })
    if not ok then refuse(store, key, h) end
  end
  local data = store:load(key)
    or import(store, key, opts.dir or journal.default_dir(), write)
    or state.fresh(key.workflow)
  return setmetatable({ name = key.workflow, key = key, store = store,
    locked = write, data = data }, Journal)
end

--- Finds a step's record, or nil.
-- @tparam string name the step name
-- @treturn table|nil
function Journal:step(name)
  for _, s in ipairs(self.data.steps) do
    if s.name == name then return s end
  end
end

--- Finds or adds a step's record.
-- @tparam string name the step name
-- @treturn table the record
function Journal:ensure_step(name)
  local s = self:step(name)
  if s then return s end
  s = { name = name, state = "pending", intents = json.array(),
    entities = json.array() }
  local steps = self.data.steps
  steps[#steps + 1] = s
  return s
end

--- Writes the journal (durable when it returns; saves of one scheduler
-- turn share a commit).
function Journal:save()
  self.store:save(self.key, self.data)
end

--- Forgets the instance (after a cleanup) and lets its lock go.
function Journal:remove()
  self.store:forget(self.key)
  self.data = state.fresh(self.name)
  self:release()
end

--- Lets the instance's lock go (the workflow is finished).
function Journal:release()
  if self.locked then
    self.store:unlock(self.key)
    self.locked = false
  end
end

return journal
