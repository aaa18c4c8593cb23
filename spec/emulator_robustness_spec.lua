-- Robustness: thousands of mutated requests (bodies with fields removed
-- or retyped, random JSON Patch operations, random list queries) go
-- straight into the emulator's real request handler; every one must be
-- answered with a status below 500, and the store must stay consistent.
-- (The behaviour specs go over HTTP; this one calls the handler directly
-- only to afford many requests.)
local emu = require("support.emulator")
local json = require("flowlua.json")

local BASE = emu.BASE

describe("emulator robustness", function()
  local handle, headers, seed

  local function rand(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n + 1
  end

  local function request(method, path, query, body, extra)
    local h = {}
    for k, v in pairs(headers) do h[k] = v end
    for k, v in pairs(extra or {}) do h[k] = v end
    local ok, res = pcall(handle, { method = method, path = path,
      query = query or "", headers = h, body = body or "", remote = "t" })
    assert(ok, res)
    return res
  end

  local ODD = { 0, -1, 1.5, "", "x", true, false, json.null,
    json.array(), {}, json.array{ 1, "a" }, { k = { deeper = 1 } } }

  -- Mutates a decoded body in place: removes, retypes or adds fields.
  local function mutate(t, depth)
    if type(t) ~= "table" or depth > 3 then return end
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local r = rand(6)
      if r == 1 then t[k] = nil
      elseif r == 2 then t[k] = ODD[rand(#ODD)]
      elseif r == 3 then mutate(t[k], depth + 1) end
    end
    if rand(4) == 1 and getmetatable(t) ~= json.array then
      t["extra" .. rand(3)] = ODD[rand(#ODD)]
    end
  end

  setup(function()
    seed = 20261128
    handle = require("flowlua.emulator.handler")('{"token_ttl": 3600}')
    local res = handle{ method = "POST", path = "/ims/token/v3", query = "",
      headers = { ["content-type"] = "application/x-www-form-urlencoded" },
      body = "grant_type=client_credentials&client_id=r&client_secret=s"
        .. "&scope=openid", remote = "t" }
    headers = { authorization = "Bearer " .. json.decode(res.body)
      .access_token, ["x-api-key"] = "r", ["x-gw-ims-org-id"] = emu.ORG,
      ["x-sandbox-name"] = "prod", ["content-type"] = "application/json" }
  end)

  it("answers mutated creates, patches and queries below 500", function()
    local ids = { connections = {}, sourceConnections = {},
      targetConnections = {}, flows = {} }
    local function pick(kind)
      local list = ids[kind]
      return list[#list > 0 and rand(#list) or 1]
        or "00000000-0000-4000-8000-000000000000"
    end
    local statuses = {}
    for _ = 1, 1500 do
      local kinds = { "connections", "sourceConnections",
        "targetConnections", "flows" }
      local kind = kinds[rand(4)]
      local body = ({ connections = emu.base_body(),
        sourceConnections = emu.source_body(pick("connections")),
        targetConnections = emu.target_body(),
        flows = emu.flow_body(pick("sourceConnections"),
          pick("targetConnections")) })[kind]
      mutate(body, 1)
      local res = request("POST", BASE .. "/" .. kind,
        rand(2) == 1 and "mode=draft" or "", json.encode(body))
      statuses[res.status] = (statuses[res.status] or 0) + 1
      assert.is_true(res.status < 500, res.body)
      if res.status == 201 then
        table.insert(ids[kind], json.decode(res.body).id)
      end
      local id = pick(kind)
      local got = request("GET", BASE .. "/" .. kind .. "/" .. id)
      if got.status == 200 then
        local e = json.decode(got.body).items[1]
        local op = ({ "add", "replace", "remove", "ADD", "copy" })[rand(5)]
        local paths = { "/name", "/auth/params/host", "/params/path",
          "/data/format", "/scheduleParams", "/transformations/0",
          "/sourceConnectionIds/0", "/description", "/x/y", "/" }
        local p = json.array{ { op = op, path = paths[rand(#paths)],
          value = ODD[rand(#ODD)] } }
        res = request("PATCH", BASE .. "/" .. kind .. "/" .. id, "",
          json.encode(p), { ["if-match"] = e.etag })
        assert.is_true(res.status < 500, res.body)
        res = request("POST", BASE .. "/" .. kind .. "/" .. id .. "/action",
          "op=" .. ({ "publish", "enable", "disable", "nope" })[rand(4)])
        assert.is_true(res.status < 500, res.body)
      end
      local q = ({ "property=name==a", "orderby=-createdAt", "limit=3",
        "property=state!=draft&limit=2", "count=true",
        "property=auth.params[]==1", "orderby=params.path,-name" })[rand(7)]
      res = request("GET", BASE .. "/" .. kind, q)
      assert.is_true(res.status < 500, res.body)
      if rand(10) == 1 then
        res = request("DELETE", BASE .. "/" .. kind .. "/" .. id)
        assert.is_true(res.status < 500, res.body)
      end
    end
    -- Both outcomes happened: the mutations are not all refused.
    assert.is_true((statuses[201] or 0) > 50)
    assert.is_true((statuses[400] or 0) > 50)
  end)

  it("keeps every listed entity readable by id", function()
    for _, kind in ipairs({ "connections", "sourceConnections",
        "targetConnections", "flows" }) do
      local res = request("GET", BASE .. "/" .. kind, "limit=1000")
      for _, e in ipairs(json.decode(res.body).items) do
        local got = request("GET", BASE .. "/" .. kind .. "/" .. e.id)
        assert.equal(200, got.status)
        assert.equal(e.etag, json.decode(got.body).items[1].etag)
      end
    end
  end)
end)
