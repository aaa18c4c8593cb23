/*
** schema_dom.c - the validator's own JSON tree: an arena, a strict parser
** and the sc_access functions over it. Schemas given as text and
** v:validate_json instances never become Lua values, which is what makes
** validating text cheap.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
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
** Parser
** ====================================================================== */

#define MAX_DEPTH 1000

typedef struct parser {
  sc_arena *a;
  const char *s, *p, *end;
  char *err;
  size_t errlen;
  int depth;
  int failed;
  int view;                  /* strings may point into the text */
} parser;

static sv_value *fail (parser *ps, const char *what) {
  if (!ps->failed) {
    int line = 1, col = 1;
    const char *q;
    for (q = ps->s; q < ps->p && q < ps->end; q++) {
      if (*q == '\n') { line++; col = 1; } else col++;
    }
    snprintf(ps->err, ps->errlen, "%s at line %d column %d", what, line,
             col);
    ps->failed = 1;
  }
  return NULL;
}

static void skip_ws (parser *ps) {
  const char *p = ps->p;
  while (p < ps->end && jt_ws[(unsigned char)*p]) p++;
  ps->p = p;
}

static sv_value *new_value (parser *ps, int kind) {
  sv_value *v = sc_alloc(ps->a, sizeof *v);
  if (v == NULL) return fail(ps, "out of memory");
  memset(v, 0, sizeof *v);
  v->kind = (unsigned char)kind;
  return v;
}

/* Decodes \uXXXX (and a following low surrogate) at ps->p (after 'u'). */
static int escape_u (parser *ps, char *out, size_t *o) {
  int c = (ps->end - ps->p >= 4) ? jt_hex4(ps->p) : -1;
  unsigned long cp;
  if (c < 0) return 0;
  ps->p += 4;
  cp = (unsigned long)c;
  if (c >= 0xD800 && c <= 0xDBFF && ps->end - ps->p >= 6 &&
      ps->p[0] == '\\' && ps->p[1] == 'u') {
    int lo = jt_hex4(ps->p + 2);
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
      cp = 0x10000 + (((unsigned long)c - 0xD800) << 10)
        + ((unsigned long)lo - 0xDC00);
      ps->p += 6;
    }
  }
  *o += jt_put_utf8(out + *o, cp);  /* a lone surrogate stays as WTF-8 */
  return 1;
}

static int escape (parser *ps, char *out, size_t *o) {
  char c = *ps->p++;
  switch (c) {
    case '"': case '\\': case '/': out[(*o)++] = c; return 1;
    case 'b': out[(*o)++] = '\b'; return 1;
    case 'f': out[(*o)++] = '\f'; return 1;
    case 'n': out[(*o)++] = '\n'; return 1;
    case 'r': out[(*o)++] = '\r'; return 1;
    case 't': out[(*o)++] = '\t'; return 1;
    case 'u': return escape_u(ps, out, o);
    default: return 0;
  }
}

/* Scans a string without escapes: the end quote's position, or NULL
** when an escape comes first (then *bad tells whether the text is
** invalid). */
static const char *plain_end (const char *p, const char *end, int *bad) {
  const unsigned char *e = (const unsigned char *)end;
  *bad = 0;
  for (;;) {
    const unsigned char *u = (const unsigned char *)jt_plain_run(p, end);
    int n;
    if (u < e && *u == '"') return (const char *)u;
    if (u < e && *u == '\\') return NULL;
    if (u >= e || *u < 0x80 || (n = jt_utf8_seq(u, e)) == 0) break;
    p = (const char *)u + n;
  }
  *bad = 1;
  return NULL;
}

/* Decodes a string with escapes from ps->p into the arena. */
static const char *escaped_chars (parser *ps, size_t *len) {
  char *out = sc_alloc(ps->a, (size_t)(ps->end - ps->p) + 1);
  size_t o = 0;
  if (out == NULL) return NULL;
  while (ps->p < ps->end && *ps->p != '"') {
    const unsigned char *u = (const unsigned char *)ps->p;
    if (*u == '\\') {
      ps->p++;
      if (ps->p >= ps->end || !escape(ps, out, &o)) return NULL;
    } else {
      size_t n = *u < 0x80 ? (*u >= 0x20)
        : (size_t)jt_utf8_seq(u, (const unsigned char *)ps->end);
      if (n == 0) return NULL;
      memcpy(out + o, ps->p, n);
      o += n;
      ps->p += n;
    }
  }
  if (ps->p >= ps->end) return NULL;
  ps->p++;
  out[o] = '\0';
  *len = o;
  return out;
}

/* Parses a string after its opening quote; the copy is never longer. In
** view mode a string without escapes points into the text. */
static const char *parse_chars (parser *ps, size_t *len) {
  int bad;
  const char *q = plain_end(ps->p, ps->end, &bad), *r;
  if (q != NULL) {
    r = ps->view ? ps->p : sc_strdup(ps->a, ps->p, (size_t)(q - ps->p));
    *len = (size_t)(q - ps->p);
    ps->p = q + 1;
    return r;
  }
  if (bad || (r = escaped_chars(ps, len)) == NULL) return NULL;
  return r;
}

static sv_value *parse_value (parser *ps);

static sv_value *parse_string (parser *ps) {
  sv_value *v = new_value(ps, SV_STR);
  if (v == NULL) return NULL;
  ps->p++;
  v->u.s = parse_chars(ps, &v->n);
  if (v->u.s == NULL) return fail(ps, "invalid string");
  return v;
}

/* The slow path of parse_number: the n bytes at start, through libc. */
static sv_value *number_text (parser *ps, sv_value *v, const char *start,
                              size_t n, int is_int) {
  char buf[64], *tmp = buf;
  if (n >= sizeof buf && (tmp = sc_alloc(ps->a, n + 1)) == NULL)
    return fail(ps, "out of memory");
  memcpy(tmp, start, n);
  tmp[n] = '\0';
  v->kind = SV_NUM;
  v->u.d = strtod(tmp, NULL);
  if (is_int && v->u.d >= -9223372036854775808.0 &&
      v->u.d < 9223372036854775808.0) {
    errno = 0;
    v->u.i = strtoll(tmp, NULL, 10);
    v->kind = SV_INT;
  }
  return v;
}

/* An integer of at most 18 digits is read while it is scanned; anything
** else goes through strtod/strtoll. */
/* Whether the 8 bytes of x are all ASCII digits: adding 6 keeps '0'..'9'
** (0x30..0x39) in 0x3_, and no other byte stays in 0x3_ both ways. */
static int eight_digits (uint64_t x) {
  const uint64_t hi = 0xF0F0F0F0F0F0F0F0u;
  return ((x & hi) | (((x + 0x0606060606060606u) & hi) >> 4)) ==
    0x3333333333333333u;
}

/* The value of 8 ASCII digits, first digit in the lowest byte: pairs,
** then quads, then the whole, each step a multiply and a shift. */
static uint64_t eight_value (uint64_t x) {
  x = (x & 0x0F0F0F0F0F0F0F0Fu) * 2561 >> 8;
  x = (x & 0x00FF00FF00FF00FFu) * 6553601 >> 16;
  return (x & 0x0000FFFF0000FFFFu) * 42949672960001u >> 32;
}

/* Scans the digits at p into *r (r = r * 10 + digit, wrapping), eight at a
** time where the text allows; returns the first byte after them. */
static const char *digits_value (const char *p, const char *end,
                                 uint64_t *r) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t x;
  while (end - p >= 8 && (memcpy(&x, p, 8), eight_digits(x))) {
    *r = *r * 100000000u + eight_value(x);
    p += 8;
  }
#endif
  while (p < end && *p >= '0' && *p <= '9')
    *r = *r * 10 + (uint64_t)(*p++ - '0');
  return p;
}

static sv_value *parse_number (parser *ps) {
  const char *q = ps->p, *start = ps->p, *digits;
  int is_int = 1;
  uint64_t r = 0;
  sv_value *v;
  if (q < ps->end && *q == '-') q++;
  digits = q;
  if (q < ps->end && *q == '0') q++;
  else if (q < ps->end && *q >= '1' && *q <= '9')
    q = digits_value(q, ps->end, &r);   /* wraps harmlessly if long */
  else return fail(ps, "invalid number");
  if (q < ps->end && *q == '.') {
    is_int = 0;
    if (++q >= ps->end || *q < '0' || *q > '9')
      return fail(ps, "invalid number");
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < ps->end && (*q == 'e' || *q == 'E')) {
    is_int = 0;
    q++;
    if (q < ps->end && (*q == '+' || *q == '-')) q++;
    if (q >= ps->end || *q < '0' || *q > '9')
      return fail(ps, "invalid number");
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  v = new_value(ps, SV_INT);
  if (v == NULL) return NULL;
  ps->p = q;
  if (is_int && q - digits <= 18) {   /* fits in int64_t */
    v->u.i = *start == '-' ? -(int64_t)r : (int64_t)r;
    return v;
  }
  return number_text(ps, v, start, (size_t)(q - start), is_int);
}

static sv_value *parse_literal (parser *ps, const char *word, size_t n,
                                int kind) {
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
    return fail(ps, "invalid literal");
  ps->p += n;
  return new_value(ps, kind);
}

/* Grows a pointer array kept in the arena (doubling). */
static void *grow (parser *ps, void *old, size_t n, size_t *cap,
                   size_t size) {
  void *r;
  if (n < *cap) return old;
  *cap = *cap ? *cap * 2 : 4;
  r = sc_alloc(ps->a, *cap * size);
  if (r == NULL) return NULL;
  if (n) memcpy(r, old, n * size);
  return r;
}

static sv_value *parse_array (parser *ps) {
  sv_value *v = new_value(ps, SV_ARR);
  size_t cap = 0;
  if (v == NULL) return NULL;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ']') { ps->p++; return v; }
  for (;;) {
    sv_value *item = parse_value(ps);
    if (item == NULL) return NULL;
    v->u.items = grow(ps, v->u.items, v->n, &cap, sizeof(sv_value *));
    if (v->u.items == NULL) return fail(ps, "out of memory");
    v->u.items[v->n++] = item;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == ']') { ps->p++; return v; }
    return fail(ps, "expected ',' or ']'");
  }
}

static int parse_member (parser *ps, sv_member *m) {
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != '"') {
    fail(ps, "expected a string key");
    return 0;
  }
  ps->p++;
  m->key = parse_chars(ps, &m->klen);
  if (m->key == NULL) { fail(ps, "invalid string"); return 0; }
  m->hash = sv_hash(m->key, m->klen);
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != ':') { fail(ps, "expected ':'"); return 0; }
  ps->p++;
  m->val = parse_value(ps);
  return m->val != NULL;
}

static sv_value *parse_object (parser *ps) {
  sv_value *v = new_value(ps, SV_OBJ);
  size_t cap = 0;
  if (v == NULL) return NULL;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '}') { ps->p++; return v; }
  for (;;) {
    v->u.members = grow(ps, v->u.members, v->n, &cap, sizeof(sv_member));
    if (v->u.members == NULL) return fail(ps, "out of memory");
    if (!parse_member(ps, &v->u.members[v->n])) return NULL;
    v->n++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == '}') { ps->p++; return v; }
    return fail(ps, "expected ',' or '}'");
  }
}

static sv_value *parse_container (parser *ps) {
  sv_value *v;
  if (++ps->depth > MAX_DEPTH) return fail(ps, "too deeply nested");
  v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
  ps->depth--;
  return v;
}

static sv_value *parse_value (parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, "unexpected end of text");
  switch (*ps->p) {
    case '{': case '[': return parse_container(ps);
    case '"': return parse_string(ps);
    case 't': return parse_literal(ps, "true", 4, SV_TRUE);
    case 'f': return parse_literal(ps, "false", 5, SV_FALSE);
    case 'n': return parse_literal(ps, "null", 4, SV_NULL);
    default: return parse_number(ps);
  }
}

static sv_value *parse (sc_arena *a, const char *text, size_t len,
                        char *err, size_t errlen, int view) {
  parser ps;
  sv_value *v;
  ps.a = a;
  ps.s = ps.p = text;
  ps.end = text + len;
  ps.err = err;
  ps.errlen = errlen;
  ps.depth = 0;
  ps.failed = 0;
  ps.view = view;
  v = parse_value(&ps);
  if (v == NULL) return NULL;
  skip_ws(&ps);
  if (ps.p != ps.end) return fail(&ps, "unexpected text after the value");
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
