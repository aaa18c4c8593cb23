--- The `--state FILE`: every sandbox's entities as one JSON document,
-- rewritten atomically (temp file, fsync, rename) with mode 0600 after
-- each change, and read back at start. Secrets are sealed before they are
-- stored (views.seal), and the file is 0600 all the same.
-- @module flowlua.emulator.persistence

local files = require("flowlua.files")
local json = require("flowlua.json")
local sys = require("flowlua.core").sys
local store = require("flowlua.emulator.store")

local persistence = {}

--- The `format` field that marks an emulator state file.
persistence.FORMAT = "flowlua-emulator-state"

local function read(path)
  local text, err, code = files.read(path)
  if text == nil then
    if code == 2 then return nil end   -- ENOENT: a fresh state
    error(("cannot read emulator state file %s: %s"):format(path, err), 0)
  end
  return text
end

local function corrupt(path, why)
  error(("emulator state file %s is corrupt: %s"):format(path, why), 0)
end

--- Loads a state file; a missing file is an empty store.
-- Raises an error naming the file when it cannot be read or is corrupt.
-- @tparam string path
-- @treturn table the store
function persistence.load(path)
  local text = read(path)
  if text == nil then return store.new() end
  local doc, err = json.decode(text)
  if doc == nil then corrupt(path, err) end
  if type(doc) ~= "table" or doc.format ~= persistence.FORMAT then
    corrupt(path, "not a flowlua emulator state file")
  end
  if doc.version ~= 1 then
    corrupt(path, ("unsupported version %s"):format(tostring(doc.version)))
  end
  if type(doc.sandboxes) ~= "table" then corrupt(path, "no sandboxes") end
  local s, why = store.restore(doc.sandboxes)
  if s == nil then corrupt(path, why) end
  return s
end

--- Writes the store atomically.
-- @tparam string path
-- @tparam table s the store
-- @treturn boolean|nil true, or nil and a message
function persistence.save(path, s)
  local text = json.encode({ format = persistence.FORMAT, version = 1,
    sandboxes = s:snapshot() })
  return sys.write_file(path, text, 384)   -- 0600
end

return persistence
