/*
** progress_int.h: helpers shared by the progress layer's files only: array growth through the
** tidal_allocator, and a sort template (introsort) that never allocates. Not API.
**
** Invariant: an array grown with tidal__progress_reserve holds at least `need` elements of
** capacity on success and is untouched on failure; the sorts are in place and allocation-free (so
** compaction can never fail), and their worst case is O(n log n) (heapsort fallback).
*/
#ifndef TIDAL_SRC_PROGRESS_INT_H
#define TIDAL_SRC_PROGRESS_INT_H

#include "base/base.h"
#include "tidal/progress.h"

#include <inttypes.h>

/*
** Make room for `need` elements of `elem` bytes in *p (capacity *cap). Grows geometrically (x2,
** at least 8). Returns 0 or TIDAL_ENOMEM (then *p and *cap are unchanged).
*/
static inline int tidal__progress_reserve(const tidal_allocator *a, void **p, size_t *cap,
                                          size_t need, size_t elem) {
  if (TIDAL_LIKELY(need <= *cap)) return 0;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (!tidal__mul_ok(ncap, 2, &ncap)) return TIDAL_ENOMEM;
  }
  size_t obytes = *cap * elem, nbytes;
  if (!tidal__mul_ok(ncap, elem, &nbytes)) return TIDAL_ENOMEM;
  void *np = *p ? tidal__realloc(a, *p, obytes, nbytes) : tidal__alloc(a, nbytes);
  if (!np) return TIDAL_ENOMEM;
  *p = np;
  *cap = ncap;
  return 0;
}

/*
** Counts add with wrap-around instead of signed overflow (undefined behaviour): diffs can come from
** the network, and a hostile peer must not be able to trigger UB. Honest counts never come near
** 2^63. (Converting the unsigned sum back is implementation-defined, modulo 2^64 on gcc/clang.)
*/
static inline int64_t tidal__count_add(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Fail helper: set the error and return TIDAL_ENOMEM. */
static inline int tidal__progress_oom(tidal_error *err, const char *what) {
  return tidal_error_set(err, TIDAL_ENOMEM, "progress: out of memory growing %s", what);
}

/*
** TIDAL__DEFINE_SORT(name, T, LESS): defines `static void name(T *v, size_t n, uint32_t depth)`,
** an in-place introsort, where LESS(a, b, depth) is a strict weak order on `const T *`. A template
** macro because the element types (time diffs, progress updates, heap entries) are hot and the
** comparison must inline; qsort would call through a pointer and may malloc.
*/
#define TIDAL__DEFINE_SORT(name, T, LESS)                                                   \
  static void name##_insertion(T *v, size_t n, uint32_t depth) {                           \
    for (size_t i = 1; i < n; i++) {                                                        \
      T x = v[i];                                                                           \
      size_t j = i;                                                                         \
      while (j > 0 && LESS(&x, &v[j - 1], depth)) {                                         \
        v[j] = v[j - 1];                                                                    \
        j--;                                                                                \
      }                                                                                     \
      v[j] = x;                                                                             \
    }                                                                                       \
  }                                                                                         \
  static void name##_sift(T *v, size_t root, size_t n, uint32_t depth) {                   \
    T x = v[root];                                                                          \
    for (;;) {                                                                              \
      size_t child = 2 * root + 1;                                                          \
      if (child >= n) break;                                                                \
      if (child + 1 < n && LESS(&v[child], &v[child + 1], depth)) child++;                  \
      if (!LESS(&x, &v[child], depth)) break;                                               \
      v[root] = v[child];                                                                   \
      root = child;                                                                         \
    }                                                                                       \
    v[root] = x;                                                                            \
  }                                                                                         \
  static void name##_heapsort(T *v, size_t n, uint32_t depth) {                            \
    for (size_t i = n / 2; i-- > 0;) name##_sift(v, i, n, depth);                          \
    for (size_t end = n; end-- > 1;) {                                                      \
      T x = v[0];                                                                           \
      v[0] = v[end];                                                                        \
      v[end] = x;                                                                           \
      name##_sift(v, 0, end, depth);                                                        \
    }                                                                                       \
  }                                                                                         \
  static void name##_intro(T *v, size_t n, uint32_t depth, int budget) {                   \
    while (n > 16) {                                                                        \
      if (budget-- == 0) {                                                                  \
        name##_heapsort(v, n, depth);                                                       \
        return;                                                                             \
      }                                                                                     \
      /* Median of v[n/4], v[n/2], v[3n/4] into v[m] (not v[0] and v[n-1]: batches are often  \
         two interleaved sorted runs, on which the ends make a bad pivot); then a Hoare        \
         partition around a copy of it. v[m] == p stops both first scans, and after a swap the \
         swapped elements do, so the scans stay in bounds and both parts are non-empty. */     \
      size_t m = n / 2, lo = n / 4, hi = n - n / 4;                                         \
      if (LESS(&v[m], &v[lo], depth)) { T x = v[m]; v[m] = v[lo]; v[lo] = x; }              \
      if (LESS(&v[hi], &v[m], depth)) {                                                     \
        T x = v[m]; v[m] = v[hi]; v[hi] = x;                                                \
        if (LESS(&v[m], &v[lo], depth)) { T y = v[m]; v[m] = v[lo]; v[lo] = y; }            \
      }                                                                                     \
      T p = v[m];                                                                           \
      size_t i = 0, j = n - 1;                                                              \
      for (;;) {                                                                            \
        while (LESS(&v[i], &p, depth)) i++;                                                 \
        while (LESS(&p, &v[j], depth)) j--;                                                 \
        if (i >= j) break;                                                                  \
        T x = v[i]; v[i] = v[j]; v[j] = x;                                                  \
        i++;                                                                                \
        j--;                                                                                \
      }                                                                                     \
      /* v[0..j] <= p <= v[j+1..n); recurse into the smaller part, loop on the larger. */   \
      size_t left = j + 1;                                                                  \
      if (left < n - left) {                                                                \
        name##_intro(v, left, depth, budget);                                               \
        v += left;                                                                          \
        n -= left;                                                                          \
      } else {                                                                              \
        name##_intro(v + left, n - left, depth, budget);                                    \
        n = left;                                                                           \
      }                                                                                     \
    }                                                                                       \
    name##_insertion(v, n, depth);                                                          \
  }                                                                                         \
  static inline void name(T *v, size_t n, uint32_t depth) {                                \
    if (n <= 16) {                                                                          \
      name##_insertion(v, n, depth);                                                        \
      return;                                                                               \
    }                                                                                       \
    int budget = 2;                                                                         \
    for (size_t k = n; k > 1; k >>= 1) budget += 2;                                         \
    name##_intro(v, n, depth, budget);                                                      \
  }

/*
** Append to a progress batch without the automatic compaction of tidal_progress_batch_update:
** for a producer that compacts once itself when done (the tracker's pushed batch). Returns 0 or
** TIDAL_ENOMEM (batch unchanged). Inline: it is on the propagation hot path.
*/
static inline int tidal__progress_batch_push(tidal_progress_batch *b, tidal_location loc,
                                             const tidal_time *t, int64_t diff) {
  if (TIDAL_UNLIKELY(b->len == b->cap) &&
      tidal__progress_reserve(b->alloc, (void **)&b->updates, &b->cap, b->len + 1,
                              sizeof *b->updates) < 0)
    return TIDAL_ENOMEM;
  tidal_progress_update *u = &b->updates[b->len++];
  memset(&u->loc, 0, sizeof u->loc); /* padding too: batches may be compared bytewise */
  u->loc.node = loc.node;
  u->loc.port = loc.port;
  u->loc.is_source = loc.is_source;
  u->time = *t;
  u->diff = diff;
  return 0;
}

/* Timely's maintain_bounds rule: compact once len > 32 and at most half is clean. */
static inline bool tidal__needs_compaction(size_t len, size_t clean) {
  return len > 32 && clean <= len / 2;
}

/*
** tidal_change_batch_update with the common case (room left) inline; same contract. Used inside
** mutable antichains, where every propagation step appends a few entries.
*/
static inline int tidal__change_batch_push(tidal_change_batch *b, const tidal_time *t,
                                           int64_t diff, tidal_error *err) {
  if (TIDAL_UNLIKELY(b->len == b->cap)) return tidal_change_batch_update(b, t, diff, err);
  b->updates[b->len].time = *t;
  b->updates[b->len].diff = diff;
  b->len++;
  if (tidal__needs_compaction(b->len, b->clean)) tidal_change_batch_compact(b);
  return 0;
}

#endif /* TIDAL_SRC_PROGRESS_INT_H */
