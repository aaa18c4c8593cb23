-- The log written to a real file and read back, for specs.
--
--   local lines, text = logs.capture({ level = "debug" }, function() ... end)
local fs = require("support.fs")
local log = require("flowlua.log")

local logs = {}

--- Runs fn with flowlua.log configured by `opts` and writing to a fresh
-- temporary file, then restores the defaults; returns the lines written
-- (a list) and the whole text. An error of fn is raised again after.
function logs.capture(opts, fn)
  local path = os.tmpname()
  local f = assert(io.open(path, "w+"))
  opts.stream = f
  log.configure(opts)
  local ok, err = pcall(fn)
  log.configure{}
  f:close()
  local text = fs.take(path)
  assert(ok, err)
  local lines = {}
  for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines, text
end

return logs
