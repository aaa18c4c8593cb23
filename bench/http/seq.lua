--- Bench (1): N sequential keep-alive GETs through flowlua.http, the same
-- work as `curl_loop seq URL N`. Prints the elapsed seconds.
local http = require("flowlua.http")
local sys = require("flowlua.core").sys
local url, n = arg[1], tonumber(arg[2])
local c = http.client{}
local t0 = sys.monotime()
for _ = 1, n do
  local res, err = c:request{ url = url }
  if not res or res.status ~= 200 then
    error(err or ("status " .. res.status), 0)
  end
end
print(("%.6f"):format(sys.monotime() - t0))
