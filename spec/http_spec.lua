local http = require("flowlua.http")
local task = require("flowlua.task")
local server = require("flowlua.core").server
local json = require("flowlua.json")

-- The error and its details of a request `client` got no answer to.
local function failure(client, request)
  local res, err, info = client:request(request)
  assert.is_nil(res)
  return err, info
end

describe("flowlua.http", function()
  local srv, c

  setup(function()
    srv = server.start{ module = "support.handlers.http_behaviour" }
  end)

  teardown(function() srv:close() end)

  before_each(function()
    c = http.client{ retry = false, timeout = 5 }
    assert.same(200, c:request{ url = srv.url .. "/reset" }.status)
  end)

  after_each(function() c:close() end)

  local function stats(key)
    local res = assert(c:request{ url = srv.url .. "/stats?key=" .. (key or "default") })
    return json.decode(res.body)
  end

  describe("outside a task", function()
    it("blocks and returns status, headers, body, time and attempts", function()
      local res = assert(c:request{ url = srv.url .. "/hello" })
      assert.same(200, res.status)
      assert.same("hello", res.body)
      assert.same("Yes", res.headers["x-mixed-case"])
      assert.same(1, res.attempts)
      assert.same("number", type(res.time))
      assert.same("1.1", res.http_version)
    end)

    it("looks response headers up in any case", function()
      local res = assert(c:request{ url = srv.url .. "/hello" })
      assert.same("Yes", res.headers["X-Mixed-Case"])
      assert.same("Yes", res.headers["X-MIXED-CASE"])
      assert.same("5", res.headers["Content-Length"])
    end)

    it("sends the method, headers and body", function()
      local res = assert(c:request{ method = "put", url = srv.url .. "/echo?a=1",
        headers = { ["X-Thing"] = "one", ["Content-Type"] = "text/plain" },
        body = "payload\0with nul" })
      local seen = json.decode(res.body)
      assert.same("PUT", seen.method)
      assert.same("payload\0with nul", seen.body)
      assert.same("one", seen.headers["x-thing"])
      assert.same("text/plain", seen.headers["content-type"])
      assert.same("a=1", seen.query)
      assert.is_nil(seen.headers["expect"])
    end)

    it("sends client default headers, overridden per request", function()
      local d = http.client{ retry = false, headers = { ["X-A"] = "client",
        ["X-B"] = "client" } }
      local res = assert(d:request{ url = srv.url .. "/echo",
        headers = { ["x-b"] = "request", ["X-Empty"] = "" } })
      d:close()
      local seen = json.decode(res.body)
      assert.same("client", seen.headers["x-a"])
      assert.same("request", seen.headers["x-b"])
      assert.same("", seen.headers["x-empty"])
    end)

    it("asks for compressed bodies only with compress = true", function()
      local z = http.client{ retry = false, compress = true }
      local asked = json.decode(assert(z:request{ url = srv.url .. "/echo" }).body)
      z:close()
      local plain = json.decode(assert(c:request{ url = srv.url .. "/echo" }).body)
      assert.matches("gzip", asked.headers["accept-encoding"])
      assert.is_nil(plain.headers["accept-encoding"])
    end)

    it("reports libcurl's version", function()
      assert.matches("^%d+%.%d+%.%d+", http.version())
    end)

    it("returns HTTP error statuses as responses", function()
      local res = assert(c:request{ url = srv.url .. "/nowhere" })
      assert.same(404, res.status)
      assert.same("no route", res.body)
    end)

    it("reuses one connection for sequential requests", function()
      local remotes = {}
      for i = 1, 3 do
        local res = assert(c:request{ url = srv.url .. "/echo" })
        remotes[i] = json.decode(res.body).remote
      end
      -- the same client address and port: one kept-alive socket
      assert.same(remotes[1], remotes[2])
      assert.same(remotes[2], remotes[3])
    end)
  end)

  describe("transport failures", function()
    it("reports a timeout with kind 'timeout' and sent = true", function()
      local err, info = failure(c, { url = srv.url .. "/delay?s=3", timeout = 0.2 })
      assert.matches("^GET http://127%.0%.0%.1:%d+/delay: Operation timed out", err)
      assert.same({ kind = "timeout", sent = true, attempts = 1, code = 28 }, info)
    end)

    it("keeps query strings out of error messages", function()
      local _, err = c:request{ url = srv.url .. "/delay?s=3&token=secret", timeout = 0.2 }
      assert.is_nil(err:find("secret", 1, true))
    end)

    it("reports a reset connection with kind 'reset' and sent = true", function()
      local err, info = failure(c, { url = srv.url .. "/abort" })
      assert.matches("^GET http://127%.0%.0%.1:%d+/abort: ", err)
      assert.same("reset", info.kind)
      assert.same(true, info.sent)
    end)

    it("reports a refused connection with kind 'connect' and sent = false", function()
      local gone = server.start{ module = "support.handlers.http_behaviour" }
      local url = gone.url
      gone:close()
      local err, info = failure(c, { url = url .. "/hello" })
      assert.matches("^GET http://127%.0%.0%.1:%d+/hello: Failed to connect to "
        .. ".*Couldn't connect to server$", err)
      assert.same({ kind = "connect", sent = false, attempts = 1, code = 7 }, info)
    end)

    it("refuses a body over max_body with a clear error", function()
      local small = http.client{ retry = false, max_body = 1000 }
      local ok = assert(small:request{ url = srv.url .. "/big?n=1000" })
      local res, err, info = small:request{ url = srv.url .. "/big?n=5000" }
      small:close()
      assert.same(1000, #ok.body)
      assert.is_nil(res)
      assert.matches(": response body larger than max_body %(1000 bytes%)$", err)
      assert.same("too_large", info.kind)
      assert.same(true, info.sent)
    end)

    it("raises on misuse, naming the argument as Lua's own functions do", function()
      assert.has_error(function() c:request{} end,
        "bad argument #1 to 'request' (url must be a string)")
      assert.has_error(function() c:request("x") end,
        "bad argument #1 to 'request' (table expected, got string)")
      assert.has_error(function() http.client{ tiemout = 1 } end,
        "bad argument #1 to 'client' (unknown option 'tiemout')")
      assert.has_error(function() http.client{ timeout = "1" } end,
        "bad argument #1 to 'client' (option 'timeout' must be a number)")
      assert.has_error(function() http.client{ retry = 1 } end,
        "bad argument #1 to 'client' (option 'retry' must be a table or boolean)")
      assert.has_error(function() http.client{ retry = { atempts = 1 } } end,
        "bad argument #1 to 'client' (retry: unknown option 'atempts')")
      assert.has_error(function() c:request{ url = "x", body = 5 } end,
        "bad argument #1 to 'request' (body must be a string)")
      assert.has_error(function() c:request{ url = "x", headers = 5 } end,
        "bad argument #1 to 'request' (headers must be a table of name = value)")
      assert.has_error(function()
        c:request{ url = "x", headers = { ["X-A"] = "1\r\nX-B: 2" } }
      end, [[bad argument #1 to 'request' (invalid header "X-A")]])
      assert.has_error(function()
        c:request{ url = "x", headers = { ["X A"] = "1" } }
      end, [[bad argument #1 to 'request' (invalid header "X A")]])
      assert.has_error(function() c:request{ url = "x", method = "GET / HTTP/1.1\r\n" } end,
        [[bad argument #1 to 'request' (method must be a token such as "GET")]])
    end)

    it("raises at the caller's line", function()
      local call = assert(load("local c = ...\nc:request{ url = 1 }", "=caller"))
      local ok, err = pcall(call, c)
      assert.is_false(ok)
      assert.equal("caller:2: bad argument #1 to 'request' (url must be a string)", err)
      call = assert(load("local http = ...\nhttp.client{ x = 1 }", "=caller"))
      ok, err = pcall(call, http)
      assert.is_false(ok)
      assert.equal("caller:2: bad argument #1 to 'client' (unknown option 'x')", err)
    end)

    it("sends a POST or PATCH with a body on the kept-alive connection",
        function()
      local function remote(method, body)
        local res = assert(c:request{ method = method, url = srv.url .. "/echo",
          body = body })
        return json.decode(res.body).remote
      end
      local first = remote("GET")
      assert.equal(first, remote("POST", '{"a":1}'))
      assert.equal(first, remote("PATCH", "[]"))
      -- without a body there is nothing to refuse to rewind: a fresh one
      assert.not_equal(first, remote("POST"))
    end)

    it("never sends a POST twice when its kept-alive connection closes "
        .. "before the answer", function()
      assert(c:request{ url = srv.url .. "/hello" })  -- a connection to reuse
      local err, info = failure(c, { method = "POST",
        url = srv.url .. "/abort?key=post", body = '{"a":1}' })
      assert.matches(": the kept%-alive connection closed before an answer "
        .. "%(not sent again: the server may have acted on it%)$", err)
      assert.same({ kind = "reset", sent = true, attempts = 1, code = 65 },
        info)
      assert.same(1, stats("post").count)
      -- libcurl itself sends an idempotent request again on a new
      -- connection: the same case with a GET reaches the server twice
      assert(c:request{ url = srv.url .. "/hello" })
      assert.is_nil((c:request{ url = srv.url .. "/abort?key=get" }))
      assert.same(2, stats("get").count)
    end)

    it("refuses schemes other than http and https", function()
      local _, info = failure(c, { url = "file:///etc/passwd" })
      assert.same("protocol", info.kind)
      assert.same(false, info.sent)
    end)
  end)

  describe("inside tasks", function()
    it("overlaps requests: the server sees all of them in flight at once", function()
      local items = { 1, 2, 3, 4, 5, 6, 7, 8 }
      local got = task.parallel(items, function(i)
        local res = assert(c:request{ url = srv.url .. "/delay?s=0.8&n=" .. i })
        return res.body .. i
      end, { concurrency = 8 })
      assert.same({ "slept1", "slept2", "slept3", "slept4", "slept5", "slept6",
        "slept7", "slept8" }, got)
      assert.same(8, stats().max_in_flight)
    end)

    it("keeps at most `concurrency` requests in flight, results in order", function()
      local active, most = 0, 0
      local got = task.parallel({ 5, 4, 3, 2, 1, 0 }, function(v)
        active = active + 1
        most = math.max(most, active)
        local res = assert(c:request{ url = srv.url .. "/big?n=" .. v })
        active = active - 1
        return #res.body
      end, { concurrency = 3 })
      assert.same({ 5, 4, 3, 2, 1, 0 }, got)
      assert.same(3, most)
    end)

    it("runs blocking-style code unchanged in spawned tasks", function()
      local a = task.spawn(function()
        return assert(c:request{ url = srv.url .. "/hello" }).body
      end)
      local b = task.spawn(function()
        return assert(c:request{ url = srv.url .. "/big?n=3" }).body
      end)
      task.run()
      assert.same("hello", a:wait())
      assert.same("xxx", b:wait())
    end)

    it("serves two clients from one scheduler loop", function()
      local d = http.client{ retry = false }
      local got = task.parallel({ c, d, c, d }, function(client, i)
        return assert(client:request{ url = srv.url .. "/delay?s=0.8&n=" .. i }).status
      end, { concurrency = 4 })
      d:close()
      assert.same({ 200, 200, 200, 200 }, got)
      assert.same(4, stats().max_in_flight)
    end)

    it("wakes a task whose transfer finished while a blocking request ran", function()
      local t = task.spawn(function()
        return assert(c:request{ url = srv.url .. "/delay?s=0.1" }).body
      end)
      task.spawn(function() end):wait()  -- runs t until it waits
      local res = assert(c:request{ url = srv.url .. "/delay?s=0.4&key=blocking" })
      assert.same("slept", res.body)
      assert.same("suspended", coroutine.status(t.co))
      assert.same("slept", t:wait())
    end)
  end)

  describe("the multi handle (flowlua.core.http)", function()
    local core = require("flowlua.core").http

    it("frees transfers in flight on close and on garbage collection", function()
      local m = core.multi()
      assert.same(1, m:start{ url = srv.url .. "/delay?s=2" })
      assert.same(2, m:start{ method = "POST", url = srv.url .. "/echo", body = "x" })
      assert.same(2, m:pending())
      m:close()
      m:close()
      assert.has_error(function() m:pending() end, "attempt to use a closed http multi")
      assert.same("flowlua.http.multi (closed)", tostring(m))
      local lost = core.multi()
      lost:start{ url = srv.url .. "/delay?s=2" }
      lost = nil  -- luacheck: ignore
      collectgarbage()
    end)

    it("cancels one transfer and keeps the others", function()
      local m = core.multi()
      local slow = m:start{ url = srv.url .. "/delay?s=2" }
      local quick = m:start{ url = srv.url .. "/hello" }
      assert.is_true(m:cancel(slow))
      assert.is_false(m:cancel(slow))
      local r = m:wait(quick)
      assert.same({ quick, 200, "hello" }, { r.id, r.status, r.body })
      assert.same(0, m:pending())
      assert.same({}, m:poll(0))
      m:close()
    end)

    it("raises on a malformed request", function()
      local m = core.multi()
      assert.has_error(function() m:start{} end, "request field 'url' is required")
      assert.has_error(function() m:start{ url = "x", method = 1 } end,
        "request field 'method' must be a string")
      assert.has_error(function() m:start{ url = "x", headers = { 1 } } end,
        "request header 1 must be a string 'Name: value'")
      assert.has_error(function() m:start{ url = "x", timeout = -1 } end,
        "request field 'timeout' must be a number of seconds")
      assert.has_error(function() m:wait(99) end,
        "bad argument #1 to 'wait' (no such transfer)")
      m:close()
    end)

    it("sends HEAD without reading a body and DELETE with one", function()
      local head = assert(c:request{ method = "HEAD", url = srv.url .. "/hello" })
      assert.same({ 200, "" }, { head.status, head.body })
      local del = assert(c:request{ method = "DELETE", url = srv.url .. "/echo", body = "gone" })
      local seen = json.decode(del.body)
      assert.same({ "DELETE", "gone" }, { seen.method, seen.body })
      local post = assert(c:request{ method = "POST", url = srv.url .. "/echo" })
      seen = json.decode(post.body)
      assert.same({ "POST", "" }, { seen.method, seen.body })
      local after = assert(c:request{ url = srv.url .. "/echo" })
      assert.same("GET", json.decode(after.body).method)
    end)

    it("wakes the tasks of a client closed under them", function()
      local d = http.client{ retry = false }
      local t = task.spawn(function()
        return d:request{ url = srv.url .. "/delay?s=2" }
      end)
      task.spawn(function() end):wait()  -- t is waiting now
      d:close()
      local res, err, info = t:wait()
      assert.is_nil(res)
      assert.matches(": the client was closed$", err)
      assert.same({ kind = "cancelled", sent = true, attempts = 1 }, info)
    end)
  end)

  describe("TLS", function()
    local tls, dir

    setup(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir))
      assert(os.execute(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
        .. "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
        .. "-keyout %s/key.pem -out %s/cert.pem 2>/dev/null"):format(dir, dir)))
      tls = server.start{ module = "support.handlers.http_behaviour",
        tls = { cert = dir .. "/cert.pem", key = dir .. "/key.pem" } }
    end)

    teardown(function()
      tls:close()
      os.execute("rm -rf " .. dir)
    end)

    it("verifies certificates by default", function()
      local _, info = failure(c, { url = tls.url .. "/hello" })
      assert.same("tls", info.kind)
      assert.same(false, info.sent)
    end)

    it("accepts a certificate signed by the given cafile", function()
      local d = http.client{ retry = false, cafile = dir .. "/cert.pem" }
      local res = assert(d:request{ url = tls.url .. "/hello" })
      d:close()
      assert.same("hello", res.body)
    end)

    it("skips verification only when insecure = true", function()
      local d = http.client{ retry = false, insecure = true }
      local res = assert(d:request{ url = tls.url .. "/hello" })
      d:close()
      assert.same("hello", res.body)
    end)
  end)
end)
