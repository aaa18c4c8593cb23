--- Connection spec: HTTP API streaming (source), id and auth from the
-- reference §5.1/§5.2 ([HTTP]; aepp's spec name "Streaming Connection").
-- It does not support drafts: the emulator's example of a source that
-- refuses `?mode=draft`.
-- @module flowlua.emulator.catalogue.http_api
-- luacheck: no max string line length
return [==[
{
  "id": "bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb",
  "name": "http-api",
  "providerId": "521eee4d-8cbe-4906-bb48-fb6bd4450033",
  "version": "1.0",
  "authSpec": [
    {
      "name": "Streaming Connection",
      "type": "streamingConnection",
      "spec": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": "defines params of an unauthenticated streaming connection",
        "properties": {
          "sourceId": { "type": "string", "description": "identifier of the streaming source" },
          "dataType": { "type": "string", "enum": ["xdm", "raw"] },
          "name": { "type": "string", "description": "name of the streaming connection" }
        },
        "required": ["sourceId", "dataType"]
      }
    }
  ],
  "sourceSpec": {
    "name": "Streaming",
    "type": "Streaming",
    "spec": {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "type": "object",
      "properties": {}
    }
  },
  "attributes": {
    "category": "Streaming",
    "connectorName": "HTTP API",
    "isSource": true,
    "isDraftModeSupported": false
  }
}
]==]
