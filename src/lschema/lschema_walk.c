/*
** lschema_walk.c - the validator's fast walk, over Lua values and over
** parsed JSON text (sv_value, which needs no Lua at all).
**
** The generic walker (schema_validate.c) reads instances through sc_access,
** a call per access, and visits schema nodes one by one. Here a schema is
** a program per instance (lschema_plan.h) and values are read with the
** Lua API directly: a value's kind and scalar once, into an lval; each
** property a program names once, into its slot, however many of the
** inlined schemas ask for it. The checks, their order and the messages
** (schema_check.c) are the generic walker's, so the first error is the
** same. The path is a chain of sc_path on the C stack, read only when an
** error is reported. First error only: the binding uses the generic
** walker for all_errors, for schemas this file does not do
** (sc_lua_walkable) and when it answers SC_WALK_BAIL: an unmarked empty
** table in a place where [] and {} would differ, a key that is not a
** string, an empty JSON object or array read from a Lua table.
*/
#include <math.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lschema_walk.h"
#include "lschema_walk_int.h"

#define MAX_DEPTH 512

/* What a program knows of its instance while it runs. */
typedef struct frame {
  const lw_prog *p;
  lval *v;                   /* the instance */
  const sc_path *path;
  unsigned long have;        /* slots read (bit i) */
  int nonempty;              /* a property was found */
  int why;                   /* the check an LW_LEAF failed */
  int counter[LW_COUNTERS];
  lval slot[LW_SLOTS];
} frame;

static int exec (walk *w, const lw_prog *p, lval *v, const sc_path *path);

/* ======================================================================
** Values
** ====================================================================== */

/* As the generic accessor does: json.array or a sequence ([1] is not nil)
** is an array, json.object an object; anything else an object, or an
** unmarked empty table ([] and {} at once), told apart only when a check
** fails (is_empty). */
static void classify (walk *w, lval *v) {
  lua_State *L = w->L;
  int arr = 0;
  v->u.marked = 0;
  if (lua_getmetatable(L, v->slot)) {
    arr = lua_rawequal(L, -1, w->array_mt);
    v->u.marked = arr || lua_rawequal(L, -1, w->object_mt);
    lua_pop(L, 1);
  }
  if (!v->u.marked) {
    arr = lua_rawgeti(L, v->slot, 1) != LUA_TNIL;
    lua_pop(L, 1);
  }
  v->kind = arr ? SK_ARR : SK_OBJ;
}

static int is_empty (walk *w, const lval *v) {
  lua_State *L = w->L;
  luaL_checkstack(L, 2, "instance too deep");
  lua_pushnil(L);
  if (lua_next(L, v->slot) == 0) return 1;
  lua_pop(L, 2);
  return 0;
}

/* A check failed on v: were v an empty table, it might pass as [], which
** is for the generic walker to say. */
static void failed_on (walk *w, const lval *v, int known_nonempty) {
  if (!w->sv && v->kind == SK_OBJ && !v->u.marked && !known_nonempty
      && is_empty(w, v))
    w->bail = 1;
}

/* Reads the property k of the object v into m (LV_ABSENT when none). A
** Lua value stays on the stack, whatever it is: a table for its own walk,
** and the rest because popping costs more than a settop at the end. */
static void fetch (walk *w, const lval *v, const sc_key *k, lval *m) {
  lua_State *L = w->L;
  const sv_value *x;
  int t;
  if (w->sv) {
    x = sv_find(v->sv, k->s, k->len, k->hash);
    if (x == NULL) m->kind = LV_ABSENT;
    else lw_read_sv(w, x, m);
    return;
  }
  if (k->id <= w->nkey_up) lua_pushvalue(L, lua_upvalueindex(w->key_up + k->id));
  else lua_rawgeti(L, w->kptr_index, k->id);
  if ((t = lua_rawget(L, v->slot)) == LUA_TNIL) {
    m->kind = LV_ABSENT;
    m->slot = 0;
    return;
  }
  lw_read_typed(L, -1, t, m);
  if (m->slot) m->slot = lua_gettop(L);
}

static lval *read_slot (walk *w, frame *f, int s) {
  lval *m = &f->slot[s];
  f->have |= 1ul << s;
  fetch(w, f->v, f->p->keys[s], m);
  if (m->kind != LV_ABSENT) f->nonempty = 1;
  if (m->kind == LV_TABLE) classify(w, m);
  return m;
}

/* The value in slot s, read the first time it is asked for. */
static lval *slot (walk *w, frame *f, int s) {
  return f->have & (1ul << s) ? &f->slot[s] : read_slot(w, f, s);
}

/* ======================================================================
** Checks of one value
** ====================================================================== */

static int type_ok (unsigned types, const lval *v) {
  switch (v->kind) {
    case SK_NULL: return (types & T_NULL) != 0;
    case SK_BOOL: return (types & T_BOOL) != 0;
    case SK_INT: return (types & (T_INT | T_NUM)) != 0;
    case SK_NUM:
      return (types & T_NUM) || ((types & T_INT) && isfinite(v->u.num.d)
                                 && v->u.num.d == floor(v->u.num.d));
    case SK_STR: return (types & T_STR) != 0;
    case SK_ARR: return (types & T_ARR) != 0;
    case SK_OBJ: return (types & T_OBJ) != 0;
    default: return 0;
  }
}

/* JSON equality with a scalar of the schema: 1 == 1.0 */
static int equal_scalar (const lval *v, const sv_value *e) {
  switch (v->kind) {
    case SK_NULL: return e->kind == SV_NULL;
    case SK_BOOL: return e->kind == (v->u.b ? SV_TRUE : SV_FALSE);
    case SK_INT: case SK_NUM:
      if (e->kind == SV_INT && v->kind == SK_INT) return e->u.i == v->u.num.i;
      if (e->kind == SV_INT) return (double)e->u.i == v->u.num.d;
      return e->kind == SV_NUM && e->u.d == v->u.num.d;
    case SK_STR:
      return e->kind == SV_STR && e->n == v->u.str.len &&
        sv_keyeq(e->u.s, v->u.str.s, e->n);
    default: return 0;
  }
}

static int in_enum (const sc_node *n, const lval *v) {
  size_t i;
  for (i = 0; i < n->nenums; i++)
    if (equal_scalar(v, n->enums[i])) return 1;
  return 0;
}

/* A minimum alone on an integer, as most bounds are: no call. */
static int number_ok (walk *w, const sc_node *n, const lval *v,
                      const sc_path *path) {
  if (v->kind != SK_INT && v->kind != SK_NUM) return 1;
  if (v->kind == SK_INT && n->min.set && n->min.is_int &&
      !n->max.set && !n->xmin.set && !n->xmax.set && !n->mult.set &&
      v->u.num.i >= n->min.i)
    return 1;
  return sc_check_number(w->c, n, &v->u.num, path);
}

/* ======================================================================
** Programs
** ====================================================================== */

/* The location of the value an op checks. */
static const sc_path *where (const frame *f, const lw_op *o, sc_path *p) {
  const sc_key *k;
  if (o->slot == LW_SELF) return f->path;
  k = o->slot == LW_NOSLOT ? o->key : f->p->keys[o->slot];
  p->up = f->path;
  p->key = k->s;
  p->len = k->len;
  p->skey = k;
  return p;
}

/* The checks of a leaf schema n on v, in the generic walker's order; the
** one that failed in f->why. Quiet: report() says why. */
static int leaf_ok (walk *w, frame *f, const sc_node *n, const lval *v) {
  int ok;
  if ((n->flags & F_TYPE) && !type_ok(n->types, v)) f->why = LW_TYPE;
  else if ((n->flags & F_CONST) && !equal_scalar(v, n->konst))
    f->why = LW_CONST;
  else if ((n->flags & F_ENUM) && !in_enum(n, v)) f->why = LW_ENUM;
  else if (!(n->flags & (F_NUM | F_STR))) return 1;
  else {
    w->c->mute++;
    ok = !(n->flags & F_NUM) || number_ok(w, n, v, NULL);
    f->why = ok ? LW_STR : LW_NUM;
    ok = ok && (!(n->flags & F_STR) || v->kind != SK_STR ||
                sc_check_string(w->c, n, v->u.str.s, v->u.str.len, NULL));
    w->c->mute--;
    return ok;
  }
  return 0;
}

/* Reports a failed check (LW_TYPE .. LW_STR) of n on v; the checks that
** report themselves run again, not muted. */
static int report_check (walk *w, int check, const sc_node *n,
                         const lval *v, const sc_path *at) {
  switch (check) {
    case LW_TYPE: return sc_type_fail(w->c, n, at);
    case LW_CONST:
      return sc_report_msg(w->c, n, "const", at,
                           "must be equal to the constant");
    case LW_ENUM: return sc_enum_fail(w->c, n, at);
    case LW_NUM: return number_ok(w, n, v, at);
    default: return sc_check_string(w->c, n, v->u.str.s, v->u.str.len, at);
  }
}

/* Reports the failure of o, unless what failed has reported already (a
** child's program, or a check that reports itself). */
static int report (walk *w, const frame *f, const lw_op *o) {
  sc_path p;
  const sc_path *at = where(f, o, &p);
  int leaf_or_prop = o->code == LW_LEAF || o->code == LW_PROP;
  if (o->code == LW_REQ || (leaf_or_prop && f->why == LW_REQ))
    return sc_report_msg(w->c, o->n, "required", f->path, o->msg);
  switch (o->code) {
    case LW_LEAF:
      return report_check(w, f->why, o->child, &f->slot[o->slot], at);
    case LW_TYPE: case LW_CONST: case LW_ENUM:
      return report_check(w, o->code, o->n, f->v, at);
    case LW_FAIL: case LW_ONE_MATCH: case LW_ONE_END:
      return sc_report_msg(w->c, o->n, o->kw, f->path, o->msg);
    default: return 0;
  }
}

/* Runs child's program on v (a property's value, or the instance). */
static int run_child (walk *w, const lw_op *o, lval *v,
                      const sc_path *path) {
  int r;
  if (o->fail != LW_REPORT) w->c->mute++;
  r = exec(w, o->child->prog, v, path);
  if (o->fail != LW_REPORT) w->c->mute--;
  return r;
}

/* Reads the property of an op without a slot; 0 when absent. The value
** is on the stack, for the caller to pop. */
static int read_prop (walk *w, frame *f, const lw_op *o, lval *m) {
  if (!w->sv) luaL_checkstack(w->L, 3, "instance too deep");
  fetch(w, f->v, o->key, m);
  if (m->kind == LV_ABSENT) return 0;
  f->nonempty = 1;
  return 1;
}

/* An uncached property: read, checked, and off the stack again; why it
** failed in f->why (LW_REQ: absent, LW_VALUE: its value). */
static int prop_ok (walk *w, frame *f, const lw_op *o) {
  int top = w->sv ? 0 : lua_gettop(w->L), r;
  sc_path p;
  lval m;
  if (!read_prop(w, f, o, &m)) {
    f->why = LW_REQ;
    r = o->msg == NULL;   /* msg: it is required */
  } else {
    f->why = LW_VALUE;
    r = run_child(w, o, &m, where(f, o, &p));
  }
  if (!w->sv) lua_settop(w->L, top);
  return r;
}

/* The checks that report their own errors: muted where o's failure
** jumps instead. */
static int self_reporting (walk *w, frame *f, const lw_op *o, lval *v) {
  int r;
  if (o->fail != LW_REPORT) w->c->mute++;
  switch (o->code) {
    case LW_NUM: r = number_ok(w, o->n, v, f->path); break;
    case LW_STR:
      r = v->kind != SK_STR || sc_check_string(w->c, o->n, v->u.str.s,
                                               v->u.str.len, f->path);
      break;
    case LW_ARR:
      r = v->kind != SK_ARR || lw_check_array(w, o->n, v, f->path);
      break;
    default: r = lw_check_members(w, o->n, v, f->path); break;
  }
  if (o->fail != LW_REPORT) w->c->mute--;
  return r;
}

/* Whether o checked a property's value (else the instance). */
static int on_slot (const frame *f, const lw_op *o) {
  return o->code == LW_LEAF && f->why != LW_REQ;
}

/* o failed: report it, or the op to go on with; NULL ends the run. */
static const lw_op *failure (walk *w, frame *f, const lw_op *o) {
  if (w->bail) return NULL;
  if (on_slot(f, o)) failed_on(w, &f->slot[o->slot], 0);
  else failed_on(w, f->v, f->nonempty);
  if (w->bail) return NULL;
  if (o->fail != LW_REPORT) return f->p->ops + o->fail;
  report(w, f, o);
  return NULL;
}

/* Runs f's program. A jump sets o one op before its target, as the loop
** steps on. */
static int run (walk *w, frame *f) {
  const lw_op *ops = f->p->ops, *o = ops;
  sc_path p;
  for (;; o++) {
    lval *v = o->slot >= 0 ? slot(w, f, o->slot) : f->v;
    int ok;
    switch (o->code) {
      case LW_END: return 1;
      case LW_JUMP: o = ops + o->next - 1; continue;
      case LW_IS_OBJ:
        if (v->kind != SK_OBJ) o = ops + o->next - 1;
        continue;
      case LW_HAS:
        if (v->kind == LV_ABSENT) o = ops + o->next - 1;
        continue;
      case LW_LEAF:
        if (v->kind != LV_ABSENT) {
          ok = leaf_ok(w, f, o->child, v);
        } else if (o->msg == NULL) {   /* not required */
          o = ops + o->next - 1;
          continue;
        } else {
          f->why = LW_REQ;
          ok = 0;
        }
        break;
      case LW_ONE_START: f->counter[o->next] = 0; continue;
      case LW_TYPE: ok = type_ok(o->n->types, v); break;
      case LW_CONST: ok = equal_scalar(v, o->n->konst); break;
      case LW_ENUM: ok = in_enum(o->n, v); break;
      case LW_REQ:
        if (o->slot >= 0) {
          ok = v->kind != LV_ABSENT;
        } else {
          lval m;
          ok = read_prop(w, f, o, &m);
          if (!w->sv) lua_pop(w->L, 1);
        }
        break;
      case LW_PROP: ok = prop_ok(w, f, o); break;
      case LW_VALUE: ok = run_child(w, o, v, where(f, o, &p)); break;
      case LW_CALL: ok = run_child(w, o, v, f->path); break;
      case LW_FAIL: ok = 0; break;
      case LW_ONE_MATCH: ok = ++f->counter[o->next] < 2; break;
      case LW_ONE_END: ok = f->counter[o->next] != 0; break;
      default: ok = self_reporting(w, f, o, v); break;
    }
    if (ok) continue;
    if ((o = failure(w, f, o)) == NULL) return 0;
    o--;
  }
}

static int exec (walk *w, const lw_prog *p, lval *v, const sc_path *path) {
  frame f;
  int top = 0, r;
  if (w->c->depth >= MAX_DEPTH) { w->c->overflow = 1; return 0; }
  if (v->kind == LV_TABLE) classify(w, v);
  if (!w->sv) {
    top = lua_gettop(w->L);
    if (p->nslots) luaL_checkstack(w->L, p->nslots + 4, "instance too deep");
  }
  f.p = p;
  f.v = v;
  f.path = path;
  f.have = 0;
  f.nonempty = 0;
  w->c->depth++;
  r = run(w, &f);
  w->c->depth--;
  if (!w->sv) lua_settop(w->L, top);
  return r && !w->bail;
}

/* Also the walk's valid, which lschema_walk_each.c calls for every item
** and member: so it never calls up into this file. */
static int lw_valid (walk *w, const sc_node *n, lval *v,
                     const sc_path *path) {
  while (n->ref) n = n->ref;
  return exec(w, n->prog, v, path);
}

/* ======================================================================
** Entry points
** ====================================================================== */

int sc_lua_walk (lua_State *L, sc_vctx *c, int idx, const sc_lua_keys *keys,
                 int array_mt, int object_mt) {
  walk w;
  lval v;
  int r;
  w.L = L;
  w.c = c;
  w.kptr = keys->kptr;
  w.kptr_index = keys->table;
  w.key_up = keys->up;
  w.nkey_up = keys->nup;
  w.array_mt = array_mt;
  w.object_mt = object_mt;
  w.sv = 0;
  w.bail = 0;
  w.valid = lw_valid;
  c->mute = c->depth = c->nerrors = c->overflow = 0;
  lw_read_typed(L, idx, lua_type(L, idx), &v);
  r = lw_valid(&w, c->schema->root, &v, NULL);
  if (w.bail) return SC_WALK_BAIL;
  return c->overflow ? -1 : r;
}

int sc_sv_walk (sc_vctx *c, const sv_value *doc) {
  walk w;
  lval v;
  int r;
  memset(&w, 0, sizeof w);
  w.c = c;
  w.sv = 1;
  w.valid = lw_valid;
  c->mute = c->depth = c->nerrors = c->overflow = 0;
  lw_read_sv(&w, doc, &v);
  r = w.bail ? 0 : lw_valid(&w, c->schema->root, &v, NULL);
  if (w.bail) return SC_WALK_BAIL;
  return c->overflow ? -1 : r;
}
