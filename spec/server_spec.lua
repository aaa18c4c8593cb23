-- flowlua.core.server, exercised over real sockets with flowlua.http as
-- the client, and curl(1) where a test needs what only curl does
-- (100-continue, chunked uploads).
local server = require("flowlua.core").server
local http = require("flowlua.http")
local task = require("flowlua.task")
local json = require("flowlua.json")
local fs = require("support.fs")

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- Runs curl with `args`; returns {status, headers (lower-case), body,
-- exit (curl's exit status)}.
local function curl(args)
  local body, head = os.tmpname(), os.tmpname()
  local words = { "curl -s -o", q(body), "-D", q(head), "-w '%{http_code}'" }
  for _, a in ipairs(args) do words[#words + 1] = q(a) end
  local p = assert(io.popen(table.concat(words, " ") .. " 2>/dev/null"))
  local code = p:read("a")
  local _, _, exit = p:close()
  local res = { status = tonumber(code), body = fs.take(body), headers = {},
    exit = exit }
  for name, value in fs.take(head):gmatch("([%w%-]+): ([^\r\n]*)\r\n") do
    res.headers[name:lower()] = value
  end
  return res
end

local client = http.client{ retry = false, timeout = 10 }

--- A request with flowlua.http: the response, or nil, err, info.
local function fetch(url, req)
  req = req or {}
  req.url = url
  return client:request(req)
end

local function start(opts)
  opts.module = opts.module or "support.handlers.server_cases"
  return assert(server.start(opts))
end

local function stats(srv)
  return assert(fetch(srv.url .. "/stats")).body
end

describe("flowlua.core.server", function()
  describe("start", function()
    it("binds 127.0.0.1 on a free port when port is 0", function()
      local srv <close> = start{ port = 0 }
      assert.is_true(srv.port > 0)
      assert.equal("http://127.0.0.1:" .. srv.port, srv.url)
      assert.equal(200, assert(fetch(srv.url .. "/stats")).status)
    end)

    it("binds an IPv6 address when given one", function()
      local srv <close> = start{ module = "support.handlers.server_echo", host = "::1" }
      assert.equal("http://[::1]:" .. srv.port, srv.url)
      local req = json.decode(assert(fetch(srv.url .. "/v6")).body)
      assert.matches("^%[::1%]:%d+$", req.remote)
    end)

    it("reports a port already in use as nil and a message", function()
      local srv <close> = start{}
      local other, err = server.start{ module = "support.handlers.server_cases",
        port = srv.port }
      assert.is_nil(other)
      assert.equal("cannot listen on 127.0.0.1:" .. srv.port
        .. ": Address already in use", err)
    end)

    it("hands the config string to the module's factory", function()
      local srv <close> = start{ module = "support.handlers.server_echo",
        config = "from the spec" }
      assert.equal("from the spec", assert(fetch(srv.url .. "/")).headers["x-config"])
    end)

    -- The message of a start that gives no server.
    local function start_error(opts)
      local srv, err = server.start(opts)
      assert.is_nil(srv)
      return err
    end

    it("reports a failing factory as nil and a message", function()
      assert.equal("cannot start handler: factory refused its config",
        start_error{ module = "support.handlers.server_cases", config = "fail" })
    end)

    it("reports a module that is not a factory", function()
      assert.equal("cannot start handler: module "
        .. "'support.handlers.server_not_factory' must return a factory function",
        start_error{ module = "support.handlers.server_not_factory" })
    end)

    it("reports a missing module", function()
      assert.matches("^cannot start handler: module "
        .. "'support.handlers.no_such_module' not found:",
        start_error{ module = "support.handlers.no_such_module" })
    end)

    it("raises on misuse, naming the field", function()
      -- Lua names the function 'start' or 'flowlua.core.server.start'
      local function misuse(opts, message)
        local ok, err = pcall(server.start, opts)
        assert.is_false(ok)
        assert.equal("(" .. message .. ")", err:match("^bad argument #1 to '[%w.]*start' (.*)$"))
      end
      misuse({}, "field 'module' is required")
      misuse({ module = "x", port = 70000 },
        "field 'port' must be an integer from 0 to 65535")
      misuse({ module = "x", max_body = -1 },
        "field 'max_body' must be an integer from 0 to 2147483647")
      misuse({ module = "x", host = 1 }, "field 'host' must be a string")
      misuse({ module = "x", tls = true }, "field 'tls' must be a table")
      misuse({ module = "x", tls = {} }, "field 'tls' needs 'cert' and 'key'")
    end)
  end)

  describe("requests", function()
    local srv
    setup(function()
      srv = start{ module = "support.handlers.server_echo", max_body = 64 }
    end)
    teardown(function() srv:close() end)

    it("passes method, decoded path, raw query, lower-case headers and body",
      function()
      local res = assert(fetch(
        srv.url .. "/flows/a%20b?property=name%3D%3Dx&property=state%3Ddraft&limit=2",
        { method = "PUT", body = "a=1&b=2", headers = {
          ["X-Custom-Header"] = "Some Value", ["Content-Type"] = "text/plain" } }))
      assert.equal(200, res.status)
      local req = json.decode(res.body)
      assert.equal("PUT", req.method)
      assert.equal("/flows/a b", req.path)
      assert.equal("property=name%3D%3Dx&property=state%3Ddraft&limit=2", req.query)
      assert.equal("a=1&b=2", req.body)
      assert.equal("Some Value", req.headers["x-custom-header"])
      assert.equal("text/plain", req.headers["content-type"])
      assert.equal("7", req.headers["content-length"])
      assert.matches("^127%.0%.0%.1:%d+$", req.remote)
    end)

    it("gives an empty query and body when there are none", function()
      local req = json.decode(assert(fetch(srv.url .. "/x")).body)
      assert.equal("GET", req.method)
      assert.equal("", req.query)
      assert.equal("", req.body)
    end)

    it("joins the values of a repeated header with a comma", function()
      -- curl, because flowlua.http sends each header name once
      local req = json.decode(curl({ "-H", "X-A: 1", "-H", "x-a: 2",
        srv.url .. "/" }).body)
      assert.equal("1, 2", req.headers["x-a"])
    end)

    it("passes binary bodies byte for byte", function()
      local bytes = "\0\1\2\255\254 end\0"
      local file = fs.write(os.tmpname(), bytes)
      local res = curl({ "--data-binary", "@" .. file, srv.url .. "/raw" })
      os.remove(file)
      assert.equal(bytes, res.body)
      res = assert(fetch(srv.url .. "/raw", { method = "POST", body = bytes }))
      assert.equal(bytes, res.body)
    end)

    it("accepts a body of exactly max_body bytes", function()
      local res = assert(fetch(srv.url .. "/", { method = "POST", body = ("x"):rep(64) }))
      assert.equal(200, res.status)
      assert.equal(("x"):rep(64), json.decode(res.body).body)
    end)

    it("answers 413 with a JSON error beyond max_body", function()
      local res = assert(fetch(srv.url .. "/", { method = "POST", body = ("x"):rep(65) }))
      assert.equal(413, res.status)
      assert.equal('{"error_code":"413","message":"request body exceeds 64 bytes"}',
        res.body)
      assert.equal("application/json", res.headers["content-type"])
    end)

    it("answers 413 before the body when the client expects 100-continue",
      function()
      local res = curl({ "-H", "Expect: 100-continue", "--data-binary",
        ("x"):rep(5000), srv.url .. "/" })
      assert.equal(413, res.status)
      assert.equal('{"error_code":"413","message":"request body exceeds 64 bytes"}',
        res.body)
    end)

    it("answers 413 to an oversized chunked body", function()
      local res = curl({ "-H", "Transfer-Encoding: chunked", "--data-binary",
        ("x"):rep(100), srv.url .. "/" })
      assert.equal(413, res.status)
    end)
  end)

  describe("responses", function()
    local srv
    setup(function() srv = start{} end)
    teardown(function() srv:close() end)

    it("sends the status, headers and body the handler returns", function()
      local res = assert(fetch(srv.url .. "/created"))
      assert.equal(201, res.status)
      assert.equal("/things/1", res.headers["location"])
      assert.equal("7", res.headers["x-n"])
      assert.equal("", res.body)
    end)

    local failures = {
      ["/error"] = "handler failed on purpose",
      ["/error-table"] = "handler raised a table value",
      ["/not-table"] = "handler returned a bad response: expected a table",
      ["/bad-status"] = "handler returned a bad response: "
        .. "status must be an integer from 200 to 599",
      ["/bad-body"] = "handler returned a bad response: body must be a string",
      ["/bad-header"] = "handler returned a bad response: invalid header name or value",
    }
    for path, message in pairs(failures) do
      it("turns " .. path .. " into a 500 with a JSON error and carries on",
        function()
        local before = stats(srv)
        local res = assert(fetch(srv.url .. path))
        assert.equal(500, res.status)
        assert.same({ error_code = "500", message = message }, json.decode(res.body))
        assert.equal("application/json", res.headers["content-type"])
        local n = tonumber(before:match("handled=(%d+)"))
        assert.equal(("handled=%d max_in_flight=0"):format(n + 2), stats(srv))
      end)
    end

    it("closes the connection without a response on abort", function()
      local res, err, info = fetch(srv.url .. "/abort")
      assert.is_nil(res)
      assert.equal("GET " .. srv.url .. "/abort: Empty reply from server", err)
      assert.equal("reset", info.kind)
      assert.equal(52, curl({ srv.url .. "/abort" }).exit)  -- curl: empty reply
      assert.equal(200, assert(fetch(srv.url .. "/stats")).status)
    end)
  end)

  describe("bad clients", function()
    --- Sends raw bytes on a fresh connection with bash's /dev/tcp, reads
    -- the reply when asked to (until the server closes, at most 2 s),
    -- and hangs up.
    local function raw(srv, bytes, read)
      local cmd = ("exec 3<>/dev/tcp/127.0.0.1/%d && printf %%s %s >&3 %s"):format(
        srv.port, q(bytes), read and "&& timeout 2 cat <&3" or "")
      local p = assert(io.popen("bash -c " .. q(cmd) .. " 2>/dev/null"))
      local out = p:read("a")
      p:close()
      return out
    end

    it("get 400 for a malformed request, and the server carries on", function()
      local srv <close> = start{}
      local out = raw(srv, "GET /stats HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
        true)
      assert.matches("^HTTP/1.1 400 ", out)
      assert.equal("handled=1 max_in_flight=0", stats(srv))
    end)

    it("may vanish in the headers or the body without harm", function()
      local srv <close> = start{}
      raw(srv, "GET /stats HTTP/1.1\r\nHo")
      raw(srv, "POST /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nab")
      assert.equal("handled=1 max_in_flight=0", stats(srv))
    end)
  end)

  describe("delays", function()
    it("wait outside the lock, so delayed requests overlap", function()
      local srv <close> = start{}
      local n, items = 20, {}
      for i = 1, n do items[i] = i end
      local statuses = task.parallel(items, function()
        return assert(fetch(srv.url .. "/delay?1")).status
      end, { concurrency = n })
      assert.same({ 200 }, { statuses[1], statuses[n + 1] })
      for i = 2, n do assert.equal(200, statuses[i]) end
      assert.equal(("handled=%d max_in_flight=%d"):format(n + 1, n), stats(srv))
    end)
  end)

  describe("close", function()
    it("stops serving, and is idempotent", function()
      local srv = start{}
      local url = srv.url
      srv:close()
      srv:close()
      local res, _, info = fetch(url .. "/stats")
      assert.is_nil(res)
      assert.equal("connect", info.kind)
      assert.equal(url, srv.url)
      assert.equal("flowlua.server (closed)", tostring(srv))
    end)

    it("happens when a to-be-closed variable goes out of scope", function()
      local url
      do
        local srv <close> = start{}
        url = srv.url
        assert.equal(200, assert(fetch(url .. "/stats")).status)
      end
      assert.equal("connect", select(3, fetch(url .. "/stats")).kind)
    end)
  end)

  describe("TLS", function()
    local dir = os.tmpname()
    local cert, key = dir .. ".cert.pem", dir .. ".key.pem"
    setup(function()
      assert(os.execute(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
        .. "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
        .. "-keyout %s -out %s 2>/dev/null"):format(q(key), q(cert))))
    end)
    teardown(function()
      os.remove(cert)
      os.remove(key)
      os.remove(dir)
    end)

    it("serves HTTPS with the given certificate", function()
      assert.is_true(server.tls)
      local srv <close> = start{ tls = { cert = cert, key = key } }
      assert.equal("https://127.0.0.1:" .. srv.port, srv.url)
      local c = http.client{ retry = false, cafile = cert }
      assert.equal(201, assert(c:request{ url = srv.url .. "/created" }).status)
      c:close()
      local res, _, info = fetch(srv.url .. "/created")  -- unknown CA
      assert.is_nil(res)
      assert.equal("tls", info.kind)
      assert.equal(60, curl({ srv.url .. "/created" }).exit)
    end)

    it("closes a TLS connection whose headers take over header_timeout",
      function()
        local socket, ssl = require("socket"), require("ssl")
        local srv <close> = start{ tls = { cert = cert, key = key },
          header_timeout = 1, idle_timeout = 60 }
        local s = assert(socket.tcp())
        assert(s:connect("127.0.0.1", srv.port))
        s = assert(ssl.wrap(s, { mode = "client", protocol = "any",
          verify = "none" }))
        s:settimeout(10)
        assert(s:dohandshake())
        assert(s:send("GET /created HTTP/1.1\r\nHost: x\r\nX-Slow: "))
        s:settimeout(0.2)
        local sent, err = 0, "timeout"
        while sent < 200 and err == "timeout" do
          err = select(2, s:receive(1))
          if err == "wantread" then err = "timeout" end  -- luasec's wait
          if err == "timeout" and not s:send("a") then err = "send" end
          sent = sent + 1
        end
        s:close()
        -- dripped a while, then ended by the server (an eof without TLS
        -- close_notify: the socket was shut down under the session)
        assert.is_true(sent > 3 and sent < 200, sent)
        assert.is_string(err)
      end)

    it("reports an unreadable certificate", function()
      local srv, err = server.start{ module = "support.handlers.server_cases",
        tls = { cert = dir .. ".missing", key = key } }
      assert.is_nil(srv)
      assert.equal("cannot read " .. dir .. ".missing: No such file or directory", err)
    end)
  end)
  describe("with held connections", function()
    local socket = require("socket")

    -- Opens n TCP connections that send nothing.
    local function idle(port, n)
      local held = {}
      for i = 1, n do
        held[i] = assert(socket.tcp())
        assert(held[i]:connect("127.0.0.1", port))
      end
      return held
    end

    it("answers 503 with Retry-After past max_connections", function()
      local srv <close> = start{ max_connections = 3 }
      assert.equal(3, srv.max_connections)
      local held = idle(srv.port, 3)
      -- accepted in order, so this fourth one is past the cap
      local res = assert(fetch(srv.url .. "/created"))
      assert.equal(503, res.status)
      assert.equal("1", res.headers["retry-after"])
      assert.equal("too many connections; retry later",
        json.decode(res.body).message)
      for _, s in ipairs(held) do s:close() end
      local status
      for _ = 1, 100 do  -- until the server has seen the closes
        status = assert(fetch(srv.url .. "/created")).status
        if status ~= 503 then break end
        require("flowlua.core").sys.sleep(0.05)
      end
      assert.equal(201, status)
    end)

    it("closes a connection idle for idle_timeout seconds", function()
      local srv <close> = start{ idle_timeout = 1 }
      local s = idle(srv.port, 1)[1]
      s:settimeout(30)
      local data, err = s:receive(1)
      s:close()
      assert.is_nil(data)
      assert.equal("closed", err)
    end)

    -- Drips a request's header one byte every `gap` seconds until the
    -- server closes the connection; returns how it ended and bytes sent.
    local function drip(port, gap, max)
      local s = assert(socket.tcp())
      assert(s:connect("127.0.0.1", port))
      assert(s:send("GET /created HTTP/1.1\r\nHost: x\r\nX-Slow: "))
      s:settimeout(gap)
      local sent, err = 0, nil
      while sent < max do
        err = select(2, s:receive(1))
        if err ~= "timeout" then break end
        local ok, serr = s:send("a")
        if not ok then err = serr break end
        sent = sent + 1
      end
      s:close()
      return err, sent
    end

    it("closes a connection whose headers take over header_timeout seconds",
      function()
        local srv <close> = start{ header_timeout = 1, idle_timeout = 60 }
        -- each byte restarts the idle timeout; only the header bound ends it
        local err, sent = drip(srv.port, 0.2, 200)
        assert.equal("closed", err)
        assert.is_true(sent < 200)
        assert.equal(201, assert(fetch(srv.url .. "/created")).status)
      end)

    it("closes a connection whose body takes over body_timeout seconds",
      function()
        local srv <close> = start{ body_timeout = 1, idle_timeout = 60 }
        local s = assert(socket.tcp())
        assert(s:connect("127.0.0.1", srv.port))
        assert(s:send("POST /created HTTP/1.1\r\nHost: x\r\n"
          .. "Content-Length: 1000\r\n\r\n"))
        s:settimeout(0.2)
        local sent, err = 0, "timeout"
        while sent < 200 and err == "timeout" do
          err = select(2, s:receive(1))
          if err == "timeout" and not s:send("a") then err = "send" end
          sent = sent + 1
        end
        s:close()
        assert.is_true(sent > 3 and sent < 200, sent)
        assert.is_true(err == "closed" or err == "send", err)
      end)

    it("leaves header_timeout = 0 connections to the idle timeout", function()
      local srv <close> = start{ header_timeout = 0, idle_timeout = 60 }
      local err, sent = drip(srv.port, 0.1, 30)
      assert.equal("timeout", err)
      assert.equal(30, sent)
    end)

    it("starts a request's header_timeout at its first byte", function()
      local srv <close> = start{ header_timeout = 1, idle_timeout = 60 }
      local s = assert(socket.tcp())
      assert(s:connect("127.0.0.1", srv.port))
      s:settimeout(10)
      local function get()
        assert(s:send("GET /created HTTP/1.1\r\nHost: x\r\n\r\n"))
        local line = s:receive("*l")
        local len
        repeat
          local h = assert(s:receive("*l"))
          len = len or tonumber(h:match("^[Cc]ontent%-[Ll]ength: (%d+)"))
        until h == ""
        assert.equal(0, len)  -- /created has an empty body
        return line
      end
      -- silent longer than the bound before each request: not slow, idle
      require("flowlua.core").sys.sleep(2.5)
      assert.matches("^HTTP/1.1 201", get())
      require("flowlua.core").sys.sleep(2.5)
      assert.matches("^HTTP/1.1 201", get())
      s:close()
    end)

    it("defaults to a cap from the descriptor limit, above 1100 when it can",
      function()
        local srv <close> = start{}
        local p = assert(io.popen("sh -c 'ulimit -Hn'"))
        local hard = tonumber(p:read("a")) or math.huge
        p:close()
        assert.is_true(srv.max_connections >= 1)
        if hard >= 2000 then
          assert.is_true(srv.max_connections > 1100)
        end
        assert.is_true(srv.max_connections <= 4000)
      end)
  end)
end)
