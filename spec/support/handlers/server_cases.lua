--- A server handler for specs: one path per behaviour of the server
-- (errors, bad answers, aborts, delays), plus counters the specs read back
-- to see what the server did: how many requests reached Lua and how many
-- delayed requests were waiting at the same time.
local sys = require("flowlua.core.sys")

return function(config)
  if config == "fail" then error("factory refused its config", 0) end
  local handled = 0
  local deadlines = {}      -- monotonic end of each pending delay
  local max_in_flight = 0

  --- Counts the delayed requests still waiting, this one included.
  local function in_flight(now, delay)
    local pending = { now + delay }
    for _, t in ipairs(deadlines) do
      if t > now then pending[#pending + 1] = t end
    end
    deadlines = pending
    return #pending
  end

  local routes = {
    ["/error"] = function() error("handler failed on purpose", 0) end,
    ["/error-table"] = function() error({}) end,
    ["/not-table"] = function() return "hello" end,
    ["/bad-status"] = function() return { status = 101 } end,
    ["/bad-body"] = function() return { status = 200, body = {} } end,
    ["/bad-header"] = function()
      return { status = 200, headers = { ["X-Bad"] = "a\r\nb" } }
    end,
    ["/abort"] = function() return { abort = true } end,
    ["/delay"] = function(req)
      local delay = tonumber(req.query)
      local n = in_flight(sys.monotime(), delay)
      if n > max_in_flight then max_in_flight = n end
      return { status = 200, body = "waited", delay = delay }
    end,
    ["/stats"] = function()
      return { status = 200, body = ("handled=%d max_in_flight=%d")
        :format(handled, max_in_flight) }
    end,
    ["/created"] = function()
      return { status = 201, headers = { Location = "/things/1", ["X-N"] = 7 },
        body = "" }
    end,
  }

  return function(req)
    handled = handled + 1
    local route = routes[req.path]
    if not route then return { status = 404, body = "no route " .. req.path } end
    return route(req)
  end
end
