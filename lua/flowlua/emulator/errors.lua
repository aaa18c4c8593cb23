--- Responses and the error bodies of the emulator.
-- Three shapes, as Adobe documents them (reference §4, docs/emulator.md
-- "Errors"): the gateway's `{"error_code", "message"}`, the RFC 7807-like
-- problem body of the content-type check, and Flow Service errors:
-- `{"type": "https://ns.adobe.com/aep/errors/FLOW-1439-404", "title",
-- "status", "report": {"detailed-message", "id", "request-id", "type"},
-- "errorMessage", "errorDetails"}`, with the catalogue's codes.
-- @module flowlua.emulator.errors

local json = require("flowlua.json")
local util = require("flowlua.emulator.util")

local errors = {}

-- Messages quote the request (method, path, ids, queries); one that is not
-- UTF-8 must still get its 4xx, not a 500, so invalid bytes become U+FFFD.
local function scrub(v)
  if type(v) == "string" then
    local out = {}
    while true do
      local ok, bad = utf8.len(v)
      if ok then break end
      out[#out + 1] = v:sub(1, bad - 1) .. "\u{FFFD}"
      v = v:sub(bad + 1)
    end
    return table.concat(out) .. v
  end
  if type(v) ~= "table" then return v end
  local t = setmetatable({}, getmetatable(v))
  for k, x in pairs(v) do t[scrub(k)] = scrub(x) end
  return t
end

local function encode(value)
  local ok, body = pcall(json.encode, value)
  if ok then return body end
  return json.encode(scrub(value))
end

--- A JSON response.
-- @tparam integer status HTTP status
-- @param value a JSON value, or a string already encoded
-- @tparam[opt] table headers extra headers
-- @treturn table the response table the server expects
function errors.json(status, value, headers)
  local h = { ["Content-Type"] = "application/json" }
  for k, v in pairs(headers or {}) do h[k] = v end
  local body = type(value) == "string" and value or encode(value)
  return { status = status, headers = h, body = body }
end

--- An empty response (204).
-- @treturn table
function errors.empty(status)
  return { status = status or 204, headers = {}, body = "" }
end

--- A gateway error: `{"error_code":"403010","message":"..."}`.
-- @tparam integer status
-- @tparam string code
-- @tparam string message
-- @treturn table response
function errors.gateway(status, code, message)
  return errors.json(status, { error_code = code, message = message })
end

--- The platform's problem body for request-format errors.
-- @tparam integer status
-- @tparam string title e.g. "BadRequestError"
-- @tparam string detail
-- @treturn table response
function errors.problem(status, title, detail)
  return errors.json(status, {
    type = "/placeholder/type/uri", status = status, title = title,
    detail = detail })
end

-- Titles per status; "Resource not found" is the documented one, the
-- others follow its wording (docs/emulator.md, "Errors").
local TITLES = {
  [400] = "Bad request", [404] = "Resource not found",
  [412] = "Precondition failed", [500] = "Internal server error",
  [503] = "Service unavailable", [504] = "Gateway timeout",
}

--- Prefix of a Flow Service error's `type`.
errors.TYPE_PREFIX = "https://ns.adobe.com/aep/errors/FLOW-"

--- A Flow Service catalogue error. The HTTP status is the code's suffix.
-- The body keeps its table in `res.problem`, so the app can write the
-- request id into `report["request-id"]` once it is known.
-- @tparam string code e.g. "1439-404"
-- @tparam string message names the field or the entity
-- @tparam[opt] table extra `{sub_errors = {{field=, message=}, ...},
--   type = "flows", error_message = text}`: details, the resource kind,
--   and an `errorMessage` text other than `message`
-- @treturn table response
function errors.flow(code, message, extra)
  extra = extra or {}
  local status = tonumber(code:match("%-(%d%d%d)$"))
  local report = { ["detailed-message"] = message, id = util.uuid(),
    type = extra.type }
  if extra.sub_errors and #extra.sub_errors > 0 then
    report["sub-errors"] = json.array(extra.sub_errors)
  end
  local problem = {
    type = errors.TYPE_PREFIX .. code,
    title = TITLES[status] or "Error",
    status = status,
    report = report,
    errorMessage = extra.error_message or message,
    errorDetails = message,
  }
  local res = errors.json(status, problem)
  res.problem = problem
  return res
end

--- The documented answer to a GET (or PATCH, DELETE, action) of an id
-- that does not exist: FLOW-1439-404, "Resource not found".
-- @tparam string kind the collection, e.g. "flows"
-- @tparam string id the id asked for
-- @treturn table response
function errors.not_found(kind, id)
  return errors.flow("1439-404", ("The requested %s resource %s is not "
    .. "found. Verify the resource ID before trying again."):format(kind, id),
    { type = kind })
end

--- Writes the request id into a Flow Service error's body.
-- @tparam table res a response
-- @tparam string request_id the `x-request-id` of the answer
function errors.stamp(res, request_id)
  if res.problem == nil then return end
  res.problem.report["request-id"] = request_id
  res.body = encode(res.problem)
  res.problem = nil
end

return errors
