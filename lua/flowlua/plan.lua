--- The dry-run plan: what a script would create, update, publish and
-- delete, in order. Under `flowlua run --dry-run` the client records each
-- mutating call here instead of sending it, and `flowlua run` prints the
-- plan when the script ends. Bodies are stored already redacted (secret
-- fields replaced by `"***"`), so printing the plan cannot leak a secret.
-- @module flowlua.plan

local args = require("flowlua.args")
local json = require("flowlua.json")
local log = require("flowlua.log")

local plan = {}

local steps = {}

--- Forgets every recorded step (a new run).
function plan.reset()
  steps = {}
end

--- Records a step.
-- @tparam table step `{action=, kind=, name=, id=, draft=, body=, ops=,
--   detail=}`; `body` and `ops` must already be redacted
-- @treturn integer the step's number
function plan.add(step)
  args.check(1, "add", step, "table")
  steps[#steps + 1] = step
  return #steps
end

--- The recorded steps, in order.
-- @treturn table list of steps
function plan.steps()
  return steps
end

local KIND_NAMES = {
  connection = "base connection", source = "source connection",
  target = "target connection", flow = "flow",
}

local function compact(value)
  local ok, text = pcall(json.encode, value, { sort_keys = true })
  return ok and text or tostring(value)
end

local function subject(s)
  local what = KIND_NAMES[s.kind] or s.kind or "entity"
  if s.name then what = ("%s %q"):format(what, s.name) end
  return what
end

local function describe(s)
  if s.action == "request" then return "send " .. tostring(s.detail) end
  if s.action == "create" then
    return ("create %s%s%s"):format(s.draft and "draft " or "", subject(s),
      s.detail and (" (" .. s.detail .. ")") or "")
  end
  return ("%s %s%s"):format(s.action, subject(s),
    s.detail and (" (" .. s.detail .. ")") or "")
end

--- Renders the plan as text lines.
-- @tparam[opt] table list steps (default: the recorded ones)
-- @treturn string the plan
function plan.render(list)
  args.check(1, "render", list, "table", "nil")
  list = list or steps
  local lines = { ("Plan (dry run, nothing was changed): %d step%s")
    :format(#list, #list == 1 and "" or "s") }
  for i, s in ipairs(list) do
    lines[#lines + 1] = ("%3d. %s"):format(i, describe(s))
    if s.id then lines[#lines + 1] = "       id: " .. s.id end
    if s.body then lines[#lines + 1] = "       body: " .. compact(s.body) end
    if s.ops then lines[#lines + 1] = "       patch: " .. compact(s.ops) end
  end
  return log.redact(table.concat(lines, "\n"))
end

return plan
