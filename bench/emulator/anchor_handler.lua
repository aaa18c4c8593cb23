-- The anchor of bench/emulator: a flowlua.core.server handler that answers
-- every request with a small constant JSON body, so the emulator's figures
-- can be read as a ratio of what the server itself does.
return function()
  local res = { status = 200, headers = { ["Content-Type"] = "application/json" },
    body = '{"id":"00000000-0000-4000-8000-000000000000","etag":"\\"0\\""}' }
  return function() return res end
end
