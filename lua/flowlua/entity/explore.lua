--- Base connection methods that look at the source: `conn:test()`,
-- `conn:explore(path)`, `conn:preview(path, opts)`, `conn:structure(path,
-- opts)` and `conn:configs()`. All are reads (GET), retried as reads are.
-- Loading this module installs them on the entity class.
-- @module flowlua.entity.explore

local args = require("flowlua.args")
local url = require("flowlua.url")
local base = require("flowlua.entity.base")

local explore = {}

local function check_connection(e, name)
  local c = base.check_self(e, name, "connection", 1)
  if base.is_placeholder(e.id) then
    error(("'%s' needs a connection the service holds; %s is a dry run's "
      .. "placeholder"):format(name, e.id), 3)
  end
  return c
end

local function path_of(e) return "/connections/" .. e.id end

--- Tests the connection's credentials (`GET /connections/{id}/test`).
-- @treturn boolean whether the service could connect
function base.methods:test()
  local c = check_connection(self, "test")
  local data = c:request("GET", path_of(self) .. "/test")
  return data.result == true
end

--- Lists a folder of the source (`objectType` ROOT without a path,
-- FOLDER with one).
-- @tparam[opt] string path e.g. "/acme"; nil: the top
-- @treturn table a list of `{type = "folder"|"file", name, path,
--   canPreview, canFetchSchema}`
function base.methods:explore(path)
  local c = check_connection(self, "explore")
  local q = path and { { "objectType", "FOLDER" }, { "object", path } }
    or { { "objectType", "ROOT" } }
  return c:request("GET", path_of(self) .. "/explore" .. url.query(q))
end

-- The OAS spells the file types `Delimited` and `JSON` (the tutorials
-- write them in lower case; the service takes both).
local FILE_TYPES = { delimited = "Delimited", json = "JSON" }

local function file_query(path, opts, preview)
  local format = opts.format or "delimited"
  local q = { { "objectType", "FILE" }, { "object", path },
    { "fileType", FILE_TYPES[format:lower()] or format } }
  if opts.delimiter then q[#q + 1] = { "columnDelimiter", opts.delimiter } end
  if preview then
    q[#q + 1] = { "preview", "true" }
    if opts.rows then q[#q + 1] = { "previewCount", tostring(opts.rows) } end
  end
  return url.query(q)
end

local function check_file(name, path, opts)
  if type(path) ~= "string" then
    args.fail(1, name, "file path expected, got " .. args.got(path), 1)
  end
  if opts ~= nil and type(opts) ~= "table" then
    args.fail(2, name, "table expected, got " .. args.got(opts), 1)
  end
  return opts or {}
end

-- The method that explores one file: its structure, or a preview.
local function file_method(name, preview)
  return function(self, path, opts)
    local c = check_connection(self, name)
    opts = check_file(name, path, opts)
    return c:request("GET", path_of(self) .. "/explore"
      .. file_query(path, opts, preview))
  end
end

--- A file's columns (`[{name, type}]`).
-- @function base.methods:structure
-- @tparam string path
-- @tparam[opt] table opts `{format = "delimited"|"json", delimiter = ","}`
-- @treturn table
base.methods.structure = file_method("structure", false)

--- A preview of a file's rows: `{format, schema, data = {row, ...}}`.
-- @function base.methods:preview
-- @tparam string path
-- @tparam[opt] table opts `{format = "delimited"|"json", delimiter = ",",
--   rows = 10}`
-- @treturn table
base.methods.preview = file_method("preview", true)

--- The connection's configs (`GET /connections/{id}/configs`).
-- @treturn table a list
function base.methods:configs()
  local c = check_connection(self, "configs")
  return c:request("GET", path_of(self) .. "/configs")
end

return explore
