-- flowlua.apply_arguments: a script's KEY=VALUE arguments over its CONFIG.
local flowlua = require("flowlua")

describe("flowlua.apply_arguments", function()
  local function config()
    return { name = "ACME", interval = 15, ratio = 0.5, dry = false }
  end

  it("replaces each named setting, read as the type it replaces", function()
    local c = config()
    local given = flowlua.apply_arguments(c, { "name=Globex", "interval=60",
      "ratio=2", "dry=true" })
    assert.same({ name = "Globex", interval = 60, ratio = 2, dry = true }, c)
    assert.equal("integer", math.type(c.interval))
    assert.same({ name = true, interval = true, ratio = true, dry = true },
      given)
  end)

  it("keeps the defaults of the settings not given", function()
    local c = config()
    assert.same({ name = true }, flowlua.apply_arguments(c, { "name=" }))
    assert.same({ name = "", interval = 15, ratio = 0.5, dry = false }, c)
    assert.same({}, flowlua.apply_arguments(c, {}))
  end)

  it("takes the text after the first = as the value", function()
    local c = config()
    flowlua.apply_arguments(c, { "name=a=b" })
    assert.equal("a=b", c.name)
  end)

  it("refuses an argument naming no setting, for the script's user", function()
    assert.has_error(function()
      flowlua.apply_arguments(config(), { "colour=red" })
    end, 'unknown argument "colour=red" (expected KEY=VALUE with KEY one of '
      .. "the CONFIG keys)")
    assert.has_error(function()
      flowlua.apply_arguments(config(), { "--name" })
    end, 'unknown argument "--name" (expected KEY=VALUE with KEY one of '
      .. "the CONFIG keys)")
  end)

  it("refuses a value that does not read as its setting's type", function()
    assert.has_error(function()
      flowlua.apply_arguments(config(), { "interval=1.5" })
    end, 'bad value in argument "interval=1.5" (integer expected)')
    assert.has_error(function()
      flowlua.apply_arguments(config(), { "ratio=half" })
    end, 'bad value in argument "ratio=half" (number expected)')
    assert.has_error(function()
      flowlua.apply_arguments(config(), { "dry=yes" })
    end, 'bad value in argument "dry=yes" (true or false expected)')
  end)

  it("names a wrong argument of the call", function()
    assert.has_error(function() flowlua.apply_arguments({}, "name=x") end,
      "bad argument #2 to 'apply_arguments' (table expected, got string)")
  end)
end)
