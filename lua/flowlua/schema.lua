--- flowlua.schema: JSON Schema draft-07, compiled once, validated fast.
-- The compiler and the validator are C (src/schema*.c). A schema made only
-- of the keywords the code generator knows (src/schema_codegen.c) is also
-- translated into a Lua function, which `validate` uses for Lua values:
-- the Lua VM reads table fields far faster than C can through the Lua API.
-- Both paths make the same checks in the same order and report the same
-- errors. Schemas with other keywords validate in C.
-- @module flowlua.schema
-- @usage
-- local schema = require "flowlua.schema"
-- local v = assert(schema.compile(spec_table_or_json_text, { resolve = fn }))
-- local ok, errs = v:validate(value)  -- errs[i] = {path=, schema_path=, ...}

local core = require("flowlua.core").schema
local json = require("flowlua.core").json

local schema = {}

local Validator = { __name = "flowlua.schema.validator" }
Validator.__index = Validator

--- Validates a Lua value.
-- @param value the instance: tables (arrays marked with `json.array` or
-- sequences; an unmarked empty table is both `[]` and `{}`), strings,
-- numbers (integral floats are integers), booleans, `nil`/`json.null`
-- @return `true`, or `false` and a list of errors
-- `{path=, schema_path=, keyword=, message=}` (JSON Pointers)
function Validator:validate(value)
  return self._core:validate(value)
end

--- Validates JSON text without building Lua values.
-- @tparam string text a JSON document
-- @return `true`, or `false` and the errors, or `nil` and a decode error
function Validator:validate_json(text)
  return self._core:validate_json(text)
end

--- Frees the compiled schema now (the garbage collector does it otherwise).
function Validator:close()
  self._core:close()
end

Validator.__close = Validator.close

function Validator:__tostring()
  return tostring(self._core)
end

-- The C validator, for what generated code hands over (empty tables).
local function in_c(self, value)
  return self._core:validate(value)
end

local function generated(ud)
  local src = ud:_source()
  if not src then return nil end
  -- a schema too large for one Lua function stays in C
  local chunk = load(src, "=(flowlua.schema)", "t")
  return chunk and chunk(core._prober(json.array or false), core.utf8_length,
    in_c)
end

--- Compiles a schema.
-- @param spec a schema as a Lua table (arrays marked with `json.array` or
-- sequences) or as JSON text
-- @tparam[opt] table opts `resolve = function(uri) return schema_or_text end`
-- for remote `$ref`s (never the network), `formats = true|false` (assert
-- "format", default true), `all_errors = true|false` (default: stop at the
-- first error), `codegen = false` (always validate in C)
-- @return a validator, or `nil` and a message saying where the schema is
-- invalid
function schema.compile(spec, opts)
  local t = type(spec)
  if t ~= "table" and t ~= "string" and t ~= "boolean" then
    error("bad argument #1 to 'compile' (table or string expected, got "
      .. t .. ")", 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #2 to 'compile' (table expected, got "
      .. type(opts) .. ")", 2)
  end
  local ud, err = core.compile(spec, opts)
  if not ud then return nil, err end
  local v = setmetatable({ _core = ud }, Validator)
  if not (opts and (opts.all_errors or opts.codegen == false)) then
    v.validate = generated(ud)
  end
  return v
end

--- Validates once: compiles `spec` and validates `value` against it.
-- @param spec the schema (table or JSON text)
-- @param value the instance
-- @tparam[opt] table opts as for `compile`
-- @return `true`, or `false` and the list of errors; raises when the schema
-- itself is invalid
function schema.validate(spec, value, opts)
  local v, err = schema.compile(spec, opts)
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
