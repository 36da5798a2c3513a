/*
** count_table.h: the keyed count table: a map from key bytes to a running i64 total, plus the
** set of keys changed since the last drain. Used by the count operator (count.c), the word-count
** pipeline's result sink and the plain-C floor benchmark. Not API.
**
** Design (chosen by profiling word count, where the table's cache misses dominate):
**   - a dense array of 32-byte entries in insertion order (key, total, change mark); frequent
**     keys tend to arrive early, so the hot entries sit together in a few cache lines;
**   - an open-addressing index (linear probing, power-of-two size, load < 1/2) of 8-byte slots:
**     32 bits of the key's hash (the tag) and the entry number + 1 (0 = empty). 100k keys need a
**     2 MiB index, 4x less than slots holding the entries themselves;
**   - every key's bytes in one growable arena; keys of at most 16 bytes are also kept packed in
**     the entry (two overlapping 8-byte loads, as xxh3 reads short inputs) so that comparing
**     them touches neither the arena nor memcmp;
**   - batched lookups (tidal__count_table_add) hash a group of keys first and prefetch their
**     index slots, then their entries, so that the misses of a group overlap.
** No allocation per record: a new key appends to the arena and the entry array (amortized
** doubling) and may double the index.
**
** Invariants:
**   - icap is a power of two >= 16 and 2 * len < icap after every insert (probes terminate).
**   - index[i] == 0, or index[i] == ((uint64_t)tag(h) << 32) | (e + 1) for the entry e whose key
**     hashes to h, placed by linear probing from h & (icap - 1).
**   - entry e's key is arena[off .. off + len) where off is the sum of the lengths of the keys
**     inserted before it (kept in entry.off); keys are never removed or moved in the arena.
**   - entry.mark == epoch exactly when the entry's number is in changed[0 .. nchanged).
**
** Not thread-safe: one table per worker.
*/
#ifndef TIDAL_SRC_DATAFLOW_COUNT_TABLE_H
#define TIDAL_SRC_DATAFLOW_COUNT_TABLE_H

#include "base/base.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct tidal__count_entry {
  uint64_t k0;    /* packed key, first word (see tidal__count_pack) */
  uint64_t k1;    /* packed key, second word; for keys longer than 16 bytes, bytes 0..7 */
  int64_t total;  /* running total */
  uint32_t len;   /* key length in bytes */
  uint32_t mark;  /* == table epoch when the entry is in the changed list */
} tidal__count_entry;

typedef struct tidal__count_table {
  uint64_t *index;              /* owned: icap slots, tag << 32 | (entry + 1), 0 = empty */
  size_t icap;                  /* power of two >= 16 */
  tidal__count_entry *entries;  /* owned: ecap entries, len in use */
  uint64_t *offs;               /* owned: ecap arena offsets, offs[e] = start of entry e's key */
  size_t len;                   /* entries in use (distinct keys) */
  size_t ecap;                  /* entries allocated */
  uint8_t *arena;               /* owned: every key's bytes, in insertion order */
  size_t arena_len;             /* bytes in use */
  size_t arena_cap;             /* bytes allocated */
  uint32_t *changed;            /* owned: entries changed since the last drain */
  size_t nchanged;              /* entries in use */
  size_t changed_cap;           /* entries allocated */
  uint32_t epoch;               /* current change mark, never 0 */
  const tidal_allocator *alloc; /* borrowed: outlives the table */
} tidal__count_table;

/* Initialize an empty table able to hold about `expect` keys before growing (0: a small
   default). Errors: TIDAL_ENOMEM (nothing to clean up). Ownership: alloc is borrowed. */
int tidal__count_table_init(tidal__count_table *t, const tidal_allocator *alloc, size_t expect);
/* Free everything; the table must be initialized again before reuse. NULL-safe. */
void tidal__count_table_reset(tidal__count_table *t);

/* The hash every user of the table uses for key bytes (inline xxh3). */
static inline uint64_t tidal__count_hash(const void *p, size_t n) { return XXH3_64bits(p, n); }

static inline uint64_t tidal__load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static inline uint32_t tidal__load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/*
** Pack a key into two words such that, for a given length, equal packs mean equal keys: 8..16
** bytes: the first and the last 8 bytes (overlapping); 4..7: the first and last 4 in k0; 1..3:
** bytes 0, n/2 and n-1; longer than 16: k0 = the first 8 bytes and k1 = the last 8 (a filter
** only: longer keys are compared with memcmp). Reads only p[0..n).
*/
static inline void tidal__count_pack(const uint8_t *p, size_t n, uint64_t *k0, uint64_t *k1) {
  if (n >= 8) {
    *k0 = tidal__load64(p);
    *k1 = tidal__load64(p + n - 8);
  } else if (n >= 4) {
    *k0 = (uint64_t)tidal__load32(p) | (uint64_t)tidal__load32(p + n - 4) << 32;
    *k1 = 0;
  } else if (n > 0) {
    *k0 = (uint64_t)p[0] | (uint64_t)p[n >> 1] << 8 | (uint64_t)p[n - 1] << 16;
    *k1 = 0;
  } else {
    *k0 = *k1 = 0;
  }
}

/* Insert a key known to be absent (out of line: may grow). Returns the new entry's number, or
   -1 on OOM (the table is then unchanged). */
int64_t tidal__count_table_insert(tidal__count_table *t, const uint8_t *key, size_t n, uint64_t h,
                                  uint64_t k0, uint64_t k1);

/* The entry number of `key` (h = tidal__count_hash(key, n)), inserted with total 0 when absent;
   -1 only on OOM (table unchanged). */
static inline __attribute__((always_inline)) int64_t tidal__count_table_upsert(
    tidal__count_table *t, const uint8_t *key, size_t n, uint64_t h) {
  uint64_t k0, k1;
  tidal__count_pack(key, n, &k0, &k1);
  size_t mask = t->icap - 1, i = (size_t)h & mask;
  uint32_t tag = (uint32_t)(h >> 32);
  for (;;) {
    uint64_t slot = t->index[i];
    if (slot == 0) break;
    if ((uint32_t)(slot >> 32) == tag) {
      size_t e = (uint32_t)slot - 1;
      const tidal__count_entry *en = &t->entries[e];
      if (en->k0 == k0 && en->k1 == k1 && en->len == n &&
          (n <= 16 || memcmp(t->arena + t->offs[e], key, n) == 0))
        return (int64_t)e;
    }
    i = (i + 1) & mask;
  }
  return tidal__count_table_insert(t, key, n, h, k0, k1);
}

/* The entry number of `key`, or -1 when absent. */
int64_t tidal__count_table_find(const tidal__count_table *t, const void *key, size_t n);

/* The key bytes of entry e (borrowed: valid until the next insert). */
static inline const char *tidal__count_table_key(const tidal__count_table *t, size_t e,
                                                 size_t *len) {
  *len = t->entries[e].len;
  return (const char *)t->arena + t->offs[e];
}

/* Record that entry e changed (once per drain). Errors: TIDAL_ENOMEM. */
int tidal__count_table_mark_grow(tidal__count_table *t);
static inline int tidal__count_table_mark(tidal__count_table *t, size_t e) {
  tidal__count_entry *en = &t->entries[e];
  if (en->mark == t->epoch) return 0;
  if (TIDAL_UNLIKELY(t->nchanged == t->changed_cap))
    TIDAL_RETURN_IF_ERROR(tidal__count_table_mark_grow(t));
  en->mark = t->epoch;
  t->changed[t->nchanged++] = (uint32_t)e;
  return 0;
}

/* Forget the changed set (after emitting it): O(1), bumps the epoch. */
void tidal__count_table_clear_changed(tidal__count_table *t);

/*
** The batched hot path: for each row i < n, add diffs[i] (or 1 when diffs is NULL) to the total
** of key i, where key i is bytes[start_i .. ends[i]) with start_0 = first and start_i =
** ends[i-1] (a columnar string column's bounds when first = 0). When totals is non-NULL,
** totals[i] receives the key's running total after row i. When track is true, every touched
** entry is put in the changed set. Bounds must be valid (non-decreasing, within bytes): callers
** pass validated batches. Errors: TIDAL_ENOMEM, TIDAL_ERANGE (a key over 4 GiB), after rows before the failing one were applied.
*/
int tidal__count_table_add(tidal__count_table *t, const uint64_t *ends, uint64_t first,
                           const uint8_t *bytes, size_t n, const int64_t *diffs, int64_t *totals,
                           bool track);

/* The same for keys given as pointers and lengths (keys[i][0 .. lens[i])), e.g. words found in
   place in a text. */
int tidal__count_table_add_ptrs(tidal__count_table *t, const uint8_t *const *keys,
                                const uint32_t *lens, size_t n, const int64_t *diffs,
                                int64_t *totals, bool track);

#endif /* TIDAL_SRC_DATAFLOW_COUNT_TABLE_H */
