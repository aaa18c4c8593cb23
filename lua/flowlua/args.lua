--- Argument checks for public functions, in the words of Lua's own
-- (luaL_argerror): `bad argument #2 to 'create' (table expected, got nil)`.
-- A mistake in a call raises at once, at the line of the caller's caller
-- (the line that called the public function), naming the function and the
-- argument; docs/internals.md, "Errors and arguments", has the rule.
-- @module flowlua.args

local args = {}

--- Raises `bad argument #n to 'fname' (why)` at the line that called the
-- function that calls this; from a helper of that function, `depth` says
-- how many helpers stand between (default 0).
-- @tparam integer n the argument's position
-- @tparam string fname the public function's name
-- @tparam string why what is wrong
-- @tparam[opt] integer depth helpers between the public function and this
function args.fail(n, fname, why, depth)
  error(("bad argument #%d to '%s' (%s)"):format(n, fname, why),
    3 + (depth or 0))
end

--- How a value reads after "got" in a message: its type, or `no value`
-- for nil (as Lua's own messages say): for the `why` of `fail` when an
-- argument must be more than a type.
-- @param value the argument
-- @treturn string
-- @usage args.fail(1, "get", "run id expected, got " .. args.got(id))
function args.got(value)
  return value == nil and "no value" or type(value)
end

-- "table expected, got number"; an optional argument ("nil" among the
-- types) reads as Lua's own: its other types are named.
local function expected_types(value, types)
  local named = {}
  for _, t in ipairs(types) do
    if t ~= "nil" then named[#named + 1] = t end
  end
  return ("%s expected, got %s"):format(table.concat(named, " or "),
    args.got(value))
end

--- Returns `value` when its type is one of `...`, else raises naming the
-- argument.
-- @tparam integer n the argument's position
-- @tparam string fname the public function's name
-- @param value the argument
-- @param ... the type names allowed ("nil" for an optional argument)
-- @return value
-- @usage args.check(1, "read", path, "string")
function args.check(n, fname, value, ...)
  local t = type(value)
  for i = 1, select("#", ...) do
    if t == select(i, ...) then return value end
  end
  args.fail(n, fname, expected_types(value, { ... }), 1)
end

--- Returns the options table `opts` (or a new empty one for nil); raises
-- naming the argument when it is not a table or has a key not in `known`
-- (a set of names). Never call it, nor `check`, as a tail call (`return
-- args.check(...)`): the caller's line would be lost.
-- @tparam integer n the argument's position
-- @tparam string fname the public function's name
-- @param opts the options
-- @tparam table known `{ name = true, ... }`
-- @treturn table opts
function args.options(n, fname, opts, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    args.fail(n, fname, expected_types(opts, { "table" }), 1)
  end
  for k in pairs(opts) do
    if not known[k] then
      args.fail(n, fname, ("unknown option '%s'"):format(tostring(k)), 1)
    end
  end
  return opts
end

return args
