--- Structured errors raised by the flowlua client.
-- Every error is a table with a `kind` and prints as one line
-- (`tostring(err)`), so `flowlua run` shows it as `flowlua: <line>`.
-- Kinds:
--
-- * `"service"`: the Flow Service answered with an error status:
--   `status`, `code` (e.g. `"1404-412"`, read from every documented
--   body shape), `message`, `request_id`, `type` (the body's problem type
--   URI, when it has one), `method`, `url`;
-- * `"network"`: no usable answer: `message`, `method`, `url`,
--   `network` (libcurl's class, e.g. `"timeout"`), `sent`;
-- * `"validation"`: a body failed the local check against its spec,
--   nothing was sent: `problems` (each `{field=, rule=, fix=}`),
--   `entity` (what was being created, updated or published);
-- * `"order"`: a publish refused locally because a parent is a draft:
--   `parent` (`{kind=, id=, name=}`);
-- * `"usage"`: a mistake only the service's answers reveal (no such
--   spec, drafts unsupported by a spec);
-- * `"timeout"`: a wait for a run gave up: `message`, `run_id` or
--   `flow_id`;
-- * `"locked"`: another process runs the workflow instance: `workflow`,
--   `holder` (`{host=, pid=, since=}`), `message` (`flowlua run` exits 3).
--
-- Messages pass through the log's redactor, so a registered secret never
-- shows up in an error even if the service echoes it back.
-- @module flowlua.errors

local args = require("flowlua.args")
local log = require("flowlua.log")

local errors = {}

--- The metatable of every flowlua error.
local Error = { __name = "flowlua.error" }
Error.__index = Error

-- A URL without its scheme and host, so lines stay short and the path
-- (which names the entity) stays visible.
local function short_url(url)
  if not url then return nil end
  return url:match("^%a[%w+.-]*://[^/]+(/.*)$") or url
end

local formatters = {}

function formatters.service(e)
  local parts = { ("%s %s: %s"):format(e.method or "?",
    short_url(e.url) or "?", tostring(e.status)) }
  if e.code and e.code ~= tostring(e.status) then
    parts[#parts + 1] = " " .. e.code
  end
  if e.message and e.message ~= "" then
    parts[#parts + 1] = " " .. e.message
  end
  if e.request_id then
    parts[#parts + 1] = (" (request id %s)"):format(e.request_id)
  end
  return table.concat(parts)
end

-- A certificate failure says how to trust a private CA (never how to
-- switch verification off).
local HINTS = { tls = " (to trust a private CA: flowlua run --cacert FILE "
  .. "or FLOWLUA_CACERT=FILE)" }

function formatters.network(e)
  return ("%s %s: %s%s"):format(e.method or "?", short_url(e.url) or "?",
    e.message or "network error", HINTS[e.network] or "")
end

local function problem_text(p)
  local text = p.field and (p.field .. ": ") or ""
  text = text .. (p.rule or "invalid")
  if p.fix then text = text .. " (fix: " .. p.fix .. ")" end
  return text
end

function formatters.validation(e)
  local items = {}
  for i, p in ipairs(e.problems or {}) do items[i] = problem_text(p) end
  return ("%s not sent: %s"):format(e.entity or "request",
    table.concat(items, "; "))
end

-- Kinds whose message says it all.
local function message_only(e)
  return e.message
end

formatters.order = message_only
formatters.usage = message_only
formatters.timeout = message_only
formatters.locked = message_only

function Error:__tostring()
  local f = formatters[self.kind]
  local text = f and f(self) or tostring(self.message)
  return log.redact((text:gsub("[\r\n]+", " ")))
end

--- Makes an error table of a kind.
-- @tparam string kind "service", "network", "validation", "order", "usage",
--   "timeout", "locked"
-- @tparam table fields the error's fields
-- @treturn table the error (not raised)
function errors.new(kind, fields)
  args.check(1, "new", kind, "string")
  args.check(2, "new", fields, "table")
  fields.kind = kind
  return setmetatable(fields, Error)
end

--- Raises an error of a kind at `level` (default 2: the caller's caller).
-- @tparam string kind the kind
-- @tparam table fields the error's fields
function errors.raise(kind, fields)
  args.check(1, "raise", kind, "string")
  args.check(2, "raise", fields, "table")
  error(errors.new(kind, fields), 0)
end

--- True when `value` is a flowlua error (of `kind` when given).
-- @param value anything
-- @tparam[opt] string kind the kind to check
-- @treturn boolean
function errors.is(value, kind)
  args.check(2, "is", kind, "string", "nil")
  return getmetatable(value) == Error
    and (kind == nil or value.kind == kind)
end

local function header(res, name)
  local h = res.headers
  if h == nil then return nil end
  return h[name] or h[name:lower()]
end

-- Adobe documents several error bodies (docs/client.md, "Errors"; the
-- fixtures in spec/fixtures/adobe/errors/):
--   Flow Service: {"type": ".../errors/FLOW-1439-404", "title", "status",
--     "report": {"detailed-message", "request-id", ...}, "errorMessage",
--     "errorDetails"}
--   the stale etag (412): {"errorMessage": "Supplied version=[...] ..."}
--   the gateway: {"error_code": "403025", "message": "..."}
--   the content-type check: {"type", "status", "title", "detail"}
-- A body of any other shape gives what it has, and never an error.
local function text(v)
  if type(v) == "string" and v ~= "" then return v end
  if math.type(v) == "integer" then return tostring(v) end
  return nil
end

local function field(t, key)
  return type(t) == "table" and t[key] or nil
end

-- "https://ns.adobe.com/aep/errors/FLOW-1439-404" -> "1439-404"
local function code_of_type(uri)
  return type(uri) == "string"
    and uri:match("/errors/%u*%-?(%d+%-%d%d%d)$") or nil
end

-- Texts of the catalogue that identify their code when a body carries
-- nothing else (the troubleshooting guide's 412 body).
local CODE_OF_TEXT = {
  { "^Supplied version=%[.*%] does not match the current version on "
    .. "entity=%[", "1404-412" },
}

local function code_of_text(message)
  if message == nil then return nil end
  for _, known in ipairs(CODE_OF_TEXT) do
    if message:match(known[1]) then return known[2] end
  end
end

local function body_fields(body)
  if type(body) ~= "table" then return {} end
  local report = field(body, "report")
  local message = text(field(report, "detailed-message"))
    or text(body.message) or text(body.detail) or text(body.errorMessage)
    or text(body.errorDetails) or text(body.title)
  local code = text(body.error_code) or text(body.code)
    or text(field(report, "code")) or code_of_type(body.type)
    or code_of_text(message)
  return { code = code, message = message,
    request_id = text(field(report, "request-id")),
    type = text(body.type) }
end

--- Makes the structured error for an HTTP error response.
-- @tparam table res the response (`status`, `headers`, `body` text)
-- @tparam string method the request method
-- @tparam string url the request URL
-- @tparam[opt] function decode JSON decoder for the body
-- @treturn table a `"service"` error
function errors.from_response(res, method, url, decode)
  args.check(1, "from_response", res, "table")
  local body = decode and res.body and res.body ~= "" and decode(res.body)
  local f = body_fields(body)
  local message = f.message
  if message == nil and res.body and res.body ~= "" and not body then
    -- A proxy's or load balancer's error page: its title says it all.
    local title = res.body:match("<[Tt][Ii][Tt][Ll][Ee]>%s*(.-)%s*</")
    message = title and ('HTML page "%s"'):format(title:sub(1, 200))
      or res.body:sub(1, 200)
  end
  return errors.new("service", {
    status = res.status, code = f.code, message = message, type = f.type,
    request_id = header(res, "x-request-id")
      or header(res, "x-adobe-request-id") or f.request_id,
    method = method, url = url,
  })
end

--- Makes the structured error for a failed transfer.
-- @tparam string message libcurl's one-line message
-- @tparam table info `{kind=, sent=}` from flowlua.http
-- @tparam string method the request method
-- @tparam string url the request URL
-- @treturn table a `"network"` error
function errors.from_network(message, info, method, url)
  args.check(1, "from_network", message, "string")
  args.check(2, "from_network", info, "table", "nil")
  info = info or {}
  return errors.new("network", {
    message = message, network = info.kind, sent = info.sent,
    method = method, url = url,
  })
end

return errors
