-- flowlua.json: the exact JSON codec of the C core.
local json = require("flowlua.json")
local cjson = require("cjson")
local same = require("support.json_same")

local function decode_err(text, opts)
  local v, err = json.decode(text, opts)
  assert.is_nil(v)
  return err
end

-- v with its empty objects marked json.object, as decode returns them.
local function marked(v)
  if type(v) ~= "table" then return v end
  if getmetatable(v) == nil and next(v) == nil then return json.object(v) end
  for _, x in pairs(v) do marked(x) end
  return v
end

describe("flowlua.json", function()
  it("is the core codec", function()
    assert.equal(require("flowlua.core").json, json)
    assert.equal(require("flowlua.core.json"), json)
  end)

  it("has null equal to cjson.null, the light userdata NULL", function()
    assert.equal(cjson.null, json.null)
    assert.equal("userdata", type(json.null))
    assert.equal("null", json.encode(cjson.null))
    assert.equal("[null]", cjson.encode(json.decode("[null]")))
  end)

  describe("decode", function()
    it("keeps integers as exact 64-bit integers", function()
      assert.equal("integer", math.type(json.decode("1")))
      assert.equal(1700000000123, json.decode("1700000000123"))
      assert.equal(math.maxinteger, json.decode("9223372036854775807"))
      assert.equal(math.mininteger, json.decode("-9223372036854775808"))
      assert.equal(0, json.decode("-0"))
      assert.equal("integer", math.type(json.decode("-0")))
    end)

    it("turns integers beyond 64 bits into floats", function()
      local v = json.decode("9223372036854775808")
      assert.equal("float", math.type(v))
      assert.equal(2.0 ^ 63, v)
      assert.equal(-2.0 ^ 63 - 2048, json.decode("-9223372036854777856"))
      assert.equal(1e20, json.decode("100000000000000000000"))
    end)

    it("reads every other number as a float", function()
      for text, want in pairs{ ["1.0"] = 1.0, ["1e2"] = 100.0, ["1E+2"] = 100.0,
          ["-0.5"] = -0.5, ["0.1"] = 0.1, ["1e-2"] = 0.01, ["0e0"] = 0.0,
          ["2.5E-1"] = 0.25, ["1e400"] = math.huge, ["-1e400"] = -math.huge,
          ["1e-400"] = 0.0, ["123.456e78"] = 123.456e78 } do
        local v = json.decode(text)
        assert.equal("float", math.type(v), text)
        assert.equal(want, v, text)
      end
      assert.equal("-0.0", tostring(json.decode("-0.0")))
    end)

    it("reads literals and strings", function()
      assert.equal(true, json.decode("true"))
      assert.equal(false, json.decode(" false "))
      assert.equal(json.null, json.decode("null"))
      assert.equal("", json.decode('""'))
      assert.equal("a\"\\/\b\f\n\r\tz", json.decode([["a\"\\\/\b\f\n\r\tz"]]))
      assert.equal("é€😀", json.decode([["\u00e9\u20AC\ud83d\ude00"]]))
      assert.equal("é€😀", json.decode('"é€😀"'))
      assert.equal("a\0b", json.decode([["a\u0000b"]]))
      assert.equal("\u{10FFFF}", json.decode([["\uDBFF\uDFFF"]]))
    end)

    it("marks arrays with json.array, empty objects with json.object", function()
      local v = json.decode('{"a": [1, 2, {"b": []}], "c": {}}')
      assert.equal(json.array, getmetatable(v.a))
      assert.equal(json.array, getmetatable(v.a[3].b))
      assert.is_nil(getmetatable(v))
      assert.is_nil(getmetatable(v.a[3]))
      assert.equal(json.object, getmetatable(v.c))
      assert.equal(json.object, getmetatable(json.decode("{}")))
      assert.equal(json.array, getmetatable(json.decode("[]")))
      assert.same({ a = { 1, 2, { b = {} } }, c = {} }, v)
      assert.equal(0, #v.a[3].b)
    end)

    it("keeps nulls in arrays without holes", function()
      local v = json.decode("[1, null, 3, null]")
      assert.equal(4, #v)
      assert.equal(json.null, v[2])
      assert.equal(json.null, v[4])
    end)

    it("keeps the last of duplicated keys", function()
      assert.same({ a = 3 }, json.decode('{"a": 1, "a": 2, "a": 3}'))
    end)

    it("reads huge arrays and objects whole", function()
      local parts = {}
      for i = 1, 100000 do parts[i] = tostring(i) end
      local v = json.decode("[" .. table.concat(parts, ",") .. "]")
      assert.equal(100000, #v)
      for i = 1, 100000 do
        if v[i] ~= i then assert.equal(i, v[i]) end
      end
      for i = 1, 3000 do parts[i] = ('"k%d": %d'):format(i, i) end
      local o = json.decode("{" .. table.concat(parts, ",", 1, 3000) .. "}")
      local n = 0
      for k, val in pairs(o) do
        n = n + 1
        assert.equal("k" .. val, k)
      end
      assert.equal(3000, n)
    end)

    it("reads long strings and long numbers", function()
      local s = ("abc\\n"):rep(200000)
      assert.equal(("abc\n"):rep(200000), json.decode('"' .. s .. '"'))
      assert.equal(1.0, json.decode("1." .. ("0"):rep(5000)))
      assert.equal(0.1, json.decode("0.1" .. ("0"):rep(100)))
    end)

    it("bounds nesting at 1000 by default", function()
      local ok = ("["):rep(1000) .. ("]"):rep(1000)
      local deep = ("["):rep(1001) .. ("]"):rep(1001)
      assert.is_table(json.decode(ok))
      assert.equal("nesting too deep at line 1 column 1001", decode_err(deep))
      assert.equal("nesting too deep at line 1 column 1001",
        decode_err(("["):rep(100000)))
    end)

    it("takes the nesting bound as an option", function()
      local obj = ('{"a":'):rep(3) .. "1" .. ("}"):rep(3)
      assert.same({ a = { a = { a = 1 } } }, json.decode(obj, { max_depth = 3 }))
      assert.equal("nesting too deep at line 1 column 11",
        decode_err(obj, { max_depth = 2 }))
      assert.equal(1, json.decode("1", { max_depth = 0 }))
      assert.equal("nesting too deep at line 1 column 1",
        decode_err("[]", { max_depth = 0 }))
      local v = json.decode(("["):rep(20000) .. ("]"):rep(20000),
        { max_depth = 20000 })
      for _ = 1, 19999 do v = v[1] end
      assert.same({}, v)
    end)

    it("reports errors with line and column", function()
      local cases = {
        { "", "unexpected end of input at line 1 column 1" },
        { "   ", "unexpected end of input at line 1 column 4" },
        { "[1,]", "unexpected character ']' at line 1 column 4" },
        { '{"a":1,}', "expected a string key at line 1 column 8" },
        { '{"a" 1}', "expected ':' after a key at line 1 column 6" },
        { "[1 2]", "expected ',' or ']' at line 1 column 4" },
        { '{"a":1 "b":2}', "expected ',' or '}' at line 1 column 8" },
        { "[1,\n  2,\n  x]", "unexpected character 'x' at line 3 column 3" },
        { "01", "unexpected data after the value at line 1 column 2" },
        { "[1] [2]", "unexpected data after the value at line 1 column 5" },
        { "[-]", "invalid number at line 1 column 2" },
        { "[1.]", "invalid number at line 1 column 4" },
        { "[1e+]", "invalid number at line 1 column 5" },
        { "[tru]", "invalid literal at line 1 column 2" },
        { "[NaN]", "unexpected character 'N' at line 1 column 2" },
        { "[\0]", "unexpected byte 0x00 at line 1 column 2" },
        { '["abc', "unterminated string at line 1 column 2" },
        { '["a\\', "unterminated string at line 1 column 2" },
        { '["a\nb"]', "control character in string at line 1 column 4" },
        { '["\\x"]', "invalid escape in string at line 1 column 3" },
        { '["\\u12G4"]', "invalid \\u escape at line 1 column 3" },
        { '["\\ud800"]', "lone high surrogate in \\u escape at line 1 column 3" },
        { '["\\udc00\\ud800"]',
          "lone low surrogate in \\u escape at line 1 column 3" },
        { '["\\ud800\\u0041"]',
          "lone high surrogate in \\u escape at line 1 column 3" },
        { '["ab\xff"]', "invalid UTF-8 in string at line 1 column 5" },
        { '["\xc0\xaf"]', "invalid UTF-8 in string at line 1 column 3" },
        { '["\xe0\x80\xaf"]', "invalid UTF-8 in string at line 1 column 3" },
        { '["\xed\xa0\x80"]', "invalid UTF-8 in string at line 1 column 3" },
        { '["\xf4\x90\x80\x80"]', "invalid UTF-8 in string at line 1 column 3" },
        { '["\xe2\x82"]', "invalid UTF-8 in string at line 1 column 3" },
        { "\xef\xbb\xbf{}", "unexpected byte 0xef at line 1 column 1" },
      }
      for _, c in ipairs(cases) do
        assert.equal(c[2], decode_err(c[1]), c[1])
      end
    end)

    it("never raises on arbitrary bytes", function()
      math.randomseed(7)
      local alphabet = '[]{}",:0123456789.eE+-tfnul\\ \n\t\xc3\xa9\xff\0x'
      for _ = 1, 5000 do
        local t = {}
        for i = 1, math.random(0, 40) do
          local k = math.random(#alphabet)
          t[i] = alphabet:sub(k, k)
        end
        local text = table.concat(t)
        local ok, v, err = pcall(json.decode, text)
        assert.is_true(ok, v)
        if v == nil then
          assert.matches("^.+ at line %d+ column %d+$", err)
        end
      end
    end)

    it("raises only on misuse", function()
      assert.has_error(function() json.decode() end,
        "bad argument #1 to 'decode' (string expected, got no value)")
      assert.has_error(function() json.decode("1", { max_depth = -1 }) end,
        "bad argument #2 to 'decode' (max_depth must be an integer from 0 to 1000000000)")
      assert.has_error(function() json.decode("1", 5) end,
        "bad argument #2 to 'decode' (table expected, got number)")
    end)
  end)

  describe("encode", function()
    it("prints scalars exactly", function()
      assert.equal("true", json.encode(true))
      assert.equal("false", json.encode(false))
      assert.equal("null", json.encode(json.null))
      assert.equal("null", json.encode(nil))
      assert.equal("0", json.encode(0))
      assert.equal("-42", json.encode(-42))
      assert.equal("1700000000123", json.encode(1700000000123))
      assert.equal("9223372036854775807", json.encode(math.maxinteger))
      assert.equal("-9223372036854775808", json.encode(math.mininteger))
    end)

    it("prints floats in their shortest round-trip form", function()
      local cases = {
        { 1.0, "1.0" }, { 100.0, "100.0" }, { -0.0, "-0.0" }, { 0.0, "0.0" },
        { 0.1, "0.1" }, { 0.5, "0.5" }, { 1 / 3, "0.3333333333333333" },
        { 2 / 3, "0.6666666666666666" }, { 0.1 + 0.2, "0.30000000000000004" },
        { 1e300, "1e+300" }, { 1e21, "1e+21" }, { 1e-7, "1e-07" },
        { 2.0 ^ 53, "9007199254740992.0" }, { 2.0 ^ 63, "9.223372036854776e+18" },
        { 5e-324, "4.94065645841247e-324" }, { 1.7976931348623157e308,
          "1.7976931348623157e+308" }, { 123.456, "123.456" },
      }
      for _, c in ipairs(cases) do
        assert.equal(c[2], json.encode(c[1]))
        assert.equal(c[1], json.decode(c[2]))
        assert.equal("float", math.type(json.decode(c[2])))
      end
    end)

    it("prints each of thousands of floats the same whenever it meets it",
        function()
      -- the encoder remembers the text of recent floats (a record is
      -- encoded whole at every save); more floats than it has slots, met
      -- again in another order, must each still print as themselves
      local function shortest(x)
        local s
        for prec = 15, 17 do
          s = ("%." .. prec .. "g"):format(x)
          if tonumber(s) == x then break end
        end
        return s:find("[.e]") and s or s .. ".0"
      end
      local floats, want = {}, {}
      local seed = 12345
      for i = 1, 3000 do
        seed = (seed * 1103515245 + 12345) % 2147483648
        floats[i] = i % 2 == 0 and 1796505113 + seed / 2147483648
          or (seed - 1073741824) * 1e-3 / 7
        want[i] = shortest(floats[i])
      end
      local list = "[" .. table.concat(want, ",") .. "]"
      assert.equal(list, json.encode(floats))
      assert.equal(list, json.encode(floats))
      for i = 3000, 1, -7 do
        assert.equal(want[i], json.encode(floats[i]))
        assert.equal(floats[i], json.decode(want[i]))
      end
    end)

    it("escapes strings and leaves / and UTF-8 alone", function()
      assert.equal([["a\"b\\c/d"]], json.encode('a"b\\c/d'))
      assert.equal([["\b\f\n\r\t"]], json.encode("\b\f\n\r\t"))
      assert.equal([["\u0000\u0001\u001f\u000b"]], json.encode("\0\1\31\11"))
      assert.equal('"\127é€😀"', json.encode("\127é€😀"))
      for c = 0, 31 do
        assert.equal(string.char(c), json.decode(json.encode(string.char(c))))
      end
    end)

    it("encodes large strings and tables whole", function()
      local big = ("\u{1F600}x\n"):rep(1000000)
      local text = json.encode({ big })
      assert.equal(7 * 1000000 + 4, #text)
      assert.equal(big, json.decode(text)[1])
      local t = {}
      for i = 1, 200000 do t[i] = { id = i } end
      assert.same(t, json.decode(json.encode(t)))
    end)

    it("refuses strings that are not UTF-8", function()
      assert.has_error(function() json.encode{ a = { "ok", "\xff" } } end,
        "cannot encode string with invalid UTF-8 at $.a[2]")
      assert.has_error(function() json.encode("\xed\xa0\x80") end,
        "cannot encode string with invalid UTF-8 at $")
    end)

    it("makes arrays of sequences and marked tables", function()
      assert.equal("[1,2,3]", json.encode{ 1, 2, 3 })
      assert.equal("[]", json.encode(json.array()))
      assert.equal("[]", json.encode(setmetatable({}, json.array)))
      assert.equal("{}", json.encode{})
      assert.equal('[[],{},["x"]]', json.encode{ json.array(), {}, json.array{ "x" } })
      assert.equal("[null,1]", json.encode{ json.null, 1 })
    end)

    it("encodes sequences built in any order", function()
      local t = {}
      for i = 50, 1, -1 do t[i] = i end
      assert.equal(json.encode(t), "[" .. table.concat(t, ",") .. "]")
      local h = { [3] = "c", [2] = "b", [1] = "a" }
      assert.equal('["a","b","c"]', json.encode(h))
    end)

    it("makes objects of string-keyed tables", function()
      assert.equal('{"a":1}', json.encode{ a = 1 })
      assert.equal('{"a":{"b":[true]}}', json.encode{ a = { b = { true } } })
      assert.equal('{"":"","1":1}', json.encode({ [""] = "", ["1"] = 1 },
        { sort_keys = true }))
    end)

    it("sorts keys bytewise when asked", function()
      local t = { b = 1, a = { z = 1, y = 2, [""] = 3 }, B = 2, ["é"] = 4, aa = 5 }
      assert.equal('{"B":2,"a":{"":3,"y":2,"z":1},"aa":5,"b":1,"é":4}',
        json.encode(t, { sort_keys = true }))
      local many = {}
      for i = 1, 100 do many[("k%03d"):format(i)] = i end
      local text = json.encode(many, { sort_keys = true })
      assert.equal('{"k001":1,"k002":2,', text:sub(1, 19))
      assert.equal('"k100":100}', text:sub(-11))
    end)

    it("indents for humans", function()
      local t = { b = { 1, { c = json.array() } }, a = {} }
      assert.equal('{\n  "a": {},\n  "b": [\n    1,\n    {\n      "c": []\n'
        .. '    }\n  ]\n}', json.encode(t, { sort_keys = true, indent = 2 }))
      assert.equal('[\n\t1\n]', json.encode({ 1 }, { indent = "\t" }))
      assert.equal('[\n1,\n2\n]', json.encode({ 1, 2 }, { indent = 0 }))
      assert.equal('[\n  1\n]', json.encode({ 1 }, { indent = true }))
      assert.equal('[1]', json.encode({ 1 }, { indent = false }))
    end)

    it("raises on values JSON cannot hold, naming the path", function()
      local cases = {
        { { a = { 1, print } }, "cannot encode function at $.a[2]" },
        { print, "cannot encode function at $" },
        { { x = io.stdout }, "cannot encode userdata at $.x" },
        { { ["a b"] = { coroutine.create(print) } },
          'cannot encode thread at $["a b"][1]' },
        { { 0 / 0 }, "cannot encode NaN at $[1]" },
        { { v = math.huge }, "cannot encode inf at $.v" },
        { { v = -math.huge }, "cannot encode inf at $.v" },
        { { [2] = 1 }, "cannot encode sparse array at $" },
        { { a = { 1, nil, 3 } }, "cannot encode sparse array at $.a" },
        { { 1, 2, x = 1 }, "cannot encode table with mixed or non-string keys at $" },
        { { [true] = 1 }, "cannot encode table with mixed or non-string keys at $" },
        { { [1.5] = 1 }, "cannot encode table with mixed or non-string keys at $" },
        { setmetatable({ a = 1 }, json.array),
          "cannot encode table with mixed or non-string keys at $" },
      }
      for _, c in ipairs(cases) do
        assert.has_error(function() json.encode(c[1]) end, c[2])
        assert.has_error(function() json.encode(c[1], { sort_keys = true }) end,
          c[2])
      end
    end)

    it("raises on cycles", function()
      local t = { a = {} }
      t.a.b = { t }
      assert.has_error(function() json.encode(t) end,
        "cannot encode cyclic table at $.a.b[1]")
      local shared = { 1 }
      assert.equal('[[1],[1]]', json.encode{ shared, shared })
    end)

    it("bounds nesting like decode", function()
      local t = {}
      local deep = t
      for _ = 1, 1000 do deep[1] = {} deep = deep[1] end
      assert.has_error(function() json.encode(t) end,
        "cannot encode table nested too deep at $" .. ("[1]"):rep(1000))
      assert.equal(("["):rep(1000) .. "{}" .. ("]"):rep(1000),
        json.encode(t, { max_depth = 1001 }))
    end)

    it("raises on bad options", function()
      assert.has_error(function() json.encode(1, { indent = 17 }) end,
        "bad argument #2 to 'encode' "
        .. "(indent must be an integer from 0 to 16 or a string)")
      assert.has_error(function() json.encode(1, { indent = "x" }) end,
        "bad argument #2 to 'encode' (indent string must hold only spaces and tabs)")
      assert.has_error(function() json.encode() end,
        "bad argument #1 to 'encode' (value expected)")
    end)
  end)

  -- json.array and json.object make a new marked table, or mark `t` and
  -- return it; they are their marks (the metatables decode sets). (Their
  -- misuse is checked at each call site: the message names the function
  -- as called.)
  local function makes_and_marks(kind, t)
    local make = json[kind]
    local made = make()
    assert.equal(make, getmetatable(made))
    assert.equal(nil, next(made))
    assert.equal(t, make(t))
    assert.equal(make, getmetatable(t))
  end

  describe("json.array", function()
    it("makes new arrays and marks tables", function()
      makes_and_marks("array", { 1 })
      assert.has_error(function() json.array(5) end,
        "bad argument #2 to 'array' (table expected, got number)")
    end)
  end)

  describe("json.object", function()
    it("makes new objects and marks tables", function()
      makes_and_marks("object", {})
      assert.has_error(function() json.object(5) end,
        "bad argument #2 to 'object' (table expected, got number)")
    end)

    it("is written as an object, empty or not", function()
      assert.equal("{}", json.encode(json.object()))
      assert.equal('{"a":1}', json.encode(json.object{ a = 1 }))
      assert.equal('{"a":{},"b":[]}',
        json.encode(json.decode('{"a":{},"b":[]}'), { sort_keys = true }))
      assert.has_error(function() json.encode(json.object{ 1 }) end,
        "cannot encode sparse array at $")
    end)
  end)

  describe("round trip", function()
    math.randomseed(20261128)
    local function rand(n) return math.random(0, n - 1) end
    local function str()
      local s = {}
      for i = 1, rand(12) do
        s[i] = utf8.char(({ rand(32), rand(128), rand(0x800), rand(0xD800),
          0x10000 + rand(0x100000) })[rand(5) + 1])
      end
      return table.concat(s)
    end
    local function value(depth)
      local k = rand(depth > 3 and 6 or 8)
      if k == 0 then return rand(2) == 0 end
      if k == 1 then return json.null end
      if k == 2 then return math.random(math.mininteger, math.maxinteger) end
      if k == 3 then return string.unpack("d", string.pack("j", math.random(0))) end
      if k == 4 or k == 5 then return str() end
      local t = {}
      if k == 6 then
        for i = 1, rand(5) do t[i] = value(depth + 1) end
        return json.array(t)
      end
      for _ = 1, rand(5) do t[str()] = value(depth + 1) end
      if next(t) == nil and rand(2) == 0 then return json.object(t) end
      return t
    end

    it("decode(encode(v)) is v for accepted values", function()
      for _ = 1, 3000 do
        local v = value(0)
        local ok, text = pcall(json.encode, v, { sort_keys = true })
        if ok then
          local back = json.decode(text)
          assert.is_true(same(marked(v), back), text)
          assert.equal(text, json.encode(back, { sort_keys = true }))
        else
          assert.matches("^cannot encode [Ni][an][Nf]", text)
        end
      end
    end)

    it("round-trips every finite double exactly", function()
      for _ = 1, 20000 do
        local x = string.unpack("d", string.pack("j", math.random(0)))
        if x == x and x ~= math.huge and x ~= -math.huge then
          local back = json.decode(json.encode(x))
          assert.equal(string.pack("d", x), string.pack("d", back))
        end
      end
    end)

    it("encode(decode(t)) keeps the text's meaning", function()
      local texts = {
        '{"items":[{"id":"x","n":1,"f":1.5,"e":[],"o":{},"z":null}]}',
        '[0,-1,1.0,-0.0,1e+300,"\\u0000",true,false,null]',
        '{"transformations":[],"epoch":1700000000123}',
      }
      for _, t in ipairs(texts) do
        local v = json.decode(t)
        assert.is_true(same(v, json.decode(json.encode(v))))
      end
      assert.equal('{"e":[],"epoch":1700000000123,"f":1.5}',
        json.encode(json.decode('{"epoch":1700000000123,"e":[],"f":1.5}'),
          { sort_keys = true }))
    end)
  end)
end)
