/*
** schema.h - JSON Schema draft-07: compile once, validate many times.
**
** The core knows nothing about Lua. A schema is given as a small JSON
** document tree (sv_value, built by sv_parse from text or by a binding from
** its own values) and compiled into a graph of sc_node. Instances are read
** through sc_access, a table of functions over opaque references, so the
** same validator walks Lua values (lschema.c) and parsed JSON text.
*/
#ifndef FLOWLUA_SCHEMA_H
#define FLOWLUA_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- arena: every allocation of a schema dies with it ---------------- */

typedef struct sc_chunk sc_chunk;
typedef struct sc_arena {
  sc_chunk *head;
  char *p, *end;
} sc_arena;

void *sc_alloc (sc_arena *a, size_t n);       /* NULL when out of memory */
char *sc_strdup (sc_arena *a, const char *s, size_t n);
void sc_arena_reset (sc_arena *a);   /* keeps the first chunk for reuse */
void sc_arena_free (sc_arena *a);

/* ---- JSON document tree ---------------------------------------------- */

enum {
  SV_NULL, SV_FALSE, SV_TRUE, SV_INT, SV_NUM, SV_STR, SV_ARR, SV_OBJ
};

typedef struct sv_value sv_value;
typedef struct sv_member {
  const char *key;
  size_t klen;
  sv_value *val;
  unsigned hash;             /* sv_hash(key, klen) */
} sv_member;

struct sv_value {
  unsigned char kind;
  unsigned char empty_any;  /* an unmarked empty Lua table: [] and {} */
  size_t n;                 /* string bytes, items or members */
  union {
    int64_t i;
    double d;
    const char *s;
    sv_value **items;
    sv_member *members;
  } u;
  const char *base;         /* compiler: base URI of this schema object */
  void *node;               /* compiler: its compiled node, once made */
};

/* Parses JSON text into the arena; NULL with a message in err. */
sv_value *sv_parse (sc_arena *a, const char *text, size_t len,
                    char *err, size_t errlen);
/* The same, but strings without escapes point into text (no copy, no
** terminating NUL): for documents used while text lives. */
sv_value *sv_parse_view (sc_arena *a, const char *text, size_t len,
                         char *err, size_t errlen);
sv_value *sv_get (const sv_value *obj, const char *key, size_t klen);
unsigned sv_hash (const char *key, size_t klen);

/* ---- instance access --------------------------------------------------- */

/* Kinds an instance reports; SK_OBJ may still be an empty Lua table. */
enum {
  SK_NULL, SK_BOOL, SK_INT, SK_NUM, SK_STR, SK_ARR, SK_OBJ, SK_EMPTY,
  SK_OTHER
};

typedef intptr_t sc_ref;     /* a value: a Lua stack slot, a pointer... */

typedef struct sc_key {      /* a property name known at compile time */
  const char *s;
  size_t len;
  int id;                    /* dense index, for bindings' key caches */
  unsigned hash;             /* sv_hash(s, len) */
  int plain;                 /* no NUL inside: usable as a C string */
  const char *required_msg;  /* "missing required property '...'" */
} sc_key;

typedef struct sc_iter {
  intptr_t state;
  char buf[32];              /* room for a key that is not a string */
} sc_iter;

typedef struct sc_access {
  int (*kind) (void *ud, sc_ref v);
  int (*boolean) (void *ud, sc_ref v);
  int64_t (*integer) (void *ud, sc_ref v);
  double (*number) (void *ud, sc_ref v);
  const char *(*string) (void *ud, sc_ref v, size_t *len);
  size_t (*length) (void *ud, sc_ref v);               /* array items */
  sc_ref (*index) (void *ud, sc_ref v, size_t i);      /* 0-based */
  sc_ref (*prop) (void *ud, sc_ref v, const sc_key *k);   /* 0: absent */
  void (*release) (void *ud, sc_ref child);  /* done with index/prop */
  void (*iter_begin) (void *ud, sc_ref v, sc_iter *it);
  /* 1 with key and value, 0 at the end; the value needs no release */
  int (*iter_next) (void *ud, sc_ref v, sc_iter *it, const char **key,
                    size_t *klen, sc_ref *val);
  void (*iter_end) (void *ud, sc_iter *it);
} sc_access;

/* The accessor over sv_value trees (sc_ref is a const sv_value *). */
extern const sc_access sv_access;

/* obj's member named k, or NULL */
sv_value *sv_get_key (const sv_value *obj, const sc_key *k);

/* Whether n bytes at a and b are equal: 8 at a time (the last 8 may
** overlap), as keys are short and a call to memcmp costs more. */
static inline int sv_keyeq (const char *a, const char *b, size_t n) {
  uint64_t x, y;
  size_t i;
  if (n < 8) {
    for (i = 0; i < n; i++)
      if (a[i] != b[i]) return 0;
    return 1;
  }
  for (i = 0; i + 8 < n; i += 8) {
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y) return 0;
  }
  memcpy(&x, a + n - 8, 8);
  memcpy(&y, b + n - 8, 8);
  return x == y;
}

/* The member of obj (an SV_OBJ) with this key and sv_hash, or NULL. Inline
** for the walkers' hot path: hash, then length, then bytes. */
static inline sv_value *sv_find (const sv_value *obj, const char *key,
                                 size_t klen, unsigned hash) {
  size_t i;
  for (i = 0; i < obj->n; i++) {   /* members is NULL when n is 0 */
    const sv_member *m = &obj->u.members[i];
    if (m->hash == hash && m->klen == klen && sv_keyeq(m->key, key, klen))
      return m->val;
  }
  return NULL;
}

/* ---- compiled schema --------------------------------------------------- */

typedef struct sc_node sc_node;
typedef struct sc_schema sc_schema;

/* Returns the document at uri (no fragment), or NULL when unknown. */
typedef sv_value *(*sc_resolver) (void *ud, sc_arena *a, const char *uri,
                                  char *err, size_t errlen);

typedef struct sc_options {
  int formats;               /* assert "format" */
  sc_resolver resolve;
  void *resolve_ud;
} sc_options;

/* Compiles root (whose memory must live in s's arena or longer). */
sc_schema *sc_new (void);
int sc_compile (sc_schema *s, sv_value *root, const sc_options *o,
                char *err, size_t errlen);
sc_arena *sc_schema_arena (sc_schema *s);
const sc_node *sc_root (const sc_schema *s);
size_t sc_nkeys (const sc_schema *s);
sc_key *const *sc_keys (const sc_schema *s);
void sc_free (sc_schema *s);

/* ---- validation -------------------------------------------------------- */

typedef struct sc_path {     /* instance location, linked leaf to root */
  const struct sc_path *up;
  const char *key;           /* NULL: an array index */
  size_t len;                /* key bytes, or the index */
  const struct sc_key *skey; /* the schema's key, when key is one */
} sc_path;

typedef struct sc_error {
  const char *schema_path;   /* JSON Pointer of the schema object */
  const char *keyword;
  const char *message;
  const sc_path *path;
  int fixed;                 /* message lives as long as the schema */
} sc_error;

typedef struct sc_vctx {
  const sc_access *acc;
  void *ud;
  const sc_schema *schema;
  int all_errors;
  void (*on_error) (void *ud, const sc_error *e);
  /* internal */
  int mute, depth, nerrors, overflow;
} sc_vctx;

/* 1 valid, 0 invalid (errors reported through on_error), -1 too deep. */
int sc_validate (sc_vctx *c, sc_ref v);

/* Writes the JSON Pointer of p (escaped) into buf; returns its length. */
size_t sc_path_render (const sc_path *p, char *buf, size_t size);

/* ---- formats and regular expressions (schema_format.c, schema_regex.c) */

int sc_format_id (const char *name);           /* -1: not asserted */
int sc_format_check (int id, const char *s, size_t len);
const char *sc_format_name (int id);

typedef struct sc_regex sc_regex;
/* Compiles an ECMA-262 pattern; NULL with a message in err. */
sc_regex *sc_regex_new (const char *pat, size_t len, char *err,
                        size_t errlen);
int sc_regex_match (sc_regex *re, const char *s, size_t len);
int sc_regex_valid (const char *pat, size_t len);
void sc_regex_free (sc_regex *re);

/* Code points in a UTF-8 string. */
size_t sc_utf8_length (const char *s, size_t len);

#endif
