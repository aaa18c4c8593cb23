--- flowlua.schema: JSON Schema draft-07, compiled once, validated in C.
-- The compiler and validator live in src/schema*.c; this facade is what
-- scripts require.
-- @module flowlua.schema
-- @usage
-- local schema = require "flowlua.schema"
-- local v = assert(schema.compile(spec_table_or_json_text, { resolve = fn }))
-- local ok, errs = v:validate(value)  -- errs[i] = {path=, schema_path=, ...}

local core = require("flowlua.core").schema

local schema = {}

--- Compiles a schema.
-- @param spec a schema as a Lua table (arrays marked with `json.array` or
-- sequences) or as JSON text
-- @tparam[opt] table opts `resolve = function(uri) return schema_or_text end`
-- for remote `$ref`s (never the network), `formats = true|false` (assert
-- "format", default true), `all_errors = true|false` (default: stop at the
-- first error)
-- @return a validator, or `nil` and a message saying where the schema is
-- invalid
function schema.compile(spec, opts)
  return core.compile(spec, opts)
end

--- Validates once: compiles `spec` and validates `value` against it.
-- @param spec the schema (table or JSON text)
-- @param value the instance
-- @tparam[opt] table opts as for `compile`
-- @return `true`, or `false` and the list of errors; raises when the schema
-- itself is invalid
function schema.validate(spec, value, opts)
  local v, err = core.compile(spec, opts)
  if not v then error(err, 2) end
  return v:validate(value)
end

--- Formats a list of errors as lines `path: message` (path `/` for the root).
-- @tparam table errors as returned by `validate`
-- @treturn string one line per error
function schema.format_errors(errors)
  local lines = {}
  for i, e in ipairs(errors) do
    lines[i] = (e.path == "" and "/" or e.path) .. ": " .. e.message
  end
  return table.concat(lines, "\n")
end

return schema
