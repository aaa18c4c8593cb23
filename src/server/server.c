/*
** server.c - flowlua.core.server: an HTTP server (libmicrohttpd) whose
** requests are answered by a Lua handler living in its own Lua state.
**
** libmicrohttpd runs one thread per connection. Each thread collects its
** request in C, then takes the server's lock, calls the handler in the
** handler state under lua_pcall, copies the answer into an MHD response,
** and releases the lock before it waits the rest of the optional delay
** (counted from when the request was read) and sends.
** So Lua sees one request at a time while delays overlap freely, and no
** Lua error ever unwinds through libmicrohttpd.
**
** This file starts and stops servers and builds the module (host/core.c
** opens it, passing how to open a handler state); the
** connection callbacks are in server_conn.c, the handler call in
** server_handler.c, and what they share in server_int.h.
*/
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "lua.h"
#include "lauxlib.h"

#include "server.h"
#include "server_int.h"

#define SERVER_MT "flowlua.server"
#define DEFAULT_MAX_BODY (1024 * 1024)
#define IDLE_TIMEOUT 60   /* seconds before an idle connection is closed */
#define HEADER_TIMEOUT 10 /* seconds from a request's first byte to its
                             last header */
#define BODY_TIMEOUT 30   /* seconds from its headers to its last body byte */
#define MAX_CONNS_LIMIT 1000000


/* The userdata: url and port stay readable after close. */
typedef struct Box {
  Server *s;                /* NULL once closed */
  int port;
  size_t max_conns;
  char url[128];
} Box;


/* ======================================================================
** Starting and stopping
** ====================================================================== */

typedef struct Setup {
  const char *module, *config, *path, *cpath;
  server_openlibs openlibs;
  int ref;
} Setup;

/* The host's opener, in a userdata: the upvalue of server.start. */
typedef struct Opener {
  server_openlibs openlibs;
} Opener;


static void set_package_field (lua_State *L, const char *k, const char *v) {
  if (v == NULL) return;
  lua_getglobal(L, "package");
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
  lua_pop(L, 1);
}


/* lua_pcall'd in the fresh handler state: the module's factory(config). */
static int open_handler (lua_State *L) {
  Setup *st = (Setup *)lua_touserdata(L, 1);
  st->openlibs(L);
  set_package_field(L, "path", st->path);
  set_package_field(L, "cpath", st->cpath);
  /* loading flowlua.core registers flowlua.core.sys and the others */
  lua_getglobal(L, "require");
  lua_pushliteral(L, "flowlua.core");
  lua_call(L, 1, 0);
  lua_getglobal(L, "require");
  lua_pushstring(L, st->module);
  lua_call(L, 1, 1);
  if (!lua_isfunction(L, -1))
    return luaL_error(L, "module '%s' must return a factory function",
                      st->module);
  if (st->config != NULL) lua_pushstring(L, st->config);
  else lua_pushnil(L);
  lua_call(L, 1, 1);
  if (!lua_isfunction(L, -1))
    return luaL_error(L, "the factory of '%s' must return a handler "
                      "function", st->module);
  st->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}


static void server_free (Server *s) {
  watchdog_stop(s->watchdog);    /* shuts nothing down from now on */
  if (s->daemon != NULL)
    MHD_stop_daemon(s->daemon);  /* joins every connection thread */
  watchdog_free(s->watchdog);
  if (s->hl != NULL)
    lua_close(s->hl);
  if (s->lock_ready)
    pthread_mutex_destroy(&s->lock);
  free(s->cert);
  free(s->key);
  free(s);
}


static void release (Box *box) {
  if (box->s != NULL) {
    Server *s = box->s;
    box->s = NULL;
    server_free(s);
  }
}


/* Closes the half-built server; returns nil and the message on top. */
static int fail (lua_State *L, Box *box) {
  release(box);
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}


static char *read_file (const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  if (f == NULL) return NULL;
  do {
    if (len + 4096 + 1 > cap) {
      char *nb = (char *)realloc(buf, cap = (cap + 4096) * 2);
      if (nb == NULL) break;
      buf = nb;
    }
    n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
  } while (n > 0);
  if (ferror(f) || len + 1 > cap) {
    free(buf);
    buf = NULL;
  }
  else
    buf[len] = '\0';
  fclose(f);
  return buf;
}


static const char *opt_string (lua_State *L, int t, const char *key,
                               const char *def) {
  int type = lua_getfield(L, t, key);
  if (type == LUA_TNIL) return def;
  if (type != LUA_TSTRING)
    luaL_argerror(L, 1, lua_pushfstring(L, "field '%s' must be a string",
                                        key));
  return lua_tostring(L, -1);  /* stays on the stack, so it stays alive */
}


static lua_Integer opt_integer (lua_State *L, const char *key,
                                lua_Integer def, lua_Integer max) {
  int isint;
  lua_Integer v;
  if (lua_getfield(L, 1, key) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  v = lua_tointegerx(L, -1, &isint);
  if (!isint || v < 0 || v > max)
    luaL_argerror(L, 1, lua_pushfstring(L, "field '%s' must be an integer "
                                        "from 0 to %I", key, max));
  lua_pop(L, 1);
  return v;
}


static int resolve (const char *host, int port, struct sockaddr_storage *ss,
                    int *v6) {
  struct addrinfo hints, *ai;
  int rc;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if ((rc = getaddrinfo(host, NULL, &hints, &ai)) != 0) return rc;
  memset(ss, 0, sizeof *ss);
  memcpy(ss, ai->ai_addr, ai->ai_addrlen);
  *v6 = ai->ai_family == AF_INET6;
  if (*v6) ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
  else ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
  freeaddrinfo(ai);
  return 0;
}


/*
** Server threads block the asynchronous signals, so SIGINT and SIGTERM
** always reach the thread that waits for them (sys.wait_signal).
*/
static struct MHD_Daemon *start_daemon (Server *s, struct sockaddr *sa,
                                        int v6) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
                             SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                   MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO;
  struct MHD_OptionItem ops[12];
  struct MHD_Daemon *d;
  sigset_t block, old;
  size_t i, n = 0;
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, sa};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK,
                                     (intptr_t)server_on_uri, s};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
                                     (intptr_t)server_on_completed, s};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
                                     (intptr_t)server_on_connection, s};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                     s->idle_timeout, NULL};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                     (intptr_t)(s->max_conns +
                                                SERVER_OVERFLOW), NULL};
  if (s->cert != NULL) {
    flags |= MHD_USE_TLS;
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key};
  }
  ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  if (v6) flags |= MHD_USE_IPv6;
  sigemptyset(&block);
  for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&block, sigs[i]);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  d = MHD_start_daemon(flags, 0, NULL, NULL, server_on_request, s,
                       MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return d;
}


static int load_tls (lua_State *L, Server *s) {
  const char *cert, *key;
  if (lua_getfield(L, 1, "tls") == LUA_TNIL) return 1;
  luaL_argcheck(L, lua_istable(L, -1), 1, "field 'tls' must be a table");
  cert = opt_string(L, -1, "cert", NULL);
  key = opt_string(L, -2, "key", NULL);
  luaL_argcheck(L, cert != NULL && key != NULL, 1,
                "field 'tls' needs 'cert' and 'key'");
  if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
    lua_pushliteral(L, "this libmicrohttpd has no TLS support");
    return 0;
  }
  if ((s->cert = read_file(cert)) == NULL) {
    lua_pushfstring(L, "cannot read %s: %s", cert, strerror(errno));
    return 0;
  }
  if ((s->key = read_file(key)) == NULL) {
    lua_pushfstring(L, "cannot read %s: %s", key, strerror(errno));
    return 0;
  }
  return 1;
}


/* Reads the creator's package.path/cpath so the handler finds its module. */
static void creator_paths (lua_State *L, Setup *st) {
  st->path = st->cpath = NULL;
  if (lua_getglobal(L, "package") != LUA_TTABLE) return;
  if (lua_getfield(L, -1, "path") == LUA_TSTRING)
    st->path = lua_tostring(L, -1);
  if (lua_getfield(L, -2, "cpath") == LUA_TSTRING)
    st->cpath = lua_tostring(L, -1);
}


static int open_state (lua_State *L, Server *s, Setup *st) {
  if ((s->hl = luaL_newstate()) == NULL) {
    lua_pushliteral(L, "not enough memory");
    return 0;
  }
  lua_pushcfunction(s->hl, open_handler);
  lua_pushlightuserdata(s->hl, st);
  if (lua_pcall(s->hl, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(s->hl, -1);
    lua_pushfstring(L, "cannot start handler: %s",
                    msg != NULL ? msg : "error object is not a string");
    return 0;
  }
  s->handler_ref = st->ref;
  return 1;
}


static void set_url (Box *box, const char *host, int tls) {
  const char *fmt = strchr(host, ':') != NULL ? "%s://[%s]:%d" : "%s://%s:%d";
  snprintf(box->url, sizeof box->url, fmt, tls ? "https" : "http", host,
           box->port);
}


static int listen_on (lua_State *L, Box *box, const char *host, int port) {
  Server *s = box->s;
  struct sockaddr_storage ss;
  const union MHD_DaemonInfo *info;
  int v6, rc = resolve(host, port, &ss, &v6);
  if (rc != 0) {
    lua_pushfstring(L, "cannot resolve %s: %s", host, gai_strerror(rc));
    return 0;
  }
  if (s->header_timeout > 0 || s->body_timeout > 0) {
    s->watchdog = watchdog_start(s->header_timeout, s->body_timeout);
    if (s->watchdog == NULL) {
      lua_pushliteral(L, "cannot start the connection watchdog");
      return 0;
    }
  }
  errno = 0;
  s->daemon = start_daemon(s, (struct sockaddr *)&ss, v6);
  if (s->daemon == NULL) {
    lua_pushfstring(L, "cannot listen on %s:%d%s%s", host, port,
                    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
    return 0;
  }
  info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  box->port = info != NULL ? info->port : port;
  set_url(box, host, s->cert != NULL);
  return 1;
}


static Box *new_box (lua_State *L) {
  Box *box = (Box *)lua_newuserdatauv(L, sizeof *box, 0);
  box->s = NULL;  /* closed until fully built */
  box->port = 0;
  box->max_conns = 0;
  box->url[0] = '\0';
  luaL_setmetatable(L, SERVER_MT);
  box->s = (Server *)calloc(1, sizeof *box->s);
  if (box->s == NULL) luaL_error(L, "not enough memory");
  box->s->handler_ref = LUA_NOREF;
  if (pthread_mutex_init(&box->s->lock, NULL) != 0)
    luaL_error(L, "cannot create a mutex");
  box->s->lock_ready = 1;
  return box;
}


/* The cap (default: from the descriptor limit, which is raised first),
** the idle timeout and the bounds on a request's arrival (0: none). */
static void limit_connections (lua_State *L, Box *box) {
  size_t def = server_default_max_conns();
  lua_Integer cap = opt_integer(L, "max_connections", 0, MAX_CONNS_LIMIT);
  box->s->max_conns = cap > 0 ? (size_t)cap : def;
  box->s->idle_timeout = (unsigned)opt_integer(L, "idle_timeout",
                                               IDLE_TIMEOUT, 86400);
  box->s->header_timeout = (unsigned)opt_integer(L, "header_timeout",
                                                 HEADER_TIMEOUT, 86400);
  box->s->body_timeout = (unsigned)opt_integer(L, "body_timeout",
                                               BODY_TIMEOUT, 86400);
  atomic_init(&box->s->conns, 0);
  box->max_conns = box->s->max_conns;
}


/*
** server.start{host=, port=, module=, config=, max_body=, tls=,
**              max_connections=, idle_timeout=, header_timeout=,
**              body_timeout=}
** -> server, or nil, message when the address, the TLS files or the
** handler module fail.
*/
static int server_start (lua_State *L) {
  const char *host;
  lua_Integer port, max_body;
  Setup st;
  Box *box;
  int ud;
  luaL_checktype(L, 1, LUA_TTABLE);
  host = opt_string(L, 1, "host", "127.0.0.1");
  port = opt_integer(L, "port", 0, 65535);
  max_body = opt_integer(L, "max_body", DEFAULT_MAX_BODY, INT32_MAX);
  st.module = opt_string(L, 1, "module", NULL);
  luaL_argcheck(L, st.module != NULL, 1, "field 'module' is required");
  st.config = opt_string(L, 1, "config", NULL);
  st.openlibs = ((Opener *)lua_touserdata(L, lua_upvalueindex(1)))->openlibs;
  creator_paths(L, &st);
  box = new_box(L);
  ud = lua_gettop(L);
  box->s->max_body = (size_t)max_body;
  limit_connections(L, box);
  if (!load_tls(L, box->s) || !open_state(L, box->s, &st) ||
      !listen_on(L, box, host, (int)port))
    return fail(L, box);
  lua_settop(L, ud);
  return 1;
}


static int server_close (lua_State *L) {
  release((Box *)luaL_checkudata(L, 1, SERVER_MT));
  return 0;
}


static int server_tostring (lua_State *L) {
  Box *box = (Box *)luaL_checkudata(L, 1, SERVER_MT);
  if (box->s == NULL)
    lua_pushliteral(L, "flowlua.server (closed)");
  else
    lua_pushfstring(L, "flowlua.server (%s)", box->url);
  return 1;
}


/* port and url are fields; anything else is looked up in the methods. */
static int server_index (lua_State *L) {
  Box *box = (Box *)luaL_checkudata(L, 1, SERVER_MT);
  const char *key = luaL_checkstring(L, 2);
  if (strcmp(key, "port") == 0)
    lua_pushinteger(L, box->port);
  else if (strcmp(key, "max_connections") == 0)
    lua_pushinteger(L, (lua_Integer)box->max_conns);
  else if (strcmp(key, "url") == 0)
    lua_pushstring(L, box->url);
  else
    lua_getfield(L, lua_upvalueindex(1), key);
  return 1;
}


static const luaL_Reg server_methods[] = {
  {"close", server_close},
  {NULL, NULL}
};

static const luaL_Reg server_meta[] = {
  {"__close", server_close},
  {"__gc", server_close},
  {"__tostring", server_tostring},
  {NULL, NULL}
};

static const luaL_Reg server_funcs[] = {
  {"start", server_start},
  {NULL, NULL}
};


int server_open_module (lua_State *L, server_openlibs openlibs) {
  Opener *op;
  luaL_newmetatable(L, SERVER_MT);
  luaL_setfuncs(L, server_meta, 0);
  luaL_newlib(L, server_methods);
  lua_pushcclosure(L, server_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlibtable(L, server_funcs);
  op = (Opener *)lua_newuserdatauv(L, sizeof *op, 0);
  op->openlibs = openlibs;
  luaL_setfuncs(L, server_funcs, 1);
  lua_pushboolean(L, MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES);
  lua_setfield(L, -2, "tls");
  return 1;
}
