--- The emulator's clock. With `--time-scale N`, N simulated seconds pass
-- per real second, counted from the real time at start-up, so simulated
-- time is never behind real time: a schedule that starts "now" by the
-- client's clock has started for the emulator too.
-- @module flowlua.emulator.clock

local sys = require("flowlua.core").sys

local clock = {}

local Clock = {}
Clock.__index = Clock
Clock.__name = "flowlua.emulator.clock"

--- A clock.
-- @tparam[opt=1] number scale simulated seconds per real second (> 0)
-- @tparam[opt] function real_time seconds since the epoch (sys.time)
-- @treturn table
function clock.new(scale, real_time)
  real_time = real_time or sys.time
  return setmetatable({ scale = scale or 1, real_time = real_time,
    start = real_time() }, Clock)
end

--- Simulated seconds since the epoch.
-- @treturn number
function Clock:now()
  return self:of_real(self.real_time())
end

--- Simulated milliseconds since the epoch, an integer.
-- @treturn integer
function Clock:now_ms()
  return math.floor(self:now() * 1000)
end

--- The simulated time of a real instant (a file's modification time):
-- instants before start-up are themselves.
-- @tparam number t real seconds since the epoch
-- @treturn number simulated seconds
function Clock:of_real(t)
  if t <= self.start then return t end
  return self.start + (t - self.start) * self.scale
end

return clock
