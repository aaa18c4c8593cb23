--- Create markers: how a create whose answer was lost recognises the
-- entity it made, and only that one.
--
-- Every create carries a marker, `flowlua:` and 16 random hex digits,
-- drawn once per intent (a workflow journals it with the intent, so the
-- attempts of one create, and a run resumed after `kill -9`, share it).
-- It travels in the entity's `description`, a free-text field every kind
-- takes, stores and returns: appended in brackets after the user's own
-- text, `"Sales feed [flowlua:3f9a0c1d5e7b2a64]"`, or alone,
-- `"[flowlua:3f9a0c1d5e7b2a64]"`, when the body has none. After a lost
-- answer the client adopts only the entity of that name and spec whose
-- description ends with its marker: no other run or machine could have
-- written it, and no clock is consulted.
--
-- Entities read from the service show the description without the
-- marker (`strip`), so scripts, plans and diffs see the user's text.
-- @module flowlua.entity.marker

local sys = require("flowlua.core").sys

local marker = {}

local TAIL = "%s?%[(flowlua:%x+)%]$"

--- A fresh marker, `flowlua:` and 16 random hex digits.
-- @treturn string
function marker.new()
  return "flowlua:" .. (sys.random(8):gsub(".", function(b)
    return ("%02x"):format(b:byte())
  end))
end

--- The marker a description ends with, or nil.
-- @tparam any description a description as the service stores it
-- @treturn string|nil
function marker.of(description)
  if type(description) ~= "string" then return nil end
  return description:match(TAIL)
end

--- A description without its marker: nil when nothing else is left.
-- @tparam any description
-- @return the user's description (non-strings unchanged)
function marker.strip(description)
  if marker.of(description) == nil then return description end
  local text = description:gsub(TAIL, "", 1)
  if text == "" then return nil end
  return text
end

--- A copy of a create body (shallow) whose description carries `mark`
-- after the user's text (a marker already there is replaced). A body
-- whose description is not text is returned unchanged: the service
-- refuses it.
-- @tparam table body the create body
-- @tparam string mark the marker (`marker.new`)
-- @treturn table the body to send
function marker.mark(body, mark)
  local text = marker.strip(body.description)
  if text ~= nil and type(text) ~= "string" then return body end
  local out = {}
  for k, v in pairs(body) do out[k] = v end
  out.description = text and (text .. " [" .. mark .. "]")
    or ("[" .. mark .. "]")
  return setmetatable(out, getmetatable(body))
end

return marker
