/*
** antichain.c: antichains of times (frontiers) and of path summaries.
**
** Invariant: elems[0..len) are pairwise incomparable under the product partial order, so the
** antichain stands for the upward-closed set { x : some element <= x }. Insert keeps that true:
** a dominated candidate is refused; elements the candidate dominates are removed.
*/
#include "progress/progress_int.h"

void tidal_antichain_init(tidal_antichain *a, uint32_t depth, const tidal_allocator *alloc) {
  TIDAL_DCHECK(depth >= 1 && depth <= TIDAL_TIME_MAX_DEPTH);
  a->elems = NULL;
  a->len = 0;
  a->cap = 0;
  a->depth = depth;
  a->alloc = tidal__allocator_or_default(alloc);
}

void tidal_antichain_reset(tidal_antichain *a) {
  if (!a) return;
  tidal__free(a->alloc, a->elems, a->cap * sizeof *a->elems);
  a->elems = NULL;
  a->len = a->cap = 0;
}

void tidal_antichain_clear(tidal_antichain *a) { a->len = 0; }

int tidal_antichain_insert(tidal_antichain *a, const tidal_time *t, bool *inserted,
                           tidal_error *err) {
  uint32_t d = a->depth;
  if (inserted) *inserted = false;
  for (size_t i = 0; i < a->len; i++)
    if (tidal_time_le(&a->elems[i], t, d)) return 0;
  /* Reserve before removing anything so that a failure leaves the antichain unchanged. */
  if (tidal__progress_reserve(a->alloc, (void **)&a->elems, &a->cap, a->len + 1,
                              sizeof *a->elems) < 0)
    return tidal__progress_oom(err, "an antichain");
  size_t k = 0;
  for (size_t i = 0; i < a->len; i++)
    if (!tidal_time_le(t, &a->elems[i], d)) a->elems[k++] = a->elems[i];
  a->elems[k++] = *t;
  a->len = k;
  if (inserted) *inserted = true;
  return 0;
}

int tidal_antichain_copy(tidal_antichain *dst, const tidal_antichain *src, tidal_error *err) {
  TIDAL_DCHECK(dst->depth == src->depth);
  if (tidal__progress_reserve(dst->alloc, (void **)&dst->elems, &dst->cap, src->len,
                              sizeof *dst->elems) < 0)
    return tidal__progress_oom(err, "an antichain");
  if (src->len) memcpy(dst->elems, src->elems, src->len * sizeof *src->elems);
  dst->len = src->len;
  return 0;
}

bool tidal_antichain_less_equal(const tidal_antichain *a, const tidal_time *t) {
  for (size_t i = 0; i < a->len; i++)
    if (tidal_time_le(&a->elems[i], t, a->depth)) return true;
  return false;
}

bool tidal_antichain_less_than(const tidal_antichain *a, const tidal_time *t) {
  for (size_t i = 0; i < a->len; i++)
    if (tidal_time_lt(&a->elems[i], t, a->depth)) return true;
  return false;
}

bool tidal_antichain_le(const tidal_antichain *a, const tidal_antichain *b) {
  for (size_t j = 0; j < b->len; j++)
    if (!tidal_antichain_less_equal(a, &b->elems[j])) return false;
  return true;
}

bool tidal_antichain_equal(const tidal_antichain *a, const tidal_antichain *b) {
  if (a->len != b->len || a->depth != b->depth) return false;
  /* Elements are distinct on both sides, so equal length + inclusion is equality. */
  for (size_t i = 0; i < a->len; i++) {
    bool found = false;
    for (size_t j = 0; j < b->len && !found; j++)
      found = tidal_time_eq(&a->elems[i], &b->elems[j], a->depth);
    if (!found) return false;
  }
  return true;
}

/* ---- antichains of summaries ------------------------------------------------------------ */

void tidal_summary_antichain_init(tidal_summary_antichain *a, uint32_t depth,
                                  const tidal_allocator *alloc) {
  TIDAL_DCHECK(depth >= 1 && depth <= TIDAL_TIME_MAX_DEPTH);
  a->elems = NULL;
  a->len = 0;
  a->cap = 0;
  a->depth = depth;
  a->alloc = tidal__allocator_or_default(alloc);
}

void tidal_summary_antichain_reset(tidal_summary_antichain *a) {
  if (!a) return;
  tidal__free(a->alloc, a->elems, a->cap * sizeof *a->elems);
  a->elems = NULL;
  a->len = a->cap = 0;
}

int tidal_summary_antichain_insert(tidal_summary_antichain *a, const tidal_summary *s,
                                   bool *inserted, tidal_error *err) {
  uint32_t d = a->depth;
  if (inserted) *inserted = false;
  for (size_t i = 0; i < a->len; i++)
    if (tidal_summary_le(&a->elems[i], s, d)) return 0;
  if (tidal__progress_reserve(a->alloc, (void **)&a->elems, &a->cap, a->len + 1,
                              sizeof *a->elems) < 0)
    return tidal__progress_oom(err, "a summary antichain");
  size_t k = 0;
  for (size_t i = 0; i < a->len; i++)
    if (!tidal_summary_le(s, &a->elems[i], d)) a->elems[k++] = a->elems[i];
  a->elems[k++] = *s;
  a->len = k;
  if (inserted) *inserted = true;
  return 0;
}
