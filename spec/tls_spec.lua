-- HTTPS end to end: `flowlua emulator --tls-cert --tls-key` serves TLS
-- with a certificate made here by openssl(1) (no key is committed), and
-- `flowlua run` refuses it unless told to trust it (--cacert,
-- FLOWLUA_CACERT) or, loudly, not to verify at all (--insecure).
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local json = require("flowlua.json")
local proc = require("support.proc")
local state_record = require("support.state_record")

local function sh(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  assert(ok, "failed: " .. cmd)
end

-- A self-signed certificate for 127.0.0.1 in dir/<name>.pem, <name>.key.
local function make_cert(dir, name)
  local cert, key = dir .. "/" .. name .. ".pem", dir .. "/" .. name .. ".key"
  sh(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=%s "
    .. "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout %s -out %s")
    :format(name, proc.quote(key), proc.quote(cert)))
  return cert, key
end

local function journal_text(dir, name)
  return select(2, state_record.doc(dir .. "/.flowlua/state.db", name))
end

-- The journal of a run that never reached the service: it may record the
-- failed step, but no entity.
local function assert_nothing_journaled(dir, name)
  local text = journal_text(dir, name)
  if text == nil then return end
  local j = assert(json.decode(text))
  for _, step in ipairs(j.steps) do
    assert.same({}, step.entities)
    assert.equal("failed", step.state)
  end
end

describe("TLS", function()
  local dir, cert, key, other, server, env

  setup(function()
    dir = fsvc.tmpdir()
    cert, key = make_cert(dir, "emulator")
    other = make_cert(dir, "stranger")
    local err
    server, err = emu.spawn{ "--tls-cert", cert, "--tls-key", key }
    assert(server, err)
    env = fsvc.env{ endpoint = server.url, ims_url = server.url,
      client_id = "tls-spec", client_secret = "tls-spec-secret",
      org_id = emu.ORG, scopes = "openid" }
    env.FLOWLUA_JOURNAL_DIR = nil
  end)

  teardown(function()
    if server then server:stop() end
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  local function onboard(name, args, extra_env)
    local e = {}
    for k, v in pairs(env) do e[k] = v end
    for k, v in pairs(extra_env or {}) do e[k] = v end
    local argv = { "run" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    argv[#argv + 1] = fsvc.ONBOARDING
    argv[#argv + 1] = "name=" .. name
    return proc.run(argv, { env = e, cwd = dir })
  end

  it("the emulator serves HTTPS on the given certificate", function()
    assert.matches("^https://127%.0%.0%.1:%d+$", server.url)
    assert.equal("listening on " .. server.url, server.first_line)
  end)

  it("refuses a self-signed certificate by default, clearly", function()
    local out, err, code = onboard("Refused", {})
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("flowlua: POST /ims/token/v3: POST " .. server.url
      .. "/ims/token/v3: SSL certificate problem: self-signed certificate "
      .. "(to trust a private CA: flowlua run --cacert FILE or "
      .. "FLOWLUA_CACERT=FILE)\n", err, 1, true)
    assert_nothing_journaled(dir, "onboarding-Refused")
  end)

  it("refuses a certificate signed by another CA than --cacert", function()
    local _, err, code = onboard("Stranger", { "--cacert", other })
    assert.equal(1, code)
    assert.matches("SSL certificate problem", err, 1, true)
    assert_nothing_journaled(dir, "onboarding-Stranger")
  end)

  it("accepts it with --cacert and runs the whole workflow", function()
    local out, err, code = onboard("Trusted", { "--cacert", cert })
    assert.equal("", err:match("WARN[^\n]*") or "")
    assert.equal(0, code, err)
    assert.matches("\nflow +Trusted Azure File Storage Dataflow +[%x%-]+ +"
      .. "enabled\n", out)
    local j = assert(journal_text(dir, "onboarding-Trusted"))
    assert.matches('"flow"', j, 1, true)
  end)

  it("accepts it with FLOWLUA_CACERT", function()
    local _, err, code = onboard("FromEnv", {},
      { FLOWLUA_CACERT = cert })
    assert.equal(0, code, err)
  end)

  it("skips verification only with --insecure, with a loud warning",
    function()
      local _, err, code = onboard("Insecure", { "--insecure" })
      assert.equal(0, code, err)
      assert.matches("WARN  TLS certificate verification is OFF "
        .. "(--insecure): anyone on the network path can read the "
        .. "credentials; never use it against a real service", err, 1, true)
    end)

  it("needs both --tls-cert and --tls-key", function()
    local _, err, code = proc.run{ "emulator", "--tls-cert", cert }
    assert.equal(2, code)
    assert.matches("--tls-cert and --tls-key go together", err, 1, true)
  end)

  it("fails to start on an unreadable certificate", function()
    local p, err, code = emu.spawn{ "--tls-cert", dir .. "/none.pem",
      "--tls-key", key }
    assert.is_nil(p)
    assert.equal(1, code)
    assert.matches("^flowlua: cannot start the emulator: ", err)
  end)
end)
