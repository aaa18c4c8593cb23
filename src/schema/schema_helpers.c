/*
** schema_helpers.c - what every pass of the schema compiler shares: the
** compile error (the first one wins), out of memory, zeroed allocation in
** the schema's arena, and JSON Pointers to the place being compiled.
** The lowest piece of the compiler: it calls none of the others.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema_int.h"


void *sc_cerr (sc_schema *s, const char *ptr, const char *fmt, ...) {
  if (!s->failed) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->err, s->errlen, "invalid schema at '%s': %s",
             *ptr ? ptr : "/", msg);
    s->failed = 1;
  }
  return NULL;
}

void *sc_oom (sc_schema *s) {
  if (!s->failed) {
    snprintf(s->err, s->errlen, "out of memory");
    s->failed = 1;
  }
  return NULL;
}

void *sc_new0 (sc_schema *s, size_t n) {
  void *p = sc_alloc(&s->arena, n);
  if (p == NULL) return sc_oom(s);
  memset(p, 0, n);
  return p;
}

const char *sc_join_key (sc_schema *s, const char *ptr, const char *key,
                         size_t klen) {
  const char *r = sc_pointer_join(&s->arena, ptr, key, klen);
  return r ? r : sc_oom(s);
}

const char *sc_join (sc_schema *s, const char *ptr, const char *tok) {
  return sc_join_key(s, ptr, tok, strlen(tok));
}

const char *sc_join_index (sc_schema *s, const char *ptr, size_t i) {
  char buf[32];
  snprintf(buf, sizeof buf, "%zu", i);
  return sc_join(s, ptr, buf);
}
