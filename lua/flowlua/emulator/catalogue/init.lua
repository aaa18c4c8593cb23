--- The emulator's catalogue: connection specs and flow specs, one JSON
-- file per spec in this folder (`<name>.json`, the text the service
-- returns). The executable embeds the files (tools/embed.lua); from a
-- source tree or an installed rock they are read beside this module.
-- The seed's two specs are verbatim; the others, reconstructed from the
-- reference, leave out their `permissionsInfo`, which is the seed's
-- (EnterpriseSource: write to manage, read to view) and is added here.
-- @module flowlua.emulator.catalogue

local args = require("flowlua.args")
local files = require("flowlua.files")
local json = require("flowlua.json")

local catalogue = {}

-- The seed's permissionsInfo, given to each spec that has none.
local SEED_PERMISSIONS = [[{
  "manage": [{ "@type": "lowLevel", "name": "EnterpriseSource",
    "permissions": ["write"] }],
  "view": [{ "@type": "lowLevel", "name": "EnterpriseSource",
    "permissions": ["read"] }]
}]]

-- require gives a module it found on disk its file name (Lua 5.4), so
-- the specs are read from this module's folder; an embedded module gets
-- none, and its specs are embedded too.
local _, module_file = ...
local FOLDER = module_file and module_file:match("^(.*)/")

--- Names of the connection specs (`<name>.json`), in listing order.
catalogue.CONNECTION_SPECS = {
  -- Azure File Storage (source), verbatim from the seed tutorial
  -- (flow-service-drafts-tutorial.txt, "Look up connection spec
  -- details", items[0]).
  "azure_file_storage",
  -- Amazon S3 (source), id and auth from the reference §5.1/§5.2 ([S3]):
  -- auth `specName "Access Key"` with `s3AccessKey` and `s3SecretKey` (a
  -- secret). The source params are the cloud storage ones (§5.3).
  "amazon_s3",
  -- SFTP (source), id `b7bf2577-…` (the one in the CloudStorageToAEP flow
  -- spec, not the appendix's copy-paste id) and the two documented auth
  -- types of the reference §5.2 ([SFTP]).
  "sftp",
  -- Data Landing Zone (source), id and source connection shape from the
  -- reference §5.1/§5.2 ([DLZ]; aepp's `landing-zone`). It takes no base
  -- connection, so it has no authSpec: its source connections are
  -- created directly. The params schema follows the documented body
  -- (`path`) and aepp's extra `type` and `recursive`.
  "data_landing_zone",
  -- HTTP API streaming (source), id and auth from the reference
  -- §5.1/§5.2 ([HTTP]; aepp's spec name "Streaming Connection"). It does
  -- not support drafts: the emulator's example of a source that refuses
  -- `?mode=draft`.
  "http_api",
  -- Data Lake (target) `c604ff05-…`, the documented target of the source
  -- flows (reference §5.4). The real spec's text is not published; this
  -- one encodes the documented target connection body: `params.dataSetId`
  -- (required) and `data.schema {id, version}`, checked by the emulator
  -- for every target connection.
  "data_lake",
}

--- Names of the flow specs (`<name>.json`), in listing order.
catalogue.FLOW_SPECS = {
  -- CloudStorageToAEP, verbatim from the seed tutorial
  -- (flow-service-drafts-tutorial.txt, "Look up flow spec details",
  -- items[0]).
  "cloud_storage_to_aep",
  -- "Stream data without transformation" `d8a6f005-…`, the HTTP API XDM
  -- streaming flow of the reference §5.5 ([HTTP]): no schedule, no
  -- transformations. It does not support drafts: the emulator's example
  -- of a flow spec that refuses `?mode=draft`.
  "stream_without_transformation",
}

--- The JSON text of a spec, as the service returns it.
-- @tparam string name a name of `CONNECTION_SPECS` or `FLOW_SPECS`
-- @treturn string the text of `<name>.json`
function catalogue.text(name)
  args.check(1, "text", name, "string")
  local file = name .. ".json"
  if FOLDER then return assert(files.read(FOLDER .. "/" .. file)) end
  local key = "flowlua/emulator/catalogue/" .. file
  local embedded = assert(package.preload[key], key .. " is not embedded")
  return embedded(key)
end

local function load_all(names)
  local list, by_id = {}, {}
  for i, name in ipairs(names) do
    local spec = assert(json.decode(catalogue.text(name)))
    spec.permissionsInfo = spec.permissionsInfo
      or assert(json.decode(SEED_PERMISSIONS))
    list[i] = spec
    by_id[spec.id] = spec
  end
  return { list = list, by_id = by_id }
end

--- Decodes every spec.
-- @treturn table `{connectionSpecs = {list=, by_id=}, flowSpecs = {...}}`
function catalogue.load()
  return {
    connectionSpecs = load_all(catalogue.CONNECTION_SPECS),
    flowSpecs = load_all(catalogue.FLOW_SPECS),
  }
end

--- The authSpec entry of a connection spec with the given name.
-- @tparam table cs a connection spec
-- @tparam string name `auth.specName`
-- @treturn table|nil the entry
function catalogue.auth_spec(cs, name)
  for _, a in ipairs(cs.authSpec or {}) do
    if a.name == name then return a end
  end
end

--- The transformation spec of a flow spec with the given name.
-- @tparam table fs a flow spec
-- @tparam string name e.g. "Mapping"
-- @treturn table|nil the entry
function catalogue.transformation_spec(fs, name)
  for _, t in ipairs(fs.transformationSpecs or {}) do
    if t.name == name then return t end
  end
end

--- Whether a spec (connection or flow) supports `?mode=draft`.
-- @tparam table spec
-- @treturn boolean
function catalogue.draft_supported(spec)
  local attrs = spec.attributes
  return type(attrs) == "table" and attrs.isDraftModeSupported == true
end

return catalogue
