/*
** change_batch.c: bags of signed counts with lazy consolidation, keyed by time
** (tidal_change_batch) or by (location, time) (tidal_progress_batch).
**
** Invariant: updates[0..clean) is compact (sorted by key in the total order, keys distinct, no
** zero diff); updates[clean..len) is an unordered tail. The multiset sum of all entries is what the
** batch means; compaction preserves it and drops zeros always (timely keeps a lone zero; we do
** not, so "is empty" and "len == 0 after compaction" agree). Compaction runs by itself once
** len > 32 and at most half is clean, which bounds memory at about twice the distinct keys.
*/
#include "progress/progress_int.h"

#define TD_LESS(a, b, d) (tidal_time_cmp(&(a)->time, &(b)->time, (d)) < 0)
TIDAL__DEFINE_SORT(sort_time_diffs, tidal_time_diff, TD_LESS)

static inline int pu_cmp(const tidal_progress_update *a, const tidal_progress_update *b,
                         uint32_t d) {
  int c = tidal_location_cmp(&a->loc, &b->loc);
  return c ? c : tidal_time_cmp(&a->time, &b->time, d);
}
#define PU_LESS(a, b, d) (pu_cmp((a), (b), (d)) < 0)
TIDAL__DEFINE_SORT(sort_progress_updates, tidal_progress_update, PU_LESS)

#define needs_compaction tidal__needs_compaction

/* ---- keyed by time ---------------------------------------------------------------------- */

void tidal_change_batch_init(tidal_change_batch *b, uint32_t depth, const tidal_allocator *alloc) {
  TIDAL_DCHECK(depth >= 1 && depth <= TIDAL_TIME_MAX_DEPTH);
  b->updates = NULL;
  b->len = b->clean = b->cap = 0;
  b->depth = depth;
  b->alloc = tidal__allocator_or_default(alloc);
}

void tidal_change_batch_reset(tidal_change_batch *b) {
  if (!b) return;
  tidal__free(b->alloc, b->updates, b->cap * sizeof *b->updates);
  b->updates = NULL;
  b->len = b->clean = b->cap = 0;
}

void tidal_change_batch_compact(tidal_change_batch *b) {
  if (b->clean == b->len) return;
  tidal_time_diff *u = b->updates;
  uint32_t d = b->depth;
  /* Short batches are the common case inside mutable antichains: skip the sort machinery. */
  if (b->len == 1) {
    b->len = b->clean = u[0].diff != 0;
    return;
  }
  if (b->len == 2) {
    int c = tidal_time_cmp(&u[0].time, &u[1].time, d);
    if (c == 0) {
      u[0].diff = tidal__count_add(u[0].diff, u[1].diff);
      b->len = b->clean = u[0].diff != 0;
      return;
    }
    if (c > 0) {
      tidal_time_diff x = u[0];
      u[0] = u[1];
      u[1] = x;
    }
    size_t k = 0;
    for (size_t i = 0; i < 2; i++)
      if (u[i].diff != 0) u[k++] = u[i];
    b->len = b->clean = k;
    return;
  }
  sort_time_diffs(u, b->len, d);
  size_t k = 0;
  for (size_t i = 0; i < b->len;) {
    tidal_time_diff acc = u[i++];
    while (i < b->len && tidal_time_eq(&u[i].time, &acc.time, d)) acc.diff = tidal__count_add(acc.diff, u[i++].diff);
    if (acc.diff != 0) u[k++] = acc;
  }
  b->len = b->clean = k;
}

int tidal_change_batch_update(tidal_change_batch *b, const tidal_time *t, int64_t diff,
                              tidal_error *err) {
  if (TIDAL_UNLIKELY(b->len == b->cap)) {
    if (needs_compaction(b->len, b->clean)) tidal_change_batch_compact(b);
    if (tidal__progress_reserve(b->alloc, (void **)&b->updates, &b->cap, b->len + 1,
                                sizeof *b->updates) < 0)
      return tidal__progress_oom(err, "a change batch");
  }
  b->updates[b->len].time = *t;
  b->updates[b->len].diff = diff;
  b->len++;
  if (needs_compaction(b->len, b->clean)) tidal_change_batch_compact(b);
  return 0;
}

int tidal_change_batch_extend(tidal_change_batch *dst, const tidal_change_batch *src,
                              tidal_error *err) {
  TIDAL_DCHECK(dst->depth == src->depth);
  if (src->len == 0) return 0;
  size_t need;
  if (!tidal__add_ok(dst->len, src->len, &need) ||
      tidal__progress_reserve(dst->alloc, (void **)&dst->updates, &dst->cap, need,
                              sizeof *dst->updates) < 0)
    return tidal__progress_oom(err, "a change batch");
  memcpy(dst->updates + dst->len, src->updates, src->len * sizeof *src->updates);
  /* An empty destination that receives a compact source stays compact. */
  if (dst->len == 0 && src->clean == src->len) dst->clean = src->len;
  dst->len = need;
  if (needs_compaction(dst->len, dst->clean)) tidal_change_batch_compact(dst);
  return 0;
}

int tidal_change_batch_drain_into(tidal_change_batch *src, tidal_change_batch *dst,
                                  tidal_error *err) {
  tidal_change_batch_compact(src);
  TIDAL_RETURN_IF_ERROR(tidal_change_batch_extend(dst, src, err));
  tidal_change_batch_clear(src);
  return 0;
}

bool tidal_change_batch_is_empty(tidal_change_batch *b) {
  tidal_change_batch_compact(b);
  return b->len == 0;
}

void tidal_change_batch_clear(tidal_change_batch *b) { b->len = b->clean = 0; }

int64_t tidal_change_batch_count(const tidal_change_batch *b, const tidal_time *t) {
  int64_t sum = 0;
  for (size_t i = 0; i < b->len; i++)
    if (tidal_time_eq(&b->updates[i].time, t, b->depth))
      sum = tidal__count_add(sum, b->updates[i].diff);
  return sum;
}

/* ---- keyed by (location, time) ---------------------------------------------------------- */

void tidal_progress_batch_init(tidal_progress_batch *b, uint32_t depth,
                               const tidal_allocator *alloc) {
  TIDAL_DCHECK(depth >= 1 && depth <= TIDAL_TIME_MAX_DEPTH);
  b->updates = NULL;
  b->len = b->clean = b->cap = 0;
  b->depth = depth;
  b->alloc = tidal__allocator_or_default(alloc);
}

void tidal_progress_batch_reset(tidal_progress_batch *b) {
  if (!b) return;
  tidal__free(b->alloc, b->updates, b->cap * sizeof *b->updates);
  b->updates = NULL;
  b->len = b->clean = b->cap = 0;
}

void tidal_progress_batch_compact(tidal_progress_batch *b) {
  if (b->clean == b->len) return;
  tidal_progress_update *u = b->updates;
  uint32_t d = b->depth;
  sort_progress_updates(u, b->len, d);
  size_t k = 0;
  for (size_t i = 0; i < b->len;) {
    tidal_progress_update acc = u[i++];
    while (i < b->len && pu_cmp(&u[i], &acc, d) == 0) acc.diff = tidal__count_add(acc.diff, u[i++].diff);
    if (acc.diff != 0) u[k++] = acc;
  }
  b->len = b->clean = k;
}

int tidal_progress_batch_update(tidal_progress_batch *b, tidal_location loc, const tidal_time *t,
                                int64_t diff, tidal_error *err) {
  if (TIDAL_UNLIKELY(b->len == b->cap)) {
    if (needs_compaction(b->len, b->clean)) tidal_progress_batch_compact(b);
    if (tidal__progress_reserve(b->alloc, (void **)&b->updates, &b->cap, b->len + 1,
                                sizeof *b->updates) < 0)
      return tidal__progress_oom(err, "a progress batch");
  }
  tidal_progress_update *u = &b->updates[b->len++];
  /* Zero the padding after is_source so that batches can be hashed or compared bytewise. */
  memset(&u->loc, 0, sizeof u->loc);
  u->loc.node = loc.node;
  u->loc.port = loc.port;
  u->loc.is_source = loc.is_source;
  u->time = *t;
  u->diff = diff;
  if (needs_compaction(b->len, b->clean)) tidal_progress_batch_compact(b);
  return 0;
}

int tidal_progress_batch_extend(tidal_progress_batch *dst, const tidal_progress_batch *src,
                                tidal_error *err) {
  TIDAL_DCHECK(dst->depth == src->depth);
  if (src->len == 0) return 0;
  size_t need;
  if (!tidal__add_ok(dst->len, src->len, &need) ||
      tidal__progress_reserve(dst->alloc, (void **)&dst->updates, &dst->cap, need,
                              sizeof *dst->updates) < 0)
    return tidal__progress_oom(err, "a progress batch");
  memcpy(dst->updates + dst->len, src->updates, src->len * sizeof *src->updates);
  if (dst->len == 0 && src->clean == src->len) dst->clean = src->len;
  dst->len = need;
  if (needs_compaction(dst->len, dst->clean)) tidal_progress_batch_compact(dst);
  return 0;
}

int tidal_progress_batch_drain_into(tidal_progress_batch *src, tidal_progress_batch *dst,
                                    tidal_error *err) {
  tidal_progress_batch_compact(src);
  TIDAL_RETURN_IF_ERROR(tidal_progress_batch_extend(dst, src, err));
  tidal_progress_batch_clear(src);
  return 0;
}

bool tidal_progress_batch_is_empty(tidal_progress_batch *b) {
  tidal_progress_batch_compact(b);
  return b->len == 0;
}

void tidal_progress_batch_clear(tidal_progress_batch *b) { b->len = b->clean = 0; }
