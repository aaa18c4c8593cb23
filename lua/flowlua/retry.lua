--- Retry policy: when to try an HTTP request again, and after how long.
-- Exponential backoff with full jitter (a uniform draw between 0 and
-- min(cap, base * 2^(n-1))), `Retry-After` honoured, caps on attempts
-- (fewer after an attempt that timed out) and total time, and the rule
-- that keeps creates exactly-once: a request that is not idempotent is
-- retried only when the server certainly did not process it.
-- flowlua.http asks `policy:decide` after every attempt.
-- @module flowlua.retry

local sys = require("flowlua.core").sys
local args = require("flowlua.args")

local retry = {}

--- Default settings; every one can be given to `retry.policy`.
retry.DEFAULTS = {
  attempts = 4,            -- attempts in all, the first one included
  -- Attempts in all when the last one timed out: each such attempt cost
  -- a whole timeout, and a server that let one run out is unlikely to
  -- answer the next (`Policy:hung_bound`).
  timeout_attempts = 3,
  base = 0.25,             -- seconds: the first backoff ceiling
  cap = 8,                 -- seconds: no backoff draw exceeds this
  max_elapsed = 60,        -- seconds since the first attempt started
  max_retry_after = 120,   -- a longer Retry-After is not waited for
  statuses = { 429, 502, 503, 504 },
  -- Statuses that say the server did not process the request: 429 (RFC
  -- 6585: rate limited before processing) and 503 (RFC 9110 15.6.4:
  -- unable to handle it now). Only these are retried for a request that
  -- is not idempotent; after 502 or 504 the origin may have done the work.
  unprocessed = { 429, 503 },
  -- Transport failures worth another attempt ("tls", "too_large",
  -- "protocol" and "memory" would only fail again).
  kinds = { "connect", "timeout", "reset" },
  seed = nil,              -- integer: a reproducible jitter sequence
}

local Policy = {}
Policy.__index = Policy
Policy.__name = "flowlua.retry.policy"

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local function random_seed()
  return string.unpack("<i8", sys.random(8))
end

-- What is wrong with option `name` = `value`, or nil.
local function option_mistake(name, value)
  local default = retry.DEFAULTS[name]
  if default == nil and name ~= "seed" then
    return ("unknown option '%s'"):format(tostring(name))
  end
  local want = name == "seed" and "number" or type(default)
  if type(value) ~= want or (want == "number" and value < 0) then
    return ("option '%s' must be a %s%s"):format(name, want,
      want == "number" and " >= 0" or "")
  end
end

--- Makes a policy from options (see `retry.DEFAULTS`); `false` means
-- never retry and returns nil.
-- @param[opt] opts table of options, or false
-- @return policy or nil
function retry.policy(opts)
  if opts == false then return nil end
  if opts ~= nil and type(opts) ~= "table" then
    args.fail(1, "policy", ("table or false expected, got %s")
      :format(type(opts)))
  end
  local p = setmetatable({}, Policy)
  for k, v in pairs(retry.DEFAULTS) do p[k] = v end
  for k, v in pairs(opts or {}) do
    local mistake = option_mistake(k, v)
    if mistake then args.fail(1, "policy", mistake) end
    p[k] = v
  end
  p.status_set, p.unprocessed_set = set_of(p.statuses), set_of(p.unprocessed)
  p.kind_set = set_of(p.kinds)
  p.state = math.tointeger(p.seed) or random_seed()
  return p
end

--- A uniform number in [0, 1) from the policy's own generator (a 64-bit
-- LCG), so seeded policies give the same jitter in every run.
-- @return number
function Policy:random()
  self.state = self.state * 6364136223846793005 + 1442695040888963407
  return (self.state >> 11) / 2 ^ 53
end

-- The ceiling of the backoff before retry number n.
local function ceiling(p, n)
  return math.min(p.cap, p.base * 2 ^ (n - 1))
end

--- The jittered pause before retry number `n` (1 for the first retry).
-- @param n integer
-- @return seconds
function Policy:backoff(n)
  args.check(1, "backoff", n, "number")
  return self:random() * ceiling(self, n)
end

--- The longest a request that never answers can take under this policy:
-- every attempt times out, so it is sent `timeout_attempts` times (or
-- `attempts`, when fewer), each given up after `timeout` seconds, with
-- the backoff before each retry at most its ceiling. (`max_elapsed` can
-- only end it sooner.)
-- @param timeout seconds an attempt may take
-- @return seconds
function Policy:hung_bound(timeout)
  args.check(1, "hung_bound", timeout, "number")
  local n = math.max(1, math.min(self.attempts, self.timeout_attempts))
  local pauses = 0
  for retry_n = 1, n - 1 do pauses = pauses + ceiling(self, retry_n) end
  return n * timeout + pauses
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
  Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- The three HTTP-date forms of RFC 9110 5.6.7, as epoch seconds.
local function parse_http_date(s)
  local d, mon, y, hh, mm, ss =
    s:match("^%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT$")
  if not d then  -- RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    d, mon, y, hh, mm, ss =
      s:match("^%a+, (%d%d)%-(%a%a%a)%-(%d%d) (%d%d):(%d%d):(%d%d) GMT$")
    if y then y = tonumber(y) + (tonumber(y) < 70 and 2000 or 1900) end
  end
  if not d then  -- asctime: Sun Nov  6 08:49:37 1994
    mon, d, hh, mm, ss, y =
      s:match("^%a+ (%a%a%a) +(%d%d?) (%d%d):(%d%d):(%d%d) (%d%d%d%d)$")
  end
  local m = MONTHS[mon]
  if not m then return nil end
  return days_from_civil(tonumber(y), m, tonumber(d)) * 86400
    + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
end

--- Seconds to wait according to a `Retry-After` value: delay-seconds or
-- an HTTP-date (a date in the past means 0). nil when unparseable.
-- @param value the header value
-- @param[opt] now epoch seconds (default: the current time)
-- @return seconds or nil
function retry.parse_retry_after(value, now)
  if type(value) ~= "string" then return nil end
  value = value:match("^%s*(.-)%s*$")
  local secs = value:match("^%d+$")
  if secs then return tonumber(secs) end
  local at = parse_http_date(value)
  if not at then return nil end
  return math.max(0, at - (now or sys.time()))
end

-- Why the outcome allows no retry, or nil when it does.
local function refusal(p, o)
  if o.status then
    if not p.status_set[o.status] then return "status" end
    if not o.idempotent and not p.unprocessed_set[o.status] then
      return "not idempotent"
    end
  else
    if not p.kind_set[o.kind] then return "kind" end
    if not o.idempotent and o.sent then return "not idempotent" end
  end
  if o.attempt >= p.attempts then return "attempts" end
  return nil
end

--- Decides whether to retry after an attempt.
-- @param o `{status=, retry_after= (header value), kind=, sent=,
--   idempotent=, attempt= (attempts made), elapsed= (seconds)}`;
--   `status` for a response, `kind` and `sent` for a transport failure
--   (`kind = "timeout"`: fewer attempts, `timeout_attempts`)
-- @return delay in seconds and "retry-after" or "backoff"; or nil and the
--   reason ("status", "kind", "not idempotent", "attempts", "time",
--   "retry-after too long")
function Policy:decide(o)
  args.check(1, "decide", o, "table")
  local why = refusal(self, o)
  if why then return nil, why end
  local delay = retry.parse_retry_after(o.retry_after)
  if delay == nil then
    delay, why = self:pause(o.attempt, o.elapsed, o.kind == "timeout")
    return delay, why or "backoff"
  end
  if delay > self.max_retry_after then return nil, "retry-after too long" end
  if o.elapsed + delay > self.max_elapsed then return nil, "time" end
  return delay, "retry-after"
end

--- The pause before another attempt of a request that is known to be
-- safe to send again (flowlua.entity.mutate: a fresh read showed that
-- the change did not land): the backoff of `decide`, within the same
-- caps on attempts and total time.
-- @param n integer: attempts made
-- @param elapsed seconds since the first attempt started
-- @param[opt] timed_out true when the last attempt timed out (then at
--   most `timeout_attempts` in all)
-- @return delay in seconds; or nil and the reason ("attempts", "time")
function Policy:pause(n, elapsed, timed_out)
  args.check(1, "pause", n, "number")
  args.check(2, "pause", elapsed, "number")
  if n >= self.attempts or (timed_out and n >= self.timeout_attempts) then
    return nil, "attempts"
  end
  local delay = self:backoff(n)
  if elapsed + delay > self.max_elapsed then return nil, "time" end
  return delay
end

return retry
