/*
** fuzz/schema_fuzz.c - libFuzzer target for the validator core: compile a
** schema and validate an instance, both from the input.
**
** The input is "SCHEMA\0INSTANCE" (without a NUL, the whole input is the
** schema and also the instance). The schema is parsed, compiled (remote
** refs fail: no resolver), and the instance is validated in first-error
** and all-errors modes, and by the fast walker when it takes the schema
** (which must give the generic walker's answer and first error). Nothing
** may crash, leak or read out of bounds, whatever the bytes.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lschema/lschema_walk.h"
#include "schema/schema.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The first error, as text, and how many there were. */
typedef struct seen {
  size_t count;
  char first[512];
} seen;

static void on_error (void *ud, const sc_error *e) {
  char path[256];
  seen *s = ud;
  sc_path_render(e->path, path, sizeof path);
  if (s->count++ == 0)
    snprintf(s->first, sizeof s->first, "%s %s/%s %s", path, e->schema_path,
             e->keyword, e->message);
}

static void validate (sc_schema *s, const char *text, size_t len) {
  sc_arena a = { NULL, NULL, NULL };
  char err[128];
  sv_value *doc = sv_parse_view(&a, text, len, err, sizeof err);
  int all, first = 0;
  seen generic, fast;
  memset(&generic, 0, sizeof generic);
  if (doc != NULL) {
    for (all = 0; all < 2; all++) {
      seen count;
      sc_vctx c;
      memset(&c, 0, sizeof c);
      memset(&count, 0, sizeof count);
      c.acc = &sv_access;
      c.ud = all ? &count : &generic;
      c.schema = s;
      c.all_errors = all;
      c.on_error = on_error;
      if (!all) first = sc_validate(&c, (sc_ref)doc);
      else sc_validate(&c, (sc_ref)doc);
    }
    if (sc_lua_walkable(s)) {   /* the fast walker must agree */
      sc_vctx c;
      int r;
      memset(&c, 0, sizeof c);
      memset(&fast, 0, sizeof fast);
      c.ud = &fast;
      c.schema = s;
      c.on_error = on_error;
      r = sc_sv_walk(&c, doc);
      if (r != SC_WALK_BAIL && r != first) abort();
      if (r == 0 && strcmp(fast.first, generic.first) != 0) abort();
    }
  }
  sc_arena_free(&a);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *nul = memchr(text, '\0', size);
  size_t slen = nul ? (size_t)(nul - text) : size;
  sc_schema *s = sc_new();
  sc_options o;
  char err[256];
  sv_value *root;
  if (s == NULL) return 0;
  memset(&o, 0, sizeof o);
  o.formats = 1;
  root = sv_parse(sc_schema_arena(s), text, slen, err, sizeof err);
  if (root != NULL && sc_compile(s, root, &o, err, sizeof err)) {
    if (nul) validate(s, nul + 1, size - slen - 1);
    else validate(s, text, size);
  }
  sc_free(s);
  return 0;
}
