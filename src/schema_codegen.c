/*
** schema_codegen.c - translates a compiled schema into Lua source.
**
** Validating a Lua table from C costs a C API call per access, several per
** keyword; the Lua VM reads a field in a few nanoseconds. So, like ajv
** does for JavaScript, a schema whose keywords are all in the supported
** set is also written out as a Lua function (one local function per node),
** which the facade (lua/flowlua/schema.lua) loads and uses for
** v:validate. It makes the same checks in the same order as
** schema_validate.c and reports the same first error with the same
** words. Anything else (patterns, formats, uniqueItems, recursive
** schemas...) returns NULL and validation stays in C.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

#define MAX_NODES 150          /* a Lua function has at most 200 locals */

typedef struct gen {
  char *out;
  size_t n, cap;
  const sc_node *nodes[MAX_NODES];
  int on_path[MAX_NODES];    /* cycle detection */
  int count;
  int vars, depth;
  struct { int x, y; const sc_key *key; } hoist[50];
  int nhoist;                /* property values read once, in scope */
  char *pre;                 /* chunk-level key tables */
  size_t npre, cappre;
  int nconst;
  int failed;
} gen;

static void put (gen *g, const char *s, size_t n) {
  if (g->failed) return;
  if (g->n + n + 1 > g->cap) {
    size_t cap = (g->n + n + 1) * 2;
    char *o = realloc(g->out, cap);
    if (o == NULL) { g->failed = 1; return; }
    g->out = o;
    g->cap = cap;
  }
  memcpy(g->out + g->n, s, n);
  g->n += n;
  g->out[g->n] = '\0';
}

#define PUTS(g, lit) put((g), (lit), sizeof(lit) - 1)

static void putf (gen *g, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) { g->failed = 1; return; }
  put(g, buf, (size_t)n);
}

/* A Lua string literal. */
static void put_str (gen *g, const char *s, size_t n) {
  size_t i;
  PUTS(g, "\"");
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') { PUTS(g, "\\"); put(g, (char *)&c, 1); }
    else if (c < 0x20 || c == 0x7F) putf(g, "\\%03d", c);
    else put(g, (const char *)&s[i], 1);
  }
  PUTS(g, "\"");
}

static void put_cstr (gen *g, const char *s) { put_str(g, s, strlen(s)); }

/* schema_path of a keyword, as the C validator reports it */
static void put_sp (gen *g, const sc_node *n, const char *kw) {
  char buf[1024];
  int len = snprintf(buf, sizeof buf, "%s/%s", n->ptr, kw);
  if (len < 0 || (size_t)len >= sizeof buf) { g->failed = 1; return; }
  put_str(g, buf, (size_t)len);
}

static const sc_node *target (const sc_node *n) {
  while (n->ref) n = n->ref;
  return n;
}

static int node_id (gen *g, const sc_node *n) {
  int i;
  n = target(n);
  for (i = 0; i < g->count; i++) if (g->nodes[i] == n) return i + 1;
  return 0;
}

/* ======================================================================
** What can be generated
** ====================================================================== */

static int scalar (const sv_value *v) {
  return v->kind != SV_ARR && v->kind != SV_OBJ;
}

static int supported_here (const sc_node *n) {
  size_t i;
  if (n->pattern || n->format >= 0 || n->base64 || n->json_media) return 0;
  if (n->mult.set || n->unique || n->has_tuple || n->add_items) return 0;
  if (n->prop_names || n->npatprops || n->ndeps) return 0;
  if (n->konst && !scalar(n->konst)) return 0;
  for (i = 0; i < n->nenums; i++) if (!scalar(n->enums[i])) return 0;
  return 1;
}

static int collect (gen *g, const sc_node *n);

static int collect_list (gen *g, const sc_list *l) {
  size_t i;
  for (i = 0; i < l->n; i++) if (!collect(g, l->v[i])) return 0;
  return 1;
}

static int collect_children (gen *g, const sc_node *n) {
  size_t i;
  const sc_node *one[] = { n->items, n->contains, n->add_props, n->not_,
                           n->if_, n->then_, n->else_ };
  for (i = 0; i < sizeof one / sizeof one[0]; i++)
    if (one[i] && !collect(g, one[i])) return 0;
  for (i = 0; i < n->nprops; i++)
    if (!collect(g, n->props[i].node)) return 0;
  return collect_list(g, &n->all_of) && collect_list(g, &n->any_of) &&
         collect_list(g, &n->one_of);
}

/* Numbers the reachable nodes; a cycle (recursion) means no Lua code. */
static int collect (gen *g, const sc_node *n) {
  int id = node_id(g, n), ok;
  n = target(n);
  if (id) return !g->on_path[id - 1];
  if (g->count == MAX_NODES || !supported_here(n)) return 0;
  g->nodes[g->count++] = n;
  id = g->count;
  g->on_path[id - 1] = 1;
  ok = collect_children(g, n);
  g->on_path[id - 1] = 0;
  return ok;
}

/* ======================================================================
** Code: every node inline, in one function
**
** A node is checked on a variable (xN) with its kind in kN. A failure
** either returns the error (the reporting chain) or, inside "if", "not",
** "anyOf"..., jumps to a label (fN) that records a false result. Rare
** cases (an unmarked empty table, which is [] and {} at once) hand the
** whole instance to the C validator: `return C(self, root)`.
** ====================================================================== */

typedef struct at {
  int x;                     /* the value is in x<x>, its kind in k<x> */
  const char *path;          /* Lua expression of its location */
  int label;                 /* 0: report; else goto f<label> */
} at;

static void gen_node (gen *g, const sc_node *n, const at *a, int known);

static int fresh (gen *g) { return ++g->vars; }

/* A failure with a constant message: the error list, or a jump. */
static void fail (gen *g, const at *a, const sc_node *n, const char *kw,
                  const char *msg) {
  if (a->label) { putf(g, "goto f%d\n", a->label); return; }
  putf(g, "do return false, {{path = %s, schema_path = ", a->path);
  put_sp(g, n, kw);
  PUTS(g, ", keyword = ");
  put_cstr(g, kw);
  PUTS(g, ", message = ");
  put_cstr(g, msg);
  PUTS(g, "}} end\n");
}

/* Kinds come from PROBE (lschema.c), one C call per value, which also
** reports on the properties of a table that the nodes will read:
** c<x> is 0 absent (nil), 1 null, 2 boolean, 3 integer, 4 integral float,
** 5 other float, 6 string, 7 array, 8 object, 9 an unmarked empty table
** (both [] and {}: the C validator settles it), 10 anything else. */

/* Property values of an object are read once, where the object's value
** is created, for all the nodes that look at it (properties, required,
** if/then/else on the same object...). */
static int find_hoist (gen *g, int x, const sc_key *key) {
  int i;
  for (i = g->nhoist - 1; i >= 0; i--)
    if (g->hoist[i].x == x && g->hoist[i].key == key) return g->hoist[i].y;
  return 0;
}

static void hoist_key (gen *g, int x, const sc_key *key) {
  if (find_hoist(g, x, key)) return;
  if (g->nhoist == 50) {   /* 2 locals each; a function has 200 */
    g->failed = 1;
    return;
  }
  g->hoist[g->nhoist].x = x;
  g->hoist[g->nhoist].y = fresh(g);
  g->hoist[g->nhoist++].key = key;
}

static void collect_keys (gen *g, int x, const sc_node *n) {
  size_t i;
  const sc_node *same[] = { NULL, NULL, NULL, NULL };
  n = target(n);
  if (g->failed || ++g->depth > 200) { g->failed = 1; return; }
  for (i = 0; i < n->nprops; i++) hoist_key(g, x, n->props[i].key);
  for (i = 0; i < n->nrequired; i++) hoist_key(g, x, n->required[i]);
  for (i = 0; i < n->all_of.n; i++) collect_keys(g, x, n->all_of.v[i]);
  for (i = 0; i < n->any_of.n; i++) collect_keys(g, x, n->any_of.v[i]);
  for (i = 0; i < n->one_of.n; i++) collect_keys(g, x, n->one_of.v[i]);
  same[0] = n->not_;
  same[1] = n->if_;
  same[2] = n->then_;
  same[3] = n->else_;
  for (i = 0; i < 4; i++) if (same[i]) collect_keys(g, x, same[i]);
  g->depth--;
}

/* A chunk-level table of key names, K<id>, for PROBE. */
static int key_table (gen *g, int from, int to) {
  int id = ++g->nconst, i;
  char *saved = g->out;
  size_t n = g->n, cap = g->cap;
  if (id > 100) { g->failed = 1; return id; }
  g->out = g->pre;
  g->n = g->npre;
  g->cap = g->cappre;
  putf(g, "local K%d = {", id);
  for (i = from; i < to; i++) {
    if (i > from) PUTS(g, ", ");
    put_str(g, g->hoist[i].key->s, g->hoist[i].key->len);
  }
  PUTS(g, "}\n");
  g->pre = g->out;
  g->npre = g->n;
  g->cappre = g->cap;
  g->out = saved;
  g->n = n;
  g->cap = cap;
  return id;
}

/* c<x> (unless known) and the hoisted properties of x<x> */
static void gen_value (gen *g, int x, const sc_node *n, int known) {
  int first = g->nhoist, i, j;
  collect_keys(g, x, n);
  if (first == g->nhoist && !known) putf(g, "local c%d = PROBE(x%d)\n", x, x);
  for (i = first; i < g->nhoist; i += 15) {
    int to = i + 15 < g->nhoist ? i + 15 : g->nhoist;
    int k = key_table(g, i, to), p = fresh(g);
    putf(g, "local p%d = PROBE(x%d, K%d)\n", p, x, k);
    if (i == first && !known) putf(g, "local c%d = p%d & 15\n", x, p);
    for (j = i; j < to; j++) {
      int y = g->hoist[j].y;
      putf(g, "local c%d = (p%d >> %d) & 15\nlocal x%d\n"
           "if c%d ~= 0 then x%d = x%d[", y, p, 4 * (j - i + 1), y, y, y,
           x);
      put_str(g, g->hoist[j].key->s, g->hoist[j].key->len);
      PUTS(g, "] end\n");
    }
  }
}

static void gen_type (gen *g, const sc_node *n, const at *a) {
  char msg[96];
  const char *sep = "";
  int x = a->x;
  PUTS(g, "if not (");
  if (n->types & T_NULL) { putf(g, "%sc%d <= 1", sep, x); sep = " or "; }
  if (n->types & T_BOOL) { putf(g, "%sc%d == 2", sep, x); sep = " or "; }
  if (n->types & T_NUM) {
    putf(g, "%s(c%d >= 3 and c%d <= 5)", sep, x, x);
    sep = " or ";
  } else if (n->types & T_INT) {
    putf(g, "%sc%d == 3 or c%d == 4", sep, x, x);
    sep = " or ";
  }
  if (n->types & T_STR) { putf(g, "%sc%d == 6", sep, x); sep = " or "; }
  if (n->types & T_ARR) { putf(g, "%sc%d == 7", sep, x); sep = " or "; }
  if (n->types & T_OBJ) putf(g, "%sc%d == 8", sep, x);
  PUTS(g, ") then ");
  sc_type_message(n->types, msg, sizeof msg);
  fail(g, a, n, "type", msg);
  PUTS(g, "end\n");
}

static void put_scalar (gen *g, const sv_value *v) {
  switch (v->kind) {
    case SV_NULL: PUTS(g, "NULL"); break;
    case SV_TRUE: PUTS(g, "true"); break;
    case SV_FALSE: PUTS(g, "false"); break;
    case SV_INT:
      if (v->u.i == INT64_MIN) PUTS(g, "math.mininteger");
      else putf(g, "%lld", (long long)v->u.i);
      break;
    case SV_NUM: putf(g, "%.17g", v->u.d); break;
    default: put_str(g, v->u.s, v->n); break;
  }
}

/* JSON equality with a scalar: null is nil or json.null, 1 == 1.0 */
static void put_equal (gen *g, int x, const sv_value *v) {
  if (v->kind == SV_NULL) {
    putf(g, "c%d <= 1", x);
    return;
  }
  putf(g, "x%d == ", x);
  put_scalar(g, v);
}

static void gen_enum (gen *g, const sc_node *n, const at *a) {
  char msg[256];
  size_t i;
  PUTS(g, "if not (");
  for (i = 0; i < n->nenums; i++) {
    if (i) PUTS(g, " or ");
    PUTS(g, "(");
    put_equal(g, a->x, n->enums[i]);
    PUTS(g, ")");
  }
  if (n->nenums == 0) PUTS(g, "false");
  PUTS(g, ") then ");
  sc_enum_message(n, msg, sizeof msg);
  fail(g, a, n, "enum", msg);
  PUTS(g, "end\n");
}

static void gen_limit (gen *g, const sc_node *n, const at *a,
                       const sc_limit *l, const char *op, const char *kw,
                       const char *what) {
  char num[40], msg[80];
  sv_value v;
  if (!l->set) return;
  sc_fmt_limit(l, num, sizeof num);
  snprintf(msg, sizeof msg, "must be %s %s", what, num);
  memset(&v, 0, sizeof v);
  v.kind = l->is_int ? SV_INT : SV_NUM;
  v.u.i = l->i;
  if (!l->is_int) v.u.d = l->d;
  putf(g, "if x%d %s ", a->x, op);
  put_scalar(g, &v);
  PUTS(g, " then ");
  fail(g, a, n, kw, msg);
  PUTS(g, "end\n");
}

static void gen_number (gen *g, const sc_node *n, const at *a) {
  putf(g, "if c%d >= 3 and c%d <= 5 then\n", a->x, a->x);
  gen_limit(g, n, a, &n->min, "<", "minimum", ">=");
  gen_limit(g, n, a, &n->max, ">", "maximum", "<=");
  gen_limit(g, n, a, &n->xmin, "<=", "exclusiveMinimum", ">");
  gen_limit(g, n, a, &n->xmax, ">=", "exclusiveMaximum", "<");
  PUTS(g, "end\n");
}

static void gen_count (gen *g, const sc_node *n, const at *a,
                       const char *var, int64_t limit, int at_least,
                       const char *kw, const char *unit) {
  char msg[96];
  if (limit < 0) return;
  snprintf(msg, sizeof msg, "must not have %s than %lld %s",
           at_least ? "fewer" : "more", (long long)limit, unit);
  putf(g, "if %s %s %lld then ", var, at_least ? "<" : ">",
       (long long)limit);
  fail(g, a, n, kw, msg);
  PUTS(g, "end\n");
}

static void gen_string (gen *g, const sc_node *n, const at *a) {
  char len[24];
  if (n->min_len < 0 && n->max_len < 0) return;
  snprintf(len, sizeof len, "len%d", a->x);
  putf(g, "if c%d == 6 then\nlocal len%d = LEN(x%d)\n", a->x, a->x, a->x);
  gen_count(g, n, a, len, n->min_len, 1, "minLength", "characters");
  gen_count(g, n, a, len, n->max_len, 0, "maxLength", "characters");
  PUTS(g, "end\n");
}

/* Evaluates m on x<x> to a boolean r<label> (errors muted). */
static int gen_test (gen *g, const sc_node *m, int x, int same_value) {
  int label = fresh(g);
  at b;
  b.x = x;
  b.path = "\"\"";
  b.label = label;
  putf(g, "local r%d = false\ndo\n", label);
  gen_node(g, m, &b, same_value);
  putf(g, "r%d = true\nend\n::f%d::\n", label, label);
  return label;
}

/* A child value x<y>, checked by m at path prefix .. suffix; its kind is
** computed here unless it is a hoisted property value. */
static void gen_child (gen *g, const sc_node *m, const at *a, int y,
                       const char *suffix, int hoisted) {
  char path[700];
  int saved = g->nhoist;
  at b;
  snprintf(path, sizeof path, "%s .. %s", a->path, suffix);
  gen_value(g, y, m, hoisted);
  b.x = y;
  b.path = path;
  b.label = a->label;
  gen_node(g, m, &b, 0);
  g->nhoist = saved;
}

static void gen_array (gen *g, const sc_node *n, const at *a) {
  int x = a->x;
  char len[24];
  if (n->min_items < 0 && n->max_items < 0 && !n->items && !n->contains)
    return;
  snprintf(len, sizeof len, "len%d", x);
  putf(g, "if c%d == 7 then\nlocal len%d = rawlen(x%d)\n", x, x, x);
  gen_count(g, n, a, len, n->min_items, 1, "minItems", "items");
  gen_count(g, n, a, len, n->max_items, 0, "maxItems", "items");
  if (n->contains) {
    int y = fresh(g), r, saved;
    putf(g, "local found%d = false\nfor i%d = 1, len%d do\n"
         "local x%d = x%d[i%d]\n", x, y, x, y, x, y);
    saved = g->nhoist;
    gen_value(g, y, n->contains, 0);
    r = gen_test(g, n->contains, y, 0);
    g->nhoist = saved;
    putf(g, "if r%d then found%d = true break end\nend\n", r, x);
    putf(g, "if not found%d then ", x);
    fail(g, a, n, "contains", "must contain at least one valid item");
    PUTS(g, "end\n");
  }
  if (n->items) {
    int y = fresh(g);
    char suffix[64];
    snprintf(suffix, sizeof suffix, "\"/\" .. (i%d - 1)", y);
    putf(g, "for i%d = 1, len%d do\nlocal x%d = x%d[i%d]\n", y, x, y, x, y);
    gen_child(g, n->items, a, y, suffix, 0);
    PUTS(g, "end\n");
  }
  PUTS(g, "end\n");
}

static void key_literal (gen *g, const sc_key *k, char *buf, size_t size) {
  size_t i, o = 0;
  int saved = g->failed;
  buf[o++] = '"';
  buf[o++] = '/';
  for (i = 0; i < k->len && o + 6 < size; i++) {
    unsigned char c = (unsigned char)k->s[i];
    if (c == '~') { buf[o++] = '~'; buf[o++] = '0'; }
    else if (c == '/') { buf[o++] = '~'; buf[o++] = '1'; }
    else if (c == '"' || c == '\\') { buf[o++] = '\\'; buf[o++] = (char)c; }
    else if (c < 0x20 || c == 0x7F) {
      o += (size_t)snprintf(buf + o, size - o, "\\%03d", c);
    } else buf[o++] = (char)c;
  }
  if (i < k->len) g->failed = 1;
  (void)saved;
  buf[o++] = '"';
  buf[o] = '\0';
}

static void gen_props (gen *g, const sc_node *n, const at *a) {
  size_t i;
  char msg[600], suffix[600];
  for (i = 0; i < n->nprops; i++) {
    const sc_prop *p = &n->props[i];
    int y = find_hoist(g, a->x, p->key);
    if (y == 0) { g->failed = 1; return; }
    putf(g, "if c%d == 0 then\n", y);
    if (p->required) {
      snprintf(msg, sizeof msg, "missing required property '%s'",
               p->key->s);
      fail(g, a, n, "required", msg);
    }
    PUTS(g, "else\n");
    key_literal(g, p->key, suffix, sizeof suffix);
    gen_child(g, p->node, a, y, suffix, 1);
    PUTS(g, "end\n");
  }
  for (i = 0; i < n->nrequired; i++) {
    int y = find_hoist(g, a->x, n->required[i]);
    if (y == 0) { g->failed = 1; return; }
    putf(g, "if c%d == 0 then ", y);
    snprintf(msg, sizeof msg, "missing required property '%s'",
             n->required[i]->s);
    fail(g, a, n, "required", msg);
    PUTS(g, "end\n");
  }
}

static void gen_extra (gen *g, const sc_node *n, const at *a, int y) {
  size_t i;
  PUTS(g, "if not (false");
  for (i = 0; i < n->nprops; i++) {
    PUTS(g, " or key == ");
    put_str(g, n->props[i].key->s, n->props[i].key->len);
  }
  PUTS(g, ") then\n");
  if (n->add_props->flags & F_FALSE) {
    if (a->label) {
      putf(g, "goto f%d\n", a->label);
    } else {
      putf(g, "do return false, {{path = %s, schema_path = ", a->path);
      put_sp(g, n, "additionalProperties");
      PUTS(g, ", keyword = \"additionalProperties\", message = "
           "\"property '\" .. key .. \"' is not allowed\"}} end\n");
    }
  } else {
    gen_child(g, n->add_props, a, y, "\"/\" .. ESC(key)", 0);
  }
  PUTS(g, "end\n");
}

/* additionalProperties, minProperties, maxProperties: one pass */
static void gen_members (gen *g, const sc_node *n, const at *a) {
  int x = a->x, y;
  char count[24];
  if (!n->add_props && n->min_props < 0 && n->max_props < 0) return;
  y = fresh(g);
  snprintf(count, sizeof count, "count%d", x);
  putf(g, "local count%d = 0\nfor key, x%d in next, x%d do\n", x, y, x);
  PUTS(g, "if math_type(key) == \"integer\" then key = tostring(key) end\n"
       "if type(key) == \"string\" then\n");
  putf(g, "count%d = count%d + 1\n", x, x);
  if (n->add_props) gen_extra(g, n, a, y);
  PUTS(g, "end\nend\n");
  gen_count(g, n, a, count, n->min_props, 1, "minProperties", "properties");
  gen_count(g, n, a, count, n->max_props, 0, "maxProperties", "properties");
}

static void gen_object (gen *g, const sc_node *n, const at *a) {
  if (!n->nprops && !n->nrequired && !n->add_props && n->min_props < 0 &&
      n->max_props < 0)
    return;
  putf(g, "if c%d == 8 then\n", a->x);
  gen_props(g, n, a);
  gen_members(g, n, a);
  PUTS(g, "end\n");
}

static void gen_comb (gen *g, const sc_node *n, const at *a) {
  size_t i;
  int r;
  for (i = 0; i < n->all_of.n; i++) gen_node(g, n->all_of.v[i], a, 1);
  if (n->any_of.n) {
    putf(g, "do local any%d = false\n", a->x);
    for (i = 0; i < n->any_of.n; i++) {
      putf(g, "if not any%d then\n", a->x);
      r = gen_test(g, n->any_of.v[i], a->x, 1);
      putf(g, "any%d = r%d\nend\n", a->x, r);
    }
    putf(g, "if not any%d then ", a->x);
    fail(g, a, n, "anyOf", "must match a schema in anyOf");
    PUTS(g, "end end\n");
  }
  if (n->one_of.n) {
    putf(g, "do local m%d = 0\n", a->x);
    for (i = 0; i < n->one_of.n; i++) {
      putf(g, "if m%d < 2 then\n", a->x);
      r = gen_test(g, n->one_of.v[i], a->x, 1);
      putf(g, "if r%d then m%d = m%d + 1 end\nend\n", r, a->x, a->x);
    }
    putf(g, "if m%d == 0 then ", a->x);
    fail(g, a, n, "oneOf", "must match exactly one schema in oneOf "
         "(matched none)");
    putf(g, "elseif m%d > 1 then ", a->x);
    fail(g, a, n, "oneOf", "must match exactly one schema in oneOf "
         "(matched more than one)");
    PUTS(g, "end end\n");
  }
  if (n->not_) {
    PUTS(g, "do\n");
    r = gen_test(g, n->not_, a->x, 1);
    putf(g, "if r%d then ", r);
    fail(g, a, n, "not", "must not be valid against the schema in not");
    PUTS(g, "end end\n");
  }
}

static void gen_cond (gen *g, const sc_node *n, const at *a) {
  int r;
  if (!(n->flags & F_COND)) return;
  PUTS(g, "do\n");
  r = gen_test(g, n->if_, a->x, 1);
  putf(g, "if r%d then\n", r);
  if (n->then_) gen_node(g, n->then_, a, 1);
  PUTS(g, "else\n");
  if (n->else_) gen_node(g, n->else_, a, 1);
  PUTS(g, "end end\n");
}

/* The type bits a scalar satisfies. */
static unsigned scalar_types (const sv_value *v) {
  switch (v->kind) {
    case SV_NULL: return T_NULL;
    case SV_TRUE: case SV_FALSE: return T_BOOL;
    case SV_INT: return T_INT | T_NUM;
    case SV_NUM: return T_NUM;
    case SV_STR: return T_STR;
    default: return 0;
  }
}

/* type + enum (or const) alone, every allowed value of an allowed type:
** a value found in the enum passes "type" too, so the type is looked at
** only when the enum fails, for the right message. */
static int enum_first (const sc_node *n) {
  size_t i;
  if (n->flags != (F_TYPE | F_ENUM) && n->flags != (F_TYPE | F_CONST))
    return 0;
  if (n->types & (T_ARR | T_OBJ)) return 0;
  if (n->flags & F_CONST) return (scalar_types(n->konst) & n->types) != 0;
  for (i = 0; i < n->nenums; i++)
    if (!(scalar_types(n->enums[i]) & n->types)) return 0;
  return 1;
}

static void gen_enum_first (gen *g, const sc_node *n, const at *a) {
  size_t i;
  PUTS(g, "if not (");
  if (n->flags & F_CONST) {
    put_equal(g, a->x, n->konst);
  } else {
    for (i = 0; i < n->nenums; i++) {
      if (i) PUTS(g, " or ");
      PUTS(g, "(");
      put_equal(g, a->x, n->enums[i]);
      PUTS(g, ")");
    }
    if (n->nenums == 0) PUTS(g, "false");
  }
  PUTS(g, ") then\n");
  gen_type(g, n, a);
  if (n->flags & F_CONST) {
    fail(g, a, n, "const", "must be equal to the constant");
  } else {
    char msg[256];
    sc_enum_message(n, msg, sizeof msg);
    fail(g, a, n, "enum", msg);
  }
  PUTS(g, "end\n");
}

/* known: k<x> is already set (the same value as the caller's) */
static void gen_node (gen *g, const sc_node *n, const at *a, int known) {
  n = target(n);
  if (++g->depth > 200 || g->n > 4000000) g->failed = 1;
  if (g->failed || n->flags == 0) { g->depth--; return; }
  if (n->flags & F_FALSE) {
    fail(g, a, n, "false", "no value is allowed here");
    g->depth--;
    return;
  }
  (void)known;
  PUTS(g, "do\n");
  if (enum_first(n)) {
    gen_enum_first(g, n, a);
    PUTS(g, "end\n");
    g->depth--;
    return;
  }
  if ((n->flags & (F_ARR | F_OBJ)) ||
      ((n->flags & F_TYPE) && (n->types & (T_ARR | T_OBJ))))
    putf(g, "if c%d == 9 then do return C(self, root) end end\n", a->x);
  if (n->flags & F_TYPE) gen_type(g, n, a);
  if (n->flags & F_CONST) {
    PUTS(g, "if not (");
    put_equal(g, a->x, n->konst);
    PUTS(g, ") then ");
    fail(g, a, n, "const", "must be equal to the constant");
    PUTS(g, "end\n");
  }
  if (n->flags & F_ENUM) gen_enum(g, n, a);
  if (n->flags & F_NUM) gen_number(g, n, a);
  if (n->flags & F_STR) gen_string(g, n, a);
  if (n->flags & F_ARR) gen_array(g, n, a);
  if (n->flags & F_OBJ) gen_object(g, n, a);
  if (n->flags & F_COMB) gen_comb(g, n, a);
  gen_cond(g, n, a);
  PUTS(g, "end\n");
  g->depth--;
}

static const char prelude[] =
  "local PROBE, LEN, C = ...\n"
  "local type, next, rawlen, tostring = type, next, rawlen, tostring\n"
  "local math_type = math.type\n"
  "local function ESC(s) return (s:gsub(\"~\", \"~0\"):gsub(\"/\", \"~1\")) "
  "end\n";

static const char opening[] =
  "return function(self, root)\nlocal x0 = root\n";

/* prelude, key tables, then the function */
static char *assemble (gen *g, size_t *len) {
  size_t n;
  char *out;
  if (g->failed) return NULL;
  n = sizeof prelude - 1 + g->npre + sizeof opening - 1 + g->n;
  if ((out = malloc(n + 1)) == NULL) return NULL;
  memcpy(out, prelude, sizeof prelude - 1);
  *len = sizeof prelude - 1;
  if (g->npre) memcpy(out + *len, g->pre, g->npre);
  *len += g->npre;
  memcpy(out + *len, opening, sizeof opening - 1);
  *len += sizeof opening - 1;
  memcpy(out + *len, g->out, g->n);
  *len += g->n;
  out[*len] = '\0';
  return out;
}

char *sc_codegen (const sc_schema *s, size_t *len) {
  gen *g = calloc(1, sizeof *g);
  char *out = NULL;
  at a;
  if (g == NULL) return NULL;
  if (collect(g, s->root)) {
    a.x = 0;
    a.path = "\"\"";
    a.label = 0;
    gen_value(g, 0, s->root, 0);
    gen_node(g, s->root, &a, 0);
    PUTS(g, "return true\nend\n");
    out = assemble(g, len);
  }
  free(g->out);
  free(g->pre);
  free(g);
  return out;
}
