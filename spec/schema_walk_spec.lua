-- The fast walker's programs (src/lschema/lschema_plan.c, lschema_walk.c)
-- against the generic walker, on the schemas that take its less travelled
-- paths: more properties than a program keeps in slots, more oneOf
-- counters than a program has, inlining that stops (depth, size, cycles),
-- $ref inlined or called, conditionals and combinators inside each other,
-- and unmarked empty tables where [] and {} give different answers. Every
-- value goes through validate, is_valid, validate_json and is_valid_json,
-- and must give what the generic walker (fast = false) gives: the same
-- answer and the same first error.
local schema = require("flowlua.schema")
local json = require("flowlua.json")

local function compile_both(spec)
  local fast = assert(schema.compile(spec))
  local generic = assert(schema.compile(spec, { fast = false }))
  return fast, generic
end

-- values: Lua values; text = false for those JSON cannot say the same way
-- (an unmarked empty table).
local function agree(spec, values, text)
  local fast, generic = compile_both(spec)
  for i, value in ipairs(values) do
    local want = { generic:validate(value) }
    assert.same(want, { fast:validate(value) }, "value " .. i)
    assert.equal(want[1], fast:is_valid(value), "is_valid " .. i)
    if text ~= false then
      local doc = json.encode(value)
      assert.same({ generic:validate_json(doc) }, { fast:validate_json(doc) },
        "text " .. i .. " " .. doc)
      assert.equal(want[1], fast:is_valid_json(doc), "is_valid_json " .. i)
    end
  end
end

local function many_properties(n)
  local props, required = {}, {}
  for i = 1, n do
    local name = ("p%02d"):format(i)
    if i % 3 == 0 then
      props[name] = { type = "object", properties = { x = { minimum = i } } }
    else
      props[name] = { type = "integer", minimum = i }
    end
    if i % 4 == 0 then required[#required + 1] = name end
  end
  return { type = "object", properties = props, required = required,
    ["if"] = { properties = { p40 = { const = 40 } } },
    ["then"] = { required = { "p39" } } }
end

local function full_object(n)
  local o = {}
  for i = 1, n do
    local name = ("p%02d"):format(i)
    o[name] = i % 3 == 0 and { x = i } or i
  end
  return o
end

describe("the fast walker", function()
  it("keeps properties beyond its slots correct", function()
    local values = { full_object(40) }
    for i = 1, 40 do   -- which 32 have slots follows the schema's key order
      local o = full_object(40)
      o[("p%02d"):format(i)] = nil
      values[#values + 1] = o
      o = full_object(40)
      o[("p%02d"):format(i)] = i % 3 == 0 and { x = 0 } or 0
      values[#values + 1] = o
      o = full_object(40)
      o[("p%02d"):format(i)] = "text"
      values[#values + 1] = o
    end
    agree(many_properties(40), values)
  end)

  it("counts oneOf matches past the counters of one program", function()
    local all = {}
    for i = 1, 12 do
      all[i] = { oneOf = { { type = "integer" }, { minimum = i },
        { const = -1 } } }
    end
    agree({ allOf = all }, { 20, 5, -1, 0.5, "x", 12, 13 })
  end)

  it("calls what it stops inlining: deep nesting, large programs", function()
    local deep = { minimum = 0 }
    for i = 1, 100 do
      deep = { allOf = { deep, { maximum = 1000 - i } } }
    end
    agree(deep, { 5, -1, 950, 899, 900 })
    local wide = {}
    for i = 1, 400 do
      wide[i] = { properties = { ["k" .. i % 50] = { type = "integer" } },
        required = { "k" .. i % 7 } }
    end
    local ok = {}
    for i = 0, 49 do ok["k" .. i] = i end
    local bad = {}
    for k, x in pairs(ok) do bad[k] = x end
    bad.k45 = "no"
    local missing = {}
    for k, x in pairs(ok) do missing[k] = x end
    missing.k3 = nil
    agree({ allOf = wide }, { ok, bad, missing, 3, "x" })
  end)

  it("stops inlining when a large schema is used from many places", function()
    local big = { properties = {} }
    for i = 1, 100 do big.properties["p" .. i] = { type = "integer", minimum = i } end
    local props, ok, bad = {}, {}, {}
    for i = 1, 3000 do
      props["q" .. i] = { allOf = { { ["$ref"] = "#/definitions/big" },
        { type = "object" } } }
      ok["q" .. i] = { p1 = 1, p50 = 50 }
      bad["q" .. i] = { p1 = 1, p50 = i == 2999 and 49 or 50 }
    end
    agree({ definitions = { big = big }, properties = props },
      { ok, bad, { q7 = 3 } })
  end)

  it("follows $ref, inlined or called, and recursion", function()
    local tree = {
      definitions = {
        node = { type = "object", required = { "name" },
          properties = { name = { type = "string" },
            children = { type = "array", items = { ["$ref"] = "#/definitions/node" } } } },
      },
      ["$ref"] = "#/definitions/node",
    }
    agree(tree, {
      { name = "a", children = { { name = "b" }, { name = "c", children = {} } } },
      { name = "a", children = { { name = "b" }, { children = {} } } },
      { name = "a", children = { { name = 1 } } },
      { children = {} },
      "x",
    }, false)
    local twice = { definitions = { pos = { type = "integer", minimum = 1 } },
      allOf = { { ["$ref"] = "#/definitions/pos" },
        { properties = { n = { ["$ref"] = "#/definitions/pos" } } } } }
    agree(twice, { 1, 0, 2.5, { n = 1 }, { n = 0 } }, false)
  end)

  it("nests conditionals and combinators", function()
    local spec = {
      type = "object",
      ["if"] = { properties = { kind = { const = "a" } }, required = { "kind" } },
      ["then"] = { anyOf = { { required = { "x" } }, { required = { "y" } } },
        ["not"] = { properties = { x = { const = 0 } }, required = { "x" } } },
      ["else"] = { oneOf = {
        { properties = { kind = { enum = { "b", "c" } } } },
        { properties = { kind = { type = "integer" } } },
      }, ["if"] = { required = { "z" } } },
    }
    agree(spec, {
      { kind = "a", x = 1 }, { kind = "a", y = 1 }, { kind = "a" },
      { kind = "a", x = 0 }, { kind = "b" }, { kind = 3 }, { kind = "d" },
      { kind = 2.5 }, { z = 1 }, "a", 7,
    })
  end)

  it("leaves [] or {} to the generic walker where they differ", function()
    agree({ type = "array" }, { {}, { 1 }, { a = 1 } }, false)
    agree({ ["not"] = { type = "object" } }, { {}, { a = 1 }, { 1 } }, false)
    agree({ anyOf = { { type = "array", minItems = 1 },
      { type = "object", required = { "a" } } } }, { {}, { 1 }, { a = 1 } },
      false)
    agree({ properties = { a = { type = "array" } } },
      { { a = {} }, { a = { 1 } }, { a = { b = 1 } } }, false)
    agree({ required = { "a" } }, { {}, { a = 1 }, { 1 } }, false)
    agree({ additionalProperties = false, minProperties = 1 },
      { {}, { a = 1 }, { 1 } }, false)
  end)
end)
