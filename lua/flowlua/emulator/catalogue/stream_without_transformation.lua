--- Flow spec: "Stream data without transformation" `d8a6f005-…`, the
-- HTTP API XDM streaming flow of the reference §5.5 ([HTTP]): no
-- schedule, no transformations. It does not support drafts: the
-- emulator's example of a flow spec that refuses `?mode=draft`.
-- @module flowlua.emulator.catalogue.stream_without_transformation
-- luacheck: no max string line length
return [==[
{
  "id": "d8a6f005-7eaf-4153-983e-e8574508b877",
  "name": "Stream data without transformation",
  "providerId": "521eee4d-8cbe-4906-bb48-fb6bd4450033",
  "version": "1.0",
  "sourceConnectionSpecIds": [
    "bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb"
  ],
  "targetConnectionSpecIds": [
    "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
  ],
  "transformationSpecs": [],
  "attributes": {
    "isSourceFlow": true,
    "isDraftModeSupported": false,
    "frequency": "streaming"
  }
}
]==]
