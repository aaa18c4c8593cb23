--- A server handler for specs: answers every request with a JSON
-- description of the request it received, so specs can check exactly what
-- the server passed to Lua; `/raw` answers with the request body itself
-- (byte for byte, even when it is not UTF-8).
local json = require("flowlua.json")

return function(config)
  return function(req)
    if req.path == "/raw" then return { status = 200, body = req.body } end
    return {
      status = 200,
      headers = { ["Content-Type"] = "application/json", ["X-Config"] = config },
      body = json.encode({ method = req.method, path = req.path, query = req.query,
        headers = req.headers, body = req.body, remote = req.remote }),
    }
  end
end
