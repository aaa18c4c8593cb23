-- bulk-onboarding.lua: onboard many Azure File Storage sources at once.
--
-- Each source gets its own draft base connection, source connection,
-- target connection and dataflow, updated with a schedule and mapping and
-- published parents first, as scripts/onboarding.lua does for one. Each
-- source is its own resumable workflow ("bulk-<name>"), run side by side
-- with a concurrency limit; a summary is printed at the end.
--
--   flowlua run --emulator scripts/bulk-onboarding.lua --count 50
--   flowlua run scripts/bulk-onboarding.lua sources.csv --concurrency 4
--
--   --count N        N demo sources with deterministic names (demo-001...),
--                    so the same command run again resumes
--   FILE.csv         one source per row; a header row names the columns:
--                    name,path (required), host,userid,password,dataset_id
--   --concurrency C  workflows running at once (default 8)
--   --prefix P       name prefix for --count (default "demo")
--
-- Exit status 1 if any source failed (the others still finish), else 3 if
-- any was skipped because another process runs its workflow (listed as
-- "skipped: NAME"); run the same command again to retry just the
-- unfinished ones.

local flowlua = require("flowlua")
local errors = require("flowlua.errors")
local sys = require("flowlua.core").sys

local AZURE_FILE_STORAGE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
local DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
local DEFAULTS = {
  host = "demo.file.core.windows.net", userid = "demo",
  password = "demo-storage-key", dataset_id = "5f3c3cedb2805c194ff0b69a",
  schema_id = "https://ns.adobe.com/demo/schemas/5f3c3cedb2805c194ff0b69b",
  mapping_id = "bf5286a9c1ad4266baca76ba3adc9366",
}

local function usage(msg)
  io.stderr:write("bulk-onboarding: ", msg, "\nusage: flowlua run "
    .. "scripts/bulk-onboarding.lua [--count N | FILE.csv] "
    .. "[--concurrency C] [--prefix P]\n")
  os.exit(2)
end

local function parse_args(args)
  local opts = { concurrency = 8, prefix = "demo" }
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--count" or a == "--concurrency" then
      local n = math.tointeger(tonumber(args[i + 1]))
      if not n or n < 1 then usage(a .. " needs a positive integer") end
      opts[a:sub(3)] = n
      i = i + 2
    elseif a == "--prefix" then
      opts.prefix = args[i + 1] or usage("--prefix needs a value")
      i = i + 2
    elseif a:sub(1, 2) ~= "--" and not opts.file then
      opts.file = a
      i = i + 1
    else
      usage("unknown argument " .. a)
    end
  end
  if (opts.count == nil) == (opts.file == nil) then
    usage("give either --count N or a CSV file")
  end
  return opts
end

local function split_csv(line)
  local out, pos = {}, 1
  while pos <= #line + 1 do
    local field, next_pos
    if line:sub(pos, pos) == '"' then
      local close = pos
      repeat close = line:find('"', close + 1, true)
      until not close or line:sub(close + 1, close + 1) ~= '"'
        or not line:find('"', close + 2, true)
      field = line:sub(pos + 1, (close or #line + 1) - 1):gsub('""', '"')
      next_pos = (close or #line) + 2
    else
      local comma = line:find(",", pos, true) or #line + 1
      field, next_pos = line:sub(pos, comma - 1), comma + 1
    end
    out[#out + 1] = field
    pos = next_pos
  end
  return out
end

local function read_csv(path)
  local f, err = io.open(path)
  if not f then usage(err) end
  local header, rows = nil, {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line ~= "" then
      local fields = split_csv(line)
      if not header then
        header = fields
      else
        local row = {}
        for i, h in ipairs(header) do row[h] = fields[i] end
        if not row.name or not row.path then
          usage(path .. ": every row needs name and path")
        end
        rows[#rows + 1] = row
      end
    end
  end
  f:close()
  return rows
end

local function demo_sources(n, prefix)
  local rows = {}
  for i = 1, n do
    local name = ("%s-%03d"):format(prefix, i)
    rows[i] = { name = name, path = ("/%s/incoming/data.csv"):format(name) }
  end
  return rows
end

local function value(row, key) return row[key] or DEFAULTS[key] end

-- The flow spec's id, with the two connection specs the next steps check
-- their bodies against looked up at the same time: one round trip for
-- the three, not three one after another (the client looks each up once
-- per run and keeps it). A connection spec's failure is left to the step
-- that needs it, which meets the same error then.
local function lookup_specs(aep)
  local ids = flowlua.parallel({ "flow", AZURE_FILE_STORAGE, DATA_LAKE },
    function(what)
      if what == "flow" then
        return aep:flow_spec{ name = "CloudStorageToAEP" }.id
      end
      pcall(aep.connection_spec, aep, what)
    end, { concurrency = 3 })
  return ids[1]
end

-- One source: its own workflow, journaled under bulk-<name>.
local function onboard(aep, row)
  local wf = flowlua.workflow("bulk-" .. row.name, { client = aep })
  local fs = wf:step("flow spec", function() return lookup_specs(aep) end)
  local base = wf:step("base connection", function()
    return aep.connections:create({ name = row.name .. " base connection",
      auth = { specName = "Basic Authentication", params = {
        host = value(row, "host"), userid = value(row, "userid"),
        password = value(row, "password") } },
      connectionSpec = { id = AZURE_FILE_STORAGE, version = "1.0" },
    }, { draft = true })
  end)
  local source = wf:step("source connection", function()
    return aep.source_connections:create({
      name = row.name .. " source connection", baseConnectionId = base.id,
      data = { format = "delimited" }, params = { path = row.path },
      connectionSpec = { id = AZURE_FILE_STORAGE, version = "1.0" },
    }, { draft = true })
  end)
  local target = wf:step("target connection", function()
    return aep.target_connections:create({
      name = row.name .. " target connection",
      data = { schema = { id = value(row, "schema_id"),
        version = "application/vnd.adobe.xed-full+json;version=1" } },
      params = { dataSetId = value(row, "dataset_id") },
      connectionSpec = { id = DATA_LAKE, version = "1.0" },
    }, { draft = true })
  end)
  local flow = wf:step("dataflow", function()
    return aep.flows:create({ name = row.name .. " dataflow",
      sourceConnectionIds = { source.id }, targetConnectionIds = { target.id },
      flowSpec = { id = fs, version = "1.0" },
    }, { draft = true })
  end)
  wf:step("update dataflow", function()
    flow:update{
      { op = "add", path = "/transformations", value = { { name = "Mapping",
        params = { mappingId = value(row, "mapping_id"),
          mappingVersion = "0" } } } },
      { op = "add", path = "/scheduleParams", value = {
        startTime = os.time() + 3600, frequency = "hour", interval = 1 } },
    }
  end)
  wf:step("publish", function() flow:publish_all() end)
  local st = wf:finish()
  return wf.resumed == #st and "resumed" or "done"
end

local opts = parse_args{ ... }
local rows = opts.file and read_csv(opts.file)
  or demo_sources(opts.count, opts.prefix)
local aep = flowlua.connect()
local started = sys.monotime()
local outcome, failures, skipped = {}, {}, {}
flowlua.parallel(rows, function(row, i)
  local ok, res = pcall(onboard, aep, row)
  outcome[i] = ok and res or "failed"
  if ok then return end
  -- another process runs this source's workflow: left to it
  if errors.is(res, "locked") then
    outcome[i] = "skipped"
    skipped[#skipped + 1] = row.name
  else
    failures[#failures + 1] = row.name .. ": " .. tostring(res)
  end
end, { concurrency = opts.concurrency })

local tally = { done = 0, resumed = 0, failed = 0, skipped = 0 }
for _, o in ipairs(outcome) do tally[o] = tally[o] + 1 end
local counts = aep:request_counts()
local methods = {}
for m, n in pairs(counts) do methods[#methods + 1] = ("%s %d"):format(m, n) end
table.sort(methods)
print(("bulk onboarding: %d sources: %d onboarded, %d already done, "
  .. "%d failed%s in %.2f s (concurrency %d)"):format(#rows, tally.done,
  tally.resumed, tally.failed, #skipped > 0 and (", %d skipped (run by "
  .. "another process)"):format(#skipped) or "", sys.monotime() - started,
  opts.concurrency))
print("requests: " .. table.concat(methods, ", "))
for _, f in ipairs(failures) do print("failed: " .. f) end
for _, name in ipairs(skipped) do print("skipped: " .. name) end
if #failures > 0 then os.exit(1, true) end
