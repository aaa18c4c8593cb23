--- `run-fail=RATE` in the `--faults` spec: the share of runs that fail
-- (with CONNECTOR-1001-500, as a copy from the source that broke off),
-- whatever their files. It is taken out of the spec before the request
-- faults read the rest (flowlua.emulator.faults), since it is drawn per
-- run, not per request. A `seed=N` of the spec makes the sequence repeat.
-- @module flowlua.emulator.run_faults

local run_faults = {}

--- Splits `run-fail=RATE` out of a fault spec.
-- @tparam string|nil spec
-- @treturn string|nil the spec without it
-- @treturn number the rate (0 when absent)
function run_faults.split(spec)
  if spec == nil then return nil, 0 end
  local rest, rate = {}, 0
  for item in (spec .. ","):gmatch("([^,]*),") do
    local value = item:match("^%s*run%-fail%s*=%s*(%S+)%s*$")
    if value then
      rate = tonumber(value)
      if rate == nil or rate < 0 or rate > 1 then
        error(("invalid fault spec '%s': rate of run-fail must be a number "
          .. "from 0 to 1"):format(spec), 0)
      end
    elseif item:match("%S") then
      rest[#rest + 1] = item
    end
  end
  return table.concat(rest, ","), rate
end

--- A drawer of run failures.
-- @tparam number rate
-- @tparam integer seed
-- @treturn function returning true when the next run must fail
function run_faults.new(rate, seed)
  local state = seed ~= 0 and seed or 0x2545F491
  return function()
    if rate <= 0 then return false end
    state = state ~ (state >> 12)
    state = state ~ (state << 25)
    state = state ~ (state >> 27)
    return ((state * 0x2545F4914F6CDD1D) >> 11) / 9007199254740992.0 < rate
  end
end

return run_faults
