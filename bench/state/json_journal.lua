-- bench/state/json_journal.lua SCRIPT ARGS...: runs SCRIPT (as `flowlua
-- run SCRIPT ARGS...` would) with the workflows' journals kept the way
-- flowlua kept them before the state store: one JSON file per workflow in
-- .flowlua/bench-journal, each save encoded whole, written to a temporary
-- file, fsynced and renamed over it (sys.write_file), no lock. The anchor
-- of bench/state's end-to-end rows; only the store differs.
local json = require("flowlua.json")
local files = require("flowlua.files")
local journal = require("flowlua.workflow.journal")
local sys = require("flowlua.core").sys

local DIR = ".flowlua/bench-journal"
assert(os.execute("mkdir -p " .. DIR))

local function path(key)
  return DIR .. "/" .. journal.file_name(key.workflow)
end

local Files = { where = "json:" .. DIR }

function Files.lock() return true end
function Files.unlock() end
function Files.holds() return true end
function Files.flush() end
function Files.close() end
function Files.list() return {} end

function Files.load(_, key)
  local text = files.read(path(key))
  return text and assert(json.decode(text))
end

function Files.save(_, key, doc)
  assert(sys.write_file(path(key), json.encode(doc,
    { sort_keys = true, indent = 2 }) .. "\n", tonumber("600", 8)))
end

function Files.forget(_, key) os.remove(path(key)) end

journal.store = function() return Files end

local script = assert(arg[1], "usage: json_journal.lua SCRIPT ARGS...")
local args = table.move(arg, 2, #arg, 1, {})
_G.arg = table.move(arg, 1, #arg, 0, {})
local chunk = assert(loadfile(script))
chunk(table.unpack(args))
