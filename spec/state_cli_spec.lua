-- `flowlua state`: the store's records as a table or JSON, a damaged
-- record found by `check` and dropped by `forget`, a dead holder's lock
-- removed by `unlock`, a live one refused. A real SQLite file, real
-- processes.
local fsvc = require("support.flow_service")
local json = require("flowlua.json")
local proc = require("support.proc")
local state = require("flowlua.state")
local state_record = require("support.state_record")
local sys = require("flowlua.core").sys

local key = state_record.key

-- A record with a done step and a running one.
local function doc(workflow, id)
  local d = state_record.doc_with(workflow, id)
  d.steps[2] = { name = "flow", state = "running", intents = json.array() }
  return d
end

describe("flowlua state", function()
  local dir, path

  local function run(args)
    local argv = { "state", "--state", path }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    return proc.run(argv, { cwd = dir })
  end

  before_each(function()
    dir = fsvc.tmpdir()
    path = dir .. "/state.db"
    local s <close> = state.open(path)
    s:save(key("sales eu", "dev"), doc("sales eu", "id-1"))
    s:save(key("sales eu", "prod"), doc("sales eu", "id-2"))
    s:save(key("sales/eu", "dev"), doc("sales/eu", "id-3"))
  end)

  it("lists every instance as a table", function()
    local out, err, code = run{ "list" }
    assert.equal(0, code, err)
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.matches("^WORKFLOW +SANDBOX +ORG +ENDPOINT +STEPS +ENTITIES "
      .. "+UPDATED +HELD BY$", lines[1])
    assert.matches("^sales eu +dev +O@AdobeOrg +https://platform.adobe.io "
      .. "+1/2 +1 +%d%d%d%d%-%d%d%-%d%dT[%d:]+Z +%-$", lines[2])
    -- sorted by target, then name
    assert.matches("^sales/eu +dev ", lines[3])
    assert.matches("^sales eu +prod ", lines[4])
    assert.equal("3 workflow instances in state store sqlite:" .. path,
      lines[5])
  end)

  it("lists as JSON, filtered by prefix and sandbox", function()
    local out, err, code = run{ "list", "--json", "--sandbox", "dev",
      "sales " }
    assert.equal(0, code, err)
    local list = json.decode(out)
    assert.same(1, #list)
    assert.same(key("sales eu", "dev"), list[1].key)
    assert.same({ 2, 1, 1, false }, { list[1].steps, list[1].done,
      list[1].entities, list[1].damaged })
    assert.equal(json.null, list[1].holder)
  end)

  it("shows one instance, asking which when the name has several",
      function()
    local _, err, code = run{ "show", "sales eu" }
    assert.equal(1, code)
    assert.matches('workflow "sales eu" has 2 records in state store', err)
    local out, err2, code2 = run{ "show", "sales eu", "--sandbox", "prod" }
    assert.equal(0, code2, err2)
    assert.matches('^workflow "sales eu", sandbox "prod"', out)
    assert.matches("\nheld by: nobody\n", out)
    assert.matches("\nbase +done +connection +b +id%-2\n", out)
    assert.matches("\nflow +running +%- +%- +%-\n", out)
  end)

  it("finds a damaged record and an entity in two records; forget drops",
      function()
    local s <close> = state.open(path)
    s.db:exec("UPDATE flowlua_records SET doc = '[1]' WHERE sandbox = "
      .. "'prod'")
    s:save(key("other", "dev"), doc("other", "id-1"))
    local out, err, code = run{ "check" }
    assert.equal(1, code, err)
    assert.matches('sandbox "prod", workflow "sales eu"%): format null, '
      .. "expected 1\n", out)
    assert.matches('workflow "sales eu"%): connection id%-1 is also '
      .. "recorded by", out)
    assert.matches("2 problems\n$", out)
    local _, err2, code2 = run{ "show", "sales eu", "--sandbox", "prod" }
    assert.equal(1, code2)
    assert.matches("is damaged %(format null, expected 1%); see it with "
      .. "`flowlua state check`", err2)
    for _, args in ipairs{ { "forget", "sales eu", "--sandbox", "prod" },
        { "forget", "other" } } do
      local _, e, c = run(args)
      assert.equal(0, c, e)
    end
    local out3, _, code3 = run{ "check" }
    assert.equal(0, code3)
    assert.matches(": 0 problems\n$", out3)
  end)

  it("unlocks a dead holder's lock and refuses a live one's", function()
    -- a lock row left by a process that is gone (a shell that exited)
    local p = io.popen("sh -c 'echo $$'")
    local dead = tonumber(p:read("l"))
    p:close()
    local s <close> = state.open(path)
    s.db:exec(("INSERT INTO flowlua_locks VALUES ('https://platform.adobe"
      .. ".io', 'O@AdobeOrg', 'dev', 'sales/eu', %s, %d, '', 1, 1e12, 't')")
      :format(s.db:quote(require("flowlua.state.holder").host()), dead))
    local out, err, code = run{ "unlock", "sales/eu" }
    assert.equal(0, code, err)
    assert.matches("workflow \"sales/eu\"%): lock removed\n$", out)
    assert.is_true(s:lock(key("sales eu", "dev")))
    local _, err2, code2 = run{ "unlock", "sales eu", "--sandbox", "dev" }
    assert.equal(1, code2)
    assert.matches('^flowlua: workflow "sales eu" is held by host .+, pid '
      .. sys.getpid() .. ", since .+; not unlocking it %(%-%-force to do "
      .. "it anyway%)\n$", err2)
  end)

  it("refuses an unknown command with the usage line", function()
    local _, err, code = run{ "frobnicate" }
    assert.equal(2, code)
    assert.matches("unknown state command 'frobnicate'", err)
  end)
end)
