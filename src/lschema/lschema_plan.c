/*
** lschema_plan.c - which schemas lschema_walk.c does, and the programs it
** runs for them (lschema_plan.h).
**
** A program follows the order of the generic walker's checks
** (schema_validate.c): type, const, enum, the keywords of the value's
** kind, then the combinators and the conditional. What a muted walk
** would do (if, not, the branches of anyOf and oneOf) is code whose
** failures jump instead of reporting. A node whose keywords the walker
** does not do (uniqueItems, dependencies, propertyNames, content*,
** enum/const of arrays or objects) makes the whole schema go to the
** generic walker.
*/
#include <stdlib.h>
#include <string.h>

#include "lschema_plan.h"
#include "lschema_walk.h"

#define MAX_OPS 1024           /* inline no more into one program */
#define MAX_NEST 64            /* schemas inlined into one another */
#define ALL_OPS (1 << 18)      /* nor into a schema's programs together: a
                                  schema that allOfs a large one from many
                                  places stays in memory bounds */

enum { FAST_UNKNOWN, FAST_YES, FAST_NO, FAST_VISITING };

/* ======================================================================
** Which schemas
** ====================================================================== */

static int walkable (sc_node *n);

static int all_walkable (const sc_list *l) {
  size_t i;
  for (i = 0; i < l->n; i++)
    if (!walkable(l->v[i])) return 0;
  return 1;
}

static int scalar (const sv_value *e) {
  return e->kind != SV_ARR && e->kind != SV_OBJ;
}

static int own_keywords_ok (const sc_node *n) {
  size_t i;
  if (n->base64 || n->json_media || n->unique || n->ndeps || n->prop_names)
    return 0;
  if ((n->flags & F_CONST) && !scalar(n->konst)) return 0;
  for (i = 0; i < n->nenums; i++)
    if (!scalar(n->enums[i])) return 0;
  return 1;
}

static int children_ok (const sc_node *n) {
  size_t i;
  sc_node *one[] = { n->ref, n->items, n->add_items, n->contains,
    n->add_props, n->not_, n->if_, n->then_, n->else_ };
  for (i = 0; i < sizeof one / sizeof one[0]; i++)
    if (one[i] && !walkable(one[i])) return 0;
  for (i = 0; i < n->nprops; i++)
    if (!walkable(n->props[i].node)) return 0;
  for (i = 0; i < n->npatprops; i++)
    if (!walkable(n->patprops[i].node)) return 0;
  return all_walkable(&n->tuple) && all_walkable(&n->all_of) &&
    all_walkable(&n->any_of) && all_walkable(&n->one_of);
}

/* A node on the current path counts as walkable: if it is not, the root
** is not either, and only the root's answer is used. */
static int walkable (sc_node *n) {
  if (n->fast == FAST_UNKNOWN) {
    n->fast = FAST_VISITING;
    n->fast = own_keywords_ok(n) && children_ok(n) ? FAST_YES : FAST_NO;
  }
  return n->fast != FAST_NO;
}

/* ======================================================================
** Programs
** ====================================================================== */

/* The programs of one schema being made. */
typedef struct planner {
  sc_schema *s;
  size_t ops;                /* in the programs made so far */
} planner;

typedef struct builder {
  planner *pl;
  lw_op *ops;                /* malloc'd while building */
  size_t n, cap;
  int *labels;               /* label id -> op index */
  size_t nlabels, caplabels;
  lw_prog *p;
  int ncounters;
  const sc_node *nest[MAX_NEST];   /* the nodes being inlined */
  int depth;
  int object;                /* the code so far made sure of an object */
  int oom;
  lw_op sink;                /* what is written after running out */
} builder;

static const lw_prog *program (planner *pl, sc_node *n);

static void *grow (builder *b, void *v, size_t *cap, size_t size) {
  size_t c = *cap ? *cap * 2 : 32;
  void *r = realloc(v, c * size);
  if (r == NULL) { b->oom = 1; return NULL; }
  *cap = c;
  return r;
}

static int label (builder *b) {
  if (b->nlabels == b->caplabels) {
    int *l = grow(b, b->labels, &b->caplabels, sizeof *l);
    if (l == NULL) return 0;
    b->labels = l;
  }
  b->labels[b->nlabels] = -1;
  return (int)b->nlabels++;
}

static void place (builder *b, int l) {
  if (!b->oom) b->labels[l] = (int)b->n;
}

static lw_op *op (builder *b, int code, int slot, const sc_node *n,
                  int fail) {
  lw_op *o;
  if (b->n == b->cap) {
    lw_op *ops = grow(b, b->ops, &b->cap, sizeof *ops);
    if (ops == NULL) return &b->sink;
    b->ops = ops;
  }
  o = &b->ops[b->n++];
  memset(o, 0, sizeof *o);
  o->code = code;
  o->slot = slot;
  o->n = n;
  o->fail = fail;
  return o;
}

static void fail_op (builder *b, const sc_node *n, const char *kw,
                     const char *msg, int fail) {
  lw_op *o = op(b, LW_FAIL, LW_SELF, n, fail);
  o->kw = kw;
  o->msg = msg;
}

static lw_op *jump (builder *b, int code, int slot, int to) {
  lw_op *o = op(b, code, slot, NULL, LW_REPORT);
  o->next = to;
  return o;
}

/* The slot of k in the program, or LW_NOSLOT when they are all taken. */
static int slot (builder *b, const sc_key *k) {
  int i;
  for (i = 0; i < b->p->nslots; i++)
    if (b->p->keys[i] == k) return i;
  if (b->p->nslots == LW_SLOTS) return LW_NOSLOT;
  b->p->keys[b->p->nslots] = k;
  return b->p->nslots++;
}

static sc_node *target (sc_node *n) {
  while (n->ref) n = n->ref;
  return n;
}

/* A schema that checks scalars alone: a property's value checked against
** it is one op, LW_LEAF. */
static int is_leaf (const sc_node *n) {
  unsigned scalar = F_TYPE | F_NUM | F_STR | F_ENUM | F_CONST;
  return (n->flags & ~scalar) == 0;
}

/* The checks of n on the instance that do not depend on its kind. */
static void scalar_ops (builder *b, const sc_node *n, int fail) {
  if (n->flags & F_TYPE) op(b, LW_TYPE, LW_SELF, n, fail);
  if (n->flags & F_CONST) op(b, LW_CONST, LW_SELF, n, fail);
  if (n->flags & F_ENUM) op(b, LW_ENUM, LW_SELF, n, fail);
  if (n->flags & F_NUM) op(b, LW_NUM, LW_SELF, n, fail);
  if (n->flags & F_STR) op(b, LW_STR, LW_SELF, n, fail);
}

/* A node the walker enters with a program of its own, made now (b->oom
** when memory runs out). */
static const sc_node *entered (builder *b, sc_node *n) {
  if (program(b->pl, n) == NULL) b->oom = 1;
  return n;
}

/* Whether an op's next is a label (else unused, or a counter). */
static int jumps (int code) {
  return code == LW_JUMP || code == LW_IS_OBJ || code == LW_HAS ||
    code == LW_LEAF;
}

/* A property: its presence, then its value against its schema, as one
** op when the schema checks scalars alone, or read where it is used when
** the program has no slot left for it. */
static void property (builder *b, const sc_node *n, const sc_prop *pr,
                      int fail) {
  sc_node *t = target(pr->node);
  const char *required = pr->required ? pr->key->required_msg : NULL;
  int at = slot(b, pr->key), after = label(b), code;
  lw_op *o;
  if (at == LW_NOSLOT) code = LW_PROP;
  else if (is_leaf(t)) code = LW_LEAF;
  else code = required ? LW_REQ : LW_HAS;
  o = op(b, code, at, n, fail);
  if (jumps(code)) o->next = after;
  o->key = pr->key;
  o->msg = required;
  o->child = code == LW_LEAF ? t : code == LW_PROP ? entered(b, t) : NULL;
  if (o->child == NULL) {
    o = op(b, LW_VALUE, at, t, fail);
    o->child = entered(b, t);
    o->key = pr->key;
  }
  place(b, after);
}

static void object_ops (builder *b, const sc_node *n, int fail) {
  int done = label(b);
  size_t i;
  if (!b->object) jump(b, LW_IS_OBJ, LW_SELF, done);
  for (i = 0; i < n->nprops; i++) property(b, n, &n->props[i], fail);
  for (i = 0; i < n->nrequired; i++) {
    lw_op *o = op(b, LW_REQ, slot(b, n->required[i]), n, fail);
    o->key = n->required[i];
    o->msg = n->required[i]->required_msg;
  }
  if (n->npatprops || n->add_props || n->min_props >= 0 ||
      n->max_props >= 0)
    op(b, LW_MEMBERS, LW_SELF, n, fail);
  place(b, done);
}

static void node_ops (builder *b, sc_node *n, int fail);

static void any_ops (builder *b, const sc_node *n, int fail) {
  int end = label(b);
  size_t i;
  for (i = 0; i < n->any_of.n; i++) {
    int next = label(b);
    node_ops(b, n->any_of.v[i], next);
    jump(b, LW_JUMP, LW_SELF, end);
    place(b, next);
  }
  fail_op(b, n, "anyOf", "must match a schema in anyOf", fail);
  place(b, end);
}

static void one_ops (builder *b, const sc_node *n, int fail) {
  int k = b->ncounters++;
  size_t i;
  lw_op *o;
  jump(b, LW_ONE_START, LW_SELF, k);
  for (i = 0; i < n->one_of.n; i++) {
    int next = label(b);
    node_ops(b, n->one_of.v[i], next);
    o = op(b, LW_ONE_MATCH, LW_SELF, n, fail);
    o->next = k;
    o->kw = "oneOf";
    o->msg = "must match exactly one schema in oneOf (matched more than one)";
    place(b, next);
  }
  o = op(b, LW_ONE_END, LW_SELF, n, fail);
  o->next = k;
  o->kw = "oneOf";
  o->msg = "must match exactly one schema in oneOf (matched none)";
}

static void comb_ops (builder *b, const sc_node *n, int fail) {
  size_t i;
  for (i = 0; i < n->all_of.n; i++) node_ops(b, n->all_of.v[i], fail);
  if (n->any_of.n) any_ops(b, n, fail);
  if (n->one_of.n) one_ops(b, n, fail);
  if (n->not_) {
    int ok = label(b);
    node_ops(b, n->not_, ok);
    fail_op(b, n, "not", "must not be valid against the schema in not",
            fail);
    place(b, ok);
  }
}

static void cond_ops (builder *b, const sc_node *n, int fail) {
  int other = label(b), end = label(b);
  node_ops(b, n->if_, other);
  if (n->then_) node_ops(b, n->then_, fail);
  jump(b, LW_JUMP, LW_SELF, end);
  place(b, other);
  if (n->else_) node_ops(b, n->else_, fail);
  place(b, end);
}

static int nested (const builder *b, const sc_node *n) {
  int i;
  for (i = 0; i < b->depth; i++)
    if (b->nest[i] == n) return 1;
  return 0;
}

/* Whether n is inlined; else the program calls n's own. A program's own
** node always is: it is the program. */
static int inlined (const builder *b, const sc_node *n) {
  if (b->depth == 0) return 1;
  return b->n < MAX_OPS && b->pl->ops + b->n < ALL_OPS &&
    b->depth < MAX_NEST && !nested(b, n) &&
    (n->one_of.n == 0 || b->ncounters < LW_COUNTERS);
}

/* The checks of n on the instance; failures go to fail. */
static void node_ops (builder *b, sc_node *n, int fail) {
  int was_object;
  n = target(n);
  if (n->flags == 0 || b->oom) return;
  if (n->flags & F_FALSE) {
    fail_op(b, n, "false", "no value is allowed here", fail);
    return;
  }
  if (!inlined(b, n)) {
    op(b, LW_CALL, LW_SELF, n, fail)->child = entered(b, n);
    return;
  }
  b->nest[b->depth++] = n;
  was_object = b->object;
  scalar_ops(b, n, fail);
  /* what follows runs only once "type": "object" has passed */
  if ((n->flags & F_TYPE) && n->types == T_OBJ) b->object = 1;
  if (n->flags & F_ARR) op(b, LW_ARR, LW_SELF, n, fail);
  if (n->flags & F_OBJ) object_ops(b, n, fail);
  if (n->flags & F_COMB) comb_ops(b, n, fail);
  if (n->flags & F_COND) cond_ops(b, n, fail);
  b->object = was_object;
  b->depth--;
}

/* Copies the program into the schema's arena, labels resolved. */
static int finish (builder *b) {
  size_t i;
  lw_op *o;
  if (b->oom || (b->p->ops = sc_new0(b->pl->s, b->n * sizeof *o)) == NULL)
    return 0;
  for (i = 0; i < b->n; i++) {
    o = &b->ops[i];
    if (o->fail >= 0) o->fail = b->labels[o->fail];
    if (jumps(o->code)) o->next = b->labels[o->next];
    b->p->ops[i] = *o;
  }
  b->p->nops = b->n;
  b->pl->ops += b->n;
  return 1;
}

/* The children a program enters are made as the program is. */
static void children (builder *b, const sc_node *n) {
  size_t i;
  sc_node *one[] = { n->items, n->add_items, n->contains, n->add_props };
  for (i = 0; i < sizeof one / sizeof one[0]; i++)
    if (one[i]) entered(b, target(one[i]));
  for (i = 0; i < n->tuple.n; i++) entered(b, target(n->tuple.v[i]));
  for (i = 0; i < n->npatprops; i++)
    entered(b, target(n->patprops[i].node));
}

/* n's program, made once; NULL when out of memory. */
static const lw_prog *program (planner *pl, sc_node *n) {
  builder b;
  size_t i;
  int ok;
  if (n->prog) return n->prog;
  memset(&b, 0, sizeof b);
  b.pl = pl;
  if ((b.p = sc_new0(pl->s, sizeof *b.p)) == NULL) return NULL;
  n->prog = b.p;   /* a recursive schema calls the program being made */
  node_ops(&b, n, LW_REPORT);
  op(&b, LW_END, LW_SELF, NULL, LW_REPORT);
  for (i = 0; i < b.n && !b.oom; i++)
    if (b.ops[i].n && (b.ops[i].code == LW_ARR || b.ops[i].code == LW_MEMBERS))
      children(&b, b.ops[i].n);
  ok = finish(&b);
  free(b.ops);
  free(b.labels);
  if (!ok) n->prog = NULL;
  return ok ? b.p : NULL;
}

int sc_lua_walkable (sc_schema *s) {
  planner pl;
  pl.s = s;
  pl.ops = 0;
  return walkable(s->root) && program(&pl, target(s->root)) != NULL;
}
