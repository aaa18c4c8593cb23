--- `flowlua inventory [OPTIONS]`: every flow tree of a sandbox as a table
-- drawn as a tree (flow, its source connections with their base
-- connection, its target connections), the orphans, and a count line;
-- `--json` prints one JSON document instead (flowlua.fleet.inventory).
-- @module flowlua.cli.inventory

local command = require("flowlua.cli.command")
local options = require("flowlua.cli.options")
local service = require("flowlua.cli.service")
local term = require("flowlua.cli.term")
local tree_view = require("flowlua.cli.tree_view")
local inventory = require("flowlua.fleet.inventory")
local json = require("flowlua.json")

local USAGE = "usage: flowlua inventory [--json] [--older-than AGE] "
  .. "[--page-size N] " .. service.USAGE

local SPECS = service.specs{
  options.json "trees, orphans, counts",
  { "--older-than AGE", "flag drafts created longer ago than AGE: 30d, "
    .. "12h, 90m, 45s (default 7d)", default = "7d" },
  { "--page-size N", ("items asked for per page, 1 to 1000 (default %d)")
    :format(inventory.PAGE_SIZE) },
}

local cmd = command.new{ usage = USAGE, options = SPECS,
  about = [[
Lists every flow tree in the sandbox: the flow, its source connections and
their base connection, its target connections; with each entity's state
(draft, enabled, disabled) and spec name, the flow's last run, and the
workflow of flowlua's state that knows the tree ("-": made elsewhere: the
UI, another tool). Orphans follow: connections no flow uses and drafts
older than --older-than. Each collection is listed once, page by page.

On a terminal each tree is drawn with branches, in colour unless NO_COLOR
is set; through a pipe or into a file, a plain table.]],
  after = [[
Exit status: 0 the inventory was printed, 1 the service could not be read,
2 usage error.]] }

local UNITS = { d = 86400, h = 3600, m = 60, s = 1 }

-- "30d", "12h", "90m", "45s" → seconds.
local function age(text)
  local n, unit = tostring(text):match("^(%d+)([dhms])$")
  if n == nil then
    options.usage_error("--older-than must be a number and a unit (d, h, m "
      .. "or s), e.g. 30d", USAGE)
  end
  return tonumber(n) * UNITS[unit]
end

local function page_size(text)
  if text == nil then return inventory.PAGE_SIZE end
  local n = math.tointeger(tonumber(text))
  if n == nil or n < 1 or n > 1000 then
    options.usage_error("--page-size must be an integer from 1 to 1000", USAGE)
  end
  return n
end

----------------------------------------------------------------------
-- The table
----------------------------------------------------------------------

local clean = service.clean

local function utc(ms)
  if type(ms) ~= "number" then return "" end
  return os.date("!%Y-%m-%d %H:%M", ms // 1000)
end

local function spec_text(n)
  if n.spec == nil then return "-" end
  return clean(n.spec.name or n.spec.id)
end

local function last_run_text(n)
  local r = n.last_run
  if r == nil then return n.kind == "flow" and "none" or "" end
  return ("%s %s"):format(clean(r.state), utc(r.completed_at or r.started_at))
end

local HEADER = { "KIND", "ID", "STATE", "SPEC", "LAST RUN", "WORKFLOW",
  "NAME" }

local function row(depth, label, n, extra)
  if n.missing then
    return { ("  "):rep(depth) .. label, clean(n.id), "missing", "", "", "",
      "(referenced, but not in the sandbox)" }
  end
  return { ("  "):rep(depth) .. label, clean(n.id), clean(n.state),
    spec_text(n), extra or "", n.workflow and clean(n.workflow) or "-",
    clean(n.name) }
end

local function tree_rows(t, rows)
  rows[#rows + 1] = row(0, "flow", t, last_run_text(t))
  for _, s in ipairs(t.sources) do
    rows[#rows + 1] = row(1, "source", s)
    if s.base then rows[#rows + 1] = row(2, "base", s.base) end
  end
  for _, g in ipairs(t.targets) do
    rows[#rows + 1] = row(1, "target", g)
    if g.base then rows[#rows + 1] = row(2, "base", g.base) end
  end
end

local WORDS = { connection = "base", source = "source", target = "target",
  flow = "flow" }

local function orphan_rows(list)
  local rows = { { "KIND", "ID", "STATE", "SPEC", "CREATED", "WHY",
    "NAME" } }
  for _, o in ipairs(list) do
    rows[#rows + 1] = { WORDS[o.kind], clean(o.id), clean(o.state),
      spec_text(o), utc(o.created_at), table.concat(o.reasons, ", "),
      clean(o.name) }
  end
  return rows
end

local columns = require("flowlua.cli.columns")

local function plural(n, word)
  return ("%d %s%s"):format(n, word, n == 1 and "" or "s")
end

local function days(seconds)
  if seconds % 86400 == 0 then return plural(seconds // 86400, "day") end
  if seconds % 3600 == 0 then return plural(seconds // 3600, "hour") end
  return plural(seconds, "second")
end

local PLAIN = { trees = columns, table = columns,
  line = function(text) return text end }

--- The inventory as text: the trees, the orphans, a count line.
-- @tparam table inv flowlua.fleet.inventory.assemble's result
-- @tparam string sandbox the sandbox's name
-- @tparam[opt] table style how to draw: `{trees = fn(rows), table =
--   fn(rows), line = fn(text)}` (flowlua.cli.tree_view.style; default
--   plain tables)
-- @treturn string
function cmd.render(inv, sandbox, style)
  style = style or PLAIN
  local out = {}
  if #inv.trees > 0 then
    local rows = { HEADER }
    for _, t in ipairs(inv.trees) do tree_rows(t, rows) end
    out[#out + 1] = style.trees(rows)
  end
  if #inv.orphans > 0 then
    out[#out + 1] = ("Orphans (connections no flow uses, drafts older than "
      .. "%s):\n%s"):format(days(inv.older_than), style.table(orphan_rows(
        inv.orphans)))
  end
  local n = inv.counts
  out[#out + 1] = style.line(("sandbox %s: %s (%d draft, %d enabled, %d disabled), "
    .. "%d known to flowlua, %d made elsewhere; %s"):format(clean(sandbox),
    plural(n.flows, "flow"), n.draft, n.enabled, n.disabled, n.known,
    n.elsewhere, plural(n.orphans, "orphan")))
  return table.concat(out, "\n\n")
end

--- Runs the command.
-- @tparam table opts the parsed options
-- @treturn integer exit status
function cmd.run(opts)
  if #opts.operands > 0 then
    options.usage_error("unexpected argument '" .. opts.operands[1] .. "'",
      USAGE)
  end
  local older_than, size = age(opts.older_than), page_size(opts.page_size)
  return service.with_client(opts, USAGE, function(c)
    local inv = inventory.assemble(inventory.gather(c, { page_size = size }),
      { older_than = older_than })
    local requests = 0
    for _, n in pairs(c:request_counts()) do requests = requests + n end
    if opts.json then
      inv.sandbox, inv.requests = c.settings.sandbox, requests
      io.stdout:write(json.encode(inv, { sort_keys = true }), "\n")
    else
      io.stdout:write(cmd.render(inv, c.settings.sandbox, term.is_tty()
        and tree_view.style(term.painter(term.colour())) or nil), "\n")
    end
    service.report_requests(c, ("inventory of %d entities"):format(
      inv.counts.entities))
    return 0
  end)
end

return cmd
