/*
** lschema_errors.c - the error tables of flowlua.core.schema's validate.
**
** lschema_on_error turns each error the walkers report into a Lua table
** {path, schema_path, keyword, message} appended to the error list (stack
** slot SLOT_ERRORS), reusing strings kept in the validator's key table.
** Apart from lschema.c because it is one idea with its own small hash
** table; shared declarations are in lschema_int.h.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lschema_int.h"
#include "schema/schema.h"

/* ======================================================================
** Error tables
**
** The strings of an error mostly depend on the schema alone: "ptr/keyword",
** the keyword, a fixed message, a path "/name" of a schema property. They
** are made once and kept in the key table, at indices after the keys. A
** small hash table of the validator maps a failing check (its schema
** pointer, keyword and fixed message) to the indices of all three, and a
** schema property to its path, so an error is two new tables filled with
** strings that already exist: no formatting, no new string to hash.
** ====================================================================== */

typedef struct strslot {
  const void *a, *b, *c;     /* the check, or (skey, TAG_PATH, NULL) */
  int idx[3];                /* schema_path, keyword, message (0: none) */
} strslot;

static const char tags[1] = { 0 };
#define TAG_PATH (&tags[0])

static size_t slot_of (const validator *v, const void *a, const void *b,
                       const void *c) {
  uintptr_t h = ((uintptr_t)a * 31u + (uintptr_t)b) * 31u + (uintptr_t)c;
  return (size_t)(h ^ (h >> 7)) & (v->capstrs - 1);
}

static const strslot *find_slot (const validator *v, const void *a,
                                 const void *b, const void *c) {
  size_t i;
  if (v->capstrs == 0) return NULL;
  for (i = slot_of(v, a, b, c); v->strs[i].a; i = (i + 1) & (v->capstrs - 1))
    if (v->strs[i].a == a && v->strs[i].b == b && v->strs[i].c == c)
      return &v->strs[i];
  return NULL;
}

static strslot *put_slot (validator *v, const strslot *s) {
  size_t i = slot_of(v, s->a, s->b, s->c);
  while (v->strs[i].a) i = (i + 1) & (v->capstrs - 1);
  v->strs[i] = *s;
  v->nstrs++;
  return &v->strs[i];
}

/* Doubles the table; 0 when out of memory (then nothing more is kept). */
static int grow_slots (validator *v) {
  size_t cap = v->capstrs ? v->capstrs * 2 : 64, i, old = v->capstrs;
  strslot *prev = v->strs;
  if ((v->strs = calloc(cap, sizeof *v->strs)) == NULL) {
    v->strs = prev;
    return 0;
  }
  v->capstrs = cap;
  v->nstrs = 0;
  for (i = 0; i < old; i++)
    if (prev[i].a) put_slot(v, &prev[i]);
  free(prev);
  return 1;
}

static void render_path (lua_State *L, const sc_path *p) {
  char small[256];
  size_t n = sc_path_render(p, small, sizeof small);
  if (n < sizeof small) {
    lua_pushlstring(L, small, n);
  } else {
    luaL_Buffer b;
    char *buf = luaL_buffinitsize(L, &b, n + 1);
    sc_path_render(p, buf, n + 1);
    luaL_pushresultsize(&b, n);
  }
}

/* Keeps the string on top of the stack (popped) in the key table. */
static int keep (lua_State *L, validator *v) {
  lua_rawseti(L, SLOT_KEYS, v->nextidx);
  return v->nextidx++;
}

/* Makes and keeps the strings of slot s; NULL when out of memory. */
static const strslot *new_slot (lua_State *L, validator *v, strslot *s,
                                const sc_error *e) {
  if ((v->nstrs + 1) * 2 > v->capstrs && !grow_slots(v)) return NULL;
  if (s->b == TAG_PATH) {
    render_path(L, e->path);
    s->idx[0] = keep(L, v);
    return put_slot(v, s);
  }
  lua_pushfstring(L, "%s/%s", e->schema_path, e->keyword);
  s->idx[0] = keep(L, v);
  lua_pushstring(L, e->keyword);
  s->idx[1] = keep(L, v);
  if (s->c) {
    lua_pushstring(L, e->message);
    s->idx[2] = keep(L, v);
  }
  return put_slot(v, s);
}

/* Copies into out the kept strings of e's check (b = keyword) or of its
** path (b = TAG_PATH), made the first time; 0 when they cannot be kept. */
static int kept (lua_State *L, validator *v, const sc_error *e,
                 const void *b, strslot *out) {
  const strslot *f;
  memset(out, 0, sizeof *out);
  out->a = b == TAG_PATH ? (const void *)e->path->skey : e->schema_path;
  out->b = b;
  out->c = b == TAG_PATH || !e->fixed ? NULL : e->message;
  f = find_slot(v, out->a, out->b, out->c);
  if (f == NULL) f = new_slot(L, v, out, e);
  if (f == NULL) return 0;
  *out = *f;
  return 1;
}

/* "" for the root; "/name" of a schema property is kept. */
static void push_path (lua_State *L, validator *v, const sc_error *e) {
  const sc_path *p = e->path;
  strslot s;
  if (p == NULL) lua_pushvalue(L, UP_FIELD(4));
  else if (p->up == NULL && p->skey != NULL && kept(L, v, e, TAG_PATH, &s))
    lua_rawgeti(L, SLOT_KEYS, s.idx[0]);
  else render_path(L, p);
}

/* Pushes the kept string idx, or s when there is none. */
static void push_kept (lua_State *L, int idx, const char *s) {
  if (idx > 0) lua_rawgeti(L, SLOT_KEYS, idx);
  else lua_pushstring(L, s);
}

/* The field names of an error and "" (the root's path): upvalues of the
** validate functions, UP_FIELD(0) .. UP_FIELD(4). */
const char *const lschema_error_fields[] = { "path", "schema_path",
  "keyword", "message", "" };

void lschema_on_error (void *ud, const sc_error *e) {
  lctx *x = ud;
  lua_State *L = x->L;
  strslot s;
  luaL_checkstack(L, 8, "too many errors");
  (void)kept(L, x->v, e, e->keyword, &s);   /* 0: the strings made here */
  if (x->nerr == 0) {
    lua_createtable(L, 1, 0);
    lua_replace(L, SLOT_ERRORS);
  }
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, UP_FIELD(0));
  push_path(L, x->v, e);
  lua_rawset(L, -3);
  lua_pushvalue(L, UP_FIELD(1));
  if (s.idx[0] > 0) lua_rawgeti(L, SLOT_KEYS, s.idx[0]);
  else lua_pushfstring(L, "%s/%s", e->schema_path, e->keyword);
  lua_rawset(L, -3);
  lua_pushvalue(L, UP_FIELD(2));
  push_kept(L, s.idx[1], e->keyword);
  lua_rawset(L, -3);
  lua_pushvalue(L, UP_FIELD(3));
  push_kept(L, s.idx[2], e->message);
  lua_rawset(L, -3);
  lua_rawseti(L, SLOT_ERRORS, ++x->nerr);
}
