-- The verdict of `make conformance` (tools/conformance/check.js) on
-- recorded exchanges, run by node over Adobe's OAS and the real
-- exceptions file; and the exceptions file against the docs that key its
-- evidence (issue 14). Needs node; pends without it.
local fs = require("support.fs")
local proc = require("support.proc")
local json = require("flowlua.json")

local OAS = "contract/adobe/flow-service.yaml"
local EXCEPTIONS = "contract/oas-exceptions.json"
local HAS_NODE = os.execute("command -v node >/dev/null 2>&1") == true

describe("conformance's verdict (check.js)", function()
  local dir

  setup(function() dir = fs.tmpdir() end)
  teardown(function() fs.remove(dir) end)

  -- Runs check.js over exchanges (a list of tables), an exceptions file
  -- and a mode; its output and exit status.
  local function verdict(exchanges, exceptions, mode)
    local lines = {}
    for i, x in ipairs(exchanges) do lines[i] = json.encode(x) end
    local log = dir .. "/exchanges.jsonl"
    fs.write(log, table.concat(lines, "\n") .. "\n")
    local out, err, code = proc.run({ "tools/conformance/check.js", OAS,
      exceptions or EXCEPTIONS, log, mode }, { bin = "node" })
    return out .. err, code
  end

  -- A publish with Adobe's lower-case op, as Prism reports it.
  local publish = { method = "POST", status = 200,
    path = "/data/foundation/flowservice/flows/f1/action?op=publish",
    violations = { { location = { "request", "query", "op" },
      message = "Request query parameter op must be equal to one of the "
        .. "allowed values: PUBLISH, ENABLE, DISABLE" } } }

  it("passes a violation a recorded exception explains", function()
    if not HAS_NODE then return pending("needs node") end
    local out, code = verdict({ publish })
    assert.equal(0, code, out)
    assert.matches("conformance: PASS", out)
    assert.matches("\n +1  action%-op%-lower%-case\n", out)
  end)

  it("fails on a violation no exception explains, naming it", function()
    if not HAS_NODE then return pending("needs node") end
    local bad = { method = "GET", status = 200,
      path = "/data/foundation/flowservice/flows/f1",
      violations = { { location = { "response", "body", "items", "0", "id" },
        message = "Response body property items.0.id must be string" } } }
    local out, code = verdict({ publish, bad })
    assert.equal(1, code, out)
    assert.matches("conformance: FAIL: 1 violation", out)
    assert.matches("GET /data/foundation/flowservice/flows/f1 %-> 200 "
      .. "%[GET /flows/{FLOW_ID}%]: response%.body%.items%.0%.id", out)
  end)

  it("with --complete fails on an operation never exercised and an "
    .. "exception never needed", function()
    if not HAS_NODE then return pending("needs node") end
    local out, code = verdict({ publish }, nil, "--complete")
    assert.equal(1, code, out)
    assert.matches("FAIL: no request exercised GET /connections\n", out)
    assert.matches("FAIL: exception action%-subop%-required was not needed",
      out)
    assert.not_matches("exception action%-op%-lower%-case was not", out)
    assert.not_matches("exercised POST /flows/{FLOW_ID}/action\n", out)
  end)

  it("fails when nothing was recorded", function()
    if not HAS_NODE then return pending("needs node") end
    local out, code = verdict({})
    assert.equal(1, code, out)
    assert.matches("no traffic was recorded", out)
  end)

  it("refuses an exception without its evidence", function()
    if not HAS_NODE then return pending("needs node") end
    local file = dir .. "/exceptions.json"
    fs.write(file, json.encode{ exceptions = { { id = "no-evidence",
      message = "x", why = "the OAS is wrong" } } })
    local out, code = verdict({ publish }, file)
    assert.are_not.equal(0, code)
    assert.matches("exception no%-evidence has no evidence", out)
  end)
end)

describe("contract/oas-exceptions.json", function()
  local exceptions = json.decode(fs.read(EXCEPTIONS)).exceptions

  it("cites only sources docs/emulator.md keys", function()
    local doc = fs.read("docs/emulator.md")
    local sources = doc:match("\n## Sources\n(.-)\n## ")
    assert.is_string(sources, "docs/emulator.md has no 'Sources' section")
    for _, e in ipairs(exceptions) do
      for key in e.evidence:gmatch("%[([%u][%u%d%-]*)%]") do
        assert.truthy(sources:find("[" .. key .. "]", 1, true),
          e.id .. " cites [" .. key .. "], which 'Sources' does not key")
      end
    end
  end)

  it("has one row per exception in docs/conformance.md", function()
    local doc = fs.read("docs/conformance.md")
    for _, e in ipairs(exceptions) do
      assert.truthy(doc:find("\n| `" .. e.id .. "` |", 1, true),
        e.id .. " has no row in docs/conformance.md")
    end
    local rows = select(2, doc:gsub("\n| `[%l%-]+` | ", ""))
    assert.equal(#exceptions, rows)
  end)
end)
