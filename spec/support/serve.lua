-- Serves a flowlua.core.server handler module from its own process:
--
--   flowlua run spec/support/serve.lua MODULE [CONFIG]
--
-- prints `listening on URL` and serves until killed. For hostile servers
-- whose answers never come: closing a server waits for its requests, so
-- such a server is killed, not closed.
package.path = "spec/?.lua;" .. package.path
local core = require("flowlua.core")
local srv = assert(core.server.start{ module = arg[1], config = arg[2] })
io.stdout:write("listening on ", srv.url, "\n")
io.stdout:flush()
core.sys.trap_signals()
core.sys.wait_signal()
os.exit(0)  -- without closing: requests may be held for an hour
