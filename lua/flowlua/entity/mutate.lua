--- The exactly-once routine: every change the client makes to the
-- service (create, update, delete, publish, enable, disable) is sent
-- through `mutate.run`, so that a lost or ambiguous answer never makes a
-- change twice and never hides one that landed.
--
-- An operation says how to send its change once and how to tell, from a
-- fresh read of the service, whether the change is there; the routine
-- does the rest:
--
-- 1. send; an answer is the outcome (`op.done(answer)`);
-- 2. a failure after which the change may or may not have been applied
--    (`mutate.ambiguous`: a network error that may have reached the
--    server, a 5xx) is settled by reading the service (`op.landed(err)`):
--    a result means it landed, nil that it did not;
-- 3. if it did not, pause and send again, as the client's retry policy
--    (flowlua.retry, `Policy:pause`) allows; when it allows no more, the
--    last error is raised (a `service` or `network` error);
-- 4. any other failure is raised at once, unless `op.repair(err)` fixes
--    its cause and returns true (then it is sent again at once).
--
-- Every `send` asks flowlua.http for a request that is not idempotent
-- (a DELETE: `retry_sent = false`): below it, flowlua.http retries, under the same policy,
-- only what certainly was not processed (a refused connection, 429, 503);
-- this routine handles what only a read can settle. So each attempt
-- counted here is one request at the service, and a change that never
-- answers costs at most `Policy:hung_bound(timeout)`, whatever its kind.
-- @module flowlua.entity.mutate

local sys = require("flowlua.core").sys
local task = require("flowlua.task")
local stop = require("flowlua.stop")

local mutate = {}

--- True when a failed request may or may not have been applied: a
-- network error that may have reached the server, or a 5xx answer.
-- @tparam table err a structured error (flowlua.errors)
-- @treturn boolean
function mutate.ambiguous(err)
  if err.kind == "network" then return err.sent ~= false end
  return err.kind == "service" and err.status >= 500
end

-- Waits before attempt n + 1; false when the policy allows no more
-- (fewer after an attempt that timed out: `timeout_attempts`), or when
-- the run stops before the wait would end (flowlua.stop: a deadline
-- bounds the whole run, pauses included).
local function paused(policy, n, started, err)
  local timed_out = err.kind == "network" and err.network == "timeout"
  local delay = policy and policy:pause(n, sys.monotime() - started,
    timed_out)
  if not delay or not stop.may_wait(delay) then return false end
  task.sleep(delay)
  return true
end

-- The outcome of a failed attempt: `true` and the results when the
-- change landed, `false` to send again, or it raises.
local function settle(op, err)
  if mutate.ambiguous(err) then
    local results = table.pack(op.landed(err))
    return results[1] ~= nil, results
  end
  if op.repair and op.repair(err) then return false, nil, true end
  error(err, 0)
end

--- Sends a change until an answer or a fresh read shows it landed.
-- @tparam table c the client: `c:retry_policy()` paces the attempts (no
--   policy: one attempt, still settled by a read)
-- @tparam table op the operation:
--
--   * `send()` → an answer, or `nil, err` (one request; `err` structured);
--   * `done(answer)` → the results (the answer says the change landed);
--   * `landed(err)` → the results when a fresh read shows the change, nil
--     when it is not there (it may raise: a change that can never land);
--   * `repair(err)` (optional) → true after fixing the cause of an error
--     that is not ambiguous, so the change is sent again at once.
-- @return what `done` or `landed` returned
-- @raise the last error when the policy allows no more attempts, or an
--   error that is neither ambiguous nor repaired
function mutate.run(c, op)
  local policy, started, n = c:retry_policy(), sys.monotime(), 0
  while true do
    n = n + 1
    local answer, err = op.send()
    if answer ~= nil then return op.done(answer) end
    local landed, results, repaired = settle(op, err)
    if landed then return table.unpack(results, 1, results.n) end
    if not repaired and not paused(policy, n, started, err) then
      error(err, 0)
    end
  end
end

return mutate
