/*
** schema_int.h - the compiled form of a schema, shared by the compiler
** (schema.c, schema_resource.c, schema_keywords.c) and the validator
** (schema_validate.c). Not part of the API.
*/
#ifndef FLOWLUA_SCHEMA_INT_H
#define FLOWLUA_SCHEMA_INT_H

#include "schema.h"

/* type bits; T_NUM is "number", which integers satisfy as well */
enum {
  T_NULL = 1, T_BOOL = 2, T_INT = 4, T_NUM = 8, T_STR = 16, T_ARR = 32,
  T_OBJ = 64
};

/* keyword groups present in a node, so absent ones cost nothing */
enum {
  F_TYPE = 1, F_NUM = 2, F_STR = 4, F_ARR = 8, F_OBJ = 16, F_ENUM = 32,
  F_CONST = 64, F_COMB = 128, F_COND = 256, F_FALSE = 512
};

typedef struct sc_limit {    /* a numeric bound, exact for integers */
  int set, is_int;
  int64_t i;
  double d;
  const char *msg;           /* "must be >= 15", made at compile time */
} sc_limit;

typedef struct sc_prop {
  const sc_key *key;
  sc_node *node;
  int required;              /* also listed in "required" */
} sc_prop;

typedef struct sc_patprop {
  sc_regex *re;
  sc_node *node;
} sc_patprop;

typedef struct sc_dep {
  const sc_key *key;
  sc_node *node;             /* schema form, or NULL */
  const sc_key **req;        /* array form */
  size_t nreq;
} sc_dep;

typedef struct sc_list {
  sc_node **v;
  size_t n;
} sc_list;

struct sc_node {
  unsigned flags, types;
  int fast;                  /* lschema_plan.c: the walker does it */
  const struct lw_prog *prog;    /* lschema_plan.c: the walker's program */
  const char *ptr;           /* JSON Pointer of this schema, for errors */
  const char *type_msg, *enum_msg;   /* made at compile time */
  sc_node *ref;              /* "$ref": replaces every sibling keyword */
  /* numbers */
  sc_limit min, max, xmin, xmax, mult;
  /* strings */
  int64_t min_len, max_len;  /* -1: absent */
  sc_regex *pattern;
  const char *pattern_src;
  int format;                /* -1: none or not asserted */
  int base64, json_media;    /* contentEncoding, contentMediaType */
  /* arrays */
  sc_node *items;            /* single-schema form */
  sc_list tuple;             /* array form */
  int has_tuple;
  sc_node *add_items, *contains;
  int64_t min_items, max_items;
  int unique;
  /* objects */
  sc_prop *props;
  size_t nprops;
  sc_patprop *patprops;
  size_t npatprops;
  sc_node *add_props, *prop_names;
  const sc_key **required;   /* the ones not in props */
  size_t nrequired;
  sc_dep *deps;
  size_t ndeps;
  int64_t min_props, max_props;
  /* any type */
  sv_value **enums;
  size_t nenums;
  sv_value *konst;
  sc_list all_of, any_of, one_of;
  sc_node *not_, *if_, *then_, *else_;
};

struct sc_schema {
  sc_arena arena;
  sc_node *root;
  sc_key **keys;             /* malloc'd, grows; keys in the arena */
  size_t nkeys, capkeys;
  sc_key **keyindex;         /* malloc'd, 2 * capkeys places: by text */
  sc_regex **regexes;        /* malloc'd, freed with the schema */
  size_t nregexes, capregexes;
  struct sc_resource *resources;
  sc_options opts;
  char *err;
  size_t errlen;
  int failed;
};

/* the compiler's own, from the bottom up: schema_helpers.c, */
void *sc_cerr (sc_schema *s, const char *ptr, const char *fmt, ...);
void *sc_oom (sc_schema *s);
void *sc_new0 (sc_schema *s, size_t n);
const char *sc_join_key (sc_schema *s, const char *ptr, const char *key,
                         size_t klen);
const char *sc_join (sc_schema *s, const char *ptr, const char *tok);
const char *sc_join_index (sc_schema *s, const char *ptr, size_t i);
/* schema_keys.c (the key of a property name, made the first time), */
const sc_key *sc_intern (sc_schema *s, const char *str, size_t len);
/* schema_resource.c (index pass; a "$ref"'s target, and its pointer in
** *where, for the caller to compile), */
struct sc_resource *sc_add_document (sc_schema *s, const char *uri,
                                     sv_value *doc, const char *ptr);
sv_value *sc_resolve_ref (sc_schema *s, sv_value *v, const sv_value *ref,
                          const char *ptr, const char **where);
/* schema_keywords.c (the node of one schema object, memoised) */
sc_node *sc_compile_node (sc_schema *s, sv_value *v, const char *ptr);

/* schema_uri.c */
char *sc_uri_resolve (sc_arena *a, const char *base, const char *ref);
sv_value *sc_pointer_eval (sc_arena *a, sv_value *root, const char *frag);
char *sc_pointer_join (sc_arena *a, const char *ptr, const char *tok,
                       size_t n);
int sc_hexval (int c);

/* schema_check.c and schema_equal.c: checks and messages shared by the
** generic walker (schema_validate.c) and the walker over Lua values
** (lschema_walk.c), so both report the same errors */
typedef struct sc_num {
  int is_int;
  int64_t i;                 /* when is_int */
  double d;                  /* always, (double)i for integers */
} sc_num;

int sc_report (sc_vctx *c, const sc_node *n, const char *kw,
               const sc_path *path, const char *fmt, ...);
int sc_report_msg (sc_vctx *c, const sc_node *n, const char *kw,
                   const sc_path *path, const char *msg);
int sc_type_fail (sc_vctx *c, const sc_node *n, const sc_path *path);
int sc_enum_fail (sc_vctx *c, const sc_node *n, const sc_path *path);
int sc_check_number (sc_vctx *c, const sc_node *n, const sc_num *x,
                     const sc_path *path);
int sc_check_string (sc_vctx *c, const sc_node *n, const char *s,
                     size_t len, const sc_path *path);
/* What minItems/maxItems, minProperties/maxProperties count. */
typedef enum { SC_ITEMS, SC_PROPERTIES } sc_counted;
int sc_check_count (sc_vctx *c, const sc_node *n, sc_counted what,
                    size_t count, const sc_path *path);
void sc_fmt_limit (const sc_limit *l, char *buf, size_t size);
void sc_type_message (unsigned types, char *buf, size_t size);
void sc_enum_message (const sc_node *n, char *buf, size_t size);
int sc_equal (const sc_access *a1, void *u1, sc_ref v1,
              const sc_access *a2, void *u2, sc_ref v2);

/* schema_idna.c */
int sc_hostname (const char *s, size_t n);
int sc_idn_hostname (const char *s, size_t n);
int sc_bidi_name (const char *s, size_t n, int idn);

/* schema_meta.c: the draft-07 meta-schema, as JSON text */
extern const char sc_draft07_meta[];

#endif
