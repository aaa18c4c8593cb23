-- flowlua.json against the parsing cases of spec/fixtures/json, written
-- from RFC 8259: y_* must decode, n_* must fail with a line and column,
-- i_* (implementation-defined) behave as documented in docs/json.md.
local json = require("flowlua.json")
local same = require("support.json_same")

local dir = "spec/fixtures/json/"

local function fixtures()
  local names = {}
  local ls = assert(io.popen("ls " .. dir))
  for name in ls:lines() do names[#names + 1] = name end
  ls:close()
  return names
end

local function read(name)
  local f = assert(io.open(dir .. name, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

-- Implementation-defined cases: "accept" with the value, or the error.
local implementation = {
  ["i_number_double_huge_neg_exp.json"] = { 0.0 },
  ["i_number_huge_exp.json"] = { math.huge },
  ["i_number_int64_min_minus_one.json"] = { -9223372036854775809.0 },
  ["i_number_int64_plus_one.json"] = { 9223372036854775808.0 },
  ["i_number_minus_zero_int.json"] = 0,
  ["i_number_neg_int_huge_exp.json"] = { -math.huge },
  ["i_number_pos_double_huge_exp.json"] = { math.huge },
  ["i_number_real_underflow.json"] = { 0.0 },
  ["i_number_too_big_neg_int.json"] = { -123123123123123123123123123123.0 },
  ["i_number_too_big_pos_int.json"] = { 1e20 },
  ["i_number_very_big_negative_int.json"] =
    { -237462374673276894279832749832423479823246327846.0 },
  ["i_object_key_lone_2nd_surrogate.json"] =
    "lone low surrogate in \\u escape at line 1 column 3",
  ["i_string_UTF-16LE_with_BOM.json"] =
    "unexpected byte 0xff at line 1 column 1",
  ["i_string_high_surrogate_then_letter.json"] =
    "lone high surrogate in \\u escape at line 1 column 3",
  ["i_string_lone_high_surrogate.json"] =
    "lone high surrogate in \\u escape at line 1 column 3",
  ["i_string_lone_low_surrogate.json"] =
    "lone low surrogate in \\u escape at line 1 column 3",
  ["i_string_surrogate_pair_reversed.json"] =
    "lone low surrogate in \\u escape at line 1 column 3",
  ["i_string_two_high_surrogates.json"] =
    "lone high surrogate in \\u escape at line 1 column 3",
  ["i_structure_UTF-8_BOM_empty_object.json"] =
    "unexpected byte 0xef at line 1 column 1",
}

describe("the JSON parsing suite", function()
  local names = fixtures()

  it("has cases of every kind", function()
    local count = { y = 0, n = 0, i = 0 }
    for _, name in ipairs(names) do
      local kind = name:match("^([yni])_.+%.json$")
      assert.is_not_nil(kind, name)
      count[kind] = count[kind] + 1
    end
    assert.is_true(count.y >= 90 and count.n >= 190 and count.i >= 19)
  end)

  for _, name in ipairs(names) do
    local kind = name:sub(1, 1)
    if kind == "y" then
      it("accepts " .. name .. " and round-trips it", function()
        local v, err = json.decode(read(name))
        assert.is_nil(err)
        assert.is_not_nil(v)
        assert.is_true(same(v, json.decode(json.encode(v))))
      end)
    elseif kind == "n" then
      it("rejects " .. name, function()
        local v, err = json.decode(read(name))
        assert.is_nil(v)
        assert.matches("^[%w%p ]+ at line %d+ column %d+$", err)
      end)
    else
      it("decides " .. name .. " as documented", function()
        local want = implementation[name]
        local v, err = json.decode(read(name))
        if type(want) == "string" then
          assert.equal(want, err)
        elseif type(want) == "table" then
          assert.is_true(same(json.array(want), v))
        else
          assert.equal(want, v)
          assert.equal(math.type(want), math.type(v))
        end
      end)
    end
  end
end)
