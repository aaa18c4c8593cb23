/*
** lschema_walk_int.h - what the fast walker's files share (internal).
**
** lschema_walk.c runs programs (lschema_plan.h); lschema_walk_each.c
** does the keywords that visit every item of an array or every member of
** an object, calling back through walk.valid; lschema_walk_read.c reads
** values for both. Names carry the lw_ prefix.
*/
#ifndef FLOWLUA_LSCHEMA_WALK_INT_H
#define FLOWLUA_LSCHEMA_WALK_INT_H

#include "lua.h"

#include "lschema_plan.h"

#define LV_TABLE (-1)          /* kind of a Lua table not classified yet */
#define LV_ABSENT (-3)         /* kind of a property the object lacks */

/* A value as the walker reads it: its kind (SK_* or LV_TABLE) and
** scalar, read once. */
typedef struct lval {
  int kind;
  int slot;                  /* stack slot of a Lua table, else 0 */
  union {
    sc_num num;
    struct { const char *s; size_t len; } str;
    int b;
    int marked;              /* a table: json.array or json.object */
  } u;
  const sv_value *sv;        /* the value, when walking sv_value */
} lval;

typedef struct walk {
  lua_State *L;
  sc_vctx *c;
  const char *const *kptr;   /* kptr[id]: the interned key strings */
  int kptr_index;            /* the key table: kptr[id] is its [id] */
  int key_up, nkey_up;       /* key id i <= nkey_up: upvalue key_up + i */
  int array_mt, object_mt;   /* stack indices of the marks */
  int sv;                    /* walking sv_value, not Lua values */
  int bail;                  /* the generic walker must answer */
  /* validates v against n (lschema_walk.c): lschema_walk_each.c calls it
  ** for each item and member, so it needs nothing above it */
  int (*valid) (struct walk *w, const sc_node *n, lval *v,
                const sc_path *path);
} walk;

/* lschema_walk_read.c: a value's kind and scalar, read once */
void lw_read_typed (lua_State *L, int idx, int t, lval *v);
void lw_read_sv (walk *w, const sv_value *x, lval *v);

/* lschema_walk_each.c: the keywords of n for an array, or an object
** (patternProperties, additionalProperties, min/maxProperties) */
int lw_check_array (walk *w, const sc_node *n, lval *v,
                    const sc_path *path);
int lw_check_members (walk *w, const sc_node *n, lval *v,
                      const sc_path *path);

#endif
