--- Reading the files of the emulator's storage as Flow Service reads
-- them: delimited text (a header line, then one record per line, fields
-- quoted with `"` when they hold the delimiter) and JSON (an array of
-- objects, one object, or JSON lines). Parquet is not read: the emulator
-- would have to pretend (docs/emulator.md, "Storage").
-- @module flowlua.emulator.formats

local json = require("flowlua.json")

local formats = {}

-- One delimited line into fields; nil and a reason when a quote is open.
local function split_line(line, delim)
  local fields, i, n = {}, 1, #line
  while true do
    if line:sub(i, i) == '"' then
      local parts, j = {}, i + 1
      while true do
        local q = line:find('"', j, true)
        if q == nil then return nil, "a quoted field is not closed" end
        parts[#parts + 1] = line:sub(j, q - 1)
        if line:sub(q + 1, q + 1) == '"' then
          parts[#parts + 1] = '"'
          j = q + 2
        else
          i = q + 1
          break
        end
      end
      fields[#fields + 1] = table.concat(parts)
      if i > n then return fields end
      if line:sub(i, i) ~= delim then
        return nil, "text follows a closing quote"
      end
      i = i + 1
    else
      local d = line:find(delim, i, true)
      fields[#fields + 1] = line:sub(i, (d or n + 1) - 1)
      if d == nil then return fields end
      i = d + 1
    end
  end
end

local function lines(text)
  local out = {}
  for line in (text:gsub("\r\n", "\n") .. "\n"):gmatch("([^\n]*)\n") do
    out[#out + 1] = line
  end
  while #out > 0 and out[#out] == "" do out[#out] = nil end
  return out
end

--- Parses delimited text.
-- @tparam string text the file's contents
-- @tparam[opt=","] string delim the column delimiter (one character)
-- @treturn table|nil `{columns = {name, ...}, rows = {{name = value}, ...}}`
-- @treturn string|nil why the file is malformed, naming the line
function formats.delimited(text, delim)
  delim = delim or ","
  local all = lines(text)
  if #all == 0 then return { columns = {}, rows = {} } end
  local columns, why = split_line(all[1], delim)
  if columns == nil then return nil, "line 1: " .. why end
  local rows = {}
  for ln = 2, #all do
    local fields
    fields, why = split_line(all[ln], delim)
    if fields == nil then return nil, ("line %d: %s"):format(ln, why) end
    if #fields ~= #columns then
      return nil, ("line %d has %d fields, the header has %d")
        :format(ln, #fields, #columns)
    end
    local row = {}
    for c, name in ipairs(columns) do row[name] = fields[c] end
    rows[#rows + 1] = row
  end
  return { columns = columns, rows = rows }
end

local function is_object(v)
  return type(v) == "table" and getmetatable(v) ~= json.array
end

local function json_lines(text)
  local rows = {}
  for ln, line in ipairs(lines(text)) do
    if line:match("%S") then
      local v, err = json.decode(line)
      if v == nil then return nil, ("line %d: %s"):format(ln, err) end
      if not is_object(v) then
        return nil, ("line %d is not a JSON object"):format(ln)
      end
      rows[#rows + 1] = v
    end
  end
  return rows
end

local function column_names(rows)
  local seen, names = {}, {}
  for _, row in ipairs(rows) do
    local keys = {}
    for k in pairs(row) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
      if not seen[k] then seen[k] = true; names[#names + 1] = k end
    end
  end
  return names
end

--- Parses JSON: an array of objects, one object, or one object a line.
-- @tparam string text
-- @treturn table|nil `{columns = {name, ...}, rows = {object, ...}}`
-- @treturn string|nil why the file is malformed
function formats.json(text)
  local v, err = json.decode(text)
  local rows
  if v == nil then
    -- One object a line, or a broken document: the first line tells.
    local first = is_object(json.decode(text:match("^%s*([^\n]*)") or ""))
    if not first then return nil, err end
    rows, err = json_lines(text)
    if rows == nil then return nil, err end
  elseif is_object(v) then
    rows = { v }
  elseif type(v) == "table" then
    rows = {}
    for i, x in ipairs(v) do
      if not is_object(x) then
        return nil, ("element %d of the array is not an object"):format(i)
      end
      rows[i] = x
    end
  else
    return nil, "the document is neither an object nor an array of objects"
  end
  return { columns = column_names(rows), rows = rows }
end

--- The format a file is read as: `data.format` of a source connection,
-- or the `fileType` of an explore request (any letter case).
-- @tparam string|nil name e.g. "delimited", "JSON"
-- @treturn string|nil "delimited", "json" or "parquet"; nil when unknown
function formats.normalize(name)
  local n = type(name) == "string" and name:lower() or nil
  if n == "delimited" or n == "csv" then return "delimited" end
  if n == "json" or n == "parquet" then return n end
  return nil
end

--- Reads a file's text in a format.
-- @tparam string text
-- @tparam string format "delimited", "json" or "parquet"
-- @tparam[opt] string delim the delimiter of delimited text
-- @treturn table|nil `{columns=, rows=}`
-- @treturn string|nil why not
function formats.read(text, format, delim)
  if format == "delimited" then return formats.delimited(text, delim) end
  if format == "json" then return formats.json(text) end
  return nil, "the emulator does not read " .. tostring(format) .. " files"
end

local function type_of(v)
  if math.type(v) == "integer" then return "integer" end
  if type(v) == "number" then return "number" end
  if type(v) == "boolean" then return "boolean" end
  if type(v) == "table" then
    return getmetatable(v) == json.array and "array" or "object"
  end
  return "string"
end

--- A file's columns and their types: delimited fields are strings,
-- JSON values have their JSON Schema type (`string`, `integer`,
-- `number`, `boolean`, `object`, `array`), from the first row that has
-- the column.
-- @tparam table parsed from `read`
-- @treturn table list of `{name=, type=}`
function formats.columns(parsed)
  local out = {}
  for i, name in ipairs(parsed.columns) do
    local t = "string"
    for _, row in ipairs(parsed.rows) do
      if row[name] ~= nil and row[name] ~= json.null then
        t = type_of(row[name])
        break
      end
    end
    out[i] = { name = name, type = t }
  end
  return out
end

--- The structure of a file as the cloud storage explore tutorial shows
-- it (and the OAS's array): `[{"name": "Id", "type": "String"}, ...]`.
-- @tparam table parsed
-- @treturn table
function formats.structure(parsed)
  local out = json.array()
  for i, c in ipairs(formats.columns(parsed)) do
    out[i] = { name = c.name, type = c.type:sub(1, 1):upper() .. c.type:sub(2) }
  end
  return out
end

--- A preview as the Data Landing Zone tutorial shows it: delimited files
-- `{"format": "flat", "schema": {"columns": [{name, type, xdm: {type}}]},
-- "data": rows}`; JSON files `"hierarchical"` with a JSON Schema.
-- @tparam table parsed
-- @tparam string format "delimited" or "json"
-- @tparam table rows the rows to show
-- @treturn table
function formats.preview(parsed, format, rows)
  local columns = formats.columns(parsed)
  local schema
  if format == "json" then
    local props = {}
    for _, c in ipairs(columns) do props[c.name] = { type = c.type } end
    schema = { type = "object", properties = props }
  else
    local list = json.array()
    for i, c in ipairs(columns) do
      list[i] = { name = c.name, type = c.type, xdm = { type = c.type } }
    end
    schema = { columns = list }
  end
  return { format = format == "json" and "hierarchical" or "flat",
    schema = schema, data = json.array(rows) }
end

return formats
