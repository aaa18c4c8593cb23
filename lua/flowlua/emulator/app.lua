--- The emulator as a pure function of a request: faults, then routing,
-- IMS or the gateway checks, then the Flow Service itself; every change
-- is written to the state file before it is answered.
-- @module flowlua.emulator.app

local catalogue = require("flowlua.emulator.catalogue")
local clock = require("flowlua.emulator.clock")
local entities = require("flowlua.emulator.entities")
local errors = require("flowlua.emulator.errors")
local faults = require("flowlua.emulator.faults")
local ims = require("flowlua.emulator.ims")
local json = require("flowlua.json")
local listing = require("flowlua.emulator.listing")
local operations = require("flowlua.emulator.operations")
local persistence = require("flowlua.emulator.persistence")
local router = require("flowlua.emulator.router")
local run_faults = require("flowlua.emulator.run_faults")
local scheduler = require("flowlua.emulator.scheduler")
local storage = require("flowlua.emulator.storage")
local store = require("flowlua.emulator.store")
local tally = require("flowlua.emulator.tally")
local util = require("flowlua.emulator.util")
local validation = require("flowlua.emulator.validation")
local views = require("flowlua.emulator.views")

local app = {}

--- Largest request body the emulator reads (bytes).
app.MAX_BODY = 1024 * 1024

local App = {}
App.__index = App
App.__name = "flowlua.emulator.app"

local function prepare_specs(specs)
  for _, cs in ipairs(specs.connectionSpecs.list) do
    for _, a in ipairs(cs.authSpec or {}) do validation.prepare(a.spec) end
    for _, part in ipairs({ cs.sourceSpec, cs.targetSpec }) do
      if part then validation.prepare(part.spec) end
    end
  end
  for _, fs in ipairs(specs.flowSpecs.list) do
    for _, t in ipairs(fs.transformationSpecs or {}) do
      validation.prepare(t.spec)
    end
    for _, part in ipairs({ fs.scheduleSpec, fs.optionSpec }) do
      if part then validation.prepare(part.spec) end
    end
  end
end

--- A new emulator.
-- @tparam table cfg `{state=, faults=, client_id=, client_secret=,
--   token_ttl=}`
-- @treturn table with `handle(req)`
function app.new(cfg)
  local specs = catalogue.load()
  prepare_specs(specs)
  local seed = string.unpack("<i8", require("flowlua.core").sys.random(8))
  local spec, run_fail, auth_fail = run_faults.split(cfg.faults)
  local parsed = faults.parse(spec)
  local env = { clock = clock.new(cfg.time_scale),
    storage = storage.new(cfg.files),
    run_fails = run_faults.new(run_fail, parsed.seed or seed),
    auth_fails = run_faults.per_key(auth_fail, parsed.seed or seed) }
  return setmetatable({ env = env, scheduler = scheduler.new(env),
    specs = specs,
    state = cfg.state,
    store = cfg.state and persistence.load(cfg.state) or store.new(),
    ims = ims.new(cfg),
    faults = faults.new(parsed, seed),
    tally = tally.new(),
  }, App)
end

local function not_routed(req, allow)
  if allow then
    return errors.json(405, { error_code = "405000",
      message = ("Method %s is not allowed on %s; allowed: %s")
        :format(req.method, req.path, allow) }, { Allow = allow })
  end
  return errors.json(404, { error_code = "404000",
    message = ("No such endpoint: %s %s"):format(req.method, req.path) })
end

local function read_body(req)
  local body = req.body or ""
  if #body > app.MAX_BODY then
    return nil, errors.problem(413, "PayloadTooLargeError",
      ("The request body is larger than %d bytes"):format(app.MAX_BODY))
  end
  if body:match("^%s*$") then
    return nil, errors.flow("1405-400", "The request body is empty")
  end
  local ctype = (req.headers["content-type"] or ""):lower()
  if not (ctype:find("application/json", 1, true)
      or ctype:find("+json", 1, true)) then
    return nil, errors.problem(400, "BadRequestError",
      "A valid content-type must be specified")
  end
  local value, err = json.decode(body)
  if value == nil then
    return nil, errors.flow("1100-400", "Malformed JSON body: " .. err)
  end
  return value
end

local function list(self, ctx, route, q)
  local source = route.class == "spec" and self.specs[route.kind].list
    or ctx.sb:list(route.kind)
  return listing.respond(self.specs, route.kind, source, q)
end

local function get_spec(self, route)
  local spec = self.specs[route.kind].by_id[route.id]
  if spec == nil then
    return errors.not_found(route.kind, route.id)
  end
  return errors.json(200, views.items({ views.text(self.specs, spec) }))
end

local function create(ctx, route, req, q)
  local mode = q.mode and q.mode:lower()
  if mode and mode ~= "draft" then
    return errors.flow("1100-400", ("mode '%s' is not supported; use "
      .. "mode=draft"):format(q.mode))
  end
  local body, err = read_body(req)
  if body == nil then return err end
  return entities.create(ctx, route.kind, body, mode == "draft")
end

local function dispatch(self, ctx, route, req)
  local q = util.parse_query(req.query)
  local m, h = req.method, req.headers
  if m == "GET" and route.id == nil then return list(self, ctx, route, q) end
  if m == "GET" and route.class == "spec" then return get_spec(self, route) end
  if m == "GET" then return entities.get(ctx, route.kind, route.id) end
  if m == "POST" and route.action then
    return entities.action(ctx, route.kind, route.id, q.op, h["if-match"])
  end
  if m == "POST" then return create(ctx, route, req, q) end
  if m == "DELETE" then
    return entities.delete(ctx, route.kind, route.id, h["if-match"])
  end
  local body, err = read_body(req)
  if body == nil then return err end
  return entities.patch(ctx, route.kind, route.id, body, h["if-match"])
end

function App:persist(undo)
  if not self.state then return nil end
  local ok, err = persistence.save(self.state, self.store)
  if ok then return nil end
  undo()
  return errors.flow("1102-500", "The change was not applied: " .. err)
end

-- Runs and flows show the schedule's work, so it is brought up to the
-- clock before they are answered (flowlua.emulator.scheduler).
function App:answer(ctx, op, route, req)
  if route.kind == "runs" or route.kind == "flows" then
    if self.scheduler:tick(ctx) then self:persist(function() end) end
  end
  if op then
    return operations.dispatch(self.env, ctx, op, req, read_body,
      util.parse_query(req.query))
  end
  return dispatch(self, ctx, route, req)
end

--- Processes a request without faults.
-- @tparam table req the server's request table
-- @treturn table response
function App:process(req)
  local op = operations.resolve(req.method, req.path)
  local route, allow = op, nil
  if route == nil then route, allow = router.resolve(req.method, req.path) end
  if route == nil then return not_routed(req, allow) end
  if route.target == "ims" then return self.ims:token(req) end
  local denied, who = self.ims:gateway(req.headers)
  if denied then return denied end
  local ctx = { specs = self.specs, who = who, now = self.env.clock:now_ms(),
    sb = self.store:sandbox(req.headers["x-sandbox-name"]),
    base = router.BASE }
  local res, undo = self:answer(ctx, op, route, req)
  if undo then return self:persist(undo) or res end
  return res
end

-- The request tally (flowlua.emulator.tally): read or reset, never
-- faulted and never counted itself.
local function answer_tally(self, req)
  if req.method == "GET" then
    return errors.json(200, self.tally:counts())
  elseif req.method == "DELETE" then
    self.tally:reset()
    return errors.empty(204)
  end
  return errors.json(405, { error_code = "405000", message = ("Method %s "
    .. "is not allowed on %s; allowed: GET, DELETE"):format(req.method,
      req.path) }, { Allow = "GET, DELETE" })
end

--- Handles a request: faults, latency, request id.
-- @tparam table req the server's request table
-- @treturn table response
function App:handle(req)
  if req.path == tally.PATH then return answer_tally(self, req) end
  self.tally:count(req)
  local fault = self.faults:draw()
  local res
  if fault == "reset" then return { abort = true } end
  if fault and fault ~= "drop" then
    res = faults.response(fault)
  else
    res = self:process(req)
    if fault == "drop" then res = { abort = true } end
  end
  if self.faults.latency > 0 then res.delay = self.faults.latency end
  if res.headers then
    local request_id = util.uuid()
    res.headers["x-request-id"] = request_id
    errors.stamp(res, request_id)
  end
  return res
end

return app
