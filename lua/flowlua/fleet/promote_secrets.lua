--- The secrets of promoted drafts: the fields a connection spec marks
-- `"format": "password"` are never returned by the service, so a copy
-- is made without them unless they are given, by the name of the
-- entity in the source sandbox and the field's name:
--
-- * a secrets file (`--secrets FILE`), JSON or a Lua file returning a
--   table, `{["ACME base"] = {password = "..."}}` (the entity's id may
--   stand for its name);
-- * else the environment: `FLOWLUA_SECRET_<NAME>_<FIELD>`, NAME and
--   FIELD in upper case with each run of other characters than letters
--   and digits as one `_` (`FLOWLUA_SECRET_ACME_BASE_PASSWORD`).
--
-- A secret is never printed or stored: messages name the entity and the
-- field, never a value, and say nothing of the file's text.
-- @module flowlua.fleet.promote_secrets

local json = require("flowlua.json")
local files = require("flowlua.files")

local promote_secrets = {}

local function bad(path)
  error(("%s: not a secrets file (a JSON object, or a Lua file returning a "
    .. "table, of entity names to {field = secret})"):format(path), 0)
end

-- The file's text as a table; its content is never quoted in an error.
local function parse(path, text)
  if text:match("^%s*{") then
    local ok, doc = pcall(json.decode, text)
    if ok and type(doc) == "table" then return doc end
  end
  local chunk = load(text, "=secrets", "t", {})
  if chunk == nil then bad(path) end
  local ok, doc = pcall(chunk)
  if not ok or type(doc) ~= "table" then bad(path) end
  return doc
end

--- Reads a secrets file.
-- @tparam string path
-- @treturn table entity name (or id) → `{field = secret}`
function promote_secrets.load(path)
  local text, err = files.read(path)
  if text == nil then error(err, 0) end
  local doc = parse(path, text)
  for name, fields in pairs(doc) do
    if type(name) ~= "string" or type(fields) ~= "table" then bad(path) end
    for field, v in pairs(fields) do
      if type(field) ~= "string" or type(v) ~= "string" then bad(path) end
    end
  end
  return doc
end

local function shout(s)
  return (s:upper():gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", ""))
end

--- The environment variable that holds a secret.
-- @tparam string name the entity's name in the source sandbox
-- @tparam string field the field, below `auth.params` or `params`
-- @treturn string
function promote_secrets.env_name(name, field)
  return ("FLOWLUA_SECRET_%s_%s"):format(shout(name), shout(field))
end

-- A secret path of a body without its `auth.params.` or `params.`.
local function field_of(path)
  return path:match("^auth%.params%.(.+)$") or path:match("^params%.(.+)$")
    or path
end

local function set(body, path, value)
  local parts = {}
  for p in path:gmatch("[^.]+") do parts[#parts + 1] = p end
  local t = body
  for i = 1, #parts - 1 do
    if type(t[parts[i]]) ~= "table" then t[parts[i]] = {} end
    t = t[parts[i]]
  end
  t[parts[#parts]] = value
end

--- Puts the secrets given for an entity into its create body.
-- @tparam table e the entity in the source sandbox (`kind`, `id`, `name`)
-- @tparam table body its create body (changed in place)
-- @tparam table paths the body's secret fields (dotted paths)
-- @tparam[opt] table given `load`'s result
-- @tparam[opt] function getenv default os.getenv
-- @treturn table the secrets still missing: `{{kind, id, name, field,
--   env}}`
function promote_secrets.fill(e, body, paths, given, getenv)
  getenv = getenv or os.getenv
  local mine = given and (given[e.name] or given[e.id]) or {}
  local missing = {}
  for _, path in ipairs(paths) do
    local field = field_of(path)
    local env = promote_secrets.env_name(tostring(e.name), field)
    local value = mine[field] or getenv(env)
    if type(value) == "string" and value ~= "" then
      set(body, path, value)
    else
      missing[#missing + 1] = { kind = e.kind, id = e.id, name = e.name,
        field = field, env = env }
    end
  end
  return missing
end

return promote_secrets
