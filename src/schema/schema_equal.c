/*
** schema_equal.c - JSON equality of two instances, each read through its
** own sc_access, so an instance compares with a schema's sv_value.
**
** enum, const and uniqueItems use it, in both walkers.
*/
#include <string.h>

#include "schema_int.h"

/* ======================================================================
** Equality (enum, const, uniqueItems): JSON equality, 1 == 1.0
** ====================================================================== */

static int num_equal (const sc_access *a1, void *u1, sc_ref v1, int k1,
                      const sc_access *a2, void *u2, sc_ref v2, int k2) {
  if (k1 == SK_INT && k2 == SK_INT)
    return a1->integer(u1, v1) == a2->integer(u2, v2);
  return a1->number(u1, v1) == a2->number(u2, v2);
}

static size_t count_props (const sc_access *a, void *u, sc_ref v) {
  sc_iter it;
  const char *k;
  size_t kl, n = 0;
  sc_ref val;
  a->iter_begin(u, v, &it);
  while (a->iter_next(u, v, &it, &k, &kl, &val)) n++;
  a->iter_end(u, &it);
  return n;
}

static int arr_equal (const sc_access *a1, void *u1, sc_ref v1,
                      const sc_access *a2, void *u2, sc_ref v2) {
  size_t n = a1->length(u1, v1), i;
  if (n != a2->length(u2, v2)) return 0;
  for (i = 0; i < n; i++) {
    sc_ref x = a1->index(u1, v1, i), y = a2->index(u2, v2, i);
    int eq = sc_equal(a1, u1, x, a2, u2, y);
    a2->release(u2, y);
    a1->release(u1, x);
    if (!eq) return 0;
  }
  return 1;
}

static int obj_equal (const sc_access *a1, void *u1, sc_ref v1,
                      const sc_access *a2, void *u2, sc_ref v2) {
  sc_iter it;
  const char *k;
  size_t kl;
  sc_ref x;
  int eq = 1;
  if (count_props(a1, u1, v1) != count_props(a2, u2, v2)) return 0;
  a1->iter_begin(u1, v1, &it);
  while (eq && a1->iter_next(u1, v1, &it, &k, &kl, &x)) {
    sc_key key;
    sc_ref y;
    key.s = k;
    key.len = kl;
    key.id = 0;
    y = a2->prop(u2, v2, &key);
    if (y == 0) { eq = 0; break; }
    eq = sc_equal(a1, u1, x, a2, u2, y);
    a2->release(u2, y);
  }
  a1->iter_end(u1, &it);
  return eq;
}

int sc_equal (const sc_access *a1, void *u1, sc_ref v1,
              const sc_access *a2, void *u2, sc_ref v2) {
  int k1 = a1->kind(u1, v1), k2 = a2->kind(u2, v2);
  if ((k1 == SK_INT || k1 == SK_NUM) && (k2 == SK_INT || k2 == SK_NUM))
    return num_equal(a1, u1, v1, k1, a2, u2, v2, k2);
  if (k1 == SK_EMPTY || k2 == SK_EMPTY) {
    int other = k1 == SK_EMPTY ? k2 : k1;
    if (other == SK_EMPTY) return 1;
    if (other == SK_ARR)
      return (k1 == SK_EMPTY ? a2->length(u2, v2) : a1->length(u1, v1)) == 0;
    if (other == SK_OBJ)
      return k1 == SK_EMPTY ? count_props(a2, u2, v2) == 0
        : count_props(a1, u1, v1) == 0;
    return 0;
  }
  if (k1 != k2) return 0;
  switch (k1) {
    case SK_NULL: return 1;
    case SK_BOOL: return a1->boolean(u1, v1) == a2->boolean(u2, v2);
    case SK_STR: {
      size_t n1, n2;
      const char *s1 = a1->string(u1, v1, &n1);
      const char *s2 = a2->string(u2, v2, &n2);
      return n1 == n2 && memcmp(s1, s2, n1) == 0;
    }
    case SK_ARR: return arr_equal(a1, u1, v1, a2, u2, v2);
    case SK_OBJ: return obj_equal(a1, u1, v1, a2, u2, v2);
    default: return 0;
  }
}
