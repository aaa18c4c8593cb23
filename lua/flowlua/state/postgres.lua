--- The PostgreSQL backend of the state store (`postgresql://…`), for
-- teams and CI fleets: several machines share one truth and one lock.
-- A workflow instance's lock is a session advisory lock on a 64-bit hash
-- of its key (`pg_try_advisory_lock(hashtextextended(key, 0))`): the
-- server releases it the moment the holder's connection ends, however
-- the process died, so no lease is needed to recover it. The row in
-- flowlua_locks only names the holder for the message another process
-- prints.
-- @module flowlua.state.postgres

local db_mod = require("flowlua.state.db")

local postgres = {}

postgres.BEGIN_WRITE = "BEGIN"

--- Whether a location names a PostgreSQL database.
-- @tparam string location
-- @treturn boolean
function postgres.is(location)
  return location:match("^postgres://") ~= nil
    or location:match("^postgresql://") ~= nil
end

--- The password in a URL, if any (to keep it out of logs).
-- @tparam string location
-- @treturn string|nil
function postgres.password(location)
  return location:match("^[%w+.-]+://[^/@:]*:([^/@]*)@")
    or location:match("[?&]password=([^&]*)")
end

--- How the store reads in messages: the URL without its password.
-- @tparam string location
-- @treturn string
function postgres.describe(location)
  return (location:gsub("^([%w+.-]+://[^/@:]*):[^/@]*@", "%1@")
    :gsub("([?&]password=)[^&]*", "%1***"))
end

--- Connects.
-- @tparam string location the URL
-- @treturn table a flowlua.state.db
function postgres.open(location)
  local mod = db_mod.driver("luasql.postgres", "PostgreSQL",
    "lua-sql-postgres")
  local env = mod.postgres()
  local conn, err = env:connect(location)
  if conn == nil then
    env:close()
    error(("state store %s: cannot connect: %s")
      :format(postgres.describe(location),
        tostring(err):gsub("^LuaSQL: ", "")), 0)
  end
  local db = db_mod.wrap(env, conn, postgres.describe(location))
  -- libpq prints notices (CREATE TABLE IF NOT EXISTS …) on stderr.
  db:exec("SET client_min_messages = warning")
  return db
end

--- The names of the tables in the current schema.
-- @tparam table db
-- @treturn table set of names
function postgres.tables(db)
  local set = {}
  for _, r in ipairs(db:rows("SELECT tablename AS name FROM pg_tables "
      .. "WHERE schemaname = current_schema()")) do
    set[r.name] = true
  end
  return set
end

--- Serializes writers of the store's own tables until the transaction
-- ends (creating the schema, writing lock rows).
-- @tparam table db
function postgres.exclusive(db)
  db:rows("SELECT pg_advisory_xact_lock(hashtextextended("
    .. "'flowlua.state', 0))")
end

local function advisory(db, key_text, fn)
  local r = db:rows(("SELECT %s(hashtextextended(%s, 0)) AS ok")
    :format(fn, db:quote(key_text)))
  return r[1] and (r[1].ok == "t" or r[1].ok == true)
end

--- Takes the instance's advisory lock; false when another session has it.
-- @tparam table db
-- @tparam string key_text the key, as one string
-- @treturn boolean
function postgres.acquire(db, key_text)
  return advisory(db, key_text, "pg_try_advisory_lock")
end

--- Releases the instance's advisory lock.
-- @tparam table db
-- @tparam string key_text
function postgres.release(db, key_text)
  advisory(db, key_text, "pg_advisory_unlock")
end

return postgres
