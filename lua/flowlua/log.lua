--- flowlua.log: levelled log lines, as text or JSON, with secrets scrubbed.
-- Every line written goes through `log.redact`, which replaces each value
-- registered with `log.secret` (and its JSON-escaped and form-encoded
-- spellings) and anything that looks like a bearer token, an
-- `access_token` or a `client_secret` with `***`.
-- Level and format default to `flowlua.runtime` (set by `flowlua run`),
-- the stream to stderr.
-- @module flowlua.log

local args = require("flowlua.args")
local runtime = require("flowlua.runtime")
local sys = require("flowlua.core").sys
local url_escape = require("flowlua.url").escape

local log = {}

local LEVELS = { debug = 1, info = 2, warn = 3, error = 4 }
local FORMATS = { text = true, json = true }

--- Secrets shorter than this are not registered: they would garble every
-- line (a one-letter "secret" matches everywhere) and protect nothing.
log.MIN_SECRET = 4

local settings = {}      -- what log.configure was given
local secrets = {}       -- spelling -> true
local ordered = {}       -- spellings, longest first

-- ---------------------------------------------------------------------
-- Redaction

local function json_escape(s)
  return (s:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n",
      ["\r"] = "\\r", ["\t"] = "\\t", ["\b"] = "\\b", ["\f"] = "\\f" }
    return named[c] or ("\\u%04x"):format(c:byte())
  end))
end

local function remember(spelling)
  if secrets[spelling] then return end
  secrets[spelling] = true
  ordered[#ordered + 1] = spelling
  table.sort(ordered, function(a, b) return #a > #b end)
end

--- Registers a secret: from now on it never appears in a line written by
-- this module nor in the result of `log.redact`.
-- Values that are not strings, or are shorter than `log.MIN_SECRET`,
-- are ignored.
-- @param value the secret
-- @return value, unchanged
-- @usage local token = log.secret(res.access_token)
function log.secret(value)
  if type(value) == "string" and #value >= log.MIN_SECRET then
    remember(value)
    remember(json_escape(value))
    remember(json_escape(value):gsub("/", "\\/"))
    remember(url_escape(value))
    remember((url_escape(value):gsub("%%20", "+")))
  end
  return value
end

local function replace_plain(text, needle)
  local out, from = {}, 1
  while true do
    local i, j = text:find(needle, from, true)
    if not i then break end
    out[#out + 1] = text:sub(from, i - 1)
    out[#out + 1] = "***"
    from = j + 1
  end
  if from == 1 then return text end
  out[#out + 1] = text:sub(from)
  return table.concat(out)
end

-- Token-shaped things, registered or not.
local PATTERNS = {
  { "([Bb][Ee][Aa][Rr][Ee][Rr]%s+)[^%s\"',;]+", "%1***" },
  { "(\"access_token\"%s*:%s*\")[^\"]*\"", "%1***\"" },
  { "(\"refresh_token\"%s*:%s*\")[^\"]*\"", "%1***\"" },
  { "(\"client_secret\"%s*:%s*\")[^\"]*\"", "%1***\"" },
  { "(client_secret=)[^&%s\"]+", "%1***" },
  { "(access_token=)[^&%s\"]+", "%1***" },
  { "(refresh_token=)[^&%s\"]+", "%1***" },
}

--- Scrubs every registered secret and every bearer token,
-- `"access_token": "..."` and `client_secret=...` from a text.
-- @param text a string (other values are converted with tostring)
-- @treturn string the text with each secret replaced by `***`
function log.redact(text)
  text = tostring(text)
  for _, s in ipairs(ordered) do text = replace_plain(text, s) end
  for _, p in ipairs(PATTERNS) do text = text:gsub(p[1], p[2]) end
  return text
end

local function redact_copy(v, seen)
  if type(v) == "string" then return log.redact(v) end
  if type(v) ~= "table" then return v end
  if seen[v] then return seen[v] end
  local copy = {}
  seen[v] = copy
  for k, x in pairs(v) do copy[redact_copy(k, seen)] = redact_copy(x, seen) end
  return setmetatable(copy, getmetatable(v))
end

--- A deep copy of a value with every string redacted (keys included);
-- metatables (such as `json.array`) are kept, cycles preserved.
-- @param value any value
-- @return the redacted copy
function log.redact_value(value)
  return redact_copy(value, {})
end

-- ---------------------------------------------------------------------
-- Configuration

local function current()
  local level = settings.level or runtime.log_level or "info"
  return LEVELS[level] or LEVELS.info, settings.format or runtime.log_format,
    settings.stream or io.stderr
end

local CONFIGURE_OPTIONS = { level = true, format = true, stream = true }

--- Configures the logger. Fields left out fall back to their defaults,
-- so `log.configure{}` restores them.
-- @tparam table opts `level` ("debug", "info", "warn", "error"; default
--   `runtime.log_level`), `format` ("text" or "json"; default
--   `runtime.log_format`), `stream` (anything with `:write`; default
--   `io.stderr`)
function log.configure(opts)
  args.check(1, "configure", opts, "table")
  args.options(1, "configure", opts, CONFIGURE_OPTIONS)
  if opts.level ~= nil and not LEVELS[opts.level] then
    args.fail(1, "configure", "level must be debug, info, warn or error")
  end
  if opts.format ~= nil and not FORMATS[opts.format] then
    args.fail(1, "configure", "format must be text or json")
  end
  if opts.stream ~= nil and (type(opts.stream) ~= "userdata"
      and type(opts.stream) ~= "table") then
    args.fail(1, "configure", "stream must be a file or have a write method")
  end
  settings = { level = opts.level, format = opts.format, stream = opts.stream }
end

--- Whether a line at `level` would be written now.
-- @tparam string level "debug", "info", "warn" or "error"
-- @treturn boolean
function log.enabled(level)
  args.check(1, "enabled", level, "string")
  return (LEVELS[level] or 0) >= (current())
end

-- ---------------------------------------------------------------------
-- Writing

local function timestamp()
  local now = sys.time()
  return os.date("!%Y-%m-%dT%H:%M:%S", math.floor(now))
    .. (".%03dZ"):format(math.floor(now % 1 * 1000))
end

-- Request fields, in the order JSON lines list them.
local FIELDS = { "method", "path", "status", "duration_ms", "attempt",
  "error", "request_id" }

local function json_line(level, message, fields)
  local parts = { ('{"time":"%s","level":"%s","message":"%s"')
    :format(timestamp(), level, json_escape(log.redact(message))) }
  for _, k in ipairs(FIELDS) do
    local v = fields and fields[k]
    if type(v) == "number" then
      parts[#parts + 1] = (',"%s":%s'):format(k, v)
    elseif v ~= nil then
      parts[#parts + 1] = (',"%s":"%s"'):format(k,
        json_escape(log.redact(tostring(v))))
    end
  end
  return table.concat(parts) .. "}"
end

local function write(level, message, fields)
  local min, format, stream = current()
  if LEVELS[level] < min then return end
  local line
  if format == "json" then
    line = json_line(level, message, fields)
  else
    line = ("%s %-5s %s"):format(timestamp(), level:upper(), message)
  end
  stream:write(log.redact(line), "\n")
end

local function message(fmt, ...)
  if select("#", ...) == 0 then return tostring(fmt) end
  return tostring(fmt):format(...)
end

--- Writes a debug line. Like `string.format(fmt, ...)`.
-- @tparam string fmt a format, or the message itself without arguments
function log.debug(fmt, ...) write("debug", message(fmt, ...)) end

--- Writes an info line.
-- @tparam string fmt a format, or the message itself without arguments
function log.info(fmt, ...) write("info", message(fmt, ...)) end

--- Writes a warning line.
-- @tparam string fmt a format, or the message itself without arguments
function log.warn(fmt, ...) write("warn", message(fmt, ...)) end

--- Writes an error line.
-- @tparam string fmt a format, or the message itself without arguments
function log.error(fmt, ...) write("error", message(fmt, ...)) end

-- The path of a URL, without scheme, host or query: queries may carry
-- secrets and hosts add nothing when reading a run.
local function url_path(url)
  local path = tostring(url or ""):gsub("^%a[%w+.-]*://[^/?#]*", "")
  path = path:gsub("[?#].*$", "")
  return path ~= "" and path or "/"
end

--- Logs one HTTP exchange at debug level: method, path, status, duration
-- in milliseconds and request id (plus the attempt number when above 1
-- and the error kind of a transport failure).
-- @tparam table r `{method=, url=, status=, duration= (seconds),
--   request_id=, attempt=, error=}`
-- @usage log.request{method = "GET", url = url, status = 200,
--   duration = 0.012, request_id = "abc"}
function log.request(r)
  args.check(1, "request", r, "table")
  if not log.enabled("debug") then return end
  local fields = { method = r.method or "?", path = url_path(r.url),
    status = r.status, request_id = r.request_id, error = r.error,
    attempt = (r.attempt or 1) > 1 and r.attempt or nil,
    duration_ms = r.duration and math.floor(r.duration * 1000 * 10 + 0.5) / 10 }
  local text = { fields.method, fields.path,
    tostring(fields.status or fields.error or "-") }
  if fields.duration_ms then text[#text + 1] = ("%.1f ms"):format(fields.duration_ms) end
  if fields.attempt then text[#text + 1] = "attempt " .. fields.attempt end
  if fields.request_id then text[#text + 1] = "request " .. fields.request_id end
  write("debug", table.concat(text, " "), fields)
end

return log
