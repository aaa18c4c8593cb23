/*
** lschema_plan.h - the fast walker's programs (internal).
**
** lschema_plan.c turns a schema node into a flat program for the
** instance it applies to: the node's own checks and, inlined, those of
** the schemas applied to the same instance (allOf, anyOf, oneOf, not,
** if/then/else) and of properties whose schemas check scalars alone.
** Properties are read into slots once, however many schemas name them.
** The order of the checks is the generic walker's (schema_validate.c),
** so the first error is the same one. lschema_walk.c runs programs.
*/
#ifndef FLOWLUA_LSCHEMA_PLAN_H
#define FLOWLUA_LSCHEMA_PLAN_H

#include "schema/schema_int.h"

#define LW_SLOTS 32            /* properties a program keeps */
#define LW_COUNTERS 8          /* oneOf counters of a program */
#define LW_SELF (-1)           /* an op on the instance, not a slot */
#define LW_NOSLOT (-2)         /* a property beyond LW_SLOTS: read each time */
#define LW_REPORT (-1)         /* on failure: report, and the walk fails */

enum {
  LW_END,                    /* valid */
  LW_JUMP,                   /* to next */
  /* checks of the instance */
  LW_TYPE, LW_CONST, LW_ENUM, LW_NUM, LW_STR,
  LW_ARR,                    /* the array keywords of n */
  LW_IS_OBJ,                 /* not an object: to next */
  LW_LEAF,                   /* property slot against child, a schema of
                                scalar keywords alone; absent: fails when
                                required (msg), else to next */
  LW_HAS,                    /* property slot absent: to next */
  LW_REQ,                    /* property slot (or key) absent: fails */
  LW_VALUE,                  /* property slot against child's program */
  LW_PROP,                   /* property key, uncached: absent, fails when
                                required (msg), else against child's */
  LW_MEMBERS,                /* patternProperties, additional..., counts */
  LW_CALL,                   /* the instance against child's program */
  LW_FAIL,                   /* fails with keyword kw and message msg */
  LW_ONE_START,              /* oneOf counter next = 0 */
  LW_ONE_MATCH,              /* counter next++; at 2 fails */
  LW_ONE_END                 /* counter next still 0: fails */
};

typedef struct lw_op {
  int code;
  int slot;                  /* LW_SELF or a property slot */
  int next;                  /* a jump target, or a counter */
  int fail;                  /* LW_REPORT, or where a failure goes (muted) */
  const sc_node *n;          /* the node checked, reported as the source */
  const char *kw, *msg;      /* LW_FAIL; LW_REQ, LW_PROP, LW_LEAF: msg */
  const sc_key *key;         /* the property of a slot, or of LW_PROP */
  const sc_node *child;      /* LW_VALUE, LW_PROP, LW_CALL: run its program;
                                LW_LEAF: check its keywords */
} lw_op;

typedef struct lw_prog {
  lw_op *ops;
  size_t nops;
  const sc_key *keys[LW_SLOTS];   /* the property each slot holds */
  int nslots;
} lw_prog;

/* sc_lua_walkable (lschema_walk.h), in lschema_plan.c, gives every node
** the walker may enter its program, n->prog. */

#endif
