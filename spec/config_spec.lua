-- flowlua.config: settings from the environment, a profile file and
-- overrides. Loads run in a fresh `flowlua run` process so each test
-- controls the environment completely (HOME points at a temporary
-- directory; every FLOWLUA_* variable is empty, which counts as unset).
local proc = require("support.proc")
local config = require("flowlua.config")
local fs = require("support.fs")
local log = require("flowlua.log")

local VARS = { "FLOWLUA_CLIENT_ID", "FLOWLUA_CLIENT_SECRET", "FLOWLUA_ORG_ID",
  "FLOWLUA_SCOPES", "FLOWLUA_SANDBOX", "FLOWLUA_ACCESS_TOKEN", "FLOWLUA_ENDPOINT",
  "FLOWLUA_IMS_URL", "FLOWLUA_API_KEY", "FLOWLUA_CONFIG", "FLOWLUA_PROFILE",
  "XDG_CONFIG_HOME" }

-- Prints the loaded settings as sorted key=value lines.
local SCRIPT = proc.tempfile([[
local config = require("flowlua.config")
local overrides = load("return " .. (os.getenv("SPEC_OVERRIDES") or "nil"))()
local s = config.load{ overrides = overrides }
local keys = {}
for k in pairs(s) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", tostring(s[k]), "\n") end
]])

local home

-- A config file, private (0600) unless `mode` says otherwise.
local function write(path, text, mode)
  return fs.write(path, text, mode or "600")
end

local function user_file(text, mode)
  os.execute("mkdir -p " .. proc.quote(home .. "/.config/flowlua"))
  return write(home .. "/.config/flowlua/config.json", text, mode)
end

--- Runs the script; returns the settings printed (a table), stderr and the
-- exit status.
local function load_with(env, args, overrides)
  local e = { HOME = home }
  for _, v in ipairs(VARS) do e[v] = "" end
  for k, v in pairs(env or {}) do e[k] = v end
  if overrides then e.SPEC_OVERRIDES = overrides end
  local argv = { "run" }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  argv[#argv + 1] = SCRIPT
  local out, err, code = proc.run(argv, { env = e })
  local settings = {}
  for k, v in out:gmatch("([%w_]+)=([^\n]*)\n") do settings[k] = v end
  return settings, err, code
end

local function defaults_plus(t)
  local s = { sandbox = "prod", endpoint = "https://platform.adobe.io",
    ims_url = "https://ims-na1.adobelogin.com",
    config_file = home .. "/.config/flowlua/config.json" }
  for k, v in pairs(t) do s[k] = v end
  return s
end

local PROFILES = [[{
  "default_profile": "dev",
  "profiles": {
    "dev": { "client_id": "dev-id", "client_secret": "dev-secret-value",
             "org_id": "DEV@AdobeOrg", "scopes": ["openid", "AdobeID"],
             "sandbox": "dev-sandbox" },
    "prod": { "client_id": "prod-id", "org_id": "PROD@AdobeOrg",
              "endpoint": "https://platform-eu.adobe.io" }
  }
}]]

describe("flowlua.config", function()
  before_each(function()
    home = fs.tmpdir()
  end)
  after_each(function()
    fs.remove(home)
  end)

  it("has defaults for sandbox, endpoint and IMS, and nothing else", function()
    local s, err, code = load_with()
    assert.equal(0, code, err)
    assert.same(defaults_plus{}, s)
  end)

  it("reads every setting from FLOWLUA_* variables", function()
    local s = load_with{ FLOWLUA_CLIENT_ID = "env-id", FLOWLUA_CLIENT_SECRET = "env-secret",
      FLOWLUA_ORG_ID = "ENV@AdobeOrg", FLOWLUA_SCOPES = "openid,AdobeID",
      FLOWLUA_SANDBOX = "env-sb", FLOWLUA_ACCESS_TOKEN = "env-token",
      FLOWLUA_ENDPOINT = "http://127.0.0.1:1", FLOWLUA_IMS_URL = "http://127.0.0.1:2" }
    assert.same(defaults_plus{ client_id = "env-id", client_secret = "env-secret",
      org_id = "ENV@AdobeOrg", scopes = "openid,AdobeID", sandbox = "env-sb",
      access_token = "env-token", endpoint = "http://127.0.0.1:1",
      ims_url = "http://127.0.0.1:2", api_key = "env-id" }, s)
  end)

  it("takes FLOWLUA_API_KEY over the client id for x-api-key", function()
    local s = load_with{ FLOWLUA_CLIENT_ID = "env-id", FLOWLUA_API_KEY = "key" }
    assert.equal("key", s.api_key)
  end)

  describe("the profile file", function()
    it("uses the file's default_profile, joining a list of scopes", function()
      user_file(PROFILES)
      local s = load_with()
      assert.same(defaults_plus{ profile = "dev", client_id = "dev-id",
        client_secret = "dev-secret-value", org_id = "DEV@AdobeOrg",
        scopes = "openid,AdobeID", sandbox = "dev-sandbox", api_key = "dev-id" }, s)
    end)

    it("uses the profile named by FLOWLUA_PROFILE", function()
      user_file(PROFILES)
      local s = load_with{ FLOWLUA_PROFILE = "prod" }
      assert.same(defaults_plus{ profile = "prod", client_id = "prod-id",
        org_id = "PROD@AdobeOrg", endpoint = "https://platform-eu.adobe.io",
        api_key = "prod-id" }, s)
    end)

    it("uses the profile named by --profile over FLOWLUA_PROFILE", function()
      user_file(PROFILES)
      local s = load_with({ FLOWLUA_PROFILE = "dev" }, { "--profile", "prod" })
      assert.equal("prod", s.profile)
      assert.equal("prod-id", s.client_id)
    end)

    it("uses a profile called default when nothing names one", function()
      user_file('{"profiles": {"default": {"org_id": "D@AdobeOrg"}}}')
      assert.equal("D@AdobeOrg", load_with().org_id)
    end)

    it("reads the file named by --config, then FLOWLUA_CONFIG", function()
      local a = write(home .. "/a.json", '{"profiles": {"default": {"org_id": "A"}}}')
      local b = write(home .. "/b.json", '{"profiles": {"default": {"org_id": "B"}}}')
      assert.same({ "A", a }, { load_with({}, { "--config", a }).org_id,
        load_with({}, { "--config", a }).config_file })
      assert.equal("B", load_with{ FLOWLUA_CONFIG = b }.org_id)
      assert.equal("A", load_with({ FLOWLUA_CONFIG = b }, { "--config", a }).org_id)
    end)

    it("lives under XDG_CONFIG_HOME when that is set", function()
      os.execute("mkdir -p " .. proc.quote(home .. "/xdg/flowlua"))
      write(home .. "/xdg/flowlua/config.json", '{"profiles": {"default": {"org_id": "X"}}}')
      local s = load_with{ XDG_CONFIG_HOME = home .. "/xdg" }
      assert.same({ "X", home .. "/xdg/flowlua/config.json" }, { s.org_id, s.config_file })
    end)

    it("warns when a file holding secrets is readable by others", function()
      local path = user_file(PROFILES, "644")
      local _, err, code = load_with()
      assert.equal(0, code)
      assert.matches(" WARN  " .. path:gsub("%p", "%%%0") .. " holds secrets but other "
        .. "users can read it; run: chmod 600 ", err)
      local _, quiet = load_with{ FLOWLUA_PROFILE = "prod" }
      assert.equal("", quiet)
    end)
  end)

  it("ranks overrides over the environment over the profile over defaults", function()
    user_file(PROFILES)
    local s = load_with({ FLOWLUA_SANDBOX = "env-sb", FLOWLUA_ORG_ID = "ENV@AdobeOrg" }, {},
      '{ sandbox = "override-sb" }')
    assert.same({ "override-sb", "ENV@AdobeOrg", "dev-id", "https://platform.adobe.io" },
      { s.sandbox, s.org_id, s.client_id, s.endpoint })
  end)

  it("lets an override of false unset a setting", function()
    local s = load_with({ FLOWLUA_ACCESS_TOKEN = "env-token" }, {},
      "{ access_token = false }")
    assert.is_nil(s.access_token)
  end)

  describe("errors", function()
    local function failure(env, args)
      local s, err, code = load_with(env, args)
      assert.same({}, s)
      assert.equal(1, code)
      return err
    end

    -- A user file that cannot be used: the error names the file, then
    -- what is wrong with it.
    for _, case in ipairs{
      { "name the file, line and column of malformed JSON",
        '{\n  "profiles": {\n    "dev": { "org_id" "x" }\n  }\n}',
        ": expected ':' after a key at line 3 column 23\n" },
      { "name a profile the file does not have, and the ones it has",
        PROFILES, ': no profile "qa" (profiles: dev, prod)\n', {},
        { "--profile", "qa" } },
      { "name an unknown setting in a profile",
        '{"profiles": {"dev": {"clientid": "x"}}}',
        ': profile "dev": unknown setting "clientid"\n',
        { FLOWLUA_PROFILE = "dev" } },
      { "name a setting of the wrong type",
        '{"profiles": {"default": {"org_id": 7}}}',
        ': profile "default": "org_id" must be a string\n' },
    } do
      local name, text, message, env, args = table.unpack(case)
      it(name, function()
        local path = user_file(text)
        assert.equal("flowlua: " .. path .. message, failure(env, args))
      end)
    end

    it("name a requested profile when there is no file", function()
      assert.equal('flowlua: profile "dev" requested but ' .. home
        .. "/.config/flowlua/config.json does not exist\n",
        failure{ FLOWLUA_PROFILE = "dev" })
    end)

    it("name an explicit config file that cannot be read", function()
      assert.equal("flowlua: cannot read config file " .. home
        .. "/missing.json: No such file or directory\n",
        failure({}, { "--config", home .. "/missing.json" }))
    end)


    it("name a file that is not an object of profiles", function()
      local path = user_file('[]')
      assert.equal("flowlua: " .. path .. ": expected a JSON object\n", failure())
      user_file('{"profile": {}}')
      assert.equal("flowlua: " .. path .. ': unknown key "profile" (expected '
        .. '"default_profile" and "profiles")\n', failure())
    end)
  end)

  describe("need", function()
    it("returns a setting that is there", function()
      assert.equal("x", config.need({ org_id = "x" }, "org_id"))
    end)

    it("names the variable and the profile key of a missing setting", function()
      assert.has_error(function()
        config.need({ profile = "dev", config_file = "/c.json" }, "client_secret")
      end, 'missing setting client_secret: set FLOWLUA_CLIENT_SECRET, or '
        .. '"client_secret" in profile "dev" of /c.json')
      assert.has_error(function()
        config.need({ config_file = "/c.json", org_id = "" }, "org_id")
      end, 'missing setting org_id: set FLOWLUA_ORG_ID, or "org_id" in a profile of /c.json')
    end)

    it("raises on an unknown setting name", function()
      assert.has_error(function() config.need({}, "clientid") end,
        "bad argument #2 to 'need' (unknown setting 'clientid')")
    end)
  end)

  it("registers the client secret and the access token as secrets", function()
    local empty = write(os.tmpname(), "{}")
    config.load{ file = empty, overrides = {
      client_secret = "loaded-client-secret", access_token = "loaded-access-token" } }
    os.remove(empty)
    assert.equal("*** ***", log.redact("loaded-client-secret loaded-access-token"))
  end)
end)
