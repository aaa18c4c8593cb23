/*
** src/json/json_decode.c - json.decode: JSON text to Lua values (RFC 8259).
**
** Values are built straight on the Lua stack: a container's elements are
** pushed first and moved into a table created with its final size when the
** container closes (or every DEC_CHUNK slots, so huge arrays do not exhaust
** the stack). Decoding allocates nothing outside Lua, so a memory error
** raised by Lua while building tables cannot leak.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "json.h"

#define DEC_CHUNK     512   /* stack slots a container may hold unflushed */
#define DEC_MAX_DEPTH 1000000000  /* decoding does not recurse in C */


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
** The scanning loops need no bounds checks: a Lua string always ends with
** '\0', which is in neither class of jsontext.h, and every loop compares
** its stop position with the end afterwards.
*/
static const char *skip_ws (const char *p) {
  while (jt_ws[(unsigned char)*p]) p++;
  return p;
}

/* Decodes the \u escape at p (p[0] == 'u'); returns the next position. */
static const char *dec_uescape (Dec *d, const char *p, char **o) {
  int hi, lo;
  unsigned long cp;
  if (d->end - p < 5 || (hi = jt_hex4(p + 1)) < 0)
    return dec_fail(d, p - 1, "invalid \\u escape");
  cp = (unsigned long)hi;
  p += 5;
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return dec_fail(d, p - 6, "lone low surrogate in \\u escape");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (d->end - p < 6 || p[0] != '\\' || p[1] != 'u'
        || (lo = jt_hex4(p + 2)) < 0xDC00 || lo > 0xDFFF)
      return dec_fail(d, p - 6, "lone high surrogate in \\u escape");
    cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
    p += 6;
  }
  *o += jt_put_utf8(*o, cp);
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
      int n = jt_utf8_seq((const unsigned char *)p,
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
    while (jt_plain[(unsigned char)*p]) p++;
    if (p >= end) return dec_fail(d, s - 1, "unterminated string");
    c = (unsigned char)*p;
    if (c == '"') break;
    if (c == '\\') return dec_string_esc(d, s, p);
    if (c < 0x20) return dec_fail(d, p, "control character in string");
    {
      int n = jt_utf8_seq((const unsigned char *)p, (const unsigned char *)end);
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
    d->frames = json_grow_frames(d->L, d->frames, &d->cap, d->depth + 1,
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

int json_decode (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  DFrame local[LOCAL_FRAMES];
  Dec d;
  const char *p;
  d.max_depth = json_opt_depth(L, 2, DEC_MAX_DEPTH);
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

