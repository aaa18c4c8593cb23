local proc = require("support.proc")

describe("flowlua run", function()
  local function script(text) return proc.tempfile(text) end

  it("lays out arg as lua5.4 does and passes the arguments as ...", function()
    local path = script([[
      print(arg[0] == (...) and "no" or "arg0 ok")
      print(#arg, arg[1], arg[2], select("#", ...), select(2, ...))
    ]])
    local out, err, code = proc.run{ "run", path, "one", "two" }
    assert.same("arg0 ok\n2\tone\ttwo\t2\ttwo\n", out)
    assert.same("", err)
    assert.same(0, code)
  end)

  it("makes require 'flowlua' available without an install", function()
    local path = script([[print(require("flowlua").VERSION)]])
    local out, _, code = proc.run({ "run", path }, { cwd = "/" })
    assert.matches("^%d+%.%d+%.%d+\n$", out)
    assert.same(0, code)
  end)

  it("prints a script error as 'flowlua: message' and exits 1", function()
    local path = script([[error("broken pipe of dreams", 0)]])
    local out, err, code = proc.run{ "run", path }
    assert.same("", out)
    assert.same("flowlua: broken pipe of dreams\n", err)
    assert.same(1, code)
  end)

  it("adds a traceback only with -v", function()
    local path = script([[local function f() error("deep", 0) end f()]])
    local _, err, code = proc.run{ "run", "-v", path }
    assert.matches("^flowlua: deep\nstack traceback:\n", err)
    assert.same(1, code)
  end)

  it("lets a script choose its exit status with os.exit", function()
    local path = script([[os.exit(7)]])
    local _, _, code = proc.run{ "run", path }
    assert.same(7, code)
  end)

  it("keeps the script's own options for the script", function()
    local path = script([[print(...)]])
    local out, _, code = proc.run{ "run", path, "--dry-run", "-v" }
    assert.same("--dry-run\t-v\n", out)
    assert.same(0, code)
  end)

  it("exits 2 when the script cannot be read", function()
    local _, err, code = proc.run{ "run", "/nonexistent/x.lua" }
    assert.matches("^flowlua: cannot open /nonexistent/x.lua", err)
    assert.same(2, code)
  end)

  it("exits 2 with a usage line when no script is given", function()
    local _, err, code = proc.run{ "run" }
    assert.same("flowlua: no script given\n"
      .. "usage: flowlua run [OPTIONS] SCRIPT [ARGS...]\n", err)
    assert.same(2, code)
  end)
end)

describe("flowlua options", function()
  it("treats an unknown option as a usage error", function()
    local _, err, code = proc.run{ "run", "--frobnicate", "x.lua" }
    assert.same("flowlua: unknown option '--frobnicate'\n"
      .. "usage: flowlua run [OPTIONS] SCRIPT [ARGS...]\n", err)
    assert.same(2, code)
  end)

  it("treats an unknown command as a usage error", function()
    local _, err, code = proc.run{ "frobnicate" }
    assert.matches("^flowlua: unknown command 'frobnicate'\nusage: flowlua", err)
    assert.same(2, code)
  end)

  it("prints help and version and exits 0", function()
    local out, _, code = proc.run{ "--help" }
    assert.matches("Commands:\n  run ", out)
    assert.same(0, code)
    out, _, code = proc.run{ "--version" }
    assert.matches("^flowlua %d+%.%d+%.%d+ %(Lua 5%.4", out)
    assert.same(0, code)
  end)

  it("prints the run command's help", function()
    local out, _, code = proc.run{ "run", "--help" }
    assert.matches("^usage: flowlua run %[OPTIONS%] SCRIPT", out)
    assert.matches("%-%-dry%-run", out)
    assert.same(0, code)
  end)

  it("exits 2 without any arguments", function()
    local _, err, code = proc.run{}
    assert.matches("^usage: flowlua", err)
    assert.same(2, code)
  end)
end)
