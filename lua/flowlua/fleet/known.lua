--- Which entities flowlua's own state knows, and under which workflow.
-- Today that state is the workflows' journals (`.flowlua/journal/*.json`,
-- flowlua.workflow.journal); this module is the one place that reads
-- them for the inventory, so that moving to another state store changes
-- this file alone.
-- @module flowlua.fleet.known

local files = require "flowlua.files"
local json = require "flowlua.json"
local journal = require "flowlua.workflow.journal"
local log = require "flowlua.log"
local sys = require("flowlua.core").sys

local known = {}

local function add_ids(out, name, list)
  if type(list) ~= "table" then return end
  for _, rec in ipairs(list) do
    if type(rec) == "table" and type(rec.id) == "string" then
      out[rec.id] = out[rec.id] or name
    end
  end
end

-- The ids one journal file records (entities done, and intents whose id
-- became known), each mapped to the journal's workflow name.
local function read_journal(path, out)
  local text, err = files.read(path)
  local data = text and json.decode(text)
  if type(data) ~= "table" or type(data.steps) ~= "table" then
    log.warn("inventory: journal %s skipped (%s)", path,
      err or "not a journal")
    return
  end
  local name = type(data.workflow) == "string" and data.workflow
    or path:match("([^/]*)%.json$")
  for _, step in ipairs(data.steps) do
    if type(step) == "table" then
      add_ids(out, name, step.entities)
      add_ids(out, name, step.intents)
    end
  end
end

--- The entities flowlua's state knows: id → workflow name.
-- Journals are kept per directory, not per sandbox: an id is unique
-- across sandboxes, so a journal of another sandbox names none of this
-- one's entities.
-- @tparam[opt] string dir the journal directory (default: the workflows')
-- @treturn table map of entity id to workflow name
function known.workflows(dir)
  dir = dir or journal.default_dir()
  local out = {}
  local names = sys.listdir(dir)
  if names == nil then return out end  -- no journal yet
  table.sort(names)
  for _, file in ipairs(names) do
    if file:match("%.json$") then read_journal(dir .. "/" .. file, out) end
  end
  return out
end

return known
