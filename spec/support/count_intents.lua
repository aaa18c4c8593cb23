-- lua5.4 spec/support/count_intents.lua DB WORKFLOW
-- Prints how many create intents the workflow's records in the SQLite
-- state store DB hold (0 when there is no store or record yet): the
-- kill -9 spec polls it while a run goes on.
local db, workflow = arg[1], arg[2]
local env = require("luasql.sqlite3").sqlite3()
local f = io.open(db)
local n = 0
if f then
  f:close()
  local conn = env:connect(db)
  local pragma = conn:execute("PRAGMA busy_timeout = 5000")
  if type(pragma) ~= "number" then pragma:close() end
  local cur = conn:execute(("SELECT doc FROM flowlua_records WHERE "
    .. "workflow = '%s'"):format(conn:escape(workflow)))
  local row = cur and cur:fetch()
  while row do   -- every record of that name (one per endpoint and sandbox)
    for _ in row:gmatch('"spec"') do n = n + 1 end
    row = cur:fetch()
  end
  if cur then cur:close() end
  conn:close()
end
env:close()
print(n)
