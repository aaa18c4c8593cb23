--- The workflow state store: one record per workflow instance, keyed by
-- target (endpoint, org, sandbox, workflow name — flowlua.state.record),
-- a lock per instance held by one process at a time, and writes that
-- arrive together committed together.
--
--     local state = require("flowlua.state")
--     local store = state.open(".flowlua/state.db")  -- or postgresql://…
--     local key = {endpoint = e, org = o, sandbox = "dev", workflow = "w"}
--     local ok, holder = store:lock(key, {wait = 30})
--     local doc = store:load(key) or state.fresh("w")
--     store:save(key, doc)      -- durable when it returns
--     store:unlock(key)
--
-- Two backends with the same SQL (flowlua.state.schema): SQLite for one
-- machine (flowlua.state.sqlite), PostgreSQL for several
-- (flowlua.state.postgres).
--
-- Group commit: `save` inside a task queues the document and waits for
-- the end of the scheduler's turn (`task.sleep(0)` returns once every
-- ready task has run), then one transaction writes everything queued in
-- that turn and wakes the tasks that asked. A bulk run's hundred
-- concurrent intents cost one commit, not a hundred in a row.
-- @module flowlua.state

local holder_mod = require("flowlua.state.holder")
local json = require("flowlua.json")
local record = require("flowlua.state.record")
local schema = require("flowlua.state.schema")
local sys = require("flowlua.core").sys

local state = {}

--- Where the store is when nothing says otherwise.
state.DEFAULT = ".flowlua/state.db"

state.fresh = record.fresh
state.describe_key = record.describe
--- What is wrong with a document for a key, or nil
-- (flowlua.state.record.problem).
state.problem = record.problem

local Store = { __name = "flowlua.state.store" }
Store.__index = Store

local function backend_of(location)
  local postgres = require("flowlua.state.postgres")
  if postgres.is(location) then return postgres end
  return require("flowlua.state.sqlite")
end

--- How a location reads in messages (no password).
-- @tparam string location
-- @treturn string
function state.describe(location)
  return backend_of(location).describe(location)
end

--- Opens the store at `location` (a path, `sqlite:PATH` or
-- `postgresql://…`), creating its tables if it is empty.
-- @tparam[opt] string location default `state.DEFAULT`
-- @treturn table the store
function state.open(location)
  location = location or state.DEFAULT
  if type(location) ~= "string" or location == "" then
    error("bad argument #1 to 'open' (state location expected)", 2)
  end
  local backend = backend_of(location)
  if backend.password then
    local pw = backend.password(location)
    if pw and pw ~= "" then require("flowlua.log").secret(pw) end
  end
  local db = backend.open(location)
  local self = setmetatable({ backend = backend, db = db, where = db.where,
    queue = {}, order = {}, waiters = {}, held = {} }, Store)
  local ok, err = pcall(db.transaction, db, backend.BEGIN_WRITE,
    function() schema.ensure(db, backend) end)
  if not ok then
    db:close()
    error(err, 0)
  end
  return self
end

-- A key's SQL pieces, built once per key and connection: a bulk run
-- writes each workflow's record several times, and quoting its four
-- fields each time was a tenth of the client's work.
local function key_sql(db, key)
  local text = record.key_text(key)
  local sql = db.key_sql[text]
  if sql == nil then
    local e, o, s, w = db:quote(key.endpoint), db:quote(key.org),
      db:quote(key.sandbox), db:quote(key.workflow)
    sql = { where = ("endpoint = %s AND org = %s AND sandbox = %s AND "
      .. "workflow = %s"):format(e, o, s, w),
      values = ("%s, %s, %s, %s"):format(e, o, s, w) }
    db.key_sql[text] = sql
  end
  return sql
end

local function where_key(db, key)
  return key_sql(db, key).where
end

local function key_values(db, key)
  return key_sql(db, key).values
end

----------------------------------------------------------------------
-- Locks

local take_queue, write_queued  -- Records, below: unlock commits them

local function lock_row(db, key)
  return db:rows("SELECT host, pid, start, since, lease, token FROM "
    .. "flowlua_locks WHERE " .. where_key(db, key))[1]
end

local function write_lock_row(db, key, me)
  db:exec("DELETE FROM flowlua_locks WHERE " .. where_key(db, key))
  db:exec(("INSERT INTO flowlua_locks (endpoint, org, sandbox, workflow, "
    .. "host, pid, start, since, lease, token) VALUES (%s, %s, %d, %s, %s, "
    .. "%s, %s)"):format(key_values(db, key), db:quote(me.host), me.pid,
      db:quote(me.start), db:number(me.since), db:number(me.lease),
      db:quote(me.token)))
end

-- One attempt: true, or false and the holder's row.
function Store:try_lock(key)
  local db, backend = self.db, self.backend
  local me = holder_mod.me()
  local got, row = db:transaction(backend.BEGIN_WRITE, function()
    -- Every writer of lock rows (try_lock, unlock) holds `exclusive`, so
    -- the advisory lock and the row that names its holder change together.
    backend.exclusive(db)
    local row = lock_row(db, key)
    if not backend.acquire(db, record.key_text(key)) then
      return false, row or holder_mod.UNKNOWN
    end
    if backend.ROW_LOCK and row and holder_mod.alive(row) then
      return false, row
    end
    write_lock_row(db, key, me)
    return true
  end)
  if got then
    self.held[record.key_text(key)] = { key = key, me = me }
    self.held_sql = nil
  end
  return got, row
end

local function pause(secs)
  local task = require("flowlua.task")
  if task.current() then task.sleep(secs) else sys.sleep(secs) end
end

--- Takes the instance's lock for this process.
-- @tparam table key
-- @tparam[opt] table opts `{wait = seconds}` (default 0: one attempt)
-- @treturn boolean true when taken
-- @treturn[2] table the holder `{host, pid, since}` when not
function Store:lock(key, opts)
  record.check_key(key, "lock")
  if self.held[record.key_text(key)] then return true end
  local deadline = sys.monotime() + (opts and opts.wait or 0)
  local delay = 0.05
  while true do
    local got, row = self:try_lock(key)
    if got then return true end
    if sys.monotime() >= deadline then return false, row end
    pause(math.min(delay, math.max(0, deadline - sys.monotime())))
    delay = math.min(delay * 2, 1)
  end
end

--- Releases the instance's lock, in the transaction that writes what is
-- queued.
-- @tparam table key
function Store:unlock(key)
  local text = record.key_text(key)
  local h = self.held[text]
  if h == nil then return end
  local db, backend = self.db, self.backend
  local queue, order = take_queue(self)
  db:transaction(backend.BEGIN_WRITE, function()
    backend.exclusive(db)
    write_queued(self, db, queue, order)
    db:exec(("DELETE FROM flowlua_locks WHERE %s AND token = %s")
      :format(where_key(db, key), db:quote(h.me.token)))
    backend.release(db, text)
  end)
  self.held[text] = nil
  self.held_sql = nil
  db.key_sql[text] = nil  -- a finished workflow's SQL is not kept
end

--- Whether this store object holds the instance's lock.
-- @tparam table key
-- @treturn boolean
function Store:holds(key)
  return self.held[record.key_text(key)] ~= nil
end

-- The tokens of the locks we hold, as an SQL list, built when the set of
-- held locks changes rather than at every commit. A token is random and
-- written only into the row of its own key, so it names that row.
local function held_sql(self)
  if self.held_sql == nil then
    local db, tokens, n = self.db, {}, 0
    for _, h in pairs(self.held) do
      n = n + 1
      tokens[n] = db:quote(h.me.token)
    end
    self.held_sql, self.held_count = table.concat(tokens, ", "), n
  end
  return self.held_sql, self.held_count
end

-- Names the first held lock whose row is no longer ours.
local function lost_lock(self)
  local db = self.db
  for _, h in pairs(self.held) do
    local row = db:rows(("SELECT token FROM flowlua_locks WHERE %s AND "
      .. "token = %s"):format(where_key(db, h.key), db:quote(h.me.token)))[1]
    if row == nil then return h end
  end
end

-- How often a commit renews the leases (they run holder.LEASE, 600 s):
-- between renewals it only reads that the rows are ours, which writes
-- no page (a bulk run commits several times a second).
local RENEW_EVERY = 60

-- How many of our lock rows are still ours; their leases move on when a
-- renewal is due. One statement for all of them.
local function count_ours(self, db, sql)
  local now = sys.time()
  if now < (self.renew_due or 0) then
    local row = db:rows(("SELECT count(*) AS n FROM flowlua_locks WHERE "
      .. "token IN (%s)"):format(sql))[1]
    return tonumber(row.n)
  end
  local changed = db:exec(("UPDATE flowlua_locks SET lease = %s WHERE "
    .. "token IN (%s)"):format(db:number(now + holder_mod.LEASE), sql))
  self.renew_due = now + RENEW_EVERY
  return changed
end

-- Inside a commit: our lock rows are still ours (a holder whose lease ran
-- out may have been replaced), and their leases renewed once a minute.
local function renew_leases(self)
  local sql, n = held_sql(self)
  if n == 0 then return end
  -- PostgreSQL: our row replaced means our session (and with it the
  -- advisory lock) was lost and another process took over.
  if count_ours(self, self.db, sql) < n then
    local h = lost_lock(self) or {}
    error(("state store %s: lost the lock of %s (its lease ran out "
      .. "or its connection dropped, and another process took it); "
      .. "stopping before writing")
      :format(self.where, h.key and record.describe(h.key) or "a workflow"),
      0)
  end
end

----------------------------------------------------------------------
-- Records

--- The instance's document, checked, or nil when there is none.
-- @tparam table key
-- @treturn table|nil
function Store:load(key)
  record.check_key(key, "load")
  local text = self.queue[record.key_text(key)]
  if text then return record.decode(text.doc, key, self.where) end
  local row = self.db:rows("SELECT doc FROM flowlua_records WHERE "
    .. where_key(self.db, key))[1]
  if row == nil then return nil end
  return record.decode(row.doc, key, self.where)
end

--- Queues the instance's document for the next commit.
-- @tparam table key
-- @tparam table doc
function Store:put(key, doc)
  record.check_key(key, "put")
  local text = record.key_text(key)
  if self.queue[text] == nil then self.order[#self.order + 1] = text end
  self.queue[text] = { key = key,
    doc = json.encode(doc, { sort_keys = true }) }
end

-- Records per statement: a commit of many records costs PostgreSQL a
-- few round trips, not two per record.
local BATCH = 100

-- Replaces the records of order[first..last] with their queued documents:
-- one upsert (SQLite 3.24+, PostgreSQL 9.5+; each key once in it, as the
-- queue holds one document a key), parsed with its documents each time.
local function write_records(db, queue, order, first, last, now)
  local rows = {}
  for i = first, last do
    local q = queue[order[i]]
    rows[#rows + 1] = ("(%s, %s, %s)"):format(key_values(db, q.key),
      db:quote(q.doc), db:number(now))
  end
  db:exec("INSERT INTO flowlua_records (endpoint, org, sandbox, workflow, "
    .. "doc, updated) VALUES " .. table.concat(rows, ", ")
    .. " ON CONFLICT (endpoint, org, sandbox, workflow) DO UPDATE SET "
    .. "doc = excluded.doc, updated = excluded.updated")
end

-- The queue, handed over to a commit (empty again for the next one).
take_queue = function(self)
  local queue, order = self.queue, self.order
  self.queue, self.order = {}, {}
  return queue, order
end

-- Inside a commit: checks our locks, then writes what was queued.
write_queued = function(self, db, queue, order)
  local now = sys.time()
  renew_leases(self)
  for first = 1, #order, BATCH do
    write_records(db, queue, order, first,
      math.min(first + BATCH - 1, #order), now)
  end
end

--- Writes everything queued in one transaction.
function Store:flush()
  if #self.order == 0 and next(self.held) == nil then return end
  local queue, order = take_queue(self)
  local db = self.db
  db:transaction(self.backend.BEGIN_WRITE, function()
    write_queued(self, db, queue, order)
  end)
end

--- Queues the document and returns once it is committed. Inside a task
-- the commit is shared with every save made in the same scheduler turn.
-- @tparam table key
-- @tparam table doc
function Store:save(key, doc)
  record.check_key(key, "save")
  self:put(key, doc)
  local task = require("flowlua.task")
  local me = task.current()
  if me == nil then return self:flush() end
  if self.leader then
    self.waiters[#self.waiters + 1] = me
    local err = task.suspend()
    if err then error(err, 0) end
    return
  end
  self.leader = me
  task.sleep(0)
  self.leader = nil
  local waiters = self.waiters
  self.waiters = {}
  local ok, err = pcall(self.flush, self)
  for _, t in ipairs(waiters) do task.wake(t, (not ok) and err or nil) end
  if not ok then error(err, 0) end
end

--- Deletes the instance's record (and a stale lock row).
-- @tparam table key
-- @treturn boolean whether there was a record
function Store:forget(key)
  record.check_key(key, "forget")
  local text = record.key_text(key)
  if self.queue[text] then
    self.queue[text] = nil
    for i, t in ipairs(self.order) do
      if t == text then table.remove(self.order, i) break end
    end
  end
  local db = self.db
  return db:transaction(self.backend.BEGIN_WRITE, function()
    return db:exec("DELETE FROM flowlua_records WHERE "
      .. where_key(db, key)) > 0
  end)
end

--- Removes the instance's lock row whoever holds it (`flowlua state
-- unlock`: a holder gone without the store noticing, such as a process
-- on another host before its lease runs out). A PostgreSQL advisory lock
-- stays with its session until that connection ends.
-- @tparam table key
-- @treturn integer the number of rows removed
function Store:drop_lock(key)
  record.check_key(key, "drop_lock")
  local db, backend = self.db, self.backend
  return db:transaction(backend.BEGIN_WRITE, function()
    backend.exclusive(db)
    return db:exec("DELETE FROM flowlua_locks WHERE " .. where_key(db, key))
  end)
end

--- Every record, sorted by key, with its lock holder if any.
-- @treturn table list of `{key=, text=, updated=, holder=}` (`text` the
--   raw document)
function Store:list()
  self:flush()
  local db = self.db
  local locks = {}
  for _, r in ipairs(db:rows("SELECT endpoint, org, sandbox, workflow, "
      .. "host, pid, start, since, lease FROM flowlua_locks")) do
    locks[record.key_text(r)] = r
  end
  local out = {}
  for _, r in ipairs(db:rows("SELECT endpoint, org, sandbox, workflow, "
      .. "doc, updated FROM flowlua_records")) do
    local key = { endpoint = r.endpoint, org = r.org, sandbox = r.sandbox,
      workflow = r.workflow }
    local lock = locks[record.key_text(key)]
    out[#out + 1] = { key = key, text = r.doc,
      updated = tonumber(r.updated),
      holder = lock and holder_mod.alive(lock) and lock or nil }
  end
  table.sort(out, function(a, b)
    return record.key_text(a.key) < record.key_text(b.key)
  end)
  return out
end

--- Checks every record: its document's shape, and that no entity id is
-- recorded by two instances (one entity in two chains).
-- @treturn table list of `{key=, problem=}`; empty when all is well
function Store:check()
  local problems, owner = {}, {}
  for _, r in ipairs(self:list()) do
    local ok, doc = pcall(record.decode, r.text, r.key, self.where)
    if not ok then
      problems[#problems + 1] = { key = r.key,
        problem = doc:match("is damaged %((.*)%); see it") or doc }
    else
      for _, e in ipairs(record.entities(doc)) do
        local first = owner[e.id]
        if first and first ~= r.key then
          problems[#problems + 1] = { key = r.key, problem = ("%s %s is "
            .. "also recorded by %s"):format(e.kind, e.id,
              record.describe(first)) }
        end
        owner[e.id] = owner[e.id] or r.key
      end
    end
  end
  return problems
end

--- Releases every lock this store holds and closes the connection.
function Store:close()
  if self.db.conn == nil then return end
  for _, h in pairs(self.held) do pcall(self.unlock, self, h.key) end
  pcall(self.flush, self)
  self.db:close()
end
-- No __gc: releasing locks is I/O, not for a collector's arbitrary
-- moment; a lock left by a process that ends is recovered anyway.
Store.__close = Store.close

return state
