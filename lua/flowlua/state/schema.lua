--- The state store's tables, the same SQL for both backends, and the
-- format version kept in flowlua_meta. A store written by another
-- version, or tables of another shape, are refused with a message naming
-- the store rather than read as if they were ours.
--
--     flowlua_meta    (key, value)            'format' -> '1'
--     flowlua_records (endpoint, org, sandbox, workflow, doc, updated)
--     flowlua_locks   (endpoint, org, sandbox, workflow, host, pid, start,
--                      since, lease, token)
--
-- `doc` is the workflow's record as JSON text (flowlua.state.record).
-- @module flowlua.state.schema

local schema = {}

--- The format this flowlua reads and writes.
schema.FORMAT = "1"

local KEY = "endpoint TEXT NOT NULL, org TEXT NOT NULL, "
  .. "sandbox TEXT NOT NULL, workflow TEXT NOT NULL"
local PKEY = "PRIMARY KEY (endpoint, org, sandbox, workflow)"

schema.TABLES = {
  { name = "flowlua_meta",
    create = "key TEXT PRIMARY KEY, value TEXT NOT NULL",
    columns = "key, value" },
  { name = "flowlua_records",
    create = KEY .. ", doc TEXT NOT NULL, updated DOUBLE PRECISION "
      .. "NOT NULL, " .. PKEY,
    columns = "endpoint, org, sandbox, workflow, doc, updated" },
  { name = "flowlua_locks",
    create = KEY .. ", host TEXT NOT NULL, pid INTEGER NOT NULL, "
      .. "start TEXT NOT NULL, since DOUBLE PRECISION NOT NULL, "
      .. "lease DOUBLE PRECISION NOT NULL, token TEXT NOT NULL, " .. PKEY,
    columns = "endpoint, org, sandbox, workflow, host, pid, start, since, "
      .. "lease, token" },
}

local function wrong(db, why)
  error(("state store %s: %s; it was not written by this flowlua "
    .. "(state format %s): point --state elsewhere"):format(db.where, why,
      schema.FORMAT), 0)
end

-- Every column we use must be there; a query that names them says so.
local function check_shape(db, t)
  local ok, err = pcall(db.rows, db, ("SELECT %s FROM %s WHERE 1 = 0")
    :format(t.columns, t.name))
  if not ok then
    wrong(db, ("table %s has the wrong shape (%s)"):format(t.name,
      tostring(err):gsub("^state store [^:]*: ", "")))
  end
end

local function check_format(db)
  local rows = db:rows("SELECT value FROM flowlua_meta WHERE key = 'format'")
  local v = rows[1] and rows[1].value
  if v == nil then wrong(db, "flowlua_meta has no format") end
  if v ~= schema.FORMAT then
    error(("state store %s has format %s; this flowlua reads format %s: "
      .. "use the flowlua that wrote it"):format(db.where, tostring(v),
        schema.FORMAT), 0)
  end
end

--- Creates the tables in an empty store, or checks an existing one's
-- format and shape. Runs inside a write transaction, in every process
-- that opens the store: the transaction (SQLite's BEGIN IMMEDIATE) or
-- `exclusive` (PostgreSQL's advisory lock, taken before the tables are
-- read) lets one opener at a time in, so of processes opening a new
-- store at once the first creates the tables and the others find them
-- (never two CREATE TABLE at once: PostgreSQL can fail those on pg_type).
-- @tparam table db the connection
-- @tparam table backend its backend (tables, exclusive)
function schema.ensure(db, backend)
  backend.exclusive(db)
  local have = backend.tables(db)
  if not have.flowlua_meta then
    for _, t in ipairs(schema.TABLES) do
      if have[t.name] then
        wrong(db, ("table %s exists without flowlua_meta"):format(t.name))
      end
    end
    for _, t in ipairs(schema.TABLES) do
      db:exec(("CREATE TABLE %s (%s)"):format(t.name, t.create))
    end
    db:exec(("INSERT INTO flowlua_meta (key, value) VALUES ('format', %s)")
      :format(db:quote(schema.FORMAT)))
    return
  end
  check_format(db)
  for _, t in ipairs(schema.TABLES) do check_shape(db, t) end
end

return schema
