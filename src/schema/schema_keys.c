/*
** schema_keys.c - property names, interned: each distinct name of a
** schema gets one sc_key (its id, hash and "missing required property"
** message), found again through an open-addressing index.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"


/* Made once, at compile time: errors cost no formatting. */
static const char *required_msg (sc_schema *s, const char *key) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "missing required property '%s'", key);
  const char *m = sc_strdup(&s->arena, buf, n < (int)sizeof buf ? (size_t)n
                            : sizeof buf - 1);
  return m ? m : sc_oom(s);
}

/* Where the key with this text is in the index, or the empty place it
** would take: open addressing over twice as many places as keys. */
static size_t key_place (const sc_schema *s, const char *str, size_t len,
                         unsigned hash) {
  size_t mask = 2 * s->capkeys - 1, i = hash & mask;
  const sc_key *k;
  while ((k = s->keyindex[i]) != NULL &&
         !(k->hash == hash && k->len == len && memcmp(k->s, str, len) == 0))
    i = (i + 1) & mask;
  return i;
}

/* Room for twice the keys, the index made again; 0 out of memory. */
static int grow_keys (sc_schema *s) {
  size_t cap = s->capkeys ? s->capkeys * 2 : 16, i;
  sc_key **keys = realloc(s->keys, cap * sizeof *keys), **index;
  if (keys == NULL) return 0;
  s->keys = keys;
  if ((index = calloc(2 * cap, sizeof *index)) == NULL) return 0;
  free(s->keyindex);
  s->keyindex = index;
  s->capkeys = cap;
  for (i = 0; i < s->nkeys; i++)
    index[key_place(s, keys[i]->s, keys[i]->len, keys[i]->hash)] = keys[i];
  return 1;
}

/* The schema's one sc_key for a property name, made the first time. */
const sc_key *sc_intern (sc_schema *s, const char *str, size_t len) {
  unsigned hash = sv_hash(str, len);
  sc_key *k;
  if (s->capkeys && (k = s->keyindex[key_place(s, str, len, hash)]))
    return k;
  if (s->nkeys == s->capkeys && !grow_keys(s)) return sc_oom(s);
  k = sc_alloc(&s->arena, sizeof *k);
  if (k == NULL || (k->s = sc_strdup(&s->arena, str, len)) == NULL)
    return sc_oom(s);
  k->len = len;
  k->hash = hash;
  k->id = (int)s->nkeys + 1;
  k->plain = strlen(k->s) == len;
  if ((k->required_msg = required_msg(s, k->s)) == NULL) return NULL;
  s->keyindex[key_place(s, str, len, hash)] = k;
  s->keys[s->nkeys++] = k;
  return k;
}
