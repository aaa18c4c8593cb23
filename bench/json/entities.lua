--- Generates a realistic Flow Service list response: n flow entities.
-- Deterministic (a fixed linear congruential generator), so every run
-- measures the same document.
local json = require("flowlua.core").json

local entities = {}

local state = 12345
local function rand(n)
  state = (state * 1103515245 + 12345) % 2147483648
  return state % n
end

local function uuid()
  local h = {}
  for i = 1, 32 do
    local k = rand(16) + 1
    h[i] = ("0123456789abcdef"):sub(k, k)
  end
  local s = table.concat(h)
  return ("%s-%s-%s-%s-%s"):format(s:sub(1, 8), s:sub(9, 12), s:sub(13, 16),
    s:sub(17, 20), s:sub(21, 32))
end

local function spec()
  return { id = uuid(), version = "1.0" }
end

local function connection()
  return { id = uuid(), connectionSpec = spec(),
    baseConnection = { id = uuid(), connectionSpec = spec() } }
end

local function flow(i)
  local created = 1700000000000 + rand(100000000) * 1000 + rand(1000)
  local org = "0A1B2C3D4E5F60718293A4B5@AdobeOrg"
  return {
    id = uuid(), name = ("ACME cloud storage dataflow %d"):format(i),
    description = "Ingest daily CSV drops from Azure File Storage into the"
      .. " \"Loyalty members\" dataset (managed by the data team)",
    createdAt = created, updatedAt = created + rand(86400000),
    createdBy = "acme-integration@AdobeID", updatedBy = "acme-integration@AdobeID",
    createdClient = "exc_app", updatedClient = "acme-flowlua",
    sandboxId = uuid(), sandboxName = "prod", imsOrgId = org,
    etag = ('"%08x-0000-0200-0000-%012x"'):format(rand(2 ^ 31), rand(2 ^ 31)),
    version = ('"%08x-0000-0200-0000-%012x"'):format(rand(2 ^ 31), rand(2 ^ 31)),
    flowSpec = spec(), state = rand(4) == 0 and "disabled" or "enabled",
    sourceConnectionIds = { uuid() }, targetConnectionIds = { uuid() },
    inheritedAttributes = {
      properties = { isSourceFlow = true, isDraft = rand(3) == 0 },
      sourceConnections = { connection() },
      targetConnections = { connection() },
    },
    scheduleParams = { startTime = created // 1000 + 3600, frequency = "minute",
      interval = 15 + rand(45), backfill = rand(2) == 0 },
    transformations = {
      { name = "Mapping", params = { mappingId = uuid():gsub("-", ""),
        mappingVersion = rand(5) } },
    },
    runs = "/runs?property=flowId==" .. uuid(),
    providerRefId = uuid(),
    labels = json.array(),
    options = { errorDiagnosticsEnabled = true, partialIngestionPercent = 5.5 },
    lastOperation = { started = created, updated = created + 1500,
      operation = "create" },
    lastRunDetails = { id = uuid(), state = "success",
      startedAtUTC = created + 7200000, completedAtUTC = created + 7265000,
      metrics = { recordSummary = { inputRecordCount = rand(1000000),
        outputRecordCount = rand(1000000), failedRecordCount = 0 },
        sizeSummary = { inputBytes = rand(2 ^ 31) * 16 },
        durationSummary = { startedAtUTC = created + 7200000,
          completedAtUTC = created + 7265000 } } },
  }
end

--- Returns the list response `{items = {...}}` with n flows.
-- @param n number of flows
-- @return the Lua table
function entities.list(n)
  local items = {}
  for i = 1, n do items[i] = flow(i) end
  return { items = items }
end

return entities
