-- tools/layers/common.lua - what the C and the Lua layer checks share:
-- reading a tree, the rule of ranked layers, and finding circles.
local common = {}

function common.read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

-- Paths of every file under root whose name matches the shell glob `name`,
-- relative to root, sorted.
function common.list(root, name)
  local p = assert(io.popen(("find '%s' -type f -name '%s' | sort")
    :format(root, name)))
  local files = {}
  for line in p:lines() do files[#files + 1] = line:sub(#root + 2) end
  p:close()
  return files
end

function common.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- ---------------------------------------------------------------------------
-- Ranked layers
-- ---------------------------------------------------------------------------

-- "x.*" matches x and everything below it; any other pattern itself alone.
local function matches(pattern, name)
  local package = pattern:match("^(.*)%.%*$")
  if package then
    return name == package or name:sub(1, #package + 1) == package .. "."
  end
  return name == pattern
end

-- A layer is a name (a layer of that one member) or
-- { name =, members = {patterns}, only = {layer names or members} }.
local function layer(entry)
  if type(entry) == "string" then return { name = entry, members = { entry } } end
  return entry
end

local Layers = {}
Layers.__index = Layers

--- Layers from `ranks` (a list, lowest first, of lists of layers); `noun`
-- says what a member is in messages ("folder", "module").
function common.layers(ranks, noun)
  local self = setmetatable({ noun = noun, ranks = {} }, Layers)
  for r, layers in ipairs(ranks) do
    self.ranks[r] = {}
    for i, entry in ipairs(layers) do self.ranks[r][i] = layer(entry) end
  end
  return self
end

-- The layer holding `name` and its rank; nil when none does.
function Layers:of(name)
  for rank, layers in ipairs(self.ranks) do
    for _, l in ipairs(layers) do
      for _, pattern in ipairs(l.members) do
        if matches(pattern, name) then return l, rank end
      end
    end
  end
end

function Layers:allowed_by_only(l, name)
  for _, entry in ipairs(l.only) do
    local other = self:of(name)
    if entry == name or (other and other.name == entry) then return true end
  end
  return false
end

--- Why `from` may not depend on `to`, or nil when it may: a layer uses
-- its own members and lower ranks, never a higher rank nor another layer
-- of its rank; one with `only` uses nothing else below it.
function Layers:violation(from, to)
  local fl, fr = self:of(from)
  local tl, tr = self:of(to)
  if not fl then return ("%s '%s' has no layer"):format(self.noun, from) end
  if not tl then return ("%s '%s' has no layer"):format(self.noun, to) end
  if fl == tl then return nil end
  if tr > fr then
    return ("'%s' (layer %d) is above '%s' (layer %d)")
      :format(tl.name, tr, fl.name, fr)
  end
  if tr == fr then
    return ("'%s' and '%s' stand side by side in layer %d")
      :format(fl.name, tl.name, fr)
  end
  if fl.only and not self:allowed_by_only(fl, to) then
    return ("'%s' uses only %s"):format(fl.name, table.concat(fl.only, ", "))
  end
end

-- ---------------------------------------------------------------------------
-- Circles
-- ---------------------------------------------------------------------------

--- Reports each circle of `edges` (edges[a] = set of b) once, as
-- "circle of <what>: a -> b -> a".
function common.check_circles(edges, what, report)
  local state, stack = {}, {}
  local function visit(a)
    state[a] = "open"
    stack[#stack + 1] = a
    for _, b in ipairs(common.sorted_keys(edges[a] or {})) do
      if state[b] == "open" then
        local from = #stack
        while stack[from] ~= b do from = from - 1 end
        local path = table.concat(stack, " -> ", from) .. " -> " .. b
        report("circle of %s: %s", what, path)
      elseif state[b] == nil then
        visit(b)
      end
    end
    stack[#stack] = nil
    state[a] = "done"
  end
  for _, a in ipairs(common.sorted_keys(edges)) do
    if state[a] == nil then visit(a) end
  end
end

--- A list of problems and the function that adds one (format, ...).
function common.problems()
  local list = {}
  return list, function(fmt, ...) list[#list + 1] = fmt:format(...) end
end

return common
