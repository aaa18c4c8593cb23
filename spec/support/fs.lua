-- Real files for specs: read, write, temporary folders.
--
--   local fs = require("support.fs")
--   local dir = fs.tree{ ["acme/a.json"] = "{}" }  -- or fs.tmpdir()
--   fs.write(dir .. "/b.json", "[]")
--   assert.equal("{}", fs.read(dir .. "/acme/a.json"))
--   fs.remove(dir)
local fs = {}

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- The whole file, or nil and io.open's message when it cannot be read.
function fs.read(path)
  local f, err = io.open(path, "rb")
  if f == nil then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

--- The whole file, which is then removed (a command's captured output).
function fs.take(path)
  local text = assert(fs.read(path))
  os.remove(path)
  return text
end

--- Writes `text` to `path` (created or truncated), with permissions
-- `mode` (chmod's octal text, e.g. "600") when given; returns the path.
function fs.write(path, text, mode)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  if mode then assert(os.execute(("chmod %s %s"):format(mode, quote(path)))) end
  return path
end

--- Whether `path` can be opened.
function fs.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

--- A fresh empty folder.
function fs.tmpdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir " .. quote(dir)))
  return dir
end

--- A fresh folder holding `files` (relative path -> text), with the
-- folders their paths name.
function fs.tree(files)
  local root = fs.tmpdir()
  for path, text in pairs(files) do
    local dir = (root .. "/" .. path):match("^(.*)/")
    assert(os.execute("mkdir -p " .. quote(dir)))
    fs.write(root .. "/" .. path, text)
  end
  return root
end

--- Removes `path` and everything below it.
function fs.remove(path)
  os.execute("rm -rf " .. quote(path))
end

return fs
