/*
** src/json.c - flowlua.core.json: an exact JSON codec (RFC 8259).
**
** Decoding builds values straight on the Lua stack: a container's elements
** are pushed first and moved into a table created with its final size when
** the container closes (or every DEC_CHUNK slots, so huge arrays do not
** exhaust the stack). Decoding allocates nothing outside Lua, so a memory
** error raised by Lua while building tables cannot leak.
**
** Encoding writes into a growable C buffer owned by a userdata whose __gc
** frees it: errors raised half-way (bad values, memory) leak nothing.
**
** Settings travel in per-call structs; there is no global mutable state.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "flowlua.h"

#define ARRAY_MT      lua_upvalueindex(1)
#define BUF_MT        lua_upvalueindex(2)
#define DEFAULT_DEPTH 1000
#define LOCAL_FRAMES  32
#define DEC_CHUNK     512   /* stack slots a container may hold unflushed */
#define DEC_MAX_DEPTH 1000000000  /* decoding does not recurse in C */
#define ENC_MAX_DEPTH 10000       /* encoding does: bounded C stack use */


/* ======================================================================
** Shared: frame stacks that grow into a Lua-owned userdata
** ====================================================================== */

/*
** Grows the frame array *frames (cap entries of size sz) to at least
** need entries. The new block is a userdata stored at stack index slot,
** so Lua owns it and nothing leaks if anything raises later.
*/
static void *grow_frames (lua_State *L, void *frames, int *cap, int need,
                          size_t sz, int slot) {
  int ncap = *cap * 2;
  void *nf;
  if (ncap < need) ncap = need;
  nf = lua_newuserdatauv(L, (size_t)ncap * sz, 0);
  memcpy(nf, frames, (size_t)*cap * sz);
  lua_replace(L, slot);
  *cap = ncap;
  return nf;
}


/* ======================================================================
** Decoder
** ====================================================================== */

typedef struct DFrame {
  int base;           /* stack index of the first slot of this container */
  int has_table;      /* the table already sits at base */
  int is_obj;
  lua_Integer count;  /* array elements already moved into the table */
} DFrame;

typedef struct Dec {
  lua_State *L;
  const char *start, *end;
  const char *errpos;
  const char *errmsg;
  DFrame *frames;
  int depth, cap, max_depth, slot;
} Dec;

static const char *dec_fail (Dec *d, const char *pos, const char *msg) {
  d->errpos = pos;
  d->errmsg = msg;
  return NULL;
}

/*
** Character classes. The scanning loops need no bounds checks: a Lua
** string always ends with '\0', which is in neither class, and every loop
** compares its stop position with the end afterwards.
*/
static const unsigned char ws_tab[256] = {
  ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1
};

#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
/* 1: byte that may be copied as is inside a string (ASCII, not " \) */
static const unsigned char plain_tab[256] = {
  R16(0), R16(0),
  1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x20: '"' */
  R16(1), R16(1),
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,  /* 0x50: '\\' */
  R16(1), R16(1),
};

static const char *skip_ws (const char *p) {
  while (ws_tab[(unsigned char)*p]) p++;
  return p;
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0. */
static int utf8_seq (const unsigned char *s, const unsigned char *end) {
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

static int hex4 (const char *p, unsigned *out) {
  unsigned v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    int c = (unsigned char)p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

static char *put_utf8 (char *o, unsigned cp) {
  if (cp < 0x80) *o++ = (char)cp;
  else if (cp < 0x800) {
    *o++ = (char)(0xC0 | (cp >> 6));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  else {
    *o++ = (char)(0xF0 | (cp >> 18));
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* Decodes the \u escape at p (p[0] == 'u'); returns the next position. */
static const char *dec_uescape (Dec *d, const char *p, char **o) {
  unsigned cp, lo;
  if (d->end - p < 5 || !hex4(p + 1, &cp))
    return dec_fail(d, p - 1, "invalid \\u escape");
  p += 5;
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return dec_fail(d, p - 6, "lone low surrogate in \\u escape");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (d->end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, &lo)
        || lo < 0xDC00 || lo > 0xDFFF)
      return dec_fail(d, p - 6, "lone high surrogate in \\u escape");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    p += 6;
  }
  *o = put_utf8(*o, cp);
  return p;
}

static const char *dec_escape (Dec *d, const char *p, char **o) {
  char c;
  if (p + 1 >= d->end) return dec_fail(d, p, "unterminated string");
  switch (p[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': return dec_uescape(d, p + 1, o);
    default: return dec_fail(d, p, "invalid escape in string");
  }
  *(*o)++ = c;
  return p + 2;
}

/*
** Slow path for strings with escapes: p is at the first backslash, s at
** the first character of the string. The decoded text is never longer
** than the raw text, so one buffer of the raw length suffices.
*/
static const char *dec_string_esc (Dec *d, const char *s, const char *p) {
  luaL_Buffer b;
  const char *q = p;
  char *out, *o;
  while (q < d->end && *q != '"') q += (*q == '\\') ? 2 : 1;
  if (q >= d->end) return dec_fail(d, s - 1, "unterminated string");
  out = luaL_buffinitsize(d->L, &b, (size_t)(q - s));
  memcpy(out, s, (size_t)(p - s));
  o = out + (p - s);
  while (*p != '"') {
    unsigned char c = (unsigned char)*p;
    if (c == '\\') {
      if ((p = dec_escape(d, p, &o)) == NULL) return NULL;
    }
    else if (c < 0x20) return dec_fail(d, p, "control character in string");
    else if (c < 0x80) *o++ = *p++;
    else {
      int n = utf8_seq((const unsigned char *)p,
                       (const unsigned char *)d->end);
      if (n == 0) return dec_fail(d, p, "invalid UTF-8 in string");
      memcpy(o, p, (size_t)n);
      o += n;
      p += n;
    }
  }
  luaL_pushresultsize(&b, (size_t)(o - out));
  return p + 1;
}

/* p at the opening quote; pushes the string, returns the next position. */
static const char *dec_string (Dec *d, const char *p) {
  const char *s = ++p;
  const char *end = d->end;
  for (;;) {
    unsigned char c;
    while (plain_tab[(unsigned char)*p]) p++;
    if (p >= end) return dec_fail(d, s - 1, "unterminated string");
    c = (unsigned char)*p;
    if (c == '"') break;
    if (c == '\\') return dec_string_esc(d, s, p);
    if (c < 0x20) return dec_fail(d, p, "control character in string");
    {
      int n = utf8_seq((const unsigned char *)p, (const unsigned char *)end);
      if (n == 0) return dec_fail(d, p, "invalid UTF-8 in string");
      p += n;
    }
  }
  lua_pushlstring(d->L, s, (size_t)(p - s));
  return p + 1;
}

static const char *scan_digits (const char *p, const char *end) {
  while (p < end && *p >= '0' && *p <= '9') p++;
  return p;
}

/* Converts a validated float (or too large integer) token to a float. */
static const char *dec_float (Dec *d, const char *s, const char *e) {
  char local[64];
  size_t n = (size_t)(e - s);
  lua_State *L = d->L;
  if (n < sizeof local) {
    memcpy(local, s, n);
    local[n] = '\0';
    if (lua_stringtonumber(L, local) == 0)
      return dec_fail(d, s, "number cannot be represented");
  }
  else {
    lua_pushlstring(L, s, n);
    if (lua_stringtonumber(L, lua_tostring(L, -1)) == 0)
      return dec_fail(d, s, "number cannot be represented");
    lua_remove(L, -2);
  }
  if (lua_isinteger(L, -1)) {  /* only for locales where it can happen */
    lua_Number x = (lua_Number)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_pushnumber(L, x);
  }
  return e;
}

/*
** Numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? . Integers that
** fit in 64 bits are parsed by hand; the rest go through the C library.
*/
static const char *dec_number (Dec *d, const char *p) {
  const char *s = p, *end = d->end, *ds, *de;
  int neg = 0;
  if (*p == '-') { neg = 1; p++; }
  ds = p;
  if (p < end && *p == '0') p++;
  else if (p < end && *p >= '1' && *p <= '9') p = scan_digits(p, end);
  else return dec_fail(d, s, "invalid number");
  de = p;
  if (p < end && *p == '.') {
    const char *q = scan_digits(p + 1, end);
    if (q == p + 1) return dec_fail(d, q, "invalid number");
    p = q;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    const char *q = p + 1;
    if (q < end && (*q == '+' || *q == '-')) q++;
    p = scan_digits(q, end);
    if (p == q) return dec_fail(d, p, "invalid number");
  }
  if (p != de || de - ds > 19) return dec_float(d, s, p);
  {
    uint64_t v = 0;
    for (; ds < de; ds++) v = v * 10 + (uint64_t)(*ds - '0');
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg) return dec_float(d, s, p);
    lua_pushinteger(d->L, neg ? (lua_Integer)(0 - v) : (lua_Integer)v);
  }
  return p;
}

static const char *dec_literal (Dec *d, const char *p) {
  size_t left = (size_t)(d->end - p);
  if (*p == 't' && left >= 4 && memcmp(p, "true", 4) == 0) {
    lua_pushboolean(d->L, 1);
    return p + 4;
  }
  if (*p == 'f' && left >= 5 && memcmp(p, "false", 5) == 0) {
    lua_pushboolean(d->L, 0);
    return p + 5;
  }
  if (*p == 'n' && left >= 4 && memcmp(p, "null", 4) == 0) {
    lua_pushlightuserdata(d->L, NULL);
    return p + 4;
  }
  return dec_fail(d, p, "invalid literal");
}

/*
** Moves the elements pending above a container's base into its table,
** creating the table (sized for them) the first time.
*/
static void dec_flush (Dec *d, DFrame *f) {
  lua_State *L = d->L;
  int top = lua_gettop(L);
  int first = f->base + f->has_table;
  int n = top - first + 1, t, i;
  if (!f->has_table) {
    if (f->is_obj) lua_createtable(L, 0, n / 2);
    else lua_createtable(L, n, 0);
    t = top + 1;
  }
  else t = f->base;
  if (f->is_obj) {
    for (i = first; i < top; i += 2) {
      lua_pushvalue(L, i);
      lua_pushvalue(L, i + 1);
      lua_rawset(L, t);
    }
  }
  else {
    for (i = 0; i < n; i++) {
      lua_pushvalue(L, first + i);
      lua_rawseti(L, t, f->count + i + 1);
    }
    f->count += n;
  }
  if (!f->has_table) {
    lua_replace(L, f->base);
    f->has_table = 1;
  }
  lua_settop(L, f->base);
}

static void dec_close (Dec *d) {
  DFrame *f = &d->frames[d->depth - 1];
  lua_State *L = d->L;
  if (f->has_table || lua_gettop(L) >= f->base) dec_flush(d, f);
  else lua_createtable(L, 0, 0);
  if (!f->is_obj) {
    lua_pushvalue(L, ARRAY_MT);
    lua_setmetatable(L, -2);
  }
  d->depth--;
}

/* Opens a container at p ('{' or '['); returns the next position. */
static const char *dec_open (Dec *d, const char *p) {
  DFrame *f;
  if (d->depth >= d->max_depth)
    return dec_fail(d, p, "nesting too deep");
  if (!lua_checkstack(d->L, DEC_CHUNK + 8))
    return dec_fail(d, p, "nesting too deep for the Lua stack");
  if (d->depth == d->cap)
    d->frames = grow_frames(d->L, d->frames, &d->cap, d->depth + 1,
                            sizeof(DFrame), d->slot);
  f = &d->frames[d->depth++];
  f->base = lua_gettop(d->L) + 1;
  f->has_table = 0;
  f->is_obj = (*p == '{');
  f->count = 0;
  return p + 1;
}

/* Parses `"key" :` inside an object; returns the position after ':'. */
static const char *dec_key (Dec *d, const char *p) {
  p = skip_ws(p);
  if (p >= d->end) return dec_fail(d, p, "unexpected end of input");
  if (*p != '"') return dec_fail(d, p, "expected a string key");
  if ((p = dec_string(d, p)) == NULL) return NULL;
  p = skip_ws(p);
  if (p >= d->end) return dec_fail(d, p, "unexpected end of input");
  if (*p != ':') return dec_fail(d, p, "expected ':' after a key");
  return p + 1;
}

/* Parses one scalar or opens a container; p at a non-space. */
static const char *dec_scalar (Dec *d, const char *p) {
  switch (*p) {
    case '"': return dec_string(d, p);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return dec_number(d, p);
    case 't': case 'f': case 'n': return dec_literal(d, p);
    default: return dec_fail(d, p, NULL);  /* names the character */
  }
}

/*
** After a value: handles ',' and closing brackets. Returns the position
** of the next value to parse (after a key for objects), or the end of
** the text once the top-level value is complete.
*/
static const char *dec_after (Dec *d, const char *p) {
  while (d->depth > 0) {
    DFrame *f = &d->frames[d->depth - 1];
    p = skip_ws(p);
    if (p >= d->end) return dec_fail(d, p, "unexpected end of input");
    if (*p == ',') {
      if (lua_gettop(d->L) - f->base >= DEC_CHUNK) dec_flush(d, f);
      return f->is_obj ? dec_key(d, p + 1) : p + 1;
    }
    if (*p != (f->is_obj ? '}' : ']'))
      return dec_fail(d, p, f->is_obj ? "expected ',' or '}'"
                                      : "expected ',' or ']'");
    dec_close(d);
    p++;
  }
  return p;
}

static const char *dec_value (Dec *d, const char *p) {
  p = skip_ws(p);
  if (p >= d->end) return dec_fail(d, p, "unexpected end of input");
  if (*p == '[' || *p == '{') {
    char close = (*p == '[') ? ']' : '}';
    if ((p = dec_open(d, p)) == NULL) return NULL;
    p = skip_ws(p);
    if (p < d->end && *p == close) {
      dec_close(d);
      return dec_after(d, p + 1);
    }
    return close == '}' ? dec_key(d, p) : p;
  }
  if ((p = dec_scalar(d, p)) == NULL) return NULL;
  return dec_after(d, p);
}

/* Pushes the message of an unexpected character, shown when printable. */
static const char *unexpected (lua_State *L, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  if (c > 0x20 && c < 0x7F)
    return lua_pushfstring(L, "unexpected character '%c'", c);
  return lua_pushfstring(L, "unexpected byte 0x%c%c", hex[c >> 4], hex[c & 15]);
}

static int dec_error (Dec *d) {
  const char *q, *msg = d->errmsg;
  int line = 1;
  const char *bol = d->start;
  for (q = d->start; q < d->errpos; q++)
    if (*q == '\n') { line++; bol = q + 1; }
  if (msg == NULL) msg = unexpected(d->L, (unsigned char)*d->errpos);
  lua_pushnil(d->L);
  lua_pushfstring(d->L, "%s at line %d column %d", msg, line,
                  (int)(d->errpos - bol) + 1);
  return 2;
}

/* opts.max_depth: an integer from 0 to limit, DEFAULT_DEPTH if absent */
static int opt_depth (lua_State *L, int arg, lua_Integer limit) {
  lua_Integer v;
  if (lua_isnoneornil(L, arg)) return DEFAULT_DEPTH;
  luaL_checktype(L, arg, LUA_TTABLE);
  if (lua_getfield(L, arg, "max_depth") == LUA_TNIL) v = DEFAULT_DEPTH;
  else {
    int isint;
    v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 0 || v > limit)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "max_depth must be an integer from 0 to %I",
                    (LUAI_UACINT)limit));
  }
  lua_pop(L, 1);
  return (int)v;
}

static int json_decode (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  DFrame local[LOCAL_FRAMES];
  Dec d;
  const char *p;
  d.max_depth = opt_depth(L, 2, DEC_MAX_DEPTH);
  lua_settop(L, 2);
  lua_pushnil(L);  /* slot 3: grown frame stack */
  d.L = L;
  d.start = s;
  d.end = s + len;
  d.frames = local;
  d.depth = 0;
  d.cap = LOCAL_FRAMES;
  d.slot = 3;
  d.errpos = s;
  d.errmsg = "invalid JSON";
  p = s;
  while (p != NULL && (d.depth > 0 || lua_gettop(L) == 3))
    p = dec_value(&d, p);
  if (p != NULL) {
    p = skip_ws(p);
    if (p < d.end) p = dec_fail(&d, p, "unexpected data after the value");
  }
  if (p == NULL) {
    lua_settop(L, 3);
    return dec_error(&d);
  }
  return 1;
}


/* ======================================================================
** Encoder: output buffer
** ====================================================================== */

typedef struct Buf {
  char *b;
  size_t n, cap;
} Buf;

static int buf_gc (lua_State *L) {
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
  if (x != x) enc_error(e, "NaN");
  if (x == HUGE_VAL || x == -HUGE_VAL) enc_error(e, "inf");
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
    while (plain_tab[*s]) s++;
    memcpy(b->b + b->n, run, (size_t)(s - run));
    b->n += (size_t)(s - run);
    if (s >= end) break;
    if (*s >= 0x80) {
      int n = utf8_seq(s, end);
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
    e->frames = grow_frames(e->L, e->frames, &e->cap, e->depth + 1,
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

static void enc_table (Enc *e, int idx) {
  lua_State *L = e->L;
  int marked = 0;
  if (lua_getmetatable(L, idx)) {
    marked = (lua_topointer(L, -1) == e->array_mt);
    lua_pop(L, 1);
  }
  if (marked || lua_rawlen(L, idx) > 0) enc_array(e, idx);
  else enc_object(e, idx);
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

static void enc_options (lua_State *L, Enc *e) {
  e->sort = 0;
  e->indent = NULL;
  e->indentlen = 0;
  e->max_depth = DEFAULT_DEPTH;
  if (lua_isnoneornil(L, 2)) return;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, 2, "sort_keys");
  e->sort = lua_toboolean(L, -1);
  e->max_depth = opt_depth(L, 2, ENC_MAX_DEPTH);
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

static int json_encode (lua_State *L) {
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
  enc_value(&e, 1);
  lua_pushlstring(L, e.buf->b, e.buf->n);
  free(e.buf->b);
  e.buf->b = NULL;
  e.buf->n = e.buf->cap = 0;
  return 1;
}


/* ======================================================================
** json.array and module
** ====================================================================== */

/* json.array() -> a new empty array; json.array(t) marks t as one */
static int array_call (lua_State *L) {
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  else {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
  }
  lua_pushvalue(L, 1);
  lua_setmetatable(L, 2);
  return 1;
}

static const luaL_Reg json_funcs[] = {
  {"decode", json_decode},
  {"encode", json_encode},
  {NULL, NULL}
};

int luaopen_flowlua_core_json (lua_State *L) {
  luaL_newlibtable(L, json_funcs);
  lua_newtable(L);                 /* the shared array metatable */
  lua_pushliteral(L, "flowlua.json.array");
  lua_setfield(L, -2, "__name");
  lua_createtable(L, 0, 1);        /* its own metatable: callable */
  lua_pushcfunction(L, array_call);
  lua_setfield(L, -2, "__call");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "array");
  lua_createtable(L, 0, 2);        /* metatable of encode's buffers */
  lua_pushcfunction(L, buf_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "flowlua.json.buffer");
  lua_setfield(L, -2, "__name");
  luaL_setfuncs(L, json_funcs, 2);
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  return 1;
}
