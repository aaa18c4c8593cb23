--- Connection spec: Data Landing Zone (source), id and source connection
-- shape from the reference §5.1/§5.2 ([DLZ]; aepp's `landing-zone`).
-- It takes no base connection, so it has no authSpec: its source
-- connections are created directly. The params schema follows the
-- documented body (`path`) and aepp's extra `type` and `recursive`.
-- @module flowlua.emulator.catalogue.data_landing_zone
-- luacheck: no max string line length
return [==[
{
  "id": "26f526f2-58f4-4712-961d-e41bf1ccc0e8",
  "name": "landing-zone",
  "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a",
  "version": "1.0",
  "authSpec": [],
  "sourceSpec": {
    "name": "CloudStorage",
    "type": "CloudStorage",
    "spec": {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "type": "object",
      "properties": {
        "path": {
          "type": "string",
          "description": "path of a file or folder in the landing zone container, e.g. dlz-user-container/data8.csv"
        },
        "type": {
          "type": "string",
          "enum": ["file", "folder"]
        },
        "recursive": {
          "type": "boolean",
          "description": "indicates recursive copy in case of folder path"
        }
      },
      "required": ["path"]
    }
  },
  "attributes": {
    "category": "Cloud Storage",
    "connectorName": "Data Landing Zone",
    "isSource": true,
    "isDraftModeSupported": true,
    "uiAttributes": {
      "apiFeatures": {
        "explorePaginationSupported": false
      }
    }
  }
}
]==]
