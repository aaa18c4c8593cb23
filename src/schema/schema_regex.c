/*
** schema_regex.c - ECMA-262 regular expressions on PCRE2.
**
** JSON Schema patterns are ECMA-262 with Unicode semantics (the "u"
** flag). PCRE2 differs in a few places, so a pattern is first checked
** against the ECMA grammar's escapes and translated:
**   \d \w \b stay ASCII (PCRE2 without UCP), \s \S get ECMA's Unicode
**   white space list, "." excludes only line terminators, \v is U+000B,
**   \uXXXX (and surrogate pairs) and \u{X...} become \x{...}, [] matches
**   nothing and [^] anything, "$" matches only at the very end
**   (PCRE2_DOLLAR_ENDONLY), and (?P..), (?#..), (?i) are rejected.
*/
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* PCRE2's JIT code reads past the subject in 16-byte loads, which
** valgrind reports; under valgrind the interpreter is used instead. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND() (getenv("FLOWLUA_VALGRIND") != NULL)
#endif

struct sc_regex {
  pcre2_code *code;
  pcre2_match_data *md;
};

#define WS "\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}" \
           "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}"

typedef struct tr {
  const char *p, *end;
  char *out;
  size_t n, cap;
  const char *err;
  int in_class;
} tr;

static void emit (tr *t, const char *s, size_t n) {
  if (t->n + n >= t->cap) {
    size_t cap = (t->n + n) * 2 + 64;
    char *o = realloc(t->out, cap);
    if (o == NULL) { t->err = "out of memory"; return; }
    t->out = o;
    t->cap = cap;
  }
  memcpy(t->out + t->n, s, n);
  t->n += n;
}

#define EMITS(t, s) emit((t), (s), strlen(s))

static int hexval (int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* n hex digits at p, or -1 */
static long hexn (const char *p, const char *end, int n) {
  long v = 0;
  int i;
  if (end - p < n) return -1;
  for (i = 0; i < n; i++) {
    int h = hexval((unsigned char)p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

static void emit_cp (tr *t, long cp) {
  char buf[24];
  snprintf(buf, sizeof buf, "\\x{%lx}", cp);
  EMITS(t, buf);
}

/* \u escapes: 4 digits (a surrogate pair makes one code point) or {X} */
static int escape_u (tr *t) {
  long cp, lo;
  if (t->p < t->end && *t->p == '{') {
    const char *q = t->p + 1;
    cp = 0;
    while (q < t->end && hexval((unsigned char)*q) >= 0 && cp <= 0x10FFFF)
      cp = cp * 16 + hexval((unsigned char)*q++);
    if (q == t->p + 1 || q >= t->end || *q != '}' || cp > 0x10FFFF)
      return 0;
    t->p = q + 1;
    emit_cp(t, cp);
    return 1;
  }
  if ((cp = hexn(t->p, t->end, 4)) < 0) return 0;
  t->p += 4;
  if (cp >= 0xD800 && cp <= 0xDBFF && t->end - t->p >= 6 &&
      t->p[0] == '\\' && t->p[1] == 'u' &&
      (lo = hexn(t->p + 2, t->end, 4)) >= 0xDC00 && lo <= 0xDFFF) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    t->p += 6;
  }
  emit_cp(t, cp);
  return 1;
}

/* ECMA's long General_Category names, which PCRE2 10.42 lacks. */
static const char *const gc_names[][2] = {
  {"Cased_Letter", "L&"}, {"Close_Punctuation", "Pe"},
  {"Combining_Mark", "M"}, {"Connector_Punctuation", "Pc"},
  {"Control", "Cc"}, {"Currency_Symbol", "Sc"}, {"Dash_Punctuation", "Pd"},
  {"Decimal_Number", "Nd"}, {"Enclosing_Mark", "Me"},
  {"Final_Punctuation", "Pf"}, {"Format", "Cf"},
  {"Initial_Punctuation", "Pi"}, {"LC", "L&"}, {"Letter", "L"},
  {"Letter_Number", "Nl"}, {"Line_Separator", "Zl"},
  {"Lowercase_Letter", "Ll"}, {"Mark", "M"}, {"Math_Symbol", "Sm"},
  {"Modifier_Letter", "Lm"}, {"Modifier_Symbol", "Sk"},
  {"Nonspacing_Mark", "Mn"}, {"Number", "N"}, {"Open_Punctuation", "Ps"},
  {"Other", "C"}, {"Other_Letter", "Lo"}, {"Other_Number", "No"},
  {"Other_Punctuation", "Po"}, {"Other_Symbol", "So"},
  {"Paragraph_Separator", "Zp"}, {"Private_Use", "Co"},
  {"Punctuation", "P"}, {"Separator", "Z"}, {"Space_Separator", "Zs"},
  {"Spacing_Mark", "Mc"}, {"Surrogate", "Cs"}, {"Symbol", "S"},
  {"Titlecase_Letter", "Lt"}, {"Unassigned", "Cn"},
  {"Uppercase_Letter", "Lu"}, {"cntrl", "Cc"}, {"digit", "Nd"},
  {"punct", "P"}, {NULL, NULL}
};

static void emit_property (tr *t, const char *name, size_t n) {
  const char *eq = memchr(name, '=', n);
  int k;
  if (eq != NULL) {
    size_t ln = (size_t)(eq - name);
    if ((ln == 2 && memcmp(name, "gc", 2) == 0) ||
        (ln == 16 && memcmp(name, "General_Category", 16) == 0)) {
      n -= ln + 1;
      name = eq + 1;
    }
  }
  for (k = 0; gc_names[k][0]; k++)
    if (strlen(gc_names[k][0]) == n && memcmp(gc_names[k][0], name, n) == 0) {
      EMITS(t, gc_names[k][1]);
      return;
    }
  emit(t, name, n);
}

static int escape_p (tr *t, char c) {
  const char *q = t->p;
  if (q >= t->end || *q != '{') return 0;
  while (q < t->end && *q != '}') q++;
  if (q >= t->end || q == t->p + 1) return 0;
  emit(t, c == 'p' ? "\\p{" : "\\P{", 3);
  emit_property(t, t->p + 1, (size_t)(q - t->p) - 1);
  emit(t, "}", 1);
  t->p = q + 1;
  return 1;
}

static int escape_k (tr *t) {
  const char *q = t->p;
  if (q >= t->end || *q != '<') return 0;
  while (q < t->end && *q != '>') q++;
  if (q >= t->end) return 0;
  emit(t, "\\k", 2);
  emit(t, t->p, (size_t)(q - t->p) + 1);
  t->p = q + 1;
  return 1;
}

static int escape_class (tr *t, char c) {
  switch (c) {
    case 'd': case 'D': case 'w': case 'W': {
      char e[2] = { '\\', c };
      emit(t, e, 2);
      return 1;
    }
    case 's':
      EMITS(t, t->in_class ? WS : "[" WS "]");
      return 1;
    case 'S':
      EMITS(t, t->in_class ? "\\S" : "[^" WS "]");
      return 1;
    default:
      return 0;
  }
}

/* One escape after the backslash; 0 when ECMA (u mode) rejects it. */
static int escape (tr *t) {
  char c;
  if (t->p >= t->end) return 0;
  c = *t->p++;
  if (escape_class(t, c)) return 1;
  switch (c) {
    case 'f': EMITS(t, "\\f"); return 1;
    case 'n': EMITS(t, "\\n"); return 1;
    case 'r': EMITS(t, "\\r"); return 1;
    case 't': EMITS(t, "\\t"); return 1;
    case 'v': EMITS(t, "\\x{0b}"); return 1;
    case 'b': EMITS(t, t->in_class ? "\\x{08}" : "\\b"); return 1;
    case 'B': if (t->in_class) return 0; EMITS(t, "\\B"); return 1;
    case 'c': {
      char l = t->p < t->end ? *t->p : 0;
      if (!((l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z'))) return 0;
      t->p++;
      emit_cp(t, l % 32);
      return 1;
    }
    case '0':
      if (t->p < t->end && *t->p >= '0' && *t->p <= '9') return 0;
      EMITS(t, "\\x{0}");
      return 1;
    case 'x': {
      long v = hexn(t->p, t->end, 2);
      if (v < 0) return 0;
      t->p += 2;
      emit_cp(t, v);
      return 1;
    }
    case 'u': return escape_u(t);
    case 'p': case 'P': return escape_p(t, c);
    case 'k': return !t->in_class && escape_k(t);
    case '-': if (!t->in_class) return 0; EMITS(t, "\\-"); return 1;
    default: break;
  }
  if (c >= '1' && c <= '9' && !t->in_class) {
    emit(t, "\\", 1);
    emit(t, &c, 1);
    while (t->p < t->end && *t->p >= '0' && *t->p <= '9') emit(t, t->p++, 1);
    return 1;
  }
  if (c && strchr("^$\\.*+?()[]{}|/", c)) {
    char e[2] = { '\\', c };
    emit(t, e, 2);
    return 1;
  }
  return 0;
}

static int char_class (tr *t) {
  int negated = 0;
  if (t->p < t->end && *t->p == '^') { negated = 1; t->p++; }
  if (t->p < t->end && *t->p == ']') {  /* [] and [^] */
    t->p++;
    EMITS(t, negated ? "[\\x{0}-\\x{10ffff}]" : "(?!)");
    return 1;
  }
  EMITS(t, negated ? "[^" : "[");
  t->in_class = 1;
  while (t->p < t->end && *t->p != ']') {
    char c = *t->p++;
    if (c == '\\') {
      if (!escape(t)) return 0;
    } else if (c == '[') {
      EMITS(t, "\\[");   /* literal in ECMA, a POSIX class in PCRE2 */
    } else {
      emit(t, &c, 1);
    }
  }
  t->in_class = 0;
  if (t->p >= t->end) return 0;
  t->p++;
  EMITS(t, "]");
  return 1;
}

/* Only the group forms ECMA-262 has. */
static int group (tr *t) {
  static const char *const ok[] = { "?:", "?=", "?!", "?<=", "?<!", NULL };
  int k;
  EMITS(t, "(");
  if (t->p >= t->end || *t->p != '?') return 1;
  for (k = 0; ok[k]; k++) {
    size_t n = strlen(ok[k]);
    if ((size_t)(t->end - t->p) >= n && memcmp(t->p, ok[k], n) == 0) {
      emit(t, t->p, n);
      t->p += n;
      return 1;
    }
  }
  if (t->end - t->p >= 3 && t->p[1] == '<') {   /* (?<name> */
    const char *q = t->p + 2;
    while (q < t->end && (*q == '_' || *q == '$' ||
           (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
           (*q >= 'A' && *q <= 'Z') || (unsigned char)*q >= 0x80))
      q++;
    if (q < t->end && *q == '>' && q > t->p + 2) {
      emit(t, t->p, (size_t)(q - t->p) + 1);
      t->p = q + 1;
      return 1;
    }
  }
  return 0;
}

static char *translate (const char *pat, size_t len, const char **err) {
  tr t;
  memset(&t, 0, sizeof t);
  t.p = pat;
  t.end = pat + len;
  while (t.p < t.end && t.err == NULL) {
    char c = *t.p++;
    int ok = 1;
    if (c == '\\') ok = escape(&t);
    else if (c == '[') ok = char_class(&t);
    else if (c == '(') ok = group(&t);
    else if (c == '.') EMITS(&t, "[^\\n\\r\\x{2028}\\x{2029}]");
    else if (c == '\0') EMITS(&t, "\\x{0}");
    else emit(&t, &c, 1);
    if (!ok) t.err = "invalid ECMA-262 regular expression";
  }
  emit(&t, "", 1);
  if (t.err) {
    free(t.out);
    *err = t.err;
    return NULL;
  }
  return t.out;
}

static pcre2_code *compile (const char *pat, size_t len, char *err,
                            size_t errlen, int *code) {
  const char *terr = NULL;
  char *src = translate(pat, len, &terr);
  pcre2_code *re;
  PCRE2_SIZE off;
  *code = 0;
  if (src == NULL) {
    snprintf(err, errlen, "%s", terr);
    return NULL;
  }
  re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
                     PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, code, &off, NULL);
  free(src);
  if (re == NULL) {
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(*code, msg, sizeof msg);
    snprintf(err, errlen, "invalid regular expression: %s", (char *)msg);
  }
  return re;
}

sc_regex *sc_regex_new (const char *pat, size_t len, char *err,
                        size_t errlen) {
  int code;
  sc_regex *re;
  pcre2_code *c = compile(pat, len, err, errlen, &code);
  if (c == NULL) return NULL;
  re = malloc(sizeof *re);
  if (re == NULL || (re->md = pcre2_match_data_create(1, NULL)) == NULL) {
    free(re);
    pcre2_code_free(c);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  re->code = c;
  if (!UNDER_VALGRIND())
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);  /* failing: interpreted */
  return re;
}

/* A subject that is not UTF-8 cannot match a Unicode pattern. */
int sc_regex_match (sc_regex *re, const char *s, size_t len) {
  int r = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, NULL);
  return r >= 0;
}

/* The format "regex": ECMA-262 accepts variable-length lookbehind, which
** PCRE2 10.42 cannot run; the pattern is still a valid regex. */
int sc_regex_valid (const char *pat, size_t len) {
  char err[160];
  int code;
  pcre2_code *c = compile(pat, len, err, sizeof err, &code);
  if (c == NULL) return code == PCRE2_ERROR_LOOKBEHIND_NOT_FIXED_LENGTH;
  pcre2_code_free(c);
  return 1;
}

void sc_regex_free (sc_regex *re) {
  if (re == NULL) return;
  pcre2_match_data_free(re->md);
  pcre2_code_free(re->code);
  free(re);
}
