-- bench/onboarding/report.lua DIR LAT_N LAT_C "LATENCIES" SOAK_N SOAK_C
-- SCALE_N FAULTS PAIRS: prints the table of bench/onboarding/run from the files
-- its phases left in DIR (see run and README.md beside this file).
local json = require("flowlua.json")

local dir, lat_n, lat_c, latencies, soak_n, soak_c, scale_n, faults, pairs_n
  = arg[1], tonumber(arg[2]), tonumber(arg[3]), arg[4], tonumber(arg[5]),
  tonumber(arg[6]), tonumber(arg[7]), arg[8], math.tointeger(arg[9])

-- The client's documented timeout of one attempt (flowlua run --timeout).
local ATTEMPT_TIMEOUT = 30

local function read(path, optional)
  local f = io.open(dir .. "/" .. path)
  if not f and optional then return nil end
  assert(f, path)
  local text = f:read("a")
  f:close()
  return text
end

-- a file holding one number
local function number(path) return tonumber(read(path):match("[%d.]+")) end

local function phase(name)
  local p = { name = name }
  p.secs, p.rss = read(name .. "/time"):match("([%d.]+) (%d+)")
  p.secs, p.rss = tonumber(p.secs), tonumber(p.rss)
  p.hwm = tonumber(read(name .. "/emu_hwm"):match("%d+"))
  p.counts = json.decode(read(name .. "/counts.json"))
  local stats = read(name .. "/stats.json", "optional")  -- instrumented
  p.stats = stats and json.decode(stats)
  p.census = read(name .. "/census"):gsub("^census: ", ""):gsub("%s+$", "")
  return p
end

local function mb(kb) return ("%.1f MB"):format(kb / 1024) end

-- The minimum of the workflow (scripts/bulk-onboarding.lua: four drafts,
-- the flow's update, four publishes), per source and per run.
local PER_SOURCE = {
  ["POST /connections?mode=draft"] = 1,
  ["POST /sourceConnections?mode=draft"] = 1,
  ["POST /targetConnections?mode=draft"] = 1,
  ["POST /flows?mode=draft"] = 1,
  ["PATCH /flows/{id}"] = 1,
  ["POST /connections/{id}/action?op=publish"] = 1,
  ["POST /sourceConnections/{id}/action?op=publish"] = 1,
  ["POST /targetConnections/{id}/action?op=publish"] = 1,
  ["POST /flows/{id}/action?op=publish"] = 1,
}
local PER_RUN = {
  ["POST /ims/token/v3"] = 1,
  ["GET /connectionSpecs/{id}"] = 2,  -- Azure File Storage, Data Lake
  ["GET /flowSpecs?query"] = 1,       -- CloudStorageToAEP, by name
}
local MIN_SOURCE, MIN_RUN = 9, 4

local function requests_table(p, n)
  print(("1. Requests of a fault-free run of %d sources, counted at the "
    .. "emulator"):format(n))
  print(("   %-48s %6s %10s %9s"):format("method and path", "sent",
    "per source", "minimum"))
  local kinds = {}
  for k in pairs(p.counts.requests) do kinds[#kinds + 1] = k end
  table.sort(kinds)
  local per_run_sent = 0
  for _, k in ipairs(kinds) do
    local sent = p.counts.requests[k]
    if PER_RUN[k] then
      per_run_sent = per_run_sent + sent
      print(("   %-48s %6d %10s %9s"):format(k, sent, "(per run)",
        PER_RUN[k] .. "/run"))
    else
      print(("   %-48s %6d %10.2f %9d"):format(k, sent, sent / n,
        PER_SOURCE[k] or 0))
    end
  end
  local per_source = (p.counts.total - per_run_sent) / n
  print(("   %-48s %6d %10.2f %9s"):format("total", p.counts.total,
    per_source, ("%d + %d/run"):format(MIN_SOURCE, MIN_RUN)))
  print(("   per source: %.2f sent where %d are the minimum (%.2fx); per "
    .. "run: %d where %d are"):format(per_source, MIN_SOURCE,
    per_source / MIN_SOURCE, per_run_sent, MIN_RUN))
  print("   minimum per source: 4 draft creates (one POST per entity, the "
    .. "API has no batch), the update of the draft flow")
  print("   (1 PATCH: the workflow adds mapping and schedule to the draft), "
    .. "4 publishes (one action per entity, parents first);")
  print("   no GET: the create and action answers carry the id and etag, "
    .. "and the state follows from the request that succeeded.")
  print("   per run: 1 token, 1 lookup per distinct spec (2 connection "
    .. "specs by id, 1 flow spec by name)")
  return per_source
end

local function ideal(n, c, secs)
  return (2 + math.ceil(n / c) * MIN_SOURCE) * secs
end

local function aepp_requests(n) return 2 + 4 * n end

-- The median and the extremes of a list of numbers.
local function median(xs)
  local s = table.move(xs, 1, #xs, 1, {})
  table.sort(s)
  local m = #s // 2
  return #s % 2 == 1 and s[m + 1] or (s[m] + s[m + 1]) / 2, s[1], s[#s]
end

-- The interleaved runs of one latency: walls of bulk and floor by pair,
-- their ratios, the floor's own clock (after its start-up).
local function latency_pairs(ms)
  local runs = { bulk = {}, floor = {}, ratio = {}, own = {}, first = {} }
  for i = 1, pairs_n do
    local at = ("latency-%s/pair-%d/"):format(ms, i)
    runs.bulk[i] = number(at .. "bulk/wall")
    runs.floor[i] = number(at .. "floor/wall")
    runs.own[i] = tonumber(read(at .. "floor/floor"):match("floor: ([%d.]+) s"))
    runs.ratio[i] = runs.bulk[i] / runs.floor[i]
    runs.first[i] = i % 2 == 1 and "floor first" or "bulk first"
  end
  return runs
end

local function latency_table()
  print()
  print(("2. Wall time of %d sources at concurrency %d: %d runs of bulk and "
    .. "of floor, interleaved, medians"):format(lat_n, lat_c, pairs_n))
  print(("   %-8s %8s %8s %8s %8s %11s %13s %12s %12s %11s"):format("latency",
    "bulk", "floor", "k-a", "ideal", "bulk/floor", "spread", "floor/ideal",
    "aepp (seq.)", "load"))
  local detail = {}
  for ms in latencies:gmatch("%d+") do
    local runs = latency_pairs(ms)
    local bulk, floor = median(runs.bulk), median(runs.floor)
    local ratio, low, high = median(runs.ratio)
    local kept = number("latency-" .. ms .. "/keep-alive/wall")
    local l = tonumber(ms) / 1000
    local best = ideal(lat_n, lat_c, l)
    print(("   %-8s %7.2fs %7.2fs %7.2fs %7.2fs %10.2fx %13s %11.2fx %11.2fs"
      .. " %11s"):format(ms .. " ms", bulk, floor, kept, best, ratio,
        ("%.2f-%.2fx"):format(low, high), floor / best,
        aepp_requests(lat_n) * l, ("%.2f to %.2f"):format(
          number("latency-" .. ms .. "/load-start"),
          number("latency-" .. ms .. "/load-end"))))
    local each = {}
    for i = 1, pairs_n do
      each[i] = ("%.2f/%.2f (own clock %.2f) = %.2fx, %s"):format(
        runs.bulk[i], runs.floor[i], runs.own[i], runs.ratio[i],
        runs.first[i])
    end
    detail[#detail + 1] = ("   %s ms, bulk/floor by pair: %s"):format(ms,
      table.concat(each, "; "))
  end
  print(table.concat(detail, "\n"))
  print(("   ideal = (2 + ceil(%d/%d) x %d) round trips x latency: the token "
    .. "and the specs at once, then each wave of %d sources, %d requests "
    .. "one after another"):format(lat_n, lat_c, MIN_SOURCE, lat_c,
    MIN_SOURCE))
  print("   bulk: scripts/bulk-onboarding.lua as a user runs it; floor: "
    .. "bench/onboarding/floor.lua, a bare client sending only the minimum;")
  print("   each run a process on a fresh emulator, its wall time from "
    .. "exec to exit (own clock: the floor's, after its start-up);")
  print("   odd pairs run the floor first, even ones the bulk; spread: the "
    .. "lowest and highest ratio of a pair; goal bulk/floor <= 1.10")
  print("   (fresh connections for the publishes, POSTs without a body, "
    .. "as flowlua.http opens them; k-a: every request kept alive, one run)")
  print("   load: the 1-minute load average before and after that latency's "
    .. "runs")
end

-- Length of the union of [a, b] intervals.
local function union(intervals)
  table.sort(intervals, function(x, y) return x[1] < y[1] end)
  local total, from, to = 0, nil, nil
  for _, iv in ipairs(intervals) do
    if to == nil or iv[1] > to then
      if to then total = total + (to - from) end
      from, to = iv[1], iv[2]
    elseif iv[2] > to then
      to = iv[2]
    end
  end
  if to then total = total + (to - from) end
  return total
end

local function failed_text(failed)
  local parts = {}
  for kind, f in pairs(failed) do
    parts[#parts + 1] = ("%s %d (%.2fs)"):format(kind, f.count, f.seconds)
  end
  table.sort(parts)
  return #parts > 0 and table.concat(parts, ", ") or "none"
end

local function soak_table()
  local clean, faulted = phase("soak-clean"), phase("soak-faults")
  local s = faulted.stats
  local paused = union(s.pauses)
  local timeouts = s.failed.timeout and s.failed.timeout.count or 0
  print()
  print(("3. Soak: %d sources at concurrency %d, 10%% faults (%s)")
    :format(soak_n, soak_c, faults))
  print(("   fault-free %.2fs, %d requests; with faults %.2fs, %d requests "
    .. "(%.1fx)"):format(clean.secs, clean.counts.total, faulted.secs,
    faulted.counts.total, faulted.secs / clean.secs))
  print(("   census: fault-free %s; with faults %s"):format(clean.census,
    faulted.census))
  print("   where the faulted run's time went:")
  print(("     Retry-After pauses     %8.2fs of wall time (union of %d "
    .. "pauses; %.1f task-seconds waited)"):format(paused, #s.pauses,
    s.pause_waits))
  print(("     backoff                %8.2f task-seconds (http %.2f, entity "
    .. "%.2f), /%d = %.2fs"):format(s.backoff, s.backoff_http,
    s.backoff_entity, soak_c, s.backoff / soak_c))
  print(("     failed attempts        %s"):format(failed_text(s.failed)))
  print(("     dropped answers' timeouts waited out: %d x %ds"):format(
    timeouts, ATTEMPT_TIMEOUT))
  local function writes(st)
    return ("%.2fs: %d commits, %d file writes"):format(st.write_seconds,
      st.commits or 0, st.writes)
  end
  print(("     state writes           %s (fault-free run: %s)")
    :format(writes(s), writes(clean.stats)))
  local goal = 1.25 * (clean.secs + paused)
    + timeouts * ATTEMPT_TIMEOUT / soak_c
  print(("   goal: %.2fs <= 1.25 x (%.2f + %.2f) + %d x %d / %d = %.2fs: %s")
    :format(faulted.secs, clean.secs, paused, timeouts, ATTEMPT_TIMEOUT,
      soak_c, goal, faulted.secs <= goal and "met"
      or ("not met (%.2fx the bound)"):format(faulted.secs / goal)))
  return clean
end

local function scale_table(clean)
  local big = phase("scale")
  print()
  print(("4. Scale: %d sources next to %d, latency 0, concurrency %d")
    :format(scale_n, soak_n, soak_c))
  print(("   wall   %8.2fs vs %8.2fs: %.2fx for %dx the sources (goal "
    .. "<= %dx)"):format(big.secs, clean.secs, big.secs / clean.secs,
    scale_n // soak_n, scale_n // soak_n + 1))
  print(("   client peak RSS    %s vs %s: %.2fx (goal <= 64 MB)")
    :format(mb(big.rss), mb(clean.rss), big.rss / clean.rss))
  print(("   emulator peak RSS  %s vs %s: %.2fx"):format(mb(big.hwm),
    mb(clean.hwm), big.hwm / clean.hwm))
  print(("   census: %s; %d requests, %.2f per source"):format(big.census,
    big.counts.total, big.counts.total / scale_n))
end

local function aepp_note()
  print()
  print(("5. aepp's way (anchor; computed from aepp 0.5.7's code path): "
    .. "%d requests for %d sources, one at a time"):format(
      aepp_requests(lat_n), lat_n))
  print("   one IMS token per connector, getFlowSpecIdFromNames (1 GET), then "
    .. "per source createConnection, createSourceConnection,")
  print("   createTargetConnection, createFlow (4 POSTs, no drafts, no "
    .. "publish, no local validation, no read-back):")
  print("   2 + 4N requests, sequential wall time = requests x latency "
    .. "(column 'aepp (seq.)' above)")
end

print()
print(("bench/onboarding (load average %s at the start, %s at the end)")
  :format(read("load-start"):gsub("%s+$", ""),
    read("load-end"):gsub("%s+$", "")))
print()
local first = latencies:match("%d+")
requests_table(phase("latency-" .. first .. "/pair-1/bulk"), lat_n)
print()
latency_table()
local clean = soak_table()
scale_table(clean)
aepp_note()
