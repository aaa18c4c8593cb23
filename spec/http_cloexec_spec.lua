-- Sockets are closed on exec: a child that a script spawns (os.execute,
-- io.popen) inherits none of the client's connections nor the server's.
local emu = require("support.emulator")
local proc = require("support.proc")
local http = require("flowlua.http")

-- A script that keeps a connection open to URL, then lists what a child
-- shell holds: one line per descriptor, "fd target".
local SCRIPT = [[
local http = require("flowlua.http")
local c = http.client{ retry = false, timeout = 10 }
for _, method in ipairs{ "GET", "POST" } do
  local res = assert(c:request{ method = method,
    url = arg[1] .. "/emulator/requests", body = method == "POST" and "" or nil })
  io.stderr:write(method, " ", res.status, "\n")
end
local child = io.popen([=[sh -c 'for f in /proc/$$/fd/*; do
  echo "${f##*/} $(readlink "$f")"; done']=])
io.write(child:read("a"))
child:close()
]]

local O_CLOEXEC = 0x80000  -- 02000000: the flags of /proc/PID/fdinfo

-- The sockets a child of this test process holds before any test runs: a
-- CI harness may hand one down without close-on-exec. They are not ours,
-- and every child inherits them, the emulator too. Keyed by their
-- "socket:[inode]" target.
local function inherited_sockets()
  local held = {}
  local shell = io.popen([=[sh -c 'for f in /proc/$$/fd/*; do
    readlink "$f"; done']=])
  for target in shell:lines() do
    if target:match("^socket:") then held[target] = true end
  end
  shell:close()
  return held
end
local INHERITED = inherited_sockets()

-- The socket descriptors of process `pid` and their fdinfo flags.
local function socket_flags(pid)
  local out = {}
  local list = io.popen(("ls /proc/%d/fd"):format(pid))
  for fd in list:lines() do
    local link = io.popen(("readlink /proc/%d/fd/%s"):format(pid, fd))
    local target = link:read("l") or ""
    link:close()
    if target:match("^socket:") and not INHERITED[target] then
      local f = io.open(("/proc/%d/fdinfo/%s"):format(pid, fd))
      local flags = f and f:read("a"):match("flags:%s*(%d+)")
      if f then f:close() end
      out[#out + 1] = { fd = fd, flags = tonumber(flags, 8) }
    end
  end
  list:close()
  return out
end

describe("close-on-exec", function()
  local e

  setup(function() e = assert(emu.spawn()) end)
  teardown(function() e:stop() end)

  it("a child of a script holds none of the client's sockets", function()
    local script = proc.tempfile(SCRIPT)
    local out, err, code = proc.run({ "run", script, e.url })
    os.remove(script)
    assert.equal(0, code, err)
    -- a GET on a kept-alive connection, a POST on a fresh one (405: the
    -- emulator's tally is read-only; any answer will do)
    assert.equal("GET 200\nPOST 405\n", err)
    local sockets = {}
    for line in out:gmatch("[^\n]+") do
      local target = line:match(" (socket:.*)$")
      if target and not INHERITED[target] then sockets[#sockets + 1] = line end
    end
    assert.matches("\n?0 ", out)  -- the listing itself ran
    assert.same({}, sockets)
  end)

  it("the emulator's listening and accepted sockets are close-on-exec", function()
    local c = http.client{ retry = false, timeout = 10 }
    assert.equal(200, c:request{ url = e.url .. "/emulator/requests" }.status)
    local sockets = socket_flags(e.pid)  -- the kept-alive one among them
    c:close()
    assert.is_true(#sockets >= 2, "listening and accepted sockets")
    for _, s in ipairs(sockets) do
      assert.is_true(s.flags ~= nil and s.flags & O_CLOEXEC ~= 0,
        "fd " .. s.fd .. " lacks close-on-exec")
    end
  end)
end)
