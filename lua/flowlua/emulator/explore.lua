--- Connection test, explore (objectType ROOT, FOLDER, FILE with
-- preview) and configs. Cloud storage connections, and the Data Landing
-- Zone through its connection spec, all see the emulator's storage.
-- @module flowlua.emulator.explore

local errors = require("flowlua.emulator.errors")
local formats = require("flowlua.emulator.formats")
local ingest = require("flowlua.emulator.ingest")
local json = require("flowlua.json")

local explore = {}

--- Rows in a preview when the request does not say.
explore.PREVIEW_ROWS = 10

local function not_found(kind, id)
  return errors.not_found(kind, id)
end

local function spec_of(ctx, conn)
  local id = type(conn.connectionSpec) == "table" and conn.connectionSpec.id
  return ctx.specs.connectionSpecs.by_id[id]
end

local function has_storage(cs)
  return cs ~= nil and type(cs.attributes) == "table"
    and cs.attributes.category == "Cloud Storage"
end

--- GET /connections/{id}/test: `{"result": true|false}` (OAS
-- TestConnectionResponse); false when a credential is marked wrong.
-- @tparam table env
-- @tparam table ctx
-- @tparam string id
-- @treturn table response
function explore.test(env, ctx, id)
  local conn = ctx.sb:get("connections", id)
  if conn == nil then return not_found("connections", id) end
  return errors.json(200,
    { result = ingest.wrong_credential(conn, env) == nil })
end

local function param(q, name)
  return q[name] or q[name:sub(1, 1):upper() .. name:sub(2)]
end

local function file_preview(env, q, path)
  local format = formats.normalize(param(q, "fileType") or "delimited")
  if format == nil or format == "parquet" then
    return errors.flow("1100-400", ("The request could not be processed: "
      .. "the emulator previews delimited and JSON files, not '%s'")
      :format(tostring(param(q, "fileType"))))
  end
  local count
  if (q.preview or ""):lower() == "true" then
    count = math.tointeger(tonumber(q.previewCount or ""))
      or explore.PREVIEW_ROWS
  end
  local preview, why = env.storage:preview(path, format,
    q.columnDelimiter, count)
  if preview == nil then
    return errors.flow("1100-400", "The request could not be processed: "
      .. why)
  end
  return errors.json(200, preview)
end

local function browse(env, q)
  local kind = (param(q, "objectType") or "root"):lower()
  local object = q.object or "/"
  if kind == "root" then object = "/" end
  if kind == "root" or kind == "folder" then
    local list = env.storage:list(object)
    if list == nil then
      return errors.flow("1100-400", ("The request could not be processed: "
        .. "no folder at %s"):format(object))
    end
    return errors.json(200, list)
  end
  if kind == "file" then return file_preview(env, q, object) end
  return errors.flow("1100-400", ("objectType '%s' is not supported by a "
    .. "cloud storage source; use ROOT, FOLDER or FILE"):format(kind))
end

--- GET /connections/{id}/explore.
-- @tparam table env `{storage=}`
-- @tparam table ctx
-- @tparam string id
-- @tparam table q the query (`objectType`, `object`, `fileType`,
--   `preview`, `previewCount`, `columnDelimiter`)
-- @treturn table response
function explore.connection(env, ctx, id, q)
  local conn = ctx.sb:get("connections", id)
  if conn == nil then return not_found("connections", id) end
  if not has_storage(spec_of(ctx, conn)) then
    return errors.flow("1100-400", ("The request could not be processed: "
      .. "connection %s is not a cloud storage source; it cannot be "
      .. "explored"):format(id))
  end
  local wrong = ingest.wrong_credential(conn, env)
  if wrong then
    return errors.flow("1100-400", ("The request could not be processed. "
      .. "Error from flow provider: authentication failed for connection %s "
      .. "(%s)"):format(id, wrong))
  end
  return browse(env, q)
end

--- GET /connectionSpecs/{id}/explore: for sources without a base
-- connection (the Data Landing Zone).
-- @tparam table env
-- @tparam table ctx
-- @tparam string id
-- @tparam table q
-- @treturn table response
function explore.spec(env, ctx, id, q)
  local cs = ctx.specs.connectionSpecs.by_id[id]
  if cs == nil then return not_found("connectionSpecs", id) end
  if cs.authSpec ~= nil and #cs.authSpec > 0 or not has_storage(cs) then
    return errors.flow("1100-400", ("The request could not be processed: "
      .. "connection spec %s (%s) is explored through a base connection: "
      .. "GET /connections/{id}/explore"):format(id, tostring(cs.name)))
  end
  return browse(env, q)
end

--- GET /connections/{id}/configs and /connectionSpecs/{id}/configs: the
-- OAS gives only the array shape; the emulator has no configs, `[]`.
-- @tparam table ctx
-- @tparam string kind "connections" or "connectionSpecs"
-- @tparam string id
-- @treturn table response
function explore.configs(ctx, kind, id)
  local found
  if kind == "connections" then
    found = ctx.sb:get("connections", id)
  else
    found = ctx.specs.connectionSpecs.by_id[id]
  end
  if found == nil then
    return not_found(kind, id)
  end
  return errors.json(200, json.array())
end

return explore
