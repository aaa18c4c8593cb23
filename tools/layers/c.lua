-- tools/layers/c.lua - the C tree's checks (tools/check_layers.lua has
-- the rules and the layer table).
--
-- The reading of C is deliberately simple (comments, strings and
-- preprocessor lines removed, definitions found at brace depth 0), which
-- suffices for this tree's style: one definition per statement.
local common = require("layers.common")

local LUA_HEADERS = { ["lua.h"] = true, ["lauxlib.h"] = true, ["lualib.h"] = true }

local function folder_of(file)
  return file:match("^(.*)/[^/]*$") or ""
end

-- ---------------------------------------------------------------------------
-- Reading C
-- ---------------------------------------------------------------------------

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
-- A quoted #include resolves as the compiler looks it up (-Isrc): beside
-- the file, then from the root; a name in neither is not ours.
local function load_tree(root)
  local files, names, in_tree = {}, common.list(root, "*.[ch]"), {}
  for _, name in ipairs(names) do in_tree[name] = true end
  for _, name in ipairs(names) do
    local text = "\n" .. common.read(root .. "/" .. name)
    local f = { name = name, folder = folder_of(name), includes = {}, external = {} }
    for inc in text:gmatch("\n[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"") do
      local near = (f.folder == "" and "" or f.folder .. "/") .. inc
      if in_tree[near] then f.includes[#f.includes + 1] = near
      elseif in_tree[inc] then f.includes[#f.includes + 1] = inc
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

local sorted_keys = common.sorted_keys

local function check_layers(files, uses, layers, report)
  local function why(from, to)
    local a, b = folder_of(from), folder_of(to)
    if a ~= b then return layers:violation(a, b) end
  end
  for _, name in ipairs(sorted_keys(files)) do
    for _, inc in ipairs(files[name].includes) do
      local w = why(name, inc)
      if w then report("%s includes %s: %s", name, inc, w) end
    end
    for _, to in ipairs(sorted_keys(uses[name] or {})) do
      local w = why(name, to)
      if w then report("%s calls %s (%s): %s", name, uses[name][to], to, w) end
    end
  end
end

local function check_pure(files, pure, report)
  for _, name in ipairs(sorted_keys(files)) do
    if pure[files[name].folder] then
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

--- The problems of the C tree under `root`: `layers` ranks its folders
-- (common.layers), `pure` is the set of folders that reach no Lua header.
return function(root, layers, pure)
  local problems, report = common.problems()
  local files = load_tree(root)
  local uses = uses_of(files)
  local includes = {}
  for name, f in pairs(files) do
    includes[name] = {}
    for _, inc in ipairs(f.includes) do includes[name][inc] = true end
  end
  check_layers(files, uses, layers, report)
  check_pure(files, pure, report)
  common.check_circles(uses, "calls", report)
  common.check_circles(includes, "includes", report)
  return problems
end
