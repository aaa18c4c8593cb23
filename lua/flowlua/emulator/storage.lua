--- The contents of the emulated cloud storage: a local folder
-- (`flowlua emulator --files DIR`) seen by every cloud storage connection
-- and by the Data Landing Zone. Explore lists it, preview reads a file,
-- runs ingest what a source connection's `params.path` names.
-- Paths are storage paths (`/acme/data.csv` or `acme/data.csv`); `..`
-- and absolute escapes are refused, so nothing outside the folder is read.
-- @module flowlua.emulator.storage

local files = require("flowlua.files")
local formats = require("flowlua.emulator.formats")
local json = require("flowlua.json")
local sys = require("flowlua.core").sys

local storage = {}

local Storage = {}
Storage.__index = Storage
Storage.__name = "flowlua.emulator.storage"

--- A storage over a folder (nil: an empty storage).
-- @tparam string|nil root the folder
-- @treturn table
function storage.new(root)
  return setmetatable({ root = root }, Storage)
end

-- The storage path's parts, or nil when it leaves the storage.
local function parts(path)
  local out = {}
  for part in (path or ""):gmatch("[^/]+") do
    if part == ".." then return nil end
    if part ~= "." then out[#out + 1] = part end
  end
  return out
end

--- The canonical storage path (`/a/b`) and the local path of a storage
-- path; nil when it escapes the storage.
-- @tparam string path
-- @treturn string|nil storage path
-- @treturn string|nil local path
function Storage:locate(path)
  local p = parts(path)
  if p == nil then return nil end
  local canonical = "/" .. table.concat(p, "/")
  if self.root == nil then return canonical, nil end
  return canonical, #p == 0 and self.root
    or (self.root .. "/" .. table.concat(p, "/"))
end

--- What is at a storage path: `{type = "file"|"directory", size=,
-- mtime=}` or nil.
-- @tparam string path
-- @treturn table|nil
function Storage:stat(path)
  local _, local_path = self:locate(path)
  if local_path == nil then return nil end
  local st = sys.stat(local_path)
  if st == nil or st.type == "other" then return nil end
  return st
end

local function sorted_names(dir)
  local names = sys.listdir(dir) or {}
  table.sort(names)
  return names
end

--- The entries of a folder, as explore answers them.
-- @tparam string path the folder ("/" for the root)
-- @treturn table|nil array of `{type, name, path, canPreview,
--   canFetchSchema}`; nil when there is no such folder
function Storage:list(path)
  local canonical, dir = self:locate(path)
  local out = json.array()
  if canonical == nil then return nil end
  if dir == nil then return canonical == "/" and out or nil end
  local st = sys.stat(dir)
  if st == nil or st.type ~= "directory" then return nil end
  local prefix = canonical == "/" and "/" or canonical .. "/"
  for _, name in ipairs(sorted_names(dir)) do
    local e = sys.stat(dir .. "/" .. name)
    if e and e.type ~= "other" then
      local file = e.type == "file"
      out[#out + 1] = { type = file and "file" or "folder", name = name,
        path = prefix .. name .. (file and "" or "/"),
        canPreview = file, canFetchSchema = file }
    end
  end
  return out
end

--- Every file at or under a storage path (a file: itself), sorted.
-- @tparam string path
-- @tparam boolean recursive descend into sub-folders
-- @treturn table|nil list of `{path=, local_path=, size=, mtime=}`; nil
--   when nothing is at the path
function Storage:files(path, recursive)
  local canonical, local_path = self:locate(path)
  if local_path == nil then return nil end
  local st = sys.stat(local_path)
  if st == nil then return nil end
  if st.type == "file" then
    return { { path = canonical, local_path = local_path, size = st.size,
      mtime = st.mtime } }
  end
  local out = {}
  local function walk(dir, spath)
    for _, name in ipairs(sorted_names(dir)) do
      local lp, sp = dir .. "/" .. name, spath .. "/" .. name
      local e = sys.stat(lp)
      if e and e.type == "file" then
        out[#out + 1] = { path = sp, local_path = lp, size = e.size,
          mtime = e.mtime }
      elseif e and e.type == "directory" and recursive then
        walk(lp, sp)
      end
    end
  end
  walk(local_path, canonical == "/" and "" or canonical)
  return out
end

--- Reads and parses a file.
-- @tparam table f an entry of `files`
-- @tparam string format "delimited", "json" or "parquet"
-- @tparam[opt] string delim
-- @treturn table|nil `{columns=, rows=}`
-- @treturn string|nil why not
function Storage.read(_, f, format, delim)
  local text, err = files.read(f.local_path)
  if text == nil then return nil, err end
  return formats.read(text, format, delim)
end

--- A file's structure, or with `count` a preview with that many rows
-- (flowlua.emulator.formats, `structure` and `preview`).
-- @tparam string path
-- @tparam string format
-- @tparam[opt] string delim
-- @tparam[opt] integer count how many rows; nil: the structure alone
-- @treturn table|nil
-- @treturn string|nil why not
function Storage:preview(path, format, delim, count)
  local st = self:stat(path)
  if st == nil or st.type ~= "file" then
    return nil, ("no file at %s"):format(path)
  end
  local canonical, local_path = self:locate(path)
  local parsed, why = self:read({ path = canonical, local_path = local_path },
    format, delim)
  if parsed == nil then return nil, ("%s: %s"):format(canonical, why) end
  if count == nil then return formats.structure(parsed) end
  return formats.preview(parsed, format,
    table.move(parsed.rows, 1, math.min(count, #parsed.rows), 1, {}))
end

return storage
