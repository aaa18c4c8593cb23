-- Reads what a SQLite state store holds, as another process would:
-- straight from the file through LuaSQL, not through flowlua.state's
-- cached store object (so a spec sees only what was committed).
local json = require("flowlua.json")
local state = require("flowlua.state")

local state_record = {}

--- A record's key on the production endpoint: org "O@AdobeOrg" and
-- sandbox "dev" unless given.
function state_record.key(workflow, sandbox, org)
  return { endpoint = "https://platform.adobe.io", org = org or "O@AdobeOrg",
    sandbox = sandbox or "dev", workflow = workflow }
end

--- A fresh document of `workflow` whose one step, done, made connection
-- "b" with `id`.
function state_record.doc_with(workflow, id)
  local doc = state.fresh(workflow)
  doc.steps[1] = { name = "base", state = "done", intents = json.array{
    { kind = "connection", name = "b", spec = "s", started = 1, id = id } } }
  return doc
end

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
