-- Secrets never leak: every script and CLI path runs with known secret
-- values (the IMS client secret, an access token, the "format": "password"
-- field of the storage account) at debug level, and none of them may
-- appear in stdout, stderr, journals, plans or emulator state files;
-- journals and state files are created 0600.
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local proc = require("support.proc")
local sys = require("flowlua.core").sys
local fs = require("support.fs")

local CLIENT_ID = "secrets-spec-client"
local CLIENT_SECRET = "p8e-CLIENT-SECRET-4f1c9a77d2"
local PASSWORD = "STORAGE-KEY-9b2e51c0aa"
local CSV_PASSWORD = "CSV-STORAGE-KEY-71d3e0"
-- The embedded emulator's own default secret is a secret too.
local EMBEDDED_SECRET = require("flowlua.emulator").CLIENT_SECRET

-- Every regular file below dir, with its contents and mode.
local function files_under(dir)
  local out = {}
  local p = assert(io.popen("find " .. proc.quote(dir) .. " -type f"))
  for path in p:lines() do
    out[#out + 1] = { path = path, text = fs.read(path),
      mode = sys.stat_mode(path) }
  end
  p:close()
  return out
end

local function refute_secrets(where, text, secrets)
  for _, s in ipairs(secrets) do
    assert(not text:find(s, 1, true),
      ("%s contains the secret %q"):format(where, s))
  end
end

describe("secrets", function()
  local server, dir, state, token, secrets

  setup(function()
    dir = fsvc.tmpdir()
    state = dir .. "/emulator-state.json"
    local err
    server, err = emu.spawn{ "--client-id", CLIENT_ID, "--client-secret",
      CLIENT_SECRET, "--state", state }
    assert(server, err)
    token = emu.token(server.url, CLIENT_ID, CLIENT_SECRET)
    secrets = { CLIENT_SECRET, PASSWORD, CSV_PASSWORD, token,
      EMBEDDED_SECRET }
  end)

  teardown(function()
    if server then server:stop() end
    fs.remove(dir)
  end)

  local function env(extra)
    local e = fsvc.env({ endpoint = server.url, ims_url = server.url,
      client_id = CLIENT_ID, client_secret = CLIENT_SECRET,
      org_id = emu.ORG, scopes = "openid,AdobeID" }, extra)
    e.HOME = dir
    return e
  end

  -- Runs `flowlua ARGS` in dir and checks its output for every secret.
  local function run(args, extra_env, expect)
    local out, err, code = proc.run(args, { env = env(extra_env), cwd = dir })
    local shown = table.concat(args, " ")
    assert.equal(expect or 0, code, shown .. "\n" .. err)
    refute_secrets("stdout of " .. shown, out, secrets)
    refute_secrets("stderr of " .. shown, err, secrets)
    return out, err
  end

  it("onboarding at debug level logs requests, never a secret", function()
    local _, err = run{ "run", "-v", fsvc.ONBOARDING,
      "name=Secret1", "password=" .. PASSWORD }
    assert.matches("DEBUG", err, 1, true)
    assert.matches("DEBUG POST /data/foundation/flowservice/connections 201",
      err, 1, true)
  end)

  it("onboarding with JSON logs", function()
    local _, err = run{ "run", "-v", "--log-format", "json",
      fsvc.ONBOARDING, "name=Secret2", "password=" .. PASSWORD }
    assert.matches('"level":"debug"', err, 1, true)
  end)

  it("onboarding with a static access token", function()
    run({ "run", "-v", fsvc.ONBOARDING, "name=Secret3",
      "password=" .. PASSWORD },
      { FLOWLUA_ACCESS_TOKEN = token, FLOWLUA_CLIENT_SECRET = "" })
  end)

  it("a dry run prints a plan without the password", function()
    local out = run{ "run", "-v", "--dry-run", fsvc.ONBOARDING,
      "name=Secret4", "password=" .. PASSWORD }
    assert.matches("create", out, 1, true)
  end)

  it("bulk onboarding from a CSV with passwords", function()
    local csv = dir .. "/sources.csv"
    local f = assert(io.open(csv, "w"))
    f:write("name,path,password\n")
    for i = 1, 3 do
      f:write(("bulk%d,/data/%d.csv,%s\n"):format(i, i, CSV_PASSWORD))
    end
    f:close()
    run{ "run", "-v", fsvc.BULK, csv,
      "--concurrency", "2" }
  end)

  it("cleanup, planned then done", function()
    run{ "run", "-v", "--dry-run", fsvc.CLEANUP, "onboarding-Secret1" }
    run{ "run", "-v", fsvc.CLEANUP, "onboarding-Secret1" }
  end)

  it("a wrong client secret fails without showing either secret", function()
    local wrong = "p8e-WRONG-SECRET-0000aa"
    secrets[#secrets + 1] = wrong
    local _, err = run({ "run", "-v", fsvc.ONBOARDING,
      "name=Secret5", "password=" .. PASSWORD },
      { FLOWLUA_CLIENT_SECRET = wrong }, 1)
    assert.matches("flowlua: POST /ims/token/v3: 401", err, 1, true)
  end)

  it("a profile file holding the secret", function()
    local cfg = dir .. "/profile.json"
    assert(sys.write_file(cfg, ('{"profiles":{"default":{"client_id":"%s",'
      .. '"client_secret":"%s","org_id":"%s","scopes":"openid",'
      .. '"endpoint":"%s","ims_url":"%s"}}}'):format(CLIENT_ID,
      CLIENT_SECRET, emu.ORG, server.url, server.url)))
    run({ "run", "-v", "--config", cfg, fsvc.ONBOARDING,
      "name=Secret6", "password=" .. PASSWORD },
      { FLOWLUA_CLIENT_SECRET = "", FLOWLUA_CLIENT_ID = "",
        FLOWLUA_ENDPOINT = "", FLOWLUA_IMS_URL = "" })
  end)

  it("the embedded emulator keeps its state 0600 and secret-free", function()
    run{ "run", "-v", "--emulator", fsvc.ONBOARDING,
      "name=Secret7", "password=" .. PASSWORD }
    local st = dir .. "/.flowlua/emulator.json"
    assert.equal(384, sys.stat_mode(st) & 511)  -- 0600
    refute_secrets(st, assert(fs.read(st)), secrets)
  end)

  it("the emulator command does not print its client secret", function()
    local p = assert(emu.spawn{ "--client-id", CLIENT_ID, "--client-secret",
      CLIENT_SECRET, "--port", "0" })
    local _, err = p:stop()
    refute_secrets("flowlua emulator output", p.first_line .. err, secrets)
  end)

  it("leaves journals, plans and state files 0600 and secret-free",
    function()
      local seen = {}
      for _, file in ipairs(files_under(dir .. "/.flowlua")) do
        refute_secrets(file.path, file.text, secrets)
        assert.equal(384, file.mode & 511, file.path .. " is not 0600")
        seen[file.path:match("[^/]+$")] = true
      end
      -- every workflow's journal is a record in the one state store
      assert.is_true(seen["state.db"], "no state store")
      assert.is_true(seen["emulator.json"], "no emulator state")
      refute_secrets(state, assert(fs.read(state)), secrets)
      assert.equal(384, sys.stat_mode(state) & 511)
    end)
end)
