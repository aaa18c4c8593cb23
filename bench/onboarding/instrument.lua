-- bench/onboarding/instrument.lua OUT SCRIPT ARGS...: runs SCRIPT (as
-- `flowlua run SCRIPT ARGS...` would) and writes to OUT, as JSON, where
-- its time went, observed from outside the library by wrapping the
-- functions it calls (nothing is changed, only timed):
--   pauses       Retry-After pauses, [start, end] in seconds since start
--                (from the retry warnings of flowlua.http)
--   backoff      task-seconds slept in backoff (flowlua.http's, from its
--                retry warnings, plus the entity layer's own sleeps)
--   pause_waits  task-seconds slept waiting for a Retry-After pause
--   failed       failed attempts by error kind: count and seconds spent
--   writes       state writes (sys.write_file, flowlua.state's commits):
--                count and seconds; they block the whole process, so
--                seconds are wall time
local sys = require("flowlua.core").sys
local task = require("flowlua.task")
local log = require("flowlua.log")
local json = require("flowlua.json")

local out_path, script = arg[1], arg[2]
assert(out_path and script, "usage: instrument.lua OUT SCRIPT ARGS...")
local t0 = sys.monotime()
local stats = { pauses = json.array(), backoff = 0, backoff_http = 0,
  backoff_entity = 0, pause_waits = 0, other_sleeps = 0,
  failed = json.object(), writes = 0, write_seconds = 0, retries = 0 }

local write_file = sys.write_file
sys.write_file = function(...)
  local t = sys.monotime()
  local r = table.pack(write_file(...))
  stats.writes = stats.writes + 1
  stats.write_seconds = stats.write_seconds + sys.monotime() - t
  return table.unpack(r, 1, r.n)
end

-- flowlua.state (when the workflow keeps its state there): a commit
-- (Store:flush) blocks the process like a journal write.
local state = require("flowlua.state")
local open = state.open
local timed_stores = {}
state.open = function(...)
  local store, err = open(...)
  local mt = store and getmetatable(store)
  local methods = mt and type(mt.__index) == "table" and mt.__index
  if methods and not timed_stores[methods] then
    timed_stores[methods] = true
    local flush = methods.flush
    methods.flush = function(...)
      local t = sys.monotime()
      local r = table.pack(pcall(flush, ...))
      stats.commits = (stats.commits or 0) + 1
      stats.write_seconds = stats.write_seconds + sys.monotime() - t
      if not r[1] then error(r[2], 0) end
      return table.unpack(r, 2, r.n)
    end
  end
  return store, err
end

-- flowlua.http announces each retry: "..., retry N in 1.00s (retry-after)"
local warn = log.warn
log.warn = function(fmt, ...)
  local text = select("#", ...) > 0 and fmt:format(...) or fmt
  local delay, source = text:match("retry %d+ in ([%d.]+)s %(([%a-]+)%)$")
  if delay then
    stats.retries = stats.retries + 1
    local now = sys.monotime() - t0
    if source == "retry-after" then
      stats.pauses[#stats.pauses + 1] = { now, now + tonumber(delay) }
    else
      stats.backoff_http = stats.backoff_http + tonumber(delay)
    end
  end
  return warn(fmt, ...)
end

-- Every attempt, through flowlua.http's request log (recorded, not
-- printed): the failed ones by kind.
local enabled = log.enabled
log.enabled = function(level) return level == "debug" or enabled(level) end
log.request = function(r)
  if r.status == nil then
    local f = stats.failed[r.error or "?"] or { count = 0, seconds = 0 }
    f.count, f.seconds = f.count + 1, f.seconds + (r.duration or 0)
    stats.failed[r.error or "?"] = f
  end
end

-- Sleeps by who asked: http.lua's wait for a pause, http.lua's backoff
-- (counted from its warning above), the entity layer's backoff.
local sleep = task.sleep
task.sleep = function(secs)
  local info = debug.getinfo(2, "Sn")
  local src = info and info.source or ""
  local t = sys.monotime()
  sleep(secs)
  local slept = sys.monotime() - t
  if src:find("http", 1, true) and info.name == "wait_pause" then
    stats.pause_waits = stats.pause_waits + slept
  elseif src:find("http", 1, true) then
    stats.http_slept = (stats.http_slept or 0) + slept
  elseif src:find("entity", 1, true) then
    stats.backoff_entity = stats.backoff_entity + slept
  else
    stats.other_sleeps = stats.other_sleeps + slept
  end
end

local saved = false
local function save()
  if saved then return end
  saved = true
  stats.backoff = stats.backoff_http + stats.backoff_entity
  stats.seconds = sys.monotime() - t0
  local f = assert(io.open(out_path, "w"))
  f:write(json.encode(stats), "\n")
  f:close()
end
-- the script may end with os.exit(n, true): closing the state runs this
local guard = setmetatable({}, { __gc = save })

local args = table.move(arg, 3, #arg, 1, {})
_G.arg = table.move(arg, 2, #arg, 0, {})
local chunk = assert(loadfile(script))
local ok, err = pcall(chunk, table.unpack(args))
save()
assert(guard)
if not ok then error(err, 0) end
