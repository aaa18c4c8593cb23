--- `flowlua validate [OPTIONS] SCHEMA [DOC...]`: validate JSON documents
-- against a JSON Schema (draft-07), or the schema against the meta-schema.
-- Each error is printed as `DOC: /path: message` (`/` for the document
-- itself); a valid document as `DOC: valid`. `$ref`s to other files are
-- read relative to the schema's folder (or as file:// URIs); nothing is
-- fetched from the network. `--json` prints one JSON document instead.
-- @module flowlua.cli.validate

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local schema = require("flowlua.schema")
local files = require("flowlua.files")
local json = require("flowlua.json")

local USAGE = "usage: flowlua validate [OPTIONS] SCHEMA [DOC...]"

local SPECS = {
  { "--first-error", "report only the first error of each document" },
  { "--no-formats", "do not check \"format\" (date-time, email, uri...)" },
  options.json "schema, valid, documents and their errors",
  options.HELP,
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Validates each JSON document DOC (- for standard input) against the JSON
Schema SCHEMA (draft-07). Without DOC, checks SCHEMA itself against the
draft-07 meta-schema.]],
  after = [[
Exit status: 0 every document is valid, 1 one is invalid, 2 usage error or
an unreadable or malformed schema or document.]] }

-- The text of a file, or of standard input for "-"; nil and a message
-- when it cannot be read.
local function read(path)
  if path == "-" then return io.stdin:read("a") end
  return files.read(path)
end

-- Remote $refs: file:// URIs and plain relative paths, from disk only.
local function resolver(schema_path)
  local dir = schema_path:match("^(.*)/[^/]*$") or "."
  return function(uri)
    local path = uri:match("^file://(/.*)$")
    if not path and not uri:find("^%a[%w+.-]*:") then
      path = uri:sub(1, 1) == "/" and uri or (dir .. "/" .. uri)
    end
    if not path then return nil end
    return read(path)
  end
end

local check_schema

-- Where the outcomes go: lines on stdout, or, under --json, the entries
-- of the document printed at the end (`documents`). A file that cannot
-- be read or parsed is named on stderr either way.
local documents

local function entry(name, valid, errors)
  documents[#documents + 1] = { document = name, valid = valid,
    errors = json.array(errors or {}) }
  return documents[#documents]
end

local function say_valid(name, what)
  if documents then entry(name, true) else print(name .. ": " .. what) end
end

local function failed(name, message)
  io.stderr:write("flowlua: ", message, "\n")
  if documents then entry(name, false).error = message end
  return 2
end

-- What validate_json answered for the file `name`, as the exit status:
-- 2 for text that is not JSON, 1 with a line per error, 0 when valid.
local function report(name, ok, errors)
  if ok == nil then
    return failed(name, ("%s: invalid JSON: %s"):format(name, errors))
  end
  if ok then return 0 end
  if documents then
    local list = {}
    for i, e in ipairs(errors) do
      list[i] = { path = e.path == "" and "/" or e.path, message = e.message }
    end
    entry(name, false, list)
    return 1
  end
  for _, e in ipairs(errors) do
    print(("%s: %s: %s"):format(name, e.path == "" and "/" or e.path,
      e.message))
  end
  return 1
end

local function check(v, doc)
  local text, err = read(doc)
  if not text then return failed(doc, "cannot read " .. err) end
  local ok, errors = v:validate_json(text)
  if ok then say_valid(doc, "valid") end
  return report(doc, ok, errors)
end

local META = { ["$ref"] = "http://json-schema.org/draft-07/schema#" }

-- No documents: the schema is checked against the draft-07 meta-schema.
function check_schema(path, text)
  local meta = assert(schema.compile(META, { all_errors = true }))
  return report(path, meta:validate_json(text))
end

local run

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  local spec_path = opts.operands[1]
  if spec_path == nil then
    options.usage_error("no schema given", USAGE)
  end
  documents = opts.json and json.array() or nil
  local status, schema_error = run(opts, spec_path)
  if opts.json then
    print(json.encode({ schema = spec_path, valid = status == 0,
      documents = documents, error = schema_error }, { sort_keys = true }))
  end
  documents = nil
  return status
end

-- Checks the schema, then each document: the exit status, and what was
-- wrong with the schema itself (nil when it compiled).
function run(opts, spec_path)
  local text, err = read(spec_path)
  if not text then
    io.stderr:write("flowlua: cannot read ", err, "\n")
    return 2, "cannot read " .. err
  end
  local alone = opts.operands[2] == nil
  if alone then
    local status = check_schema(spec_path, text)
    if status ~= 0 then return status end
  end
  local v, cerr = schema.compile(text, { resolve = resolver(spec_path),
    all_errors = not opts.first_error, formats = not opts.no_formats })
  if not v then
    io.stderr:write(("flowlua: %s: %s\n"):format(spec_path, cerr))
    return alone and 1 or 2, cerr
  end
  if alone then
    say_valid(spec_path, "valid schema")
    return 0
  end
  local status = 0
  for i = 2, #opts.operands do
    status = math.max(status, check(v, opts.operands[i]))
  end
  return status
end

return cmd
