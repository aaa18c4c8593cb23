-- flowlua.entity.mutate, the exactly-once routine, for every kind of
-- change (create, update, delete, publish, enable, disable). A real server
-- (spec/support/handlers/hostile_service.lua) in front of the real
-- emulator spoils one kind of request, chosen by the sandbox name:
--
-- * `reset@METHOD`: the change is made, then the answer is lost (the
--   connection closes): the client must read the service back and take
--   the change as done, sending it once;
-- * `down@METHOD/1`: the first such request gets a 502 page and never
--   reaches the service: the read-back shows nothing, so the change is
--   sent again, and lands once;
-- * `down@METHOD`: every such request is lost that way: once the
--   client's retry policy is spent, the last service error is raised
--   (not a usage error), and nothing changed.
local emu = require("support.emulator")
local errors = require("flowlua.errors")
local hostile = require("support.hostile")

local ATTEMPTS = 3

local SCHEDULE = emu.schedule_patch("hour", 1)

local srv  -- support.hostile's server
local sent = hostile.sent

-- A client whose policy gives up after ATTEMPTS, quickly.
local function connect(sandbox) return srv:connect(sandbox, ATTEMPTS) end

local function raw(sandbox) return srv:raw(sandbox) end

-- What the service holds of an entity.
local function stored(sandbox, path)
  return raw(sandbox):get(path).items[1]
end

-- A client for `sandbox` and a draft base connection made with it.
local function draft_base(sandbox)
  local aep = connect(sandbox)
  return aep, aep.connections:create(emu.base_body(), { draft = true })
end

-- A draft base connection created through `sandbox` took `posts` POSTs
-- and exists once: the service holds the very connection the client has.
local function created_once(sandbox, posts)
  local aep, base = connect(sandbox), nil
  assert.equal(posts, sent(aep, "POST", function()
    base = aep.connections:create(emu.base_body(), { draft = true })
  end))
  local counts, items = raw(sandbox):census()
  assert.equal(1, counts.connections)
  assert.equal(items.connections[1].id, base.id)
  assert.equal(items.connections[1].etag, base.etag)
  assert.equal("draft", base.state)
end

-- Two clients of `sandbox`: the first makes a draft base and source, the
-- other then publishes the base behind its back.
local function base_published_elsewhere(sandbox)
  local aep, base = draft_base(sandbox)
  local src = aep.source_connections:create(emu.source_body(base.id),
    { draft = true })
  local other = connect(sandbox)
  other.connections:get(base.id):publish()
  return aep, other, base, src
end

-- The update every update case makes.
local RENAME = { { op = "replace", path = "/name", value = "renamed" } }

-- An update of a draft base connection through `sandbox` took `patches`
-- PATCHes and landed: the client and the service agree on it.
local function updated_once(sandbox, patches)
  local aep, base = draft_base(sandbox)
  assert.equal(patches, sent(aep, "PATCH", function() base:update(RENAME) end))
  local item = stored(sandbox, "/connections/" .. base.id)
  assert.equal("renamed", item.name)
  assert.equal("renamed", base.name)
  assert.equal(item.etag, base.etag)
end

-- Draft base, source, target and flow (with its schedule and mapping).
local function drafts(aep)
  local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
  local base = aep.connections:create(emu.base_body(), { draft = true })
  local src = aep.source_connections:create(emu.source_body(base.id),
    { draft = true })
  local tgt = aep.target_connections:create(emu.target_body(),
    { draft = true })
  local body = emu.flow_body(src.id, tgt.id)
  body.flowSpec.id = fs.id
  local flow = aep.flows:create(body, { draft = true })
  flow:update(SCHEDULE)
  return base, src, tgt, flow
end

setup(function() srv = hostile.start("mutate") end)
after_each(function() srv:close_clients() end)
teardown(function() srv:close() end)

describe("a change whose answer arrives", function()
  it("is not read back: a source costs 9 changes and the 3 spec reads",
    function()
      local aep = connect("honest")
      local base, src, tgt, flow = drafts(aep)
      flow:publish_all()
      -- 4 draft creates + 4 publishes, the flow's update, and one read
      -- per distinct spec (two connection specs, the flow spec by name)
      assert.same({ POST = 8, PATCH = 1, GET = 3 }, aep:request_counts())
      for path, e in pairs{ ["/connections/"] = base,
          ["/sourceConnections/"] = src, ["/targetConnections/"] = tgt,
          ["/flows/"] = flow } do
        local item = stored("honest", path .. e.id)
        assert.equal("enabled", item.state)
        assert.equal(item.etag, e.etag)
        assert.equal("enabled", e.state)
      end
    end)

  it("a publish of what was published elsewhere reads it and does nothing",
    function()
      local aep, other, base, src = base_published_elsewhere("elsewhere")
      other.source_connections:get(src.id):publish()
      local before = aep:request_counts()
      assert.equal(src, src:publish())  -- refused (400), read: enabled
      assert.equal(base, base:publish_all())
      assert.equal("enabled", src.state)
      assert.equal("enabled", base.state)
      local after = aep:request_counts()
      -- src: its parent known as a draft is read (enabled), its publish
      -- refused, itself read (enabled); base: known enabled since then
      assert.equal(before.POST + 1, after.POST)
      assert.equal(before.GET + 2, after.GET)
    end)

  it("a parent known as a draft is read before the order is refused",
    function()
      local _, _, base, src = base_published_elsewhere("parent")
      src:publish()
      assert.equal("enabled", stored("parent", "/sourceConnections/"
        .. src.id).state)
      assert.equal("enabled", base.state)
    end)
end)

describe("a change whose answer is lost", function()
  it("a create is found by reading and adopted, sent once", function()
    created_once("reset@POST", 1)
  end)

  it("an update is read back and taken as done, sent once", function()
    updated_once("reset@PATCH", 1)
  end)

  it("a delete is read back and taken as done", function()
    local _, base = draft_base("reset@DELETE")
    assert.is_true(base:delete())
    local counts = raw("reset@DELETE"):census()
    assert.equal(0, counts.connections)
  end)

  it("each publish is read back and taken as done, sent once", function()
    local aep = connect("reset@ACTION")
    local base, src, tgt, flow = drafts(aep)
    assert.equal(4, sent(aep, "POST", function() flow:publish_all() end))
    for path, e in pairs{ ["/connections/"] = base,
        ["/sourceConnections/"] = src, ["/targetConnections/"] = tgt,
        ["/flows/"] = flow } do
      assert.equal("enabled", stored("reset@ACTION", path .. e.id).state)
    end
    assert.equal("enabled", flow.state)
  end)

  it("a disable and an enable are read back, each sent once", function()
    local aep = connect("reset@ACTION")
    local _, _, _, flow = drafts(aep)
    flow:publish_all()
    assert.equal(1, sent(aep, "POST", function() flow:disable() end))
    assert.equal("disabled", flow.state)
    assert.equal("disabled", stored("reset@ACTION", "/flows/" .. flow.id).state)
    assert.equal(1, sent(aep, "POST", function() flow:enable() end))
    assert.equal("enabled", flow.state)
    assert.equal("enabled", stored("reset@ACTION", "/flows/" .. flow.id).state)
  end)
end)

describe("a change lost before it reached the service", function()
  it("a create is sent again and made once", function()
    created_once("down@POST/1", 2)
  end)

  it("an update is sent again and lands once", function()
    updated_once("down@PATCH/1", 2)
  end)

  it("a publish is sent again and lands once", function()
    local aep, base = draft_base("down@ACTION/1")
    assert.equal(2, sent(aep, "POST", function() base:publish() end))
    assert.equal("enabled", base.state)
    local item = stored("down@ACTION/1", "/connections/" .. base.id)
    assert.equal("enabled", item.state)
    assert.equal(item.etag, base.etag)
  end)
end)

describe("a change that never lands", function()
  -- Runs `fn`; returns the error it raised, checked to be the 502 page.
  local function exhausted(fn, method, path)
    local ok, err = pcall(fn)
    assert.is_false(ok)
    assert.is_true(errors.is(err, "service"), tostring(err))
    assert.equal(502, err.status)
    assert.equal(method .. " " .. emu.BASE .. path
      .. ': 502 HTML page "502 Bad Gateway"', tostring(err))
    return err
  end

  it("a create raises the last 502 and creates nothing", function()
    local aep = connect("down@POST")
    exhausted(function()
      aep.connections:create(emu.base_body(), { draft = true })
    end, "POST", "/connections?mode=draft")
    assert.equal(ATTEMPTS, aep:request_counts().POST)
    local counts = raw("down@POST"):census()
    assert.equal(0, counts.connections)
  end)

  it("an update raises the last 502 after reading back each time", function()
    local aep, base = draft_base("down@PATCH")
    local etag = base.etag
    local gets = aep:request_counts().GET
    exhausted(function()
      base:update(RENAME)
    end, "PATCH", "/connections/" .. base.id)
    local counts = aep:request_counts()
    assert.equal(ATTEMPTS, counts.PATCH)
    assert.equal(gets + ATTEMPTS, counts.GET)
    local view = raw("down@PATCH")
    local item = view:get("/connections/" .. base.id).items[1]
    assert.equal(emu.base_body().name, item.name)
    assert.equal(etag, item.etag)
  end)

  it("a delete raises the last 502 after reading back each time, and the "
    .. "entity stays", function()
    local aep, base = draft_base("down@DELETE")
    local gets = aep:request_counts().GET
    exhausted(function() base:delete() end, "DELETE",
      "/connections/" .. base.id)
    -- one request per attempt of the routine: flowlua.http does not
    -- repeat a DELETE underneath (it would be ATTEMPTS * ATTEMPTS)
    local counts = aep:request_counts()
    assert.equal(ATTEMPTS, counts.DELETE)
    assert.equal(gets + ATTEMPTS, counts.GET)
    local view = raw("down@DELETE")
    assert.equal(base.id, view:get("/connections/" .. base.id).items[1].id)
  end)

  it("a publish raises the last 502 and the draft stays a draft", function()
    local aep, base = draft_base("down@ACTION")
    local posts = aep:request_counts().POST
    exhausted(function() base:publish() end, "POST",
      "/connections/" .. base.id .. "/action?op=publish")
    assert.equal(posts + ATTEMPTS, aep:request_counts().POST)
    local view = raw("down@ACTION")
    assert.equal("draft", view:get("/connections/" .. base.id).items[1].state)
  end)
end)
