--- A workflow instance's record: its key and its document, and the check
-- every document passes before the workflow sees it, so foreign or
-- damaged content gets a message naming the store and the record instead
-- of a Lua error deep in the workflow.
--
-- A key is `{endpoint=, org=, sandbox=, workflow=}`, each a string kept
-- exactly as given (UTF-8, no NUL: what both SQLite and PostgreSQL text
-- hold without change). The document is the journal's:
--
--     { "workflow": "acme", "format": 1,
--       "steps": [ { "name": "base", "state": "done",
--                    "intents": [ {"kind": "connection", "name": "...",
--                                  "spec": "<spec id>", "started": 1.7e9,
--                                  "marker": "flowlua:<16 hex>",
--                                  "id": "<id once known>"} ],
--                    "values": [ {"kind": "connection", "id": "..."} ],
--                    "touched": [ {"kind": "flow", "id": "...",
--                                  "etag": "<as the change left it>"} ] } ] }
-- @module flowlua.state.record

local args = require("flowlua.args")
local json = require("flowlua.json")

local record = {}

record.FIELDS = { "endpoint", "org", "sandbox", "workflow" }

local KINDS = { connection = true, source = true, target = true, flow = true }
local STATES = { pending = true, running = true, failed = true, done = true }

--- What is wrong with a key, or nil when nothing is: `"workflow must be
-- UTF-8 text without NUL"` (for a caller that words its own message).
-- @param key the key
-- @treturn string|nil
function record.key_problem(key)
  if type(key) ~= "table" then return "table expected, got " .. type(key) end
  for _, f in ipairs(record.FIELDS) do
    local v = key[f]
    if type(v) ~= "string" then
      return ("%s must be a string"):format(f)
    elseif v:find("\0", 1, true) or utf8.len(v) == nil then
      return ("%s must be UTF-8 text without NUL"):format(f)
    end
  end
  if key.workflow == "" then return "empty workflow name" end
end

-- Keys that passed check_key, with the values they had (weak keys): a
-- workflow's key is checked at every save, and its four fields do not
-- change; a table whose fields did is checked again.
local checked = setmetatable({}, { __mode = "k" })

local function checked_same(key)
  local was = checked[key]
  return was ~= nil and was[1] == key.endpoint and was[2] == key.org
    and was[3] == key.sandbox and was[4] == key.workflow
end

--- Checks the key a public function `fname` was given as its argument
-- #1; raises a bad argument error naming the bad part at the line that
-- called `fname` (docs/internals.md, "Errors and arguments").
-- @tparam table key
-- @tparam string fname the public function's name
-- @treturn table the key
function record.check_key(key, fname)
  if type(key) == "table" and checked_same(key) then return key end
  local problem = record.key_problem(key)
  if problem then args.fail(1, fname, problem, 1) end
  checked[key] = { key.endpoint, key.org, key.sandbox, key.workflow }
  return key
end

--- The key as one string (for advisory-lock hashes and sorting).
-- @tparam table key
-- @treturn string
function record.key_text(key)
  return json.encode(json.array{ key.endpoint, key.org, key.sandbox,
    key.workflow })
end

--- How a key reads in messages.
-- @tparam table key
-- @treturn string
function record.describe(key)
  return ("(endpoint %s, org %s, sandbox %s, workflow %s)"):format(
    json.encode(key.endpoint), json.encode(key.org),
    json.encode(key.sandbox), json.encode(key.workflow))
end

--- A fresh document for a workflow.
-- @tparam string name
-- @treturn table
function record.fresh(name)
  return { workflow = name, format = 1, steps = json.array() }
end

local function is_list(v)
  if type(v) ~= "table" then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return n == #v
end

local function opt(v, t) return v == nil or type(v) == t end

local function check_intent(it, where)
  if type(it) ~= "table" then return where .. " is not an object" end
  if not KINDS[it.kind] then
    return ("%s.kind %s is not an entity kind"):format(where,
      json.encode(it.kind))
  end
  if type(it.name) ~= "string" or type(it.spec) ~= "string" then
    return where .. " needs string name and spec"
  end
  if not opt(it.id, "string") or it.id == "" then
    return where .. ".id must be a non-empty string"
  end
  if not opt(it.started, "number") then
    return where .. ".started must be a number"
  end
  if not opt(it.marker, "string") then
    return where .. ".marker must be a string"
  end
end

-- What is wrong with an optional list, or nil: `check_item(item, where)`
-- says what is wrong with one item, `where` naming it (`steps[1].values[2]`).
local function check_list(list, where, check_item)
  if list == nil then return end
  if not is_list(list) then return where .. " is not a list" end
  for i, item in ipairs(list) do
    local bad = check_item(item, ("%s[%d]"):format(where, i))
    if bad then return bad end
  end
end

local function check_value(v, where)
  if type(v) ~= "table" then return where .. " is not an object" end
  if v.kind ~= nil and (not KINDS[v.kind] or type(v.id) ~= "string") then
    return where .. " is not an entity reference"
  end
end

-- What a step changed (flowlua.workflow checks it on resume).
local function check_touched(t, where)
  if type(t) ~= "table" or not KINDS[t.kind] or type(t.id) ~= "string"
      or not opt(t.etag, "string") then
    return where .. " is not an entity reference with an optional etag"
  end
end

local function check_step(s, where)
  if type(s) ~= "table" then return where .. " is not an object" end
  if type(s.name) ~= "string" then return where .. ".name is not a string" end
  if not STATES[s.state] then
    return ("%s.state %s is not a step state"):format(where,
      json.encode(s.state))
  end
  -- intents false reads as none (record.entities reads it so)
  return check_list(s.intents or nil, where .. ".intents", check_intent)
    or check_list(s.values, where .. ".values", check_value)
    or check_list(s.touched, where .. ".touched", check_touched)
end

--- What is wrong with a document for `key`, or nil.
-- @tparam table doc the decoded document
-- @tparam table key its key
-- @treturn string|nil
function record.problem(doc, key)
  if type(doc) ~= "table" then return "not a JSON object" end
  if doc.format ~= 1 then
    return ("format %s, expected 1"):format(json.encode(doc.format))
  end
  if doc.workflow ~= key.workflow then
    return ("it is workflow %s's record"):format(json.encode(doc.workflow))
  end
  if not is_list(doc.steps) then return "steps is not a list" end
  for i, s in ipairs(doc.steps) do
    local bad = check_step(s, ("steps[%d]"):format(i))
    if bad then return bad end
  end
end

--- Decodes and checks a stored document; raises naming store and record.
-- @tparam string text the JSON text
-- @tparam table key
-- @tparam string where the store's description
-- @treturn table the document
function record.decode(text, key, where)
  local doc, err = json.decode(text)
  local bad = doc == nil and ("not JSON: " .. tostring(err))
    or record.problem(doc, key)
  if bad then
    error(("state store %s: record %s is damaged (%s); see it with "
      .. "`flowlua state check`, drop it with `flowlua state forget`")
      :format(where, record.describe(key), bad), 0)
  end
  return doc
end

--- Every entity id a document records, with its kind.
-- @tparam table doc
-- @treturn table list of `{kind=, id=}`
function record.entities(doc)
  local out = {}
  for _, s in ipairs(doc.steps or {}) do
    for _, it in ipairs(s.intents or {}) do
      if it.id then out[#out + 1] = { kind = it.kind, id = it.id } end
    end
  end
  return out
end

return record
