std = "lua54"
max_line_length = 100
include_files = { "**/*.lua", ".busted", ".luacheckrc" }
exclude_files = { "build" }
files["spec"] = { std = "+busted" }
