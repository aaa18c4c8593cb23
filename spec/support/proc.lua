-- Helpers for specs that run the flowlua executable as a real process.
-- FLOWLUA_BIN (set by the Makefile) names the build under test, so the
-- sanitizer runs spawn the instrumented binary too.
local fs = require("support.fs")

local proc = {}

proc.BIN = os.getenv("FLOWLUA_BIN") or (os.getenv("PWD") .. "/flowlua")

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
proc.quote = shell_quote

--- Runs the executable with `args` (a list), optional stdin text and
-- environment assignments; returns stdout, stderr and the exit status.
function proc.run(args, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local words = {}
  for k, v in pairs(opts.env or {}) do
    words[#words + 1] = k .. "=" .. shell_quote(v)
  end
  words[#words + 1] = shell_quote(opts.bin or proc.BIN)
  for _, a in ipairs(args) do words[#words + 1] = shell_quote(a) end
  local cmd = table.concat(words, " ")
  if opts.cwd then cmd = "cd " .. shell_quote(opts.cwd) .. " && " .. cmd end
  local stdin = opts.stdin and (" <<'__FLOWLUA_EOF__'\n" .. opts.stdin
    .. "\n__FLOWLUA_EOF__\n") or " </dev/null"
  local _, _, code = os.execute(("(%s) >%s 2>%s%s"):format(cmd, out, err, stdin))
  return fs.take(out), fs.take(err), code
end

--- The standard output of the shell command `cmd`.
function proc.output(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  return out
end

--- Writes `text` to a fresh temporary file and returns its path.
function proc.tempfile(text, suffix)
  local path = os.tmpname() .. (suffix or ".lua")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

return proc
