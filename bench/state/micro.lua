-- bench/state/micro.lua N C W ROUNDS [PG_URL]: the journal traffic of N
-- sources
-- (W writes each: a step's intent, then its outcome, a document that
-- grows step by step; then one read each), C sources at a time, against
-- each way of keeping it, in this one process, side by side:
--   JSON journal   what flowlua did before the state store, the anchor:
--                  a file per workflow, each write encoded, written to a
--                  temporary file, fsynced, renamed over (sys.write_file)
--   SQLite         flowlua.state, saves inside tasks: the saves of one
--                  scheduler turn share a commit (group commit)
--   SQLite 1:1     flowlua.state, a commit per write (no batching: what
--                  group commit saves)
--   SQLite FULL    both again with `synchronous=FULL` (an fsync per
--                  commit, as durable against power loss as the JSON
--                  journal; flowlua runs NORMAL: docs/state.md)
--   PostgreSQL     flowlua.state on PG_URL, group commit (when given)
-- Between two writes a source yields once (task.sleep(0)): it stands for
-- the request the step sends, during which the other sources write.
-- Prints one table: seconds (the best of ROUNDS runs, each on a fresh
-- store), per-write milliseconds, commits, and ratios to the anchor.
-- Asserts no time.
local json = require("flowlua.json")
local files = require("flowlua.files")
local state = require("flowlua.state")
local task = require("flowlua.task")
local sys = require("flowlua.core").sys

local N = math.tointeger(tonumber(arg[1])) or 500
local C = math.tointeger(tonumber(arg[2])) or 8
local W = math.tointeger(tonumber(arg[3])) or 14
local ROUNDS = math.tointeger(tonumber(arg[4])) or 1
local PG = arg[5] ~= "" and arg[5] or nil

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(sys.mkdir(d, tonumber("700", 8)))
  return d
end

local function key(i)
  return { endpoint = "https://platform.adobe.io", org = "O@AdobeOrg",
    sandbox = "prod", workflow = ("bench-source %04d"):format(i) }
end

-- The document after write w: step k's intent, then its outcome.
local function grow(doc, w)
  local k = (w + 1) // 2
  if w % 2 == 1 then
    doc.steps[k] = { name = "step " .. k, state = "running",
      intents = json.array{ { kind = "connection", name = "entity " .. k,
        spec = "c1b7f4b7-5e47-4a4c-8f7a-4d8f0d4e6a0" .. k % 10,
        started = 1.7e9 + w } } }
  else
    doc.steps[k].state = "done"
    doc.steps[k].intents[1].id = ("%08x-0000-4000-8000-%012d"):format(k, w)
  end
end

-- Runs `source(i)` for i = 1..N, C at a time, in tasks.
local function in_tasks(source)
  local next_i = 0
  for _ = 1, C do
    task.spawn(function()
      while next_i < N do
        next_i = next_i + 1
        source(next_i)
      end
    end)
  end
  task.run()
end

local function writes_of(save)
  return function(i)
    local k, doc = key(i), state.fresh(key(i).workflow)
    for w = 1, W do
      grow(doc, w)
      save(k, doc)
      task.sleep(0)
    end
  end
end

-- The older JSON journal: one file per workflow name, written whole.
local function json_way()
  local dir = tmpdir()
  local function path(k)
    return dir .. "/" .. (k.workflow:gsub("[^%w._-]", "_")) .. ".json"
  end
  local commits = 0
  return {
    save = function(k, doc)
      assert(sys.write_file(path(k), json.encode(doc,
        { sort_keys = true, indent = 2 }) .. "\n", tonumber("600", 8)))
      commits = commits + 1
    end,
    read = function(k) return json.decode(assert(files.read(path(k)))) end,
    commits = function() return commits end,
    close = function() os.execute("rm -rf '" .. dir .. "'") end,
  }
end

local function store_way(location, one_by_one, dir, full)
  local store = state.open(location)
  if full then store.db:exec("PRAGMA synchronous = FULL") end
  local flush, commits = store.flush, 0
  store.flush = function(s)
    if #s.order > 0 then commits = commits + 1 end
    return flush(s)
  end
  return {
    save = one_by_one and function(k, doc)
      store:put(k, doc)
      store:flush()
    end or function(k, doc) store:save(k, doc) end,
    read = function(k) return store:load(k) end,
    commits = function() return commits end,
    close = function()
      store:close()
      if dir then os.execute("rm -rf '" .. dir .. "'") end
    end,
  }
end

local function measure(way)
  local t0 = sys.monotime()
  in_tasks(writes_of(way.save))
  local wrote = sys.monotime() - t0
  t0 = sys.monotime()
  for i = 1, N do assert(way.read(key(i)).steps[W // 2]) end
  local read = sys.monotime() - t0
  local commits = way.commits()
  way.close()
  return { writes = wrote, reads = read, commits = commits }
end

local ways = {
  { "JSON journal (anchor)", json_way },
  { "SQLite, group commit", function()
    local d = tmpdir()
    return store_way(d .. "/state.db", false, d)
  end },
  { "SQLite, a commit per write", function()
    local d = tmpdir()
    return store_way(d .. "/state.db", true, d)
  end },
  { "SQLite FULL, group commit", function()
    local d = tmpdir()
    return store_way(d .. "/state.db", false, d, true)
  end },
  { "SQLite FULL, commit per write", function()
    local d = tmpdir()
    return store_way(d .. "/state.db", true, d, true)
  end },
}
if PG then
  ways[#ways + 1] = { "PostgreSQL, group commit", function()
    return store_way(PG, false)
  end }
end

-- The best of ROUNDS runs, each on a fresh store (PostgreSQL: the same
-- database, its records replaced).
local function best(make)
  local b
  for _ = 1, ROUNDS do
    collectgarbage("collect")
    local r = measure(make())
    b = b or r
    if r.writes < b.writes then b.writes, b.commits = r.writes, r.commits end
    b.reads = math.min(b.reads, r.reads)
  end
  return b
end

local rows = {}
for _, w in ipairs(ways) do rows[#rows + 1] = { name = w[1], r = best(w[2]) } end

local anchor = rows[1].r
print(("bench/state: %d sources x %d writes (%d writes), %d at a time; "
  .. "then %d reads; best of %d"):format(N, W, N * W, C, N, ROUNDS))
print(("%-30s %9s %9s %8s %7s %9s %7s"):format("store", "writes s",
  "ms/write", "commits", "ratio", "reads s", "ratio"))
for _, row in ipairs(rows) do
  local r = row.r
  print(("%-30s %9.3f %9.3f %8d %7.2f %9.3f %7.2f"):format(row.name,
    r.writes, r.writes * 1000 / (N * W), r.commits, r.writes / anchor.writes,
    r.reads, r.reads / anchor.reads))
end
print("ratio: seconds / the anchor's (below 1: faster than the JSON journal)")
if PG then
  print("PostgreSQL: " .. state.describe(PG) .. " (a throwaway server runs "
    .. "with fsync off)")
end
