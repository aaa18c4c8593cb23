-- bench/schema/bench.lua - the flowlua side of bench/schema/run.
-- Same workloads, same method as ajv_bench.js: instances are built before
-- the clock starts, one warm-up pass over the first 200k, then BENCH_RUNS
-- timed passes; the median is reported and the valid count is checked.
local schema = require("flowlua.schema")
local sys = require("flowlua.core").sys

-- Lua's default incremental collector re-traverses all N live instances
-- for the garbage the invalid ones make (error tables); V8 collects young
-- garbage generationally, so the Lua side does the same (BENCH_GC to change).
local GC = os.getenv("BENCH_GC") or "generational"
collectgarbage(GC)
local N = tonumber(os.getenv("BENCH_N")) or 1000000
local RUNS = tonumber(os.getenv("BENCH_RUNS")) or 3
local clock = sys and sys.monotime or os.clock

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function median(t)
  local s = { table.unpack(t) }
  table.sort(s)
  return s[math.floor(#s / 2) + 1]
end

-- Workload generators (../shared/bench/schedule/README.md), i from 0.
local function inst_a(i)
  local t = 1700000000 + i
  if i % 7 == 0 then
    return { startTime = t, frequency = "once", interval = 15 + i % 3 }
  end
  return { startTime = t, frequency = "minute", interval = 15 + i % 3 }
end

local B = {
  [0] = function(t) return { startTime = t, frequency = "minute", interval = 15 } end,
  function(t) return { startTime = t, frequency = "minute", interval = 14 } end,
  function(t) return { startTime = t, frequency = "hour", interval = 1 } end,
  function(t) return { startTime = t, frequency = "day", interval = 0 } end,
  function(t)
    return { startTime = t, frequency = "week", interval = 2, backfill = true }
  end,
  function(t) return { startTime = t, frequency = "once" } end,
  function(t) return { startTime = t, frequency = "once", backfill = false } end,
  function(t) return { startTime = t, interval = 5 } end,
  function(t) return { startTime = t, frequency = "month", interval = 1 } end,
  function(t) return { startTime = t, frequency = "hour" } end,
}
local function inst_b(i) return B[i % 10](1700000000 + i) end

-- JSON text exactly as JSON.stringify writes it (key order as built).
local ORDER = { "startTime", "frequency", "interval", "backfill" }
local function text_of(o)
  local parts = {}
  for _, k in ipairs(ORDER) do
    local v = o[k]
    if v ~= nil then
      local s = type(v) == "string" and ('"' .. v .. '"') or tostring(v)
      parts[#parts + 1] = '"' .. k .. '":' .. s
    end
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function expected(w)
  local valid = 0
  for i = 0, N - 1 do
    if w == "A" then
      if i % 7 ~= 0 then valid = valid + 1 end
    else
      local k = i % 10
      if k == 0 or k == 2 or k == 4 or k == 5 then valid = valid + 1 end
    end
  end
  return valid
end

local function bench(label, items, fn, want)
  local warm = {}
  for i = 1, math.min(#items, 200000) do warm[i] = items[i] end
  fn(warm)
  warm = nil -- luacheck: ignore
  local rates, valid = {}, 0
  for r = 1, RUNS do
    collectgarbage("collect")
    local t0 = clock()
    valid = fn(items)
    rates[r] = #items / (clock() - t0)
  end
  if valid ~= want then
    error(("%s: valid=%d, expected %d"):format(label, valid, want))
  end
  local shown = {}
  for r, x in ipairs(rates) do shown[r] = ("%.2fM"):format(x / 1e6) end
  print(("%s: valid=%d invalid=%d; validations/s per run: %s; median %.2fM/s")
    :format(label, valid, #items - valid, table.concat(shown, ", "),
      median(rates) / 1e6))
  return median(rates)
end

print(("%s, %s collector, N=%d, runs=%d"):format(_VERSION, GC, N, RUNS))
local schedule = slurp(os.getenv("SCHEMA_JSON"))
local v = assert(schema.compile(schedule))
local json = require("flowlua.json")
local have_decode = type(json.decode) == "function"

-- One loop per form, written out: each calls the method itself, as
-- ajv_bench.js calls validate, since a shared loop calling a function
-- argument would add a Lua call to every validation measured.
local function run_values(items)
  local c = 0
  for i = 1, #items do
    if v:validate(items[i]) then c = c + 1 end
  end
  return c
end

local function run_text(items)
  local c = 0
  for i = 1, #items do
    if v:validate_json(items[i]) then c = c + 1 end
  end
  return c
end

local function run_is_valid(items)
  local c = 0
  for i = 1, #items do
    if v:is_valid(items[i]) then c = c + 1 end
  end
  return c
end

local function run_is_valid_json(items)
  local c = 0
  for i = 1, #items do
    if v:is_valid_json(items[i]) then c = c + 1 end
  end
  return c
end

-- Context for the prebuilt form: the least a call into C costs per
-- instance (rawequal, a C function that does nothing else), and the same
-- schema checked by Lua code written by hand for it.
local function run_c_call(items)
  local c, rawequal = 0, rawequal
  for i = 1, #items do
    if not rawequal(items[i], v) then c = c + 1 end
  end
  return c
end

local FREQUENCIES = { once = true, minute = true, hour = true, day = true,
  week = true }
local mtype = math.type
local function by_hand(x)
  if type(x) ~= "table" then return false end
  local st, fr, iv, bf = x.startTime, x.frequency, x.interval, x.backfill
  if st == nil or fr == nil then return false end
  if mtype(st) ~= "integer" then return false end
  if type(fr) ~= "string" or not FREQUENCIES[fr] then return false end
  if iv ~= nil and mtype(iv) ~= "integer" then return false end
  if bf ~= nil and type(bf) ~= "boolean" then return false end
  if fr == "once" then return iv == nil and bf == nil end
  if iv == nil then return false end
  return iv >= (fr == "minute" and 15 or 1)
end

local function run_by_hand(items)
  local c = 0
  for i = 1, #items do
    if by_hand(items[i]) then c = c + 1 end
  end
  return c
end

local function run_decode(items)
  local c, decode = 0, json.decode
  for i = 1, #items do
    if v:validate(decode(items[i])) then c = c + 1 end
  end
  return c
end

-- ---- compile times ----------------------------------------------------

local function time_compile(spec, opts, reps)
  local t = {}
  for r = 1, reps do
    local t0 = clock()
    assert(schema.compile(spec, opts))
    t[r] = (clock() - t0) * 1e3
  end
  return median(t)
end

local seed = slurp(os.getenv("SEED"))
local at = seed:find("Look up connection spec details", 1, true)
local start = seed:find("\n{", at, true) + 1
local stop = seed:find("\n}", start, true) + 1
local cs = seed:sub(start, stop)
local cs_opts = { resolve = function(uri) if uri == "cs" then return cs end end }
local parts = {
  { "authSpec[0].spec", "cs#/items/0/authSpec/0/spec" },
  { "sourceSpec.spec", "cs#/items/0/sourceSpec/spec" },
  { "exploreSpec.requestSpec", "cs#/items/0/exploreSpec/requestSpec" },
}
local lines = {}
for _, p in ipairs(parts) do
  local ref = '{"$ref":"' .. p[2] .. '"}'
  lines[#lines + 1] = ("%s %.3f ms"):format(p[1], time_compile(ref, cs_opts, 200))
end
print(("compile (medians of 200, from JSON text): schedule spec %.3f ms; "
  .. "seed connection spec (%d bytes of JSON, parsed each time): %s")
  :format(time_compile(schedule, nil, 200), #cs, table.concat(lines, ", ")))

-- A hostile size: a schema naming 20,000 distinct properties (their names
-- are interned once each, through a hash table).
local wide = { properties = {} }
for i = 1, 20000 do wide.properties["p" .. i] = { type = "integer" } end
print(("compile, 20,000 property names (a Lua table, median of 5): %.1f ms")
  :format(time_compile(wide, nil, 5)))

-- ---- throughput ----------------------------------------------------------

local results = {}
for _, w in ipairs({ "A", "B" }) do
  local gen = w == "A" and inst_a or inst_b
  local want = expected(w)
  local objs = {}
  for i = 1, N do objs[i] = gen(i - 1) end
  results[w .. "_values"] = bench(("workload %s, prebuilt values     "):format(w),
    objs, run_values, want)
  results[w .. "_is_valid"] = bench(("workload %s, is_valid(value)     "):format(w),
    objs, run_is_valid, want)
  bench(("workload %s, context: a bare C call"):format(w), objs, run_c_call, N)
  bench(("workload %s, context: Lua by hand  "):format(w), objs, run_by_hand,
    want)
  local texts = {}
  for i = 1, N do texts[i] = text_of(objs[i]) end
  objs = nil -- luacheck: ignore
  collectgarbage("collect")
  results[w .. "_text"] = bench(("workload %s, validate_json(text)  "):format(w),
    texts, run_text, want)
  results[w .. "_is_valid_json"] = bench(("workload %s, is_valid_json(text) ")
    :format(w), texts, run_is_valid_json, want)
  if have_decode then
    results[w .. "_decode"] = bench(("workload %s, json.decode+validate")
      :format(w), texts, run_decode, want)
  end
  texts = nil -- luacheck: ignore
  collectgarbage("collect")
end

-- ---- ratios against ajv, from the same invocation ---------------------

local ajv_out = os.getenv("AJV_OUT")
if ajv_out then
  local ajv = {}
  for line in io.lines(ajv_out) do
    local w, form, m = line:match("^workload (%a), (.-)%s*:.*median ([%d.]+)M/s")
    if w then
      ajv[w .. (form:find("prebuilt") and "_values" or "_text")] = tonumber(m) * 1e6
    end
  end
  print("== ratios (flowlua / ajv, validations per second)")
  for _, w in ipairs({ "A", "B" }) do
    local a_v, a_t = ajv[w .. "_values"], ajv[w .. "_text"]
    if a_v and a_t then
      print(("workload %s: prebuilt values %.2fM vs %.2fM = %.2fx "
        .. "(is_valid %.2fx); from text validate_json %.2fM vs "
        .. "JSON.parse+validate %.2fM = %.2fx (is_valid_json %.2fx%s)")
        :format(w, results[w .. "_values"] / 1e6, a_v / 1e6,
          results[w .. "_values"] / a_v, results[w .. "_is_valid"] / a_v,
          results[w .. "_text"] / 1e6, a_t / 1e6, results[w .. "_text"] / a_t,
          results[w .. "_is_valid_json"] / a_t,
          results[w .. "_decode"] and ("; json.decode+validate %.2fx")
            :format(results[w .. "_decode"] / a_t) or ""))
    end
  end
end
