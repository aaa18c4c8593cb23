-- Small table helpers the specs share.
local tables = {}

--- The number of keys of `t` (a set or a map).
function tables.count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

--- The items of `list` by their `id`.
function tables.by_id(list)
  local map = {}
  for _, item in ipairs(list) do map[item.id] = item end
  return map
end

return tables
