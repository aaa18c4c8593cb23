-- `--state FILE`: every change persisted atomically (mode 0600) and
-- reloaded at start; corrupt files are clear errors; `flowlua run
-- --emulator` keeps drafts between runs.
local emu = require("support.emulator")
local json = require("flowlua.json")
local proc = require("support.proc")
local sys = require("flowlua.core").sys
local fs = require("support.fs")

describe("emulator --state", function()
  local dir, state

  before_each(function()
    dir = fs.tmpdir()
    state = dir .. "/state.json"
  end)

  after_each(function()
    fs.remove(dir)
  end)

  it("persists every sandbox and reloads it after a restart", function()
    local p = assert(emu.spawn({ "--state", state }))
    local prod = emu.client(p.url)
    local dev = emu.client(p.url, { sandbox = "dev" })
    local a = prod:post("/connections?mode=draft", emu.base_body()).json
    local b = dev:post("/connections", emu.base_body()).json
    assert.equal(384, sys.stat_mode(state))   -- 0600
    assert.equal(143, p:stop())

    p = assert(emu.spawn({ "--state", state }))
    prod = emu.client(p.url)
    dev = emu.client(p.url, { sandbox = "dev" })
    local got = prod:get("/connections/" .. a.id).json.items[1]
    assert.equal(a.etag, got.etag)
    assert.equal("draft", got.state)
    assert.equal(b.etag, dev:get("/connections/" .. b.id).json.items[1].etag)
    assert.equal(404, prod:get("/connections/" .. b.id).status)
    -- the secret was kept: the draft publishes with its password
    assert.equal(200, prod:post("/connections/" .. a.id
      .. "/action?op=publish").status)
    p:stop()
  end)

  it("writes nothing for a refused change", function()
    local p = assert(emu.spawn({ "--state", state }))
    local c = emu.client(p.url)
    local a = c:post("/connections", emu.base_body()).json
    local before = fs.read(state)
    local res = c:patch("/connections/" .. a.id, json.array{ { op = "remove",
      path = "/auth/params/host" } }, { ["If-Match"] = a.etag })
    assert.equal(400, res.status)
    assert.equal(before, fs.read(state))
    p:stop()
  end)

  it("refuses a corrupt state file, naming it", function()
    fs.write(state, '{"format": "flowlua-emulator-state", ')
    local p, err, code = emu.spawn({ "--state", state })
    assert.is_nil(p)
    assert.equal(1, code)
    assert.matches("^flowlua: emulator state file " .. state:gsub("%p", "%%%0")
      .. " is corrupt: ", err)
  end)

  it("refuses a JSON file that is not a state file", function()
    fs.write(state, '{"hello": "world"}')
    local _, err, code = emu.spawn({ "--state", state })
    assert.equal(1, code)
    assert.equal("flowlua: emulator state file " .. state .. " is corrupt: "
      .. "not a flowlua emulator state file\n", err)
  end)

  it("keeps drafts between `flowlua run --emulator` runs", function()
    local script = dir .. "/draft.lua"
    fs.write(script, [[
local runtime = require("flowlua.runtime")
local o = runtime.overrides
local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  return out
end
local tok = sh(("curl -s -X POST %s/ims/token/v3 -d grant_type=client_credentials"
  .. " -d client_id=%s -d client_secret=%s -d scope=openid"):format(
  o.ims_url, o.client_id, o.client_secret)):match('"access_token":"([^"]+)"')
local h = ("-H 'Authorization: Bearer %s' -H 'x-api-key: %s' "
  .. "-H 'x-gw-ims-org-id: %s' -H 'x-sandbox-name: prod'"):format(tok,
  o.client_id, o.org_id)
local url = o.endpoint .. "/data/foundation/flowservice/connections"
if arg[1] == "create" then
  print(sh(("curl -s -o /dev/null -w '%%{http_code}' %s -X POST %s?mode=draft"
    .. " -H 'Content-Type: application/json' -d '%s'"):format(h, url, arg[2])))
else
  print(sh(("curl -s %s '%s?count=true'"):format(h, url)))
end
]])
    local body = json.encode(emu.base_body())
    local out, err, code = proc.run({ "run", "--emulator", script, "create",
      body }, { cwd = dir })
    assert.equal("", err)
    assert.equal(0, code)
    assert.equal("201\n", out)
    assert.equal(384, sys.stat_mode(dir .. "/.flowlua/emulator.json"))
    local _
    out, _, code = proc.run({ "run", "--emulator", script, "count" },
      { cwd = dir })
    assert.equal(0, code)
    assert.equal('{"count":1}\n', out)
    out = proc.run({ "run", "--emulator=" .. dir .. "/other.json", script,
      "count" }, { cwd = dir })
    assert.equal('{"count":0}\n', out)
  end)
end)
