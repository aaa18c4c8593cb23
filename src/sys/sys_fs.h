/*
** sys_fs.h - directory listing and file status for flowlua.core.sys.
** The emulator serves a local folder as cloud storage (`--files DIR`);
** Lua's io library can read a file but cannot list a folder or tell a
** file's size and modification time.
*/
#ifndef SYS_FS_H
#define SYS_FS_H

#include "lua.h"

int sys_listdir (lua_State *L);
int sys_stat (lua_State *L);

#endif
