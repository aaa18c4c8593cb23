/*
** src/jsontext.h - the lexical pieces of JSON text (RFC 8259) that both of
** flowlua's JSON readers share: json_decode.c, which builds Lua values,
** and schema_dom.c, which builds the validator's own values without Lua;
** json_encode.c checks strings with the same UTF-8 rule. Not an API.
*/
#ifndef FLOWLUA_JSONTEXT_H
#define FLOWLUA_JSONTEXT_H

#include <stddef.h>

/* 1 for JSON whitespace: one load and test per byte. */
extern const unsigned char jt_ws[256];
/* 1 for a byte that stands for itself inside a string: ASCII, not a
** control character, '"' or '\\'. Other bytes take the slow path. */
extern const unsigned char jt_plain[256];

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

#endif
