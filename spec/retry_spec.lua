local retry = require("flowlua.retry")
local http = require("flowlua.http")
local task = require("flowlua.task")
local server = require("flowlua.core").server
local json = require("flowlua.json")
local log = require("flowlua.log")

describe("flowlua.retry", function()
  describe("policy", function()
    it("draws full-jitter backoff under min(cap, base * 2^(n-1))", function()
      local p = retry.policy{ base = 1, cap = 4, seed = 7 }
      for n, ceiling in ipairs{ 1, 2, 4, 4, 4 } do
        for _ = 1, 50 do
          local d = p:backoff(n)
          assert.is_true(d >= 0 and d < ceiling, ("%d: %s"):format(n, d))
        end
      end
    end)

    it("repeats the same jitter for the same seed", function()
      local a, b = retry.policy{ seed = 42 }, retry.policy{ seed = 42 }
      local c = retry.policy{ seed = 43 }
      local xa, xb, xc = {}, {}, {}
      for i = 1, 5 do xa[i], xb[i], xc[i] = a:backoff(3), b:backoff(3), c:backoff(3) end
      assert.same(xa, xb)
      assert.are_not.same(xa, xc)
    end)

    it("is nil for false and rejects unknown options", function()
      assert.is_nil(retry.policy(false))
      assert.has_error(function() retry.policy{ atempts = 3 } end,
        "bad argument #1 to 'policy' (unknown option 'atempts')")
      assert.has_error(function() retry.policy{ attempts = "3" } end,
        "bad argument #1 to 'policy' (option 'attempts' must be a number "
        .. ">= 0)")
      assert.has_error(function() retry.policy(3) end,
        "bad argument #1 to 'policy' (table or false expected, got number)")
    end)

    it("names the argument a policy's method was given wrong", function()
      local p = retry.policy{}
      assert.has_error(function() p:backoff("1") end,
        "bad argument #1 to 'backoff' (number expected, got string)")
      assert.has_error(function() p:pause(1) end,
        "bad argument #2 to 'pause' (number expected, got no value)")
      assert.has_error(function() p:decide() end,
        "bad argument #1 to 'decide' (table expected, got no value)")
      assert.has_error(function() p:hung_bound() end,
        "bad argument #1 to 'hung_bound' (number expected, got no value)")
    end)

    local function decide(o)
      local p = retry.policy{ seed = 1, attempts = 3 }
      o.attempt, o.elapsed = o.attempt or 1, o.elapsed or 0
      if o.idempotent == nil then o.idempotent = true end
      local delay, why = p:decide(o)
      return delay and "retry" or why, why
    end

    it("retries 429, 502, 503, 504 and not 500 or 404", function()
      for _, s in ipairs{ 429, 502, 503, 504 } do
        assert.same("retry", decide{ status = s }, s)
      end
      assert.same("status", decide{ status = 500 })
      assert.same("status", decide{ status = 404 })
      assert.same("retry", retry.policy{ statuses = { 500 } }:decide{
        status = 500, idempotent = true, attempt = 1, elapsed = 0 } and "retry")
    end)

    it("retries connect, timeout and reset failures, not tls or too_large", function()
      for _, k in ipairs{ "connect", "timeout", "reset" } do
        assert.same("retry", decide{ kind = k, sent = true }, k)
      end
      assert.same("kind", decide{ kind = "tls", sent = false })
      assert.same("kind", decide{ kind = "too_large", sent = true })
    end)

    it("retries a non-idempotent request only when it was certainly not "
      .. "processed", function()
      assert.same("retry", decide{ kind = "connect", sent = false, idempotent = false })
      assert.same("not idempotent", decide{ kind = "reset", sent = true, idempotent = false })
      assert.same("not idempotent", decide{ kind = "timeout", sent = true, idempotent = false })
      assert.same("retry", decide{ status = 429, idempotent = false })
      assert.same("retry", decide{ status = 503, idempotent = false })
      assert.same("not idempotent", decide{ status = 502, idempotent = false })
      assert.same("not idempotent", decide{ status = 504, idempotent = false })
    end)

    it("stops at the attempt cap and the time budget", function()
      assert.same("attempts", decide{ status = 503, attempt = 3 })
      assert.same("time", decide{ status = 503, retry_after = "30", elapsed = 40 })
      assert.same("retry-after too long", decide{ status = 503, retry_after = "3600" })
    end)

    it("sends a request whose last attempt timed out at most "
      .. "timeout_attempts times", function()
      local p = retry.policy{ seed = 1, attempts = 10 }
      assert.equal(3, p.timeout_attempts)
      local function timed_out(n)
        return p:decide{ kind = "timeout", sent = true, idempotent = true,
          attempt = n, elapsed = 0 }
      end
      assert.is_number(timed_out(2))
      assert.same({ nil, "attempts" }, { timed_out(3) })
      assert.is_number(p:decide{ status = 503, idempotent = true,
        attempt = 3, elapsed = 0 })
      assert.is_number(p:pause(2, 0, true))
      assert.same({ nil, "attempts" }, { p:pause(3, 0, true) })
      assert.is_number(p:pause(3, 0))
    end)

    it("bounds a request that never answers: attempts x timeout plus the "
      .. "backoff ceilings", function()
      assert.equal(3 * 2 + 0.25 + 0.5,
        retry.policy{ attempts = 10 }:hung_bound(2))
      assert.equal(5 * 2 + 0.25 + 0.5 + 1 + 2,
        retry.policy{ attempts = 10, timeout_attempts = 5 }:hung_bound(2))
      assert.equal(2 * 30 + 0.25, retry.policy{ attempts = 2 }:hung_bound(30))
      assert.equal(7, retry.policy{ timeout_attempts = 0 }:hung_bound(7))
    end)

    it("uses Retry-After as the delay", function()
      local p = retry.policy{ seed = 1 }
      assert.same({ 7, "retry-after" }, { p:decide{ status = 429,
        retry_after = "7", idempotent = true, attempt = 1, elapsed = 0 } })
    end)
  end)

  describe("parse_retry_after", function()
    local now = 784111777  -- Sun, 06 Nov 1994 08:49:37 GMT
    it("reads delay-seconds", function()
      assert.same(120, retry.parse_retry_after(" 120 ", now))
      assert.same(0, retry.parse_retry_after("0", now))
    end)

    it("reads the three HTTP-date forms", function()
      assert.same(10, retry.parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now))
      assert.same(10, retry.parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now))
      assert.same(10, retry.parse_retry_after("Sun Nov  6 08:49:47 1994", now))
      assert.same(86400 * 366 + 3600, retry.parse_retry_after(
        "Tue, 07 Nov 1995 09:49:37 GMT", now))
    end)

    it("treats a past date as no wait and garbage as absent", function()
      assert.same(0, retry.parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now))
      assert.is_nil(retry.parse_retry_after("soon", now))
      assert.is_nil(retry.parse_retry_after("-5", now))
      assert.is_nil(retry.parse_retry_after(nil, now))
    end)
  end)

  describe("in the HTTP client", function()
    local srv, c
    local lines = {}
    local capture = { write = function(_, ...) lines[#lines + 1] = table.concat{ ... } end }

    setup(function()
      srv = server.start{ module = "support.handlers.http_behaviour" }
      log.configure{ level = "debug", stream = capture }
    end)

    teardown(function()
      srv:close()
      log.configure{}
    end)

    before_each(function()
      c = http.client{ timeout = 5, retry = { seed = 3, base = 0.01, cap = 0.05 } }
      assert.same(200, c:request{ url = srv.url .. "/reset" }.status)
    end)

    after_each(function() c:close() end)

    local function stats(key)
      local plain = http.client{ retry = false }
      local res = assert(plain:request{ url = srv.url .. "/stats?key=" .. key })
      plain:close()
      return json.decode(res.body)
    end

    it("retries 503 until it succeeds and counts the attempts", function()
      local res = assert(c:request{ url = srv.url .. "/fail?key=a&n=2&status=503" })
      assert.same(200, res.status)
      assert.same("ok after 2", res.body)
      assert.same(3, res.attempts)
      assert.same(3, stats("a").count)
    end)

    it("logs every attempt at debug level and every retry as a warning", function()
      for i = #lines, 1, -1 do lines[i] = nil end
      assert(c:request{ url = srv.url .. "/fail?key=log&n=1&status=503&token=s3cr3t" })
      assert.same(3, #lines)
      assert.matches("^%S+ DEBUG GET /fail 503 [%d.]+ ms\n$", lines[1])
      assert.matches("^%S+ WARN  GET http://127%.0%.0%.1:%d+/fail: status 503, "
        .. "retry 1 in [%d.]+s %(backoff%)\n$", lines[2])
      assert.matches("^%S+ DEBUG GET /fail 200 [%d.]+ ms attempt 2\n$", lines[3])
    end)

    it("returns the last response when the attempts run out", function()
      local res = assert(c:request{ url = srv.url .. "/fail?key=b&n=10&status=502" })
      assert.same(502, res.status)
      assert.same("failure 4", res.body)
      assert.same(4, res.attempts)
    end)

    it("does not start a retry whose wait would end past max_elapsed", function()
      local brief = http.client{ retry = { seed = 3, max_elapsed = 0.5 } }
      local res = assert(brief:request{ url = srv.url .. "/fail?key=p&n=1&status=503&after=1" })
      brief:close()
      assert.same({ 503, 1 }, { res.status, res.attempts })
      assert.same("1", res.headers["Retry-After"])
    end)

    it("does not retry a 500", function()
      local res = assert(c:request{ url = srv.url .. "/fail?key=c&n=1&status=500" })
      assert.same(500, res.status)
      assert.same(1, res.attempts)
    end)

    -- Retry-After in seconds, then as an HTTP-date: the second arrival is
    -- at least a second after the first.
    for _, case in ipairs{
      { "waits Retry-After seconds before retrying a 429", "d", "status=429&after=1" },
      { "waits until a Retry-After HTTP-date", "e", "status=503&date=2" },
    } do
      local name, key, query = table.unpack(case)
      it(name, function()
        local res = assert(c:request{ url = srv.url .. "/fail?key=" .. key
          .. "&n=1&" .. query })
        assert.same(200, res.status)
        assert.same(2, res.attempts)
        local seen = stats(key).arrivals
        assert.is_true(seen[2] - seen[1] >= 1, "waited " .. (seen[2] - seen[1]))
      end)
    end

    it("pauses every task of the client while a Retry-After runs", function()
      local other = http.client{ retry = false }
      task.parallel({ "told", "bystander", "other client" }, function(who)
        if who == "told" then
          assert(c:request{ url = srv.url .. "/fail?key=f&n=1&status=429&after=1" })
        elseif who == "bystander" then
          task.sleep(0.2)  -- starts after the 429 arrived
          assert(c:request{ url = srv.url .. "/hello?key=g" })
        else
          task.sleep(0.2)
          assert(other:request{ url = srv.url .. "/hello?key=h" })
        end
      end, { concurrency = 3 })
      other:close()
      local told, bystander = stats("f").arrivals, stats("g").arrivals
      local unrelated = stats("h").arrivals
      assert.is_true(bystander[1] - told[1] >= 1, "bystander waited "
        .. (bystander[1] - told[1]))
      assert.is_true(unrelated[1] - told[1] < 1, "another client is not paused")
    end)

    it("retries an idempotent request after a reset", function()
      -- a new client: libcurl itself resends once when a reused connection
      -- dies, which would add an arrival the client does not count
      local fresh = http.client{ retry = { seed = 3, base = 0.01, cap = 0.05 } }
      local res, _, info = fresh:request{ url = srv.url .. "/abort?key=i" }
      fresh:close()
      assert.is_nil(res)
      assert.same({ kind = "reset", sent = true, attempts = 4, code = 52 }, info)
      assert.same(4, stats("i").count)
    end)

    it("does not retry a POST that may have reached the server", function()
      local res, _, info = c:request{ method = "POST", url = srv.url .. "/abort?key=j",
        body = "{}" }
      assert.is_nil(res)
      -- 65 (CURLE_SEND_FAIL_REWIND): it went on the kept-alive connection,
      -- and libcurl's own resend on a new one was refused
      assert.same({ kind = "reset", sent = true, attempts = 1, code = 65 }, info)
      assert.same(1, stats("j").count)
      local slow, _, tinfo = c:request{ method = "PATCH",
        url = srv.url .. "/delay?s=2&key=k", body = "[]", timeout = 0.2 }
      assert.is_nil(slow)
      assert.same({ kind = "timeout", sent = true, attempts = 1, code = 28 }, tinfo)
    end)

    it("retries a POST that certainly did not reach the server", function()
      local gone = server.start{ module = "support.handlers.http_behaviour" }
      local url = gone.url
      gone:close()
      local res, _, info = c:request{ method = "POST", url = url .. "/echo", body = "{}" }
      assert.is_nil(res)
      assert.same({ kind = "connect", sent = false, attempts = 4, code = 7 }, info)
    end)

    it("retries a POST answered 503 or 429 but not 502", function()
      local a = assert(c:request{ method = "POST", body = "{}",
        url = srv.url .. "/fail?key=l&n=1&status=503" })
      assert.same({ 200, 2 }, { a.status, a.attempts })
      local b = assert(c:request{ method = "POST", body = "{}",
        url = srv.url .. "/fail?key=m&n=1&status=502" })
      assert.same({ 502, 1 }, { b.status, b.attempts })
    end)

    it("retries a POST marked idempotent like a GET", function()
      local res = assert(c:request{ method = "POST", body = "{}", idempotent = true,
        url = srv.url .. "/fail?key=n&n=1&status=502" })
      assert.same({ 200, 2 }, { res.status, res.attempts })
    end)

    it("retries a DELETE with retry_sent = false as a POST: after 503, not "
      .. "after 502 or a timeout", function()
      local function delete(query, timeout)
        return c:request{ method = "DELETE", retry_sent = false,
          url = srv.url .. query, timeout = timeout }
      end
      local a = assert(delete("/fail?key=rs1&n=1&status=503"))
      assert.same({ 200, 2 }, { a.status, a.attempts })
      local b = assert(delete("/fail?key=rs2&n=1&status=502"))
      assert.same({ 502, 1 }, { b.status, b.attempts })
      local slow, _, info = delete("/delay?s=2&key=rs3", 0.2)
      assert.is_nil(slow)
      assert.same({ kind = "timeout", sent = true, attempts = 1, code = 28 },
        info)
      -- without it, a DELETE is retried like a GET
      local d = assert(c:request{ method = "DELETE",
        url = srv.url .. "/fail?key=rs4&n=1&status=502" })
      assert.same({ 200, 2 }, { d.status, d.attempts })
    end)

    it("never retries when retry = false", function()
      local plain = http.client{ retry = false }
      local res = assert(plain:request{ url = srv.url .. "/fail?key=o&n=1&status=503" })
      plain:close()
      assert.same({ 503, 1 }, { res.status, res.attempts })
    end)
  end)
end)
