/*
** sys_fs.c - sys.listdir and sys.stat: what the emulator needs to serve a
** local folder as the contents of a cloud storage connection.
*/
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "lua.h"
#include "lauxlib.h"

#include "sys_fs.h"


static int push_failure (lua_State *L, const char *what, const char *path,
                         int e) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s %s: %s", what, path, strerror(e));
  lua_pushinteger(L, e);
  return 3;
}


/* An open DIR lives in a userdata whose __gc closes it, so a memory error
** while the names are pushed leaks nothing. */
static int dir_gc (lua_State *L) {
  DIR **box = (DIR **)luaL_checkudata(L, 1, "flowlua.core.sys.dir");
  if (*box != NULL) {
    closedir(*box);
    *box = NULL;
  }
  return 0;
}


static DIR **new_dir_box (lua_State *L) {
  DIR **box = (DIR **)lua_newuserdatauv(L, sizeof(DIR *), 0);
  *box = NULL;
  if (luaL_newmetatable(L, "flowlua.core.sys.dir")) {
    lua_pushcfunction(L, dir_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return box;
}


/* The names in a folder, "." and ".." left out, in no particular order;
** or nil, message, errno. */
int sys_listdir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  DIR **box = new_dir_box(L);
  struct dirent *entry;
  lua_Integer n = 0;
  *box = opendir(path);
  if (*box == NULL) return push_failure(L, "cannot list", path, errno);
  lua_newtable(L);
  while ((entry = readdir(*box)) != NULL) {
    const char *name = entry->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    lua_pushstring(L, name);
    lua_rawseti(L, -2, ++n);
  }
  closedir(*box);
  *box = NULL;
  return 1;
}


static const char *kind_of (mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  return "other";
}


/* {type = "file"|"directory"|"other", size = bytes, mtime = seconds}, or
** nil, message, errno (2, ENOENT, when there is nothing there). */
int sys_stat (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (stat(path, &st) != 0) return push_failure(L, "cannot stat", path, errno);
  lua_createtable(L, 0, 3);
  lua_pushstring(L, kind_of(st.st_mode));
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, (lua_Integer)st.st_size);
  lua_setfield(L, -2, "size");
  lua_pushnumber(L, (lua_Number)st.st_mtim.tv_sec +
                    (lua_Number)st.st_mtim.tv_nsec / 1e9);
  lua_setfield(L, -2, "mtime");
  return 1;
}
