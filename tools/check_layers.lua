-- tools/check_layers.lua - checks that the C tree keeps its one-way layers.
--
--   lua5.4 tools/check_layers.lua [src]
--
-- prints one line per violation and exits 1 if there is any. Rules:
--
-- 1. Layers. Every folder of src/ has a rank in LAYERS below. A file may
--    include headers of its own folder or of a folder of lower rank, and may
--    call functions defined there; never a higher rank, never another folder
--    of the same rank (parts of one rank know nothing of each other).
-- 2. Pure C. No file in a PURE folder reaches a Lua header (lua.h,
--    lauxlib.h, lualib.h), directly or through one of our headers.
-- 3. No circles. File A uses file B when A calls a function or reads a
--    variable that B defines for other files (not static), or an inline
--    function of a header A includes does. Following uses from a file never
--    leads back to it; nor do the #include lines between our headers.
--
-- The reading of C is deliberately simple (comments, strings and
-- preprocessor lines removed, definitions found at brace depth 0), which
-- suffices for this tree's style: one definition per statement.

local LAYERS = {
  { "" },                                -- src/flowlua.h: the entry points
  { "json", "sys", "http", "server" },   -- the parts
  { "schema" },                          -- the validator, pure C
  { "lschema" },                         -- the validator on Lua values
  { "host" },                            -- flowlua.core, the executable
}
local PURE = { schema = true }
local LUA_HEADERS = { ["lua.h"] = true, ["lauxlib.h"] = true, ["lualib.h"] = true }

local rank = {}
for r, folders in ipairs(LAYERS) do
  for _, folder in ipairs(folders) do rank[folder] = r end
end

-- ---------------------------------------------------------------------------
-- Reading files
-- ---------------------------------------------------------------------------

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- Paths of every .c and .h under root, relative to it, sorted.
local function list_sources(root)
  local p = assert(io.popen(("find '%s' -type f -name '*.[ch]' | sort"):format(root)))
  local files = {}
  for line in p:lines() do files[#files + 1] = line:sub(#root + 2) end
  p:close()
  return files
end

local function folder_of(file)
  return file:match("^(.*)/[^/]*$") or ""
end

-- The text with comments, string and character literals and preprocessor
-- lines blanked out, so only code is left; and the bodies of its macros,
-- which count as code wherever they are expanded.
local function code_of(text)
  text = text:gsub("\\\n", " ")
  local out, i, n = {}, 1, #text
  while i <= n do
    local s, _, c = text:find("([/\"'])", i)
    if not s then
      out[#out + 1] = text:sub(i)
      break
    end
    out[#out + 1] = text:sub(i, s - 1)
    local two = text:sub(s, s + 1)
    if two == "/*" then
      local _, e = text:find("*/", s + 2, true)
      out[#out + 1] = " "
      i = (e or n) + 1
    elseif two == "//" then
      i = text:find("\n", s, true) or n + 1
    elseif c == "/" then
      out[#out + 1] = "/"
      i = s + 1
    else
      local j = s + 1
      while j <= n and text:sub(j, j) ~= c do
        j = j + (text:sub(j, j) == "\\" and 2 or 1)
      end
      out[#out + 1] = c .. c
      i = j + 1
    end
  end
  local code, macros = "\n" .. table.concat(out), {}
  for m in code:gmatch("\n[ \t]*#[ \t]*define([^\n]*)") do macros[#macros + 1] = m end
  return (code:gsub("\n[ \t]*#[^\n]*", "\n")), table.concat(macros, "\n")
end

-- The names a file defines for other files, and the code inside its
-- function bodies. A definition is found where a statement at brace depth 0
-- opens a body: after ")" a function, after "=" an initialized variable.
local function scan(code)
  local defs, bodies = {}, {}
  local depth, head, start, body_from, defined = 0, {}, 1, nil, false
  local function define(text)
    if text:match("^%s*static%f[%W]") or text:match("^%s*typedef%f[%W]")
        or text:match("^%s*extern%f[%W]") then return end
    local name = text:match("%(%s*%*%s*([%a_][%w_]*)%s*%)") -- function pointer
      or text:match("([%a_][%w_]*)%s*%(") or text:match("([%a_][%w_]*)%s*[%[=]")
    if name then defs[#defs + 1] = name end
  end
  for pos, c in code:gmatch("()([{};])") do
    if depth == 0 then head[#head + 1] = code:sub(start, pos - 1) end
    if c == "{" then
      if depth == 0 then
        local text = table.concat(head)
        if text:match("%)%s*$") then
          define(text)
          body_from, head = pos, {}
        elseif text:match("=") and not defined then
          define(text:match("^[^=]*="))
          defined = true
        end
      end
      depth = depth + 1
    elseif c == "}" then
      depth = depth - 1
      if depth == 0 and body_from then
        bodies[#bodies + 1] = code:sub(body_from, pos)
        body_from = nil
      end
    elseif depth == 0 then
      local text = table.concat(head)
      if text:match("=") and not defined then define(text:match("^[^=]*=")) end
      head, defined = {}, false
    end
    if depth == 0 then start = pos + 1 end
  end
  return defs, table.concat(bodies, "\n")
end

-- ---------------------------------------------------------------------------
-- The tree
-- ---------------------------------------------------------------------------

-- files[name] = { folder, includes = {resolved names}, external = {names},
-- defs = {...}, code = text whose identifiers count as uses }
local function load_tree(root)
  local files = {}
  for _, name in ipairs(list_sources(root)) do
    local text = "\n" .. read(root .. "/" .. name)
    local f = { name = name, folder = folder_of(name), includes = {}, external = {} }
    for inc in text:gmatch("\n[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"") do
      local near = (f.folder == "" and "" or f.folder .. "/") .. inc
      if exists(root .. "/" .. near) then f.includes[#f.includes + 1] = near
      elseif exists(root .. "/" .. inc) then f.includes[#f.includes + 1] = inc
      else f.external[#f.external + 1] = inc end
    end
    for inc in text:gmatch("\n[ \t]*#[ \t]*include[ \t]*<([^>]+)>") do
      f.external[#f.external + 1] = inc
    end
    local code, macros = code_of(text)
    local defs, bodies = scan(code)
    f.defs = defs
    f.code = (name:match("%.c$") and code or bodies) .. "\n" .. macros
    files[name] = f
  end
  return files
end

-- Every header a file reaches through our #include lines, itself excluded.
local function reached(files, name, seen)
  seen = seen or {}
  for _, inc in ipairs(files[name].includes) do
    if not seen[inc] and files[inc] then
      seen[inc] = true
      reached(files, inc, seen)
    end
  end
  return seen
end

-- uses[a][b] = the first name through which .c file a uses file b.
local function uses_of(files)
  local owner = {}
  for name, f in pairs(files) do
    for _, d in ipairs(f.defs) do owner[d] = name end
  end
  local uses = {}
  for name, f in pairs(files) do
    if name:match("%.c$") then
      local u = {}
      local function scan_code(code)
        for id in code:gmatch("[%a_][%w_]*") do
          local o = owner[id]
          if o and o ~= name and not u[o] then u[o] = id end
        end
      end
      scan_code(f.code)
      for h in pairs(reached(files, name)) do scan_code(files[h].code) end
      uses[name] = u
    end
  end
  return uses
end

-- ---------------------------------------------------------------------------
-- The rules
-- ---------------------------------------------------------------------------

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- Why file `from` may not depend on file `to` (nil when it may).
local function layer_error(from, to)
  local a, b = folder_of(from), folder_of(to)
  if a == b then return nil end
  if not rank[a] then return ("folder '%s' has no layer"):format(a) end
  if not rank[b] then return ("folder '%s' has no layer"):format(b) end
  if rank[b] > rank[a] then
    return ("'%s' (layer %d) is above '%s' (layer %d)"):format(b, rank[b], a, rank[a])
  end
  if rank[b] == rank[a] then
    return ("'%s' and '%s' are parts of one layer"):format(a, b)
  end
end

local function check_layers(files, uses, report)
  for _, name in ipairs(sorted_keys(files)) do
    for _, inc in ipairs(files[name].includes) do
      local why = layer_error(name, inc)
      if why then report("%s includes %s: %s", name, inc, why) end
    end
    for _, to in ipairs(sorted_keys(uses[name] or {})) do
      local why = layer_error(name, to)
      if why then report("%s calls %s (%s): %s", name, uses[name][to], to, why) end
    end
  end
end

local function check_pure(files, report)
  for _, name in ipairs(sorted_keys(files)) do
    if PURE[files[name].folder] then
      local all = reached(files, name)
      all[name] = true
      for _, via in ipairs(sorted_keys(all)) do
        for _, ext in ipairs(files[via].external) do
          if LUA_HEADERS[ext] then
            report("%s reaches %s (through %s): '%s' is pure C", name, ext, via,
                   files[name].folder)
          end
        end
      end
    end
  end
end

-- Reports each circle of `edges` (edges[a] = set of b) once, as a -> b -> a.
local function check_circles(edges, what, report)
  local state, stack = {}, {}
  local function visit(a)
    state[a] = "open"
    stack[#stack + 1] = a
    for _, b in ipairs(sorted_keys(edges[a] or {})) do
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
  for _, a in ipairs(sorted_keys(edges)) do
    if state[a] == nil then visit(a) end
  end
end

local function check(root)
  local problems = {}
  local function report(fmt, ...) problems[#problems + 1] = fmt:format(...) end
  local files = load_tree(root)
  local uses = uses_of(files)
  local includes = {}
  for name, f in pairs(files) do
    includes[name] = {}
    for _, inc in ipairs(f.includes) do includes[name][inc] = true end
  end
  check_layers(files, uses, report)
  check_pure(files, report)
  check_circles(uses, "calls", report)
  check_circles(includes, "includes", report)
  return problems
end

local problems = check(arg[1] or "src")
for _, p in ipairs(problems) do print(p) end
os.exit(#problems == 0 and 0 or 1)
