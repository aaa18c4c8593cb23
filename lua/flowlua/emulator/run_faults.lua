--- `run-fail=RATE` and `auth-fail=RATE` in the `--faults` spec. run-fail:
-- the share of runs that fail (with CONNECTOR-1001-500, as a copy from
-- the source that broke off), whatever their files. auth-fail: the share
-- of base connections whose credentials are wrong (their test answers
-- false, explore fails, their flows' runs fail), drawn once per
-- connection from its id, so a connection stays wrong or right. Both are
-- taken out of the spec before the request faults read the rest
-- (flowlua.emulator.faults), since they are not drawn per request. A
-- `seed=N` of the spec makes the draws repeat.
-- @module flowlua.emulator.run_faults

local run_faults = {}

local KEYS = { ["run-fail"] = true, ["auth-fail"] = true }

--- Splits `run-fail=RATE` and `auth-fail=RATE` out of a fault spec.
-- @tparam string|nil spec
-- @treturn string|nil the spec without them
-- @treturn number the run-fail rate (0 when absent)
-- @treturn number the auth-fail rate (0 when absent)
function run_faults.split(spec)
  if spec == nil then return nil, 0, 0 end
  local rest, rates = {}, { ["run-fail"] = 0, ["auth-fail"] = 0 }
  for item in (spec .. ","):gmatch("([^,]*),") do
    local key, value = item:match("^%s*([%w-]+)%s*=%s*(%S+)%s*$")
    if KEYS[key] then
      local rate = tonumber(value)
      if rate == nil or rate < 0 or rate > 1 then
        error(("invalid fault spec '%s': rate of %s must be a number "
          .. "from 0 to 1"):format(spec, key), 0)
      end
      rates[key] = rate
    elseif item:match("%S") then
      rest[#rest + 1] = item
    end
  end
  return table.concat(rest, ","), rates["run-fail"], rates["auth-fail"]
end

-- xorshift64* step: the next state and a number in [0, 1).
local function step(state)
  state = state ~ (state >> 12)
  state = state ~ (state << 25)
  state = state ~ (state >> 27)
  return state, ((state * 0x2545F4914F6CDD1D) >> 11) / 9007199254740992.0
end

--- A drawer of run failures.
-- @tparam number rate
-- @tparam integer seed
-- @treturn function returning true when the next run must fail
function run_faults.new(rate, seed)
  local state = seed ~= 0 and seed or 0x2545F491
  return function()
    if rate <= 0 then return false end
    local x
    state, x = step(state)
    return x < rate
  end
end

--- A draw per key: the same key always gets the same answer (for one
-- seed).
-- @tparam number rate
-- @tparam integer seed
-- @treturn function(key) returning true for the share `rate` of keys
function run_faults.per_key(rate, seed)
  return function(key)
    if rate <= 0 then return false end
    if rate >= 1 then return true end
    local h = seed ~ 0x2545F491
    for i = 1, #key do h = (h ~ key:byte(i)) * 0x100000001B3 end
    local _, x = step(h ~= 0 and h or 1)
    return x < rate
  end
end

return run_faults
