--- Resumable workflows: named steps whose results are journaled.
--
--     local wf = flowlua.workflow("acme-onboarding")
--     local base = wf:step("base connection", function()
--       return aep.connections:create(body, { draft = true })
--     end)
--
-- A step runs its function once. What it creates is journaled
-- (flowlua.workflow.journal): the intent (kind, name, spec, start time,
-- marker) before the create is sent, the id once known, the step's results when it ends. Run
-- the script again and a finished step returns its recorded entities
-- (read back from the service, so they are current; if one was deleted
-- remotely the step runs again) without creating anything. An
-- unfinished step runs again, but each create it repeats is first
-- reconciled with the journal: an entity whose id was recorded is
-- reused; one whose response was lost (the process died, the connection
-- dropped) is looked up by name and spec and adopted only if its
-- description carries the marker journaled with the intent
-- (flowlua.entity.marker). So creates happen exactly once even when the
-- process is killed at any instant.
-- @module flowlua.workflow

local args = require("flowlua.args")
local journal_mod = require("flowlua.workflow.journal")
local adopted = require("flowlua.workflow.adopted")
local progress = require("flowlua.workflow.progress")
local runtime = require("flowlua.runtime")
local errors = require("flowlua.errors")
local entity = require("flowlua.entity")
local marker = require("flowlua.entity.marker")
local json = require("flowlua.json")
local log = require("flowlua.log")
local sys = require("flowlua.core").sys
local stop = require("flowlua.stop")

local workflow = {}

-- The step running in each coroutine (tasks run workflows side by side).
local active = setmetatable({}, { __mode = "k" })

--- The step context of the running coroutine, or nil.
-- @treturn table|nil
function workflow.current()
  return active[coroutine.running()]
end

-- A create inside a step asks the step to reconcile and journal it.
entity.register_workflow(workflow.current)

local Workflow = { __name = "flowlua.workflow" }
Workflow.__index = Workflow

local Step = { __name = "flowlua.workflow.step" }
Step.__index = Step

local function now() return sys.time() end

--- Opens a workflow by name: its journal is the record of the instance
-- (the client's endpoint, org and sandbox, and `name` exactly as given)
-- in the state store, locked for this process until `finish` or
-- `forget` (flowlua.workflow.journal). The client reads back what
-- finished steps made (`flowlua.workflow` passes the last
-- `flowlua.connect()`'s client when `client` is not given).
-- @tparam string name the workflow name
-- @tparam[opt] table opts `{client = aep, dir = directory of the state
--   store, dry_run = bool, wait_lock = seconds}`
-- @treturn table the workflow
function workflow.new(name, opts)
  args.check(1, "workflow", name, "string")
  if name == "" then
    args.fail(1, "workflow", "non-empty string expected, got empty string")
  end
  opts = opts or {}
  local dry = opts.dry_run
  if dry == nil then dry = runtime.dry_run end
  local self = setmetatable({ name = name, client = opts.client,
    dir = opts.dir, wait_lock = opts.wait_lock, dry_run = dry,
    resumed = 0, ran = 0, seen = {} }, Workflow)
  -- the lock is taken now, so a run holds it from its first step on
  if self.client then self:open_journal() end
  return self
end

local function the_client(self)
  if self.client == nil then
    errors.raise("usage", { message = ("workflow %q needs a client to "
      .. "find its state and check its journaled entities: call "
      .. "flowlua.connect() first or pass {client = aep}"):format(self.name) })
  end
  return self.client
end

--- The workflow's journal, opened (and locked) on first use.
-- @treturn table flowlua.workflow.journal
function Workflow:open_journal()
  if self.journal == nil then
    local c = the_client(self)
    self.journal = journal_mod.open(journal_mod.key(c, self.name),
      { dir = self.dir, wait = self.wait_lock, lock = not self.dry_run,
        settings = c.settings })
  end
  return self.journal
end

function Workflow:save()
  if not self.dry_run then self:open_journal():save() end
end

local COLLECTION = { connection = "connections", source = "source_connections",
  target = "target_connections", flow = "flows" }

-- One read per entity per run: what this run read of it (false: gone),
-- until a step of this run changes it.
local function get_entity(self, c, kind, id)
  local e = self.seen[id]
  if e == nil then
    e = c[COLLECTION[kind]]:get(id) or false
    self.seen[id] = e
  end
  return e or nil
end

-- Reads a finished step's results back; nil when one is gone.
local function restore(self, rec)
  local c = the_client(self)
  local out = { n = #(rec.values or {}) }
  for i, v in ipairs(rec.values or {}) do
    if v.kind then
      local e = get_entity(self, c, v.kind, v.id)
      if e == nil then return nil end
      c.claimed = c.claimed or {}
      c.claimed[e.id] = true
      out[i] = e
    elseif v.value ~= nil then
      out[i] = v.value
    end
  end
  return out
end

-- The etag the journal last recorded for an entity: what this workflow
-- left it as, by the latest finished step that changed it.
local function last_etag(self, id)
  local etag
  for _, s in ipairs(self:open_journal().data.steps) do
    for _, t in ipairs(s.state == "done" and s.touched or {}) do
      if t.id == id then etag = t.etag end
    end
  end
  return etag
end

-- Whether every entity a finished step changed is still as the workflow
-- left it: it exists and carries the etag last recorded for it (so it
-- was not deleted, republished, disabled or edited since). One GET per
-- entity. `--trust-state` skips this.
local function still_applied(self, rec)
  if runtime.trust_state or rec.touched == nil then return true end
  local c = the_client(self)
  for _, t in ipairs(rec.touched) do
    local e = get_entity(self, c, t.kind, t.id)
    if e == nil then return false end
    local want = last_etag(self, t.id)
    if want ~= nil and e.etag ~= want then return false end
  end
  return true
end

local function record_touched(ctx)
  local out = json.array()
  for i, id in ipairs(ctx.changed) do out[i] = ctx.changed[id] end
  return #out > 0 and out or nil
end

local function record_values(results)
  local out = json.array()
  for i = 1, results.n do
    local v = results[i]
    if entity.is(v) then
      out[i] = { kind = v.kind, id = v.id, name = v.name }
    elseif v == nil or type(v) == "string" or type(v) == "number"
        or type(v) == "boolean" then
      out[i] = { value = v }
    else
      error(("step result %d is a %s: a step may return entities, "
        .. "strings, numbers and booleans"):format(i, type(v)), 0)
    end
  end
  return out
end

local function run_fn(self, rec, fn)
  local co = coroutine.running()
  local ctx = setmetatable({ wf = self, rec = rec, consumed = {},
    changed = {} }, Step)
  local prev = active[co]
  active[co] = ctx
  local results = table.pack(xpcall(fn, function(e)
    if runtime.verbose and not errors.is(e) then
      return debug.traceback(tostring(e), 2)
    end
    return e
  end, self))
  active[co] = prev
  results.touched = record_touched(ctx)
  return results
end

--- Runs a step once, or returns what it returned before.
-- @tparam string name the step name (unique within the workflow)
-- @tparam function fn the step; called with the workflow, returns
--   entities (and/or strings, numbers, booleans)
-- @return the step's results
function Workflow:step(name, fn)
  args.check(1, "step", name, "string")
  args.check(2, "step", fn, "function")
  local rec = self:open_journal():ensure_step(name)
  if rec.state == "done" then
    local out = restore(self, rec)
    if out and still_applied(self, rec) then
      self.resumed = self.resumed + 1
      progress.step(self.name, name, "resumed")
      return table.unpack(out, 1, out.n)
    end
  end
  if stop.check() then  -- no new step once the run stops
    stop.note(self, (self.ran + self.resumed == 0) and "not_started"
      or "interrupted")
    local err = stop.refusal(("%s: step %q"):format(self.name, name))
    progress.step(self.name, name, "not started: " .. stop.why())
    error(err, 0)
  end
  progress.running(self.name, name)
  -- Not saved yet: the first intent (or the outcome) is, and a step that
  -- dies before creating anything simply runs again.
  rec.state, rec.error = "running", nil
  rec.started = rec.started or now()
  local r = run_fn(self, rec, fn)
  if not r[1] then
    rec.state, rec.error = "failed", log.redact(tostring(r[2]))
    self:save()
    -- a failure while the run stops is the stop's doing (a retry cut
    -- short, a change refused): the step is unfinished, to be resumed
    stop.note(self, stop.caused() and "interrupted" or "failed")
    progress.step(self.name, name, "failed: " .. rec.error)
    error(r[2], 0)
  end
  local results = table.pack(table.unpack(r, 2, r.n))
  rec.values = record_values(results)
  rec.touched = r.touched
  rec.state, rec.finished = "done", now()
  self:save()
  self.ran = self.ran + 1
  progress.step(self.name, name, self.dry_run and "planned" or "done")
  return table.unpack(results, 1, results.n)
end

--- Tells the workflow what this run has read already (say, many
-- entities with one filtered list), so that resuming finished steps
-- uses it instead of reading each entity by id.
-- @tparam table entities entities as read (each `kind`, `id`)
-- @tparam[opt] table gone ids read and found absent
function Workflow:prime(entities, gone)
  for _, e in ipairs(entities) do self.seen[e.id] = e end
  for _, id in ipairs(gone or {}) do self.seen[id] = false end
end

--- The steps and their states, in order.
-- @treturn table list of `{name=, state=, entities = { {kind=, id=} },
--   error=}`
function Workflow:status()
  local out = {}
  for _, s in ipairs(self:open_journal().data.steps) do
    local ents = {}
    for _, it in ipairs(s.intents or {}) do
      if it.id then
        ents[#ents + 1] = { kind = it.kind, id = it.id, name = it.name }
      end
    end
    out[#out + 1] = { name = s.name, state = s.state, entities = ents,
      error = s.error }
  end
  return out
end

local RANK = { flow = 1, source = 2, target = 2, connection = 3 }

--- Every entity the workflow created or adopted, in reverse dependency
-- order (flows, then source and target connections, then base
-- connections).
-- @treturn table list of `{kind=, id=, name=}`
function Workflow:entities()
  local out, seen, order = {}, {}, {}
  local all = {}
  for _, s in ipairs(self:status()) do
    table.move(s.entities, 1, #s.entities, #all + 1, all)
  end
  for _, a in ipairs(adopted.list(self.journal)) do
    all[#all + 1] = { kind = a.kind, id = a.id, name = a.name }
  end
  for _, e in ipairs(all) do
    if not seen[e.id] then
      seen[e.id] = true
      out[#out + 1] = e
      order[e] = #out
    end
  end
  -- Within a rank, the order they were created in.
  table.sort(out, function(a, b)
    if RANK[a.kind] ~= RANK[b.kind] then return RANK[a.kind] < RANK[b.kind] end
    return order[a] < order[b]
  end)
  return out
end

--- Reports the workflow finished (its progress line becomes final) and
-- lets its lock go.
-- @treturn table the status
function Workflow:finish()
  local st = self:status()
  self.journal:release()
  stop.note(self, "finished")
  progress.finished(self.name, ("done (%d step%s: %d run, %d resumed)")
    :format(#st, #st == 1 and "" or "s", self.ran, self.resumed))
  return st
end

--- Forgets the journal (after the workflow's entities were deleted) and
-- lets its lock go.
function Workflow:forget()
  if not self.dry_run then self:open_journal():remove() end
end

----------------------------------------------------------------------
-- Step context: called by the collections' create
----------------------------------------------------------------------

--- Reconciles a create about to be sent with the journal: returns the
-- entity when an earlier attempt of this step already made it.
-- @tparam table c the client
-- @tparam string kind the kind
-- @tparam string name the entity name
-- @tparam string spec_id the spec id
-- @treturn table|nil the existing entity
function Step:reconcile(c, kind, name, spec_id)
  local wf = self.wf
  wf.client = wf.client or c
  self.current = nil
  for i, it in ipairs(self.rec.intents) do
    if not self.consumed[i] and it.kind == kind and it.name == name
        and it.spec == spec_id then
      self.consumed[i] = true
      self.current = it
      return self:adopt(c, it)
    end
  end
  return self:take_adopted(c, kind, name, spec_id)
end

-- A create that matches no intent of this step may match an entity the
-- workflow adopted (`flowlua adopt`): it becomes this step's intent, with
-- the adopted id, so the step uses it (or, if it is gone, creates anew).
function Step:take_adopted(c, kind, name, spec_id)
  local a = adopted.take(self.wf.journal, kind, name, spec_id)
  if a == nil then return nil end
  local it = { kind = kind, name = name, spec = spec_id, started = now(),
    id = a.id }
  local list = self.rec.intents
  list[#list + 1] = it
  self.consumed[#list] = true
  self.current = it
  return self:adopt(c, it)
end

function Step:adopt(c, it)
  local found
  if it.id then
    found = c[COLLECTION[it.kind]]:get(it.id)
    if found == nil then
      -- Deleted remotely: create it again under the same intent (a new
      -- attempt: a new marker).
      it.id, it.started, it.marker = nil, now(), nil
      self.wf:save()
      return nil
    end
  else
    -- An intent journaled before markers existed has none: nothing can
    -- prove an entity is its own, so the create is sent again.
    found = it.marker and entity.find_created(c, it.kind, it.name, it.spec,
      it.marker, c.claimed)
    if not found then return nil end
    it.id = found.id
    self.wf:save()
  end
  c.claimed = c.claimed or {}
  c.claimed[found.id] = true
  self.current = nil
  return found
end

--- Journals the intent to create (before the request is sent), with
-- the marker its create carries (flowlua.entity.marker): every attempt
-- of the create, in this run or a resumed one, sends the same marker, so
-- the entity any of them made is recognised as this intent's.
-- @tparam string kind the kind
-- @tparam string name the entity name
-- @tparam string spec_id the spec id
-- @treturn string the intent's marker
function Step:intent(kind, name, spec_id)
  local it = self.current
  if it == nil then
    it = { kind = kind, name = name, spec = spec_id, started = now() }
    local list = self.rec.intents
    list[#list + 1] = it
    self.consumed[#list] = true
    self.current = it
  end
  it.marker = it.marker or marker.new()
  self.wf:save()
  return it.marker
end

--- Notes that this step changed an entity (the client calls this after
-- each PATCH or action, successful or not), with the etag it left (nil
-- when unknown: the change failed and may have landed).
-- @tparam string kind the entity kind
-- @tparam string id its id
-- @tparam[opt] string etag the etag the service answered
function Step:touched(kind, id, etag)
  local changed = self.changed  -- ids in order, and each id's record
  if changed[id] == nil then changed[#changed + 1] = id end
  changed[id] = { kind = kind, id = id, etag = etag }
  self.wf.seen[id] = nil  -- what was read of it before is stale now
end

--- Notes the id of what was created. It reaches the disk with the next
-- write (the step's end at the latest): a durable write costs an fsync
-- that holds every task, and if the process dies first, the intent
-- already on disk is enough to find the entity again by name, spec and
-- marker.
-- @tparam string kind the kind
-- @tparam string id the new id
function Step:created(kind, id)
  local it = self.current
  if it and it.kind == kind then it.id = id end
  self.current = nil
end

return workflow
