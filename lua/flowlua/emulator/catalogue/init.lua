--- The emulator's catalogue: connection specs and flow specs, embedded in
-- the binary as Lua modules (one per spec, each returning its JSON text).
-- The seed's two specs are verbatim; the others, reconstructed from the
-- reference, leave out their `permissionsInfo`, which is the seed's
-- (EnterpriseSource: write to manage, read to view) and is added here.
-- @module flowlua.emulator.catalogue

local json = require("flowlua.json")

local catalogue = {}

-- The seed's permissionsInfo, given to each spec that has none.
local SEED_PERMISSIONS = [[{
  "manage": [{ "@type": "lowLevel", "name": "EnterpriseSource",
    "permissions": ["write"] }],
  "view": [{ "@type": "lowLevel", "name": "EnterpriseSource",
    "permissions": ["read"] }]
}]]

--- Module names of the connection specs, in listing order.
catalogue.CONNECTION_SPECS = {
  "azure_file_storage", "amazon_s3", "sftp", "data_landing_zone",
  "http_api", "data_lake",
}

--- Module names of the flow specs, in listing order.
catalogue.FLOW_SPECS = {
  "cloud_storage_to_aep", "stream_without_transformation",
}

local function load_all(names)
  local list, by_id = {}, {}
  for i, name in ipairs(names) do
    local text = require("flowlua.emulator.catalogue." .. name)
    local spec = assert(json.decode(text))
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
