/*
** src/json/json_encode.c - json.encode: Lua values to JSON text.
**
** Output goes into a growable C buffer owned by a userdata whose __gc frees
** it: errors raised half-way (bad values, memory) leak nothing.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "json.h"

#define ENC_MAX_DEPTH 10000       /* encoding recurses: bounded C stack use */


/* ======================================================================
** Encoder: output buffer
** ====================================================================== */

typedef struct Buf {
  char *b;
  size_t n, cap;
} Buf;

int json_buf_gc (lua_State *L) {
  Buf *b = (Buf *)lua_touserdata(L, 1);
  free(b->b);
  b->b = NULL;
  b->n = b->cap = 0;
  return 0;
}

static void buf_grow (lua_State *L, Buf *b, size_t need)
  __attribute__((noinline));

static void buf_grow (lua_State *L, Buf *b, size_t need) {
  size_t ncap = b->cap ? b->cap * 2 : 4096;
  char *nb;
  while (ncap < b->n + need) ncap *= 2;
  nb = (char *)realloc(b->b, ncap);
  if (nb == NULL) luaL_error(L, "not enough memory");
  b->b = nb;
  b->cap = ncap;
}

/* Returns room for need more bytes at the end of the buffer. */
static inline char *buf_reserve (lua_State *L, Buf *b, size_t need) {
  if (b->cap - b->n < need) buf_grow(L, b, need);
  return b->b + b->n;
}

static inline void buf_add (lua_State *L, Buf *b, const char *s,
                            size_t n) {
  memcpy(buf_reserve(L, b, n), s, n);
  b->n += n;
}

static inline void buf_addc (lua_State *L, Buf *b, char c) {
  *buf_reserve(L, b, 1) = c;
  b->n++;
}


/* ======================================================================
** Encoder
** ====================================================================== */

typedef struct EFrame {
  const void *t;     /* the table, to detect cycles */
  int keyidx;        /* stack index of the current key (objects), or 0 */
  lua_Integer i;     /* current index (arrays), or 0 */
} EFrame;

typedef struct Enc {
  lua_State *L;
  Buf *buf;
  EFrame *frames;
  int depth, cap, max_depth, slot;
  int sort;
  const char *indent;  /* NULL: compact output */
  size_t indentlen;
  const void *array_mt;  /* json.array, compared by address */
  const void *object_mt; /* json.object, likewise */
  JsonFloatMemo *memo;
} Enc;

static void enc_value (Enc *e, int idx);

static int is_ident (const char *s, size_t n) {
  size_t i;
  if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return 1;
}

static void path_key (luaL_Buffer *pb, const char *s, size_t n) {
  size_t i;
  if (is_ident(s, n)) {
    luaL_addchar(pb, '.');
    luaL_addlstring(pb, s, n);
    return;
  }
  luaL_addstring(pb, "[\"");
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') luaL_addchar(pb, '\\');
    if (c < 0x20) luaL_addchar(pb, '?');
    else luaL_addchar(pb, (char)c);
  }
  luaL_addstring(pb, "\"]");
}

/*
** Raises "cannot encode <what> at <path>". The path names the Lua value:
** $ is the argument, .name or ["name"] a key, [i] a (1-based) index.
*/
static int enc_error (Enc *e, const char *what) {
  lua_State *L = e->L;
  luaL_Buffer pb;
  int k;
  lua_pushstring(L, what);
  luaL_buffinit(L, &pb);
  luaL_addchar(&pb, '$');
  for (k = 0; k < e->depth; k++) {
    EFrame *f = &e->frames[k];
    if (f->keyidx > 0 && lua_type(L, f->keyidx) == LUA_TSTRING) {
      size_t n;
      const char *s = lua_tolstring(L, f->keyidx, &n);
      path_key(&pb, s, n);
    }
    else if (f->i > 0) {
      lua_pushfstring(L, "[%I]", (LUAI_UACINT)f->i);
      luaL_addvalue(&pb);
    }
  }
  luaL_pushresult(&pb);
  return luaL_error(L, "cannot encode %s at %s", lua_tostring(L, -2),
                    lua_tostring(L, -1));
}

static void enc_indent (Enc *e) {
  Buf *b = e->buf;
  int k;
  buf_addc(e->L, b, '\n');
  for (k = 0; k < e->depth; k++) buf_add(e->L, b, e->indent, e->indentlen);
}

static inline void enc_newline (Enc *e) {
  if (e->indent != NULL) enc_indent(e);
}

static void enc_integer (Enc *e, lua_Integer v) {
  char tmp[24], *o = tmp + sizeof tmp;
  uint64_t u = (v < 0) ? 0 - (uint64_t)v : (uint64_t)v;
  do { *--o = (char)('0' + u % 10); u /= 10; } while (u != 0);
  if (v < 0) *--o = '-';
  buf_add(e->L, e->buf, o, (size_t)(tmp + sizeof tmp - o));
}

/*
** Shortest of %.15g, %.16g, %.17g that reads back as the same double,
** with a '.0' added when it would otherwise read back as an integer.
*/
static void enc_float (Enc *e, lua_Number x) {
  char s[40];
  int n = 0, prec, i, fl = 0;
  unsigned long long bits;
  size_t slot;
  double d = (double)x;
  if (x != x) enc_error(e, "NaN");
  if (x == HUGE_VAL || x == -HUGE_VAL) enc_error(e, "inf");
  memcpy(&bits, &d, sizeof bits);
  slot = (size_t)(((bits ^ (bits >> 29)) * 0x9E3779B97F4A7C15ULL) >> 55);
  if (e->memo->len[slot] != 0 && e->memo->bits[slot] == bits) {
    buf_add(e->L, e->buf, e->memo->text[slot], e->memo->len[slot]);
    return;
  }
  for (prec = 15; prec <= 17; prec++) {
    n = snprintf(s, 32, "%.*g", prec, (double)x);
    if (strtod(s, NULL) == (double)x) break;
  }
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (c == 'e') fl = 1;
    else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
      s[i] = '.';  /* the decimal point of any locale */
      fl = 1;
    }
  }
  if (!fl) { s[n++] = '.'; s[n++] = '0'; }
  if (n > 0 && n < (int)sizeof e->memo->text[0]) {
    e->memo->bits[slot] = bits;
    e->memo->len[slot] = (unsigned char)n;
    memcpy(e->memo->text[slot], s, (size_t)n);
  }
  buf_add(e->L, e->buf, s, (size_t)n);
}

/* 1: escape as \u00XX, other: the short escape letter, 0: copy */
static const char esc_tab[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 'b', 't', 'n', 1, 'f', 'r', 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
};

static void enc_escape (Enc *e, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  char s[6] = { '\\', 'u', '0', '0', 0, 0 };
  if (esc_tab[c] != 1) {
    s[1] = esc_tab[c];
    buf_add(e->L, e->buf, s, 2);
    return;
  }
  s[4] = hex[c >> 4];
  s[5] = hex[c & 15];
  buf_add(e->L, e->buf, s, 6);
}

/*
** Plain runs are scanned without bounds checks (the string's '\0' stops
** them) and copied into room reserved for the whole string; escapes are
** rare and reserve more room as they go.
*/
static void enc_string (Enc *e, const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  const unsigned char *end = s + len;
  Buf *b = e->buf;
  buf_reserve(e->L, b, len + 2);
  b->b[b->n++] = '"';
  for (;;) {
    const unsigned char *run = s;
    while (jt_plain[*s]) s++;
    memcpy(b->b + b->n, run, (size_t)(s - run));
    b->n += (size_t)(s - run);
    if (s >= end) break;
    if (*s >= 0x80) {
      int n = jt_utf8_seq(s, end);
      if (n == 0) enc_error(e, "string with invalid UTF-8");
      memcpy(b->b + b->n, s, (size_t)n);
      b->n += (size_t)n;
      s += n;
    }
    else {
      enc_escape(e, *s++);
      buf_reserve(e->L, b, (size_t)(end - s) + 1);
    }
  }
  b->b[b->n++] = '"';
}

static void enc_strvalue (Enc *e, int idx) {
  size_t n;
  const char *s = lua_tolstring(e->L, idx, &n);
  enc_string(e, s, n);
}

/*
** At the depth bound. A cycle always ends here (checking ancestors on
** every table would cost O(depth) each), so first look for the first
** table that repeats an ancestor and name the path to it.
*/
static void enc_too_deep (Enc *e, const void *t) {
  int j, k;
  for (j = 1; j <= e->depth; j++) {
    const void *tj = (j < e->depth) ? e->frames[j].t : t;
    for (k = 0; k < j; k++)
      if (e->frames[k].t == tj) {
        e->depth = j;  /* the path up to the repeated table */
        enc_error(e, "cyclic table");
      }
  }
  enc_error(e, "table nested too deep");
}

/*
** Enters the table at idx (depth, cycle and stack checks) and returns its
** level. Frames are addressed by level, never by pointer: the frame
** array moves when it grows.
*/
static int enc_enter (Enc *e, int idx) {
  const void *t = lua_topointer(e->L, idx);
  EFrame *f;
  if (e->depth >= e->max_depth) enc_too_deep(e, t);
  if ((e->depth & 7) == 0)  /* each level takes at most 4 slots */
    luaL_checkstack(e->L, 40, "table nested too deep");
  if (e->depth == e->cap)
    e->frames = json_grow_frames(e->L, e->frames, &e->cap, e->depth + 1,
                            sizeof(EFrame), e->slot);
  f = &e->frames[e->depth];
  f->t = t;
  f->keyidx = 0;
  f->i = 0;
  return e->depth++;
}

static void enc_leave (Enc *e, char close, int nonempty) {
  e->depth--;
  if (nonempty) enc_newline(e);
  buf_addc(e->L, e->buf, close);
}

static void enc_item (Enc *e, int idx, int first) {
  if (!first) buf_addc(e->L, e->buf, ',');
  enc_newline(e);
  enc_value(e, idx);
}

/* Checks that the table at idx is a sequence; returns its length. */
static lua_Integer seq_length (Enc *e, int idx) {
  lua_State *L = e->L;
  lua_Integer count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_Integer k = 0;
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || (k = lua_tointeger(L, -1)) < 1)
      enc_error(e, "table with mixed or non-string keys");
    count++;
    if (k > max) max = k;
  }
  if (max != count) enc_error(e, "sparse array");
  return count;
}

static void enc_array_slow (Enc *e, int idx, int lv) {
  lua_Integer n, i;
  e->frames[lv].i = 0;  /* errors about the table name the table */
  n = seq_length(e, idx);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(e->L, idx, i);
    e->frames[lv].i = i;
    enc_item(e, lua_gettop(e->L), i == 1);
    lua_pop(e->L, 1);
  }
  enc_leave(e, ']', n > 0);
}

/*
** Arrays: traversal order is 1..n for tables whose elements live in the
** array part, the usual case; anything else takes the exact slow path.
*/
static void enc_array (Enc *e, int idx) {
  lua_State *L = e->L;
  int lv = enc_enter(e, idx);
  size_t mark = e->buf->n;
  lua_Integer i = 0;
  buf_addc(L, e->buf, '[');
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) != i + 1) {
      lua_pop(L, 2);
      e->buf->n = mark + 1;
      enc_array_slow(e, idx, lv);
      return;
    }
    e->frames[lv].i = ++i;
    enc_item(e, lua_gettop(L), i == 1);
    lua_pop(L, 1);
  }
  enc_leave(e, ']', i > 0);
}

/* Raises the error for a key that cannot be an object key. */
static void enc_badkey (Enc *e, int tidx) {
  lua_State *L = e->L;
  int ints = 1;
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) ints = 0;
  }
  enc_error(e, ints ? "sparse array" : "table with mixed or non-string keys");
}

static void enc_key (Enc *e, int kidx, int first) {
  if (!first) buf_addc(e->L, e->buf, ',');
  enc_newline(e);
  enc_strvalue(e, kidx);
  if (e->indent) buf_add(e->L, e->buf, ": ", 2);
  else buf_addc(e->L, e->buf, ':');
}

static void enc_object_plain (Enc *e, int idx, int lv) {
  lua_State *L = e->L;
  int first = 1;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int top = lua_gettop(L);
    if (lua_type(L, top - 1) != LUA_TSTRING) enc_badkey(e, idx);
    e->frames[lv].keyidx = top - 1;
    enc_key(e, top - 1, first);
    enc_value(e, top);
    lua_pop(L, 1);
    first = 0;
  }
  enc_leave(e, '}', !first);
}

typedef struct SKey {
  const char *s;
  size_t n;
} SKey;

static int skey_cmp (const void *a, const void *b) {
  const SKey *x = (const SKey *)a, *y = (const SKey *)b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, n);
  if (c != 0) return c;
  return (x->n > y->n) - (x->n < y->n);
}

/*
** Pushes a userdata array of the table's string keys, sorted bytewise.
** The strings stay alive: they are keys of the table being encoded.
*/
static SKey *sorted_keys (Enc *e, int idx, size_t *count) {
  lua_State *L = e->L;
  size_t n = 0, cap = 16;
  SKey *keys = (SKey *)lua_newuserdatauv(L, cap * sizeof(SKey), 0);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) enc_badkey(e, idx);
    if (n == cap) {
      SKey *nk = (SKey *)lua_newuserdatauv(L, cap * 2 * sizeof(SKey), 0);
      memcpy(nk, keys, cap * sizeof(SKey));
      lua_replace(L, -3);
      keys = nk;
      cap *= 2;
    }
    keys[n].s = lua_tolstring(L, -1, &keys[n].n);
    n++;
  }
  qsort(keys, n, sizeof(SKey), skey_cmp);
  *count = n;
  return keys;
}

static void enc_object_sorted (Enc *e, int idx, int lv) {
  lua_State *L = e->L;
  size_t n, i;
  SKey *keys = sorted_keys(e, idx, &n);
  for (i = 0; i < n; i++) {
    lua_pushlstring(L, keys[i].s, keys[i].n);
    lua_pushvalue(L, -1);
    lua_rawget(L, idx);
    e->frames[lv].keyidx = lua_gettop(L) - 1;
    enc_key(e, lua_gettop(L) - 1, i == 0);
    enc_value(e, lua_gettop(L));
    lua_pop(L, 2);
  }
  lua_pop(L, 1);  /* the key array */
  enc_leave(e, '}', n > 0);
}

static void enc_object (Enc *e, int idx) {
  int lv = enc_enter(e, idx);
  buf_addc(e->L, e->buf, '{');
  if (e->sort) enc_object_sorted(e, idx, lv);
  else enc_object_plain(e, idx, lv);
}

/* json.array marks an array, json.object an object; unmarked, a
** non-empty sequence is an array and anything else an object. */
static void enc_table (Enc *e, int idx) {
  lua_State *L = e->L;
  const void *mark = NULL;
  if (lua_getmetatable(L, idx)) {
    mark = lua_topointer(L, -1);
    lua_pop(L, 1);
  }
  if (mark == e->array_mt) enc_array(e, idx);
  else if (mark == e->object_mt || lua_rawlen(L, idx) == 0)
    enc_object(e, idx);
  else enc_array(e, idx);
}

static void enc_value (Enc *e, int idx) {
  lua_State *L = e->L;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: enc_strvalue(e, idx); break;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) enc_integer(e, lua_tointeger(L, idx));
      else enc_float(e, lua_tonumber(L, idx));
      break;
    case LUA_TTABLE: enc_table(e, idx); break;
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, idx)) buf_add(L, e->buf, "true", 4);
      else buf_add(L, e->buf, "false", 5);
      break;
    case LUA_TNIL: buf_add(L, e->buf, "null", 4); break;
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL) {
        buf_add(L, e->buf, "null", 4);
        break;
      }
      /* FALLTHROUGH */
    default:
      enc_error(e, luaL_typename(L, idx));
  }
}

static const char *const ENC_OPTIONS[] = {
  "sort_keys", "indent", "max_depth", NULL
};

static void enc_options (lua_State *L, Enc *e) {
  e->sort = 0;
  e->indent = NULL;
  e->indentlen = 0;
  e->max_depth = DEFAULT_DEPTH;
  if (lua_isnoneornil(L, 2)) return;
  luaL_checktype(L, 2, LUA_TTABLE);
  json_check_options(L, 2, ENC_OPTIONS);
  lua_getfield(L, 2, "sort_keys");
  e->sort = lua_toboolean(L, -1);
  e->max_depth = json_opt_depth(L, 2, ENC_MAX_DEPTH);
  switch (lua_getfield(L, 2, "indent")) {
    case LUA_TNIL: case LUA_TBOOLEAN:
      if (lua_toboolean(L, -1)) e->indent = "  ", e->indentlen = 2;
      break;
    case LUA_TNUMBER: {
      int isint;
      lua_Integer n = lua_tointegerx(L, -1, &isint);
      static const char spaces[] = "                ";
      luaL_argcheck(L, isint && n >= 0 && n <= 16, 2,
                    "indent must be an integer from 0 to 16 or a string");
      e->indent = spaces;
      e->indentlen = (size_t)n;
      break;
    }
    case LUA_TSTRING:
      e->indent = lua_tolstring(L, -1, &e->indentlen);
      luaL_argcheck(L, strspn(e->indent, " \t") == e->indentlen, 2,
                    "indent string must hold only spaces and tabs");
      lua_copy(L, -1, 2);  /* keep it alive: opts may change, not slot 2 */
      break;
    default:
      luaL_argerror(L, 2, "indent must be a number or a string");
  }
  lua_pop(L, 2);
}

int json_encode (lua_State *L) {
  EFrame local[LOCAL_FRAMES];
  Enc e;
  luaL_checkany(L, 1);
  enc_options(L, &e);
  lua_settop(L, 2);
  lua_pushnil(L);  /* slot 3: grown frame stack */
  e.buf = (Buf *)lua_newuserdatauv(L, sizeof(Buf), 0);  /* slot 4 */
  e.buf->b = NULL;
  e.buf->n = e.buf->cap = 0;
  lua_pushvalue(L, BUF_MT);
  lua_setmetatable(L, -2);
  e.L = L;
  e.frames = local;
  e.depth = 0;
  e.cap = LOCAL_FRAMES;
  e.slot = 3;
  e.array_mt = lua_topointer(L, ARRAY_MT);
  e.object_mt = lua_topointer(L, OBJECT_MT);
  e.memo = (JsonFloatMemo *)lua_touserdata(L, FLOAT_MEMO);
  enc_value(&e, 1);
  lua_pushlstring(L, e.buf->b, e.buf->n);
  free(e.buf->b);
  e.buf->b = NULL;
  e.buf->n = e.buf->cap = 0;
  return 1;
}

