--- flowlua: Adobe Experience Platform Flow Service workflows in Lua.
-- `local flowlua = require "flowlua"`
-- @module flowlua

local core = require "flowlua.core"

local flowlua = {
  --- The flowlua version string.
  VERSION = core.version,
}

return flowlua
