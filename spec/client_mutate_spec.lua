-- flowlua.entity.mutate, the exactly-once routine, when a change never
-- lands: a real server (spec/support/handlers/hostile_service.lua) in front
-- of the real emulator answers one kind of request with a 502 page without
-- letting it reach the service. Every attempt is ambiguous, every read-back
-- shows the change missing, and once the client's retry policy is spent
-- the last service error is raised: not a usage error, and nothing changed.
local core = require "flowlua.core"
local emu = require "support.emulator"
local errors = require "flowlua.errors"
local flowlua = require "flowlua"
local fsvc = require "support.flow_service"
local log = require "flowlua.log"

local BASE = "/data/foundation/flowservice"
local ATTEMPTS = 3

describe("a change that never lands", function()
  local srv

  setup(function()
    srv = assert(core.server.start{
      module = "support.handlers.hostile_service" })
    log.configure{ level = "error" }  -- no line per retry
  end)

  teardown(function()
    log.configure{}
    srv:close()
  end)

  local function settings(sandbox)
    return { endpoint = srv.url, ims_url = srv.url, client_id = "mutate",
      client_secret = "mutate-secret", org_id = emu.ORG, scopes = "openid",
      sandbox = sandbox }
  end

  -- A client whose policy gives up after ATTEMPTS, quickly.
  local function connect(sandbox)
    local s = settings(sandbox)
    s.http = { retry = { attempts = ATTEMPTS, base = 0.01, cap = 0.02,
      statuses = { 429, 500, 502, 503, 504 } } }
    return flowlua.connect(s)
  end

  -- Runs `fn`; returns the error it raised, checked to be the 502 page.
  local function exhausted(fn, method, path)
    local ok, err = pcall(fn)
    assert.is_false(ok)
    assert.is_true(errors.is(err, "service"), tostring(err))
    assert.equal(502, err.status)
    assert.equal(method .. " " .. BASE .. path .. ': 502 HTML page "502 Bad '
      .. 'Gateway"', tostring(err))
    return err
  end

  it("a create raises the last 502 and creates nothing", function()
    local aep = connect("down@POST")
    exhausted(function()
      aep.connections:create(emu.base_body(), { draft = true })
    end, "POST", "/connections?mode=draft")
    assert.equal(ATTEMPTS, aep:request_counts().POST)
    local counts = fsvc.raw(settings("down@POST")):census()
    assert.equal(0, counts.connections)
  end)

  it("an update raises the last 502 after reading back each time", function()
    local aep = connect("down@PATCH")
    local base = aep.connections:create(emu.base_body(), { draft = true })
    local etag = base.etag
    local gets = aep:request_counts().GET
    exhausted(function()
      base:update{ { op = "replace", path = "/name", value = "renamed" } }
    end, "PATCH", "/connections/" .. base.id)
    local counts = aep:request_counts()
    assert.equal(ATTEMPTS, counts.PATCH)
    assert.equal(gets + ATTEMPTS, counts.GET)
    local raw = fsvc.raw(settings("down@PATCH"))
    local item = raw:get("/connections/" .. base.id).items[1]
    assert.equal(emu.base_body().name, item.name)
    assert.equal(etag, item.etag)
  end)

  it("a delete raises the last 502 and the entity stays", function()
    local aep = connect("down@DELETE")
    local base = aep.connections:create(emu.base_body(), { draft = true })
    exhausted(function() base:delete() end, "DELETE",
      "/connections/" .. base.id)
    -- DELETE is idempotent: flowlua.http retries each send itself
    assert.equal(ATTEMPTS * ATTEMPTS, aep:request_counts().DELETE)
    local raw = fsvc.raw(settings("down@DELETE"))
    assert.equal(base.id, raw:get("/connections/" .. base.id).items[1].id)
  end)

  it("a publish raises the last 502 and the draft stays a draft", function()
    local aep = connect("down@ACTION")
    local base = aep.connections:create(emu.base_body(), { draft = true })
    local posts = aep:request_counts().POST
    exhausted(function() base:publish() end, "POST",
      "/connections/" .. base.id .. "/action?op=publish")
    assert.equal(posts + ATTEMPTS, aep:request_counts().POST)
    local raw = fsvc.raw(settings("down@ACTION"))
    assert.equal("draft", raw:get("/connections/" .. base.id).items[1].state)
  end)
end)
