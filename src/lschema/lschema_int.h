/*
** lschema_int.h - what the files of flowlua.core.schema share (internal).
**
** The binding is three files: lschema.c (validators, compile, the module),
** lschema_lua.c (Lua values as the validator reads them: sc_access over
** the stack, and tables converted to sv_value) and lschema_errors.c (the
** error tables of validate). This header holds the validator handle, the
** context of one validation and the upvalue layout of the validate
** functions, which all three use; it is no part of any API.
*/
#ifndef FLOWLUA_LSCHEMA_INT_H
#define FLOWLUA_LSCHEMA_INT_H

#include <stddef.h>

#include "lua.h"

#include "schema/schema.h"

typedef struct validator {
  sc_schema *schema;
  int all_errors;
  int walkable;              /* lschema_walk.c can do the schema */
  sc_arena scratch;          /* validate_json: one document at a time */
  const char **kptr;         /* kptr[id]: the key strings of the user value */
  int nkey_up;               /* how many of them are upvalues too */
  struct strslot *strs;      /* strings of errors, see kept */
  size_t nstrs, capstrs;
  int nextidx;               /* their next index in the key table */
} validator;

/* The validate functions are closures over the validator (upvalue 1), its
** key table, json.array and json.object (or false), the field names of an
** error and the first KEY_UPVALUES keys of the key table again (upvalue
** UP_KEYS + id), as an upvalue is cheaper to push; the error list is
** stack slot 3. */
#define UP_VALIDATOR lua_upvalueindex(1)
#define SLOT_KEYS lua_upvalueindex(2)
#define SLOT_ARRAY_MT lua_upvalueindex(3)
#define SLOT_OBJECT_MT lua_upvalueindex(4)
#define UP_FIELD(i) lua_upvalueindex(5 + (i))
#define UP_KEYS 9
#define KEY_UPVALUES (255 - UP_KEYS)
#define SLOT_ERRORS 3

/* The snapshots of sc_access over Lua values (see lschema_lua.c). */
#define SNAP_DEPTH 16          /* nested objects with a snapshot */
#define SNAP_KEYS 24           /* larger objects use lua_rawget */
#define SHORT_STR 40           /* LUAI_MAXSHORTLEN: interned up to this */

typedef struct snap {
  int slot;                  /* the object's stack slot */
  int base, n;               /* its values: slots base .. base+n-1 */
  const char *key[SNAP_KEYS];
  size_t klen[SNAP_KEYS];
} snap;

typedef struct lctx {
  lua_State *L;
  validator *v;
  const char *const *kptr;   /* kptr[id]: the interned key strings */
  int nsnap;
  int nerr;                  /* errors in the list (SLOT_ERRORS) */
  snap snaps[SNAP_DEPTH];
} lctx;

/* A conversion of Lua values to sv_value (see lschema_lua.c). */
typedef struct conv {
  lua_State *L;
  sc_arena *a;
  int array_mt;              /* stack index of json.array, or 0 */
  int object_mt;             /* stack index of json.object, or 0 */
  int depth;
  const char *err;
} conv;

/* lschema_lua.c: sc_access over Lua values, with stack slots as
** references; the value at idx as an sv_value in cv->a (NULL and cv->err
** on failure). */
extern const sc_access lschema_lua_access;
sv_value *lschema_to_sv (conv *cv, int idx);

/* lschema_errors.c: the field names of an error and "" (upvalues
** UP_FIELD(0) .. UP_FIELD(4)); the sc_vctx error callback, ud an lctx. */
extern const char *const lschema_error_fields[];
void lschema_on_error (void *ud, const sc_error *e);

#endif
