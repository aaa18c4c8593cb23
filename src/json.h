/*
** src/json.h - what the JSON decoder (json_decode.c), encoder
** (json_encode.c) and module (json.c) of flowlua.core.json share.
** Not part of any API.
*/
#ifndef FLOWLUA_JSON_H
#define FLOWLUA_JSON_H

#include <stddef.h>

#include "lua.h"

#define ARRAY_MT      lua_upvalueindex(1)   /* the shared json.array */
#define BUF_MT        lua_upvalueindex(2)   /* encode's buffer metatable */
#define DEFAULT_DEPTH 1000
#define LOCAL_FRAMES  32

/* 1: byte that may be copied as is inside a string (ASCII, not " \) */
extern const unsigned char json_plain_tab[256];

void *json_grow_frames (lua_State *L, void *frames, int *cap, int need,
                        size_t sz, int slot);
int json_opt_depth (lua_State *L, int arg, lua_Integer limit);

int json_decode (lua_State *L);
int json_encode (lua_State *L);
int json_buf_gc (lua_State *L);

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0. */
static inline int json_utf8_seq (const unsigned char *s, const unsigned char *end) {
  unsigned c = s[0];
  unsigned lo = 0x80, hi = 0xBF;
  int n, i;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;        /* overlong */
    else if (c == 0xED) hi = 0x9F;   /* UTF-16 surrogates */
  }
  else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;        /* overlong */
    else if (c == 0xF4) hi = 0x8F;   /* above U+10FFFF */
  }
  else return 0;
  if (end - s < n || s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return n;
}


#endif
