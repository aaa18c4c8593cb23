--- `flowlua state import`: older JSON journals brought into the state
-- store on request, with the checks of a run's automatic import
-- (flowlua.state.legacy) and a few more, because here nothing but the
-- file says which workflow it is:
--
-- - every file is read and checked before anything is written; one bad
--   file and nothing is imported (the message lists every bad file and
--   what is wrong with it);
-- - a record the store already has for the target is kept unless
--   `force` (then replaced);
-- - an entity id another record (or another file of the batch) holds is
--   refused: one entity in two chains is what the store exists to stop;
-- - each instance's lock is taken first; a live holder is named and
--   nothing is written;
-- - all records are written in one transaction; each file is then kept
--   renamed `*.json.imported`, as a run's import leaves it.
-- @module flowlua.state.import

local json = require("flowlua.json")
local legacy = require("flowlua.state.legacy")
local holder = require("flowlua.state.holder")
local record = require("flowlua.state.record")
local sys = require("flowlua.core").sys

local import = {}

-- The journal files a FILE|DIR operand names, sorted; or nil and why.
local function journals_in(path)
  local st, err, code = sys.stat(path)
  if st == nil then
    return nil, code == 2 and "no such file or directory" or tostring(err)
  end
  if st.type ~= "directory" then return { path } end
  legacy.clean_strays(path)
  local names
  names, err = sys.listdir(path)
  if names == nil then return nil, tostring(err) end
  local out = {}
  for _, name in ipairs(names) do
    if legacy.is_journal(name) then out[#out + 1] = path .. "/" .. name end
  end
  table.sort(out)
  return out
end

local function key_of(target, workflow)
  return { endpoint = target.endpoint, org = target.org,
    sandbox = target.sandbox, workflow = workflow }
end

-- The keys the store has records of, and every entity id it records
-- with the key that records it (damaged records hold nothing we can
-- read: `state check` names them).
local function survey_store(store)
  local present, owner = {}, {}
  for _, r in ipairs(store:list()) do
    present[record.key_text(r.key)] = true
    local ok, doc = pcall(record.decode, r.text, r.key, store.where)
    if ok then
      for _, e in ipairs(record.entities(doc)) do
        owner[e.id] = owner[e.id] or { key = r.key }
      end
    end
  end
  return present, owner
end

-- What stands in the way of one journal, or nil.
local function obstacle(store, item, known, opts)
  local text = record.key_text(item.key)
  if known.present[text] and not opts.force then
    return ("state store %s already has a record of %s (--force "
      .. "replaces it)"):format(store.where, record.describe(item.key))
  end
  for _, e in ipairs(record.entities(item.doc)) do
    local o = known.owner[e.id]
    if o and record.key_text(o.key) ~= text then
      return ("%s %s is also recorded by %s"):format(e.kind, e.id,
        o.path and ("journal " .. o.path) or record.describe(o.key))
    end
  end
end

-- Reads and checks every file; returns the items and the problems.
local function survey(store, files, target, opts)
  local items, problems, seen = {}, {}, {}
  local known = {}
  known.present, known.owner = survey_store(store)
  for _, path in ipairs(files) do
    local doc, why = legacy.read(path)
    if doc == nil then why = why or "no such file" end
    local item = doc and { path = path, doc = doc,
      key = key_of(target, doc.workflow) }
    if item and seen[doc.workflow] then
      why = ("workflow %s is also in journal %s"):format(
        json.encode(doc.workflow), seen[doc.workflow])
    elseif item then
      why = obstacle(store, item, known, opts)
    end
    if why then
      problems[#problems + 1] = ("journal %s: %s"):format(path, why)
    else
      items[#items + 1] = item
      seen[doc.workflow] = path
      for _, e in ipairs(record.entities(doc)) do
        known.owner[e.id] = known.owner[e.id]
          or { key = item.key, path = path }
      end
    end
  end
  return items, problems
end

-- Takes every item's lock; the problems of those another process holds.
local function lock_all(store, items)
  local problems = {}
  for _, item in ipairs(items) do
    local ok, h = store:lock(item.key)
    if not ok then
      problems[#problems + 1] = ("journal %s: %s is being run by another "
        .. "process (%s)"):format(item.path, record.describe(item.key),
          holder.describe(h))
    end
  end
  return problems
end

local function unlock_all(store, items)
  for _, item in ipairs(items) do store:unlock(item.key) end
end

local function refuse(problems)
  error(("%s\nnothing imported"):format(table.concat(problems, "\n")), 0)
end

local function kept_as(path)
  if path:match("%.imported$") then return path end
  assert(os.rename(path, path .. ".imported"))
  return path .. ".imported"
end

--- Imports the journals a FILE or DIR holds into the store.
-- @tparam table store an open store (flowlua.state)
-- @tparam string path a journal file or a directory of them
-- @tparam table target `{endpoint=, org=, sandbox=}` the journals belong to
-- @tparam[opt] table opts `{force = true}` replaces records the store has
-- @treturn table one `{path=, key=, kept=}` per journal imported
-- @raise a message listing every file that cannot be imported and why
--   (then nothing is imported)
function import.run(store, path, target, opts)
  opts = opts or {}
  local files, why = journals_in(path)
  if files == nil then refuse{ ("%s: %s"):format(path, why) } end
  local items, problems = survey(store, files, target, opts)
  if #problems > 0 then refuse(problems) end
  problems = lock_all(store, items)
  if #problems > 0 then
    unlock_all(store, items)
    refuse(problems)
  end
  for _, item in ipairs(items) do store:put(item.key, item.doc) end
  local ok, err = pcall(store.flush, store)
  unlock_all(store, items)
  if not ok then error(err, 0) end
  for _, item in ipairs(items) do item.kept = kept_as(item.path) end
  return items
end

return import
