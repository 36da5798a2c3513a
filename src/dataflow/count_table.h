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
**     the entry (zero-padded to 16 bytes) so that comparing them touches neither the arena nor
**     memcmp, and is free of branches on the length;
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
**   - entry.mark == epoch exactly when the entry's number is in changed[0 .. nchanged), and
**     changed_old[i] is the total entry changed[i] had when it was first marked.
**
** Not thread-safe: one table per worker.
*/
#ifndef TIDAL_SRC_DATAFLOW_COUNT_TABLE_H
#define TIDAL_SRC_DATAFLOW_COUNT_TABLE_H

#include "base/base.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct tidal__count_entry {
  uint64_t k0;    /* packed key, first word (see tidal__count_key) */
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
  int64_t *changed_old;         /* owned: changed_old[i] = total of changed[i] before the drain
                                   period (so that a key whose diffs cancel can be skipped) */
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

static inline uint64_t tidal__load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* 16 bytes of 0xff then 16 of 0: loading 16 bytes at offset 16 - n gives a mask of n bytes. */
static const uint8_t tidal__count_mask_src[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0};

/*
** The packed form of a key, k[0..2): for n <= 16, its bytes zero-padded to 16 (so that, with the
** length, equal packs mean equal keys); for longer keys, the first and the last 8 bytes (a filter
** only: they are then compared with memcmp). `limit` bounds what may be read: when p + 16 <= limit
** the 16 bytes are loaded and masked with no branch on n (word lengths are random, and a
** mispredicted branch per word cost more than the loads); otherwise the exact bytes are copied.
*/
static inline __attribute__((always_inline)) void tidal__count_key(const uint8_t *p, size_t n,
                                                                   const uint8_t *limit,
                                                                   uint64_t k[2]) {
  if (TIDAL_LIKELY(n <= 16)) {
    if (TIDAL_LIKELY((size_t)(limit - p) >= 16)) {
#if defined(__SSE2__)
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
      __m128i m = _mm_loadu_si128((const __m128i *)(const void *)(tidal__count_mask_src + 16 - n));
      _mm_storeu_si128((__m128i *)(void *)k, _mm_and_si128(v, m));
#else
      uint8_t b[16];
      memcpy(b, p, 16);
      for (size_t i = 0; i < 16; i++) b[i] &= tidal__count_mask_src[16 - n + i];
      memcpy(k, b, 16);
#endif
    } else {
      k[0] = k[1] = 0;
      if (n) memcpy(k, p, n);
    }
  } else {
    k[0] = tidal__load64(p);
    k[1] = tidal__load64(p + n - 8);
  }
}

/* The hash of a key from its pack: keys of at most 16 bytes hash their 16 padded bytes with the
   length as the seed (xxh3 of a fixed length: one code path), longer keys hash their bytes. */
static inline __attribute__((always_inline)) uint64_t tidal__count_hash_k(const uint8_t *p,
                                                                          size_t n,
                                                                          const uint64_t k[2]) {
  return n <= 16 ? XXH3_64bits_withSeed(k, 16, (XXH64_hash_t)n) : XXH3_64bits(p, n);
}

/* The hash every user of the table (and the word-count exchange) uses for key bytes p[0..n);
   bytes up to `limit` may be read (p + n when nothing beyond the key is known readable). */
static inline __attribute__((always_inline)) uint64_t tidal__count_hash_lim(const void *p,
                                                                            size_t n,
                                                                            const void *limit) {
  uint64_t k[2];
  tidal__count_key(p, n, limit, k);
  return tidal__count_hash_k(p, n, k);
}
static inline uint64_t tidal__count_hash(const void *p, size_t n) {
  return tidal__count_hash_lim(p, n, (const uint8_t *)p + n);
}

/* Insert a key known to be absent (out of line: may grow). Returns the new entry's number, or
   -1 on OOM (the table is then unchanged). */
int64_t tidal__count_table_insert(tidal__count_table *t, const uint8_t *key, size_t n, uint64_t h,
                                  uint64_t k0, uint64_t k1);

/* The entry number of the key with pack k (tidal__count_key) and hash h, inserted with total 0
   when absent; -1 only on OOM (table unchanged). */
static inline __attribute__((always_inline)) int64_t tidal__count_table_upsert_k(
    tidal__count_table *t, const uint8_t *key, size_t n, uint64_t h, const uint64_t k[2]) {
  size_t mask = t->icap - 1, i = (size_t)h & mask;
  uint32_t tag = (uint32_t)(h >> 32);
  for (;;) {
    uint64_t slot = t->index[i];
    if (slot == 0) break;
    if ((uint32_t)(slot >> 32) == tag) {
      size_t e = (uint32_t)slot - 1;
      const tidal__count_entry *en = &t->entries[e];
      if (en->k0 == k[0] && en->k1 == k[1] && en->len == n &&
          (n <= 16 || memcmp(t->arena + t->offs[e], key, n) == 0))
        return (int64_t)e;
    }
    i = (i + 1) & mask;
  }
  return tidal__count_table_insert(t, key, n, h, k[0], k[1]);
}

/* The entry number of `key` (with h = tidal__count_hash(key, n)), inserted with total 0 when
   absent; -1 only on OOM (table unchanged). */
static inline int64_t tidal__count_table_upsert(tidal__count_table *t, const uint8_t *key, size_t n,
                                                uint64_t h) {
  uint64_t k[2];
  tidal__count_key(key, n, key + n, k);
  return tidal__count_table_upsert_k(t, key, n, h, k);
}

/* The entry number of `key`, or -1 when absent. */
int64_t tidal__count_table_find(const tidal__count_table *t, const void *key, size_t n);

/* The key bytes of entry e (borrowed: valid until the next insert). */
static inline const char *tidal__count_table_key(const tidal__count_table *t, size_t e,
                                                 size_t *len) {
  *len = t->entries[e].len;
  return (const char *)t->arena + t->offs[e];
}

/* Record that entry e is about to change (once per drain; call it before changing the total, so
   that its old total is remembered). Errors: TIDAL_ENOMEM (nothing recorded). */
int tidal__count_table_mark_grow(tidal__count_table *t);
static inline int tidal__count_table_mark(tidal__count_table *t, size_t e) {
  tidal__count_entry *en = &t->entries[e];
  if (en->mark == t->epoch) return 0;
  if (TIDAL_UNLIKELY(t->nchanged == t->changed_cap))
    TIDAL_RETURN_IF_ERROR(tidal__count_table_mark_grow(t));
  en->mark = t->epoch;
  t->changed_old[t->nchanged] = en->total;
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
** entry is put in the changed set (with its total from before the first touch). Bounds must be valid (non-decreasing, within bytes): callers
** pass validated batches. Errors: TIDAL_ENOMEM, TIDAL_ERANGE (a key over 4 GiB), after rows before the failing one were applied.
*/
int tidal__count_table_add(tidal__count_table *t, const uint64_t *ends, uint64_t first,
                           const uint8_t *bytes, size_t n, const int64_t *diffs, int64_t *totals,
                           bool track);

/* The same for keys given as pointers and lengths (keys[i][0 .. lens[i])), e.g. words found in
   place in a text, every byte below `limit` being readable. */
int tidal__count_table_add_ptrs(tidal__count_table *t, const uint8_t *const *keys,
                                const uint32_t *lens, size_t n, const uint8_t *limit,
                                const int64_t *diffs, int64_t *totals, bool track);

#endif /* TIDAL_SRC_DATAFLOW_COUNT_TABLE_H */
