-- tools/layers/lua.lua - the Lua tree's checks (tools/check_layers.lua has
-- the rules and the layer table).
local common = require("layers.common")

-- ---------------------------------------------------------------------------
-- Reading Lua
-- ---------------------------------------------------------------------------

-- flowlua/entity/init.lua -> flowlua.entity
local function module_name(file)
  return (file:gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", "."))
end

-- The end of a long bracket opened at i ("[[", "[==["), or nil.
local function long_bracket_end(text, i)
  local eq = text:match("^%[(=*)%[", i)
  if not eq then return nil end
  local _, e = text:find("]" .. eq .. "]", i, true)
  return e or #text
end

-- The end of the quoted string starting at i.
local function string_end(text, i)
  local quote, j = text:sub(i, i), i + 1
  while j <= #text do
    local c = text:sub(j, j)
    if c == "\\" then j = j + 2
    elseif c == quote or c == "\n" then return j
    else j = j + 1 end
  end
  return #text
end

-- The text with its comments removed (strings kept, so that the names
-- given to require stay readable).
local function code_of(text)
  local out, i = {}, 1
  while i <= #text do
    local s = text:find("[-\"'%[]", i)
    if not s then
      out[#out + 1] = text:sub(i)
      break
    end
    out[#out + 1] = text:sub(i, s - 1)
    local c = text:sub(s, s)
    if text:sub(s, s + 1) == "--" then
      local e = long_bracket_end(text, s + 2)
      i = (e or text:find("\n", s) or #text) + 1
      out[#out + 1] = "\n"
    else
      local e = (c == "[" and long_bracket_end(text, s))
        or ((c == '"' or c == "'") and string_end(text, s)) or s
      out[#out + 1] = text:sub(s, e)
      i = e + 1
    end
  end
  return table.concat(out)
end

local NAME = "%s*([\"'])(flowlua[%w_.]*)%1"

-- The modules of ours a file requires, and its hidden dependencies.
local function scan(code)
  local requires, hidden = {}, {}
  for _, name in code:gmatch("[^%w_.]require%s*%(?" .. NAME) do
    requires[#requires + 1] = name
  end
  for _, name in code:gmatch("pcall%s*%(%s*require%s*," .. NAME) do
    hidden[#hidden + 1] = ("pcall(require, \"%s\")"):format(name)
  end
  for _, name in code:gmatch("package%.loaded%s*%[" .. NAME) do
    hidden[#hidden + 1] = ("package.loaded[\"%s\"]"):format(name)
  end
  return requires, hidden
end

-- ---------------------------------------------------------------------------
-- The checks
-- ---------------------------------------------------------------------------

--- The problems of the Lua tree under `root`; `layers` ranks its modules
-- (common.layers).
return function(root, layers)
  local problems, report = common.problems()
  local graph = {}
  for _, file in ipairs(common.list(root, "*.lua")) do
    local from = module_name(file)
    local requires, hidden = scan(" " .. code_of(common.read(root .. "/" .. file)))
    graph[from] = {}
    for _, to in ipairs(requires) do
      graph[from][to] = true
      local why = layers:violation(from, to)
      if why then report("%s requires %s: %s", file, to, why) end
    end
    for _, h in ipairs(hidden) do
      report("%s hides a dependency: %s", file, h)
    end
  end
  common.check_circles(graph, "requires", report)
  return problems
end
