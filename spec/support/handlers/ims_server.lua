--- An IMS-like server for the auth specs: issues OAuth server-to-server
-- tokens at /ims/token/v3 to the one client it knows, and serves /api,
-- which accepts only the latest token. `config` is form-encoded:
-- `client_id=..&client_secret=..&scope=..&ttl=..[&echo=1]`, where echo
-- makes it misbehave by echoing the client secret in its error message.

local function unescape(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function decode_form(text)
  local out = {}
  for pair in (text or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if k then out[unescape(k)] = unescape(v) end
  end
  return out
end

local function json_error(status, code, description)
  return { status = status, headers = { ["Content-Type"] = "application/json" },
    body = ('{"error":"%s","error_description":"%s"}'):format(code, description) }
end

return function(config)
  local want = decode_form(config)
  local issued, token_requests, api_requests = 0, 0, 0
  local valid = {}

  local function token(req)
    token_requests = token_requests + 1
    if req.method ~= "POST" then return json_error(405, "invalid_request", "POST only") end
    if req.headers["content-type"] ~= "application/x-www-form-urlencoded" then
      return json_error(400, "invalid_request", "form body expected")
    end
    local f = decode_form(req.body)
    if f.grant_type ~= "client_credentials" then
      return json_error(400, "unsupported_grant_type", "grant_type")
    end
    if f.client_id ~= want.client_id or f.client_secret ~= want.client_secret then
      local said = want.echo and ("bad secret " .. tostring(f.client_secret))
        or "invalid client_secret parameter"
      return json_error(401, "invalid_client", said)
    end
    if f.scope ~= want.scope then return json_error(400, "invalid_scope", f.scope) end
    issued = issued + 1
    local value = "ims-token-" .. issued .. "-abcdefgh"
    valid = { [value] = true }
    return { status = 200, headers = { ["Content-Type"] = "application/json" },
      body = ('{"access_token":"%s","token_type":"bearer","expires_in":%s}')
        :format(value, want.ttl or "86399") }
  end

  local function api(req)
    api_requests = api_requests + 1
    local bearer = (req.headers.authorization or ""):match("^Bearer (.+)$")
    if not valid[bearer] then
      return { status = 401, body = '{"error_code":"401013","message":"Oauth token is not valid"}' }
    end
    return { status = 200, body = ("api-key=%s org=%s sandbox=%s"):format(
      req.headers["x-api-key"], req.headers["x-gw-ims-org-id"],
      req.headers["x-sandbox-name"]) }
  end

  local routes = {
    ["/ims/token/v3"] = token,
    ["/api"] = api,
    ["/revoke"] = function()
      valid = {}
      return { status = 204 }
    end,
    ["/broken/ims/token/v3"] = function()
      token_requests = token_requests + 1
      return { status = 500, body = "<html>internal error</html>" }
    end,
    ["/stats"] = function()
      return { status = 200, body = ("token_requests=%d api_requests=%d")
        :format(token_requests, api_requests) }
    end,
  }

  return function(req)
    local route = routes[req.path]
    if not route then return { status = 404, body = "" } end
    return route(req)
  end
end
