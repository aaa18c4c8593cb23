-- tutorial.lua: Adobe's own bodies, sent as the tutorials' curl commands
-- send them (raw, past the client's validation), then the flow they make
-- handled with the client: the emulator must take what Adobe documents,
-- and the client must update a flow the service returned.
--
--   flowlua run tools/conformance/tutorial.lua
--
-- Bodies: "Create a dataflow for cloud storage sources" ([CS-COLLECT] in
-- docs/emulator.md: `"recursive": "true"`, `"mappingVersion": 0`,
-- `"startTime"` and `"interval"` as strings), the update tutorial's flow
-- read back with `"backfill": "true"` ([UPD-FLOW]) and aepp's Data Lake
-- target with only `data: {format: "parquet_xdm"}`.

local flowlua = require("flowlua")
local json = require("flowlua.json")

local S3 = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
local DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
local CLOUD_STORAGE_TO_AEP = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"

local aep = flowlua.connect()

-- POSTs a body as curl would; the new entity's id.
local function create(kind, body)
  return aep:request("POST", "/" .. kind, { body = json.encode(body),
    headers = { ["Content-Type"] = "application/json" } }).id
end

local base = create("connections", { name = "tutorial S3",
  auth = { specName = "Access Key", params = {
    s3AccessKey = "tutorial-access-key", s3SecretKey = "tutorial-secret" } },
  connectionSpec = { id = S3, version = "1.0" } })
local source = create("sourceConnections", {
  name = "Cloud Storage source connector", baseConnectionId = base,
  data = { format = "delimited" },
  params = { path = "/acme/summerCampaign/account.csv", recursive = "true" },
  connectionSpec = { id = S3, version = "1.0" } })
local target = create("targetConnections", {
  name = "Target Connection for a Cloud Storage connector",
  data = { schema = {
    id = "https://ns.adobe.com/acme/schemas/52b59140414aa6a370ef5e21155fd7a6",
    version = "application/vnd.adobe.xed-full+json;version=1" } },
  params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
  connectionSpec = { id = DATA_LAKE, version = "1.0" } })
local parquet = create("targetConnections", { name = "aepp Data Lake target",
  data = { format = "parquet_xdm" },
  params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
  connectionSpec = { id = DATA_LAKE, version = "1.0" } })
local flow_id = create("flows", { name = "Cloud Storage flow to Platform",
  flowSpec = { id = CLOUD_STORAGE_TO_AEP, version = "1.0" },
  sourceConnectionIds = { source }, targetConnectionIds = { target },
  transformations = { { name = "Mapping", params = {
    mappingId = "bf5286a9c1ad4266baca76ba3adc9366", mappingVersion = 0 } } },
  scheduleParams = { startTime = "1597784298", frequency = "minute",
    interval = "30", backfill = "true" } })

-- The client on what the service holds: read back as sent, renamed
-- through flow:update, its schedule read as numbers.
local flow = aep.flows:get(flow_id)
assert(flow.scheduleParams.interval == "30", "interval not as sent")
flow:update{ { op = "replace", path = "/name", value = "Cloud Storage flow v2" } }
local held = aep.flows:get(flow_id)
assert(held.name == "Cloud Storage flow v2", "rename not held")
assert(held.scheduleParams.startTime == "1597784298", "startTime changed")
local schedule = held:schedule()
assert(schedule.startTime == 1597784298 and schedule.interval == 30
  and schedule.backfill == true, "flow:schedule() did not read numbers")
assert(aep.source_connections:get(source).params.recursive == "true")
assert(aep.target_connections:get(parquet).data.format == "parquet_xdm")

held:delete()
for _, t in ipairs({ target, parquet }) do
  aep.target_connections:get(t):delete()
end
aep.source_connections:get(source):delete()
aep.connections:get(base):delete()
print("tutorial: Adobe's bodies taken, their flow renamed and read")
