/*
** schema_idna.c - host names: RFC 1123 labels for "hostname", IDNA 2008
** (RFC 5890-5893) for "idn-hostname" and for "xn--" labels anywhere.
**
** Unicode properties (general category, script, bidi class) come from
** PCRE2's tables, so no Unicode data is carried here. The IDNA derived
** property is approximated from RFC 5892's rules: the exceptions, LDH,
** the joiners and the LetterDigits categories are exact; "Unstable"
** (NFKC case folding) is approximated by disallowing upper and title case
** letters, and NFC is not checked.
*/
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <string.h>

#include "json/jsontext.h"
#include "schema_int.h"

#define MAX_LABEL 256          /* code points in one label we look at */

/* ======================================================================
** Unicode classes through PCRE2
** ====================================================================== */

enum {
  C_MARK, C_LETTER_DIGIT, C_GREEK, C_HEBREW, C_HKH, C_JOIN_DL, C_JOIN_T,
  C_UNASSIGNED, B_L, B_R, B_AL, B_AN, B_EN, B_ES, B_CS, B_ET, B_ON, B_BN,
  B_NSM, C_COUNT
};

static const char *const class_src[C_COUNT] = {
  "\\p{M}", "[\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Mc}\\p{Nd}]",
  "\\p{Greek}", "\\p{Hebrew}", "[\\p{Hiragana}\\p{Katakana}\\p{Han}]",
  "(?=[\\p{Arabic}\\p{Syriac}\\p{Nko}\\p{Mongolian}])\\p{L}",
  "[\\p{Mn}\\p{Me}]", "\\p{Cn}",
  "\\p{bc=L}", "\\p{bc=R}", "\\p{bc=AL}", "\\p{bc=AN}", "\\p{bc=EN}",
  "\\p{bc=ES}", "\\p{bc=CS}", "\\p{bc=ET}", "\\p{bc=ON}", "\\p{bc=BN}",
  "\\p{bc=NSM}"
};

static pcre2_code *classes[C_COUNT];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

/* Compiled once per process and never changed: safe across threads. */
static void compile_classes (void) {
  int k, code;
  PCRE2_SIZE off;
  for (k = 0; k < C_COUNT; k++) {
    char src[128];
    size_t n = strlen(class_src[k]);
    src[0] = '^';
    memcpy(src + 1, class_src[k], n);
    src[n + 1] = '$';
    src[n + 2] = '\0';
    classes[k] = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
                               PCRE2_UTF, &code, &off, NULL);
  }
}

static int is (int cls, unsigned long cp) {
  char buf[4];
  size_t n;
  int r;
  pcre2_match_data *md;
  pthread_once(&classes_once, compile_classes);
  if (classes[cls] == NULL || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
    return 0;
  n = jt_put_utf8(buf, cp);
  md = pcre2_match_data_create(1, NULL);
  if (md == NULL) return 0;
  r = pcre2_match(classes[cls], (PCRE2_SPTR)buf, n, 0, 0, md, NULL);
  pcre2_match_data_free(md);
  return r >= 0;
}

/* ======================================================================
** Punycode (RFC 3492)
** ====================================================================== */

enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };

static unsigned long adapt (unsigned long delta, unsigned long npoints,
                            int first) {
  unsigned long k = 0;
  delta = first ? delta / DAMP : delta / 2;
  delta += delta / npoints;
  while (delta > ((BASE - TMIN) * TMAX) / 2) {
    delta /= BASE - TMIN;
    k += BASE;
  }
  return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

static int digit_value (char c) {
  if (c >= '0' && c <= '9') return c - '0' + 26;
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return BASE;
}

static unsigned long threshold (unsigned long k, unsigned long bias) {
  return k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
}

/* Decodes s (without "xn--") into out; returns the count or -1. */
static int puny_decode (const char *s, size_t n, unsigned long *out) {
  size_t b = 0, in, k, len = 0;
  unsigned long cp = 128, i = 0, bias = 72;
  for (k = 0; k < n; k++) if (s[k] == '-') b = k;
  for (k = 0; k < b; k++) {
    if ((unsigned char)s[k] >= 0x80 || len >= MAX_LABEL) return -1;
    out[len++] = (unsigned char)s[k];
  }
  for (in = b > 0 ? b + 1 : 0; in < n; ) {
    unsigned long oldi = i, w = 1, t, kk;
    for (kk = BASE;; kk += BASE) {
      int d;
      if (in >= n || (d = digit_value(s[in++])) >= BASE) return -1;
      if ((unsigned long)d > (0x7FFFFFFFUL - i) / w) return -1;
      i += (unsigned long)d * w;
      t = threshold(kk, bias);
      if ((unsigned long)d < t) break;
      w *= BASE - t;
    }
    bias = adapt(i - oldi, len + 1, oldi == 0);
    cp += i / (len + 1);
    i %= len + 1;
    if (cp > 0x10FFFF || len >= MAX_LABEL) return -1;
    memmove(out + i + 1, out + i, (len - i) * sizeof *out);
    out[i++] = cp;
    len++;
  }
  return (int)len;
}

static char digit_char (unsigned long d) {
  return (char)(d < 26 ? 'a' + d : '0' + d - 26);
}

/* Encodes cps; returns the length written to out (cap bytes), or -1. */
static int puny_encode (const unsigned long *cp, size_t n, char *out,
                        size_t cap) {
  size_t o = 0, h, b = 0, j;
  unsigned long c = 128, delta = 0, bias = 72;
  for (j = 0; j < n; j++)
    if (cp[j] < 0x80) { if (o >= cap) return -1; out[o++] = (char)cp[j]; }
  h = b = o;
  if (b > 0) { if (o >= cap) return -1; out[o++] = '-'; }
  while (h < n) {
    unsigned long m = 0x7FFFFFFF;
    for (j = 0; j < n; j++) if (cp[j] >= c && cp[j] < m) m = cp[j];
    delta += (m - c) * (h + 1);
    c = m;
    for (j = 0; j < n; j++) {
      if (cp[j] < c) delta++;
      if (cp[j] == c) {
        unsigned long q = delta, k, t;
        for (k = BASE;; k += BASE) {
          t = threshold(k, bias);
          if (q < t) break;
          if (o >= cap) return -1;
          out[o++] = digit_char(t + (q - t) % (BASE - t));
          q = (q - t) / (BASE - t);
        }
        if (o >= cap) return -1;
        out[o++] = digit_char(q);
        bias = adapt(delta, h + 1, h == b);
        delta = 0;
        h++;
      }
    }
    delta++;
    c++;
  }
  return (int)o;
}

/* ======================================================================
** IDNA 2008 label rules
** ====================================================================== */

static int is_virama (unsigned long c) {
  static const unsigned long v[] = { 0x94D, 0x9CD, 0xA4D, 0xACD, 0xB4D,
    0xBCD, 0xC4D, 0xCCD, 0xD3B, 0xD3C, 0xD4D, 0xDCA, 0xE3A, 0xEBA, 0xF84,
    0x1039, 0x103A, 0x1714, 0x1734, 0x17D2, 0x1A60, 0x1B44, 0x1BAA, 0x1BAB,
    0x1BF2, 0x1BF3, 0x2D7F, 0xA806, 0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED,
    0x10A3F, 0x11046, 0x1107F, 0x110B9, 0x11133, 0x11134, 0x111C0, 0x11235,
    0x112EA, 0x1134D, 0x11442, 0x114C2, 0x115BF, 0x1163F, 0x116B6, 0x1172B,
    0x11839, 0x119E0, 0x11A34, 0x11A47, 0x11A99, 0x11C3F, 0x11D44, 0x11D45,
    0x11D97 };
  size_t i;
  for (i = 0; i < sizeof v / sizeof v[0]; i++) if (v[i] == c) return 1;
  return 0;
}

static int zwnj_context (const unsigned long *l, size_t n, size_t i) {
  size_t j;
  if (i > 0 && is_virama(l[i - 1])) return 1;
  for (j = i; j > 0 && is(C_JOIN_T, l[j - 1]); j--) {}
  if (j == 0 || !is(C_JOIN_DL, l[j - 1])) return 0;
  for (j = i + 1; j < n && is(C_JOIN_T, l[j]); j++) {}
  return j < n && is(C_JOIN_DL, l[j]);
}

static int arabic_digits (const unsigned long *l, size_t n, int extended) {
  size_t j;
  for (j = 0; j < n; j++) {
    if (extended && l[j] >= 0x660 && l[j] <= 0x669) return 0;
    if (!extended && l[j] >= 0x6F0 && l[j] <= 0x6F9) return 0;
  }
  return 1;
}

static int katakana_dot (const unsigned long *l, size_t n) {
  size_t j;
  for (j = 0; j < n; j++)
    if (l[j] != 0x30FB && is(C_HKH, l[j])) return 1;
  return 0;
}

/* CONTEXTJ and CONTEXTO rules (RFC 5892 appendix A); -1: not contextual */
static int context_rule (const unsigned long *l, size_t n, size_t i) {
  unsigned long c = l[i];
  switch (c) {
    case 0x200C: return zwnj_context(l, n, i);
    case 0x200D: return i > 0 && is_virama(l[i - 1]);
    case 0x00B7: return i > 0 && i + 1 < n && l[i - 1] == 'l' &&
                        l[i + 1] == 'l';
    case 0x0375: return i + 1 < n && is(C_GREEK, l[i + 1]);
    case 0x05F3: case 0x05F4: return i > 0 && is(C_HEBREW, l[i - 1]);
    case 0x30FB: return katakana_dot(l, n);
    default: break;
  }
  if (c >= 0x660 && c <= 0x669) return arabic_digits(l, n, 0);
  if (c >= 0x6F0 && c <= 0x6F9) return arabic_digits(l, n, 1);
  return -1;
}

static int disallowed_exception (unsigned long c) {
  return c == 0x640 || c == 0x7FA || c == 0x302E || c == 0x302F ||
         (c >= 0x3031 && c <= 0x3035) || c == 0x303B;
}

static int pvalid (unsigned long c) {
  if (c == 0xDF || c == 0x3C2 || c == 0x6FD || c == 0x6FE || c == 0xF0B ||
      c == 0x3007)
    return 1;
  if (disallowed_exception(c)) return 0;
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
    return 1;
  if (c < 0x80) return 0;
  if ((c >= 0x1100 && c <= 0x11FF) || (c >= 0xA960 && c <= 0xA97F) ||
      (c >= 0xD7B0 && c <= 0xD7FF) || (c >= 0x20D0 && c <= 0x20FF) ||
      (c >= 0x1D100 && c <= 0x1D24F))
    return 0;   /* old Hangul jamo and the ignorable blocks */
  return is(C_LETTER_DIGIT, c);
}

static int u_label_ok (const unsigned long *l, size_t n) {
  size_t i;
  if (n == 0 || l[0] == '-' || l[n - 1] == '-') return 0;
  if (n >= 4 && l[2] == '-' && l[3] == '-') return 0;
  if (is(C_MARK, l[0])) return 0;
  for (i = 0; i < n; i++) {
    int r = context_rule(l, n, i);
    if (r == 0) return 0;
    if (r < 0 && !pvalid(l[i])) return 0;
  }
  return 1;
}

/* ======================================================================
** The Bidi rule (RFC 5893), for names with a right-to-left label
** ====================================================================== */

static int bidi_class (unsigned long c) {
  static const int order[] = { B_L, B_R, B_AL, B_AN, B_EN, B_ES, B_CS,
                               B_ET, B_ON, B_BN, B_NSM };
  size_t k;
  for (k = 0; k < sizeof order / sizeof order[0]; k++)
    if (is(order[k], c)) return order[k];
  return -1;
}

static int is_rtl_label (const unsigned long *l, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    int b = bidi_class(l[i]);
    if (b == B_R || b == B_AL || b == B_AN) return 1;
  }
  return 0;
}

static int bidi_ok (const unsigned long *l, size_t n) {
  int first = bidi_class(l[0]), rtl, en = 0, an = 0;
  size_t i, last = n;
  if (first != B_L && first != B_R && first != B_AL) return 0;
  rtl = first != B_L;
  for (i = 0; i < n; i++) {
    int b = bidi_class(l[i]);
    if (b == B_EN) en = 1;
    if (b == B_AN) an = 1;
    if (rtl ? (b == B_L || b < 0) :
        (b == B_R || b == B_AL || b == B_AN || b < 0))
      return 0;
  }
  if (rtl && en && an) return 0;
  while (last > 0 && bidi_class(l[last - 1]) == B_NSM) last--;
  if (last == 0) return 0;
  first = bidi_class(l[last - 1]);
  return rtl ? (first == B_R || first == B_AL || first == B_EN ||
                first == B_AN)
             : (first == B_L || first == B_EN);
}

/* ======================================================================
** Names
** ====================================================================== */

typedef struct label {
  unsigned long cp[MAX_LABEL];
  size_t n;
  size_t ascii_len;          /* its length as an A-label */
} label;

static int is_ldh (unsigned long c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-';
}

static unsigned long lower (unsigned long c) {
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* "xn--" labels: canonical Punycode of a valid, non-ASCII U-label. */
static int a_label (label *lb) {
  char in[MAX_LABEL], re[MAX_LABEL];
  size_t i, n = lb->n - 4;
  int len, back;
  for (i = 0; i < n; i++) in[i] = (char)lower(lb->cp[i + 4]);
  len = puny_decode(in, n, lb->cp);
  if (len <= 0) return 0;
  lb->n = (size_t)len;
  for (i = 0; i < lb->n && lb->cp[i] < 0x80; i++) {}
  if (i == lb->n) return 0;
  back = puny_encode(lb->cp, lb->n, re, sizeof re);
  return back == (int)n && memcmp(re, in, n) == 0 && u_label_ok(lb->cp,
                                                                lb->n);
}

static int check_label (label *lb, int idn) {
  size_t i;
  int ascii = 1;
  for (i = 0; i < lb->n; i++) ascii &= lb->cp[i] < 0x80;
  lb->ascii_len = lb->n;
  if (ascii) {
    if (lb->n == 0 || lb->n > 63) return 0;
    for (i = 0; i < lb->n; i++) if (!is_ldh(lb->cp[i])) return 0;
    if (lb->cp[0] == '-' || lb->cp[lb->n - 1] == '-') return 0;
    if (lb->n >= 4 && lower(lb->cp[0]) == 'x' && lower(lb->cp[1]) == 'n' &&
        lb->cp[2] == '-' && lb->cp[3] == '-')
      return a_label(lb);
    return !(lb->n >= 4 && lb->cp[2] == '-' && lb->cp[3] == '-');
  }
  if (!idn || !u_label_ok(lb->cp, lb->n)) return 0;
  {
    char out[MAX_LABEL];
    int len = puny_encode(lb->cp, lb->n, out, sizeof out);
    if (len < 0 || len + 4 > 63) return 0;
    lb->ascii_len = (size_t)len + 4;
  }
  return 1;
}

static size_t next_cp (const unsigned char *s, size_t n, size_t i,
                       unsigned long *cp) {
  unsigned c = s[i];
  size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, k;
  if (i + len > n) { *cp = 0xFFFD; return 1; }
  *cp = len == 1 ? c : c & (0x3F >> (len - 1));
  for (k = 1; k < len; k++) *cp = (*cp << 6) | (s[i + k] & 0x3F);
  return len;
}

static int is_dot (unsigned long c, int idn) {
  return c == '.' || (idn && (c == 0x3002 || c == 0xFF0E || c == 0xFF61));
}

static int host (const char *str, size_t n, int idn) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, total = 0, nlabels = 0;
  int rtl = 0;
  label lb;
  if (n == 0) return 0;
  for (;;) {
    unsigned long cp;
    int dot = 0;
    lb.n = 0;
    while (i < n) {
      i += next_cp(s, n, i, &cp);
      if (is_dot(cp, idn)) { dot = 1; break; }
      if (lb.n >= MAX_LABEL) return 0;
      lb.cp[lb.n++] = cp;
    }
    if (!check_label(&lb, idn)) return 0;
    total += lb.ascii_len + (nlabels++ > 0);
    rtl |= is_rtl_label(lb.cp, lb.n);
    if (!dot) break;
    if (i >= n) return 0;      /* a trailing dot */
  }
  if (total > 253) return 0;
  return rtl ? sc_bidi_name(str, n, idn) : 1;
}

/* With a right-to-left label somewhere, every label obeys the Bidi rule. */
int sc_bidi_name (const char *str, size_t n, int idn) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  label lb;
  while (i < n) {
    unsigned long cp = 0;
    lb.n = 0;
    while (i < n) {
      i += next_cp(s, n, i, &cp);
      if (is_dot(cp, idn)) break;
      if (lb.n >= MAX_LABEL) return 0;
      lb.cp[lb.n++] = cp;
    }
    if (lb.n >= 4 && lower(lb.cp[0]) == 'x' && lower(lb.cp[1]) == 'n' &&
        lb.cp[2] == '-' && lb.cp[3] == '-')
      a_label(&lb);
    if (!bidi_ok(lb.cp, lb.n)) return 0;
  }
  return 1;
}

int sc_hostname (const char *s, size_t n) { return host(s, n, 0); }

int sc_idn_hostname (const char *s, size_t n) { return host(s, n, 1); }
