-- A workspace for the plan and apply specs: an emulator in its own
-- process, a temporary directory holding the desired-state files (and
-- flowlua's state store, `.flowlua/state.db`), and the flowlua executable
-- run there as a real process. Drift is made through raw API calls, as
-- the UI would make it, never through the client under test.
--
--   local pw = require("support.plan_workspace")
--   local w = pw.open{ sandbox = "plan" }          -- or faults = "drop=0.2"
--   w:write(pw.flows{ { "acme" }, { "beta", state = "disabled" } })
--   local out, err, code = w:flowlua{ "plan", w.file }
--   w:find("flows", "acme flow").state
--   w:close()
local fs = require("support.fs")
local proc = require("support.proc")
local emu = require("support.emulator")
local fsvc = require("support.flow_service")
local trees = require("support.trees")
local json = require("flowlua.json")

local pw = {}

--- The value `env:AFS_KEY` stands for in every workspace's runs.
pw.SECRET = "pl4n-s3cret-value"

local TREE = [[
  %s = {%s
    base = { name = "%s base", spec = "%s",
      auth = { specName = "Basic Authentication",
        params = { host = "%s.file.core.windows.net", userid = "%s",
          password = "env:AFS_KEY" } } },
    source = { name = "%s source", data = { format = "delimited" },
      params = { path = "/%s/account.csv", type = "file" } },
    target = { name = "%s target", spec = "%s",
      data = { schema = { id = "https://ns.adobe.com/acme/schemas/1",
        version = "application/vnd.adobe.xed-full+json;version=1" } },
      params = { dataSetId = "5f3c3cedb2805c194ff0b69a" } },
    flow = { name = "%s flow", spec = "CloudStorageToAEP" },
  },
]]

--- The text of one tree of a desired-state file: `{name, state = S}`
-- (entities named "NAME base", "NAME source", ...).
function pw.tree(t)
  local n = t[1]
  local state = t.state and ('\n    state = "%s",'):format(t.state) or ""
  return TREE:format(n, state, n, emu.AZURE, n, n, n, n, n, emu.DATA_LAKE, n)
end

--- The text of a desired-state file holding the trees (as `pw.tree`).
function pw.flows(list)
  local parts = { "return {\n" }
  for _, t in ipairs(list) do parts[#parts + 1] = pw.tree(t) end
  parts[#parts + 1] = "}\n"
  return table.concat(parts)
end

--- The legend `flowlua plan` shows on a terminal, above the trees.
pw.LEGEND = "Actions: + create, ~ update (its JSON Patch below), - delete, "
  .. "> publish, enable or disable, = kept"

--- What `flowlua plan` shows on a terminal for tree `name` (as `pw.tree`)
-- when it creates the whole tree: its heading and four creates.
function pw.created_tree(name)
  return table.concat({ "tree " .. name,
    ('  + create base connection "%s base"'):format(name),
    ('  + create source connection "%s source"'):format(name),
    ('  + create target connection "%s target"'):format(name),
    ('  + create flow "%s flow"'):format(name) }, "\n")
end

local Workspace = {}
Workspace.__index = Workspace

--- Starts an emulator (`opts.faults` its --faults) and makes a workspace
-- for `opts.sandbox` (default "plan"), its desired-state file holding
-- `opts.trees` (as `pw.flows`) when given.
function pw.open(opts)
  opts = opts or {}
  local dir = fsvc.tmpdir()
  local args = { "--state", dir .. "/emulator.json" }
  if opts.faults then args[#args + 1], args[#args + 2] = "--faults",
    opts.faults end
  local server = assert(emu.spawn(args))
  local sandbox = opts.sandbox or "plan"
  local w = setmetatable({ dir = dir, server = server, sandbox = sandbox,
    settings = trees.settings_for(server.url, sandbox),
    file = dir .. "/flows.lua" }, Workspace)
  if opts.trees then w:write(pw.flows(opts.trees)) end
  return w
end

--- Writes a desired-state file (default the workspace's `flows.lua`).
function Workspace:write(text, path)
  path = path or self.file
  fs.write(path, text)
  return path
end

--- The environment of a run (the emulator's settings, AFS_KEY).
function Workspace:env()
  return fsvc.env(self.settings, { AFS_KEY = pw.SECRET })
end

--- Runs flowlua with `args` and `--sandbox` in the workspace's
-- directory; stdout, stderr and the exit status.
function Workspace:flowlua(args)
  local argv = table.move(args, 1, #args, 1, {})
  argv[#argv + 1] = "--sandbox"
  argv[#argv + 1] = self.sandbox
  return proc.run(argv, { cwd = self.dir, env = self:env() })
end

-- The shell words of a run (as `Workspace:flowlua`): the environment
-- assignments, and the command with its arguments.
local function shell_words(self, args)
  local words = { proc.quote(proc.BIN) }
  for _, a in ipairs(args) do words[#words + 1] = proc.quote(a) end
  words[#words + 1] = "--sandbox " .. proc.quote(self.sandbox)
  local vars = {}
  for k, v in pairs(self:env()) do
    vars[#vars + 1] = k .. "=" .. proc.quote(v)
  end
  return table.concat(vars, " "), table.concat(words, " ")
end

--- Runs flowlua as `Workspace:flowlua` does, on a terminal (a
-- pseudo-terminal of script(1)) that `input` is typed into; what the
-- program wrote there (stdout and stderr, with "\n" line ends) and the
-- exit status. The terminal echoes the input as soon as it is typed,
-- wherever the program's output then stands: that echo is taken out.
-- `NO_COLOR` is unset unless `extra` (more environment) sets it.
function Workspace:flowlua_tty(args, input, extra)
  local vars, words = shell_words(self, args)
  for k, v in pairs(extra or {}) do
    vars = vars .. " " .. k .. "=" .. proc.quote(v)
  end
  local shown = os.tmpname()
  local cmd = ("cd %s && printf %%s %s | env -u NO_COLOR %s script -qec %s "
    .. "/dev/null >%s"):format(proc.quote(self.dir), proc.quote(input), vars,
      proc.quote(words), shown)
  local _, _, code = os.execute(cmd)
  local text = fs.take(shown):gsub("\r\n", "\n")
  local at = input ~= "" and text:find(input, 1, true)
  if at then text = text:sub(1, at - 1) .. text:sub(at + #input) end
  return text, code
end

--- Starts flowlua with `args` (as `Workspace:flowlua`) in the
-- background, waits until its stdout holds `n` lines starting with
-- `prefix`, then kills it with SIGKILL; its stdout so far.
function Workspace:flowlua_killed(args, prefix, n)
  local vars, words = shell_words(self, args)
  local out = os.tmpname()
  os.execute(("cd %s || exit 1; env %s %s >%s 2>/dev/null </dev/null & "
    .. "pid=$!; i=0; while [ $i -lt 2000 ]; do "
    .. "[ \"$(grep -c %s %s)\" -ge %d ] && break; sleep 0.01; i=$((i+1)); "
    .. "done; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; true")
    :format(proc.quote(self.dir), vars,
      words, out, proc.quote("^" .. prefix), out, n))
  return fs.take(out)
end

--- The emulator's request tally (`GET /emulator/requests`, which draws
-- no fault): `{total =, requests = {KIND = n}}`.
function Workspace:tally()
  return emu.tally(self.server.url)
end

--- A raw request below the Flow Service base, as the UI would send it;
-- the decoded answer (asserted to be a success).
function Workspace:raw(method, path, body, headers)
  local r = fsvc.raw(self.settings)
  local h = { ["Content-Type"] = "application/json" }
  for k, v in pairs(r.headers) do h[k] = v end
  for k, v in pairs(headers or {}) do h[k] = v end
  local res = assert(r.http:request{ method = method, url = r.url .. path,
    headers = h, body = body and json.encode(body) or nil })
  r.http:close()
  assert(res.status < 300, path .. ": " .. res.status .. " " .. res.body)
  if res.body ~= "" then return json.decode(res.body) end
end

--- Deletes the live entities of a tree (as `pw.tree` names them) as the
-- UI would, flowlua not told: the flow first, then its connections.
-- `kinds` limits it (default all: "flows", "sourceConnections",
-- "targetConnections", "connections").
function Workspace:delete_outside(tree, kinds)
  kinds = kinds or { "flows", "sourceConnections", "targetConnections",
    "connections" }
  local suffix = { flows = "flow", sourceConnections = "source",
    targetConnections = "target", connections = "base" }
  for _, collection in ipairs(kinds) do
    local e = assert(self:find(collection, tree .. " " .. suffix[collection]))
    self:raw("DELETE", "/" .. collection .. "/" .. e.id, nil,
      { ["If-Match"] = e.etag })
  end
end

--- Changes a live entity's field with a JSON Patch, as the UI would.
function Workspace:drift(collection, name, path, value)
  local e = self:find(collection, name)
  self:raw("PATCH", "/" .. collection .. "/" .. e.id, { { op = "replace",
    path = path, value = value } }, { ["If-Match"] = e.etag })
  return e
end

--- The live entity of a collection ("flows", ...) with that name.
function Workspace:find(collection, name)
  local s = trees.seeder(self.settings, self.sandbox)
  local found
  for _, e in ipairs(s.raw:all("/" .. collection)) do
    if e.name == name then found = e end
  end
  s:close()
  return found
end

--- The census of the workspace's sandbox: counts and items by kind.
function Workspace:census()
  return trees.census(self.settings)
end

--- The census counts as a list: base, source, target connections, flows.
function Workspace:counts()
  local n = self:census()
  return { n.connections, n.sourceConnections, n.targetConnections,
    n.flows }
end

--- What the emulator holds, read from its state file (written before
-- each change is answered; reading it draws no fault): the entities of
-- the workspace's sandbox by collection ("flows", ...).
function Workspace:stored()
  local doc = json.decode(fs.read(self.dir .. "/emulator.json") or "{}")
  local box = doc.sandboxes and doc.sandboxes[self.sandbox] or {}
  local out = {}
  for _, kind in ipairs{ "connections", "sourceConnections",
      "targetConnections", "flows" } do
    out[kind] = box[kind] or {}
  end
  return out
end

--- `Workspace:counts` from the state file (`Workspace:stored`), and the
-- stored entity of each name, by collection.
function Workspace:stored_counts()
  local all, named = self:stored(), {}
  for kind, list in pairs(all) do
    named[kind] = {}
    for _, e in ipairs(list) do named[kind][e.name] = e end
  end
  return { #all.connections, #all.sourceConnections,
    #all.targetConnections, #all.flows }, named
end

--- Stops the emulator and removes the directory.
function Workspace:close()
  if self.server then self.server:stop() end
  os.execute("rm -rf " .. proc.quote(self.dir))
end

return pw
