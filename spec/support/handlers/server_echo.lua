--- A server handler for specs: answers every request with a JSON
-- description of the request it received, so specs can check exactly what
-- the server passed to Lua.
local json = require "cjson"

return function(config)
  return function(req)
    return {
      status = 200,
      headers = { ["Content-Type"] = "application/json", ["X-Config"] = config },
      body = json.encode({ method = req.method, path = req.path, query = req.query,
        headers = req.headers, body = req.body, remote = req.remote }),
    }
  end
end
