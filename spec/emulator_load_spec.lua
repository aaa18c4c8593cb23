-- The emulator under held connections: a real `flowlua emulator` process,
-- a hostile client process holding 1100 connections (idle, or slowloris:
-- a request that never ends), and a normal client that must be answered.
local emu = require("support.emulator")
local proc = require("support.proc")
local fs = require("support.fs")

local HELD = 1100

local hard_nofile = tonumber(proc.output("sh -c 'ulimit -Hn'")) or math.huge

-- Starts the holder in the background; returns its directory once every
-- connection is open (or after 60 s, when the count below will fail).
local function hold(port, count, mode)
  local dir = fs.tmpdir()
  os.execute(("sh -c 'ulimit -n %d; exec lua5.4 spec/support/hold_connections.lua"
    .. " 127.0.0.1 %d %d %s %s' >%s/log 2>&1 &")
    :format(count + 100, port, count, mode, proc.quote(dir), proc.quote(dir)))
  for _ = 1, 1200 do
    if fs.exists(dir .. "/ready") then break end
    os.execute("sleep 0.05")
  end
  return dir
end

local function release(dir)
  assert(io.open(dir .. "/stop", "w")):close()
  os.execute("sleep 0.2; rm -rf " .. proc.quote(dir))
end

describe("the emulator started with a low soft descriptor limit", function()
  it("raises it to the hard limit at start", function()
    local p = assert(io.popen(("sh -c 'ulimit -Sn 256; echo $$; exec \"$0\" "
      .. "emulator --port 0' %s 2>/dev/null </dev/null")
      :format(proc.quote(proc.BIN))))
    local pid = tonumber(p:read("l"))
    local first = p:read("l")
    local limits = fs.read(("/proc/%d/limits"):format(pid)) or ""
    os.execute(("kill -TERM %d"):format(pid))
    p:close()
    assert.matches("^listening on ", first)
    local soft, hard = limits:match("Max open files%s+(%S+)%s+(%S+)")
    assert.is_string(hard, limits)
    assert.equal(hard, soft)
  end)
end)

local enough = hard_nofile >= HELD + 300
local it_enough = enough and it or pending

describe("the emulator with " .. HELD .. " held connections", function()
  local e

  before_each(function() e = assert(emu.spawn{}) end)
  after_each(function() e:stop() end)

  -- The bound is generous (a normal answer takes milliseconds, but ASan or
  -- valgrind on a loaded two-core machine took over 5 s); before,
  -- the emulator refused every new connection past ~1020 descriptors.
  it_enough("answers a normal GET while they are idle", function()
    local dir = hold(e.port, HELD, "idle")
    assert.same(HELD .. "\n", fs.read(dir .. "/ready"))
    local res = emu.request{ url = e.url .. "/ims/keys", timeout = 20 }
    release(dir)
    assert.same(0, res.exit)
    assert.is_true(res.status > 0 and res.status < 500)
  end)

  it_enough("answers a normal GET while they send a request a byte at a "
    .. "time, and closes them once their headers took 10 s",
    function()
      local dir = hold(e.port, HELD, "slowloris")
      assert.same(HELD .. "\n", fs.read(dir .. "/ready"))
      local token = emu.token(e.url)
      local res = emu.request{ url = e.url .. emu.BASE .. "/connections",
        headers = { Authorization = "Bearer " .. token,
          ["x-api-key"] = "spec-client", ["x-gw-ims-org-id"] = emu.ORG,
          ["x-sandbox-name"] = "prod" }, timeout = 20 }
      assert.same(200, res.status)
      -- each dripped byte restarts the idle timeout: only the bound on a
      -- request's headers (10 s from its first byte) closes them
      local closed
      for _ = 1, 1200 do
        closed = tonumber(fs.read(dir .. "/closed") or "")
        if closed == HELD then break end
        os.execute("sleep 0.05")
      end
      local after = emu.request{ url = e.url .. "/ims/keys", timeout = 20 }
      release(dir)
      assert.same(HELD, closed)
      assert.same(0, after.exit)
      assert.is_true(after.status > 0 and after.status < 500)
    end)
end)
