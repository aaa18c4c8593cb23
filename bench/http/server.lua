--- The bench server: `flowlua run bench/http/server.lua` prints its URL,
-- then serves bench/http/handler.lua until SIGTERM.
local core = require("flowlua.core")
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local srv = core.server.start{ module = "handler" }
io.stdout:write(srv.url, "\n")
io.stdout:flush()
core.sys.wait_signal()
srv:close()
