--- flowlua.json: the exact JSON codec of the C core (src/json/).
-- @module flowlua.json
return require("flowlua.core").json
