-- Helpers for specs that talk to the Flow Service emulator over real HTTP.
--
--   local emu = require("support.emulator")
--   local e = emu.spawn{ "--faults", "latency=5ms" }  -- its own process
--   local e = emu.start{ state = path }               -- in this process
--   local c = emu.client(e.url)         -- curl(1)-based, with a token
--   local res = c:post("/connections?mode=draft", body_table)
--   res.status, res.headers["etag"], res.json
--   e:stop()
--
-- Requests go through curl(1) so they are independent of flowlua's own
-- HTTP client (which the emulator helps test).
local fs = require("support.fs")
local proc = require("support.proc")
local json = require("flowlua.json")
local sys = require("flowlua.core").sys

local emu = {}

emu.BASE = "/data/foundation/flowservice"
emu.ORG = "SPEC0ORG0000000000000000@AdobeOrg"

local Process = {}
Process.__index = Process

--- Stops the process with SIGTERM (or `signal`) and returns its exit
-- status and stderr; the folder it served (spawn_storage) is removed.
function Process:stop(signal)
  if self.pipe == nil then return self.status, self.stderr end
  os.execute(("kill -%s %d 2>/dev/null"):format(signal or "TERM", self.pid))
  local rest = self.pipe:read("a")
  local _, _, code = self.pipe:close()
  self.pipe = nil
  self.status, self.rest = code, rest
  self.stderr = fs.read(self.errfile) or ""
  os.remove(self.errfile)
  if self.files_dir then fs.remove(self.files_dir) end
  return code, self.stderr
end

--- Starts `flowlua emulator ARGS...` in its own process on a free port.
-- Returns the process handle (url, port, pid, first_line, stop()), or nil
-- and the process's stderr and exit status when it did not start.
function emu.spawn(args, opts)
  opts = opts or {}
  local words = { proc.quote(opts.bin or proc.BIN), "emulator" }
  for _, a in ipairs(args or {}) do words[#words + 1] = proc.quote(a) end
  local errfile = os.tmpname()
  local cmd = ("sh -c 'echo $$; exec \"$0\" \"$@\"' %s 2>%s </dev/null")
    :format(table.concat(words, " "), errfile)
  if opts.cwd then cmd = "cd " .. proc.quote(opts.cwd) .. " && " .. cmd end
  local pipe = assert(io.popen(cmd, "r"))
  local pid = tonumber(pipe:read("l"))
  local first = pipe:read("l")
  local p = setmetatable({ pipe = pipe, pid = pid, errfile = errfile,
    first_line = first }, Process)
  local url = first and first:match("^listening on (https?://[%d%.]+:%d+)$")
  if url == nil then
    local _, _, code = pipe:close()
    p.pipe = nil
    local err = fs.read(errfile) or ""
    os.remove(errfile)
    return nil, err, code
  end
  p.url, p.port = url, tonumber(url:match(":(%d+)$"))
  return p
end

local InProcess = {}
InProcess.__index = InProcess
function InProcess:stop() self.handle:close() end

--- Spawns `flowlua emulator ARGS... --files DIR` serving a fresh folder
-- DIR that holds `files` (path -> text, as fs.tree); returns the process
-- (whose `stop` removes DIR too) and a client of it.
function emu.spawn_storage(files, args)
  local dir = fs.tree(files)
  local all = table.move(args or {}, 1, #(args or {}), 1, {})
  all[#all + 1], all[#all + 2] = "--files", dir
  local e = assert(emu.spawn(all))
  e.files_dir = dir
  return e, emu.client(e.url)
end

--- Starts the emulator inside this process and returns it with a client
-- of it: `setup(function() e, c = emu.serve() end)`.
function emu.serve(opts)
  local e = emu.start(opts)
  return e, emu.client(e.url)
end

--- flowlua.connect settings for an emulator at `url` (its default
-- credentials, no token given: the client asks the emulator's IMS).
function emu.settings_for(url, sandbox)
  local emulator = require("flowlua.emulator")
  return { endpoint = url, ims_url = url, client_id = emulator.CLIENT_ID,
    client_secret = emulator.CLIENT_SECRET, org_id = emulator.ORG_ID,
    scopes = emulator.SCOPES, access_token = false, sandbox = sandbox }
end

--- Starts the emulator inside this process (flowlua.emulator.start).
function emu.start(opts)
  local handle = require("flowlua.emulator").start(opts or {})
  return setmetatable({ handle = handle, url = handle.url,
    port = handle.port }, InProcess)
end

local function parse_headers(text)
  local headers = {}
  -- Only the last response's headers (curl writes each one it sees).
  local last = text:match(".*\r?\n\r?\n(HTTP/.-)$") or text
  for line in last:gmatch("[^\r\n]+") do
    local k, v = line:match("^([^:]+):%s*(.-)%s*$")
    if k then headers[k:lower()] = v end
  end
  return headers
end

--- One HTTP request with curl(1).
-- opts: method, url, headers (table), body (string), timeout (seconds)
-- → {status (0 when no response), headers (lower-case), body, json,
--    exit (curl's exit status)}
function emu.request(opts)
  local hfile, bfile, infile = os.tmpname(), os.tmpname(), nil
  local words = { "curl", "-s", "-X", opts.method or "GET", "-D", hfile,
    "-o", bfile, "-w", "'%{http_code}'", "--max-time",
    tostring(opts.timeout or 10) }
  for k, v in pairs(opts.headers or {}) do
    words[#words + 1] = "-H"
    words[#words + 1] = proc.quote(k .. ": " .. v)
  end
  if opts.body then
    infile = os.tmpname()
    local f = assert(io.open(infile, "wb"))
    f:write(opts.body)
    f:close()
    words[#words + 1] = "--data-binary"
    words[#words + 1] = "@" .. infile
  end
  words[#words + 1] = proc.quote(opts.url)
  local p = assert(io.popen(table.concat(words, " ")))
  local code = p:read("a")
  local _, _, exit = p:close()
  local res = { status = tonumber(code) or 0, exit = exit,
    headers = parse_headers(fs.read(hfile) or ""), body = (fs.read(bfile) or "") }
  os.remove(hfile)
  os.remove(bfile)
  if infile then os.remove(infile) end
  res.json = json.decode(res.body)
  return res
end

-- The emulator's own route is asked through curl(1) (emu.request), so no
-- connection is left open in the busted process for the processes later
-- specs start to inherit.

--- The emulator's request tally (`GET /emulator/requests`, which draws
-- no fault): `{total =, requests = {KIND = n}}`.
function emu.tally(url)
  return emu.request{ url = url .. "/emulator/requests" }.json
end

--- Clears the emulator's request tally.
function emu.reset_tally(url)
  emu.request{ method = "DELETE", url = url .. "/emulator/requests" }
end

--- The JSON Patch that makes a draft flow schedulable: the mapping, and
-- a schedule from 2030 every `interval` `frequency` ("hour", 1).
function emu.schedule_patch(frequency, interval)
  return {
    { op = "add", path = "/transformations", value = { { name = "Mapping",
      params = { mappingId = "bf5286a9c1ad4266baca76ba3adc9366",
        mappingVersion = "0" } } } },
    { op = "add", path = "/scheduleParams", value = { startTime = 1900000000,
      frequency = frequency, interval = interval } },
  }
end

--- The catalogue code of a Flow Service error ("1439-404"), read from the
-- documented `type` (`https://ns.adobe.com/aep/errors/FLOW-1439-404`);
-- nil for any other body.
function emu.code(res)
  local t = type(res.json) == "table" and res.json.type
  return type(t) == "string"
    and t:match("^https://ns%.adobe%.com/aep/errors/FLOW%-(%d+%-%d%d%d)$")
    or nil
end

--- Asserts that `res` is the Flow Service error `code` ("1413-400"), with
-- the status the code ends with; returns its message (emu.message).
-- (Plain assert: busted's assert.* reach spec files, not their modules.)
function emu.refusal(res, code)
  local status = tonumber(code:match("%-(%d%d%d)$"))
  assert(res.status == status and emu.code(res) == code,
    ("expected %s (status %d), got status %s, code %s: %s"):format(code,
      status, res.status, emu.code(res), res.body))
  return emu.message(res)
end

--- The message of a Flow Service error: `report["detailed-message"]`,
-- which `errorDetails` repeats.
function emu.message(res)
  local r = type(res.json) == "table" and res.json.report
  local text = type(r) == "table" and r["detailed-message"] or nil
  assert(text == nil or res.json.errorDetails == text,
    "errorDetails differs from report.detailed-message")
  return text
end

--- Gets a token from the emulator's IMS.
function emu.token(url, client_id, secret)
  local res = emu.request{ method = "POST", url = url .. "/ims/token/v3",
    headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
    body = ("grant_type=client_credentials&client_id=%s&client_secret=%s"
      .. "&scope=openid,AdobeID"):format(client_id or "spec-client",
      secret or "spec-secret") }
  assert(res.status == 200, "token request failed: " .. res.body)
  return res.json.access_token
end

local Client = {}
Client.__index = Client

--- A client for the Flow Service paths: the usual gateway headers, a
-- token from the emulator's IMS, an optional sandbox.
function emu.client(url, opts)
  opts = opts or {}
  local client_id = opts.client_id or "spec-client"
  local token = opts.token or emu.token(url, client_id, opts.secret)
  return setmetatable({ url = url, headers = {
    Authorization = "Bearer " .. token, ["x-api-key"] = client_id,
    ["x-gw-ims-org-id"] = emu.ORG,
    ["x-sandbox-name"] = opts.sandbox or "prod" } }, Client)
end

--- A request under the Flow Service base path. `body` may be a table
-- (encoded as JSON) or a string (sent as is); `headers` are added to
-- (or, with a false value, removed from) the client's.
function Client:request(method, path, body, headers)
  local h = {}
  for k, v in pairs(self.headers) do h[k] = v end
  if body ~= nil then h["Content-Type"] = "application/json" end
  for k, v in pairs(headers or {}) do h[k] = v or nil end
  if type(body) == "table" then body = json.encode(body) end
  return emu.request{ method = method, url = self.url .. emu.BASE .. path,
    headers = h, body = body }
end

function Client:get(path, headers) return self:request("GET", path, nil, headers) end
function Client:post(path, body, headers)
  return self:request("POST", path, body, headers)
end
function Client:patch(path, body, headers)
  return self:request("PATCH", path, body, headers)
end
function Client:delete(path, headers)
  return self:request("DELETE", path, nil, headers)
end

--- Bodies of the seed tutorial's entities (with its JSON corrected).
emu.AZURE = "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8"
emu.DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
emu.CLOUD_TO_AEP = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
emu.DLZ = "26f526f2-58f4-4712-961d-e41bf1ccc0e8"
emu.HTTP_API = "bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb"

function emu.base_body(params)
  return { name = "ACME Azure File Storage Base Connection",
    auth = { specName = "Basic Authentication", params = params or
      { host = "acme.file.core.windows.net", userid = "acme",
        password = "s3cret" } },
    connectionSpec = { id = emu.AZURE, version = "1.0" } }
end

function emu.source_body(base_id)
  return { name = "ACME Azure File Storage Source Connection",
    baseConnectionId = base_id, data = { format = "delimited" },
    params = { path = "/acme/summerCampaign/account.csv", type = "file" },
    connectionSpec = { id = emu.AZURE, version = "1.0" } }
end

function emu.target_body()
  return { name = "ACME Azure File Storage Target Connection",
    data = { schema = { id = "https://ns.adobe.com/acme/schemas/1",
      version = "application/vnd.adobe.xed-full+json;version=1" } },
    params = { dataSetId = "5f3c3cedb2805c194ff0b69a" },
    connectionSpec = { id = emu.DATA_LAKE, version = "1.0" } }
end

function emu.flow_body(src, tgt)
  return { name = "ACME Azure File Storage Dataflow",
    sourceConnectionIds = json.array{ src },
    targetConnectionIds = json.array{ tgt },
    flowSpec = { id = emu.CLOUD_TO_AEP, version = "1.0" } }
end

--- The text of a `flowlua run` script that creates one draft base
-- connection (`base`, as emu.base_body's) on a client connected with
-- `settings` (Lua table text, or "" for the defaults), then runs `tail`.
function emu.create_base_script(settings, tail)
  return ([[
local flowlua = require("flowlua")
local aep = flowlua.connect(%s)
local base = aep.connections:create({
  name = "ACME Azure File Storage Base Connection",
  auth = { specName = "Basic Authentication", params = {
    host = "acme.file.core.windows.net", userid = "acme",
    password = "s3cret" } },
  connectionSpec = { id = "%s", version = "1.0" } }, { draft = true })
%s
]]):format(settings, emu.AZURE, tail)
end

--- Polls the runs of a flow (oldest first) until `enough(items)` or 5 s
-- of real time; the last list read.
function emu.runs_until(c, flow_id, enough)
  local deadline = sys.monotime() + 5
  local items
  repeat
    items = c:get("/runs?property=flowId==" .. flow_id
      .. "&orderby=metrics.durationSummary.startedAtUTC").json.items
    if enough(items) then return items end
    sys.sleep(0.05)
  until sys.monotime() > deadline
  return items
end

--- For emu.runs_until: at least `n` runs are no longer in progress.
function emu.finished(n)
  return function(items)
    local done = 0
    for _, r in ipairs(items) do
      if r.metrics.statusSummary.status ~= "inProgress" then done = done + 1 end
    end
    return done >= n
  end
end

--- Creates base, source, target and flow (drafts unless `published`);
-- returns their {id, etag} responses' json by name.
function emu.chain(c, published)
  local q = published and "" or "?mode=draft"
  local out = {}
  out.base = c:post("/connections" .. q, emu.base_body()).json
  out.source = c:post("/sourceConnections" .. q,
    emu.source_body(out.base.id)).json
  out.target = c:post("/targetConnections" .. q, emu.target_body()).json
  out.flow = c:post("/flows" .. q,
    emu.flow_body(out.source.id, out.target.id)).json
  return out
end

return emu
