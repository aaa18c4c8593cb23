-- `flowlua state import`: older JSON journals brought into a real store
-- (a SQLite file, and a real PostgreSQL: spec/support/postgres.lua) by
-- the real executable, as the records of the target the profile and the
-- options name; hostile content, a record already there, an id another
-- record holds and a live holder each refused, naming the file.
local fs = require("support.fs")
local fsvc = require("support.flow_service")
local json = require("flowlua.json")
local pg = require("support.postgres")
local proc = require("support.proc")
local state = require("flowlua.state")
local state_record = require("support.state_record")
local sys = require("flowlua.core").sys

local key, doc = state_record.key, state_record.doc_with
local write, exists = fs.write, fs.exists

local function contract(name, location_of)
  describe("flowlua state import on " .. name, function()
    local dir, journals, location, conf

    before_each(function()
      dir = fsvc.tmpdir()
      journals = dir .. "/.flowlua/journal"
      assert(os.execute("mkdir -p " .. proc.quote(journals)))
      location = location_of(dir)
      conf = dir .. "/config.json"
      write(conf, json.encode{ default_profile = "team", profiles = {
        team = { org_id = "O@AdobeOrg", sandbox = "dev" } } })
    end)

    local function run(args)
      local argv = { "state", "--state", location, "--config", conf }
      table.move(args, 1, #args, #argv + 1, argv)
      return proc.run(argv, { cwd = dir, env = { FLOWLUA_SANDBOX = "",
        FLOWLUA_ORG_ID = "", FLOWLUA_ENDPOINT = "", FLOWLUA_PROFILE = "" } })
    end

    -- writes a journal; returns its path as the command names it
    local function journal(file, d)
      write(journals .. "/" .. file, json.encode(d))
      return ".flowlua/journal/" .. file
    end

    local function exists_in_dir(path) return exists(dir .. "/" .. path) end

    local function records()
      local s <close> = state.open(location)
      return s:list()
    end

    it("imports a directory as the profile's target, keeping the files",
        function()
      local a = journal("sales_eu.json", doc("sales eu", "id-1"))
      local b = journal("K_ln.json", doc("Köln", "id-2"))
      write(journals .. "/x.json.tmp.999999999", "{")
      local out, err, code = run{ "import" }
      assert.equal(0, code, err)
      assert.equal(("journal %s imported as %s; the file is kept as "
        .. "%s.imported\n"):format(b, state.describe_key(key("Köln")), b)
        .. ("journal %s imported as %s; the file is kept as %s.imported\n")
          :format(a, state.describe_key(key("sales eu")), a)
        .. "2 journals imported into state store "
        .. state.describe(location) .. "\n", out)
      assert.is_true(exists_in_dir(a .. ".imported"))
      assert.is_false(exists_in_dir(a))
      assert.is_false(exists(journals .. "/x.json.tmp.999999999"))
      local s <close> = state.open(location)
      assert.same("id-1", s:load(key("sales eu")).steps[1].intents[1].id)
      assert.same("id-2", s:load(key("Köln")).steps[1].intents[1].id)
    end)

    it("takes the target from the options over the profile", function()
      local a = journal("w.json", doc("w", "id-1"))
      local _, err, code = run{ "import", a, "--sandbox", "prod",
        "--org", "P@AdobeOrg", "--endpoint", "emulator:e.json" }
      assert.equal(0, code, err)
      local list = records()
      assert.same(1, #list)
      assert.same({ endpoint = "emulator:e.json", org = "P@AdobeOrg",
        sandbox = "prod", workflow = "w" }, list[1].key)
    end)

    it("refuses a journal the store has unless --force", function()
      local s <close> = state.open(location)
      s:save(key("w"), doc("w", "old-id"))
      local a = journal("w.json", doc("w", "new-id"))
      local _, err, code = run{ "import", a }
      assert.equal(1, code)
      assert.equal(("flowlua: journal %s: state store %s already has a "
        .. "record of %s (--force replaces it)\nnothing imported\n")
        :format(a, state.describe(location), state.describe_key(key("w"))),
        err)
      assert.is_true(exists_in_dir(a))
      assert.same("old-id", s:load(key("w")).steps[1].intents[1].id)
      local _, err2, code2 = run{ "import", a, "--force" }
      assert.equal(0, code2, err2)
      assert.same("new-id", s:load(key("w")).steps[1].intents[1].id)
    end)

    it("names every hostile file and what is wrong, importing nothing",
        function()
      journal("good.json", doc("good", "id-g"))
      write(journals .. "/array.json", "[1, 2]")
      write(journals .. "/binary.json", "\0\1\2\255")
      write(journals .. "/deep.json", ("["):rep(5000))
      write(journals .. "/empty.json", "")
      write(journals .. "/name.json", '{"workflow": 7}')
      write(journals .. "/nul.json",
        '{"workflow": "a\\u0000b", "format": 1, "steps": []}')
      write(journals .. "/version.json",
        '{"workflow": "v", "format": 2, "steps": []}')
      write(journals .. "/shape.json",
        '{"workflow": "s", "format": 1, "steps": [{"name": "a", '
        .. '"state": "done", "intents": [{"kind": "connection", '
        .. '"name": "n", "spec": "s", "id": {}}]}]}')
      assert(sys.mkdir(journals .. "/dir.json"))
      local _, err, code = run{ "import" }
      assert.equal(1, code)
      local j = ".flowlua/journal/"
      assert.equal("flowlua: "
        .. "journal " .. j .. "array.json: not a JSON object\n"
        .. "journal " .. j .. "binary.json: not JSON: unexpected byte 0x00 "
        .. "at line 1 column 1\n"
        .. "journal " .. j .. "deep.json: not JSON: nesting too deep at "
        .. "line 1 column 1001\n"
        .. "journal " .. j .. "dir.json: " .. j .. "dir.json: Is a "
        .. "directory\n"
        .. "journal " .. j .. "empty.json: not JSON: unexpected end of "
        .. "input at line 1 column 1\n"
        .. "journal " .. j .. "name.json: workflow 7 is not a name\n"
        .. "journal " .. j .. "nul.json: workflow must be UTF-8 text "
        .. "without NUL\n"
        .. "journal " .. j .. "shape.json: steps[1].intents[1].id must be "
        .. "a non-empty string\n"
        .. "journal " .. j .. "version.json: format 2, expected 1\n"
        .. "nothing imported\n", err)
      assert.same({}, records())
      assert.is_true(exists_in_dir(j .. "good.json"))
    end)

    it("refuses an entity id another record or journal holds", function()
      local s <close> = state.open(location)
      s:save(key("other", "prod"), doc("other", "id-1"))
      local a = journal("a.json", doc("a", "id-1"))
      local b = journal("b.json", doc("b", "id-2"))
      local c = journal("c.json", doc("c", "id-2"))
      local _, err, code = run{ "import" }
      assert.equal(1, code)
      assert.equal(("flowlua: journal %s: connection id-1 is also recorded "
        .. "by %s\njournal %s: connection id-2 is also recorded by journal "
        .. "%s\nnothing imported\n"):format(a, state.describe_key(
          key("other", "prod")), c, b), err)
      assert.same(1, #records())
    end)

    it("refuses an instance another process holds, naming it", function()
      local s <close> = state.open(location)
      assert.is_true(s:lock(key("held")))
      local a = journal("held.json", doc("held", "id-1"))
      local _, err, code = run{ "import" }
      assert.equal(1, code)
      local prefix = ("flowlua: journal %s: %s is being run by another "
        .. "process (host "):format(a, state.describe_key(key("held")))
      assert.equal(prefix, err:sub(1, #prefix))
      assert.matches((", pid %d, since [^)]+%%)\nnothing imported\n$")
        :format(sys.getpid()), err)
      s:unlock(key("held"))
      assert.same({}, records())
    end)
  end)
end

contract("SQLite", function(dir) return dir .. "/state.db" end)

pg.contract("flowlua state import on PostgreSQL", contract)
