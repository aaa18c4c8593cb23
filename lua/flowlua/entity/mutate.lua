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
-- 3. if it did not, back off (the client's flowlua.retry policy) and send
--    again, up to the policy's attempts; then the last error is raised;
-- 4. any other failure is raised at once, unless `op.repair(err)` fixes
--    its cause and returns true (then send again, without backing off).
--
-- flowlua.http below it already retries what certainly was not processed
-- (a refused connection, 429, 503); this routine handles what only a read
-- can settle.
-- @module flowlua.entity.mutate

local task = require "flowlua.task"

local mutate = {}

--- True when a failed request may or may not have been applied: a
-- network error that may have reached the server, or a 5xx answer.
-- @tparam table err a structured error (flowlua.errors)
-- @treturn boolean
function mutate.ambiguous(err)
  if err.kind == "network" then return err.sent ~= false end
  return err.kind == "service" and err.status >= 500
end

--- Sends a change until an answer or a fresh read shows it landed.
-- @tparam table c the client: `c:retry_policy()` paces the attempts (no
--   policy: one attempt)
-- @tparam table op the operation:
--
--   * `send()` → an answer, or `nil, err` (one request; `err` structured);
--   * `done(answer)` → the results (the answer says the change landed);
--   * `landed(err)` → the results when a fresh read shows the change, nil
--     when it is not there (it may raise: a change that can never land);
--   * `repair(err)` (optional) → true after fixing the cause of an error
--     that is not ambiguous, so the change is sent again at once.
-- @return what `done` or `landed` returned
-- @raise the last error when every attempt failed, or an error that is
--   neither ambiguous nor repaired
function mutate.run(c, op)
  local policy = c:retry_policy()
  local attempts = policy and math.max(policy.attempts, 1) or 1
  local err
  for attempt = 1, attempts do
    local answer
    answer, err = op.send()
    if answer ~= nil then return op.done(answer) end
    if mutate.ambiguous(err) then
      local results = table.pack(op.landed(err))
      if results[1] ~= nil then return table.unpack(results, 1, results.n) end
      if attempt < attempts then task.sleep(policy:backoff(attempt)) end
    elseif not (op.repair and op.repair(err)) then
      error(err, 0)
    end
  end
  error(err, 0)
end

return mutate
