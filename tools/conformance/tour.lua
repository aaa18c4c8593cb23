-- tour.lua: every method of the flowlua client, once, against whatever
-- endpoint is configured. `make conformance` runs it through Prism, so
-- each request the client sends and each answer it gets is checked against
-- Adobe's OAS.
--
--   flowlua run tools/conformance/tour.lua

local flowlua = require("flowlua")
local json = require("flowlua.json")

local AZURE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
local DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

local aep = flowlua.connect()
local cs = aep:connection_spec(AZURE)
local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
aep:connection_spec{ name = cs.name }
aep:flow_spec(fs.id)
assert(aep:supports_drafts(cs, fs))

local base = aep.connections:create({ name = "tour base",
  auth = { specName = "Basic Authentication", params = {
    host = "tour.file.core.windows.net", userid = "tour",
    password = "tour-password" } },
  connectionSpec = { id = cs.id, version = "1.0" } }, { draft = true })
local src = aep.source_connections:create({ name = "tour source",
  baseConnectionId = base.id, data = { format = "delimited" },
  params = { path = "/tour/account.csv" },
  connectionSpec = { id = cs.id, version = "1.0" } }, { draft = true })
local tgt = aep.target_connections:create({ name = "tour target",
  data = { schema = { id = "https://ns.adobe.com/tour/schemas/1",
    version = "application/vnd.adobe.xed-full+json;version=1" } },
  params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
  connectionSpec = { id = DATA_LAKE, version = "1.0" } }, { draft = true })
local flow = aep.flows:create({ name = "tour flow",
  sourceConnectionIds = { src.id }, targetConnectionIds = { tgt.id },
  flowSpec = { id = fs.id, version = "1.0" } }, { draft = true })

flow:update{
  { op = "add", path = "/scheduleParams", value = {
    startTime = os.time() + 3600, frequency = "hour", interval = 1 } },
  { op = "add", path = "/transformations", value = json.array{
    { name = "Mapping", params = {
      mappingId = "bf5286a9c1ad4266baca76ba3adc9366",
      mappingVersion = "0" } } } },
}
base:update{ { op = "replace", path = "/name", value = "tour base v2" } }
src:update{ { op = "replace", path = "/name", value = "tour source v2" } }
tgt:update{ { op = "replace", path = "/name", value = "tour target v2" } }
assert(#flow:missing() == 0)
assert(flow:schedule().interval == 1)
base:publish()
flow:publish_all()
flow:disable()
flow:enable()
flow:update{ { op = "replace", path = "/name", value = "tour flow v2" } }

assert(aep.flows:get(flow.id).name == "tour flow v2")
assert(aep.flows:get("00000000-0000-4000-8000-000000000000") == nil)
local seen = 0
for _ in aep.connections:list{ limit = 1, orderby = "-createdAt" } do
  seen = seen + 1
end
assert(seen >= 1)
for _ in aep.flows:list{ property = "state==enabled" } do end
for _ in aep.source_connections:list() do end
for _ in aep.target_connections:list() do end
assert(aep.flows:count{ property = { "state==enabled",
  "flowSpec.id==" .. fs.id } } >= 1)
src:refresh()
assert(src:body().name == "tour source v2")
assert(type(flow:json()) == "string")
print(tostring(flow))

flow:delete()
flow:delete()
src:delete()
tgt:delete()
base:delete()
print("tour: every client method ran; requests " .. json.encode(
  aep:request_counts()))
