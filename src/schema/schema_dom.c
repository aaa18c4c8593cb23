/*
** schema_dom.c - the validator's own JSON tree: an arena, a parser over
** the JSON lexer json.decode uses too (json/jsontext.h: same texts
** accepted, same errors) and the sc_access functions over the tree.
** Schemas given as text and v:validate_json instances never become Lua
** values, which is what makes validating text cheap.
*/
#include <stdlib.h>
#include <string.h>

#include "json/jsontext.h"
#include "schema.h"

/* ======================================================================
** Arena
** ====================================================================== */

struct sc_chunk {
  sc_chunk *next;
  size_t size;
};

#define CHUNK_MIN 4096
#define ALIGN(n) (((n) + 15) & ~(size_t)15)

void *sc_alloc (sc_arena *a, size_t n) {
  void *r;
  n = ALIGN(n ? n : 1);
  if ((size_t)(a->end - a->p) < n) {
    size_t size = n + ALIGN(sizeof(sc_chunk)) > CHUNK_MIN
      ? n + ALIGN(sizeof(sc_chunk)) : CHUNK_MIN;
    sc_chunk *c = malloc(size);
    if (c == NULL) return NULL;
    c->size = size;
    c->next = a->head;
    a->head = c;
    a->p = (char *)c + ALIGN(sizeof(sc_chunk));
    a->end = (char *)c + size;
  }
  r = a->p;
  a->p += n;
  return r;
}

char *sc_strdup (sc_arena *a, const char *s, size_t n) {
  char *r = sc_alloc(a, n + 1);
  if (r == NULL) return NULL;
  memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

/* Frees all chunks but the oldest one, which becomes empty again. */
void sc_arena_reset (sc_arena *a) {
  sc_chunk *c = a->head;
  if (c == NULL) return;
  while (c->next != NULL) {
    sc_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = c;
  a->p = (char *)c + ALIGN(sizeof(sc_chunk));
  a->end = (char *)c + c->size;
}

void sc_arena_free (sc_arena *a) {
  sc_chunk *c = a->head;
  while (c != NULL) {
    sc_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
  a->p = a->end = NULL;
}

/* ======================================================================
** Parser: the JSON lexer of json/jsontext.h, building sv_values
** ====================================================================== */

#define MAX_DEPTH 1000

typedef struct parser {
  sc_arena *a;
  const char *p, *end;
  jt_error e;                /* the error, once one is met */
  int depth;
  int view;                  /* strings may point into the text */
} parser;

static void *fail (parser *ps, const char *pos, int code) {
  ps->e.pos = pos;
  ps->e.code = code;
  return NULL;
}

static void skip_ws (parser *ps) {
  ps->p = jt_skip_ws(ps->p, ps->end);
}

static sv_value *new_value (parser *ps, int kind) {
  sv_value *v = sc_alloc(ps->a, sizeof *v);
  if (v == NULL) return fail(ps, ps->p, JT_E_MEMORY);
  memset(v, 0, sizeof *v);
  v->kind = (unsigned char)kind;
  return v;
}

/* The string [s, q) with escapes, decoded into the arena. */
static const char *unescaped (parser *ps, const char *s, const char *q,
                              size_t *len) {
  char *out = sc_alloc(ps->a, (size_t)(q - s) + 1);
  long n;
  if (out == NULL) return fail(ps, s, JT_E_MEMORY);
  if ((n = jt_unescape(s, q, out, &ps->e)) < 0) return NULL;
  out[n] = '\0';
  *len = (size_t)n;
  return out;
}

/* Reads a string after its opening quote (at ps->p): a copy in the
** arena, or in view mode, when it has no escapes, the text itself (not
** NUL-terminated). */
static const char *parse_chars (parser *ps, size_t *len) {
  int esc;
  const char *s = ps->p, *q = jt_string_end(s, ps->end, &esc, &ps->e);
  if (q == NULL) return NULL;
  ps->p = q + 1;
  if (esc) return unescaped(ps, s, q, len);
  *len = (size_t)(q - s);
  return ps->view ? s : sc_strdup(ps->a, s, *len);
}

static sv_value *parse_value (parser *ps);

static sv_value *parse_string (parser *ps) {
  sv_value *v = new_value(ps, SV_STR);
  if (v == NULL) return NULL;
  ps->p++;
  v->u.s = parse_chars(ps, &v->n);
  return v->u.s != NULL ? v : NULL;
}

static sv_value *parse_number (parser *ps) {
  int is_int;
  int64_t i;
  const char *s = ps->p, *q = jt_number(s, ps->end, &is_int, &i, &ps->e);
  sv_value *v;
  if (q == NULL || (v = new_value(ps, is_int ? SV_INT : SV_NUM)) == NULL)
    return NULL;
  ps->p = q;
  if (is_int) v->u.i = i;
  else v->u.d = jt_to_double(s, (size_t)(q - s));
  return v;
}

static sv_value *parse_literal (parser *ps, const char *word, size_t n,
                                int kind) {
  const char *q = jt_literal(ps->p, ps->end, word, n, &ps->e);
  if (q == NULL) return NULL;
  ps->p = q;
  return new_value(ps, kind);
}

/* Grows a pointer array kept in the arena (doubling); NULL when out of
** memory. */
static inline void *grow (parser *ps, void *old, size_t n, size_t *cap,
                   size_t size) {
  void *r;
  if (n < *cap) return old;
  *cap = *cap ? *cap * 2 : 4;
  r = sc_alloc(ps->a, *cap * size);
  if (r != NULL && n) memcpy(r, old, n * size);
  return r;
}

/* After an item or member: 1 for ',', 0 for the closing bracket, -1 (and
** the error) for anything else. */
static inline int next_or_close (parser *ps, char close, int code) {
  skip_ws(ps);
  if (ps->p >= ps->end) { fail(ps, ps->p, JT_E_END); return -1; }
  if (*ps->p == ',' || *ps->p == close) return *ps->p++ == ',';
  fail(ps, ps->p, code);
  return -1;
}

/* A new array or object past its opening bracket; *empty says whether
 * its closing bracket follows at once (then it is read too). */
static inline sv_value *open_container (parser *ps, int kind, char close,
                                        int *empty) {
  sv_value *v = new_value(ps, kind);
  if (v == NULL) return NULL;
  ps->p++;
  skip_ws(ps);
  *empty = ps->p < ps->end && *ps->p == close;
  ps->p += *empty;
  return v;
}

static sv_value *parse_array (parser *ps) {
  size_t cap = 0;
  int empty, more;
  sv_value *v = open_container(ps, SV_ARR, ']', &empty);
  if (v == NULL || empty) return v;
  do {
    sv_value *item = parse_value(ps);
    if (item == NULL) return NULL;
    v->u.items = grow(ps, v->u.items, v->n, &cap, sizeof(sv_value *));
    if (v->u.items == NULL) return fail(ps, ps->p, JT_E_MEMORY);
    v->u.items[v->n++] = item;
  } while ((more = next_or_close(ps, ']', JT_E_ARRAY_NEXT)) > 0);
  return more == 0 ? v : NULL;
}

static int parse_member (parser *ps, sv_member *m) {
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, ps->p, JT_E_END) != NULL;
  if (*ps->p != '"') return fail(ps, ps->p, JT_E_KEY) != NULL;
  ps->p++;
  if ((m->key = parse_chars(ps, &m->klen)) == NULL) return 0;
  m->hash = sv_hash(m->key, m->klen);
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, ps->p, JT_E_END) != NULL;
  if (*ps->p != ':') return fail(ps, ps->p, JT_E_COLON) != NULL;
  ps->p++;
  m->val = parse_value(ps);
  return m->val != NULL;
}

static sv_value *parse_object (parser *ps) {
  size_t cap = 0;
  int empty, more;
  sv_value *v = open_container(ps, SV_OBJ, '}', &empty);
  if (v == NULL || empty) return v;
  do {
    v->u.members = grow(ps, v->u.members, v->n, &cap, sizeof(sv_member));
    if (v->u.members == NULL) return fail(ps, ps->p, JT_E_MEMORY);
    if (!parse_member(ps, &v->u.members[v->n])) return NULL;
    v->n++;
  } while ((more = next_or_close(ps, '}', JT_E_OBJECT_NEXT)) > 0);
  return more == 0 ? v : NULL;
}

static sv_value *parse_container (parser *ps) {
  sv_value *v;
  if (++ps->depth > MAX_DEPTH) return fail(ps, ps->p, JT_E_DEPTH);
  v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
  ps->depth--;
  return v;
}

static sv_value *parse_value (parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, ps->p, JT_E_END);
  switch (*ps->p) {
    case '{': case '[': return parse_container(ps);
    case '"': return parse_string(ps);
    case 't': return parse_literal(ps, "true", 4, SV_TRUE);
    case 'f': return parse_literal(ps, "false", 5, SV_FALSE);
    case 'n': return parse_literal(ps, "null", 4, SV_NULL);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return parse_number(ps);
    default: return fail(ps, ps->p, JT_E_UNEXPECTED);
  }
}

static sv_value *parse (sc_arena *a, const char *text, size_t len,
                        char *err, size_t errlen, int view) {
  parser ps;
  sv_value *v;
  ps.a = a;
  ps.p = text;
  ps.end = text + len;
  ps.depth = 0;
  ps.view = view;
  v = parse_value(&ps);
  if (v != NULL) {
    skip_ws(&ps);
    if (ps.p != ps.end) v = fail(&ps, ps.p, JT_E_TRAILING);
  }
  if (v == NULL) jt_error_text(text, &ps.e, err, errlen);
  return v;
}

sv_value *sv_parse (sc_arena *a, const char *text, size_t len, char *err,
                    size_t errlen) {
  return parse(a, text, len, err, errlen, 0);
}

sv_value *sv_parse_view (sc_arena *a, const char *text, size_t len,
                         char *err, size_t errlen) {
  return parse(a, text, len, err, errlen, 1);
}

/* A cheap hash of a key, so that lookups compare one number first. */
/* Eight bytes at a time (the last eight may overlap), as keys are short;
** lookups compare the length and the bytes apart. */
unsigned sv_hash (const char *key, size_t klen) {
  const uint64_t mul = 0x9E3779B97F4A7C15u;
  uint64_t h = klen * mul, w = 0;
  size_t i;
  if (klen < 8) {
    for (i = 0; i < klen; i++) w = w << 8 | (unsigned char)key[i];
    h = (h ^ w) * mul;
  } else {
    for (i = 0; i + 8 < klen; i += 8) {
      memcpy(&w, key + i, 8);
      h = (h ^ w) * mul;
    }
    memcpy(&w, key + klen - 8, 8);
    h = (h ^ w) * mul;
  }
  return (unsigned)(h >> 32 ^ h);
}

static sv_value *get_hashed (const sv_value *obj, const char *key,
                             size_t klen, unsigned hash) {
  if (obj == NULL || obj->kind != SV_OBJ) return NULL;
  return sv_find(obj, key, klen, hash);
}

sv_value *sv_get (const sv_value *obj, const char *key, size_t klen) {
  return get_hashed(obj, key, klen, sv_hash(key, klen));
}

sv_value *sv_get_key (const sv_value *obj, const sc_key *k) {
  return get_hashed(obj, k->s, k->len,
                    k->id > 0 ? k->hash : sv_hash(k->s, k->len));
}

/* ======================================================================
** sc_access over sv_value
** ====================================================================== */

#define SV(r) ((const sv_value *)(r))

static int sva_kind (void *ud, sc_ref v) {
  static const unsigned char kinds[] = {
    SK_NULL, SK_BOOL, SK_BOOL, SK_INT, SK_NUM, SK_STR, SK_ARR, SK_OBJ
  };
  (void)ud;
  if (SV(v)->empty_any) return SK_EMPTY;
  return kinds[SV(v)->kind];
}

static int sva_boolean (void *ud, sc_ref v) {
  (void)ud;
  return SV(v)->kind == SV_TRUE;
}

static int64_t sva_integer (void *ud, sc_ref v) {
  (void)ud;
  return SV(v)->u.i;
}

static double sva_number (void *ud, sc_ref v) {
  (void)ud;
  return SV(v)->kind == SV_INT ? (double)SV(v)->u.i : SV(v)->u.d;
}

static const char *sva_string (void *ud, sc_ref v, size_t *len) {
  (void)ud;
  *len = SV(v)->n;
  return SV(v)->u.s;
}

static size_t sva_length (void *ud, sc_ref v) {
  (void)ud;
  return SV(v)->kind == SV_ARR ? SV(v)->n : 0;
}

static sc_ref sva_index (void *ud, sc_ref v, size_t i) {
  (void)ud;
  return (sc_ref)SV(v)->u.items[i];
}

static sc_ref sva_prop (void *ud, sc_ref v, const sc_key *k) {
  (void)ud;
  return (sc_ref)get_hashed(SV(v), k->s, k->len,
                            k->id > 0 ? k->hash : sv_hash(k->s, k->len));
}

static void sva_release (void *ud, sc_ref child) {
  (void)ud; (void)child;
}

static void sva_iter_begin (void *ud, sc_ref v, sc_iter *it) {
  (void)ud; (void)v;
  it->state = 0;
}

static int sva_iter_next (void *ud, sc_ref v, sc_iter *it,
                          const char **key, size_t *klen, sc_ref *val) {
  const sv_member *m;
  (void)ud;
  if (SV(v)->kind != SV_OBJ || (size_t)it->state >= SV(v)->n) return 0;
  m = &SV(v)->u.members[it->state++];
  *key = m->key;
  *klen = m->klen;
  *val = (sc_ref)m->val;
  return 1;
}

static void sva_iter_end (void *ud, sc_iter *it) {
  (void)ud; (void)it;
}

const sc_access sv_access = {
  sva_kind, sva_boolean, sva_integer, sva_number, sva_string, sva_length,
  sva_index, sva_prop, sva_release, sva_iter_begin, sva_iter_next,
  sva_iter_end
};
