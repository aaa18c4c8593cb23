--- `flowlua state [OPTIONS] list|show|check|unlock|forget|import ...`:
-- what the workflow state store holds (flowlua.state), and the way out
-- of a damaged record or a stale lock.
--
--   list [PREFIX]     every workflow instance: target, steps, entities,
--                     who holds it
--   show WORKFLOW     one instance's steps and entities
--   check             damaged records, entities recorded twice (exit 1)
--   unlock WORKFLOW   remove a lock row whose holder is gone (--force:
--                     whoever holds it)
--   forget WORKFLOW   drop the record (its entities stay in the service)
--   import [FILE|DIR] bring older JSON journals into the store
--                     (flowlua.state.import), for the target the
--                     profile and the options name
--
-- `--sandbox`, `--org`, `--endpoint` pick one instance when a workflow
-- name has several (`import`: the target the journals belong to, over
-- the profile's); `--json` prints JSON instead of a table.
-- @module flowlua.cli.state

local config = require("flowlua.config")
local holder = require("flowlua.state.holder")
local journal = require("flowlua.workflow.journal")
local json = require("flowlua.json")
local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local record = require("flowlua.state.record")
local state = require("flowlua.state")
local state_import = require("flowlua.state.import")

local USAGE = "usage: flowlua state [OPTIONS] list [PREFIX] | show WORKFLOW "
  .. "| check | unlock WORKFLOW | forget WORKFLOW | import [FILE|DIR]"

local SPECS = {
  service.option("--state", "the store (default FLOWLUA_STATE, the "
    .. "profile's \"state\", else .flowlua/state.db)"),
  { "--sandbox NAME", "only instances of this sandbox" },
  { "--org ORG", "only instances of this org" },
  { "--endpoint URL", "only instances of this endpoint" },
  service.option("--profile", "the profile whose state store (and "
    .. "endpoint, org and sandbox for import) to use"),
  service.option "--config",
  { "--force", "unlock/forget even while the holder lives; import over a "
    .. "record the store has" },
  { "--json", "print JSON" },
  options.HELP,
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Shows and repairs the workflow state store.

Commands:
  list [PREFIX]      every workflow instance, its target and holder
  show WORKFLOW      one instance's steps and entities
  check              damaged records, entities recorded twice (exit 1)
  unlock WORKFLOW    remove the lock of a holder that is gone
  forget WORKFLOW    drop the record (the service keeps the entities)
  import [FILE|DIR]  older JSON journals (default .flowlua/journal)
                     as the records of the target --endpoint, --org,
                     --sandbox or the profile names]] }

----------------------------------------------------------------------
-- Rows

local function summary(r)
  local doc = json.decode(r.text)
  if type(doc) ~= "table" or record.problem(doc, r.key) then
    return { steps = "?", done = "?", entities = "?", damaged = true }
  end
  local done = 0
  for _, s in ipairs(doc.steps) do
    if s.state == "done" then done = done + 1 end
  end
  return { steps = #doc.steps, done = done,
    entities = #record.entities(doc), doc = doc }
end

local function utc(t)
  return t and os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(t)) or "-"
end

local function held_by(h)
  return h and ("%s pid %s"):format(h.host, h.pid) or "-"
end

local columns = require("flowlua.cli.columns")

local function matches(opts, k)
  return (opts.sandbox == nil or k.sandbox == opts.sandbox)
    and (opts.org == nil or k.org == opts.org)
    and (opts.endpoint == nil or k.endpoint == opts.endpoint)
end

local function selected(store, opts, keep)
  local out = {}
  for _, r in ipairs(store:list()) do
    if matches(opts, r.key) and keep(r.key) then out[#out + 1] = r end
  end
  return out
end

-- The one record of WORKFLOW the options select; raises when none or many.
local function one(store, opts, name)
  if name == nil then options.usage_error("no workflow given", USAGE) end
  local rows = selected(store, opts, function(k) return k.workflow == name end)
  if #rows == 1 then return rows[1] end
  if #rows == 0 then
    error(("state store %s has no record of workflow %s%s"):format(
      store.where, json.encode(name), opts.sandbox and (" in sandbox "
        .. json.encode(opts.sandbox)) or ""), 0)
  end
  local lines = {}
  for _, r in ipairs(rows) do lines[#lines + 1] = state.describe_key(r.key) end
  error(("workflow %s has %d records in state store %s; pick one with "
    .. "--sandbox, --org or --endpoint:\n  %s"):format(json.encode(name),
      #rows, store.where, table.concat(lines, "\n  ")), 0)
end

----------------------------------------------------------------------
-- Commands

local function key_json(k)
  return { endpoint = k.endpoint, org = k.org, sandbox = k.sandbox,
    workflow = k.workflow }
end

local function list(store, opts, prefix)
  local rows = selected(store, opts, function(k)
    return prefix == nil or k.workflow:sub(1, #prefix) == prefix
  end)
  if opts.json then
    local out = json.array()
    for _, r in ipairs(rows) do
      local s = summary(r)
      out[#out + 1] = { key = key_json(r.key), steps = s.steps,
        done = s.done, entities = s.entities, damaged = s.damaged or false,
        updated = r.updated, holder = r.holder and { host = r.holder.host,
          pid = tonumber(r.holder.pid), since = tonumber(r.holder.since) }
          or json.null }
    end
    print(json.encode(out, { sort_keys = true }))
    return 0
  end
  local lines = { { "WORKFLOW", "SANDBOX", "ORG", "ENDPOINT", "STEPS",
    "ENTITIES", "UPDATED", "HELD BY" } }
  for _, r in ipairs(rows) do
    local s = summary(r)
    lines[#lines + 1] = { r.key.workflow, r.key.sandbox, r.key.org,
      r.key.endpoint, s.damaged and "damaged" or (s.done .. "/" .. s.steps),
      tostring(s.entities), utc(r.updated), held_by(r.holder) }
  end
  print(columns(lines))
  print(("%d workflow instance%s in state store %s"):format(#rows,
    #rows == 1 and "" or "s", store.where))
  return 0
end

local function show(store, opts, name)
  local r = one(store, opts, name)
  -- a damaged record: the store's own message names what is wrong
  local doc = summary(r).doc or store:load(r.key)
  if opts.json then
    print(json.encode({ key = key_json(r.key), record = doc },
      { sort_keys = true }))
    return 0
  end
  print(("workflow %s, sandbox %s, org %s, endpoint %s"):format(
    json.encode(r.key.workflow), json.encode(r.key.sandbox),
    json.encode(r.key.org), json.encode(r.key.endpoint)))
  print("held by: " .. (r.holder and holder.describe(r.holder) or "nobody"))
  local lines = { { "STEP", "STATE", "KIND", "NAME", "ID" } }
  for _, s in ipairs(doc.steps) do
    if #(s.intents or {}) == 0 then
      lines[#lines + 1] = { s.name, s.state, "-", "-", "-" }
    end
    for _, it in ipairs(s.intents or {}) do
      lines[#lines + 1] = { s.name, s.state, it.kind, it.name,
        it.id or "(not known)" }
    end
  end
  print(columns(lines))
  return 0
end

local function check(store, opts)
  local problems = store:check()
  if opts.json then
    local out = json.array()
    for _, p in ipairs(problems) do
      out[#out + 1] = { key = key_json(p.key), problem = p.problem }
    end
    print(json.encode(out, { sort_keys = true }))
  else
    for _, p in ipairs(problems) do
      print(("%s: %s"):format(state.describe_key(p.key), p.problem))
    end
    print(("state store %s: %d problem%s"):format(store.where, #problems,
      #problems == 1 and "" or "s"))
  end
  return #problems == 0 and 0 or 1
end

local function refuse_live(store, r, opts, verb)
  if r.holder and not opts.force then
    error(("workflow %s is held by %s; not %s it (--force to do it anyway)")
      :format(json.encode(r.key.workflow), holder.describe(r.holder), verb),
      0)
  end
  return store
end

local function unlock(store, opts, name)
  local r = one(store, opts, name)
  refuse_live(store, r, opts, "unlocking")
  local n = store:drop_lock(r.key)
  print(("%s: %s"):format(state.describe_key(r.key),
    n > 0 and "lock removed" or "no lock"))
  return 0
end

local function forget(store, opts, name)
  local r = one(store, opts, name)
  refuse_live(store, r, opts, "forgetting")
  store:forget(r.key)
  print(("%s: record dropped (its entities are still in the service)")
    :format(state.describe_key(r.key)))
  return 0
end

-- The target imported journals belong to: what a run with the same
-- profile and options would use (flowlua.workflow.journal.key).
local function import_target(opts)
  local s = config.load{ profile = opts.profile, file = opts.config,
    overrides = { sandbox = opts.sandbox, endpoint = opts.endpoint,
      org_id = opts.org } }
  return { endpoint = s.endpoint or "", org = s.org_id or "",
    sandbox = s.sandbox or "" }
end

local function import_journals(store, opts, path)
  local done = state_import.run(store, path or journal.default_dir(),
    import_target(opts), { force = opts.force })
  for _, item in ipairs(done) do
    print(("journal %s imported as %s; the file is kept as %s"):format(
      item.path, state.describe_key(item.key), item.kept))
  end
  print(("%d journal%s imported into state store %s"):format(#done,
    #done == 1 and "" or "s", store.where))
  return 0
end

local VERBS = { list = list, show = show, check = check, unlock = unlock,
  forget = forget, import = import_journals }

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  local verb = opts.operands[1]
  local fn = VERBS[verb or ""]
  if fn == nil then
    options.usage_error(verb and ("unknown state command '%s'"):format(verb)
      or "no state command given", USAGE)
  end
  local store <close> = state.open(opts.state or journal.location(nil,
    config.load{ profile = opts.profile, file = opts.config }))
  return fn(store, opts, opts.operands[2])
end

return cmd
