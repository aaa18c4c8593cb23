-- Every operation of Adobe's Flow Service OAS (45) against a real
-- emulator process, plus the behaviours of the ones beyond CRUD: the
-- connection test, explore and preview, configs, search and spec
-- authoring.
local emu = require("support.emulator")
local json = require("flowlua.json")
local sys = require("flowlua.core").sys

local DLZ = "26f526f2-58f4-4712-961d-e41bf1ccc0e8"
local PROVIDER = "0ed90a81-07f4-4586-8190-b40eccef1c5a"

-- What the emulator's cloud storage holds (--files).
local FILES = {
  ["acme/accounts.csv"] = "id;name\n1;Ann\n2;Bo\n",
  ["acme/events.json"] = '{"id":1,"tags":["a"]}\n{"id":2}\n',
  ["top.csv"] = "a\n1\n",
}

describe("emulator operations", function()
  local e, c

  setup(function()
    e, c = emu.spawn_storage(FILES, { "--time-scale", "3600" })
  end)

  teardown(function() e:stop() end)

  it("tests a connection: true, false for a credential marked wrong", function()
    local good = c:post("/connections", emu.base_body()).json
    assert.same({ result = true }, c:get("/connections/" .. good.id .. "/test").json)
    local bad = c:post("/connections", emu.base_body{
      host = "acme.file.core.windows.net", userid = "wrong-acme",
      password = "s3cret" }).json
    assert.same({ result = false }, c:get("/connections/" .. bad.id .. "/test").json)
    local denied = c:get("/connections/" .. bad.id .. "/explore?objectType=root")
    assert.same(400, denied.status)
    assert.truthy(denied.body:find("auth.params.userid", 1, true))
  end)

  it("explores the storage: root, folder, and a file's preview", function()
    local conn = c:post("/connections", emu.base_body()).json
    local p = "/connections/" .. conn.id .. "/explore"
    assert.same({
      { type = "folder", name = "acme", path = "/acme/", canPreview = false,
        canFetchSchema = false },
      { type = "file", name = "top.csv", path = "/top.csv", canPreview = true,
        canFetchSchema = true } }, c:get(p .. "?objectType=ROOT").json)
    local folder = c:get(p .. "?objectType=folder&object=/acme").json
    assert.same({ "accounts.csv", "events.json" },
      { folder[1].name, folder[2].name })
    -- The structure, as the cloud storage explore tutorial shows it.
    assert.same({ { name = "id", type = "String" }, { name = "name",
      type = "String" } }, c:get(p .. "?objectType=FILE&object=/acme/"
      .. "accounts.csv&fileType=DELIMITED&columnDelimiter=;").json)
    -- With preview=true, rows as the Data Landing Zone tutorial shows them.
    local csv = c:get(p .. "?objectType=FILE&object=/acme/accounts.csv"
      .. "&fileType=delimited&preview=true&columnDelimiter=;").json
    assert.same({ format = "flat", schema = { columns = {
      { name = "id", type = "string", xdm = { type = "string" } },
      { name = "name", type = "string", xdm = { type = "string" } } } },
      data = { { id = "1", name = "Ann" }, { id = "2", name = "Bo" } } }, csv)
    local js = c:get(p .. "?objectType=file&object=/acme/events.json"
      .. "&fileType=json&preview=true&previewCount=1").json
    assert.same({ format = "hierarchical", schema = { type = "object",
      properties = { id = { type = "integer" }, tags = { type = "array" } } },
      data = { { id = 1, tags = { "a" } } } }, js)
    assert.same(400, c:get(p .. "?objectType=folder&object=/../etc").status)
  end)

  it("explores the Data Landing Zone through its connection spec", function()
    local res = c:get("/connectionSpecs/" .. DLZ .. "/explore?objectType=root")
    assert.same(200, res.status)
    assert.same("acme", res.json[1].name)
    local refused = c:get("/connectionSpecs/" .. emu.AZURE
      .. "/explore?objectType=root")
    assert.same(400, refused.status)
  end)

  it("answers the provider ops FINALIZE and FINALIZE_UPDATE with 1402-400",
    function()
      local conn = c:post("/connections", emu.base_body()).json
      for _, op in ipairs({ "FINALIZE", "FINALIZE_UPDATE" }) do
        local res = c:post("/connections/" .. conn.id .. "/action?op=" .. op
          .. "&subOp=APPLY")
        assert.same(400, res.status)
        assert.truthy(res.body:find("FLOW-1402-400", 1, true), res.body)
        assert.truthy(res.body:find("supported for provider requests only",
          1, true), res.body)
      end
    end)

  it("answers configs with an array", function()
    local conn = c:post("/connections", emu.base_body()).json
    assert.same(json.array(), c:get("/connections/" .. conn.id .. "/configs").json)
    assert.same(json.array(), c:get("/connectionSpecs/" .. emu.AZURE
      .. "/configs").json)
    assert.same(404, c:get("/connections/nope/configs").status)
  end)

  it("searches by text or filter, with limit, count and paging", function()
    c:post("/connections", (function()
      local b = emu.base_body(); b.name = "Needle One"; return b end)())
    c:post("/connections", (function()
      local b = emu.base_body(); b.name = "needle two"; return b end)())
    local found = c:post("/connections/search", { queryString = "NEEDLE" }).json
    assert.same(2, #found.items)
    local counted = c:post("/connections/search",
      { queryString = "name==Needle One", count = true }).json
    assert.same({ count = 1 }, counted)
    local page = c:post("/connections/search",
      { queryString = "needle", limit = 1 }).json
    local href = page._links.next.href
    assert.truthy(href:find("^/connections/search%?continuationToken="))
    local token = href:match("continuationToken=(.*)$")
    local second = c:post("/connections/search?continuationToken=" .. token,
      { queryString = "needle", limit = 1 }).json
    assert.same("needle two", second.items[1].name)
    local flows = c:post("/flows/search", { queryString = "",
      projectionFields = "name" })
    assert.same(200, flows.status)
    local specs = c:post("/flowSpecs/search", { queryString = "CloudStorage" }).json
    assert.same("CloudStorageToAEP", specs.items[1].name)
  end)

  it("authors specs, and refuses to change Adobe's", function()
    local res = c:post("/connectionSpecs", { name = "my-source",
      providerId = PROVIDER, version = "1.0",
      attributes = { category = "Cloud Storage" } })
    assert.same(201, res.status)
    local id = res.json.id
    assert.same("my-source", c:get("/connectionSpecs/" .. id).json.items[1].name)
    local put = c:request("PUT", "/connectionSpecs/" .. id,
      { name = "my-source-2", providerId = PROVIDER, version = "1.1" })
    assert.same(200, put.status)
    assert.same("my-source-2", put.json.name)
    assert.same(id, put.json.id)
    local spec = c:post("/flowSpecs", { name = "my-flow-spec", providerId = PROVIDER,
      sourceConnectionSpecIds = { id }, targetConnectionSpecIds = { emu.DATA_LAKE } })
    assert.same(201, spec.status)
    assert.same(200, c:request("PUT", "/flowSpecs/" .. spec.json.id,
      { name = "my-flow-spec-2", providerId = PROVIDER }).status)
    local refused = c:request("PUT", "/connectionSpecs/" .. emu.AZURE,
      { name = "mine now", providerId = PROVIDER })
    assert.same(400, refused.status)
    assert.truthy(refused.body:find("Not entitled", 1, true))
  end)

  it("answers all 45 OAS operations", function()
    local answered = {}
    local function op(name, res, status)
      assert.same(status, res.status, name .. ": " .. res.body)
      answered[name] = true
      return res
    end
    -- create<Kind>Connection, get<Kind>Connections, retrieve..., patch...
    -- (renamed `name`) and `publish` (on a draft) of `body` at `path`;
    -- the connection created.
    local function connection_ops(kind, path, body, name, publish)
      local made = op("create" .. kind .. "Connection", c:post(path, body), 201).json
      op("get" .. kind .. "Connections", c:get(path), 200)
      op("retrieve" .. kind .. "Connection", c:get(path .. "/" .. made.id), 200)
      op("patch" .. kind .. "Connection", c:patch(path .. "/" .. made.id,
        { { op = "replace", path = "/name", value = name } },
        { ["If-Match"] = made.etag }), 200)
      local draft = c:post(path .. "?mode=draft", body).json
      op(publish, c:post(path .. "/" .. draft.id .. "/action?op=PUBLISH"), 200)
      return made
    end
    -- list<Kind>Specs, create<Kind>Spec (named `name`), retrieve<Kind>Spec
    -- (the catalogue's `known`) and update<Kind>Spec of the one created.
    local function spec_ops(kind, path, known, name)
      op("list" .. kind .. "Specs", c:get(path), 200)
      local made = op("create" .. kind .. "Spec", c:post(path,
        { name = name, providerId = PROVIDER }), 201).json
      op("retrieve" .. kind .. "Spec", c:get(path .. "/" .. known), 200)
      op("update" .. kind .. "Spec", c:request("PUT", path .. "/" .. made.id,
        { name = name .. "-2", providerId = PROVIDER }), 200)
    end
    local B = emu.base_body()
    local conn = op("createConnection", c:post("/connections?mode=draft", B), 201).json
    op("listConnections", c:get("/connections"), 200)
    local got = op("retrieveConnection", c:get("/connections/" .. conn.id), 200)
    op("testConnection", c:get("/connections/" .. conn.id .. "/test"), 200)
    op("getByConnectionId", c:get("/connections/" .. conn.id
      .. "/explore?objectType=root"), 200)
    op("exploreConfigByConnectionId", c:get("/connections/" .. conn.id
      .. "/configs"), 200)
    op("getConnectionsByFilters", c:post("/connections/search", {}), 200)
    local patched = op("patchConnection", c:patch("/connections/" .. conn.id .. "/",
      { { op = "replace", path = "/name", value = "renamed" } },
      { ["If-Match"] = got.json.items[1].etag }), 200).json
    op("performAction", c:post("/connections/" .. conn.id .. "/action?op=PUBLISH",
      nil, { ["If-Match"] = patched.etag }), 200)
    spec_ops("Connection", "/connectionSpecs", emu.AZURE, "authored")
    op("exploreByConnectionSpecId", c:get("/connectionSpecs/" .. DLZ
      .. "/explore?objectType=root"), 200)
    op("configByConnectionSpecId", c:get("/connectionSpecs/" .. emu.AZURE
      .. "/configs"), 200)
    local src_body = emu.source_body(conn.id)
    src_body.params.path = "/acme/accounts.csv"
    src_body.data.columnDelimiter = ";"
    local src = connection_ops("Source", "/sourceConnections", src_body, "src",
      "performAction_1")
    local tgt = connection_ops("Target", "/targetConnections",
      emu.target_body(), "tgt", "performAction_2")
    local fb = emu.flow_body(src.id, tgt.id)
    fb.scheduleParams = { startTime = os.time() + 86400, frequency = "once" }
    local flow = op("createFlow", c:post("/flows", fb), 201).json
    op("listFlows", c:get("/flows"), 200)
    op("retrieveFlow", c:get("/flows/" .. flow.id), 200)
    local fp = op("patchFlow", c:patch("/flows/" .. flow.id,
      { { op = "replace", path = "/name", value = "flow" } },
      { ["If-Match"] = flow.etag }), 200).json
    op("getFlowsByFilters", c:post("/flows/search", { queryString = "flow" }), 200)
    op("postStateTransition", c:post("/flows/" .. flow.id .. "/action?op=ENABLE",
      nil, { ["If-Match"] = fp.etag }), 200)
    spec_ops("Flow", "/flowSpecs", emu.CLOUD_TO_AEP, "fs")
    op("searchFlowSpecs", c:post("/flowSpecs/search", {}), 200)
    local run = op("createFlowRun", c:post("/runs", { flowId = flow.id }), 201).json
    op("listFlowRuns", c:get("/runs"), 200)
    op("retrieveFlowRun", c:get("/runs/" .. run.id), 200)
    local done = emu.runs_until(c, flow.id, emu.finished(1))[1]
    assert.are_not.equal("inProgress", done.metrics.statusSummary.status)
    op("updateRun", c:request("PUT", "/runs/" .. done.id, { providerRefId = "p" },
      { ["If-Match"] = done.etag }), 200)
    local zero = c:post("/runs", { flowId = flow.id, params = {
      windowStartTime = os.time() + 10 * 86400,
      windowEndTime = os.time() + 10 * 86400 } }).json
    local deadline = sys.monotime() + 5
    repeat
      sys.sleep(0.05)
      local r = c:get("/runs/" .. zero.id).json.items[1]
    until r.metrics.statusSummary.status ~= "inProgress"
      or sys.monotime() > deadline
    op("postAction", c:post("/runs/" .. zero.id .. "/action?op=RE_TRIGGER"), 200)
    op("deleteByFlow", c:delete("/flows/" .. flow.id), 204)
    op("deleteSourceConnection", c:delete("/sourceConnections/" .. src.id), 204)
    op("deleteTargetConnection", c:delete("/targetConnections/" .. tgt.id), 204)
    op("deleteConnection", c:delete("/connections/" .. conn.id .. "/"), 204)
    local n = 0
    for _ in pairs(answered) do n = n + 1 end
    assert.same(45, n)
  end)
end)
