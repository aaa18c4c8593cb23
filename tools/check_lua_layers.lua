-- tools/check_lua_layers.lua - checks that the Lua tree keeps its one-way
-- layers.
--
--   lua5.4 tools/check_lua_layers.lua [lua]
--
-- prints one line per violation and exits 1 if there is any. Rules:
--
-- 1. Layers. Every module named flowlua... belongs to a layer in LAYERS
--    below (the table docs/internals.md draws). A module may require
--    modules of its own layer or of a lower rank; never a higher rank,
--    never another layer of its own rank (the emulator and the client
--    stand side by side and know nothing of each other). A layer with
--    `only` may require nothing else below it.
-- 2. No circles: following requires from a module never leads back to it
--    (a require inside a function counts: it is still a dependency).
-- 3. No hidden dependencies: no `pcall(require, "flowlua...")` (a module
--    that may be absent is not a layer) and no `package.loaded` lookup of
--    a module of ours.

local LAYERS = {
  { { name = "core", modules = { "flowlua.core.*", "flowlua.json",
      "flowlua.schema" } } },
  { { name = "base", modules = { "flowlua.runtime", "flowlua.files",
      "flowlua.url", "flowlua.log", "flowlua.errors", "flowlua.plan" } } },
  { { name = "transport", modules = { "flowlua.task", "flowlua.retry",
      "flowlua.http" } } },
  { { name = "settings", modules = { "flowlua.config", "flowlua.auth" } } },
  { { name = "entity", modules = { "flowlua.entity.*" } } },
  { { name = "client", modules = { "flowlua.client" } },
    { name = "emulator", modules = { "flowlua.emulator.*" },
      only = { "core", "flowlua.files" } } },
  { { name = "workflow", modules = { "flowlua.workflow.*" } } },
  { { name = "cli", modules = { "flowlua", "flowlua.cli.*" } } },
}

-- ---------------------------------------------------------------------------
-- The layer of a module
-- ---------------------------------------------------------------------------

local function matches(pattern, name)
  local package = pattern:match("^(.*)%.%*$")
  if package then
    return name == package or name:sub(1, #package + 1) == package .. "."
  end
  return name == pattern
end

-- layer, rank of a module name; nil when no layer holds it
local function layer_of(name)
  for rank, layers in ipairs(LAYERS) do
    for _, layer in ipairs(layers) do
      for _, pattern in ipairs(layer.modules) do
        if matches(pattern, name) then return layer, rank end
      end
    end
  end
end

local function allowed_by_only(layer, name)
  for _, entry in ipairs(layer.only) do
    if entry == name then return true end
    local other = layer_of(name)
    if other and other.name == entry then return true end
  end
  return false
end

-- Why `from` may not require `to`, or nil when it may.
local function layer_violation(from, to)
  local fl, fr = layer_of(from)
  local tl, tr = layer_of(to)
  if not fl then return ("module '%s' has no layer"):format(from) end
  if not tl then return ("module '%s' has no layer"):format(to) end
  if fl == tl then return nil end
  if tr > fr then
    return ("'%s' (layer %d) is above '%s' (layer %d)")
      :format(tl.name, tr, fl.name, fr)
  end
  if tr == fr then
    return ("'%s' and '%s' stand side by side in layer %d")
      :format(fl.name, tl.name, fr)
  end
  if fl.only and not allowed_by_only(fl, to) then
    return ("'%s' uses only %s"):format(fl.name, table.concat(fl.only, ", "))
  end
  return nil
end

-- ---------------------------------------------------------------------------
-- Reading Lua
-- ---------------------------------------------------------------------------

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

-- Paths of every .lua under root, relative to it, sorted.
local function list_sources(root)
  local p = assert(io.popen(("find '%s' -type f -name '*.lua' | sort")
    :format(root)))
  local files = {}
  for line in p:lines() do files[#files + 1] = line:sub(#root + 2) end
  p:close()
  return files
end

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

local function find_circle(graph, names)
  local state, stack = {}, {}
  local function visit(m)
    state[m] = "open"
    stack[#stack + 1] = m
    for _, dep in ipairs(graph[m] or {}) do
      if state[dep] == "open" then
        local from = 1
        while stack[from] ~= dep do from = from + 1 end
        local path = table.move(stack, from, #stack, 1, {})
        path[#path + 1] = dep
        return path
      elseif state[dep] == nil and graph[dep] then
        local circle = visit(dep)
        if circle then return circle end
      end
    end
    stack[#stack] = nil
    state[m] = "done"
  end
  for _, m in ipairs(names) do
    if state[m] == nil then
      local circle = visit(m)
      if circle then return circle end
    end
  end
end

local function check(root)
  local problems, graph, names = {}, {}, {}
  for _, file in ipairs(list_sources(root)) do
    local from = module_name(file)
    local requires, hidden = scan(" " .. code_of(read(root .. "/" .. file)))
    names[#names + 1] = from
    graph[from] = requires
    for _, to in ipairs(requires) do
      local why = layer_violation(from, to)
      if why then
        problems[#problems + 1] = ("%s requires %s: %s"):format(file, to, why)
      end
    end
    for _, h in ipairs(hidden) do
      problems[#problems + 1] = ("%s hides a dependency: %s"):format(file, h)
    end
  end
  local circle = find_circle(graph, names)
  if circle then
    problems[#problems + 1] = "circle of requires: "
      .. table.concat(circle, " -> ")
  end
  return problems
end

local root = (arg[1] or "lua"):gsub("/+$", "")
local problems = check(root)
for _, p in ipairs(problems) do print(p) end
os.exit(#problems == 0 and 0 or 1)
