-- Create markers (flowlua.entity.marker): after a lost create answer the
-- client adopts only the entity whose description carries the marker its
-- own create was sent with, never another client's entity of the same
-- name and spec. A real server (spec/support/handlers/hostile_service.lua)
-- in front of the real emulator loses the answer of every POST in sandbox
-- `reset@POST` (the create is made, the connection closes); sandbox
-- `prod` is answered honestly.
local core = require("flowlua.core")
local emu = require("support.emulator")
local flowlua = require("flowlua")
local fsvc = require("support.flow_service")
local journal = require("flowlua.workflow.journal")
local log = require("flowlua.log")
local marker = require("flowlua.entity.marker")
local progress = require("flowlua.workflow.progress")

local srv, dir
local opened = {}  -- HTTP clients to close after each test

local function settings(sandbox)
  return { endpoint = srv.url, ims_url = srv.url, client_id = "marker",
    client_secret = "marker-secret", org_id = emu.ORG, scopes = "openid",
    sandbox = sandbox }
end

local function connect(sandbox)
  local s = settings(sandbox)
  s.http = { retry = { attempts = 3, base = 0.01, cap = 0.02,
    statuses = { 429, 500, 502, 503, 504 } } }
  local aep = flowlua.connect(s)
  opened[#opened + 1] = aep.http
  return aep
end

-- The connections of a name as the service stores them (plain HTTP).
local function stored(sandbox, name)
  local r = fsvc.raw(settings(sandbox))
  opened[#opened + 1] = r.http
  local out = {}
  for _, it in ipairs(r:all("/connections")) do
    if it.name == name then out[#out + 1] = it end
  end
  return out
end

local function base_body(name, description)
  local body = emu.base_body()
  body.name, body.description = name, description
  return body
end

-- A connection made by someone else (plain HTTP, answered honestly).
local function made_elsewhere(name, description)
  local res = emu.client(srv.url, { sandbox = "prod" })
    :post("/connections?mode=draft", base_body(name, description))
  assert.equal(201, res.status, res.body)
  return res.json.id
end

local function ids(items)
  local out = {}
  for _, it in ipairs(items) do out[#out + 1] = it.id end
  table.sort(out)
  return out
end

setup(function()
  srv = assert(core.server.start{
    module = "support.handlers.hostile_service" })
  dir = fsvc.tmpdir()
  log.configure{ level = "error" }
  -- Progress lines would interleave with busted's output.
  progress.configure{ live = false,
    stream = { write = function() end, flush = function() end } }
end)

after_each(function()
  for i, h in ipairs(opened) do
    h:close()
    opened[i] = nil
  end
end)

teardown(function()
  log.configure{}
  progress.configure{}
  srv:close()
  os.execute("rm -rf '" .. dir .. "'")
end)

describe("flowlua.entity.marker", function()
  it("draws a fresh marker each time", function()
    local a, b = marker.new(), marker.new()
    assert.truthy(a:find("^flowlua:%x+$"), a)
    assert.equal(24, #a)
    assert.are_not.equal(a, b)
  end)

  it("appends the marker to the user's description and strips it again",
    function()
    local body = { name = "n", description = "Sales feed" }
    local sent = marker.mark(body, "flowlua:00ff")
    assert.equal("Sales feed [flowlua:00ff]", sent.description)
    assert.equal("Sales feed", body.description)  -- the caller's body
    assert.equal("flowlua:00ff", marker.of(sent.description))
    assert.equal("Sales feed", marker.strip(sent.description))
    local bare = marker.mark({ name = "n" }, "flowlua:00ff")
    assert.equal("[flowlua:00ff]", bare.description)
    assert.is_nil(marker.strip(bare.description))
    assert.is_nil(marker.of("Sales feed"))
    assert.equal("Sales feed", marker.strip("Sales feed"))
  end)

  it("replaces a marker the body already carries", function()
    local sent = marker.mark({ description = "x [flowlua:aaaa]" },
      "flowlua:bbbb")
    assert.equal("x [flowlua:bbbb]", sent.description)
  end)
end)

describe("a create whose answer is lost", function()
  it("adopts its own entity, not another client's of the same name",
    function()
    local other, aep = connect("reset@POST"), connect("reset@POST")
    local theirs = other.connections:create(base_body("Twin base"),
      { draft = true })
    local mine = aep.connections:create(base_body("Twin base"),
      { draft = true })
    assert.are_not.equal(theirs.id, mine.id)
    local items = stored("reset@POST", "Twin base")
    local want = { theirs.id, mine.id }
    table.sort(want)
    assert.same(want, ids(items))
    assert.are_not.equal(marker.of(items[1].description),
      marker.of(items[2].description))
  end)

  it("keeps the user's description; the marker shows only in the raw "
    .. "item", function()
    local aep = connect("reset@POST")
    local e = aep.connections:create(base_body("Described base",
      "Sales feed"), { draft = true })
    assert.equal("Sales feed", e.description)
    assert.equal("Sales feed", aep.connections:get(e.id).description)
    -- lists too (what `flowlua plan` compares a desired state with)
    local listed = 0
    for it in aep.connections:list{ property = 'name=="Described base"' } do
      assert.equal("Sales feed", it.description)
      listed = listed + 1
    end
    assert.equal(1, listed)
    local items = stored("reset@POST", "Described base")
    assert.equal(1, #items)
    assert.truthy(items[1].description:find(
      "^Sales feed %[flowlua:%x+%]$"), items[1].description)
  end)

  it("sent raw (aep:request), adopts its own entity too", function()
    local other, aep = connect("reset@POST"), connect("reset@POST")
    local theirs = other.connections:create(base_body("Raw twin"),
      { draft = true })
    local answer = aep:request("POST", "/connections?mode=draft",
      { body = base_body("Raw twin") })
    assert.are_not.equal(theirs.id, answer.id)
    assert.equal(2, #stored("reset@POST", "Raw twin"))
  end)
end)

describe("a resumed step whose create was sent and not answered", function()
  -- The journal holds the step's intent with its marker and no id, as a
  -- run killed after sending the create leaves it.
  local function planted(aep, name, mark)
    local j = journal.open(journal.key(aep, name), { dir = dir })
    local s = j:ensure_step("base")
    s.state = "running"
    s.intents[1] = { kind = "connection", name = name, spec = emu.AZURE,
      started = os.time(), marker = mark }
    j:save()
    j:release()
  end

  local function resume(aep, name)
    local wf = flowlua.workflow(name, { client = aep, dir = dir })
    local e = wf:step("base", function()
      return aep.connections:create(base_body(name), { draft = true })
    end)
    wf:finish()
    return e
  end

  it("adopts the entity carrying its marker among others of that name",
    function()
    local aep = connect("prod")
    local before = made_elsewhere("Resumed base", "[flowlua:1111111111111111]")
    local mine = made_elsewhere("Resumed base", "[flowlua:2222222222222222]")
    local after = made_elsewhere("Resumed base")
    planted(aep, "Resumed base", "flowlua:2222222222222222")
    assert.equal(mine, resume(aep, "Resumed base").id)
    local want = { before, mine, after }
    table.sort(want)
    assert.same(want, ids(stored("prod", "Resumed base")))
  end)

  it("creates anew when no entity carries its marker", function()
    local aep = connect("prod")
    local theirs = made_elsewhere("Unmarked base",
      "[flowlua:3333333333333333]")
    planted(aep, "Unmarked base", "flowlua:4444444444444444")
    local e = resume(aep, "Unmarked base")
    assert.are_not.equal(theirs, e.id)
    local items = stored("prod", "Unmarked base")
    assert.equal(2, #items)
    for _, it in ipairs(items) do
      if it.id == e.id then
        assert.equal("[flowlua:4444444444444444]", it.description)
      end
    end
  end)

  it("journaled before markers existed, creates anew", function()
    local aep = connect("prod")
    local theirs = made_elsewhere("Legacy base")
    planted(aep, "Legacy base", nil)
    local e = resume(aep, "Legacy base")
    assert.are_not.equal(theirs, e.id)
    assert.equal(2, #stored("prod", "Legacy base"))
  end)
end)
