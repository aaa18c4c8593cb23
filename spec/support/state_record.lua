-- Reads what a SQLite state store holds, as another process would:
-- straight from the file through LuaSQL, not through flowlua.state's
-- cached store object (so a spec sees only what was committed).
local json = require "flowlua.json"

local state_record = {}

--- The raw JSON text of every record of `workflow` in the store at
-- `path` (one per target), or an empty list when there is none.
function state_record.texts(path, workflow)
  local f = io.open(path)
  if f == nil then return {} end
  f:close()
  local env = require("luasql.sqlite3").sqlite3()
  local conn = assert(env:connect(path))
  local cur = assert(conn:execute(("SELECT doc FROM flowlua_records WHERE "
    .. "workflow = '%s' ORDER BY sandbox"):format(conn:escape(workflow))))
  local out = {}
  while true do
    local doc = cur:fetch()
    if doc == nil then break end
    out[#out + 1] = doc
  end
  cur:close()
  conn:close()
  env:close()
  return out
end

--- The one record of `workflow` in the store, decoded, or nil.
function state_record.doc(path, workflow)
  local texts = state_record.texts(path, workflow)
  assert(#texts <= 1, "more than one record of " .. workflow)
  return texts[1] and json.decode(texts[1]), texts[1]
end

return state_record
