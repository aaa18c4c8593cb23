--- flowlua.config: the settings a client needs, from the environment, a
-- profile file and the command line.
--
-- Precedence, highest first: `overrides` (the CLI's `--sandbox`, the
-- embedded emulator), environment variables (`FLOWLUA_*`), the selected
-- profile of the config file, built-in defaults.
--
-- The file (`--config FILE`, else `FLOWLUA_CONFIG`, else
-- `$XDG_CONFIG_HOME/flowlua/config.json` or
-- `~/.config/flowlua/config.json`) holds named profiles:
--
--     { "default_profile": "dev",
--       "profiles": { "dev": { "client_id": "...", "sandbox": "dev" } } }
--
-- The profile is `--profile`, else `FLOWLUA_PROFILE`, else the file's
-- `default_profile`, else `"default"` when the file has one.
-- @module flowlua.config

local args = require("flowlua.args")
local files = require("flowlua.files")
local json = require("flowlua.json")
local log = require("flowlua.log")
local runtime = require("flowlua.runtime")

local config = {}

--- Every setting, its environment variable and its default.
config.SETTINGS = {
  { key = "client_id", env = "FLOWLUA_CLIENT_ID" },
  { key = "client_secret", env = "FLOWLUA_CLIENT_SECRET", secret = true },
  { key = "org_id", env = "FLOWLUA_ORG_ID" },
  { key = "scopes", env = "FLOWLUA_SCOPES" },
  { key = "sandbox", env = "FLOWLUA_SANDBOX", default = "prod" },
  { key = "access_token", env = "FLOWLUA_ACCESS_TOKEN", secret = true },
  { key = "endpoint", env = "FLOWLUA_ENDPOINT",
    default = "https://platform.adobe.io" },
  { key = "ims_url", env = "FLOWLUA_IMS_URL",
    default = "https://ims-na1.adobelogin.com" },
  { key = "api_key", env = "FLOWLUA_API_KEY" },
  { key = "cafile", env = "FLOWLUA_CACERT" },
  -- seconds per request attempt; unset: the client's default (30)
  { key = "timeout", env = "FLOWLUA_TIMEOUT", seconds = true },
  -- the whole run's deadline, a duration such as "20m" (flowlua.stop)
  { key = "deadline", env = "FLOWLUA_DEADLINE" },
  -- the workflow state store, a path or URL (flowlua.workflow.journal;
  -- `--state` wins over both)
  { key = "state", env = "FLOWLUA_STATE" },
}

local BY_KEY = {}
for _, s in ipairs(config.SETTINGS) do BY_KEY[s.key] = s end

local function getenv(name)
  local v = os.getenv(name)
  if v == "" then return nil end
  return v
end

--- The config file to read: `file`, else runtime.config_file, else
-- FLOWLUA_CONFIG, else the default location.
-- @tparam[opt] string file an explicit path (`--config`)
-- @treturn string the path
-- @treturn boolean whether the path was chosen explicitly (a missing
--   explicit file is an error; a missing default file is not)
function config.file_path(file)
  args.check(1, "file_path", file, "string", "nil")
  file = file or runtime.config_file or getenv("FLOWLUA_CONFIG")
  if file then return file, true end
  local base = getenv("XDG_CONFIG_HOME")
    or ((getenv("HOME") or ".") .. "/.config")
  return base .. "/flowlua/config.json", false
end

-- ---------------------------------------------------------------------
-- The file

local function fail(fmt, ...)
  error(fmt:format(...), 0)
end

local function is_object(v)
  return type(v) == "table" and getmetatable(v) ~= json.array
end

local function read_file(path, explicit)
  local text, err, code = files.read(path)
  if text == nil then
    if code == 2 and not explicit then return nil end  -- ENOENT
    fail("cannot read config file %s", err)
  end
  return text
end

local function decode_file(path, text)
  local doc, err = json.decode(text)
  if doc == nil and err then fail("%s: %s", path, err) end
  if not is_object(doc) then fail("%s: expected a JSON object", path) end
  for k in pairs(doc) do
    if k ~= "default_profile" and k ~= "profiles" then
      fail("%s: unknown key %q (expected \"default_profile\" and "
        .. "\"profiles\")", path, tostring(k))
    end
  end
  if doc.profiles ~= nil and not is_object(doc.profiles) then
    fail("%s: \"profiles\" must be an object of named profiles", path)
  end
  if doc.default_profile ~= nil and type(doc.default_profile) ~= "string" then
    fail("%s: \"default_profile\" must be a string", path)
  end
  return doc
end

local function names(profiles)
  local list = {}
  for name in pairs(profiles) do list[#list + 1] = name end
  table.sort(list)
  return #list > 0 and table.concat(list, ", ") or "none"
end

-- scopes may be a list in the file; IMS wants them comma-separated.
local function profile_value(path, name, key, v)
  if key == "scopes" and type(v) == "table" then
    for i, s in ipairs(v) do
      if type(s) ~= "string" then
        fail("%s: profile %q: \"scopes\"[%d] must be a string", path, name, i)
      end
    end
    return table.concat(v, ",")
  end
  if type(v) ~= "string" then
    fail("%s: profile %q: %q must be a string", path, name, key)
  end
  return v
end

local function check_profile(path, name, p)
  if not is_object(p) then
    fail("%s: profile %q must be an object", path, name)
  end
  local out = {}
  for k, v in pairs(p) do
    if not BY_KEY[k] then
      fail("%s: profile %q: unknown setting %q", path, name, tostring(k))
    end
    out[k] = profile_value(path, name, k, v)
  end
  return out
end

-- The chosen profile's settings (or {}), and its name (or nil).
local function select_profile(path, doc, wanted)
  local profiles = doc and doc.profiles or {}
  local name = wanted or (doc and doc.default_profile)
  if name == nil then
    if profiles.default == nil then return {}, nil end
    name = "default"
  end
  if doc == nil then
    fail("profile %q requested but %s does not exist", name, path)
  end
  if profiles[name] == nil then
    fail("%s: no profile %q (profiles: %s)", path, name, names(profiles))
  end
  return check_profile(path, name, profiles[name]), name
end

local function warn_if_exposed(path, profile)
  if not (profile.client_secret or profile.access_token) then return end
  local mode = require("flowlua.core").sys.stat_mode(path)
  if mode and mode & 63 ~= 0 then
    log.warn("%s holds secrets but other users can read it; "
      .. "run: chmod 600 %s", path, path)
  end
end

-- ---------------------------------------------------------------------
-- Loading

-- A duration setting: a positive number of seconds (a string from the
-- environment is read as one).
local function seconds(value, s)
  local n = tonumber(value)
  if n == nil or n <= 0 or n ~= n or n == math.huge then
    error(("%s must be a positive number of seconds (%s or the file key "
      .. "'%s'), not '%s'"):format(s.key, s.env, s.key, tostring(value)), 0)
  end
  return n
end

local LOAD_OPTIONS = { profile = true, file = true, overrides = true }

--- Loads the settings.
-- @tparam[opt] table opts `profile` (name), `file` (path), `overrides`
--   (settings that win over everything; `false` unsets one)
-- @treturn table `{client_id, client_secret, org_id, scopes, sandbox,
--   access_token, endpoint, ims_url, api_key, cafile, timeout, deadline,
--   state, insecure}` plus
--   `profile` and `config_file` (where they came from, for messages)
-- @raise when the file cannot be read or parsed, or names no such profile
function config.load(opts)
  opts = args.options(1, "load", opts, LOAD_OPTIONS)
  local path, explicit = config.file_path(opts.file)
  local text = read_file(path, explicit)
  local doc = text and decode_file(path, text)
  local profile, name = select_profile(path, doc,
    opts.profile or runtime.profile or getenv("FLOWLUA_PROFILE"))
  if text then warn_if_exposed(path, profile) end
  local overrides = opts.overrides or {}
  local settings = { profile = name, config_file = path }
  for _, s in ipairs(config.SETTINGS) do
    local v = overrides[s.key]
    if v == nil then v = getenv(s.env) end
    if v == nil then v = profile[s.key] end
    if v == nil then v = s.default end
    if v == false then v = nil end
    settings[s.key] = v
    if s.secret then log.secret(v) end
  end
  for _, s in ipairs(config.SETTINGS) do
    if s.seconds and settings[s.key] ~= nil then
      settings[s.key] = seconds(settings[s.key], s)
    end
  end
  settings.api_key = settings.api_key or settings.client_id
  -- Skipping TLS verification is never a file or environment setting:
  -- only `flowlua run --insecure` (an override) or the script asks for it.
  settings.insecure = overrides.insecure == true or nil
  return settings
end

--- Returns a setting, raising an error that says where to set it when it
-- is missing.
-- @tparam table settings from `config.load`
-- @tparam string key e.g. `"client_id"`
-- @return the value
function config.need(settings, key)
  args.check(1, "need", settings, "table")
  local s = BY_KEY[key]
  if not s then
    args.fail(2, "need", ("unknown setting '%s'"):format(tostring(key)))
  end
  local v = settings[key]
  if v and v ~= "" then return v end
  local where = settings.profile
    and ("in profile %q of %s"):format(settings.profile,
      settings.config_file or "the config file")
    or ("in a profile of %s"):format(settings.config_file
      or (config.file_path()))
  error(("missing setting %s: set %s, or %q %s"):format(key, s.env, key, where), 0)
end

return config
