-- Lists over real HTTP: property filters, orderby, limit with
-- continuation tokens and _links.next.href, count.
local emu = require("support.emulator")
local json = require("flowlua.json")

describe("emulator lists", function()
  local e, c, ids

  local function names(res)
    local out = {}
    for i, it in ipairs(res.json.items) do out[i] = it.name end
    return out
  end

  setup(function()
    e = emu.start()
    c = emu.client(e.url, { sandbox = "lists" })
    ids = {}
    for i, n in ipairs({ "delta", "alpha", "charlie", "bravo", "echo" }) do
      local body = emu.base_body()
      body.name = n
      local q = i % 2 == 0 and "?mode=draft" or ""
      ids[n] = c:post("/connections" .. q, body).json.id
    end
  end)

  teardown(function() e:stop() end)

  it("lists in creation order, wrapped in items", function()
    local res = c:get("/connections")
    assert.equal(200, res.status)
    assert.same({ "delta", "alpha", "charlie", "bravo", "echo" }, names(res))
    -- every page has _links, the last an empty href (issue 14: aepp reads
    -- it unguarded)
    assert.same({ next = { href = "" } }, res.json._links)
  end)

  it("filters with ==, != and comma lists", function()
    assert.same({ "alpha", "bravo" },
      names(c:get("/connections?property=state==draft")))
    assert.same({ "delta", "charlie", "echo" },
      names(c:get("/connections?property=state!=draft")))
    assert.same({ "delta", "echo" },
      names(c:get("/connections?property=name==echo,delta")))
    assert.same({ "alpha" },
      names(c:get("/connections?property=name==%22alpha%22")))
  end)

  it("ANDs repeated filters and compares with < > <= >=", function()
    assert.same({ "alpha" }, names(c:get(
      "/connections?property=state==draft&property=name<bravo")))
    assert.same({ "delta", "echo" },
      names(c:get("/connections?property=name>=delta")))
    assert.same({ "alpha", "bravo" },
      names(c:get("/connections?property=name<=bravo")))
    assert.same({ "delta", "charlie", "echo" },
      names(c:get("/connections?property=name>bravo")))
  end)

  it("compares numbers as numbers", function()
    local all = c:get("/connections").json.items
    local t = all[3].createdAt
    local res = c:get("/connections?property=createdAt>=" .. t)
    for _, it in ipairs(res.json.items) do
      assert.is_true(it.createdAt >= t)
    end
    assert.equal(0, #c:get("/connections?property=createdAt<1").json.items)
  end)

  it("follows nested paths and [] into arrays", function()
    assert.same({ "charlie" }, names(c:get(
      "/connections?property=id==" .. ids.charlie)))
    assert.equal(5, #c:get("/connections?property=auth.params.userid==acme")
      .json.items)
    local specs = c:get("/flowSpecs?property=targetConnectionSpecIds[]=="
      .. emu.DATA_LAKE)
    assert.equal(2, #specs.json.items)
    specs = c:get("/flowSpecs?property=sourceConnectionSpecIds=="
      .. "bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb")
    assert.same({ "Stream data without transformation" }, names(specs))
  end)

  it("orders ascending, with +, and descending with -", function()
    assert.same({ "alpha", "bravo", "charlie", "delta", "echo" },
      names(c:get("/connections?orderby=name")))
    assert.same({ "alpha", "bravo", "charlie", "delta", "echo" },
      names(c:get("/connections?orderby=%2Bname")))
    assert.same({ "echo", "delta", "charlie", "bravo", "alpha" },
      names(c:get("/connections?orderby=-name")))
  end)

  it("pages with limit, continuationToken and _links.next.href", function()
    local res = c:get("/connections?limit=2&orderby=name&property=name!=echo")
    assert.same({ "alpha", "bravo" }, names(res))
    local href = res.json._links.next.href
    assert.matches("^/connections%?continuationToken=[%w%-_]+$", href)
    res = c:get(href)
    assert.same({ "charlie", "delta" }, names(res))
    assert.same({ next = { href = "" } }, res.json._links)
    -- the token alone, as a client that parses it out of the href sends it
    local token = href:match("continuationToken=(.*)$")
    res = c:get("/connections?continuationToken=" .. token)
    assert.same({ "charlie", "delta" }, names(res))
  end)

  it("counts with count=true", function()
    local res = c:get("/connections?count=true&property=state==draft")
    assert.equal(200, res.status)
    assert.same({ count = 2 }, res.json)
  end)

  it("refuses limit with count (1401-400)", function()
    local res = c:get("/connections?count=true&limit=1")
    emu.refusal(res, "1401-400")
  end)

  it("refuses bad filters, orders, limits and tokens", function()
    local res = c:get("/connections?property=name")
    emu.refusal(res, "1100-400")
    res = c:get("/connections?orderby=-")
    emu.refusal(res, "1432-400")
    res = c:get("/connections?limit=0")
    assert.equal(400, res.status)
    res = c:get("/connections?continuationToken=%21%21")
    assert.equal(400, res.status)
    assert.equal("The continuationToken is not valid", emu.message(res))
    -- well-formed base64url of JSON the emulator did not write
    for _, forged in ipairs({ "eyJzIjoxLCJmIjoxfQ", "eyJzIjotMSwiZiI6W119",
        "eyJzIjowLCJmIjpbXSwibyI6e319", "eyJzIjowLCJmIjpbXSwibCI6MH0" }) do
      res = c:get("/connections?continuationToken=" .. forged)
      assert.equal(400, res.status, forged)
    end
  end)

  it("pages 100 items at a time when no limit is given", function()
    local cc = emu.client(e.url, { sandbox = "many" })
    for i = 1, 101 do
      local body = emu.base_body()
      body.name = ("n%03d"):format(i)
      assert.equal(201, cc:post("/connections", body).status)
    end
    local res = cc:get("/connections")
    assert.equal(100, #res.json.items)
    local rest = cc:get(res.json._links.next.href)
    assert.same({ "n101" }, names(rest))
    assert.same({ count = 101 }, cc:get("/connections?count=true").json)
  end)

  it("lists runs (none yet) like the others", function()
    local res = c:get("/runs")
    assert.equal(200, res.status)
    assert.equal(json.array, getmetatable(res.json.items))
    assert.equal(0, #res.json.items)
  end)
end)
