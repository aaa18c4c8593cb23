/*
** src/json/jsontext.c - the parts of the JSON lexer (jsontext.h) that are
** not on the fast path: the character tables, escapes, the conversion of
** numbers to doubles and the error messages. Shared by the JSON decoder,
** the encoder and the validator's own JSON reader.
*/
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "jsontext.h"

#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v

const unsigned char jt_ws[256] = {
  ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1
};

const unsigned char jt_plain[256] = {
  R16(0), R16(0),
  1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x20: '"' */
  R16(1), R16(1),
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,  /* 0x50: '\\' */
  R16(1), R16(1),
};

const char *jt_skip_indent (const char *p, const char *end) {
  static const char spaces[8] = "        ";
  while (end - p >= 8 && memcmp(p, spaces, 8) == 0) p += 8;
  while (p < end && *p == ' ') p++;
  return p;
}

/* ======================================================================
** Escapes
** ====================================================================== */

const char *jt_escaped_end (const char *p, const char *end) {
  while (p < end && *p != '"') p += (*p == '\\') ? 2 : 1;
  return p < end ? p : NULL;
}

static long bad (jt_error *e, const char *pos, int code) {
  e->pos = pos;
  e->code = code;
  return -1;
}

/* The \u escape at p (p[0] == '\\', p[1] == 'u', before q): a code point,
** a surrogate pair as one; *len is the escape's length. -1 with e set. */
static long uescape (const char *p, const char *q, int *len, jt_error *e) {
  int hi = q - p >= 6 ? jt_hex4(p + 2) : -1, lo;
  if (hi < 0) return bad(e, p, JT_E_UESCAPE);
  *len = 6;
  if (hi >= 0xDC00 && hi <= 0xDFFF) return bad(e, p, JT_E_LONE_LOW);
  if (hi < 0xD800 || hi > 0xDBFF) return hi;
  if (q - p < 12 || p[6] != '\\' || p[7] != 'u'
      || (lo = jt_hex4(p + 8)) < 0xDC00 || lo > 0xDFFF)
    return bad(e, p, JT_E_LONE_HIGH);
  *len = 12;
  return 0x10000 + ((long)(hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* The byte a one-letter escape stands for, or -1. */
static int short_escape (char c) {
  switch (c) {
    case '"': case '\\': case '/': return c;
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return -1;
  }
}

/* The escape at p (p[0] == '\\') into *o; its length in the text, or 0
** with e set. */
static int escape (const char *p, const char *q, char **o, jt_error *e) {
  int c, len;
  long cp;
  if (q - p >= 2 && p[1] == 'u') {
    if ((cp = uescape(p, q, &len, e)) < 0) return 0;
    *o += jt_put_utf8(*o, (unsigned long)cp);
    return len;
  }
  if (q - p < 2 || (c = short_escape(p[1])) < 0) {
    bad(e, p, JT_E_ESCAPE);
    return 0;
  }
  *(*o)++ = (char)c;
  return 2;
}

long jt_unescape (const char *p, const char *q, char *out, jt_error *e) {
  char *o = out;
  while (p < q) {
    const unsigned char *u = (const unsigned char *)p;
    int n;
    if (*u == '\\') n = escape(p, q, &o, e);
    else if (*u < 0x20) return bad(e, p, JT_E_CONTROL);
    else if (*u < 0x80) { *o++ = *p; n = 1; }
    else if ((n = jt_utf8_seq(u, (const unsigned char *)q)) == 0)
      return bad(e, p, JT_E_UTF8);
    else { memcpy(o, p, (size_t)n); o += n; }
    if (n == 0) return -1;
    p += n;
  }
  return (long)(o - out);
}

/* ======================================================================
** Numbers
** ====================================================================== */

/* strtod reads the locale's decimal point: where it is not '.' and the
** token has one, the token is read again with it (as Lua's l_str2d does). */
double jt_to_double (const char *s, size_t n) {
  char local[64], *buf = n < sizeof local ? local : malloc(n + 1), *end;
  double d;
  if (buf == NULL) return strtod(s, NULL);   /* s ends where digits end */
  memcpy(buf, s, n);
  buf[n] = '\0';
  d = strtod(buf, &end);
  if (end != buf + n) {
    char *dot = memchr(buf, '.', n);
    if (dot != NULL) *dot = localeconv()->decimal_point[0];
    d = strtod(buf, NULL);
  }
  if (buf != local) free(buf);
  return d;
}

/* ======================================================================
** Error messages
** ====================================================================== */

static const char *const messages[] = {
  NULL, "unexpected end of input", "unexpected data after the value",
  "nesting too deep", "nesting too deep for the Lua stack", "out of memory",
  "expected a string key", "expected ':' after a key",
  "expected ',' or ']'", "expected ',' or '}'", "unterminated string",
  "control character in string", "invalid UTF-8 in string",
  "invalid escape in string", "invalid \\u escape",
  "lone high surrogate in \\u escape", "lone low surrogate in \\u escape",
  "invalid number", "invalid literal"
};

void jt_error_text (const char *start, const jt_error *e, char *buf,
                    size_t n) {
  const char *q, *bol = start;
  char what[32];
  int line = 1;
  for (q = start; q < e->pos; q++)
    if (*q == '\n') { line++; bol = q + 1; }
  if (e->code == JT_E_UNEXPECTED) {
    unsigned char c = (unsigned char)*e->pos;
    if (c > 0x20 && c < 0x7F) snprintf(what, sizeof what,
                                       "unexpected character '%c'", c);
    else snprintf(what, sizeof what, "unexpected byte 0x%02x", c);
  }
  snprintf(buf, n, "%s at line %d column %d",
           e->code == JT_E_UNEXPECTED ? what : messages[e->code], line,
           (int)(e->pos - bol) + 1);
}
