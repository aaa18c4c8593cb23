/*
** lschema_walk_read.c - how the fast walker reads a value: its kind and
** scalar, once, into an lval, from the Lua stack or from an sv_value.
** The lowest piece of the walker: both other files read through it.
*/
#include <stdint.h>

#include "lua.h"

#include "lschema_walk_int.h"


/* The value at idx, whose type t is known. */
void lw_read_typed (lua_State *L, int idx, int t, lval *v) {
  v->slot = 0;
  switch (t) {
    case LUA_TNIL: v->kind = SK_NULL; break;
    case LUA_TBOOLEAN: v->kind = SK_BOOL; v->u.b = lua_toboolean(L, idx); break;
    case LUA_TNUMBER:
      v->u.num.is_int = lua_isinteger(L, idx);
      v->kind = v->u.num.is_int ? SK_INT : SK_NUM;
      if (v->u.num.is_int) {
        v->u.num.i = (int64_t)lua_tointeger(L, idx);
        v->u.num.d = (double)v->u.num.i;
      } else {
        v->u.num.d = (double)lua_tonumber(L, idx);
      }
      break;
    case LUA_TSTRING:
      v->kind = SK_STR;
      v->u.str.s = lua_tolstring(L, idx, &v->u.str.len);
      break;
    case LUA_TTABLE: v->kind = -1; v->slot = idx; break;
    case LUA_TLIGHTUSERDATA:
      v->kind = lua_touserdata(L, idx) == NULL ? SK_NULL : SK_OTHER;
      break;
    default: v->kind = SK_OTHER; break;
  }
}

void lw_read_sv (walk *w, const sv_value *x, lval *v) {
  static const int kinds[] = { SK_NULL, SK_BOOL, SK_BOOL, SK_INT, SK_NUM,
    SK_STR, SK_ARR, SK_OBJ };
  v->slot = 0;
  v->sv = x;
  v->kind = kinds[x->kind];
  if (x->empty_any) w->bail = 1;   /* [] and {}: the generic walker */
  switch (x->kind) {
    case SV_TRUE: case SV_FALSE: v->u.b = x->kind == SV_TRUE; break;
    case SV_INT:
      v->u.num.is_int = 1;
      v->u.num.i = x->u.i;
      v->u.num.d = (double)x->u.i;
      break;
    case SV_NUM: v->u.num.is_int = 0; v->u.num.d = x->u.d; break;
    case SV_STR: v->u.str.s = x->u.s; v->u.str.len = x->n; break;
    default: break;
  }
}
