-- A real, throwaway PostgreSQL for specs. FLOWLUA_TEST_PG (a URL, set by
-- .ci/run, which starts one with tools/pg_throwaway) is used when set;
-- otherwise the first spec that asks starts its own server with Debian's
-- initdb/pg_ctl in a temporary directory (unix socket only, no TCP) and
-- stops it when the Lua state closes. Each `fresh()` is a new database,
-- so specs never see each other's rows.
local postgres = {}

local function sh(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  return ok == true
end

local function script()
  return (os.getenv("PWD") or ".") .. "/tools/pg_throwaway"
end

-- Starts a server with tools/pg_throwaway; nil and why when it cannot.
local function start()
  local dir = os.tmpname()
  os.remove(dir)
  local p = io.popen(("%s start %s 2>&1"):format(script(), dir))
  local out = p:read("a")
  local ok = p:close()
  if not ok then return nil, (out:gsub("%s+$", "")) end
  local url = out:match("(postgresql://%S+)")
  if url == nil then return nil, "no URL from tools/pg_throwaway" end
  -- kept in the module so that it is collected (and the server stopped)
  -- only when the Lua state closes
  postgres.server = setmetatable({ dir = dir, url = url }, { __gc = function(s)
    sh(("%s stop %s"):format(script(), s.dir))
  end })
  return url
end

local base_url, why_not

--- The server's URL (its `postgres` database), or nil and why not.
function postgres.url()
  if base_url or why_not then return base_url, why_not end
  base_url = os.getenv("FLOWLUA_TEST_PG")
  if base_url == nil or base_url == "" then
    base_url, why_not = start()
  end
  return base_url, why_not
end

local count = 0

local function random_hex(bytes)
  local f = assert(io.open("/dev/urandom", "rb"))
  local raw = f:read(bytes)
  f:close()
  return (raw:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

--- A URL to a new, empty database on the server, or nil and why not.
function postgres.fresh()
  local url, err = postgres.url()
  if url == nil then return nil, err end
  local luasql = require("luasql.postgres")
  local env = luasql.postgres()
  local conn = assert(env:connect(url))
  count = count + 1
  -- The pid alone is not unique: one server outlives thousands of spec
  -- processes in .ci/run, and pids wrap; random bytes make it so.
  local name = ("flowlua_spec_%d_%d_%s"):format(
    require("flowlua.core").sys.getpid(), count, random_hex(6))
  assert(conn:execute("CREATE DATABASE " .. name))
  conn:close()
  env:close()
  -- the database name replaces the URL's path (/postgres)
  return (url:gsub("^(postgresql://[^/]*/)[^?]*", "%1" .. name))
end

--- Declares the tests of `contract` on PostgreSQL, as
-- `contract("PostgreSQL", location_of)` where `location_of()` answers a
-- new database's URL, when a server can be had; otherwise one pending
-- test named `what` says why not.
function postgres.contract(what, contract)
  local _, reason = postgres.url()
  if reason then
    require("busted").pending(what .. ": " .. reason)
  else
    contract("PostgreSQL", function() return assert(postgres.fresh()) end)
  end
end

return postgres
