/*
** src/json/json.h - what the JSON decoder (json_decode.c), encoder
** (json_encode.c) and module (json.c) of flowlua.core.json share; the
** nesting helpers are in json_depth.c. Not part of any API.
*/
#ifndef FLOWLUA_JSON_H
#define FLOWLUA_JSON_H

#include <stddef.h>

#include "lua.h"

#include "jsontext.h"

#define ARRAY_MT      lua_upvalueindex(1)   /* the shared json.array */
#define BUF_MT        lua_upvalueindex(2)   /* encode's buffer metatable */
#define OBJECT_MT     lua_upvalueindex(3)   /* the shared json.object */
#define FLOAT_MEMO    lua_upvalueindex(4)   /* encode's JsonFloatMemo */
#define DEFAULT_DEPTH 1000
#define LOCAL_FRAMES  32

void *json_grow_frames (lua_State *L, void *frames, int *cap, int need,
                        size_t sz, int slot);
void json_check_options (lua_State *L, int arg, const char *const known[]);
int json_opt_depth (lua_State *L, int arg, lua_Integer limit);

/* The text of recently encoded doubles, one userdata per Lua state (an
** upvalue of the module's functions, used under that state's own
** serialisation): a workflow's record is encoded whole at every save,
** its timestamps unchanged, and printf's %.17g with strtod's check was
** most of that cost. Slot i holds the double whose bits hash to i. */
#define JSON_MEMO_SLOTS 512
typedef struct JsonFloatMemo {
  unsigned long long bits[JSON_MEMO_SLOTS];
  unsigned char len[JSON_MEMO_SLOTS];      /* 0: empty */
  char text[JSON_MEMO_SLOTS][31];
} JsonFloatMemo;

int json_decode (lua_State *L);
int json_encode (lua_State *L);
int json_buf_gc (lua_State *L);

#endif
