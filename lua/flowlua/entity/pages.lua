--- The items of a Flow Service list, page after page: a page that has
-- more behind it names the next one in `_links.next.href`, whose
-- `continuationToken` the next request carries.
-- @module flowlua.entity.pages

local url = require("flowlua.url")

local pages = {}

-- The continuation token of the page after `data`, or nil on the last.
local function next_token(data)
  local href = type(data._links) == "table"
    and type(data._links.next) == "table" and data._links.next.href
  return url.param(href, "continuationToken")
end

--- An iterator over the items of every page, read as they are needed.
-- @tparam table c the client
-- @tparam string path the first page's path and query
-- @tparam function next_path `function(token)`: the next page's path
-- @return an iterator yielding the service's items
function pages.items(c, path, next_path)
  local items, i = {}, 0
  return function()
    while true do
      i = i + 1
      if items[i] then return items[i] end
      if not path then return nil end
      local data = c:request("GET", path)
      items, i = data.items or {}, 0
      local token = next_token(data)
      path = token and next_path(token) or nil
    end
  end
end

return pages
