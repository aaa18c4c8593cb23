--- Reading whole files whose absence is normal: journals, the emulator's
-- state file, the config file. io.open alone is not enough: it opens a
-- directory without complaint, and a caller that treats every failure as
-- "no file yet" would take an unreadable journal for a fresh workflow and
-- create everything again.
-- @module flowlua.files

local args = require("flowlua.args")

local files = {}

--- Reads the whole file at `path`.
-- @tparam string path the file
-- @treturn string the contents
-- @treturn[2] nil
-- @treturn[2] string `"path: reason"`
-- @treturn[2] integer the errno; 2 (ENOENT) means there is no such file
function files.read(path)
  args.check(1, "read", path, "string")
  local f, err, code = io.open(path, "rb")
  if f == nil then return nil, err, code end
  local text, rerr, rcode = f:read("a")
  f:close()
  if text == nil then return nil, path .. ": " .. tostring(rerr), rcode end
  return text
end

return files
