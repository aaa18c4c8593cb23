/*
** src/json/json_decode.c - json.decode: JSON text to Lua values (RFC 8259).
**
** Values are built straight on the Lua stack: a container's elements are
** pushed first and moved into a table created with its final size when the
** container closes (or every DEC_CHUNK slots, so huge arrays do not exhaust
** the stack). Decoding allocates nothing outside Lua, so a memory error
** raised by Lua while building tables cannot leak. Strings, numbers,
** literals and error messages are jsontext.h's, as for the validator.
*/
#include <stdint.h>
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
  jt_error err;
  DFrame *frames;
  int depth, cap, max_depth, slot;
} Dec;

static const char *dec_fail (Dec *d, const char *pos, int code) {
  d->err.pos = pos;
  d->err.code = code;
  return NULL;
}

static const char *skip_ws (Dec *d, const char *p) {
  return jt_skip_ws(p, d->end);
}

/* p at the opening quote; pushes the string, returns the next position.
** Decoded text is never longer than raw text: one buffer of the raw
** length suffices. */
static const char *dec_string (Dec *d, const char *p) {
  int esc;
  const char *s = p + 1, *q = jt_string_end(s, d->end, &esc, &d->err);
  if (q == NULL) return NULL;
  if (!esc) lua_pushlstring(d->L, s, (size_t)(q - s));
  else {
    luaL_Buffer b;
    char *out = luaL_buffinitsize(d->L, &b, (size_t)(q - s));
    long n = jt_unescape(s, q, out, &d->err);
    if (n < 0) return NULL;   /* the buffer goes with the stack */
    luaL_pushresultsize(&b, (size_t)n);
  }
  return q + 1;
}

static const char *dec_number (Dec *d, const char *p) {
  int is_int;
  int64_t i;
  const char *e = jt_number(p, d->end, &is_int, &i, &d->err);
  if (e == NULL) return NULL;
  if (is_int) lua_pushinteger(d->L, (lua_Integer)i);
  else lua_pushnumber(d->L, (lua_Number)jt_to_double(p, (size_t)(e - p)));
  return e;
}

static const char *dec_literal (Dec *d, const char *p) {
  const char *e;
  if (*p == 'n') {
    if ((e = jt_literal(p, d->end, "null", 4, &d->err)) != NULL)
      lua_pushlightuserdata(d->L, NULL);
    return e;
  }
  if (*p == 't') e = jt_literal(p, d->end, "true", 4, &d->err);
  else e = jt_literal(p, d->end, "false", 5, &d->err);
  if (e != NULL) lua_pushboolean(d->L, *p == 't');
  return e;
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
  else {
    lua_createtable(L, 0, 0);
    if (f->is_obj) {   /* {} must not read as [] */
      lua_pushvalue(L, OBJECT_MT);
      lua_setmetatable(L, -2);
    }
  }
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
    return dec_fail(d, p, JT_E_DEPTH);
  if (!lua_checkstack(d->L, DEC_CHUNK + 8))
    return dec_fail(d, p, JT_E_STACK);
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
  p = skip_ws(d, p);
  if (p >= d->end) return dec_fail(d, p, JT_E_END);
  if (*p != '"') return dec_fail(d, p, JT_E_KEY);
  if ((p = dec_string(d, p)) == NULL) return NULL;
  p = skip_ws(d, p);
  if (p >= d->end) return dec_fail(d, p, JT_E_END);
  if (*p != ':') return dec_fail(d, p, JT_E_COLON);
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
    default: return dec_fail(d, p, JT_E_UNEXPECTED);
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
    p = skip_ws(d, p);
    if (p >= d->end) return dec_fail(d, p, JT_E_END);
    if (*p == ',') {
      if (lua_gettop(d->L) - f->base >= DEC_CHUNK) dec_flush(d, f);
      return f->is_obj ? dec_key(d, p + 1) : p + 1;
    }
    if (*p != (f->is_obj ? '}' : ']'))
      return dec_fail(d, p, f->is_obj ? JT_E_OBJECT_NEXT : JT_E_ARRAY_NEXT);
    dec_close(d);
    p++;
  }
  return p;
}

static const char *dec_value (Dec *d, const char *p) {
  p = skip_ws(d, p);
  if (p >= d->end) return dec_fail(d, p, JT_E_END);
  if (*p == '[' || *p == '{') {
    char close = (*p == '[') ? ']' : '}';
    if ((p = dec_open(d, p)) == NULL) return NULL;
    p = skip_ws(d, p);
    if (p < d->end && *p == close) {
      dec_close(d);
      return dec_after(d, p + 1);
    }
    return close == '}' ? dec_key(d, p) : p;
  }
  if ((p = dec_scalar(d, p)) == NULL) return NULL;
  return dec_after(d, p);
}

static int dec_error (Dec *d) {
  char msg[128];
  jt_error_text(d->start, &d->err, msg, sizeof msg);
  lua_pushnil(d->L);
  lua_pushstring(d->L, msg);
  return 2;
}

static const char *const DEC_OPTIONS[] = { "max_depth", NULL };

int json_decode (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  DFrame local[LOCAL_FRAMES];
  Dec d;
  const char *p;
  d.max_depth = json_opt_depth(L, 2, DEC_MAX_DEPTH);
  if (!lua_isnoneornil(L, 2)) json_check_options(L, 2, DEC_OPTIONS);
  lua_settop(L, 2);
  lua_pushnil(L);  /* slot 3: grown frame stack */
  d.L = L;
  d.start = s;
  d.end = s + len;
  d.frames = local;
  d.depth = 0;
  d.cap = LOCAL_FRAMES;
  d.slot = 3;
  d.err.pos = s;
  d.err.code = JT_E_END;
  p = s;
  while (p != NULL && (d.depth > 0 || lua_gettop(L) == 3))
    p = dec_value(&d, p);
  if (p != NULL) {
    p = skip_ws(&d, p);
    if (p < d.end) p = dec_fail(&d, p, JT_E_TRAILING);
  }
  if (p == NULL) {
    lua_settop(L, 3);
    return dec_error(&d);
  }
  return 1;
}

