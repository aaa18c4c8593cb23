-- `flowlua validate SCHEMA [DOC...]` as a real process, on two schemas of
-- the seed tutorial in spec/fixtures/schema: the Azure File Storage auth
-- spec and the schedule spec of the CloudStorageToAEP flow spec
-- (schedule.json, the same schema as the emulator's catalogue and
-- ../shared/bench/schedule/schema.json).
local proc = require("support.proc")
local json = require("flowlua.json")

local FIX = "spec/fixtures/schema/"
local SCHEDULE = FIX .. "schedule.json"

describe("flowlua validate", function()
  it("prints 'DOC: valid' and exits 0 when every document is valid", function()
    local out, err, code = proc.run{ "validate", FIX .. "auth-basic.json",
      FIX .. "auth-ok.json" }
    assert.same(FIX .. "auth-ok.json: valid\n", out)
    assert.same("", err)
    assert.same(0, code)
  end)

  it("prints every error as DOC: /path: message and exits 1", function()
    local out, err, code = proc.run{ "validate", FIX .. "auth-basic.json",
      FIX .. "auth-ok.json", FIX .. "auth-bad.json" }
    assert.same(FIX .. "auth-ok.json: valid\n"
      .. FIX .. "auth-bad.json: /host: must be string\n"
      .. FIX .. "auth-bad.json: /: missing required property 'password'\n",
      out)
    assert.same("", err)
    assert.same(1, code)
  end)

  it("stops at the first error with --first-error", function()
    local out, _, code = proc.run{ "validate", "--first-error",
      FIX .. "auth-basic.json", FIX .. "auth-bad.json" }
    assert.same(FIX .. "auth-bad.json: /host: must be string\n", out)
    assert.same(1, code)
  end)

  it("reads a document from standard input", function()
    local out, _, code = proc.run({ "validate", SCHEDULE, "-" },
      { stdin = '{"startTime": 1700000000, "frequency": "minute", '
        .. '"interval": 14}' })
    assert.same("-: /interval: must be >= 15\n", out)
    assert.same(1, code)
  end)

  it("follows $refs to files next to the schema, never the network", function()
    local doc = proc.tempfile('{"auth": {"host": "h", "userid": "u"}}', ".json")
    local out, _, code = proc.run{ "validate", FIX .. "with-ref.json", doc }
    os.remove(doc)
    assert.same(doc .. ": /auth: missing required property 'password'\n", out)
    assert.same(1, code)
  end)

  it("checks a schema alone against the draft-07 meta-schema", function()
    local out, _, code = proc.run{ "validate", FIX .. "auth-basic.json" }
    assert.same(FIX .. "auth-basic.json: valid schema\n", out)
    assert.same(0, code)
    local bad = proc.tempfile('{"type": "text", "minLength": -1}', ".json")
    out, _, code = proc.run{ "validate", bad }
    os.remove(bad)
    assert.same(bad .. ": /minLength: must be >= 0\n"
      .. bad .. ": /type: must match a schema in anyOf\n", out)
    assert.same(1, code)
  end)

  it("exits 2 on an unreadable or malformed document", function()
    local bad = proc.tempfile("{\n  nope", ".json")
    local out, err, code = proc.run{ "validate", FIX .. "auth-basic.json",
      bad, "/nonexistent/doc.json", FIX .. "auth-ok.json" }
    os.remove(bad)
    assert.same(FIX .. "auth-ok.json: valid\n", out)
    assert.same("flowlua: " .. bad .. ": invalid JSON: expected a string key "
      .. "at line 2 column 3\nflowlua: cannot read /nonexistent/doc.json: "
      .. "No such file or directory\n", err)
    assert.same(2, code)
  end)

  it("exits 2 on an invalid schema, saying where", function()
    local bad = proc.tempfile('{"properties": {"a": {"minimum": "x"}}}', ".json")
    local _, err, code = proc.run{ "validate", bad, FIX .. "auth-ok.json" }
    os.remove(bad)
    assert.same("flowlua: " .. bad .. ": invalid schema at "
      .. "'/properties/a/minimum': must be a number\n", err)
    assert.same(2, code)
  end)

  it("prints one JSON document with --json, the same exit status",
    function()
    local bad = proc.tempfile("{\n  nope", ".json")
    local out, err, code = proc.run{ "validate", "--json",
      FIX .. "auth-basic.json", FIX .. "auth-ok.json", FIX .. "auth-bad.json",
      bad }
    os.remove(bad)
    assert.same(2, code)
    assert.same("flowlua: " .. bad .. ": invalid JSON: expected a string key "
      .. "at line 2 column 3\n", err)
    assert.same({ schema = FIX .. "auth-basic.json", valid = false,
      documents = {
        { document = FIX .. "auth-ok.json", valid = true, errors = {} },
        { document = FIX .. "auth-bad.json", valid = false, errors = {
          { path = "/host", message = "must be string" },
          { path = "/", message = "missing required property 'password'" } } },
        { document = bad, valid = false, errors = {}, error = bad
          .. ": invalid JSON: expected a string key at line 2 column 3" } } },
      json.decode(out))
    out, err, code = proc.run{ "validate", "--json", FIX .. "auth-basic.json",
      FIX .. "auth-ok.json" }
    assert.same(0, code, err)
    assert.same('{"documents":[{"document":"' .. FIX .. 'auth-ok.json",'
      .. '"errors":[],"valid":true}],"schema":"' .. FIX .. 'auth-basic.json",'
      .. '"valid":true}\n', out)
  end)

  it("checks a schema alone with --json, and names an invalid one",
    function()
    local out, _, code = proc.run{ "validate", "--json",
      FIX .. "auth-basic.json" }
    assert.same(0, code)
    assert.same({ schema = FIX .. "auth-basic.json", valid = true,
      documents = { { document = FIX .. "auth-basic.json", valid = true,
        errors = {} } } }, json.decode(out))
    local bad = proc.tempfile('{"properties": {"a": {"minimum": "x"}}}',
      ".json")
    out, _, code = proc.run{ "validate", "--json", bad, FIX .. "auth-ok.json" }
    os.remove(bad)
    assert.same(2, code)
    assert.same({ schema = bad, valid = false, documents = {},
      error = "invalid schema at '/properties/a/minimum': must be a number" },
      json.decode(out))
  end)

  it("exits 2 with the usage line when no schema is given", function()
    local out, err, code = proc.run{ "validate" }
    assert.same("", out)
    assert.same("flowlua: no schema given\nusage: flowlua validate [OPTIONS] "
      .. "SCHEMA [DOC...]\n", err)
    assert.same(2, code)
  end)
end)
