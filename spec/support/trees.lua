-- Flow trees for the inventory and tree-operation specs: made over plain
-- HTTP (flowlua.http, through support.flow_service's raw view), as the UI
-- or another tool would make them, never through the client under test.
--
--   local trees = require("support.trees")
--   local s = trees.seeder(settings, "inv")      -- settings_for(url)
--   local t = s:tree{ name = "t1" }              -- published, enabled
--   s:tree{ name = "d1", draft = true }          -- four drafts
--   s:tree{ name = "t2", base = t.base }         -- shares t's base
--   trees.edit_state(path, "inv", function(kind, e) ... end)
local fsvc = require("support.flow_service")
local emu = require("support.emulator")
local json = require("flowlua.json")

local trees = {}

--- Client settings for an emulator at `url` (support.emulator's).
trees.settings_for = emu.settings_for

local Seeder = {}
Seeder.__index = Seeder

--- A seeder for one sandbox of the emulator at `settings`.
function trees.seeder(settings, sandbox)
  local s = {}
  for k, v in pairs(settings) do s[k] = v end
  s.sandbox = sandbox
  return setmetatable({ raw = fsvc.raw(s) }, Seeder)
end

--- POSTs a body (a table) below the Flow Service base; the decoded answer.
function Seeder:post(path, body)
  local raw = self.raw
  local headers = { ["Content-Type"] = "application/json" }
  for k, v in pairs(raw.headers) do headers[k] = v end
  local res = assert(raw.http:request{ method = "POST", url = raw.url .. path,
    headers = headers, body = body and json.encode(body) or "" })
  assert(res.status == 200 or res.status == 201 or res.status == 202,
    path .. ": " .. res.status .. " " .. res.body)
  return json.decode(res.body)
end

--- Closes the seeder's connections (else they stay open in the busted
-- process and are inherited by the processes later specs start).
function Seeder:close()
  self.raw.http:close()
end

--- The census of the sandbox (support.flow_service's), on a connection
-- closed afterwards.
function trees.census(settings)
  local raw = fsvc.raw(settings)
  local counts, items = raw:census()
  raw.http:close()
  return counts, items
end

--- GETs a path below the Flow Service base; the decoded answer.
function Seeder:get(path)
  return self.raw:get(path)
end

--- A base connection; `opts.draft`, `opts.name`.
function Seeder:base(opts)
  local body = emu.base_body()
  body.name = opts.name
  return self:post("/connections" .. (opts.draft and "?mode=draft" or ""),
    body).id
end

--- A source connection on `base`.
function Seeder:source(opts)
  local body = emu.source_body(opts.base)
  body.name = opts.name
  return self:post("/sourceConnections"
    .. (opts.draft and "?mode=draft" or ""), body).id
end

--- A Data Lake target connection (no base connection).
function Seeder:target(opts)
  local body = emu.target_body()
  body.name = opts.name
  return self:post("/targetConnections"
    .. (opts.draft and "?mode=draft" or ""), body).id
end

--- A flow tree named `opts.name` ("NAME base", "NAME source", ...):
-- published and enabled unless `opts.draft`; `opts.disabled` disables
-- the flow; `opts.base`, `opts.source`, `opts.target` reuse those ids.
-- Returns the ids `{base=, source=, target=, flow=}`.
function Seeder:tree(opts)
  local n, q = opts.name, opts.draft and "?mode=draft" or ""
  local t = {}
  t.base = opts.base or self:base{ name = n .. " base", draft = opts.draft }
  t.source = opts.source
    or self:source{ name = n .. " source", base = t.base, draft = opts.draft }
  t.target = opts.target
    or self:target{ name = n .. " target", draft = opts.draft }
  local body = emu.flow_body(t.source, t.target)
  body.name = n .. " flow"
  t.flow = self:post("/flows" .. q, body).id
  if opts.disabled then
    self:post("/flows/" .. t.flow .. "/action?op=disable")
  end
  return t
end

--- Rewrites the emulator's state file (the emulator stopped): `fn(kind,
-- entity)` may change each entity of the sandbox in place, as the
-- service would have it after a long time or a run (`createdAt`,
-- `lastRunDetails`).
function trees.edit_state(path, sandbox, fn)
  local f = assert(io.open(path, "rb"))
  local doc = assert(json.decode(f:read("a")))
  f:close()
  for kind, list in pairs(doc.sandboxes[sandbox]) do
    if type(list) == "table" then
      for _, e in ipairs(list) do fn(kind, e) end
    end
  end
  f = assert(io.open(path, "wb"))
  f:write(json.encode(doc))
  f:close()
end

return trees
