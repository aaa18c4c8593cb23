--- A workflow's journal: what each step meant to create and what it did.
-- One JSON file per workflow (`.flowlua/journal/<name>.json`, mode 0600),
-- rewritten atomically (temporary file, fsync, rename) after every change,
-- so a process killed at any instant leaves either the previous or the
-- next state, never a torn file. It holds ids, names and spec ids only:
-- never a request body, so never a secret.
--
--     { "workflow": "acme", "format": 1,
--       "steps": [ { "name": "base", "state": "done",
--                    "intents": [ {"kind": "connection", "name": "...",
--                                  "spec": "<spec id>", "started": 1.7e9,
--                                  "id": "<id once known>"} ],
--                    "entities": [ {"kind": "connection", "id": "..."} ] } ] }
-- @module flowlua.workflow.journal

local files = require "flowlua.files"
local json = require "flowlua.json"
local sys = require("flowlua.core").sys

local journal = {}

local Journal = { __name = "flowlua.workflow.journal" }
Journal.__index = Journal

--- The directory journals live in: `FLOWLUA_JOURNAL_DIR` or
-- `.flowlua/journal` under the current directory.
-- @treturn string
function journal.default_dir()
  return os.getenv("FLOWLUA_JOURNAL_DIR") or ".flowlua/journal"
end

--- The file name a workflow name maps to (unsafe characters become `_`).
-- @tparam string name the workflow name
-- @treturn string
function journal.file_name(name)
  return (name:gsub("[^%w._-]", "_")) .. ".json"
end

-- mkdir -p: each missing component, mode 0700 (journals are private).
local function make_dirs(dir)
  local path = dir:sub(1, 1) == "/" and "" or nil
  for part in dir:gmatch("[^/]+") do
    path = path and (path .. "/" .. part) or part
    if not sys.stat_mode(path) then
      local ok, err = sys.mkdir(path, tonumber("700", 8))
      if not ok and not sys.stat_mode(path) then
        error(("cannot create journal directory %s: %s")
          :format(path, tostring(err)), 0)
      end
    end
  end
end

local function unreadable(path, why)
  error(("journal %s is unreadable (%s); move it away to start the "
    .. "workflow afresh"):format(path, why), 0)
end

local function load(path, name)
  local text, err, code = files.read(path)
  if text == nil then
    -- only a missing journal is a fresh workflow: anything else would
    -- make a re-run create everything again
    if code ~= 2 then unreadable(path, err) end
    return { workflow = name, format = 1, steps = json.array() }
  end
  local data
  data, err = json.decode(text)
  if type(data) ~= "table" or type(data.steps) ~= "table" then
    unreadable(path, err or "not a journal")
  end
  return data
end

--- Opens (or starts) the journal of a workflow.
-- @tparam string name the workflow name
-- @tparam[opt] string dir the directory (default `journal.default_dir()`)
-- @treturn table the journal: `data` (the decoded document), `path`
function journal.open(name, dir)
  dir = dir or journal.default_dir()
  local path = dir .. "/" .. journal.file_name(name)
  return setmetatable({ name = name, dir = dir, path = path,
    data = load(path, name) }, Journal)
end

--- Finds a step's record, or nil.
-- @tparam string name the step name
-- @treturn table|nil
function Journal:step(name)
  for _, s in ipairs(self.data.steps) do
    if s.name == name then return s end
  end
end

--- Finds or adds a step's record.
-- @tparam string name the step name
-- @treturn table the record
function Journal:ensure_step(name)
  local s = self:step(name)
  if s then return s end
  s = { name = name, state = "pending", intents = json.array(),
    entities = json.array() }
  local steps = self.data.steps
  steps[#steps + 1] = s
  return s
end

--- Writes the journal to disk, atomically and durably (mode 0600).
function Journal:save()
  make_dirs(self.dir)
  local text = json.encode(self.data, { sort_keys = true, indent = 2 })
  local ok, err = sys.write_file(self.path, text .. "\n", tonumber("600", 8))
  if not ok then
    error(("cannot write journal %s: %s"):format(self.path, tostring(err)), 0)
  end
end

--- Deletes the journal file (after a cleanup).
function Journal:remove()
  os.remove(self.path)
  self.data = { workflow = self.name, format = 1, steps = json.array() }
end

return journal
