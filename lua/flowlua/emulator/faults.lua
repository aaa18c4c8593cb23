--- Fault injection (`--faults SPEC`), for testing clients.
-- SPEC is a comma list of `KIND=RATE` plus `latency=DURATION` and
-- `seed=N`, e.g. `429=0.05,503=0.05,drop=0.02,latency=5ms,seed=7`.
-- Each request draws one number; the kinds' rates are consecutive slices
-- of [0, 1), so at most one fault hits a request and the rates must add
-- up to at most 1. The generator is the emulator's own (xorshift64*), so
-- a seed gives the same sequence of faults whatever else the emulator
-- does with random numbers.
-- @module flowlua.emulator.faults

local errors = require("flowlua.emulator.errors")

local faults = {}

--- Fault kinds, in the order their slices are laid out.
faults.KINDS = { "429", "429-bare", "500", "502", "503", "504", "reset",
  "drop" }

local KNOWN = {}
for _, k in ipairs(faults.KINDS) do KNOWN[k] = true end

local function parse_duration(s)
  local n, unit = s:match("^(%d+%.?%d*)(%a*)$")
  n = tonumber(n)
  if n == nil then return nil end
  if unit == "ms" then return n / 1000
  elseif unit == "s" then return n
  elseif unit == "us" then return n / 1e6
  end
  return nil
end

local function bad(spec, why)
  error(("invalid fault spec '%s': %s"):format(spec, why), 0)
end

local function parse_item(spec, out, item)
  local key, value = item:match("^%s*([^=%s]+)%s*=%s*(%S+)%s*$")
  if key == nil then bad(spec, ("'%s' is not KIND=VALUE"):format(item)) end
  if key == "latency" then
    out.latency = parse_duration(value)
      or bad(spec, ("latency '%s' is not a duration such as 20ms"):format(value))
  elseif key == "seed" then
    out.seed = math.tointeger(tonumber(value))
      or bad(spec, ("seed '%s' is not an integer"):format(value))
  elseif KNOWN[key] then
    local rate = tonumber(value)
    if rate == nil or rate < 0 or rate > 1 then
      bad(spec, ("rate of %s must be a number from 0 to 1"):format(key))
    end
    out.rates[key] = rate
  else
    bad(spec, ("unknown fault kind '%s' (known: %s, latency, seed)")
      :format(key, table.concat(faults.KINDS, ", ")))
  end
end

--- Parses a fault spec; raises a message naming the problem.
-- @tparam string|nil spec
-- @treturn table `{rates = {[kind] = rate}, latency = seconds, seed = N}`
function faults.parse(spec)
  local out = { rates = {}, latency = 0 }
  if spec == nil or spec == "" then return out end
  for item in (spec .. ","):gmatch("([^,]*),") do
    if item:match("%S") then parse_item(spec, out, item) end
  end
  local sum = 0
  for _, r in pairs(out.rates) do sum = sum + r end
  if sum > 1 + 1e-9 then bad(spec, "the rates add up to more than 1") end
  return out
end

local Injector = {}
Injector.__index = Injector
Injector.__name = "flowlua.emulator.faults"

--- A fault injector.
-- @tparam table parsed from `parse`
-- @tparam integer default_seed used when the spec gives none
-- @treturn table injector with `draw()` and `latency`
function faults.new(parsed, default_seed)
  local seed = parsed.seed or default_seed
  local self = setmetatable({ rates = parsed.rates,
    latency = parsed.latency, state = seed ~= 0 and seed or 0x2545F491 },
    Injector)
  self.any = next(parsed.rates) ~= nil
  return self
end

-- xorshift64*: a float in [0, 1).
function Injector:next()
  local x = self.state
  x = x ~ (x >> 12)
  x = x ~ (x << 25)
  x = x ~ (x >> 27)
  self.state = x
  local r = (x * 0x2545F4914F6CDD1D) >> 11
  return r / 9007199254740992.0
end

--- The fault for the next request, or nil.
-- @treturn string|nil a kind from `KINDS`
function Injector:draw()
  if not self.any then return nil end
  local u, acc = self:next(), 0
  for _, kind in ipairs(faults.KINDS) do
    acc = acc + (self.rates[kind] or 0)
    if u < acc then return kind end
  end
  return nil
end

local RESPONSES = {
  ["500"] = function()
    return errors.flow("1102-500", "Internal error (injected fault)")
  end,
  ["502"] = function()
    return errors.gateway(502, "502000", "Bad gateway (injected fault)")
  end,
  ["503"] = function()
    return errors.flow("1103-503", "Service unavailable (injected fault)")
  end,
  ["504"] = function()
    return errors.flow("1104-504", "Gateway timeout (injected fault)")
  end,
  ["429"] = function()
    local r = errors.gateway(429, "429001", "Too many requests")
    r.headers["Retry-After"] = "1"
    return r
  end,
  ["429-bare"] = function()
    return errors.gateway(429, "429001", "Too many requests")
  end,
  reset = function() return { abort = true } end,
}

--- The response that replaces processing for a fault kind (not `drop`).
-- @tparam string kind
-- @treturn table response
function faults.response(kind)
  return RESPONSES[kind]()
end

return faults
