/*
** lschema_walk.h - the validator's fast walk, for Lua values and parsed
** JSON text (lschema_walk.c, with its programs from lschema_plan.c).
*/
#ifndef FLOWLUA_LSCHEMA_WALK_H
#define FLOWLUA_LSCHEMA_WALK_H

#include "lua.h"

#include "schema/schema.h"

/* The walks' answer when the instance needs the generic walker: an
** unmarked empty table where [] and {} differ, a key that is not a
** string, an empty container read from a Lua table. */
#define SC_WALK_BAIL (-2)

/* 1 when every node reachable from the root has only keywords the fast
** walker does (the others: uniqueItems, dependencies, propertyNames,
** content*, enum/const of arrays or objects); their programs are made
** then. 0 as well when memory for them runs out. */
int sc_lua_walkable (sc_schema *s);

/* The schema's property names as Lua strings: kptr[id] is the interned
** string of key id, which is [id] of the table at index `table`, and, for
** id <= nup, upvalue up + id of the running C function as well (cheaper
** to push). */
typedef struct sc_lua_keys {
  const char *const *kptr;
  int table;
  int up, nup;
} sc_lua_keys;

/* Validates the value at idx in first-error mode, errors to c->on_error:
** 1 valid, 0 invalid, -1 too deep, SC_WALK_BAIL. array_mt and object_mt
** are the indices of json.array and json.object (pseudo-indices are fine). */
int sc_lua_walk (lua_State *L, sc_vctx *c, int idx, const sc_lua_keys *keys,
                 int array_mt, int object_mt);

/* The same over a parsed document (sv_parse, sv_parse_view). */
int sc_sv_walk (sc_vctx *c, const sv_value *doc);

#endif
