-- No core file from a crashing flowlua: the process holds the client
-- secret, tokens and storage passwords. A real SIGSEGV is sent to a real
-- `flowlua run` whose shell allows unlimited cores.
local proc = require("support.proc")
local fs = require("support.fs")

local function core_pattern()
  return (fs.read("/proc/sys/kernel/core_pattern") or ""):gsub("%s+$", "")
end

-- Files of dir whose name starts with "core".
local function cores_in(dir)
  local p = assert(io.popen("ls -A " .. proc.quote(dir)))
  local found = {}
  for name in p:lines() do
    if name:match("^core") then found[#found + 1] = name end
  end
  p:close()
  return found
end

-- Runs `flowlua run [extra] script` in a fresh directory with
-- `ulimit -c unlimited`, waits until the script is running, records the
-- core limit the process has, sends it SIGSEGV and returns the directory,
-- that limit line and the exit status the shell saw.
local function crash(extra)
  local dir = fs.tmpdir()
  local script = dir .. "/wait.lua"
  assert(io.open(script, "w")):write([[
    local f = assert(io.open(arg[1], "w")) f:write("ready") f:close()
    require("flowlua.core").sys.sleep(60)
  ]]):close()
  local sh = ([[
cd %s && ulimit -c unlimited || exit 99
ASAN_OPTIONS=handle_segv=0:disable_coredump=0 %s run %s wait.lua ready &
pid=$!
n=0
while [ ! -e ready ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done
grep 'Max core file size' /proc/$pid/limits > limits
kill -SEGV $pid
wait $pid
echo $? > status
]]):format(proc.quote(dir), proc.quote(proc.BIN), extra)
  os.execute(("sh -c %s >/dev/null 2>&1"):format(proc.quote(sh)))
  return dir, fs.read(dir .. "/limits") or "", fs.read(dir .. "/status") or ""
end

local function remove(dir)
  fs.remove(dir)
end

-- Cores land in the crashing process's directory only when core_pattern
-- is a plain relative name; a pipe handler or an absolute path elsewhere
-- cannot be checked from here, but the core limit still can.
local plain = not core_pattern():match("^[|/]")

describe("a crash of flowlua run", function()
  it("runs with a core limit of 0 and leaves no core file", function()
    local dir, limits, status = crash("")
    assert.matches("^Max core file size%s+0%s+", limits)
    assert.same("139\n", status)  -- 128 + SIGSEGV: it did crash
    assert.same({}, cores_in(dir))
    remove(dir)
  end)

  it("keeps the shell's core limit with --allow-core, for debugging", function()
    local dir, limits, status = crash("--allow-core")
    assert.matches("^Max core file size%s+unlimited%s+", limits)
    assert.same("139\n", status)
    if plain then
      assert.same(1, #cores_in(dir))  -- the check above can see a core
    end
    remove(dir)
  end)
end)
