-- onboarding.lua: the Flow Service drafts tutorial, end to end.
--
-- Checks that the Azure File Storage connection spec and the
-- CloudStorageToAEP flow spec support drafts, creates a draft base
-- connection, source connection, target connection and dataflow, updates
-- the dataflow draft (adds its schedule and mapping), publishes everything
-- parents first, and prints the final states.
--
--   flowlua run --emulator scripts/onboarding.lua         embedded emulator
--   flowlua run scripts/onboarding.lua                    configured endpoint
--   flowlua run --dry-run scripts/onboarding.lua          validate, print plan
--   flowlua run --emulator scripts/onboarding.lua name=Globex path=/g/a.csv
--
-- Arguments KEY=VALUE override the demo values in CONFIG below (or edit
-- them). Without path=..., the source reads the first file found by
-- exploring the storage, as Adobe's cloud storage tutorial does (with
-- --emulator: the files in .flowlua/files), or CONFIG.path when the
-- storage shows none. It is a resumable workflow ("onboarding-<name>"): if a run
-- stops, run the same command again and it continues where it stopped,
-- creating nothing twice. scripts/cleanup.lua deletes what it created.

local flowlua = require("flowlua")

local CONFIG = {
  name = "ACME",                 -- prefix of every entity name
  host = "acme.file.core.windows.net",
  userid = "acme-demo",
  password = "demo-storage-key", -- a secret: never printed or journaled
  path = "/acme/summerCampaign/account.csv",
  format = "delimited",
  schema_id = "https://ns.adobe.com/acme/schemas/"
    .. "5f3c3cedb2805c194ff0b69b",
  dataset_id = "5f3c3cedb2805c194ff0b69a",
  mapping_id = "bf5286a9c1ad4266baca76ba3adc9366",
  frequency = "minute",
  interval = 15,
}

local AZURE_FILE_STORAGE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
local DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

local given = flowlua.apply_arguments(CONFIG, { ... })

local aep = flowlua.connect()
local wf = flowlua.workflow("onboarding-" .. CONFIG.name, { client = aep })
local label = CONFIG.name .. " Azure File Storage"

wf:step("check draft support", function()
  local cs = aep:connection_spec(AZURE_FILE_STORAGE)
  local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
  if not aep:supports_drafts(cs, fs) then
    error("Azure File Storage or CloudStorageToAEP does not support drafts "
      .. "in this sandbox", 0)
  end
  return fs.id
end)

local base = wf:step("base connection", function()
  return aep.connections:create({
    name = label .. " Base Connection",
    description = "Azure File Storage base connection for "
      .. CONFIG.name .. " data (DRAFT)",
    auth = { specName = "Basic Authentication", params = {
      host = CONFIG.host, userid = CONFIG.userid,
      password = CONFIG.password } },
    connectionSpec = { id = AZURE_FILE_STORAGE, version = "1.0" },
  }, { draft = true })
end)

-- The first file of the storage, depth first; nil when there is none or
-- the source cannot be explored (a dry run's placeholder, a service that
-- does not explore drafts).
local function explored_file(conn, path)
  local ok, entries = pcall(conn.explore, conn, path)
  if not ok then return nil end
  for _, e in ipairs(entries) do
    if e.type == "file" then return e.path end
    local inner = e.type == "folder" and explored_file(conn, e.path)
    if inner then return inner end
  end
end

local source = wf:step("source connection", function()
  local path = not given.path and explored_file(base) or CONFIG.path
  return aep.source_connections:create({
    name = label .. " Source Connection",
    description = "Azure File Storage source connection for "
      .. CONFIG.name .. " data (DRAFT)",
    baseConnectionId = base.id,
    data = { format = CONFIG.format },
    params = { path = path, type = "file" },
    connectionSpec = { id = AZURE_FILE_STORAGE, version = "1.0" },
  }, { draft = true })
end)

local target = wf:step("target connection", function()
  return aep.target_connections:create({
    name = label .. " Target Connection",
    description = "Azure File Storage target connection " .. CONFIG.name
      .. " data (DRAFT)",
    data = { schema = { id = CONFIG.schema_id,
      version = "application/vnd.adobe.xed-full+json;version=1" } },
    params = { dataSetId = CONFIG.dataset_id },
    connectionSpec = { id = DATA_LAKE, version = "1.0" },
  }, { draft = true })
end)

local flow = wf:step("dataflow", function()
  local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
  return aep.flows:create({
    name = label .. " Dataflow",
    description = "Azure File Storage dataflow for " .. CONFIG.name
      .. " data (DRAFT)",
    sourceConnectionIds = { source.id },
    targetConnectionIds = { target.id },
    flowSpec = { id = fs.id, version = "1.0" },
  }, { draft = true })
end)

wf:step("update dataflow", function()
  flow:update{
    { op = "add", path = "/transformations", value = { {
      name = "Mapping",
      params = { mappingId = CONFIG.mapping_id, mappingVersion = "0" } } } },
    { op = "add", path = "/scheduleParams", value = {
      startTime = os.time() + 3600, frequency = CONFIG.frequency,
      interval = CONFIG.interval } },
  }
end)

wf:step("publish", function()
  flow:publish_all()
end)

wf:finish()
print(("%-18s %-50s %-38s %s"):format("KIND", "NAME", "ID", "STATE"))
for _, e in ipairs{ base, source, target, flow } do
  e:refresh()
  print(("%-18s %-50s %-38s %s"):format(e.kind, e.name, e.id, e.state))
end
