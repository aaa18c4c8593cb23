--- Bench (2): N GETs to a server adding latency, C at a time, through
-- flowlua.task.parallel. Prints the elapsed seconds and the peak resident
-- memory of the process (VmHWM, kB).
local http = require("flowlua.http")
local task = require("flowlua.task")
local sys = require("flowlua.core").sys
local url, n, c = arg[1], tonumber(arg[2]), tonumber(arg[3])
local client = http.client{ max_connections = c }
local items = {}
for i = 1, n do items[i] = i end
local t0 = sys.monotime()
task.parallel(items, function()
  local res, err = client:request{ url = url }
  if not res or res.status ~= 200 then
    error(err or ("status " .. res.status), 0)
  end
end, { concurrency = c })
local elapsed = sys.monotime() - t0
local status = assert(io.open("/proc/self/status")):read("a")
print(("%.6f %s"):format(elapsed, status:match("VmHWM:%s*(%d+)")))
