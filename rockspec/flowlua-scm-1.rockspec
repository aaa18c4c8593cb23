rockspec_format = "3.0"
package = "flowlua"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "Adobe Experience Platform Flow Service workflows in Lua",
  detailed = [[
    A C core for Lua 5.4 (libcurl HTTP, an exact JSON codec, a JSON Schema
    draft-07 validator and an HTTP server) and a Lua layer for the Flow
    Service: drafts, publishing, resumable workflows and a local emulator.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
  -- the state store (flowlua.state); Debian: lua-sql-sqlite3, lua-sql-postgres
  "luasql-sqlite3 >= 2.6.0",
  "luasql-postgres >= 2.6.0",
}
external_dependencies = {
  CURL = { library = "curl" },
  MICROHTTPD = { header = "microhttpd.h", library = "microhttpd" },
  PCRE2 = { header = "pcre2.h", library = "pcre2-8" },
}
build = {
  type = "make",
  build_target = "all",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LUA = "$(LUA)",
    LUA_INCDIR = "$(LUA_INCDIR)",
  },
  install_target = "rock-install",
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
    INST_BINDIR = "$(BINDIR)",
  },
}
