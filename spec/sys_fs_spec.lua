-- flowlua.core.sys.listdir, sys.stat and sys.create_file, on real files.
local sys = require("flowlua.core").sys

describe("sys.listdir and sys.stat", function()
  local dir

  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(sys.mkdir(dir))
  end)

  after_each(function()
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("lists a folder's names without . and ..", function()
    local f = assert(io.open(dir .. "/a.csv", "wb"))
    f:write("x\n1\n")
    f:close()
    assert(sys.mkdir(dir .. "/sub"))
    local names = sys.listdir(dir)
    table.sort(names)
    assert.same({ "a.csv", "sub" }, names)
    assert.same({}, sys.listdir(dir .. "/sub"))
  end)

  it("tells a file's type, size and modification time", function()
    local f = assert(io.open(dir .. "/a.csv", "wb"))
    f:write("x\n1\n")
    f:close()
    local st = sys.stat(dir .. "/a.csv")
    assert.same("file", st.type)
    assert.same(4, st.size)
    assert.is_true(math.abs(st.mtime - os.time()) < 60)
    assert.same("directory", sys.stat(dir).type)
  end)

  it("answers nil, a message and the errno for what is not there", function()
    local st, msg, code = sys.stat(dir .. "/none")
    assert.is_nil(st)
    assert.same("cannot stat " .. dir .. "/none: No such file or directory", msg)
    assert.same(2, code)
    local names, lmsg, lcode = sys.listdir(dir .. "/none")
    assert.is_nil(names)
    assert.same("cannot list " .. dir .. "/none: No such file or directory", lmsg)
    assert.same(2, lcode)
    assert.has_error(function() sys.listdir() end)
  end)

  it("creates a private empty file once, never over one that is there",
      function()
    local path = dir .. "/state.db"
    assert.is_true(sys.create_file(path))
    assert.same(tonumber("600", 8), sys.stat_mode(path) & tonumber("777", 8))
    assert.same(0, sys.stat(path).size)
    local f = assert(io.open(path, "wb"))
    f:write("the winner's data")
    f:close()
    assert.is_false(sys.create_file(path, tonumber("644", 8)))
    assert.same(17, sys.stat(path).size)
    assert.same(tonumber("600", 8), sys.stat_mode(path) & tonumber("777", 8))
    local ok, msg = sys.create_file(dir .. "/none/x")
    assert.is_nil(ok)
    assert.same("cannot create " .. dir .. "/none/x: No such file or "
      .. "directory", msg)
  end)
end)
