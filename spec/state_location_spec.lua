-- Where the workflow state store is: `--state`, else FLOWLUA_STATE, else
-- the profile's "state", else the workflow's `{dir = ...}`, else
-- .flowlua/state.db. The real executable in a temporary directory with
-- its own config file; a real run against the embedded emulator.
local fs = require("support.fs")
local fsvc = require("support.flow_service")
local journal = require("flowlua.workflow.journal")
local json = require("flowlua.json")
local proc = require("support.proc")
local runtime = require("flowlua.runtime")
local state = require("flowlua.state")

local write = fs.write

describe("the state store's location", function()
  local dir

  -- the default config file lives under HOME: none unless a spec writes
  -- one; FLOWLUA_STATE set only when `state` is given
  local function run(args, env_state)
    return proc.run(args, { cwd = dir, env = { HOME = dir,
      XDG_CONFIG_HOME = "", FLOWLUA_CONFIG = "", FLOWLUA_PROFILE = "",
      FLOWLUA_STATE = env_state or "" } })
  end

  local function store_of(args, env_state)
    local out, err, code = run(args, env_state)
    assert.equal(0, code, err)
    return out:match("in state store (%S+)\n$")
  end

  before_each(function()
    dir = fsvc.tmpdir()
    assert(os.execute("mkdir -p " .. proc.quote(dir .. "/.config/flowlua")))
    write(dir .. "/.config/flowlua/config.json", json.encode{
      default_profile = "team", profiles = {
        team = { state = dir .. "/team.db" },
        other = { state = "sqlite:" .. dir .. "/other.db" },
        plain = { sandbox = "dev" } } })
  end)

  it("is the profile's, over the default", function()
    assert.equal("sqlite:" .. dir .. "/team.db", store_of{ "state", "list" })
    assert.equal("sqlite:" .. dir .. "/other.db",
      store_of{ "state", "list", "--profile", "other" })
    assert.equal("sqlite:.flowlua/state.db",
      store_of{ "state", "list", "--profile", "plain" })
  end)

  it("is FLOWLUA_STATE over the profile, --state over both", function()
    local env = dir .. "/env.db"
    assert.equal("sqlite:" .. env, store_of({ "state", "list" }, env))
    assert.equal("sqlite:" .. dir .. "/flag.db", store_of({ "state",
      "--state", dir .. "/flag.db", "list" }, env))
  end)

  it("keeps a run's workflow in the profile's store", function()
    local out, err, code = run{ "run", "--emulator", "--profile", "other",
      fsvc.ONBOARDING }
    assert.equal(0, code, out .. err)
    local s <close> = state.open(dir .. "/other.db")
    local list = s:list()
    assert.same(1, #list)
    assert.same("onboarding-ACME", list[1].key.workflow)
    assert.is_nil(io.open(dir .. "/.flowlua/state.db"))
    assert.is_nil(io.open(dir .. "/team.db"))
  end)

  describe("for a workflow opened with a directory", function()
    after_each(function() runtime.state = nil end)

    it("is --state, else the settings', else the directory's", function()
      assert.equal("d/state.db", journal.location("d", {}))
      assert.equal(state.DEFAULT, journal.location(nil, {}))
      assert.equal("p.db", journal.location("d", { state = "p.db" }))
      runtime.state = "flag.db"
      assert.equal("flag.db", journal.location("d", { state = "p.db" }))
    end)
  end)
end)
