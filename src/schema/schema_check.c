/*
** schema_check.c - the checks on one value and the errors they report.
**
** Numbers and strings are checked here as C values (sc_num, bytes), and
** the messages that depend on the schema alone are made here for the
** compiler. Both walkers share them, the generic one (schema_validate.c)
** and the one over Lua values (lschema_walk.c), so both report the same
** errors; nothing here reads an instance through sc_access.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

/* ======================================================================
** Errors
** ====================================================================== */

static int emit (sc_vctx *c, const sc_node *n, const char *kw,
                 const sc_path *path, const char *msg, int fixed) {
  sc_error e;
  c->nerrors++;
  if (c->mute || c->on_error == NULL) return 0;
  e.message = msg;
  e.schema_path = n->ptr;
  e.keyword = kw;
  e.path = path;
  e.fixed = fixed;
  c->on_error(c->ud, &e);
  return 0;
}

/* msg: a literal or a message made at compile time */
int sc_report_msg (sc_vctx *c, const sc_node *n, const char *kw,
                   const sc_path *path, const char *msg) {
  return emit(c, n, kw, path, msg, 1);
}

int sc_report (sc_vctx *c, const sc_node *n, const char *kw,
               const sc_path *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (c->mute || c->on_error == NULL) {
    c->nerrors++;
    return 0;
  }
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return emit(c, n, kw, path, msg, 0);
}

/* In first-error mode a failure ends the walk. */
#define FAIL(call) do { (void)(call); ok = 0; \
  if (!c->all_errors) return 0; } while (0)

void sc_fmt_limit (const sc_limit *l, char *buf, size_t size) {
  if (l->is_int) { snprintf(buf, size, "%lld", (long long)l->i); return; }
  snprintf(buf, size, "%.15g", l->d);
  if (strtod(buf, NULL) != l->d) snprintf(buf, size, "%.17g", l->d);
}

size_t sc_path_render (const sc_path *p, char *buf, size_t size) {
  size_t n = 0, i;
  char tmp[32];
  const char *s;
  size_t len;
  if (p == NULL) {
    if (size) buf[0] = '\0';
    return 0;
  }
  n = sc_path_render(p->up, buf, size);
  if (p->key == NULL) {
    len = (size_t)snprintf(tmp, sizeof tmp, "%zu", p->len);
    s = tmp;
  } else {
    s = p->key;
    len = p->len;
  }
  if (n < size) buf[n] = '/';
  n++;
  for (i = 0; i < len; i++) {
    const char *rep = s[i] == '~' ? "~0" : s[i] == '/' ? "~1" : NULL;
    if (rep) {
      if (n + 1 < size) { buf[n] = rep[0]; buf[n + 1] = rep[1]; }
      n += 2;
    } else {
      if (n < size) buf[n] = s[i];
      n++;
    }
  }
  if (size) buf[n < size ? n : size - 1] = '\0';
  return n;
}

/* ======================================================================
** Type, enum, const
** ====================================================================== */

static const char *const type_names[] = { "null", "boolean", "integer",
  "number", "string", "array", "object" };

void sc_type_message (unsigned types, char *buf, size_t size) {
  size_t len = (size_t)snprintf(buf, size, "must be ");
  int k, first = 1;
  for (k = 0; k < 7 && len < size; k++)
    if (types & (1u << k)) {
      len += (size_t)snprintf(buf + len, size - len, "%s%s",
                              first ? "" : ", ", type_names[k]);
      first = 0;
    }
}

int sc_type_fail (sc_vctx *c, const sc_node *n, const sc_path *path) {
  return sc_report_msg(c, n, "type", path, n->type_msg);
}

int sc_enum_fail (sc_vctx *c, const sc_node *n, const sc_path *path) {
  return sc_report_msg(c, n, "enum", path, n->enum_msg);
}

static void list_enum (const sc_node *n, char *buf, size_t size);

void sc_enum_message (const sc_node *n, char *buf, size_t size) {
  size_t len;
  len = (size_t)snprintf(buf, size, "must be one of ");
  list_enum(n, buf + len, size - len);
}

static void list_enum (const sc_node *n, char *buf, size_t size) {
  size_t i, len = 0;
  buf[0] = '\0';
  for (i = 0; i < n->nenums && len < size; i++) {
    const sv_value *e = n->enums[i];
    if (e->kind == SV_STR)
      len += (size_t)snprintf(buf + len, size - len, "%s'%.*s'",
                              i ? ", " : "", (int)e->n, e->u.s);
    else if (e->kind == SV_INT)
      len += (size_t)snprintf(buf + len, size - len, "%s%lld",
                              i ? ", " : "", (long long)e->u.i);
    else if (e->kind == SV_NULL || e->kind == SV_TRUE || e->kind == SV_FALSE)
      len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
        e->kind == SV_NULL ? "null" : e->kind == SV_TRUE ? "true" : "false");
    else { snprintf(buf, size, "the allowed values"); return; }
  }
  if (len >= size) snprintf(buf, size, "the allowed values");
}

/* ======================================================================
** Numbers
** ====================================================================== */

/* Compares an instance number with a limit: <0, 0, >0 */
static int cmp_limit (const sc_num *x, const sc_limit *l) {
  if (x->is_int && l->is_int) return (x->i > l->i) - (x->i < l->i);
  return (x->d > l->d) - (x->d < l->d);
}

static int multiple_ok (const sc_num *x, const sc_limit *m) {
  double q;
  if (x->is_int && m->is_int) return x->i % m->i == 0;
  q = x->d / m->d;
  if (!isfinite(q)) return isfinite(x->d) && fmod(x->d, m->d) == 0;
  /* decimal multiples are inexact in binary: 0.0075 / 0.0001 */
  return fabs(q - nearbyint(q)) < 1e-9;
}

int sc_check_number (sc_vctx *c, const sc_node *n, const sc_num *x,
                     const sc_path *path) {
  int ok = 1;
  if (n->min.set && cmp_limit(x, &n->min) < 0)
    FAIL(sc_report_msg(c, n, "minimum", path, n->min.msg));
  if (n->max.set && cmp_limit(x, &n->max) > 0)
    FAIL(sc_report_msg(c, n, "maximum", path, n->max.msg));
  if (n->xmin.set && cmp_limit(x, &n->xmin) <= 0)
    FAIL(sc_report_msg(c, n, "exclusiveMinimum", path, n->xmin.msg));
  if (n->xmax.set && cmp_limit(x, &n->xmax) >= 0)
    FAIL(sc_report_msg(c, n, "exclusiveMaximum", path, n->xmax.msg));
  if (n->mult.set && !multiple_ok(x, &n->mult))
    FAIL(sc_report_msg(c, n, "multipleOf", path, n->mult.msg));
  return ok;
}

/* ======================================================================
** Strings
** ====================================================================== */

size_t sc_utf8_length (const char *s, size_t len) {
  size_t i, n = 0;
  for (i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* RFC 4648 base64 (with padding); decodes into out when given. */
static int base64_decode (const char *s, size_t n, char *out, size_t *olen) {
  static const char digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0, pad = 0;
  unsigned long acc = 0;
  if (n % 4 != 0) return 0;
  for (i = 0; i < n; i++) {
    const char *d = s[i] ? strchr(digits, s[i]) : NULL;
    if (s[i] == '=' && i >= n - 2) { pad++; acc <<= 6; }
    else if (d == NULL || pad) return 0;
    else acc = (acc << 6) | (unsigned long)(d - digits);
    if (i % 4 == 3) {
      out[o++] = (char)(acc >> 16);
      out[o++] = (char)(acc >> 8);
      out[o++] = (char)acc;
      acc = 0;
    }
  }
  *olen = o - pad;
  return 1;
}

/* contentEncoding "base64" and contentMediaType "application/json" */
static int check_content (sc_vctx *c, const sc_node *n, const char *s,
                          size_t len, const sc_path *path) {
  sc_arena a = { NULL, NULL, NULL };
  char err[8], *buf = NULL;
  int ok = 1;
  if (n->base64) {
    buf = sc_alloc(&a, len + 1);
    if (buf == NULL || !base64_decode(s, len, buf, &len)) {
      sc_arena_free(&a);
      return sc_report_msg(c, n, "contentEncoding", path, "must be base64");
    }
    s = buf;
  }
  if (n->json_media && sv_parse(&a, s, len, err, sizeof err) == NULL)
    ok = sc_report_msg(c, n, "contentMediaType", path,
                       "must be a JSON document");
  sc_arena_free(&a);
  return ok;
}

/* A count against its keywords' bounds (-1: absent), reported as "must
 * not have fewer than N <unit>" under "min<Kind>" or "max<Kind>". */
static int check_bounds (sc_vctx *c, const sc_node *n, int64_t count,
                         const int64_t bound[2], const char *const kw[3],
                         const sc_path *path) {
  int ok = 1;
  if (bound[0] >= 0 && count < bound[0])
    FAIL(sc_report(c, n, kw[0], path, "must not have fewer than %lld %s",
                   (long long)bound[0], kw[2]));
  if (bound[1] >= 0 && count > bound[1])
    FAIL(sc_report(c, n, kw[1], path, "must not have more than %lld %s",
                   (long long)bound[1], kw[2]));
  return ok;
}

int sc_check_count (sc_vctx *c, const sc_node *n, sc_counted what,
                    size_t count, const sc_path *path) {
  static const char *const items[3] = { "minItems", "maxItems", "items" };
  static const char *const props[3] = { "minProperties", "maxProperties",
                                        "properties" };
  if (what == SC_ITEMS) {
    const int64_t bound[2] = { n->min_items, n->max_items };
    return check_bounds(c, n, (int64_t)count, bound, items, path);
  } else {
    const int64_t bound[2] = { n->min_props, n->max_props };
    return check_bounds(c, n, (int64_t)count, bound, props, path);
  }
}

int sc_check_string (sc_vctx *c, const sc_node *n, const char *s,
                     size_t len, const sc_path *path) {
  static const char *const chars[3] = { "minLength", "maxLength",
                                        "characters" };
  int ok = 1;
  if (n->min_len >= 0 || n->max_len >= 0) {
    const int64_t bound[2] = { n->min_len, n->max_len };
    int64_t cps = (int64_t)sc_utf8_length(s, len);
    if (!check_bounds(c, n, cps, bound, chars, path)) FAIL(0);
  }
  if (n->pattern && !sc_regex_match(n->pattern, s, len))
    FAIL(sc_report(c, n, "pattern", path, "must match pattern \"%s\"",
                n->pattern_src));
  if (n->format >= 0 && !sc_format_check(n->format, s, len))
    FAIL(sc_report(c, n, "format", path, "must be a valid %s",
                sc_format_name(n->format)));
  if ((n->base64 || n->json_media) && !check_content(c, n, s, len, path))
    FAIL(0);
  return ok;
}
