-- fixtures.lua: the dataflow the conformance scripts build their cases on
-- (errors.lua needs a base connection in use and a published flow,
-- operations.lua a flow to run), created with the client's own methods.
--
--   package.path = arg[0]:match("^(.*)/") .. "/?.lua;" .. package.path
--   local fixtures = require("fixtures")

local fixtures = {}

fixtures.AZURE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
fixtures.DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

--- A dataflow reading the delimited file `path` through the Azure File
-- Storage connection `base` into a Data Lake dataset: its source and
-- target connections and the flow, named "<label> source", "<label>
-- target" and "<label> flow". `flow_fields` adds fields to the flow's
-- body (a schedule, for instance).
function fixtures.dataflow(aep, base, label, path, flow_fields)
  local src = aep.source_connections:create({ name = label .. " source",
    baseConnectionId = base.id, data = { format = "delimited" },
    params = { path = path },
    connectionSpec = { id = fixtures.AZURE, version = "1.0" } })
  local tgt = aep.target_connections:create({ name = label .. " target",
    data = { schema = { id = "https://ns.adobe.com/" .. label .. "/schemas/1",
      version = "application/vnd.adobe.xed-full+json;version=1" } },
    params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
    connectionSpec = { id = fixtures.DATA_LAKE, version = "1.0" } })
  local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
  local body = { name = label .. " flow",
    sourceConnectionIds = { src.id }, targetConnectionIds = { tgt.id },
    flowSpec = { id = fs.id, version = "1.0" } }
  for k, v in pairs(flow_fields or {}) do body[k] = v end
  return src, tgt, aep.flows:create(body)
end

return fixtures
