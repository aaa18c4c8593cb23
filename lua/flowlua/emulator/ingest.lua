--- What a run of a flow ingests: the files of its source connections'
-- paths in the emulator's storage that changed within the run's window,
-- read in the source connection's format. A file that does not parse
-- fails the run with Adobe's documented CONNECTOR-2001-500 (processing
-- the copied data); a path with nothing behind it, or a base connection
-- whose credentials are marked wrong, with CONNECTOR-1001-500 (copying
-- the data from the source).
-- @module flowlua.emulator.ingest

local formats = require("flowlua.emulator.formats")
local json = require("flowlua.json")

local ingest = {}

--- The documented run error codes (monitoring guide, "Error summary").
ingest.COPY_ERROR = "CONNECTOR-1001-500"
ingest.PROCESS_ERROR = "CONNECTOR-2001-500"

--- The prefix that marks a credential as wrong: a base connection with
-- any auth parameter whose value starts with it fails its connection
-- test and its flows' runs. Secrets are never kept (docs/emulator.md),
-- so the marker goes on a parameter that is not a secret (`userid`,
-- `host`, `s3AccessKey`, `userName`).
ingest.WRONG = "wrong-"

--- Why the connection's credentials are wrong, or nil: the auth
-- parameter marked wrong (`auth.params.userid`), or the fault spec's
-- `auth-fail` draw for its id.
-- @tparam table|nil conn a base connection
-- @tparam[opt] table env the emulator's environment (`auth_fails`)
-- @treturn string|nil
function ingest.wrong_credential(conn, env)
  if conn and env and env.auth_fails and type(conn.id) == "string"
      and env.auth_fails(conn.id) then
    return "injected fault: --faults auth-fail"
  end
  local params = conn and type(conn.auth) == "table" and conn.auth.params
  if type(params) ~= "table" then return nil end
  local names = {}
  for k, v in pairs(params) do
    if type(v) == "string" and v:sub(1, #ingest.WRONG) == ingest.WRONG then
      names[#names + 1] = k
    end
  end
  table.sort(names)
  return names[1] and ("auth.params." .. names[1])
end

local function truthy(v)
  return v == true or v == "true"
end

local function copy_failure(out, message)
  out.errors[#out.errors + 1] = { code = ingest.COPY_ERROR,
    message = "Error in copying the data from Source. " .. message }
end

local function read_file(env, out, f, sc)
  local format = formats.normalize(sc.data and sc.data.format) or "delimited"
  local delim = sc.data and sc.data.columnDelimiter
  local parsed, why = env.storage:read(f, format, delim)
  out.input_files = out.input_files + 1
  out.input_bytes = out.input_bytes + f.size
  if parsed == nil then
    out.failed_files = out.failed_files + 1
    out.errors[#out.errors + 1] = { code = ingest.PROCESS_ERROR,
      message = ("Error in processing the copied data into Platform. "
        .. "%s: %s"):format(f.path, why) }
    return
  end
  out.output_files = out.output_files + 1
  out.records = out.records + #parsed.rows
  out.output_bytes = out.output_bytes + #json.encode(json.array(parsed.rows))
  out.manifest[#out.manifest + 1] = { pathPrefix = f.path }
end

-- Windows are whole seconds (a run's params are epoch seconds), so a
-- file's time is too: each file falls in exactly one window.
local function in_window(env, f, window)
  local t = math.floor(env.clock:of_real(f.mtime))
  return t > window.from and t <= window.to
end

local function source(ctx, env, out, sc, window)
  local base = sc.baseConnectionId
    and ctx.sb:get("connections", sc.baseConnectionId)
  local wrong = ingest.wrong_credential(base, env)
  if wrong then
    return copy_failure(out, ("Authentication failed for base connection %s "
      .. "(%s)"):format(base.id, wrong))
  end
  local path = type(sc.params) == "table" and sc.params.path or nil
  local list = type(path) == "string"
    and env.storage:files(path, truthy(sc.params.recursive))
  if not list then
    return copy_failure(out, ("Nothing was found at the source path '%s'")
      :format(tostring(path)))
  end
  for _, f in ipairs(list) do
    if in_window(env, f, window) then read_file(env, out, f, sc) end
  end
end

--- Ingests a flow's window.
-- @tparam table ctx the request context (`sb`)
-- @tparam table env `{storage=, clock=}`
-- @tparam table flow
-- @tparam table window `{from=, to=}`: files modified in (from, to]
--   (simulated epoch seconds) are read
-- @treturn table `{input_files, output_files, failed_files, input_bytes,
--   output_bytes, records, errors = {{code, message}}, manifest}`
function ingest.run(ctx, env, flow, window)
  local out = { input_files = 0, output_files = 0, failed_files = 0,
    input_bytes = 0, output_bytes = 0, records = 0, errors = {},
    manifest = {} }
  for _, id in ipairs(flow.sourceConnectionIds or {}) do
    local sc = ctx.sb:get("sourceConnections", id)
    if sc == nil then
      copy_failure(out, ("The source connection %s does not exist"):format(id))
    else
      source(ctx, env, out, sc, window)
    end
  end
  return out
end

return ingest
