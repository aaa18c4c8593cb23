-- bench/state/fresh_db.lua URL: creates a new, empty database on the
-- PostgreSQL server of URL and prints the URL that names it.
local luasql = require("luasql.postgres")
local sys = require("flowlua.core").sys

local url = assert(arg[1], "usage: fresh_db.lua URL")
local env = luasql.postgres()
local conn = assert(env:connect(url))
local name = ("flowlua_bench_%d_%d"):format(sys.getpid(),
  math.floor(sys.time() * 1000) % 1000000000)
assert(conn:execute("CREATE DATABASE " .. name))
conn:close()
env:close()
print((url:gsub("^(postgresql://[^/]*/)[^?]*", "%1" .. name)))
