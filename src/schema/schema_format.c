/*
** schema_format.c - the "format" keyword: date-time, date, time (RFC 3339),
** email and idn-email (RFC 5321/6531), hostname and idn-hostname (RFC 1123,
** IDNA 2008 in schema_idna.c), ipv4, ipv6, uri, uri-reference, iri,
** iri-reference (RFC 3986/3987), uri-template (RFC 6570), json-pointer
** (RFC 6901), relative-json-pointer and regex (ECMA-262).
** Every check takes the string's bytes; a format not listed is not
** asserted (e.g. "password"), as the specification says.
*/
#include <string.h>

#include "schema_int.h"

enum {
  FMT_DATE_TIME, FMT_DATE, FMT_TIME, FMT_EMAIL, FMT_IDN_EMAIL,
  FMT_HOSTNAME, FMT_IDN_HOSTNAME, FMT_IPV4, FMT_IPV6, FMT_URI,
  FMT_URI_REF, FMT_IRI, FMT_IRI_REF, FMT_URI_TEMPLATE, FMT_JSON_POINTER,
  FMT_REL_JSON_POINTER, FMT_REGEX, FMT_COUNT
};

static const char *const names[FMT_COUNT] = {
  "date-time", "date", "time", "email", "idn-email", "hostname",
  "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri",
  "iri-reference", "uri-template", "json-pointer", "relative-json-pointer",
  "regex"
};

int sc_format_id (const char *name) {
  int k;
  for (k = 0; k < FMT_COUNT; k++)
    if (strcmp(names[k], name) == 0) return k;
  return -1;
}

const char *sc_format_name (int id) {
  return id >= 0 && id < FMT_COUNT ? names[id] : "?";
}

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_HEX(c) (sc_hexval((unsigned char)(c)) >= 0)

/* n ASCII digits at s as a number, or -1 */
static int digits (const char *s, int n) {
  int v = 0, i;
  for (i = 0; i < n; i++) {
    if (!IS_DIGIT(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* ======================================================================
** RFC 3339
** ====================================================================== */

static int days_in_month (int y, int m) {
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                              31 };
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return days[m - 1];
}

static int full_date (const char *s, size_t n) {
  int y, m, d;
  if (n != 10 || s[4] != '-' || s[7] != '-') return 0;
  y = digits(s, 4);
  m = digits(s + 5, 2);
  d = digits(s + 8, 2);
  return y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* partial-time time-offset; a leap second must fall on 23:59 UTC */
static int full_time (const char *s, size_t n) {
  int h, mi, se, oh = 0, om = 0, sign = 0;
  size_t i = 8;
  if (n < 9 || s[2] != ':' || s[5] != ':') return 0;
  h = digits(s, 2);
  mi = digits(s + 3, 2);
  se = digits(s + 6, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return 0;
  if (s[i] == '.') {
    size_t start = ++i;
    while (i < n && IS_DIGIT(s[i])) i++;
    if (i == start) return 0;
  }
  if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
    sign = 0;
  } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    sign = s[i] == '+' ? 1 : -1;
    oh = digits(s + i + 1, 2);
    om = digits(s + i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return 0;
  } else {
    return 0;
  }
  if (se == 60) {
    int utc = ((h * 60 + mi - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;
    return utc == 23 * 60 + 59;
  }
  return 1;
}

static int date_time (const char *s, size_t n) {
  if (n < 20 || (s[10] != 'T' && s[10] != 't')) return 0;
  return full_date(s, 10) && full_time(s + 11, n - 11);
}

/* ======================================================================
** IP addresses
** ====================================================================== */

static int ipv4 (const char *s, size_t n) {
  size_t i = 0;
  int part;
  for (part = 0; part < 4; part++) {
    size_t start = i;
    int v = 0;
    if (part > 0) {
      if (i >= n || s[i] != '.') return 0;
      start = ++i;
    }
    while (i < n && IS_DIGIT(s[i]) && i - start < 3)
      v = v * 10 + (s[i++] - '0');
    if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
      return 0;
  }
  return i == n;
}

static int ipv6 (const char *s, size_t n) {
  size_t i = 0;
  int groups = 0, gap = 0;
  if (n >= 2 && s[0] == ':' && s[1] == ':') { gap = 1; i = 2; }
  else if (n >= 1 && s[0] == ':') return 0;
  while (i < n) {
    size_t start = i;
    while (i < n && IS_HEX(s[i]) && i - start < 5) i++;
    if (i < n && s[i] == '.') {            /* trailing dotted quad */
      if (!ipv4(s + start, n - start)) return 0;
      groups += 2;
      i = n;
      break;
    }
    if (i == start || i - start > 4) return 0;
    groups++;
    if (i == n) break;
    if (s[i] != ':') return 0;
    i++;
    if (i < n && s[i] == ':') {
      if (gap) return 0;
      gap = 1;
      i++;
    } else if (i == n) {
      return 0;
    }
  }
  return gap ? groups <= 7 : groups == 8;
}

/* ======================================================================
** URIs and IRIs (RFC 3986, RFC 3987)
** ====================================================================== */

typedef struct uri_scan {
  const unsigned char *p, *end;
  int iri;
} uri_scan;

static int is_unreserved (int c) {
  return IS_ALPHA(c) || IS_DIGIT(c) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

static int is_sub_delim (int c) {
  return c != 0 && strchr("!$&'()*+,;=", c) != NULL;
}

/* An IRI's ucschar or iprivate: any non-ASCII code point here. */
static size_t utf8_char (const unsigned char *p, const unsigned char *end) {
  size_t n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0, i;
  if (n == 0 || (size_t)(end - p) < n) return 0;
  for (i = 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return 0;
  return n;
}

/* One character of a class ("extra" lists the allowed delimiters). */
static int uri_char (uri_scan *u, const char *extra) {
  int c = *u->p;
  if (c == '%') {
    if (u->end - u->p < 3 || !IS_HEX(u->p[1]) || !IS_HEX(u->p[2]))
      return 0;
    u->p += 3;
    return 1;
  }
  if (c >= 0x80) {
    size_t n = u->iri ? utf8_char(u->p, u->end) : 0;
    if (n == 0) return 0;
    u->p += n;
    return 1;
  }
  if (is_unreserved(c) || is_sub_delim(c) || (c && strchr(extra, c))) {
    u->p++;
    return 1;
  }
  return 0;
}

/* Reads chars of a class until a stop character; 0 on a bad one. */
static int uri_run (uri_scan *u, const char *extra, const char *stop) {
  while (u->p < u->end && !strchr(stop, *u->p))
    if (!uri_char(u, extra)) return 0;
  return 1;
}

static int ip_literal (const unsigned char *s, size_t n) {
  if (n > 0 && (s[0] == 'v' || s[0] == 'V')) {   /* IPvFuture */
    size_t i = 1;
    while (i < n && IS_HEX(s[i])) i++;
    if (i == 1 || i >= n || s[i] != '.' || i + 1 >= n) return 0;
    for (i++; i < n; i++)
      if (!is_unreserved(s[i]) && !is_sub_delim(s[i]) && s[i] != ':')
        return 0;
    return 1;
  }
  return ipv6((const char *)s, n);
}

static int authority (uri_scan *u) {
  const unsigned char *start = u->p, *at = NULL, *q;
  for (q = u->p; q < u->end && *q != '/' && *q != '?' && *q != '#'; q++)
    if (*q == '@') at = q;
  if (at) {
    uri_scan ui = { start, at, u->iri };
    if (!uri_run(&ui, ":", "")) return 0;
    u->p = at + 1;
  }
  if (u->p < q && *u->p == '[') {
    const unsigned char *close = memchr(u->p, ']', (size_t)(q - u->p));
    if (close == NULL || !ip_literal(u->p + 1, (size_t)(close - u->p - 1)))
      return 0;
    u->p = close + 1;
  } else if (!uri_run(u, "", ":/?#")) {
    return 0;
  }
  if (u->p < q && *u->p == ':')
    for (u->p++; u->p < q; u->p++)
      if (!IS_DIGIT(*u->p)) return 0;
  return u->p == q;
}

/* hier-part / relative-part, then query and fragment */
static int uri_rest (uri_scan *u, int relative) {
  if (u->end - u->p >= 2 && u->p[0] == '/' && u->p[1] == '/') {
    u->p += 2;
    if (!authority(u)) return 0;
  } else if (relative) {   /* path-noscheme: no ':' in the first segment */
    const unsigned char *q = u->p;
    while (q < u->end && *q != '/' && *q != '?' && *q != '#' && *q != ':')
      q++;
    if (q < u->end && *q == ':') return 0;
  }
  if (!uri_run(u, ":@/", "?#")) return 0;
  if (u->p < u->end && *u->p == '?') {
    u->p++;
    if (!uri_run(u, ":@/?", "#")) return 0;
  }
  if (u->p < u->end && *u->p == '#') {
    u->p++;
    if (!uri_run(u, ":@/?", "")) return 0;
  }
  return u->p == u->end;
}

static int scheme_len (const char *s, size_t n) {
  size_t i;
  if (n == 0 || !IS_ALPHA(s[0])) return 0;
  for (i = 1; i < n; i++) {
    if (s[i] == ':') return (int)i;
    if (!IS_ALPHA(s[i]) && !IS_DIGIT(s[i]) && s[i] != '+' && s[i] != '-' &&
        s[i] != '.')
      return 0;
  }
  return 0;
}

static int uri (const char *s, size_t n, int iri, int reference) {
  uri_scan u;
  int k = scheme_len(s, n);
  u.p = (const unsigned char *)s;
  u.end = u.p + n;
  u.iri = iri;
  if (k > 0) {
    u.p += k + 1;
    return uri_rest(&u, 0);
  }
  return reference && uri_rest(&u, 1);
}

/* ======================================================================
** URI templates (RFC 6570)
** ====================================================================== */

static int varchar (const char *s, size_t n, size_t *i) {
  if (*i < n && s[*i] == '%') {
    if (*i + 2 >= n || !IS_HEX(s[*i + 1]) || !IS_HEX(s[*i + 2])) return 0;
    *i += 3;
    return 1;
  }
  if (*i < n && (IS_ALPHA(s[*i]) || IS_DIGIT(s[*i]) || s[*i] == '_')) {
    (*i)++;
    return 1;
  }
  return 0;
}

static int varspec (const char *s, size_t n, size_t *i) {
  if (!varchar(s, n, i)) return 0;
  for (;;) {
    if (*i < n && s[*i] == '.') {
      (*i)++;
      if (!varchar(s, n, i)) return 0;
    } else if (!varchar(s, n, i)) {
      break;
    }
  }
  if (*i < n && s[*i] == '*') { (*i)++; return 1; }
  if (*i < n && s[*i] == ':') {
    size_t start = ++*i;
    if (*i >= n || s[*i] < '1' || s[*i] > '9') return 0;
    while (*i < n && IS_DIGIT(s[*i])) (*i)++;
    return *i - start <= 4;
  }
  return 1;
}

static int expression (const char *s, size_t n, size_t *i) {
  if (*i < n && strchr("+#./;?&=,!@|", s[*i]) && s[*i]) (*i)++;
  for (;;) {
    if (!varspec(s, n, i)) return 0;
    if (*i < n && s[*i] == ',') { (*i)++; continue; }
    if (*i < n && s[*i] == '}') { (*i)++; return 1; }
    return 0;
  }
}

static int uri_template (const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c == '{') {
      i++;
      if (!expression(s, n, &i)) return 0;
    } else if (c == '%') {
      if (i + 2 >= n || !IS_HEX(s[i + 1]) || !IS_HEX(s[i + 2])) return 0;
      i += 3;
    } else if (c <= 0x20 || c == 0x7F || strchr("\"<>\\^`{|}", c)) {
      return 0;
    } else {
      i++;
    }
  }
  return 1;
}

/* ======================================================================
** JSON pointers
** ====================================================================== */

static int json_pointer (const char *s, size_t n) {
  size_t i;
  if (n > 0 && s[0] != '/') return 0;
  for (i = 0; i < n; i++)
    if (s[i] == '~' && (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1')))
      return 0;
  return 1;
}

static int relative_json_pointer (const char *s, size_t n) {
  size_t i = 0;
  while (i < n && IS_DIGIT(s[i])) i++;
  if (i == 0 || (i > 1 && s[0] == '0')) return 0;
  if (i + 1 == n && s[i] == '#') return 1;
  return json_pointer(s + i, n - i);
}

/* ======================================================================
** Email (RFC 5321 Mailbox; RFC 6531 for idn-email)
** ====================================================================== */

static int is_atext (unsigned char c) {
  return IS_ALPHA(c) || IS_DIGIT(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int local_part (const char *s, size_t n, int idn) {
  size_t i;
  if (n == 0 || n > 64) return 0;
  if (s[0] == '"') {
    if (n < 2 || s[n - 1] != '"') return 0;
    for (i = 1; i < n - 1; i++) {
      unsigned char c = (unsigned char)s[i];
      if (c == '\\') {
        if (++i >= n - 1 || (unsigned char)s[i] < 0x20) return 0;
      } else if (c == '"' || (c < 0x20) || (c >= 0x80 && !idn)) {
        return 0;
      }
    }
    return 1;
  }
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (i == 0 || i == n - 1 || s[i + 1] == '.') return 0;
    } else if (!is_atext(c) && !(idn && c >= 0x80)) {
      return 0;
    }
  }
  return 1;
}

static int address_literal (const char *s, size_t n) {
  if (n < 2 || s[0] != '[' || s[n - 1] != ']') return 0;
  if (n > 7 && strncmp(s + 1, "IPv6:", 5) == 0)
    return ipv6(s + 6, n - 7);
  return ipv4(s + 1, n - 2);
}

static int email (const char *s, size_t n, int idn) {
  const char *at = NULL;
  size_t i;
  for (i = n; i > 0; i--)
    if (s[i - 1] == '@') { at = s + i - 1; break; }
  if (at == NULL || !local_part(s, (size_t)(at - s), idn)) return 0;
  i = (size_t)(at - s) + 1;
  if (i < n && s[i] == '[') return address_literal(s + i, n - i);
  return idn ? sc_idn_hostname(s + i, n - i) : sc_hostname(s + i, n - i);
}

/* ======================================================================
** Dispatch
** ====================================================================== */

int sc_format_check (int id, const char *s, size_t n) {
  switch (id) {
    case FMT_DATE_TIME: return date_time(s, n);
    case FMT_DATE: return full_date(s, n);
    case FMT_TIME: return full_time(s, n);
    case FMT_EMAIL: return email(s, n, 0);
    case FMT_IDN_EMAIL: return email(s, n, 1);
    case FMT_HOSTNAME: return sc_hostname(s, n);
    case FMT_IDN_HOSTNAME: return sc_idn_hostname(s, n);
    case FMT_IPV4: return ipv4(s, n);
    case FMT_IPV6: return ipv6(s, n);
    case FMT_URI: return uri(s, n, 0, 0);
    case FMT_URI_REF: return uri(s, n, 0, 1);
    case FMT_IRI: return uri(s, n, 1, 0);
    case FMT_IRI_REF: return uri(s, n, 1, 1);
    case FMT_URI_TEMPLATE: return uri_template(s, n);
    case FMT_JSON_POINTER: return json_pointer(s, n);
    case FMT_REL_JSON_POINTER: return relative_json_pointer(s, n);
    case FMT_REGEX: return sc_regex_valid(s, n);
    default: return 1;
  }
}
