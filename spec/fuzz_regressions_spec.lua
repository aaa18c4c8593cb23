-- Every input that crashed a fuzz target (fuzz/*_fuzz.c), replayed the way
-- the target runs it, plus the same fault seen from outside where a real
-- client can send it. The inputs live in spec/fixtures/fuzz/<target>/;
-- the format of each target is described at the top of its C file.
local app = require("flowlua.emulator.app")
local config = require("flowlua.config")
local emu = require("support.emulator")
local json = require("flowlua.json")
local router = require("flowlua.emulator.router")
local fs = require("support.fs")

local DIR = "spec/fixtures/fuzz/"

local function inputs(target)
  local names = {}
  local p = assert(io.popen("ls " .. DIR .. target))
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  return names
end

-- ---------------------------------------------------------------------
-- emulator_fuzz: a sequence of requests against one emulator

local function header(res, name)
  for k, v in pairs(res.headers or {}) do
    if k:lower() == name then return v end
  end
end

local function check_response(res)
  assert.is_table(res)
  assert.is_nil(res.abort)
  assert.equal("integer", math.type(res.status))
  assert.is_true(res.status >= 200 and res.status < 500,
    "status " .. res.status .. ": " .. tostring(res.body))
  for k, v in pairs(res.headers) do
    assert.is_string(k)
    assert.is_string(v)
    assert.is_nil((k .. v):find("[\r\n%z]"))
  end
  local doc
  if (res.body or "") ~= "" and (header(res, "content-type") or "")
      :find("json", 1, true) then
    local err
    doc, err = json.decode(res.body)
    assert.is_nil(err)
  end
  return doc
end

local function parse(text, made, token)
  text = text:gsub("{(e?)(%d)}", function(e, n)
    local m = made[tonumber(n)]
    if m == nil then return nil end
    return e == "e" and m.etag or m.id
  end)
  local head, body = text:match("^(.-)\n\n(.*)$")
  if head == nil then head, body = text, "" end
  local first, rest = head:match("^([^\n]*)\n?(.*)$")
  local method, target = first:match("^(%S*) ?(.*)$")
  target = target:gsub("^@", router.BASE)
  local path, query = target:match("^([^?]*)%??(.*)$")
  local headers = { authorization = "Bearer " .. token,
    ["x-api-key"] = "fuzz", ["x-gw-ims-org-id"] = "FUZZ@AdobeOrg",
    ["x-sandbox-name"] = "prod", ["content-type"] = "application/json" }
  local seen = {}
  for line in rest:gmatch("[^\n]+") do
    local k, v = line:match("^([^:]*):%s*(.*)$")
    if k then
      k = k:lower()
      headers[k] = seen[k] and headers[k] .. ", " .. v or v
      seen[k] = true
    end
  end
  return { method = method, path = path, query = query, headers = headers,
    body = body, remote = "127.0.0.1:9" }
end

local function replay_emulator(input)
  local e = app.new{ client_id = "fuzz", client_secret = "fuzz-pw" }
  local tok = check_response(e:handle{ method = "POST", path = router.IMS,
    query = "", remote = "127.0.0.1:9", headers = {
      ["content-type"] = "application/x-www-form-urlencoded" },
    body = "grant_type=client_credentials&client_id=fuzz"
      .. "&client_secret=fuzz-pw&scope=openid" })
  local made, statuses = {}, {}
  for text in (input .. "\n===\n"):gmatch("(.-)\n===\n") do
    local res = e:handle(parse(text, made, tok.access_token))
    local doc = check_response(res)
    statuses[#statuses + 1] = res.status
    if res.status == 201 and type(doc) == "table"
        and type(doc.id) == "string" then
      made[#made + 1] = { id = doc.id, etag = tostring(doc.etag) }
    end
  end
  return statuses
end

-- ---------------------------------------------------------------------
-- config_fuzz: a profile file, optionally preceded by "profile=NAME"

local function replay_config(input)
  local profile, text = input:match("^profile=([^\n]*)\n(.*)$")
  if profile == nil then text = input end
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  local ok, res = pcall(config.load, { file = path, profile = profile })
  os.remove(path)
  if ok then
    for _, def in ipairs(config.SETTINGS) do
      local v = res[def.key]
      assert.is_true(v == nil or type(v) == "string", def.key)
    end
    return true
  end
  assert.is_string(res)
  assert.is_nil(res:find("%.lua:%d+:"))
  assert.is_true(res:sub(1, #path + 1) == path .. ":"
    or res:find("^profile ") ~= nil, res)
  return false, res:sub(#path + 3)
end

describe("fuzz regressions", function()
  describe("emulator_fuzz inputs", function()
    for _, name in ipairs(inputs("emulator")) do
      it("handles " .. name .. " with well-formed 4xx answers", function()
        local statuses = replay_emulator(assert(fs.read(DIR .. "emulator/" .. name)))
        assert.is_true(#statuses > 0)
      end)
    end
  end)

  describe("config_fuzz inputs", function()
    for _, name in ipairs(inputs("config")) do
      it("loads or refuses " .. name .. " with a message", function()
        replay_config(assert(fs.read(DIR .. "config/" .. name)))
      end)
    end
  end)

  describe("the emulator over HTTP", function()
    local e, c
    setup(function() e, c = emu.serve() end)
    teardown(function() e:stop() end)

    it("answers an id that is not UTF-8 with a 404, not a 500", function()
      local res = c:get("/connections/%FFab")
      assert.equal("The requested connections resource \u{FFFD}ab is not "
        .. "found. Verify the resource ID before trying again.",
        emu.refusal(res, "1439-404"))
    end)

    it("refuses a list filter that is not UTF-8 with a 400", function()
      local res = c:get("/connectionSpecs?property=name!=%FF&limit=1")
      assert.equal("The property and orderby parameters must be UTF-8",
        emu.refusal(res, "1100-400"))
      res = c:get("/connectionSpecs?orderby=%C3&limit=1")
      assert.equal(400, res.status)
    end)

    it("answers an unknown path that is not UTF-8 with a 404", function()
      local res = c:get("/x%C3%28")
      assert.equal(404, res.status)
      assert.equal("No such endpoint: GET " .. emu.BASE .. "/x\u{FFFD}(",
        res.json.message)
    end)
  end)
end)
