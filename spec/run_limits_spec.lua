-- `flowlua run`'s bounds on time, against real emulator processes:
-- --timeout (each attempt of a request), FLOWLUA_TIMEOUT.
local emu = require("support.emulator")
local proc = require("support.proc")

-- One read with retries off, so a single attempt's fate is printed.
local ONE_READ = [[
  local flowlua = require("flowlua")
  local aep = flowlua.connect{ endpoint = arg[1], ims_url = arg[1],
    client_id = "c", client_secret = "s", org_id = "O@AdobeOrg",
    scopes = "openid", http = { retry = false } }
  local ok, err = pcall(aep.connection_spec, aep, arg[2])
  print(ok and "answered" or tostring(err))
]]

describe("flowlua run --timeout", function()
  local slow

  setup(function()
    slow = assert(emu.spawn{ "--faults", "latency=3000ms" })
  end)
  teardown(function() slow:stop() end)

  it("gives up an attempt after SECONDS", function()
    local out, err, code = proc.run{ "run", "--timeout", "1",
      proc.tempfile(ONE_READ), slow.url, emu.AZURE }
    assert.equal("", err)
    assert.equal(0, code)
    assert.matches("^POST /ims/token/v3: .*timed out after 1%d%d%d milli", out)
  end)

  it("takes FLOWLUA_TIMEOUT when the option is not given", function()
    local out = proc.run({ "run", proc.tempfile(ONE_READ), slow.url,
      emu.AZURE }, { env = { FLOWLUA_TIMEOUT = "1.5" } })
    assert.matches("timed out after 1[45]%d%d milli", out)
  end)

  it("waits for a slow answer by default (30 s)", function()
    local out = proc.run{ "run", proc.tempfile(ONE_READ), slow.url,
      emu.AZURE }
    assert.equal("answered\n", out)
  end)

  it("refuses a value that is not a positive number of seconds", function()
    local _, err, code = proc.run{ "run", "--timeout", "0", "x.lua" }
    assert.equal(2, code)
    assert.matches("^flowlua: %-%-timeout must be a positive number of "
      .. "seconds\n", err)
    _, err, code = proc.run({ "run", proc.tempfile(ONE_READ), slow.url,
      emu.AZURE }, { env = { FLOWLUA_TIMEOUT = "soon" } })
    assert.equal(1, code)
    assert.equal("flowlua: timeout must be a positive number of seconds "
      .. "(FLOWLUA_TIMEOUT or the file key 'timeout'), not 'soon'\n", err)
  end)
end)

describe("flowlua run with http_proxy set", function()
  -- Port 9 refuses connections: a request sent through this proxy fails.
  local PROXY = { http_proxy = "http://127.0.0.1:9" }
  -- One attempt per request, so a refused proxy fails at once.
  local CREATE = emu.create_base_script("{ http = { retry = false } }",
    "print(base.state)")

  it("never sends the embedded emulator's traffic through it", function()
    local dir = os.tmpname()
    os.remove(dir)
    local out, err, code = proc.run({ "run", "--emulator=" .. dir .. "/e.json",
      proc.tempfile(CREATE) }, { env = PROXY })
    os.execute("rm -rf " .. proc.quote(dir))
    assert.equal("", err)
    assert.equal("draft\n", out)
    assert.equal(0, code)
  end)

  it("still uses it for any other endpoint, as curl does", function()
    local e = assert(emu.spawn{})
    local env = { http_proxy = PROXY.http_proxy, FLOWLUA_ENDPOINT = e.url,
      FLOWLUA_IMS_URL = e.url, FLOWLUA_CLIENT_ID = "c",
      FLOWLUA_CLIENT_SECRET = "s", FLOWLUA_ORG_ID = "O@AdobeOrg",
      FLOWLUA_SCOPES = "openid" }
    local _, err, code = proc.run({ "run", proc.tempfile(CREATE) },
      { env = env })
    e:stop()
    assert.equal(1, code)
    assert.matches("POST /ims/token/v3: .*127%.0%.0%.1 port 9", err)
  end)
end)

local HUNG_CREATE = emu.create_base_script("", "")

-- The same create (answered), then its delete.
local HUNG_DELETE = emu.create_base_script("", "base:delete()")

describe("a change that never answers", function()
  -- The hostile service in its own process (its requests are held for an
  -- hour, so it is killed, not closed); the changes its sandbox names
  -- (blackhole@METHOD) vanish in it unanswered.
  local pipe, pid, url

  local function hung_env(sandbox)
    return { FLOWLUA_ENDPOINT = url, FLOWLUA_IMS_URL = url,
      FLOWLUA_CLIENT_ID = "c", FLOWLUA_CLIENT_SECRET = "s",
      FLOWLUA_ORG_ID = emu.ORG, FLOWLUA_SCOPES = "openid",
      FLOWLUA_SANDBOX = sandbox or "blackhole@POST" }
  end

  setup(function()
    pipe = assert(io.popen(("sh -c 'echo $$; exec \"$0\" \"$@\"' %s run "
      .. "spec/support/serve.lua support.handlers.hostile_service 2>/dev/null")
      :format(proc.quote(proc.BIN))))
    pid = tonumber(pipe:read("l"))
    url = pipe:read("l"):match("^listening on (%S+)$")
  end)
  teardown(function()
    os.execute("kill -TERM " .. pid)
    pipe:close()
  end)

  -- The client's own retry policy, as flowlua.connect makes it.
  local function client_policy()
    return require("flowlua").connect{ endpoint = url,
      access_token = "t", api_key = "c", org_id = emu.ORG,
      sandbox = "prod" }:retry_policy()
  end

  -- `script` run with --timeout 2 against the hung service (`sandbox` as
  -- for hung_env), asserted to send `route` the documented attempts, to
  -- end within their bound and to exit 1; its stderr.
  local function hung_run(script, sandbox, route)
    local policy = client_policy()
    emu.reset_tally(url)
    local started = require("flowlua.core").sys.monotime()
    local _, err, code = proc.run({ "run", "--timeout", "2",
      proc.tempfile(script) }, { env = hung_env(sandbox) })
    local took = require("flowlua.core").sys.monotime() - started
    assert.equal(policy.timeout_attempts, emu.tally(url).requests[route])
    -- docs/client.md's bound (Policy:hung_bound): attempts x timeout
    -- plus the backoff ceilings; the process's start and the quick
    -- reads that look for the connection between attempts (and a
    -- delete's create) get 3 s
    local bound = policy:hung_bound(2) + 3
    assert.is_true(took < bound, ("took %.1f s, bound %.1f s")
      :format(took, bound))
    assert.equal(1, code)
    return err
  end

  it("ends a run with --timeout 2 after the documented attempts and "
    .. "within their bound, naming the timeout",
    function()
      local err = hung_run(HUNG_CREATE, nil, "POST /connections?mode=draft")
      assert.matches("^flowlua: POST /data/foundation/flowservice/connections"
        .. "%?mode=draft: .*timed out after 2%d%d%d milli", err)
    end)

  it("ends a delete with --timeout 2 after the same attempts and within "
    .. "the same bound (flowlua.http does not repeat it underneath)",
    function()
      local err = hung_run(HUNG_DELETE, "blackhole@DELETE",
        "DELETE /connections/{id}")
      assert.matches("^flowlua: DELETE /data/foundation/flowservice/"
        .. "connections/[%x-]+: .*timed out after 2%d%d%d milli", err)
    end)

  it("ends at the deadline, not after the retries, pauses included",
    function()
      local started = require("flowlua.core").sys.monotime()
      local _, err, code = proc.run({ "run", "--timeout", "5", "--deadline",
        "7s", proc.tempfile(HUNG_CREATE) }, { env = hung_env() })
      local took = require("flowlua.core").sys.monotime() - started
      -- the second attempt (from about 5.3 s) runs into the deadline; the
      -- deadline, its 3 s grace, a margin: well under the retries' own
      -- bound (client_policy():hung_bound(5), 15.75 s)
      assert.is_true(took < 12, ("took %.1f s"):format(took))
      assert.is_true(client_policy():hung_bound(5) > 15)
      assert.equal(4, code)
      assert.matches("\nflowlua: stopped, the deadline %(7s%) passed: no "
        .. "workflow had started\nflowlua: to run it again: flowlua run "
        .. "%-%-timeout 5 %-%-deadline 7s [^\n]+\n$", err)
    end)
end)
