-- The emulator's request tally (GET /emulator/requests): what benches and
-- specs read to prove how many round trips a client made.
local emu = require("support.emulator")
local http = require("flowlua.http")
local json = require("flowlua.json")

describe("the emulator's request tally", function()
  local e, c, raw

  setup(function()
    e = assert(emu.spawn{ "--faults", "503=0.5,seed=3" })
    -- the token request draws a fault too: asked until one gets through
    for _ = 1, 20 do
      local ok, got = pcall(emu.client, e.url, { sandbox = "tally" })
      if ok then c = got break end
    end
    assert(c, "no token in 20 attempts")
    raw = http.client{ retry = false }
  end)
  teardown(function() e:stop() end)

  local function tally(method)
    local res = assert(raw:request{ method = method or "GET",
      url = e.url .. "/emulator/requests" })
    return res.status, res.body ~= "" and json.decode(res.body) or nil
  end

  it("counts requests by method and path kind, faulted ones too", function()
    assert.equal(204, (tally("DELETE")))
    local statuses = {}
    for i = 1, 6 do
      local res = c:get(("/connectionSpecs/%s"):format(
        "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"))
      statuses[res.status] = (statuses[res.status] or 0) + 1
      c:get("/flows?property=name%3D%3D%22x" .. i .. "%22")
      c:post("/connections/0000/action?op=publish", "")
    end
    assert.is_true((statuses[503] or 0) > 0)
    local status, counts = tally()
    assert.equal(200, status)
    assert.same({ total = 18, requests = {
      ["GET /connectionSpecs/{id}"] = 6,
      ["GET /flows?query"] = 6,
      ["POST /connections/{id}/action?op=publish"] = 6,
    } }, counts)
  end)

  it("draws no fault and counts nothing for its own requests", function()
    assert.equal(204, (tally("DELETE")))
    for _ = 1, 20 do assert.equal(200, (tally())) end
    local _, counts = tally()
    assert.same({ total = 0, requests = {} }, counts)
  end)

  it("answers 405 to other methods", function()
    local res = assert(raw:request{ method = "POST",
      url = e.url .. "/emulator/requests", body = "" })
    assert.equal(405, res.status)
    assert.equal("GET, DELETE", res.headers["allow"])
  end)
end)
