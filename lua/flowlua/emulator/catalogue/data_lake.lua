--- Connection spec: Data Lake (target) `c604ff05-…`, the documented
-- target of the source flows (reference §5.4). The real spec's text is
-- not published; this one encodes the documented target connection
-- body: `params.dataSetId` (required) and `data.schema {id, version}`,
-- checked by the emulator for every target connection.
-- @module flowlua.emulator.catalogue.data_lake
-- luacheck: no max string line length
return [==[
{
  "id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c",
  "name": "datalake",
  "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a",
  "version": "1.0",
  "authSpec": [],
  "targetSpec": {
    "name": "DataLake",
    "type": "DataLake",
    "spec": {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "type": "object",
      "properties": {
        "dataSetId": {
          "type": "string",
          "description": "id of the Platform dataset the data lands in"
        }
      },
      "required": ["dataSetId"]
    }
  },
  "attributes": {
    "category": "Data Lake",
    "connectorName": "Data Lake",
    "isSource": false,
    "isDraftModeSupported": true
  }
}
]==]
