/*
** schema_uri.c - RFC 3986 reference resolution and RFC 6901 JSON Pointer
** evaluation, for "$id" and "$ref".
*/
#include <string.h>

#include "schema_int.h"

typedef struct uri_parts {
  const char *scheme, *auth, *path, *query, *frag;
  size_t nscheme, nauth, npath, nquery, nfrag;
  int has_scheme, has_auth, has_query, has_frag;
} uri_parts;

static int is_scheme_char (char c, int first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
  return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' ||
                    c == '.');
}

static void split (const char *s, uri_parts *u) {
  const char *p = s, *q;
  memset(u, 0, sizeof *u);
  for (q = p; *q && is_scheme_char(*q, q == p); q++) {}
  if (q > p && *q == ':') {
    u->has_scheme = 1;
    u->scheme = p;
    u->nscheme = (size_t)(q - p);
    p = q + 1;
  }
  if (p[0] == '/' && p[1] == '/') {
    u->has_auth = 1;
    u->auth = p + 2;
    for (q = p + 2; *q && *q != '/' && *q != '?' && *q != '#'; q++) {}
    u->nauth = (size_t)(q - u->auth);
    p = q;
  }
  u->path = p;
  for (q = p; *q && *q != '?' && *q != '#'; q++) {}
  u->npath = (size_t)(q - p);
  p = q;
  if (*p == '?') {
    u->has_query = 1;
    u->query = p + 1;
    for (q = p + 1; *q && *q != '#'; q++) {}
    u->nquery = (size_t)(q - u->query);
    p = q;
  }
  if (*p == '#') {
    u->has_frag = 1;
    u->frag = p + 1;
    u->nfrag = strlen(p + 1);
  }
}

/* RFC 3986 5.2.4, in place on a NUL-terminated path. */
static void remove_dots (char *path) {
  char *in = path, *out = path;
  while (*in) {
    if (strncmp(in, "../", 3) == 0) in += 3;
    else if (strncmp(in, "./", 2) == 0) in += 2;
    else if (strncmp(in, "/./", 3) == 0) in += 2;
    else if (strcmp(in, "/.") == 0) { in[1] = '/'; in += 1; }
    else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
      if (in[3] == '/') in += 3;
      else { in += 2; *in = '/'; }
      while (out > path && *--out != '/') {}
    } else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
      break;
    } else {
      if (*in == '/') *out++ = *in++;
      while (*in && *in != '/') *out++ = *in++;
    }
  }
  *out = '\0';
}

typedef struct sbuf {
  char *p;
  size_t n, cap;
} sbuf;

static void put (sbuf *b, const char *s, size_t n) {
  if (b->n + n < b->cap) memcpy(b->p + b->n, s, n);
  b->n += n;
}

/* The directory of a base path merged with a relative path (5.2.3). */
static void merge (sbuf *b, const uri_parts *base, const uri_parts *r) {
  if (base->has_auth && base->npath == 0) {
    put(b, "/", 1);
  } else {
    const char *slash = NULL, *q;
    for (q = base->path; q < base->path + base->npath; q++)
      if (*q == '/') slash = q;
    if (slash) put(b, base->path, (size_t)(slash - base->path) + 1);
  }
  put(b, r->path, r->npath);
}

static void put_tail (sbuf *b, const uri_parts *q, const uri_parts *f) {
  if (q->has_query) { put(b, "?", 1); put(b, q->query, q->nquery); }
  if (f->has_frag) { put(b, "#", 1); put(b, f->frag, f->nfrag); }
}

static char *finish_path (sc_arena *a, sbuf *b, size_t path_at) {
  char *r;
  b->p[b->n < b->cap ? b->n : b->cap - 1] = '\0';
  /* dots are removed from the path only, which starts at path_at */
  {
    char tail[2048];
    char *end = b->p + path_at;
    size_t k = strcspn(end, "?#");
    strncpy(tail, end + k, sizeof tail - 1);
    tail[sizeof tail - 1] = '\0';
    end[k] = '\0';
    remove_dots(end);
    strncat(b->p, tail, b->cap - strlen(b->p) - 1);
  }
  r = sc_strdup(a, b->p, strlen(b->p));
  return r;
}

char *sc_uri_resolve (sc_arena *a, const char *base, const char *ref) {
  uri_parts B, R;
  char buf[4096];
  sbuf b = { buf, 0, sizeof buf };
  size_t path_at;
  split(ref, &R);
  if (R.has_scheme || base == NULL || *base == '\0')
    return sc_strdup(a, ref, strlen(ref));
  split(base, &B);
  put(&b, B.scheme, B.nscheme);
  if (B.has_scheme) put(&b, ":", 1);
  if (R.has_auth) {
    put(&b, "//", 2); put(&b, R.auth, R.nauth);
    path_at = b.n;
    put(&b, R.path, R.npath);
    put_tail(&b, &R, &R);
    return b.n < b.cap ? finish_path(a, &b, path_at) : NULL;
  }
  if (B.has_auth) { put(&b, "//", 2); put(&b, B.auth, B.nauth); }
  path_at = b.n;
  if (R.npath == 0) {
    put(&b, B.path, B.npath);
    put_tail(&b, R.has_query ? &R : &B, &R);
  } else {
    if (R.path[0] == '/') put(&b, R.path, R.npath);
    else merge(&b, &B, &R);
    put_tail(&b, &R, &R);
  }
  return b.n < b.cap ? finish_path(a, &b, path_at) : NULL;
}

/* Decodes %XX escapes of a fragment (in place). */
static size_t percent_decode (char *s, size_t n) {
  size_t i, o = 0;
  for (i = 0; i < n; i++) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < n &&
        (hi = sc_hexval(s[i + 1])) >= 0 && (lo = sc_hexval(s[i + 2])) >= 0) {
      s[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      s[o++] = s[i];
    }
  }
  s[o] = '\0';
  return o;
}

int sc_hexval (int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Unescapes one reference token (~1 → /, ~0 → ~) into out. */
static size_t unescape_token (const char *s, size_t n, char *out) {
  size_t i, o = 0;
  for (i = 0; i < n; i++) {
    if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
      out[o++] = s[i + 1] == '0' ? '~' : '/';
      i++;
    } else {
      out[o++] = s[i];
    }
  }
  return o;
}

static sv_value *step (sv_value *v, const char *tok, size_t n) {
  if (v->kind == SV_OBJ) return sv_get(v, tok, n);
  if (v->kind == SV_ARR) {
    size_t i = 0, k;
    if (n == 0 || (n > 1 && tok[0] == '0')) return NULL;
    for (k = 0; k < n; k++) {
      if (tok[k] < '0' || tok[k] > '9') return NULL;
      i = i * 10 + (size_t)(tok[k] - '0');
    }
    return i < v->n ? v->u.items[i] : NULL;
  }
  return NULL;
}

sv_value *sc_pointer_eval (sc_arena *a, sv_value *root, const char *frag) {
  size_t n = strlen(frag);
  char *s = sc_strdup(a, frag, n), *tok;
  const char *p, *end;
  if (s == NULL) return NULL;
  n = percent_decode(s, n);
  if (n > 0 && s[0] != '/') return NULL;
  tok = sc_alloc(a, n + 1);
  if (tok == NULL) return NULL;
  p = s;
  end = s + n;
  while (p < end && root != NULL) {
    const char *q = ++p;
    while (q < end && *q != '/') q++;
    root = step(root, tok, unescape_token(p, (size_t)(q - p), tok));
    p = q;
  }
  return root;
}

/* Appends "/token" with ~ and / escaped. */
char *sc_pointer_join (sc_arena *a, const char *ptr, const char *tok,
                       size_t n) {
  size_t plen = strlen(ptr), i, extra = 0;
  char *r, *o;
  for (i = 0; i < n; i++) extra += (tok[i] == '~' || tok[i] == '/');
  r = sc_alloc(a, plen + n + extra + 2);
  if (r == NULL) return NULL;
  memcpy(r, ptr, plen);
  o = r + plen;
  *o++ = '/';
  for (i = 0; i < n; i++) {
    if (tok[i] == '~') { *o++ = '~'; *o++ = '0'; }
    else if (tok[i] == '/') { *o++ = '~'; *o++ = '1'; }
    else *o++ = tok[i];
  }
  *o = '\0';
  return r;
}
