--- The SQLite backend of the state store: one local file (default
-- `.flowlua/state.db`), mode 0600 in a 0700 directory, in WAL mode with
-- `synchronous=NORMAL`: a commit appends to the write-ahead log without
-- waiting for a checkpoint, and a crash loses at most the last commits of
-- a power failure, never consistency. Writers take the database lock
-- with `BEGIN IMMEDIATE` and wait up to `busy_timeout` for each other.
-- A workflow instance's lock is a row in flowlua_locks; a row whose
-- holder is dead (flowlua.state.holder) is taken over.
-- @module flowlua.state.sqlite

local db_mod = require("flowlua.state.db")
local sys = require("flowlua.core").sys

local sqlite = {}

sqlite.BEGIN_WRITE = "BEGIN IMMEDIATE"

--- How long a statement waits for another process's write (ms).
sqlite.BUSY_TIMEOUT = 30000

-- mkdir -p, each missing component 0700 (state is private).
local function make_dirs(path)
  local dir = path:match("^(.*)/[^/]*$")
  if dir == nil or dir == "" then return end
  local sofar = dir:sub(1, 1) == "/" and "" or nil
  for part in dir:gmatch("[^/]+") do
    sofar = sofar and (sofar .. "/" .. part) or part
    if not sys.stat_mode(sofar) then
      local ok, err = sys.mkdir(sofar, tonumber("700", 8))
      if not ok and not sys.stat_mode(sofar) then
        error(("cannot create the state store's directory %s: %s")
          :format(sofar, tostring(err)), 0)
      end
    end
  end
end

-- SQLite would create the file with the umask's mode; create it first,
-- empty (an empty file is an empty database), with mode 0600. Never by
-- replacing: a process that lost the race to create it must not put an
-- empty file over the one the winner has begun to fill (the winner would
-- go on writing to a file no longer in the directory, and lose it).
local function create_private(path)
  if sys.stat_mode(path) then return end
  make_dirs(path)
  local ok, err = sys.create_file(path, tonumber("600", 8))
  if ok == nil then
    error(("cannot create the state store %s: %s")
      :format(path, tostring(err)), 0)
  end
end

--- The file a location names (`sqlite:PATH` or a plain path).
-- @tparam string location
-- @treturn string
function sqlite.path(location)
  return location:match("^sqlite:(.*)$") or location
end

--- How the store reads in messages.
-- @tparam string location
-- @treturn string
function sqlite.describe(location)
  return "sqlite:" .. sqlite.path(location)
end

-- Switching a new file to WAL takes an exclusive lock and SQLite answers
-- "database is locked" at once, without the busy handler, when another
-- process opens the same new file at that moment: wait for it as
-- busy_timeout would (the first switch is kept in the file).
local function set_wal(db)
  local waited = 0
  while true do
    local ok, err = pcall(db.rows, db, "PRAGMA journal_mode = WAL")
    if ok then return end
    if waited >= sqlite.BUSY_TIMEOUT or not tostring(err):find("locked") then
      error(err, 0)
    end
    sys.sleep(0.02)
    waited = waited + 20
  end
end

--- Opens (creating if needed) the database.
-- @tparam string location
-- @treturn table a flowlua.state.db
function sqlite.open(location)
  local path = sqlite.path(location)
  if path == "" then error("state store: empty SQLite path", 0) end
  local mod = db_mod.driver("luasql.sqlite3", "SQLite", "lua-sql-sqlite3")
  create_private(path)
  local env = mod.sqlite3()
  local conn, err = env:connect(path)
  if conn == nil then
    env:close()
    error(("state store %s: %s"):format(sqlite.describe(location),
      tostring(err)), 0)
  end
  local db = db_mod.wrap(env, conn, sqlite.describe(location))
  db:exec("PRAGMA busy_timeout = " .. sqlite.BUSY_TIMEOUT)
  set_wal(db)
  db:exec("PRAGMA synchronous = NORMAL")
  return db
end

--- The names of the tables in the database.
-- @tparam table db
-- @treturn table set of names
function sqlite.tables(db)
  local set = {}
  for _, r in ipairs(db:rows(
      "SELECT name FROM sqlite_master WHERE type = 'table'")) do
    set[r.name] = true
  end
  return set
end

--- Nothing to do: BEGIN IMMEDIATE already excludes other writers.
function sqlite.exclusive() end

--- The lock is the row itself: a row whose holder lives binds others
-- out (flowlua.state.holder), checked by the store.
sqlite.ROW_LOCK = true

--- Nothing to take beyond the row.
-- @treturn boolean true
function sqlite.acquire() return true end

--- Nothing to release beyond the row.
function sqlite.release() end

return sqlite
