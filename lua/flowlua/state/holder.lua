--- Who holds a workflow instance's lock, and whether that holder still
-- lives. A holder is `{host, pid, start, since, lease, token}`: `start`
-- is the process's start time in clock ticks since boot (from
-- /proc/PID/stat), so a pid reused by another process after a crash is
-- not taken for the holder; `lease` is the time (epoch seconds) until
-- which a holder on another host counts as alive: we cannot look at
-- another machine's processes, so its lock is recovered only once its
-- lease has run out. The holder renews it at every commit.
-- @module flowlua.state.holder

local files = require("flowlua.files")
local sys = require("flowlua.core").sys

local holder = {}

--- Seconds a lease lasts without renewal.
holder.LEASE = 600

--- This machine's name (Linux: /proc/sys/kernel/hostname).
-- @treturn string
function holder.host()
  local text = files.read("/proc/sys/kernel/hostname")
    or os.getenv("HOSTNAME") or "localhost"
  return (text:gsub("%s+$", ""))
end

--- A process's start time (ticks since boot), or nil when there is no
-- such process.
-- @tparam integer pid
-- @treturn string|nil
function holder.start_time(pid)
  local text = files.read("/proc/" .. math.tointeger(pid) .. "/stat")
  if text == nil then return nil end
  -- The command name (field 2) may hold spaces and parentheses: count
  -- the fields after its closing parenthesis; starttime is field 22.
  local rest = text:match("^.*%)%s+(.*)$") or ""
  local i = 2
  for word in rest:gmatch("%S+") do
    i = i + 1
    if i == 22 then return word end
  end
end

local function hex(bytes)
  return (bytes:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

--- This process as a lock holder.
-- @treturn table
function holder.me()
  local pid = sys.getpid()
  local now = sys.time()
  return { host = holder.host(), pid = pid,
    start = holder.start_time(pid) or "", since = now,
    lease = now + holder.LEASE, token = hex(sys.random(12)) }
end

--- Whether the holder recorded in a lock row still holds it.
-- @tparam table h the row: host, pid, start, lease
-- @treturn boolean
function holder.alive(h)
  if h.host ~= holder.host() then
    return sys.time() < (tonumber(h.lease) or 0)
  end
  local start = holder.start_time(tonumber(h.pid) or -1)
  if start == nil then return false end
  return h.start == nil or h.start == "" or h.start == start
end

--- The holder of a lock whose row names nobody (a PostgreSQL advisory
-- lock on our key taken by a session that wrote no row: another tool, or
-- a flowlua of another state format).
holder.UNKNOWN = { unknown = true }

--- How a holder reads in a message: "host h, pid 42, since 2026-…Z".
-- @tparam table h the holder
-- @treturn string
function holder.describe(h)
  if h.unknown then
    return "a database session that did not record its host and pid"
  end
  return ("host %s, pid %s, since %s"):format(tostring(h.host),
    tostring(h.pid), os.date("!%Y-%m-%dT%H:%M:%SZ",
      math.floor(tonumber(h.since) or 0)))
end

return holder
