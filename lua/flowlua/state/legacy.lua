--- The JSON journals of older flowlua (`.flowlua/journal/<name>.json`):
-- read and checked before they enter the state store, by the automatic
-- import of a run (flowlua.workflow.journal) and by `flowlua state
-- import`, so both refuse the same content with the same words.
--
-- Older flowlua mapped every byte outside `[A-Za-z0-9._-]` of a workflow
-- name to `_` (names could collide); the file's own `workflow` field says
-- whose journal it is.
-- @module flowlua.state.legacy

local files = require("flowlua.files")
local holder = require("flowlua.state.holder")
local json = require("flowlua.json")
local record = require("flowlua.state.record")
local sys = require("flowlua.core").sys

local legacy = {}

--- The file name an older flowlua mapped a workflow name to.
-- @tparam string name the workflow name
-- @treturn string
function legacy.file_name(name)
  return (name:gsub("[^%w._-]", "_")) .. ".json"
end

-- What is wrong with a `workflow` field as a state key's name, or nil.
local function bad_name(name)
  if type(name) ~= "string" then
    return ("workflow %s is not a name"):format(json.encode(name))
  end
  return record.key_problem{ endpoint = "", org = "", sandbox = "",
    workflow = name }
end

--- Decodes and checks a journal's text.
-- @tparam string text the file's content
-- @tparam[opt] string workflow the workflow it must belong to (nil: the
--   one its `workflow` field names)
-- @treturn table|nil the document; nil without a message when it is
--   another workflow's (an older flowlua mapped both names to one file)
-- @treturn[2] string what is wrong
function legacy.decode(text, workflow)
  local doc, err = json.decode(text)
  if doc == nil then return nil, "not JSON: " .. tostring(err) end
  if type(doc) ~= "table" or getmetatable(doc) == json.array then
    return nil, "not a JSON object"
  end
  if workflow == nil then
    local bad = bad_name(doc.workflow)
    if bad then return nil, bad end
  elseif type(doc.workflow) == "string" and doc.workflow ~= workflow then
    return nil
  end
  local bad = record.problem(doc, { workflow = workflow or doc.workflow })
  if bad then return nil, bad end
  return doc
end

--- Reads and checks a journal file.
-- @tparam string path
-- @tparam[opt] string workflow as for `decode`
-- @treturn table|nil the document; nil without a message when the file
--   does not exist or is another workflow's
-- @treturn[2] string what is wrong
function legacy.read(path, workflow)
  local text, err, code = files.read(path)
  if text == nil then
    if code == 2 then return nil end
    return nil, tostring(err)
  end
  return legacy.decode(text, workflow)
end

-- A temporary file an older flowlua's journal write left behind
-- (`NAME.json.tmp.PID`) whose writer is gone.
local function stray(dir, file)
  local pid = file:match("%.json%.tmp%.(%d+)$")
  return pid and holder.start_time(tonumber(pid)) == nil
    and dir .. "/" .. file
end

--- Removes the temporary files dead writers left in a journal directory.
-- @tparam string dir
-- @treturn integer how many were removed
function legacy.clean_strays(dir)
  local n = 0
  for _, file in ipairs(sys.listdir(dir) or {}) do
    local path = stray(dir, file)
    if path and os.remove(path) then n = n + 1 end
  end
  return n
end

--- Whether a file name is a journal's (`*.json`, not a left-over
-- temporary file or an imported one).
-- @tparam string name
-- @treturn boolean
function legacy.is_journal(name)
  return name:match("%.json$") ~= nil and name:sub(1, 1) ~= "."
end

return legacy
