--- Progress of a tree operation, on stderr so that stdout (the lines of
-- what was done, or the JSON document) stays as it is: on a terminal one
-- line `delete-tree: 12 of 40 done` redrawn in place; otherwise such a
-- line every 10 seconds, so that a long run in a log shows it is alive
-- and a short one shows nothing.
-- @module flowlua.cli.tree_progress

local sys = require("flowlua.core").sys

local tree_progress = {}

--- Seconds between two progress lines when stderr is not a terminal.
tree_progress.EVERY = 10

local Progress = {}
Progress.__index = Progress
Progress.__name = "flowlua.cli.tree_progress"

--- A progress for `total` items of the operation `what`.
-- @tparam string what the command's name, e.g. "delete-tree"
-- @tparam integer total the number of items
-- @tparam[opt] table opts `{stream = file, live = bool}` (default stderr,
--   live when it is a terminal)
-- @return the progress
function tree_progress.new(what, total, opts)
  opts = opts or {}
  local live = opts.live
  if live == nil then live = sys.isatty("stderr") end
  return setmetatable({ what = what, total = total, done = 0,
    stream = opts.stream or io.stderr, live = live, drawn = false,
    last = sys.monotime() }, Progress)
end

function Progress:text()
  return ("%s: %d of %d done"):format(self.what, self.done, self.total)
end

--- Erases the live line (before a line is written to the terminal).
function Progress:clear()
  if self.drawn then
    self.stream:write("\r\27[K")
    self.stream:flush()
    self.drawn = false
  end
end

--- Counts one item done and shows the count.
function Progress:tick()
  self.done = self.done + 1
  if self.live then
    self.stream:write("\r\27[K", self:text())
    self.drawn = true
  elseif sys.monotime() - self.last >= tree_progress.EVERY then
    self.last = sys.monotime()
    self.stream:write(self:text(), "\n")
  else
    return
  end
  self.stream:flush()
end

--- Writes a line to stdout, the live line erased first (the next tick
-- draws it again).
-- @tparam string line
function Progress:print(line)
  self:clear()
  io.stdout:write(line, "\n")
  io.stdout:flush()
end

--- Ends the progress: the live line is erased.
Progress.finish = Progress.clear

--- Runs `operation(step)` under a progress for `total` items: each
-- `step(line)` counts one item done, writing `line` to stdout first when
-- there is one. The live line is erased even when `operation` raises
-- (its error is raised again), so an error never lands after it.
-- @tparam string what the command's name, e.g. "delete-tree"
-- @tparam integer total the number of items
-- @tparam function operation receives `step`
-- @tparam[opt] table opts as for `new`
function tree_progress.around(what, total, operation, opts)
  local progress = tree_progress.new(what, total, opts)
  local ok, err = pcall(operation, function(line)
    if line then progress:print(line) end
    progress:tick()
  end)
  progress:finish()
  if not ok then error(err, 0) end
end

return tree_progress
