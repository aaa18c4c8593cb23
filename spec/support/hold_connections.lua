-- A hostile client, run as its own process (lua5.4 with LuaSocket):
--
--   lua5.4 spec/support/hold_connections.lua HOST PORT COUNT MODE DIR
--
-- opens COUNT TCP connections to HOST:PORT and holds them: MODE "idle"
-- sends nothing; "slowloris" sends a request line and half a header, then
-- one more header byte on every connection about every second. Writes
-- DIR/ready (the number held) once all are open, and holds them until
-- DIR/stop exists (or two minutes pass); in slowloris mode, DIR/closed
-- holds the number the server has closed so far. Its own process because it needs
-- more descriptors than a spec may have: the caller raises the soft limit
-- with `ulimit -n` first.
local socket = require("socket")

local host, port, count, mode, dir = arg[1], tonumber(arg[2]),
  tonumber(arg[3]), arg[4], arg[5]

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

local held = {}
for i = 1, count do
  local s = assert(socket.tcp())
  assert(s:connect(host, port))
  if mode == "slowloris" then
    assert(s:send("GET /slow/" .. i .. " HTTP/1.1\r\nHost: x\r\nX-Slow: "))
  end
  held[i] = s
end
local f = assert(io.open(dir .. "/ready", "w"))
f:write(#held, "\n")
f:close()

-- Sends one byte on every connection still open; returns how many the
-- server has closed (it sent its end: a receive sees "closed").
local closed = {}
local function drip()
  for i, s in ipairs(held) do
    if not closed[i] then
      s:settimeout(0)
      local _, err = s:receive(1)
      if err == "closed" or not s:send("a") then closed[i] = true end
    end
  end
  local n = 0
  for _ in pairs(closed) do n = n + 1 end
  local out = assert(io.open(dir .. "/closed.tmp", "w"))
  out:write(n, "\n")
  out:close()
  assert(os.rename(dir .. "/closed.tmp", dir .. "/closed"))
end

local deadline = socket.gettime() + 120
local next_drip = socket.gettime() + 1
while not exists(dir .. "/stop") and socket.gettime() < deadline do
  if mode == "slowloris" and socket.gettime() >= next_drip then
    drip()
    next_drip = socket.gettime() + 1
  end
  socket.sleep(0.05)
end
for _, s in ipairs(held) do s:close() end
