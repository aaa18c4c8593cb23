/*
** src/json/jsontext.h - the one JSON lexer (RFC 8259) of flowlua's two JSON
** readers: json_decode.c, which builds Lua values, and schema_dom.c, which
** builds the validator's own values without Lua. Both take whitespace,
** strings (escapes, surrogates, UTF-8), numbers, literals and error
** messages from here, so they accept the same texts and report the same
** error at the same place; each keeps only its way of building arrays and
** objects. json_encode.c checks strings with the same UTF-8 rule. Pure C,
** no Lua. Not an API.
**
** The rules: a string holds valid UTF-8 only (no overlong forms, no
** surrogates encoded in UTF-8, nothing above U+10FFFF), no raw control
** character, and the escapes of RFC 8259, where a \u escape of a surrogate
** must be a high-low pair: a lone surrogate could not become valid UTF-8,
** so it is refused. A number is -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?
** [0-9]+)?; it is an integer when it has no fraction or exponent and fits
** in 64 bits, else a double.
*/
#ifndef FLOWLUA_JSONTEXT_H
#define FLOWLUA_JSONTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What went wrong: the first error of a reading, and where. */
enum {
  JT_E_UNEXPECTED,   /* a byte no value starts with: names the byte */
  JT_E_END, JT_E_TRAILING, JT_E_DEPTH, JT_E_STACK, JT_E_MEMORY,
  JT_E_KEY, JT_E_COLON, JT_E_ARRAY_NEXT, JT_E_OBJECT_NEXT,
  JT_E_UNTERMINATED, JT_E_CONTROL, JT_E_UTF8, JT_E_ESCAPE, JT_E_UESCAPE,
  JT_E_LONE_HIGH, JT_E_LONE_LOW, JT_E_NUMBER, JT_E_LITERAL
};

typedef struct jt_error {
  const char *pos;   /* where, in the text */
  int code;          /* JT_E_* */
} jt_error;

/* Writes "<message> at line L column C" (lines and bytes counted from 1
** in the text at start) into buf (n bytes, NUL-terminated, truncated). */
void jt_error_text (const char *start, const jt_error *e, char *buf,
                    size_t n);

/* Decodes the string [p, q) (the bytes between its quotes, holding a
** backslash) into out, which has room for q - p bytes (decoding never
** grows): the decoded length, or -1 with e set. */
long jt_unescape (const char *p, const char *q, char *out, jt_error *e);

/* The first byte from p on that is not a space, skipping eight at a
** time: the indentation of pretty-printed text, after a newline. */
const char *jt_skip_indent (const char *p, const char *end);

/* The closing quote of a string from its first backslash p on (an
** escaped quote does not close it), or NULL when the text ends first. */
const char *jt_escaped_end (const char *p, const char *end);

/* The double of the number token [s, s + n), correctly rounded, whatever
** the C locale's decimal point. */
double jt_to_double (const char *s, size_t n);

/* 1 for JSON whitespace: one load and test per byte. */
extern const unsigned char jt_ws[256];
/* 1 for a byte that stands for itself inside a string: ASCII, not a
** control character, '"' or '\\'. Other bytes take the slow path. */
extern const unsigned char jt_plain[256];

/* The first byte from p on, before end, that is not plain (jt_plain), or
** end. Eight bytes at a time while eight remain: a word has a byte to
** stop at when one is below 0x20, '"', '\\' or 0x80 and above. The tests
** can flag bytes after a true one (a borrow), never before it, so the
** lowest flag is the first stop in little-endian order. */
static inline const char *jt_plain_run (const char *p, const char *end) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  while (end - p >= 8) {
    uint64_t x, q, b, stop;
    memcpy(&x, p, 8);
    q = x ^ (ones * '"');
    b = x ^ (ones * '\\');
    stop = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)
      | x;
    stop &= high;
    if (stop) return p + (__builtin_ctzll(stop) >> 3);
    p += 8;
  }
#endif
  while (p < end && jt_plain[(unsigned char)*p]) p++;
  return p;
}

/* The value of the 4 hex digits at p, or -1. */
static inline int jt_hex4 (const char *p) {
  int i, r = 0;
  for (i = 0; i < 4; i++) {
    int c = (unsigned char)p[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    r = r * 16 + d;
  }
  return r;
}

/* Writes code point c as UTF-8 at o (room for 4 bytes); its length. */
static inline size_t jt_put_utf8 (char *o, unsigned long c) {
  if (c < 0x80) { o[0] = (char)c; return 1; }
  if (c < 0x800) {
    o[0] = (char)(0xC0 | (c >> 6));
    o[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    o[0] = (char)(0xE0 | (c >> 12));
    o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (c >> 18));
  o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  o[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0:
** overlong forms, UTF-16 surrogates and code points above U+10FFFF are
** invalid. */
static inline int jt_utf8_seq (const unsigned char *s,
                               const unsigned char *end) {
  unsigned c = s[0];
  unsigned lo = 0x80, hi = 0xBF;
  int n, i;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;        /* overlong */
    else if (c == 0xED) hi = 0x9F;   /* UTF-16 surrogates */
  }
  else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;        /* overlong */
    else if (c == 0xF4) hi = 0x8F;   /* above U+10FFFF */
  }
  else return 0;
  if (end - s < n || s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return n;
}

/* ======================================================================
** Tokens. Each is given the end of the text and reads nothing past it.
** ====================================================================== */

static inline const char *jt_skip_ws (const char *p, const char *end) {
  while (p < end && jt_ws[(unsigned char)*p])
    if (*p++ == '\n') p = jt_skip_indent(p, end);
  return p;
}

/* p just after a string's opening quote: the position of its closing
** quote, or NULL with e set. A string without escapes is checked here,
** whole; *esc tells that it has escapes, which jt_unescape decodes and
** checks. */
static inline const char *jt_string_end (const char *p, const char *end,
                                         int *esc, jt_error *e) {
  const unsigned char *stop = (const unsigned char *)end;
  const char *open = p - 1;
  *esc = 0;
  for (;;) {
    const unsigned char *u = (const unsigned char *)jt_plain_run(p, end);
    int n;
    if (u >= stop) break;
    if (*u == '"') return (const char *)u;
    if (*u == '\\') {
      *esc = 1;
      if ((p = jt_escaped_end((const char *)u, end)) == NULL) break;
      return p;
    }
    e->pos = (const char *)u;
    e->code = *u < 0x20 ? JT_E_CONTROL : JT_E_UTF8;
    if (*u < 0x80 || (n = jt_utf8_seq(u, stop)) == 0) return NULL;
    p = (const char *)u + n;
  }
  e->pos = open;
  e->code = JT_E_UNTERMINATED;
  return NULL;
}

/* Whether the 8 bytes of x are all ASCII digits: adding 6 keeps '0'..'9'
** (0x30..0x39) in 0x3_, and no other byte stays in 0x3_ both ways. */
static inline int jt_eight_digits (uint64_t x) {
  const uint64_t hi = 0xF0F0F0F0F0F0F0F0u;
  return ((x & hi) | (((x + 0x0606060606060606u) & hi) >> 4)) ==
    0x3333333333333333u;
}

/* The value of 8 ASCII digits, first digit in the lowest byte: pairs,
** then quads, then the whole, each step a multiply and a shift. */
static inline uint64_t jt_eight_value (uint64_t x) {
  x = (x & 0x0F0F0F0F0F0F0F0Fu) * 2561 >> 8;
  x = (x & 0x00FF00FF00FF00FFu) * 6553601 >> 16;
  return (x & 0x0000FFFF0000FFFFu) * 42949672960001u >> 32;
}

/* Scans the digits at p into *r (r = r * 10 + digit, wrapping), eight at a
** time where the text allows; returns the first byte after them. */
static inline const char *jt_digits (const char *p, const char *end,
                                     uint64_t *r) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t x;
  while (end - p >= 8 && (memcpy(&x, p, 8), jt_eight_digits(x))) {
    *r = *r * 100000000u + jt_eight_value(x);
    p += 8;
  }
#endif
  while (p < end && *p >= '0' && *p <= '9')
    *r = *r * 10 + (uint64_t)(*p++ - '0');
  return p;
}

static inline const char *jt_skip_digits (const char *p, const char *end) {
  while (p < end && *p >= '0' && *p <= '9') p++;
  return p;
}

static inline const char *jt_bad_number (const char *p, jt_error *e) {
  e->pos = p;
  e->code = JT_E_NUMBER;
  return NULL;
}

/* The number at p (a '-' or a digit): the position after it, or NULL
** with e set. *is_int tells an integer that fits in 64 bits, then *i is
** its value; any other number is for jt_to_double. */
static inline const char *jt_number (const char *p, const char *end,
                                     int *is_int, int64_t *i, jt_error *e) {
  int neg = (*p == '-');
  const char *ds = p + neg, *de;
  uint64_t v = 0;
  if (ds < end && *ds == '0') de = ds + 1;
  else if (ds < end && *ds >= '1' && *ds <= '9') de = jt_digits(ds, end, &v);
  else return jt_bad_number(p, e);
  p = de;
  if (p < end && *p == '.') {
    const char *q = jt_skip_digits(p + 1, end);
    if (q == p + 1) return jt_bad_number(q, e);
    p = q;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    const char *q = p + 1;
    if (q < end && (*q == '+' || *q == '-')) q++;
    p = jt_skip_digits(q, end);
    if (p == q) return jt_bad_number(p, e);
  }
  /* 19 digits cannot wrap 64 bits, and 20 do not fit in 63 */
  *is_int = p == de && de - ds <= 19 && v <= (uint64_t)INT64_MAX + neg;
  if (*is_int) *i = neg ? (int64_t)(0 - v) : (int64_t)v;
  return p;
}

/* The literal word (n bytes) at p: the position after it, or NULL with
** e set. */
static inline const char *jt_literal (const char *p, const char *end,
                                      const char *word, size_t n,
                                      jt_error *e) {
  if ((size_t)(end - p) < n || memcmp(p, word, n) != 0) {
    e->pos = p;
    e->code = JT_E_LITERAL;
    return NULL;
  }
  return p + n;
}

#endif
