std = "lua54"
max_line_length = 100
include_files = { "**/*.lua", ".busted", ".luacheckrc" }
exclude_files = { "build", "**/node_modules" }
files["spec"] = { std = "+busted" }
