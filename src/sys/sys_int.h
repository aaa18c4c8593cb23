/*
** sys/sys_int.h - the Lua functions of flowlua.core.sys defined outside
** sys.c, for its registration table. Not part of any API.
*/
#ifndef FLOWLUA_SYS_INT_H
#define FLOWLUA_SYS_INT_H

#include "lua.h"

int sys_allow_core (lua_State *L);   /* sys_core.c */
int sys_trap_stop (lua_State *L);    /* sys_stop.c */
int sys_stop_signal (lua_State *L);  /* sys_stop.c */

#endif
