--- bench/json: flowlua.json and lua-cjson side by side in one process.
-- Usage: lua5.4 bench/json/bench.lua SEED_TUTORIAL
package.path = "bench/json/?.lua;lua/?.lua;" .. package.path
package.cpath = "build/lib/?.so;" .. package.cpath

local json = require("flowlua.core").json
local cjson = require("cjson")
local entities = require("entities")

local clock = os.clock
local seconds = tonumber(os.getenv("BENCH_SECONDS")) or 0.5
local rounds = tonumber(os.getenv("BENCH_ROUNDS")) or 5

-- The first JSON block of the tutorial is the connection spec response.
local function connection_spec(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  local body = text:match("\ncode language%-json[^\n]*\n(%b{})")
  return assert(body, "no connection spec response in " .. path)
end

-- Seconds per call of fn, best of `rounds` runs of about `seconds` each.
-- A full collection before each run: neither codec pays for the other's
-- garbage (or for the generated document's).
local function time(fn)
  local reps = 1
  collectgarbage("collect")
  repeat
    local t0 = clock()
    for _ = 1, reps do fn() end
    local dt = clock() - t0
    if dt >= seconds / 4 then break end
    reps = reps * 2
  until false
  local best = math.huge
  for _ = 1, rounds do
    collectgarbage("collect")
    local t0 = clock()
    for _ = 1, reps do fn() end
    best = math.min(best, (clock() - t0) / reps)
  end
  return best
end

local function mbps(bytes, dt) return bytes / dt / 1e6 end

local rows = {}
local function measure(name, text)
  local mine, theirs = assert(json.decode(text)), cjson.decode(text)
  local d_mine = time(function() json.decode(text) end)
  local d_cjson = time(function() cjson.decode(text) end)
  local e_mine = time(function() json.encode(mine) end)
  local e_cjson = time(function() cjson.encode(theirs) end)
  local n = #text
  rows[#rows + 1] = { name .. " decode", n, mbps(n, d_mine), mbps(n, d_cjson) }
  rows[#rows + 1] = { name .. " encode", n, mbps(n, e_mine), mbps(n, e_cjson) }
end

measure("connection spec", connection_spec(assert(arg[1], "seed path")))
measure("10,000 flows", json.encode(entities.list(10000)))

print(("flowlua.json vs lua-cjson %s (%s, same process, best of %d)")
  :format(cjson._VERSION, _VERSION, rounds))
print(("%-24s %10s %14s %12s %7s"):format("document", "bytes",
  "flowlua MB/s", "cjson MB/s", "ratio"))
for _, r in ipairs(rows) do
  print(("%-24s %10d %14.1f %12.1f %6.2fx"):format(r[1], r[2], r[3], r[4],
    r[3] / r[4]))
end
