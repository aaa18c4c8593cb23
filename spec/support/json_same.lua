-- Deep equality of decoded JSON values, stricter than assert.same: number
-- subtypes (1 is not 1.0) and array/object marks (metatables) must match
-- too, and NaN equals NaN.
local function same(a, b)
  if type(a) ~= type(b) or math.type(a) ~= math.type(b) then return false end
  if type(a) ~= "table" then
    return a == b or (a ~= a and b ~= b)
  end
  if getmetatable(a) ~= getmetatable(b) then return false end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

return same
