/*
** count_table.c: the keyed count table (count_table.h): creation, growth of the index, the
** entries, the arena and the changed list, and the batched add that is word count's hot loop.
**
** Invariant (see count_table.h): 2 * len < icap; an entry's number and arena offset never change,
** so the changed list and outstanding entry numbers stay valid across growth.
*/
#include "dataflow/count_table.h"

#define MIN_ICAP 16u
/* Entry numbers are stored as u32 (+1) in the index. */
#define MAX_ENTRIES ((size_t)UINT32_MAX - 1)

int tidal__count_table_init(tidal__count_table *t, const tidal_allocator *alloc, size_t expect) {
  memset(t, 0, sizeof *t);
  t->alloc = tidal__allocator_or_default(alloc);
  size_t icap = MIN_ICAP;
  while (icap / 2 <= expect && icap < ((size_t)1 << 40)) icap *= 2;
  size_t bytes;
  if (!tidal__mul_ok(icap, sizeof(uint64_t), &bytes)) return TIDAL_ENOMEM;
  t->index = tidal__calloc(t->alloc, bytes);
  if (!t->index) return TIDAL_ENOMEM;
  t->icap = icap;
  t->epoch = 1;
  return 0;
}

void tidal__count_table_reset(tidal__count_table *t) {
  if (!t || !t->alloc) return;
  tidal__free(t->alloc, t->index, t->icap * sizeof(uint64_t));
  tidal__free(t->alloc, t->entries, t->ecap * sizeof(tidal__count_entry));
  tidal__free(t->alloc, t->offs, t->ecap * sizeof(uint64_t));
  tidal__free(t->alloc, t->arena, t->arena_cap);
  tidal__free(t->alloc, t->changed, t->changed_cap * sizeof(uint32_t));
  tidal__free(t->alloc, t->changed_old, t->changed_cap * sizeof(int64_t));
  memset(t, 0, sizeof *t);
}

/* Double the index and re-place every entry (hashes are recomputed from the arena). */
static int grow_index(tidal__count_table *t) {
  size_t ncap, bytes;
  if (!tidal__mul_ok(t->icap, 2, &ncap) || !tidal__mul_ok(ncap, sizeof(uint64_t), &bytes))
    return TIDAL_ENOMEM;
  uint64_t *ni = tidal__calloc(t->alloc, bytes);
  if (!ni) return TIDAL_ENOMEM;
  size_t mask = ncap - 1;
  for (size_t e = 0; e < t->len; e++) {
    uint64_t h = tidal__count_hash(t->arena + t->offs[e], t->entries[e].len);
    size_t i = (size_t)h & mask;
    while (ni[i]) i = (i + 1) & mask;
    ni[i] = (h >> 32) << 32 | (uint64_t)(e + 1);
  }
  tidal__free(t->alloc, t->index, t->icap * sizeof(uint64_t));
  t->index = ni;
  t->icap = ncap;
  return 0;
}

/* Make room for more entries: new arrays for entries and offs, so that a failure of either
   allocation leaves the table untouched. */
static int grow_entries(tidal__count_table *t) {
  size_t ncap = t->ecap ? t->ecap * 2 : 64;
  if (ncap > MAX_ENTRIES) ncap = MAX_ENTRIES;
  if (ncap <= t->len) return TIDAL_ENOMEM;
  tidal__count_entry *ne = tidal__alloc(t->alloc, ncap * sizeof *ne);
  uint64_t *no = ne ? tidal__alloc(t->alloc, ncap * sizeof *no) : NULL;
  if (!no) {
    tidal__free(t->alloc, ne, ncap * sizeof *ne);
    return TIDAL_ENOMEM;
  }
  if (t->len) {
    memcpy(ne, t->entries, t->len * sizeof *ne);
    memcpy(no, t->offs, t->len * sizeof *no);
  }
  tidal__free(t->alloc, t->entries, t->ecap * sizeof *ne);
  tidal__free(t->alloc, t->offs, t->ecap * sizeof *no);
  t->entries = ne;
  t->offs = no;
  t->ecap = ncap;
  return 0;
}

static int grow_arena(tidal__count_table *t, size_t n) {
  size_t need, ncap = t->arena_cap ? t->arena_cap : 4096;
  if (!tidal__add_ok(t->arena_len, n, &need)) return TIDAL_ENOMEM;
  while (ncap < need)
    if (!tidal__mul_ok(ncap, 2, &ncap)) return TIDAL_ENOMEM;
  uint8_t *na = tidal__realloc(t->alloc, t->arena, t->arena_cap, ncap);
  if (!na) return TIDAL_ENOMEM;
  t->arena = na;
  t->arena_cap = ncap;
  return 0;
}

int64_t tidal__count_table_insert(tidal__count_table *t, const uint8_t *key, size_t n, uint64_t h,
                                  uint64_t k0, uint64_t k1) {
  if (n > UINT32_MAX) return -1;
  /* Reserve everything first so that a failure leaves the table as it was. */
  if ((t->len + 1) * 2 >= t->icap && grow_index(t) < 0) return -1;
  if (t->len == t->ecap && grow_entries(t) < 0) return -1;
  if (t->arena_cap - t->arena_len < n && grow_arena(t, n) < 0) return -1;
  size_t e = t->len++;
  if (n) memcpy(t->arena + t->arena_len, key, n);
  t->offs[e] = t->arena_len;
  t->arena_len += n;
  tidal__count_entry *en = &t->entries[e];
  en->k0 = k0;
  en->k1 = k1;
  en->total = 0;
  en->len = (uint32_t)n;
  en->mark = 0;
  size_t mask = t->icap - 1, i = (size_t)h & mask;
  while (t->index[i]) i = (i + 1) & mask;
  t->index[i] = (h >> 32) << 32 | (uint64_t)(e + 1);
  return (int64_t)e;
}

int64_t tidal__count_table_find(const tidal__count_table *t, const void *key, size_t n) {
  uint64_t k[2];
  tidal__count_key(key, n, (const uint8_t *)key + n, k);
  uint64_t h = tidal__count_hash_k(key, n, k), k0 = k[0], k1 = k[1];
  size_t mask = t->icap - 1, i = (size_t)h & mask;
  for (;;) {
    uint64_t slot = t->index[i];
    if (slot == 0) return -1;
    if ((uint32_t)(slot >> 32) == (uint32_t)(h >> 32)) {
      size_t e = (uint32_t)slot - 1;
      const tidal__count_entry *en = &t->entries[e];
      if (en->k0 == k0 && en->k1 == k1 && en->len == n &&
          memcmp(t->arena + t->offs[e], key, n) == 0)
        return (int64_t)e;
    }
    i = (i + 1) & mask;
  }
}

int tidal__count_table_mark_grow(tidal__count_table *t) {
  size_t ncap = t->changed_cap ? t->changed_cap * 2 : 256;
  if (ncap < t->nchanged + 1) ncap = t->nchanged + 1;
  /* New arrays for both, so that a failure leaves the table untouched. */
  uint32_t *nc = tidal__alloc(t->alloc, ncap * sizeof(uint32_t));
  int64_t *no = nc ? tidal__alloc(t->alloc, ncap * sizeof(int64_t)) : NULL;
  if (!no) {
    tidal__free(t->alloc, nc, ncap * sizeof(uint32_t));
    return TIDAL_ENOMEM;
  }
  if (t->nchanged) {
    memcpy(nc, t->changed, t->nchanged * sizeof(uint32_t));
    memcpy(no, t->changed_old, t->nchanged * sizeof(int64_t));
  }
  tidal__free(t->alloc, t->changed, t->changed_cap * sizeof(uint32_t));
  tidal__free(t->alloc, t->changed_old, t->changed_cap * sizeof(int64_t));
  t->changed = nc;
  t->changed_old = no;
  t->changed_cap = ncap;
  return 0;
}

void tidal__count_table_clear_changed(tidal__count_table *t) {
  t->nchanged = 0;
  if (++t->epoch == 0) {
    /* Wrapped after 2^32 drains: clear every mark so that no stale mark equals the epoch. */
    for (size_t e = 0; e < t->len; e++) t->entries[e].mark = 0;
    t->epoch = 1;
  }
}

/* ---- the batched hot path ------------------------------------------------------------------ */

/*
** The pipeline: key i is hashed and its index slot prefetched AHEAD1 keys before it is applied;
** its entry is prefetched AHEAD2 keys before (the index slot has arrived by then). The exact
** lookup (tidal__count_table_upsert) then mostly hits the cache, and up to AHEAD1 misses overlap.
** Distances chosen by measurement on word count (100k distinct keys, 2 MiB index, 3 MiB entries).
*/
#ifndef TIDAL__COUNT_AHEAD1
#define TIDAL__COUNT_AHEAD1 32u
#endif
#ifndef TIDAL__COUNT_AHEAD2
#define TIDAL__COUNT_AHEAD2 12u
#endif
#define RING 128u
#define AHEAD1 TIDAL__COUNT_AHEAD1
#define AHEAD2 TIDAL__COUNT_AHEAD2

/* Key i: from a column (ends, first) when keys == NULL, else keys[i], lens[i]. */
static inline __attribute__((always_inline)) const uint8_t *key_at(
    const uint8_t *const *keys, const uint32_t *lens, const uint64_t *ends, uint64_t first,
    const uint8_t *bytes, size_t i, size_t *n) {
  if (keys) {
    *n = lens[i];
    return keys[i];
  }
  uint64_t start = i ? ends[i - 1] : first;
  *n = (size_t)(ends[i] - start);
  return bytes + start;
}

static inline __attribute__((always_inline)) int add_core(
    tidal__count_table *t, const uint8_t *const *keys, const uint32_t *lens, const uint64_t *ends,
    uint64_t first, const uint8_t *bytes, size_t n, const uint8_t *limit, const int64_t *diffs,
    int64_t *totals, bool track) {
  uint64_t h[RING], k[RING][2];
  for (size_t i = 0; i < n + AHEAD1; i++) {
    size_t mask = t->icap - 1;
    if (i < n) {
      size_t kn;
      const uint8_t *kp = key_at(keys, lens, ends, first, bytes, i, &kn);
      tidal__count_key(kp, kn, limit, k[i % RING]);
      uint64_t hh = tidal__count_hash_k(kp, kn, k[i % RING]);
      h[i % RING] = hh;
      __builtin_prefetch(&t->index[(size_t)hh & mask]);
    }
    if (i >= AHEAD1 - AHEAD2 && i - (AHEAD1 - AHEAD2) < n) {
      uint64_t hh = h[(i - (AHEAD1 - AHEAD2)) % RING];
      uint64_t slot = t->index[(size_t)hh & mask];
      /* Branch-free (a data-dependent branch here mispredicted often): prefetch the entry the
         home slot names, or entry 0 when it is empty; a tag mismatch only wastes the prefetch. */
      uint32_t e = (uint32_t)slot;
      e = e ? e - 1 : 0;
      if (TIDAL_LIKELY(t->len > 0)) __builtin_prefetch(&t->entries[e], 1);
    }
    if (i >= AHEAD1) {
      size_t j = i - AHEAD1, kn;
      const uint8_t *kp = key_at(keys, lens, ends, first, bytes, j, &kn);
      if (TIDAL_UNLIKELY(kn > UINT32_MAX)) return TIDAL_ERANGE;
      int64_t e = tidal__count_table_upsert_k(t, kp, kn, h[j % RING], k[j % RING]);
      if (TIDAL_UNLIKELY(e < 0)) return TIDAL_ENOMEM;
      if (track) TIDAL_RETURN_IF_ERROR(tidal__count_table_mark(t, (size_t)e));
      tidal__count_entry *en = &t->entries[e];
      en->total += diffs ? diffs[j] : 1;
      if (totals) totals[j] = en->total;
    }
  }
  return 0;
}

int tidal__count_table_add(tidal__count_table *t, const uint64_t *ends, uint64_t first,
                           const uint8_t *bytes, size_t n, const int64_t *diffs, int64_t *totals,
                           bool track) {
  if (n == 0) return 0;
  return add_core(t, NULL, NULL, ends, first, bytes, n, bytes + ends[n - 1], diffs, totals, track);
}

int tidal__count_table_add_ptrs(tidal__count_table *t, const uint8_t *const *keys,
                                const uint32_t *lens, size_t n, const uint8_t *limit,
                                const int64_t *diffs, int64_t *totals, bool track) {
  return add_core(t, keys, lens, NULL, 0, NULL, n, limit, diffs, totals, track);
}
