--- Progress of workflows: on a terminal, one live line per running
-- workflow (its current step), redrawn in place; otherwise plain lines, one
-- per finished step, that read well in CI logs. Written to stderr, so a
-- script's own stdout stays clean. `-q` (log level warn) silences it but
-- for failures.
-- @module flowlua.workflow.progress

local runtime = require("flowlua.runtime")
local log = require("flowlua.log")
local sys = require("flowlua.core").sys

local progress = {}

local state = {
  stream = nil,     -- default io.stderr
  live = nil,       -- nil: decide from isatty on first use
  active = {},      -- ordered list of {name=, text=}
  drawn = 0,        -- lines of the live block currently on screen
}

local redraw

-- While live lines are on screen, log lines are written above them (a
-- line written under the block would be erased by the next redraw). The
-- log keeps its level and format; it gets its default stream back when
-- the last workflow ends.
local function hook_log()
  if state.hooked then return end
  state.hooked = true
  log.configure{ stream = { write = function(_, ...)
    redraw({ (table.concat({ ... }):gsub("\n$", "")) })
  end } }
end

local function unhook_log()
  if state.hooked then
    log.configure{}
    state.hooked = nil
  end
end

--- Sets the output: `{stream = file, live = bool}` (for tests and
-- embedding; by default stderr, live when stderr is a terminal).
-- @tparam table opts options
function progress.configure(opts)
  unhook_log()
  state.stream = opts.stream
  state.live = opts.live
  state.active, state.drawn = {}, 0
end

local function stream() return state.stream or io.stderr end

local function is_live()
  if state.live == nil then state.live = sys.isatty("stderr") end
  return state.live
end

local function quiet()
  return runtime.log_level == "warn" or runtime.log_level == "error"
end

local function find(name)
  for i, a in ipairs(state.active) do
    if a.name == name then return i, a end
  end
end

-- Erases the live block, writes permanent lines, draws the block again.
function redraw(permanent)
  local out = stream()
  if state.drawn > 0 then out:write(("\27[%dA\27[J"):format(state.drawn)) end
  for _, line in ipairs(permanent or {}) do out:write(line, "\n") end
  for _, a in ipairs(state.active) do out:write("\27[K", a.text, "\n") end
  state.drawn = #state.active
  out:flush()
end

local function line(name, text)
  return ("%s: %s"):format(name, text)
end

--- Reports that a workflow's step is running.
-- @tparam string wf the workflow name
-- @tparam string step the step name
function progress.running(wf, step)
  if quiet() or not is_live() then return end
  local _, a = find(wf)
  if not a then
    a = { name = wf }
    state.active[#state.active + 1] = a
    hook_log()
  end
  a.text = line(wf, step .. " ...")
  redraw()
end

--- Reports a step's outcome.
-- @tparam string wf the workflow name
-- @tparam string step the step name
-- @tparam string outcome e.g. "done", "resumed", "failed: ..."
function progress.step(wf, step, outcome)
  local failed = outcome:sub(1, 6) == "failed"
  if quiet() and not failed then return end
  if is_live() then
    local i, a = find(wf)
    if a and not failed then
      a.text = line(wf, step .. " " .. outcome)
      redraw()
    else
      -- A failed workflow stops here: its line becomes the failure.
      if i then table.remove(state.active, i) end
      redraw({ line(wf, step .. " " .. outcome) })
      if #state.active == 0 then unhook_log() end
    end
  else
    stream():write(line(wf, step .. " " .. outcome), "\n")
    stream():flush()
  end
end

--- Reports that a workflow finished; its live line becomes permanent.
-- @tparam string wf the workflow name
-- @tparam string summary e.g. "done (4 steps, 1 resumed)"
function progress.finished(wf, summary)
  local i = find(wf)
  if i then table.remove(state.active, i) end
  if quiet() then return end
  if is_live() then
    redraw({ line(wf, summary) })
    if #state.active == 0 then unhook_log() end
  else
    stream():write(line(wf, summary), "\n")
    stream():flush()
  end
end

return progress
