/*
** sys/sys.h - what the executable (host/main.c) calls in sys/ before any
** Lua runs.
*/
#ifndef FLOWLUA_SYS_H
#define FLOWLUA_SYS_H

/*
** Makes the process leave no core file and no dump: a crash must not
** write the client secret, tokens or storage passwords it holds to disk.
** The soft RLIMIT_CORE becomes 0 (the previous value is remembered for
** sys.allow_core()) and the process is marked not dumpable.
*/
void sys_forbid_core (void);

#endif
