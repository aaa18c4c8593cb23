--- The bench server's handler: /hello answers at once, /delay?s=S after S
-- seconds (waited by the server without holding its Lua lock).
return function()
  return function(req)
    if req.path == "/delay" then
      return { status = 200, body = "slept",
        delay = tonumber(req.query:match("s=([%d.]+)")) }
    end
    return { status = 200, headers = { ["Content-Type"] = "text/plain" },
      body = "hello" }
  end
end
