-- The JSON-Schema-Test-Suite, draft 7: every file, required and optional.
-- Each test runs three ways: JSON text (schema compiled from text, data
-- through v:validate_json) and Lua values, both through the fast walker,
-- and Lua values through the generic walker (fast = false); each way asks
-- validate (the errors) and is_valid (the answer alone). Lua values are
-- what json.decode makes of the suite's text: arrays carry json.array and
-- empty objects json.object, so {} is an object there too. Remotes are served
-- from the suite's remotes/ folder through `resolve`, as
-- http://localhost:1234/... . The suite's draft-7 part is vendored in
-- spec/fixtures/jsonschema-suite (MIT, see its LICENSE and README.md);
-- FLOWLUA_JSONSCHEMA_SUITE points the spec at another copy.
local schema = require("flowlua.schema")
local core = require("flowlua.core")
local fs = require("support.fs")

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "spec"
local SUITE = os.getenv("FLOWLUA_JSONSCHEMA_SUITE")
  or (here .. "/fixtures/jsonschema-suite")
local json = core.json
local decode = json.decode

-- Deliberately not supported, with the reason (docs/schema.md says the same).
local EXCLUDED = {
  ["optional/cross-draft.json"] = {
    ["refs to future drafts are processed as future drafts / "
      .. "missing bar is invalid"] =
      "draft 2019-09 and later are not implemented: a $ref to their "
      .. "meta-schema is compiled as draft-07",
  },
}

local function resolve(uri)
  local rel = uri:match("^http://localhost:1234/(.*)$")
  return rel and fs.read(SUITE .. "/remotes/" .. rel)
end

local function suite_files()
  local files = {}
  local p = io.popen("cd '" .. SUITE .. "/tests/draft7' 2>/dev/null && "
    .. "find . -name '*.json' | sort")
  for line in p:lines() do files[#files + 1] = line:sub(3) end
  p:close()
  return files
end

-- JSON text of a decoded value (arrays carry json.array, the other tables
-- are objects), keys sorted.
local function encode(v)
  local t = type(v)
  if t == "table" then
    local parts = {}
    if getmetatable(v) ~= json.array then
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      for i, k in ipairs(keys) do parts[i] = encode(k) .. ":" .. encode(v[k]) end
      return "{" .. table.concat(parts, ",") .. "}"
    end
    for i = 1, #v do parts[i] = encode(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      return ("\\u%04x"):format(c:byte())
    end) .. '"'
  elseif math.type(v) == "integer" then
    return tostring(v)
  elseif t == "number" then
    return ("%.17g"):format(v)
  elseif v == nil or v == json.null or (t == "userdata" and v == core.schema.null) then
    return "null"
  end
  return tostring(v)
end

local counts = {}

local function run_case(file, group, case, mode)
  local opts = { resolve = resolve, fast = mode ~= "c" }
  local v, err = schema.compile(mode == "text" and encode(group.schema)
    or group.schema, opts)
  assert(v, err)
  local ok, errors, answer
  if mode == "text" then
    local text = encode(case.data)
    ok, errors = v:validate_json(text)
    answer = v:is_valid_json(text)
  else
    ok, errors = v:validate(case.data)
    answer = v:is_valid(case.data)
  end
  assert.equal(case.valid, ok)
  assert.equal(case.valid, answer, "is_valid")
  if ok then
    assert.is_nil(errors)
  else
    assert.is_table(errors[1])
    assert.is_string(errors[1].message)
    assert.is_string(errors[1].path)
  end
  local c = counts[file]
  c.passed = c.passed + 1
end

describe("JSON-Schema-Test-Suite draft7", function()
  local files = suite_files()

  it("is found at " .. SUITE, function()
    assert.is_true(#files >= 40, "no suite at " .. SUITE)
  end)

  for _, file in ipairs(files) do
    local groups = assert(decode(assert(fs.read(SUITE .. "/tests/draft7/" .. file))))
    counts[file] = { passed = 0, total = 0, skipped = 0 }
    describe(file, function()
      for _, group in ipairs(groups) do
        for _, case in ipairs(group.tests) do
          local why = EXCLUDED[file]
            and EXCLUDED[file][group.description .. " / " .. case.description]
          for _, mode in ipairs({ "text", "lua", "c" }) do
            local name = ("%s / %s [%s]"):format(group.description,
              case.description, mode)
            counts[file].total = counts[file].total + 1
            if why then
              counts[file].skipped = counts[file].skipped + 1
              pending(name .. ": " .. why)
            else
              it(name, function() run_case(file, group, case, mode) end)
            end
          end
        end
      end
    end)
  end

  -- Every schema of a file against every instance of that file: the
  -- walker for Lua values and the generic walker give the same answer and
  -- the same first error.
  it("gives the same result and first error through both walkers", function()
    local compared = 0
    for _, file in ipairs(files) do
      local groups = decode(fs.read(SUITE .. "/tests/draft7/" .. file))
      local values = {}
      for _, group in ipairs(groups) do
        for _, case in ipairs(group.tests) do
          values[#values + 1] = case.data
        end
      end
      for _, group in ipairs(groups) do
        local lua = schema.compile(group.schema, { resolve = resolve })
        local c = schema.compile(group.schema, { resolve = resolve,
          fast = false })
        if lua then
          for _, value in ipairs(values) do
            assert.same({ c:validate(value) }, { lua:validate(value) })
            local text = encode(value)
            assert.same({ c:validate_json(text) }, { lua:validate_json(text) })
            compared = compared + 1
          end
        end
      end
    end
    assert.is_true(compared > 5000)
  end)

  teardown(function()
    local names = {}
    for f in pairs(counts) do names[#names + 1] = f end
    table.sort(names)
    for _, f in ipairs(names) do
      local c = counts[f]
      io.stdout:write(("%-44s %4d/%-4d%s\n"):format(f, c.passed, c.total,
        c.skipped > 0 and ("  (%d excluded)"):format(c.skipped) or ""))
    end
  end)
end)
