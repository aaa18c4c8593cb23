-- `flowlua emulator` as its own process: the first line, options,
-- credentials, clean shutdown on SIGTERM and SIGINT.
local emu = require("support.emulator")
local proc = require("support.proc")

describe("flowlua emulator", function()
  it("prints `listening on URL` first and stops cleanly on SIGTERM",
    function()
      local p = assert(emu.spawn({ "--port", "0" }))
      assert.matches("^listening on http://127%.0%.0%.1:%d+$", p.first_line)
      local c = emu.client(p.url)
      assert.equal(200, c:get("/connectionSpecs").status)
      local code, err = p:stop("TERM")
      assert.equal(143, code)  -- 128 + SIGTERM, as a shell reports it
      assert.equal("flowlua emulator: SIGTERM, stopped\n", err)
    end)

  it("stops cleanly on SIGINT", function()
    local p = assert(emu.spawn({}))
    -- The handler is installed just after the first line is flushed; a
    -- request first makes sure the signal does not race that.
    assert.equal(200, emu.client(p.url):get("/flows").status)
    local code, err = p:stop("INT")
    assert.equal(130, code)  -- 128 + SIGINT
    assert.equal("flowlua emulator: SIGINT, stopped\n", err)
  end)

  it("leaves a complete state file and no temporary file on SIGINT",
    function()
      local dir = os.tmpname()
      os.remove(dir)
      local state = dir .. "/emulator.json"
      local p = assert(emu.spawn({ "--state", state }))
      local made = emu.client(p.url):post("/connections?mode=draft",
        emu.base_body()).json
      assert.equal(130, (p:stop("INT")))
      local names = proc.output("ls -A " .. proc.quote(dir))
      -- files/: the storage folder beside the state (docs/emulator.md)
      assert.equal("emulator.json\nfiles\n", names)
      local f = assert(io.open(state))
      local saved = require("flowlua.json").decode(f:read("a"))
      f:close()
      assert.equal(made.id, saved.sandboxes.prod.connections[1].id)
      os.execute("rm -rf " .. proc.quote(dir))
    end)

  it("binds the host and port it is given", function()
    local probe = assert(emu.spawn({}))
    local port = probe.port
    probe:stop()
    local p = assert(emu.spawn({ "--host", "127.0.0.1", "--port",
      tostring(port) }))
    assert.equal("listening on http://127.0.0.1:" .. port, p.first_line)
    p:stop()
  end)

  it("restricts credentials with --client-id/--client-secret", function()
    local p = assert(emu.spawn({ "--client-id", "cid", "--client-secret",
      "csecret" }))
    local res = emu.request{ method = "POST", url = p.url .. "/ims/token/v3",
      headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
      body = "grant_type=client_credentials&client_id=cid&client_secret=x"
        .. "&scope=openid" }
    assert.equal(401, res.status)
    assert.equal(200, emu.client(p.url, { client_id = "cid",
      secret = "csecret" }):get("/flows").status)
    p:stop()
  end)

  it("issues tokens for --token-ttl seconds", function()
    local p = assert(emu.spawn({ "--token-ttl", "120" }))
    local res = emu.request{ method = "POST", url = p.url .. "/ims/token/v3",
      headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
      body = "grant_type=client_credentials&client_id=a&client_secret=b"
        .. "&scope=openid" }
    assert.equal(120, res.json.expires_in)
    p:stop()
  end)

  it("injects faults given with --faults", function()
    local p = assert(emu.spawn({ "--faults", "503=1" }))
    local res = emu.request{ url = p.url .. emu.BASE .. "/flows" }
    emu.refusal(res, "1103-503")
    p:stop()
  end)

  it("refuses a bad fault spec with exit status 1", function()
    local p, err, code = emu.spawn({ "--faults", "teapot=1" })
    assert.is_nil(p)
    assert.equal(1, code)
    assert.matches("^flowlua: invalid fault spec 'teapot=1': unknown fault "
      .. "kind 'teapot'", err)
  end)

  it("refuses bad options with exit status 2", function()
    local _, err, code = proc.run({ "emulator", "--port", "http" })
    assert.equal(2, code)
    assert.matches("--port must be an integer from 0 to 65535", err, 1, true)
    _, err, code = proc.run({ "emulator", "--colour" })
    assert.equal(2, code)
    assert.matches("unknown option '--colour'", err, 1, true)
    _, _, code = proc.run({ "emulator", "extra" })
    assert.equal(2, code)
  end)

  it("explains itself with --help", function()
    local out, _, code = proc.run({ "emulator", "--help" })
    assert.equal(0, code)
    assert.matches("^usage: flowlua emulator %[%-%-host HOST%]", out)
    assert.matches("--faults SPEC", out, 1, true)
  end)
end)
