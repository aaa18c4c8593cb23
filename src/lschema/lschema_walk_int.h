/*
** lschema_walk_int.h - what the fast walker's two files share (internal).
**
** lschema_walk.c reads values and runs programs (lschema_plan.h);
** lschema_walk_each.c does the keywords that visit every item of an
** array or every member of an object. Names carry the lw_ prefix, as the
** executable exports its symbols.
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
  } u;
  const sv_value *sv;        /* the value, when walking sv_value */
} lval;

typedef struct walk {
  lua_State *L;
  sc_vctx *c;
  const char *const *kptr;   /* kptr[id]: the interned key strings */
  int kptr_index;            /* the key table: kptr[id] is its [id] */
  int key_up, nkey_up;       /* key id i <= nkey_up: upvalue key_up + i */
  int array_mt;
  int sv;                    /* walking sv_value, not Lua values */
  int bail;                  /* the generic walker must answer */
} walk;

/* lschema_walk.c */
void lw_read_typed (lua_State *L, int idx, int t, lval *v);
void lw_read_sv (walk *w, const sv_value *x, lval *v);
int lw_valid (walk *w, const sc_node *n, lval *v, const sc_path *path);

/* lschema_walk_each.c: the keywords of n for an array, or an object
** (patternProperties, additionalProperties, min/maxProperties) */
int lw_check_array (walk *w, const sc_node *n, lval *v,
                    const sc_path *path);
int lw_check_members (walk *w, const sc_node *n, lval *v,
                      const sc_path *path);

#endif
