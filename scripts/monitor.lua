-- monitor.lua: a dataflow's first run, watched.
--
-- Creates a base connection, picks the file to ingest by exploring the
-- storage (unless path=... is given), creates the source and target
-- connections and a dataflow that runs every 15 minutes from now,
-- publishes and enables it, waits for its first run, and reports: the
-- records ingested, or each failing file with the service's error code
-- and text. A failed run is re-triggered once (after you fix the file,
-- for instance) and that run is reported too. Exit status 1 when the
-- last run failed.
--
--   flowlua run --emulator --time-scale 3600 scripts/monitor.lua
--   flowlua run scripts/monitor.lua name=Globex path=/globex/a.csv timeout=3600
--
-- With --emulator the storage is the folder .flowlua/files (put a CSV file
-- there, or run `flowlua emulator --files DIR`). It is a resumable
-- workflow ("monitor-<name>"): run it again and it reuses what it made.

local flowlua = require("flowlua")

local CONFIG = {
  name = "ACME",
  host = "acme.file.core.windows.net",
  userid = "acme-demo",
  password = "demo-storage-key", -- a secret: never printed or journaled
  path = "",                     -- "": the first file found by exploring
  format = "delimited",
  schema_id = "https://ns.adobe.com/acme/schemas/5f3c3cedb2805c194ff0b69b",
  dataset_id = "5f3c3cedb2805c194ff0b69a",
  interval = 15,                 -- minutes between runs
  timeout = 600,                 -- seconds to wait for a run
}

local AZURE_FILE_STORAGE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
local DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

flowlua.apply_arguments(CONFIG, { ... })

local aep = flowlua.connect()
local wf = flowlua.workflow("monitor-" .. CONFIG.name, { client = aep })
local label = CONFIG.name .. " monitored"

local base = wf:step("base connection", function()
  return aep.connections:create({ name = label .. " base connection",
    auth = { specName = "Basic Authentication", params = {
      host = CONFIG.host, userid = CONFIG.userid,
      password = CONFIG.password } },
    connectionSpec = { id = AZURE_FILE_STORAGE, version = "1.0" } })
end)

-- The first file of the storage, depth first, as the cloud storage
-- tutorial finds its file by exploring.
local function first_file(path)
  for _, entry in ipairs(base:explore(path)) do
    if entry.type == "file" then return entry.path end
    local inner = first_file(entry.path)
    if inner then return inner end
  end
end

local path = wf:step("pick the file", function()
  if CONFIG.path ~= "" then return CONFIG.path end
  if not base:test() then
    error("the storage refuses the credentials of " .. base.name, 0)
  end
  local found = first_file(nil)
  if found == nil then
    error("the storage holds no file: add one (with --emulator, in "
      .. ".flowlua/files) or pass path=...", 0)
  end
  print("ingesting " .. found)
  return found
end)

local flow = wf:step("dataflow", function()
  local source = aep.source_connections:create({
    name = label .. " source connection", baseConnectionId = base.id,
    data = { format = CONFIG.format }, params = { path = path },
    connectionSpec = { id = AZURE_FILE_STORAGE, version = "1.0" } })
  local target = aep.target_connections:create({
    name = label .. " target connection",
    data = { schema = { id = CONFIG.schema_id,
      version = "application/vnd.adobe.xed-full+json;version=1" } },
    params = { dataSetId = CONFIG.dataset_id },
    connectionSpec = { id = DATA_LAKE, version = "1.0" } })
  local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
  return aep.flows:create({ name = label .. " dataflow",
    sourceConnectionIds = { source.id }, targetConnectionIds = { target.id },
    flowSpec = { id = fs.id, version = "1.0" },
    scheduleParams = { startTime = os.time(), frequency = "minute",
      interval = CONFIG.interval } }, { draft = true })
end)

wf:step("publish and enable", function()
  flow:publish_all()
  flow:enable()
end)
wf:finish()

local function report(run)
  if run:status() == "success" then
    print(("run %s succeeded: %s records from %s file(s)"):format(run.id,
      tostring(run.metrics.recordSummary.outputRecordCount),
      tostring(run.metrics.fileSummary.inputFileCount)))
    return true
  end
  print(("run %s %s:"):format(run.id, tostring(run:status())))
  for _, e in ipairs(run:errors()) do
    print(("  %s %s"):format(e.code, e.message))
  end
  return false
end

if aep.dry_run then return end
local run = flow:wait_for_run{ first = true, timeout = CONFIG.timeout }
if not report(run) then
  print("re-triggering run " .. run.id .. " once")
  run = run:retrigger():wait{ timeout = CONFIG.timeout }
  if not report(run) then error("the re-triggered run failed too", 0) end
end
