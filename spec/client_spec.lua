-- The Flow Service client end to end, against the emulator over real HTTP.
-- What the service holds is read back with plain HTTP requests
-- (support.flow_service), not through the client under test.
local flowlua = require("flowlua")
local errors = require("flowlua.errors")
local plan = require("flowlua.plan")
local marker = require("flowlua.entity.marker")
local log = require("flowlua.log")
local fsvc = require("support.flow_service")
local emu = require("support.emulator")

local PASSWORD = "tutorial-storage-key-5e1"

local function base_body(name, params)
  return { name = name, description = "ACME base connection (DRAFT)",
    auth = { specName = "Basic Authentication", params = params or {
      host = "acme.file.core.windows.net", userid = "acme",
      password = PASSWORD } },
    connectionSpec = { id = emu.AZURE, version = "1.0" } }
end

local function source_body(name, base_id)
  return { name = name, baseConnectionId = base_id,
    data = { format = "delimited" },
    params = { path = "/acme/summerCampaign/account.csv", type = "file" },
    connectionSpec = { id = emu.AZURE, version = "1.0" } }
end

local function target_body(name)
  return { name = name, data = { schema = { id = "https://ns.adobe.com/acme/s",
    version = "application/vnd.adobe.xed-full+json;version=1" } },
    params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
    connectionSpec = { id = emu.DATA_LAKE, version = "1.0" } }
end

local function flow_body(name, fs_id, src, tgt)
  return { name = name, sourceConnectionIds = { src }, targetConnectionIds =
    { tgt }, flowSpec = { id = fs_id, version = "1.0" } }
end

local SCHEDULE = emu.schedule_patch("minute", 15)

local function capture_log()
  local lines = {}
  log.configure{ level = "warn", stream = { write = function(_, ...)
    lines[#lines + 1] = table.concat({ ... }) end } }
  return lines
end

local function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

describe("the Flow Service client against the emulator", function()
  local server, settings, aep, raw

  setup(function()
    server, aep, raw, settings = fsvc.connected_emulator()
  end)

  teardown(function()
    log.configure{}
    server:close()
  end)

  local function state_of(path, id)
    return raw:get(path .. "/" .. id).items[1].state
  end

  it("runs the tutorial: drafts, an update, publish in order", function()
    local cs = aep:connection_spec(emu.AZURE)
    local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
    assert.is_true(aep:supports_drafts(cs, fs))
    local base = aep.connections:create(base_body("T base"), { draft = true })
    local src = aep.source_connections:create(source_body("T source", base.id),
      { draft = true })
    local tgt = aep.target_connections:create(target_body("T target"),
      { draft = true })
    local flow = aep.flows:create(flow_body("T flow", fs.id, src.id, tgt.id),
      { draft = true })
    assert.same({ "connection", "source", "target", "flow" },
      { base.kind, src.kind, tgt.kind, flow.kind })
    assert.same({ "draft", "draft", "draft", "draft" },
      { base.state, src.state, tgt.state, flow.state })
    local etag = flow.etag
    flow:update(SCHEDULE)
    assert.are_not.equal(etag, flow.etag)
    assert.equal(flow.etag, raw:get("/flows/" .. flow.id).items[1].etag)
    flow:publish_all()
    assert.equal("enabled", flow.state)
    assert.same({ "enabled", "enabled", "enabled", "enabled" }, {
      state_of("/connections", base.id), state_of("/sourceConnections", src.id),
      state_of("/targetConnections", tgt.id), state_of("/flows", flow.id) })
    local stored = raw:get("/flows/" .. flow.id).items[1]
    assert.same({ startTime = 1900000000, frequency = "minute", interval = 15 },
      stored.scheduleParams)
    flow:disable()
    assert.equal("disabled", state_of("/flows", flow.id))
    flow:enable()
    assert.equal("enabled", flow.state)
  end)

  it("caches specs per client", function()
    local a = aep:connection_spec(emu.AZURE)
    assert.equal(a, aep:connection_spec(emu.AZURE))
    local f = aep:flow_spec{ name = "CloudStorageToAEP" }
    assert.equal(f, aep:flow_spec(f.id))
    local e = raised(aep.connection_spec, aep, "00000000-0000-0000-0000-0000")
    assert.is_true(errors.is(e, "usage"))
  end)

  it("lists across pages and counts with filters", function()
    for i = 1, 3 do
      aep.connections:create(base_body("L base " .. i), { draft = true })
    end
    local names = {}
    for c in aep.connections:list{ property = 'name=="L base 1","L base 2",'
        .. '"L base 3"', orderby = "-name", limit = 1 } do
      names[#names + 1] = c.name
    end
    assert.same({ "L base 3", "L base 2", "L base 1" }, names)
    assert.equal(3, aep.connections:count{ property = 'name=="L base 1",'
      .. '"L base 2","L base 3"' })
    assert.equal(0, aep.connections:count{ property = 'name=="nothing"' })
  end)

  it("gets an entity by id, or nil when it does not exist", function()
    local base = aep.connections:create(base_body("G base"), { draft = true })
    local again = aep.connections:get(base.id)
    assert.same({ base.id, base.etag, "G base" },
      { again.id, again.etag, again.name })
    assert.is_nil(again.auth.params.password)
    assert.is_nil(aep.connections:get("00000000-0000-0000-0000-000000000000"))
  end)

  it("refuses an update with a stale etag, and rereads once when allowed",
    function()
    local base = aep.connections:create(base_body("E base"), { draft = true })
    local stale = aep.connections:get(base.id)
    base:update{ { op = "replace", path = "/description", value = "first" } }
    local e = raised(stale.update, stale, { { op = "replace",
      path = "/description", value = "second" } })
    assert.same({ "service", 412, "1404-412", "PATCH" },
      { e.kind, e.status, e.code, e.method })
    assert.equal("first", raw:get("/connections/" .. base.id).items[1]
      .description)
    assert.truthy(tostring(e):find("refresh() it and apply the change again",
      1, true))
    stale:update({ { op = "replace", path = "/description", value = "second" } },
      { reread = true })
    local stored = raw:get("/connections/" .. base.id).items[1]
    assert.same({ "second", stored.etag }, { stale.description, stale.etag })
    assert.equal("second", stored.description)
  end)

  it("refuses to publish out of order locally, naming the draft parent",
    function()
    local base = aep.connections:create(base_body("O base"), { draft = true })
    local src = aep.source_connections:create(source_body("O source", base.id),
      { draft = true })
    local e = raised(src.publish, src)
    assert.is_true(errors.is(e, "order"))
    assert.same({ kind = "connection", id = base.id, name = "O base" }, e.parent)
    assert.equal(('cannot publish source connection "O source": its base '
      .. 'connection "O base" (%s) is still a draft; publish it first, or '
      .. 'call publish_all()'):format(base.id), tostring(e))
    assert.equal("draft", state_of("/sourceConnections", src.id))
    src:publish_all()
    assert.equal("enabled", state_of("/connections", base.id))
    assert.equal("enabled", state_of("/sourceConnections", src.id))
  end)

  it("publish_all publishes only the drafts the entity depends on", function()
    local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
    local base = aep.connections:create(base_body("P base"), { draft = true })
    local other = aep.connections:create(base_body("P other"), { draft = true })
    local src = aep.source_connections:create(source_body("P source", base.id),
      { draft = true })
    local tgt = aep.target_connections:create(target_body("P target"))
    local flow = aep.flows:create(flow_body("P flow", fs.id, src.id, tgt.id),
      { draft = true })
    flow:update(SCHEDULE)
    flow:publish_all()
    assert.equal("enabled", state_of("/flows", flow.id))
    assert.equal("enabled", state_of("/connections", base.id))
    assert.equal("draft", state_of("/connections", other.id))
  end)

  it("sends nothing when validation fails", function()
    local before = raw:census()
    local e = raised(aep.connections.create, aep.connections, base_body(
      "V base", { host = "h", userId = "u", password = PASSWORD }))
    assert.is_true(errors.is(e, "validation"))
    assert.same({ field = "auth.params.userid",
      rule = "required by authSpec 'Basic Authentication' of connection spec "
        .. "'azure-file-storage'",
      fix = "rename 'userId' to 'userid' (property names are case-sensitive)",
      keyword = "required", missing = "userid" }, e.problems[1])
    local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
    local bad = flow_body("V flow", fs.id, "s", "t")
    bad.scheduleParams = { startTime = "1597784298", frequency = "minute",
      interval = "30" }
    e = raised(aep.flows.create, aep.flows, bad, { draft = true })
    local fields = { e.problems[1].field, e.problems[2].field }
    table.sort(fields)
    assert.same({ "scheduleParams.interval", "scheduleParams.startTime" },
      fields)
    assert.falsy(tostring(e):find(PASSWORD, 1, true))
    assert.same(before, raw:census())
  end)

  it("catches the tutorial's userId mistake: a warning at draft creation, "
    .. "an error at publish, fixed by an update", function()
    local lines = capture_log()
    local base = aep.connections:create(base_body("U base",
      { host = "h", userId = "u", password = PASSWORD }), { draft = true })
    log.configure{}
    assert.same({ "auth.params.userid" }, { base:missing()[1].field })
    assert.equal(1, #base:missing())
    assert.equal(1, #lines)
    assert.truthy(lines[1]:find('draft base connection "U base" is incomplete; '
      .. "before publishing add: auth.params.userid (rename 'userId' to "
      .. "'userid'", 1, true))
    local e = raised(base.publish, base)
    assert.is_true(errors.is(e, "validation"))
    assert.equal("auth.params.userid", e.problems[1].field)
    assert.equal("draft", state_of("/connections", base.id))
    base:update{ { op = "remove", path = "/auth/params/userId" },
      { op = "add", path = "/auth/params/userid", value = "u" } }
    base:publish()
    assert.equal("enabled", state_of("/connections", base.id))
  end)

  it("refuses a draft where the spec does not support drafts", function()
    local before = raw:census()
    local e = raised(aep.connections.create, aep.connections, { name = "H",
      auth = { specName = "Streaming Connection", params = { sourceId = "s",
        dataType = "xdm" } }, connectionSpec = { id = emu.HTTP_API,
        version = "1.0" } }, { draft = true })
    assert.equal("cannot create a draft base connection: connection spec "
      .. "'http-api' does not support drafts (attributes.isDraftModeSupported "
      .. "is not true); create it without {draft = true}", tostring(e))
    assert.same(before, raw:census())
  end)

  it("prints a service error as one structured line", function()
    local fs = aep:flow_spec{ name = "CloudStorageToAEP" }
    local base = aep.connections:create(base_body("D base"))
    local src = aep.source_connections:create(source_body("D source", base.id))
    local tgt = aep.target_connections:create(target_body("D target"))
    aep.flows:create(flow_body("D flow", fs.id, src.id, tgt.id))
    local e = raised(base.delete, base)
    assert.same({ "service", 400, "1418-400", "DELETE" },
      { e.kind, e.status, e.code, e.method })
    local line = tostring(e)
    assert.is_nil(line:find("\n"))
    local head = "DELETE /data/foundation/flowservice/connections/" .. base.id
      .. ": 400 1418-400 The base connection " .. base.id .. " cannot be deleted"
    assert.equal(head, line:sub(1, #head))
  end)

  it("deletes, and deleting again is harmless", function()
    local base = aep.connections:create(base_body("X base"), { draft = true })
    assert.is_true(base:delete())
    assert.is_nil(aep.connections:get(base.id))
    assert.is_true(base:delete())
  end)

  it("sends nothing mutating in a dry run and plans every change", function()
    local dry_settings = { dry_run = true }
    for k, v in pairs(settings) do dry_settings[k] = v end
    local dry = flowlua.connect(dry_settings)
    plan.reset()
    local before = raw:census()
    local fs = dry:flow_spec{ name = "CloudStorageToAEP" }
    local base = dry.connections:create(base_body("Dry base"), { draft = true })
    local src = dry.source_connections:create(source_body("Dry source",
      base.id), { draft = true })
    local tgt = dry.target_connections:create(target_body("Dry target"),
      { draft = true })
    local flow = dry.flows:create(flow_body("Dry flow", fs.id, src.id, tgt.id),
      { draft = true })
    flow:update(SCHEDULE)
    flow:publish_all()
    -- Real entities too: read through the dry-run client, then changed.
    local real = aep.connections:create(base_body("Dry real"), { draft = true })
    local seen = dry.connections:get(real.id)
    seen:update{ { op = "replace", path = "/description", value = "x" } }
    seen:publish()
    seen:delete()
    local stored = raw:get("/connections/" .. real.id).items[1]
    -- the raw item's description carries the create's marker
    assert.same({ real.etag, "draft", real.description },
      { stored.etag, stored.state, marker.strip(stored.description) })
    before.connections = before.connections + 1
    assert.same(before, raw:census())
    local actions = {}
    for i, s in ipairs(plan.steps()) do
      actions[i] = s.action .. " " .. s.kind
    end
    assert.same({ "create connection", "create source", "create target",
      "create flow", "update flow", "publish connection", "publish source",
      "publish target", "publish flow", "update connection",
      "publish connection", "delete connection" }, actions)
    local text = plan.render()
    assert.falsy(text:find(PASSWORD, 1, true))
    assert.truthy(text:find('"password":"***"', 1, true))
    assert.equal("dry-run:connection:1", base.id)
    assert.is_nil(base.auth.params.password)
  end)
end)
