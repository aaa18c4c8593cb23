-- `flowlua plan` and `flowlua apply` end to end: an emulator in its own
-- process, a desired-state file on disk, the flowlua executable run as a
-- real process; drift made through raw API calls, as the UI would make
-- it, never through the client under test.
local proc = require "support.proc"
local emu = require "support.emulator"
local fsvc = require "support.flow_service"
local trees = require "support.trees"
local json = require "flowlua.json"

local FLOWS = [[
return {
  acme = {
    base = { name = "acme base", spec = "%s",
      auth = { specName = "Basic Authentication",
        params = { host = "acme.file.core.windows.net", userid = "acme",
          password = "env:AFS_KEY" } } },
    source = { name = "acme source", data = { format = "delimited" },
      params = { path = "/acme/account.csv", type = "file" } },
    target = { name = "acme target", spec = "%s",
      data = { schema = { id = "https://ns.adobe.com/acme/schemas/1",
        version = "application/vnd.adobe.xed-full+json;version=1" } },
      params = { dataSetId = "5f3c3cedb2805c194ff0b69a" } },
    flow = { name = "acme flow", spec = "CloudStorageToAEP" },
  },
  beta = {
    state = "disabled",
    base = { name = "beta base", spec = "%s",
      auth = { specName = "Basic Authentication",
        params = { host = "beta.file.core.windows.net", userid = "beta",
          password = "env:AFS_KEY" } } },
    source = { name = "beta source", data = { format = "delimited" },
      params = { path = "/beta/account.csv", type = "file" } },
    target = { name = "beta target", spec = "%s",
      data = { schema = { id = "https://ns.adobe.com/acme/schemas/1",
        version = "application/vnd.adobe.xed-full+json;version=1" } },
      params = { dataSetId = "5f3c3cedb2805c194ff0b69a" } },
    flow = { name = "beta flow", spec = "CloudStorageToAEP" },
  },
}
]]

local SECRET = "pl4n-s3cret-value"

describe("flowlua plan and apply", function()
  local dir, server, file, settings

  local function flowlua(args)
    local argv = {}
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    argv[#argv + 1] = "--sandbox"
    argv[#argv + 1] = "plan"
    return proc.run(argv, { cwd = dir,
      env = fsvc.env(settings, { AFS_KEY = SECRET }) })
  end

  -- A raw request below the Flow Service base, as the UI would send it.
  local function raw(method, path, body, headers)
    local r = fsvc.raw(settings)
    local h = { ["Content-Type"] = "application/json" }
    for k, v in pairs(r.headers) do h[k] = v end
    for k, v in pairs(headers or {}) do h[k] = v end
    local res = assert(r.http:request{ method = method, url = r.url .. path,
      headers = h, body = body and json.encode(body) or nil })
    r.http:close()
    assert(res.status < 300, path .. ": " .. res.status .. " " .. res.body)
    return json.decode(res.body)
  end

  local function find(collection, name)
    local s = trees.seeder(settings, "plan")
    local found
    for _, e in ipairs(s.raw:all("/" .. collection)) do
      if e.name == name then found = e end
    end
    s:close()
    return found
  end

  setup(function()
    dir = fsvc.tmpdir()
    server = assert(emu.spawn{ "--state", dir .. "/emulator.json" })
    settings = trees.settings_for(server.url, "plan")
    file = dir .. "/flows.lua"
    local f = assert(io.open(file, "wb"))
    f:write(FLOWS:format(emu.AZURE, emu.DATA_LAKE, emu.AZURE, emu.DATA_LAKE))
    f:close()
  end)

  teardown(function()
    if server then server:stop() end
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("plans every entity of a new tree as a create, and exits 2 under "
    .. "--detailed-exitcode", function()
    local out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(2, code, err)
    assert.equal(table.concat({
      '+ create base connection "acme base" (tree acme)',
      '+ create source connection "acme source" (tree acme)',
      '+ create target connection "acme target" (tree acme)',
      '+ create flow "acme flow" (tree acme)',
      '+ create base connection "beta base" (tree beta)',
      '+ create source connection "beta source" (tree beta)',
      '+ create target connection "beta target" (tree beta)',
      '+ create flow "beta flow" (tree beta)',
      '> disable flow "beta flow" (tree beta)',
      "8 to create, 0 to update, 0 to delete, 0 to publish, 0 to enable, "
        .. "1 to disable", "" }, "\n"), out)
    assert.same({}, select(2, trees.census(settings)).flows or {})
  end)

  it("limits a plan to one tree with --target, as JSON", function()
    local out, err, code = flowlua{ "plan", "--json", "--target", "acme",
      file }
    assert.equal(0, code, err)
    local doc = json.decode(out)
    assert.same({ create = 4, update = 0, delete = 0, publish = 0,
      enable = 0, disable = 0 }, doc.counts)
    assert.equal(4, #doc.steps)
    assert.equal("acme", doc.steps[4].tree)
  end)

  it("applies the plan parents first, then plans no changes (exit 0)",
    function()
    local out, err, code = flowlua{ "apply", file }
    assert.equal(0, code, err)
    assert.matches('created flow "acme flow" %x+%-', out)
    assert.matches("Apply complete: 8 created, 0 updated, 0 deleted\n$", out)
    assert.falsy((out .. err):find(SECRET, 1, true))
    local counts = trees.census(settings)
    assert.same({ 2, 2, 2, 2 }, { counts.connections,
      counts.sourceConnections, counts.targetConnections, counts.flows })
    local acme, beta = find("flows", "acme flow"), find("flows", "beta flow")
    assert.equal("enabled", acme.state)
    assert.equal("disabled", beta.state)
    local src = find("sourceConnections", "acme source")
    assert.same({ src.id }, acme.sourceConnectionIds)
    out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(0, code, err)
    assert.equal("No changes: the sandbox matches the file.\n", out)
  end)

  it("shows drift made through raw API calls as an update with its JSON "
    .. "Patch and an enable, and applies it", function()
    local src = find("sourceConnections", "acme source")
    raw("PATCH", "/sourceConnections/" .. src.id, { { op = "replace",
      path = "/params/path", value = "/elsewhere.csv" } },
      { ["If-Match"] = src.etag })
    local flow = find("flows", "acme flow")
    raw("POST", "/flows/" .. flow.id .. "/action?op=disable")
    local out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(2, code, err)
    assert.equal(table.concat({
      '~ update source connection "acme source" (tree acme) ' .. src.id,
      '    {"op":"replace","path":"/params","value":{"path":'
        .. '"/acme/account.csv","type":"file"}}',
      '> enable flow "acme flow" (tree acme) ' .. flow.id,
      "0 to create, 1 to update, 0 to delete, 0 to publish, 1 to enable, "
        .. "0 to disable", "" }, "\n"), out)
    out, err, code = flowlua{ "apply", file }
    assert.equal(0, code, err)
    local tail = '\nupdated source connection "acme source" ' .. src.id
      .. '\nenabled flow "acme flow" ' .. flow.id
      .. "\nApply complete: 0 created, 1 updated, 0 deleted\n"
    assert.equal(tail, out:sub(-#tail))
    assert.equal("/acme/account.csv",
      find("sourceConnections", "acme source").params.path)
    assert.equal("enabled", find("flows", "acme flow").state)
    out, err, code = flowlua{ "plan", "--detailed-exitcode", file }
    assert.equal(0, code, err .. out)
  end)

  it("applies a saved plan only while the entities it read are unchanged",
    function()
    local saved = dir .. "/plan.json"
    local src = find("sourceConnections", "beta source")
    raw("PATCH", "/sourceConnections/" .. src.id, { { op = "replace",
      path = "/params/path", value = "/drift.csv" } },
      { ["If-Match"] = src.etag })
    local out, err, code = flowlua{ "plan", "--out", saved, "--target",
      "beta", file }
    assert.equal(0, code, err)
    assert.matches("0 to create, 1 to update, 0 to delete\n$", out)
    local doc = json.decode(assert(io.open(saved)):read("a"))
    assert.same({ "beta" }, doc.trees)
    assert.equal(1, #doc.steps)
    -- the file changing after the plan is saved does not matter: the
    -- saved plan is applied as planned
    local text = FLOWS:format(emu.AZURE, emu.DATA_LAKE, emu.AZURE,
      emu.DATA_LAKE)
    local f = assert(io.open(file, "wb"))
    f:write((text:gsub("/beta/account.csv", "/beta/later.csv")))
    f:close()
    local flow = find("flows", "beta flow")
    out, err, code = flowlua{ "apply", "--plan", saved }
    f = assert(io.open(file, "wb"))
    f:write(text)
    f:close()
    assert.equal(0, code, err)
    assert.matches("Apply complete: 0 created, 1 updated, 0 deleted\n$", out)
    assert.equal("/beta/account.csv",
      find("sourceConnections", "beta source").params.path)
    -- applied, the source's etag moved on: the same plan is now stale
    local now = find("sourceConnections", "beta source")
    out, err, code = flowlua{ "apply", "--plan", saved }
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal("flowlua: the sandbox changed since the plan was saved; "
      .. "plan again:\n  tree beta source: " .. doc.etags.beta.source
      .. " when planned, " .. now.etag .. " now\n", err)
    assert.equal(flow.etag, find("flows", "beta flow").etag)
  end)

  it("refuses a secret written inline, and exits 1 under "
    .. "--detailed-exitcode", function()
    local bad = dir .. "/inline.lua"
    local f = assert(io.open(bad, "wb"))
    f:write((FLOWS:format(emu.AZURE, emu.DATA_LAKE, emu.AZURE, emu.DATA_LAKE)
      :gsub('"env:AFS_KEY"', '"' .. SECRET .. '"')))
    f:close()
    local out, err, code = flowlua{ "plan", "--detailed-exitcode", bad }
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal('flowlua: tree "acme" base: secret field auth.params.password '
      .. 'must be a reference ("env:NAME"), never inline\n', err)
  end)

  it("names an unknown --target as a usage error", function()
    local _, err, code = flowlua{ "plan", "--target", "nope", file }
    assert.equal(2, code)
    assert.matches("^flowlua: %-%-target nope: no such tree in ", err)
  end)

  it("exits 1 on a usage error under --detailed-exitcode, where 2 means "
    .. "changes", function()
    local out, err, code = flowlua{ "plan", "--detailed-exitcode",
      "--target", "nope", file }
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^flowlua: %-%-target nope: no such tree in ", err)
    out, err, code = flowlua{ "plan", "--bogus", "--detailed-exitcode", file }
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^flowlua: unknown option '%-%-bogus'\nusage: flowlua plan ",
      err)
    out, err, code = flowlua{ "plan", "--detailed-exitcode" }
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^flowlua: give exactly one desired%-state FILE\n", err)
    -- without the flag, the same mistake is the usual usage error
    out, err, code = flowlua{ "plan", "--bogus", file }
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^flowlua: unknown option '%-%-bogus'\n", err)
  end)
end)
