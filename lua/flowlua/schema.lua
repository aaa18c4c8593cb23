--- flowlua.schema: JSON Schema draft-07, compiled once, validated fast.
-- The compiler and the validator are C (src/schema/, src/lschema/);
-- `validate`, `validate_json`, `is_valid` and `is_valid_json` are C
-- functions stored in each validator object, so `v:validate(x)` costs one
-- call.
-- @module flowlua.schema
-- @usage
-- local schema = require("flowlua.schema")
-- local v = assert(schema.compile(spec_table_or_json_text, { resolve = fn }))
-- local ok, errs = v:validate(value)  -- errs[i] = {path=, schema_path=, ...}

local args = require("flowlua.args")
local core = require("flowlua.core").schema

local schema = {}

local Validator = { __name = "flowlua.schema.validator" }
Validator.__index = Validator

-- The four methods below are C functions compile stores in each
-- validator, documented here; looked up on anything else, they raise.
local function not_a_validator(name)
  error(("bad self to '%s' (validator made by schema.compile expected)")
    :format(name), 3)
end
for _, name in ipairs{ "validate", "validate_json", "is_valid",
    "is_valid_json" } do
  Validator[name] = function() not_a_validator(name) end
end

--- Validates a Lua value.
-- @function Validator:validate
-- @param value the instance: tables (arrays marked with `json.array` or
-- sequences; an unmarked empty table is both `[]` and `{}`), strings,
-- numbers (integral floats are integers), booleans, `nil`/`json.null`
-- @return `true`, or `false` and a list of errors
-- `{path=, schema_path=, keyword=, message=}` (JSON Pointers)

--- Validates JSON text without building Lua values.
-- @function Validator:validate_json
-- @tparam string text a JSON document
-- @return `true`, or `false` and the errors, or `nil` and a decode error

--- Whether a Lua value is valid, without the list of errors: the answer
-- `validate` gives, at the cost of no error tables (first error only, even
-- with `all_errors`). For filters and dispatch, where the reason is not
-- shown.
-- @function Validator:is_valid
-- @param value the instance, as for `validate`
-- @treturn boolean

--- Whether JSON text is valid, without the list of errors.
-- @function Validator:is_valid_json
-- @tparam string text a JSON document
-- @return `true` or `false`, or `nil` and a decode error

--- Frees the compiled schema now (the garbage collector does it otherwise).
function Validator:close()
  self._core:close()
end

Validator.__close = Validator.close

function Validator:__tostring()
  return tostring(self._core)
end

local COMPILE_OPTIONS = { resolve = true, formats = true, all_errors = true,
  fast = true }

--- Compiles a schema.
-- @param spec a schema as a Lua table (arrays marked with `json.array` or
-- sequences) or as JSON text
-- @tparam[opt] table opts `resolve = function(uri) return schema_or_text end`
-- for remote `$ref`s (never the network), `formats = true|false` (assert
-- "format", default true), `all_errors = true|false` (default: stop at the
-- first error), `fast = false` (always use the generic walker; for tests)
-- @return a validator, or `nil` and a message saying where the schema is
-- invalid
function schema.compile(spec, opts)
  args.check(1, "compile", spec, "table", "string", "boolean")
  args.options(2, "compile", opts, COMPILE_OPTIONS)
  local ud, validate, validate_json, is_valid, is_valid_json =
    core.compile(spec, opts)
  if not ud then return nil, validate end
  return setmetatable({ _core = ud, validate = validate,
    validate_json = validate_json, is_valid = is_valid,
    is_valid_json = is_valid_json }, Validator)
end

--- Validates once: compiles `spec` and validates `value` against it.
-- @param spec the schema (table or JSON text)
-- @param value the instance
-- @tparam[opt] table opts as for `compile`
-- @return `true`, or `false` and the list of errors; raises when the schema
-- itself is invalid
function schema.validate(spec, value, opts)
  args.check(1, "validate", spec, "table", "string", "boolean")
  args.options(3, "validate", opts, COMPILE_OPTIONS)
  local v, err = schema.compile(spec, opts)
  if not v then error(err, 2) end
  return v:validate(value)
end

--- Formats a list of errors as lines `path: message` (path `/` for the root).
-- @tparam table errors as returned by `validate`
-- @treturn string one line per error
function schema.format_errors(errors)
  args.check(1, "format_errors", errors, "table")
  local lines = {}
  for i, e in ipairs(errors) do
    lines[i] = (e.path == "" and "/" or e.path) .. ": " .. e.message
  end
  return table.concat(lines, "\n")
end

return schema
