/*
** src/json/jsontext.h - the lexical pieces of JSON text (RFC 8259) that both of
** flowlua's JSON readers share: json_decode.c, which builds Lua values,
** and schema_dom.c, which builds the validator's own values without Lua;
** json_encode.c checks strings with the same UTF-8 rule. Not an API.
*/
#ifndef FLOWLUA_JSONTEXT_H
#define FLOWLUA_JSONTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

#endif
