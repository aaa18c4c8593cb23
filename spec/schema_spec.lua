-- flowlua.schema: the API, errors, Lua value rules, and the keywords and
-- formats whose suite files are kept aside (uniqueItems, dependencies,
-- propertyNames, contains, oneOf, ipv6, uri-reference, time), written from
-- the draft-07 specification and the RFCs. Keyword cases run three ways:
-- JSON text, the walker for Lua values and the generic walker.
local schema = require("flowlua.schema")
local core = require("flowlua.core")
local null = core.schema.null

local SCHEDULE = [[{
  "type": "object",
  "properties": {
    "startTime": { "type": "integer" },
    "frequency": { "type": "string",
                   "enum": ["once", "minute", "hour", "day", "week"] },
    "interval": { "type": "integer" },
    "backfill": { "type": "boolean", "default": true }
  },
  "required": ["startTime", "frequency"],
  "if": { "properties": { "frequency": { "const": "once" } } },
  "then": { "allOf": [ { "not": { "required": ["interval"] } },
                       { "not": { "required": ["backfill"] } } ] },
  "else": {
    "required": ["interval"],
    "if": { "properties": { "frequency": { "const": "minute" } } },
    "then": { "properties": { "interval": { "minimum": 15 } } },
    "else": { "properties": { "interval": { "minimum": 1 } } }
  }
}]]

-- Runs one case through text, the Lua walker and the generic walker.
local function check(spec_text, data_text, valid)
  local data = assert(core.schema._decode(data_text))
  local v = assert(schema.compile(spec_text))
  assert.equal(valid, (v:validate_json(data_text)), "text: " .. data_text)
  assert.equal(valid, (v:validate(data)), "lua: " .. data_text)
  local c = assert(schema.compile(spec_text, { fast = false }))
  assert.equal(valid, (c:validate(data)), "generic: " .. data_text)
end

-- One `it` per case; text_only for values a Lua table cannot tell apart.
local function cases(spec_text, list)
  return function()
    for _, case in ipairs(list) do
      it(("%s is %s"):format(case[1], case[2] and "valid" or "invalid"),
        function()
          if case.text_only then
            local v = assert(schema.compile(spec_text))
            assert.equal(case[2], (v:validate_json(case[1])))
          else
            check(spec_text, case[1], case[2])
          end
        end)
    end
  end
end

describe("flowlua.schema", function()
  describe("compile", function()
    it("accepts a Lua table or JSON text", function()
      assert.truthy(schema.compile({ type = "string" }))
      assert.truthy(schema.compile('{"type": "string"}'))
      assert.truthy(schema.compile(true))
    end)

    it("says where a schema is invalid", function()
      assert.same({ nil, "invalid schema at '/properties/a/minimum': "
        .. "must be a number" },
        { schema.compile({ properties = { a = { minimum = "x" } } }) })
      assert.same({ nil, "invalid schema at '/type': must be a type name "
        .. "or an array of type names" }, { schema.compile({ type = "text" }) })
      assert.same({ nil, "invalid schema at '/pattern': invalid ECMA-262 "
        .. "regular expression" }, { schema.compile({ pattern = "\\a" }) })
      assert.same({ nil, "invalid schema at '/$ref': cannot resolve $ref "
        .. "'#/definitions/nope'" },
        { schema.compile({ ["$ref"] = "#/definitions/nope" }) })
    end)

    it("reports bad JSON text with its position", function()
      assert.same({ nil, "invalid JSON: expected ',' or '}' at line 1 "
        .. "column 14" }, { schema.compile('{"type": "a" "b"}') })
    end)

    it("refuses a $ref cycle that never reaches a keyword", function()
      local v, err = schema.compile({
        definitions = { a = { ["$ref"] = "#/definitions/b" },
                        b = { ["$ref"] = "#/definitions/a" } },
        ["$ref"] = "#/definitions/a" })
      assert.is_nil(v)
      assert.equal("invalid schema at '/definitions/a/$ref': $ref refers "
        .. "to itself", err)
    end)

    it("never uses the network: remote refs need a resolver", function()
      local spec = { ["$ref"] = "http://example.com/s.json" }
      assert.same({ nil, "invalid schema at '/$ref': cannot resolve $ref "
        .. "'http://example.com/s.json'" }, { schema.compile(spec) })
      local asked = {}
      local v = assert(schema.compile(spec, { resolve = function(uri)
        asked[#asked + 1] = uri
        return { type = "integer" }
      end }))
      assert.same({ "http://example.com/s.json" }, asked)
      assert.is_true(v:validate(3))
      assert.is_false((v:validate("3")))
    end)

    it("turns a resolver error into a compile error", function()
      local v, err = schema.compile({ ["$ref"] = "http://x/y" },
        { resolve = function() error("no route", 0) end })
      assert.is_nil(v)
      assert.equal("invalid schema at '/$ref': cannot load 'http://x/y': "
        .. "no route", err)
    end)

    it("serves the draft-07 meta-schema itself", function()
      local meta = assert(schema.compile(
        { ["$ref"] = "http://json-schema.org/draft-07/schema#" }))
      assert.is_true(meta:validate_json(SCHEDULE))
      assert.is_false((meta:validate_json('{"type": 5}')))
      assert.is_false((meta:validate_json('{"minLength": -1}')))
    end)
  end)

  describe("validate", function()
    local v = assert(schema.compile(SCHEDULE))
    local c = assert(schema.compile(SCHEDULE, { fast = false }))

    it("returns true for a valid value", function()
      assert.same({ true }, { v:validate({ startTime = 1, frequency = "hour",
        interval = 2 }) })
    end)

    it("returns the first error with pointers and a message", function()
      for _, val in ipairs({ v, c }) do
        assert.same({ false, { { path = "/interval",
          schema_path = "/else/then/properties/interval/minimum",
          keyword = "minimum", message = "must be >= 15" } } },
          { val:validate({ startTime = 1, frequency = "minute",
            interval = 14 }) })
        assert.same({ false, { { path = "",
          schema_path = "/else/required", keyword = "required",
          message = "missing required property 'interval'" } } },
          { val:validate({ startTime = 1, frequency = "hour" }) })
        assert.same({ false, { { path = "/frequency",
          schema_path = "/properties/frequency/enum", keyword = "enum",
          message = "must be one of 'once', 'minute', 'hour', 'day', "
            .. "'week'" } } },
          { val:validate({ startTime = 1, frequency = "month" }) })
        assert.same({ false, { { path = "",
          schema_path = "/then/allOf/0/not", keyword = "not",
          message = "must not be valid against the schema in not" } } },
          { val:validate({ startTime = 1, frequency = "once",
            interval = 3 }) })
      end
    end)

    it("collects every error with all_errors", function()
      local all = assert(schema.compile(SCHEDULE, { all_errors = true }))
      local ok, errs = all:validate({ startTime = "x", frequency = 3 })
      assert.is_false(ok)
      assert.same({
        { path = "/startTime", schema_path = "/properties/startTime/type",
          keyword = "type", message = "must be integer" },
        { path = "/frequency", schema_path = "/properties/frequency/type",
          keyword = "type", message = "must be string" },
        { path = "/frequency", schema_path = "/properties/frequency/enum",
          keyword = "enum", message = "must be one of 'once', 'minute', "
            .. "'hour', 'day', 'week'" },
        { path = "", schema_path = "/else/required", keyword = "required",
          message = "missing required property 'interval'" },
      }, errs)
    end)

    it("escapes paths as JSON Pointers and counts array indexes", function()
      local val = assert(schema.compile({ properties = { ["a/b~c"] = {
        items = { type = "string" } } } }))
      assert.same({ false, { { path = "/a~1b~0c/1",
        schema_path = "/properties/a~1b~0c/items/type", keyword = "type",
        message = "must be string" } } },
        { val:validate({ ["a/b~c"] = { "x", 2 } }) })
    end)

    it("treats integral floats as integers", function()
      local int = assert(schema.compile({ type = "integer" }))
      assert.is_true(int:validate(3.0))
      assert.is_false((int:validate(3.5)))
      assert.is_false((int:validate(math.huge)))
    end)

    it("counts string length in code points", function()
      local s = assert(schema.compile({ maxLength = 2, minLength = 2 }))
      assert.is_true(s:validate("é😀"))
      assert.is_false((s:validate("abc")))
    end)

    it("takes an unmarked empty table as both [] and {}", function()
      assert.is_true(schema.compile({ type = "array" }):validate({}))
      assert.is_true(schema.compile({ type = "object" }):validate({}))
      assert.is_false((schema.compile({ type = "object",
        required = { "a" } }):validate({})))
      assert.is_true(schema.compile({ const = {} }):validate({}))
    end)

    it("takes json.object and json.array as marked: {} is no array", function()
      local json = core.json
      for _, fast in ipairs({ true, false }) do
        local function marked_check(spec, value)
          local validator = assert(schema.compile(spec, { fast = fast }))
          assert.equal(validator:is_valid(value), validator:validate(value))
          return validator:validate(value)
        end
        assert.is_true(marked_check({ type = "object" }, json.object()))
        assert.is_false(marked_check({ type = "array" }, json.object()))
        assert.is_false(marked_check({ type = "object" }, json.array()))
        assert.is_false(marked_check({ minProperties = 0, type = "array" }, json.decode("{}")))
        assert.is_false(marked_check({ required = { "a" } }, json.decode("{}")))
        assert.is_false(marked_check({ maxItems = 0, type = "array" }, json.decode("{}")))
        assert.is_false(marked_check({ const = json.array() }, json.object()))
        assert.is_true(marked_check({ const = json.object() }, json.decode("{}")))
        assert.is_false(marked_check({ enum = { json.object() } }, json.decode("[]")))
        assert.is_false(marked_check({ properties = { a = { type = "array" } } },
          json.decode('{"a": {}}')))
        assert.is_true(marked_check({ properties = { a = { ["not"] = { type = "array" } } } },
          json.decode('{"a": {}}')))
      end
    end)

    it("takes nil and json.null as null", function()
      local n = assert(schema.compile({ type = "null" }))
      assert.is_true(n:validate(nil))
      assert.is_true(n:validate(null))
      assert.is_false((n:validate(false)))
    end)

    it("does not assert formats with formats = false", function()
      local on = assert(schema.compile({ format = "ipv4" }))
      local off = assert(schema.compile({ format = "ipv4" }, { formats = false }))
      assert.is_false((on:validate("1.2.3")))
      assert.is_true(off:validate("1.2.3"))
      assert.is_true(on:validate("1.2.3.4"))
    end)

    it("accepts any string for an unknown format such as password", function()
      assert.is_true(schema.compile({ format = "password" }):validate("s3cr3t"))
    end)
  end)

  describe("is_valid and is_valid_json", function()
    it("answer as validate does, with no errors", function()
      for _, opts in ipairs({ {}, { all_errors = true }, { fast = false } }) do
        local v = assert(schema.compile(SCHEDULE, opts))
        assert.same({ true }, { v:is_valid({ startTime = 1,
          frequency = "hour", interval = 1 }) })
        assert.same({ false }, { v:is_valid({ startTime = 1 }) })
        assert.same({ true }, { v:is_valid_json(
          '{"startTime": 1, "frequency": "once"}') })
        assert.same({ false }, { v:is_valid_json(
          '{"startTime": 1, "frequency": "once", "interval": 5}') })
      end
    end)
    it("returns nil and where the text is bad", function()
      local v = assert(schema.compile(SCHEDULE))
      assert.same({ nil, "expected a string key at line 2 column 3" },
        { v:is_valid_json('{\n  nope}') })
    end)
    it("raises on a closed validator", function()
      local v = assert(schema.compile(SCHEDULE))
      v:close()
      assert.has_error(function() v:is_valid({}) end,
        "attempt to use a closed validator")
    end)
  end)

  describe("validate_json", function()
    local v = assert(schema.compile(SCHEDULE))
    it("validates text without building Lua values", function()
      assert.same({ true }, { v:validate_json(
        '{"startTime": 1, "frequency": "hour", "interval": 1}') })
      assert.same({ false, { { path = "", schema_path = "/required",
        keyword = "required", message = "missing required property "
          .. "'frequency'" } } }, { v:validate_json('{"startTime": 1}') })
    end)
    it("returns nil and where the text is bad", function()
      assert.same({ nil, "expected a string key at line 2 column 3" },
        { v:validate_json('{\n  nope}') })
    end)
  end)

  describe("misuse", function()
    it("raises on a schema that is neither a table nor a string", function()
      assert.has_error(function() schema.compile(42) end,
        "bad argument #1 to 'compile' (table or string or boolean expected, got number)")
    end)
    it("raises when a schema recurses without consuming the value", function()
      local v = assert(schema.compile({ allOf = { { ["$ref"] = "#" } } }))
      assert.has_error(function() v:validate(1) end,
        "validation nested more than 512 schemas deep")
    end)
  end)

  describe("a closed validator", function()
    it("raises when used", function()
      local v = assert(schema.compile({ type = "string" }, { fast = false }))
      v:close()
      assert.has_error(function() v:validate("x") end,
        "attempt to use a closed validator")
    end)
  end)

  describe("uniqueItems (JSON equality)", cases('{"uniqueItems": true}', {
    { "[1, 2, 3]", true }, { "[1, 1]", false }, { "[1, 1.0]", false },
    { '["a", "a"]', false }, { "[0, false]", true }, { "[1, true]", true },
    { "[null, null]", false }, { '[{"a": 1, "b": 2}, {"b": 2, "a": 1}]', false },
    { '[{"a": 1}, {"a": 2}]', true }, { "[[1], [1]]", false },
    { "[[1], [true]]", true }, { "[[], {}]", true, text_only = true }, { "[]", true },
    { '"not an array"', true },
  }))

  describe("uniqueItems false", cases('{"uniqueItems": false}', {
    { "[1, 1]", true },
  }))

  describe("dependencies, array form", cases(
    '{"dependencies": {"bar": ["foo"], "none": []}}', {
      { "{}", true }, { '{"foo": 1}', true }, { '{"foo": 1, "bar": 2}', true },
      { '{"bar": 2}', false }, { '{"none": 1}', true }, { '["bar"]', true },
      { "12", true },
  }))

  describe("dependencies, schema form", cases(
    '{"dependencies": {"bar": {"properties": {"foo": {"type": "integer"}},'
    .. ' "required": ["foo"]}, "t": true, "f": false}}', {
      { '{"bar": 1, "foo": 2}', true }, { '{"bar": 1}', false },
      { '{"bar": 1, "foo": "x"}', false }, { '{"foo": "x"}', true },
      { '{"t": 1}', true }, { '{"f": 1}', false }, { '"bar"', true },
  }))

  describe("propertyNames", cases('{"propertyNames": {"maxLength": 3}}', {
    { '{"a": 1, "abc": 2}', true }, { '{"abcd": 1}', false }, { "{}", true },
    { "[1, 2, 3, 4]", true }, { '"abcdef"', true },
  }))

  describe("propertyNames false", cases('{"propertyNames": false}', {
    { "{}", true }, { '{"a": 1}', false },
  }))

  describe("propertyNames pattern", cases(
    '{"propertyNames": {"pattern": "^a+$"}}', {
      { '{"a": 1, "aa": 2}', true }, { '{"ab": 1}', false },
  }))

  describe("contains", cases('{"contains": {"minimum": 5}}', {
    { "[3, 4, 5]", true }, { "[2, 3]", false }, { "[]", false },
    { '{"a": 7}', true }, { '"x"', true },
  }))

  describe("contains true and false", function()
    describe("true needs one item", cases('{"contains": true}', {
      { "[1]", true }, { "[]", false } }))
    describe("false never matches", cases('{"contains": false}', {
      { "[1]", false }, { "[]", false }, { '"x"', true } }))
  end)

  describe("oneOf", cases(
    '{"oneOf": [{"type": "integer"}, {"minimum": 2}]}', {
      { "1", true }, { "2.5", true }, { "3", false }, { "1.5", false },
  }))

  describe("oneOf with boolean schemas", function()
    describe("one true", cases('{"oneOf": [true, false, false]}',
      { { "1", true } }))
    describe("two true", cases('{"oneOf": [true, true]}', { { "1", false } }))
    describe("all false", cases('{"oneOf": [false]}', { { "1", false } }))
  end)

  describe("format ipv6 (RFC 4291)", cases('{"format": "ipv6"}', {
    { '"::1"', true }, { '"::"', true }, { '"1:2:3:4:5:6:7:8"', true },
    { '"fe80::0202:b3ff:fe1e:8329"', true }, { '"::ffff:192.168.0.1"', true },
    { '"1::"', true }, { '"1:2:3:4:5:6::8"', true },
    { '"1:2:3:4:5:6:7:8:9"', false }, { '"12345::"', false },
    { '":::"', false }, { '"1:2:3:4:5:6:7"', false },
    { '"::ffff:256.1.1.1"', false }, { '"fe80::1%eth0"', false },
    { '":1:2:3:4:5:6:7"', false }, { '"1:2:3:4:5:6:7:"', false },
    { '"1::2::3"', false }, { '" ::1"', false }, { '"::1\\n"', false },
    { '"1:2:3:4:5:6:1.2.3.4"', true }, { '"1:2:3:4:5:6:7:1.2.3.4"', false },
    { '"::g"', false }, { "12", true },
  }))

  describe("format uri-reference (RFC 3986)", cases(
    '{"format": "uri-reference"}', {
      { '"http://foo.bar/?baz=qux#quux"', true }, { '"//foo.bar/x"', true },
      { '"/abc"', true }, { '"abc"', true }, { '"#fragment"', true },
      { '""', true }, { '"../a/b?c"', true },
      { '"\\\\\\\\WINDOWS\\\\fileshare"', false }, { '"#frag\\\\ment"', false },
      { '"http://x/ y"', false }, { '"a:b:c"', true }, { '"%zz"', false },
      { '"é"', false },
  }))

  describe("format time (RFC 3339 full-time)", cases('{"format": "time"}', {
    { '"08:30:06Z"', true }, { '"08:30:06.283185+01:00"', true },
    { '"08:30:06z"', true }, { '"23:59:60Z"', true },
    { '"15:59:60-08:00"', true }, { '"22:59:60Z"', false },
    { '"23:59:60+01:00"', false }, { '"08:30:06"', false },
    { '"8:30:06Z"', false }, { '"24:00:00Z"', false },
    { '"08:60:00Z"', false }, { '"08:30:61Z"', false },
    { '"08:30:06+24:00"', false }, { '"08:30:06+01"', false },
    { '"08:30:06.Z"', false }, { '"08:30:06Z\\n"', false },
    { '"01:29:60+01:30"', true }, { "123", true },
  }))
  -- The walker for Lua values leaves some values to the generic walker
  -- (an unmarked empty table, keys that are not strings, large objects);
  -- both must give the same answer and the same errors.
  describe("the walker for Lua values", function()
    local specs = {
      { required = { "a" } },
      { ["not"] = { required = { "a" } } },
      { ["not"] = { type = "array" } },
      { type = "object", additionalProperties = false },
      { properties = { a = { type = "integer" } }, minProperties = 1 },
      { items = { type = "object", required = { "x" } } },
      { anyOf = { { type = "array" }, { required = { "b" } } } },
      { patternProperties = { ["^k"] = { type = "string" } } },
      { properties = { ["a\0b"] = { const = 1 } }, required = { "a\0b" } },
    }
    local big = {}
    for i = 1, 40 do big["k" .. i] = i end
    local values = {
      {}, { a = 1 }, { a = "x" }, { 1, 2 }, { [2] = "two" }, { [true] = 1 },
      setmetatable({}, { __index = { a = 1 } }), big,
      { { x = 1 }, { y = 2 } }, { {} }, { ["a\0b"] = 1 }, { ["a\0b"] = 2 },
      { b = 1, k = "s" }, 3, "s", null,
    }
    for i, spec in ipairs(specs) do
      it("agrees with the generic walker, schema " .. i, function()
        local fast = assert(schema.compile(spec))
        local generic = assert(schema.compile(spec, { fast = false }))
        for _, value in ipairs(values) do
          assert.same({ generic:validate(value) }, { fast:validate(value) })
        end
      end)
    end

    it("reports the path of a nested error", function()
      local v = assert(schema.compile({ properties = { list = { items = {
        properties = { n = { minimum = 2 } } } } } }))
      local ok, errors = v:validate({ list = { { n = 3 }, { n = 1 } } })
      assert.is_false(ok)
      assert.same({ { path = "/list/1/n", keyword = "minimum",
        schema_path = "/properties/list/items/properties/n/minimum",
        message = "must be >= 2" } }, errors)
    end)
  end)
end)
