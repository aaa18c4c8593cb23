-- Starts the anchor server (run with `flowlua run`), prints its URL and
-- serves until SIGINT/SIGTERM, like `flowlua emulator`.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local core = require("flowlua.core")
local srv = assert(core.server.start{ host = "127.0.0.1", port = 0,
  module = "anchor_handler", config = "" })
io.stdout:write("listening on ", srv.url, "\n")
io.stdout:flush()
core.sys.wait_signal()
srv:close()
