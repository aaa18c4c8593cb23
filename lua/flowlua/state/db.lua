--- A LuaSQL connection with the few operations the state store uses,
-- every failure raised as one message that names the store.
-- @module flowlua.state.db

local db = {}

local Db = { __name = "flowlua.state.db" }
Db.__index = Db

--- Loads a LuaSQL driver module; raises, saying which Debian package
-- provides it, when it is not installed.
-- @tparam string module the driver's module (`"luasql.sqlite3"`)
-- @tparam string database the database's name, for the message
-- @tparam string debian_package the Debian package of the driver
-- @treturn table the driver
function db.driver(module, database, debian_package)
  local ok, mod = pcall(require, module)
  if not ok then
    error(("the %s state store needs LuaSQL's %s driver (Debian: apt-get "
      .. "install %s): %s"):format(database, database, debian_package,
      tostring(mod)), 0)
  end
  return mod
end

--- Wraps a LuaSQL connection.
-- @tparam table env the LuaSQL environment (closed with the connection)
-- @tparam table conn the LuaSQL connection
-- @tparam string where the store's description, for messages
-- @treturn table
function db.wrap(env, conn, where)
  return setmetatable({ env = env, conn = conn, where = where,
    key_sql = {} }, Db)
end

local function fail(self, err)
  error(("state store %s: %s"):format(self.where,
    tostring(err):gsub("^LuaSQL: ", "")), 0)
end

--- Runs a statement; returns the number of rows it changed.
-- @tparam string sql
-- @treturn integer
function Db:exec(sql)
  local r, err = self.conn:execute(sql)
  if r == nil then fail(self, err) end
  if type(r) ~= "number" then
    r:close()
    return 0
  end
  return math.tointeger(r) or 0
end

--- Runs a query; returns its rows as tables keyed by column name.
-- @tparam string sql
-- @treturn table list of rows
function Db:rows(sql)
  local cur, err = self.conn:execute(sql)
  if cur == nil then fail(self, err) end
  local out = {}
  if type(cur) == "number" then return out end
  while true do
    local row = cur:fetch({}, "a")
    if row == nil then break end
    out[#out + 1] = row
  end
  cur:close()
  return out
end

--- A string as an SQL literal.
-- @tparam string s
-- @treturn string
function Db:quote(s)
  return "'" .. self.conn:escape(s) .. "'"
end

--- A number as an SQL literal (exact for integers, 17 digits otherwise).
-- @tparam number n
-- @treturn string
function Db.number(_, n)
  if math.type(n) == "integer" then return tostring(n) end
  return ("%.17g"):format(n)
end

--- Runs `fn()` inside a transaction opened by `begin_sql` and commits;
-- rolls back and re-raises if it fails.
-- @tparam string begin_sql e.g. "BEGIN IMMEDIATE"
-- @tparam function fn
-- @return what fn returns
function Db:transaction(begin_sql, fn)
  self:exec(begin_sql)
  local r = table.pack(pcall(fn))
  if not r[1] then
    pcall(self.conn.execute, self.conn, "ROLLBACK")
    error(r[2], 0)
  end
  self:exec("COMMIT")
  return table.unpack(r, 2, r.n)
end

--- Closes the connection (idempotent).
function Db:close()
  if self.conn then
    self.conn:close()
    self.env:close()
    self.conn, self.env = nil, nil
  end
end

return db
