-- flowlua.log: lines written to a real file, read back and checked.
local log = require("flowlua.log")
local runtime = require("flowlua.runtime")
local json = require("flowlua.json")

local TIME = "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ"

local capture = require("support.logs").capture

--- The text of a text-format line after its timestamp.
local function body(line)
  local rest = line:match("^" .. TIME .. " (.*)$")
  assert(rest, "no timestamp in: " .. line)
  return rest
end

describe("flowlua.log", function()
  describe("levels", function()
    it("writes info and above by default, formatted like string.format", function()
      local lines = capture({}, function()
        log.debug("hidden %d", 1)
        log.info("shown %d of %s", 2, "four")
        log.warn("careful")
        log.error("broken: %q", "x")
      end)
      assert.same({ "INFO  shown 2 of four", "WARN  careful", 'ERROR broken: "x"' },
        { body(lines[1]), body(lines[2]), body(lines[3]) })
      assert.equal(3, #lines)
    end)

    it("writes debug lines when configured so", function()
      local lines = capture({ level = "debug" }, function() log.debug("now %s", "seen") end)
      assert.equal("DEBUG now seen", body(lines[1]))
    end)

    it("keeps only errors at level error", function()
      local lines = capture({ level = "error" }, function()
        log.warn("no")
        log.error("yes")
      end)
      assert.same({ "ERROR yes" }, { body(lines[1]), lines[2] })
    end)

    it("takes its defaults from flowlua.runtime", function()
      local saved = runtime.log_level
      runtime.log_level = "warn"
      local lines = capture({}, function()
        log.info("no")
        log.warn("yes")
      end)
      runtime.log_level = saved
      assert.same({ "WARN  yes" }, { body(lines[1]), lines[2] })
    end)

    it("answers whether a level is enabled", function()
      log.configure{ level = "warn" }
      local answers = { log.enabled("info"), log.enabled("warn"), log.enabled("error") }
      log.configure{}
      assert.same({ false, true, true }, answers)
    end)

    it("writes a message with % signs as is when given no arguments", function()
      local lines = capture({}, function() log.info("100% done") end)
      assert.equal("INFO  100% done", body(lines[1]))
    end)
  end)

  describe("JSON lines", function()
    it("carry time, level and message", function()
      local lines = capture({ format = "json" }, function() log.warn('say "hi"\n') end)
      local entry = json.decode(lines[1])
      assert.matches("^" .. TIME .. "$", entry.time)
      entry.time = nil
      assert.same({ level = "warn", message = 'say "hi"\n' }, entry)
    end)
  end)

  describe("request", function()
    local r = { method = "POST", status = 201, duration = 0.01234,
      request_id = "req-42",
      url = "https://platform.adobe.io/data/foundation/flowservice/connections?x=1" }

    it("logs method, path, status, duration in ms and request id at debug",
      function()
      local lines = capture({ level = "debug" }, function() log.request(r) end)
      assert.equal("DEBUG POST /data/foundation/flowservice/connections 201 12.3 ms "
        .. "request req-42", body(lines[1]))
    end)

    it("is silent above debug", function()
      assert.same({}, capture({}, function() log.request(r) end))
    end)

    it("gives JSON lines the fields", function()
      local lines = capture({ level = "debug", format = "json" }, function()
        log.request(r)
        log.request{ method = "GET", url = "http://h/x", error = "timeout",
          attempt = 3, duration = 2 }
      end)
      local a, b = json.decode(lines[1]), json.decode(lines[2])
      a.time, b.time = nil, nil
      assert.same({ level = "debug", method = "POST",
        message = "POST /data/foundation/flowservice/connections 201 12.3 ms request req-42",
        path = "/data/foundation/flowservice/connections", status = 201,
        duration_ms = 12.3, request_id = "req-42" }, a)
      assert.same({ level = "debug", method = "GET", path = "/x", error = "timeout",
        attempt = 3, duration_ms = 2000, message = "GET /x timeout 2000.0 ms attempt 3" },
        b)
    end)
  end)

  describe("redaction", function()
    it("replaces a registered secret everywhere it appears", function()
      log.secret("p4ss-word-one")
      assert.equal("a *** b ***c", log.redact("a p4ss-word-one b p4ss-word-onec"))
    end)

    it("replaces the JSON-escaped and form-encoded spellings too", function()
      log.secret('we"ird/sec ret&')
      assert.equal('{"k":"***"}', log.redact('{"k":"we\\"ird/sec ret&"}'))
      assert.equal('{"k":"***"}', log.redact('{"k":"we\\"ird\\/sec ret&"}'))
      assert.equal("a=***&b=1", log.redact("a=we%22ird%2Fsec%20ret%26&b=1"))
      assert.equal("a=***&b=1", log.redact("a=we%22ird%2Fsec+ret%26&b=1"))
    end)

    it("replaces the longer of two overlapping secrets whole", function()
      log.secret("abcd-short")
      log.secret("abcd-short-and-longer")
      assert.equal("[***] [***]", log.redact("[abcd-short-and-longer] [abcd-short]"))
    end)

    it("ignores values too short to be secrets, and non-strings", function()
      log.secret("xyz")
      log.secret(12345678)
      log.secret(nil)
      assert.equal("xyz 12345678", log.redact("xyz 12345678"))
      assert.equal("pw-value", log.secret("pw-value"))
    end)

    it("scrubs bearer tokens, access_token fields and client_secret parameters",
      function()
      assert.equal("Authorization: Bearer ***", log.redact("Authorization: Bearer eyJ.abc.def"))
      assert.equal('{"Authorization":"Bearer ***"}',
        log.redact('{"Authorization":"Bearer eyJ.abc.def"}'))
      assert.equal('{"access_token": "***", "expires_in": 86399}',
        log.redact('{"access_token": "eyJ.abc", "expires_in": 86399}'))
      assert.equal("grant_type=client_credentials&client_secret=***&scope=openid",
        log.redact("grant_type=client_credentials&client_secret=p%40ss&scope=openid"))
      assert.equal('{"client_secret":"***"}', log.redact('{"client_secret":"abc"}'))
    end)

    it("is applied to every line written, in both formats", function()
      log.secret("line-secret-value")
      local lines = capture({ level = "debug" }, function()
        log.info("got %s", "line-secret-value")
        log.request{ method = "GET", url = "http://h/line-secret-value", status = 200,
          request_id = "line-secret-value" }
      end)
      assert.equal("INFO  got ***", body(lines[1]))
      assert.equal("DEBUG GET /*** 200 request ***", body(lines[2]))
      local json_lines = capture({ format = "json" }, function()
        log.error("Bearer tok123 and line-secret-value")
      end)
      assert.equal("Bearer *** and ***", json.decode(json_lines[1]).message)
    end)

    it("copies tables with every string redacted", function()
      log.secret("deep-secret-value")
      local mt = { __name = "marker" }
      local t = setmetatable({ a = { "deep-secret-value", 1 }, ["deep-secret-value"] = true,
        b = "x" }, mt)
      t.self = t
      local c = log.redact_value(t)
      assert.same({ "***", 1 }, c.a)
      assert.is_true(c["***"])
      assert.equal("x", c.b)
      assert.equal(c, c.self)
      assert.equal(mt, getmetatable(c))
      assert.equal("deep-secret-value", t.a[1])
    end)
  end)

  describe("configure", function()
    it("rejects unknown levels, formats and streams", function()
      assert.has_error(function() log.configure{ level = "loud" } end,
        "bad argument #1 to 'configure' (level must be debug, info, warn or error)")
      assert.has_error(function() log.configure{ format = "xml" } end,
        "bad argument #1 to 'configure' (format must be text or json)")
      assert.has_error(function() log.configure{ stream = "stderr" } end,
        "bad argument #1 to 'configure' (stream must be a file or have a write method)")
      assert.has_error(function() log.configure("debug") end,
        "bad argument #1 to 'configure' (table expected, got string)")
    end)
  end)
end)
