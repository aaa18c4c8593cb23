--- Responses and the error bodies of the emulator.
-- Three shapes, as the real platform uses them (reference §4):
-- the gateway's `{"error_code", "message"}`, the RFC 7807-like problem
-- body of the content-type check, and Flow Service catalogue errors,
-- which carry both: a problem body (`type`, `title`, `status`, `detail`,
-- `report`) plus `error_code` ("1404-412") and `message`, so a client
-- that reads either convention finds the code and the text.
-- @module flowlua.emulator.errors

local json = require "flowlua.json"

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

local TITLES = {
  [400] = "Bad Request", [404] = "Not Found", [405] = "Method Not Allowed",
  [412] = "Precondition Failed", [413] = "Payload Too Large",
  [500] = "Internal Server Error", [503] = "Service Unavailable",
  [504] = "Gateway Timeout",
}

--- A Flow Service catalogue error. The HTTP status is the code's suffix.
-- @tparam string code e.g. "1413-400"
-- @tparam string message names the field or the entity
-- @tparam[opt] table sub a list of `{field=, message=}` details
-- @treturn table response
function errors.flow(code, message, sub)
  local status = tonumber(code:match("%-(%d%d%d)$"))
  local subs = json.array()
  for i, s in ipairs(sub or {}) do subs[i] = s end
  return errors.json(status, {
    type = "http://ns.adobe.com/aep/errors/FLOW-" .. code,
    title = TITLES[status] or "Error",
    status = status,
    detail = message,
    report = { ["detailed-message"] = message, ["sub-errors"] = subs },
    error_code = code,
    message = message,
  })
end

return errors
