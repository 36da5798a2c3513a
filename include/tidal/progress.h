/*
** tidal/progress.h: timely dataflow's progress tracking as pure data structures: timestamps, path
** summaries, antichains (frontiers), change batches, and the reachability tracker that turns
** pointstamp counts into input frontiers (spec/progress-protocol.md §1 and §4).
**
** Not thread-safe unless a function's doc says "Thread-safe:". Nothing here has threads or I/O:
** the dataflow layer owns one tracker per scope per worker and drives it from that worker's thread.
**
** Representation of times. A time is a vector of u64 of a depth fixed by its container (a batch,
** an antichain, a tracker): depth 1 is a plain epoch (the top scope), depth 2 is Product(outer,
** inner) for one iteration scope, and so on up to TIDAL_TIME_MAX_DEPTH. `tidal_time` is a fixed
** 32-byte POD rather than a pointer to a variable-length vector, so that times copy by value, live
** inside sorted arrays without indirection and never allocate; the cost is 24 unused bytes per
** depth-1 time, paid per progress update (per batch of records), never per record. Comparisons
** look only at the first `depth` coordinates; for depth 1 they compile to one u64 compare behind a
** well-predicted branch.
**
** Canonical form (invariant): coordinates at index >= depth are zero in every time and summary that
** libtidal produces; callers should build times with the helpers below (or zero the struct) so
** that this holds for theirs too.
**
** Orders. `tidal_time_le` is the product partial order (every coordinate <=): it carries the
** meaning (could-result-in, frontiers). `tidal_time_cmp` is the lexicographic total order, a linear
** extension of it (a <= b implies cmp(a, b) <= 0): it is used only for sorting (compaction,
** antichain rebuilds, the propagation worklist).
*/
#ifndef TIDAL_PROGRESS_H
#define TIDAL_PROGRESS_H

#include "tidal/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/// \defgroup progress Progress tracking
/// @{
///
/// Conventions for every function in this header unless its own doc says otherwise:
/// - Thread-safe: no. Each object has one owner thread; the static inline time and summary helpers
///   are pure and thread-safe. Read-only queries on an object are safe from several threads only
///   while no thread modifies it.
/// - Since: 0.1.
/// - Pointer arguments are borrowed for the duration of the call only (times and summaries are
///   copied); `tidal_error *err` may be NULL and is filled only when the call returns < 0.
/// - Depths must be in 1..TIDAL_TIME_MAX_DEPTH and match between containers passed together
///   (checked with TIDAL_DCHECK in debug builds: a mismatch is a caller bug, not bad input).
/// - `_init` never fails and allocates nothing; storage is taken lazily through the allocator
///   given to `_init` (borrowed: it must outlive the object; NULL = the default allocator).
///   `_reset` releases it (NULL is a no-op) and leaves the object empty and re-usable.

/* ------------------------------------------------------------------------------------------ */
/* Timestamps                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/// Deepest supported nesting of scopes (number of u64 coordinates in a time).
#define TIDAL_TIME_MAX_DEPTH 4

/// A timestamp: coordinates c[0] (outermost) .. c[depth-1] (innermost). Complete POD type; see the
/// file comment for the canonical form (unused coordinates are zero).
typedef struct tidal_time {
  uint64_t c[TIDAL_TIME_MAX_DEPTH]; /* public */
} tidal_time;

/// The least time (all coordinates zero), `minimum` in the spec. Thread-safe: yes. Since: 0.1.
static inline tidal_time tidal_time_minimum(void) {
  tidal_time t = {{0}};
  return t;
}

/// A depth-1 time (a plain epoch). Thread-safe: yes. Since: 0.1.
static inline tidal_time tidal_time_u64(uint64_t epoch) {
  tidal_time t = {{0}};
  t.c[0] = epoch;
  return t;
}

/// A depth-2 time Product(outer, inner). Thread-safe: yes. Since: 0.1.
static inline tidal_time tidal_time_product(uint64_t outer, uint64_t inner) {
  tidal_time t = {{0}};
  t.c[0] = outer;
  t.c[1] = inner;
  return t;
}

/// Equality on the first `depth` coordinates. Thread-safe: yes. Since: 0.1.
static inline bool tidal_time_eq(const tidal_time *a, const tidal_time *b, uint32_t depth) {
  if (depth == 1) return a->c[0] == b->c[0];
  for (uint32_t i = 0; i < depth; i++)
    if (a->c[i] != b->c[i]) return false;
  return true;
}

/// Product partial order: true iff a.c[i] <= b.c[i] for every i < depth. Thread-safe: yes.
/// Since: 0.1.
static inline bool tidal_time_le(const tidal_time *a, const tidal_time *b, uint32_t depth) {
  if (depth == 1) return a->c[0] <= b->c[0];
  for (uint32_t i = 0; i < depth; i++)
    if (a->c[i] > b->c[i]) return false;
  return true;
}

/// Strictly less in the partial order: a <= b and a != b. Thread-safe: yes. Since: 0.1.
static inline bool tidal_time_lt(const tidal_time *a, const tidal_time *b, uint32_t depth) {
  if (depth == 1) return a->c[0] < b->c[0];
  return tidal_time_le(a, b, depth) && !tidal_time_eq(a, b, depth);
}

/// Lexicographic total order (a linear extension of tidal_time_le). Returns <0, 0 or >0.
/// Thread-safe: yes. Since: 0.1.
static inline int tidal_time_cmp(const tidal_time *a, const tidal_time *b, uint32_t depth) {
  for (uint32_t i = 0; i < depth; i++)
    if (a->c[i] != b->c[i]) return a->c[i] < b->c[i] ? -1 : 1;
  return 0;
}

/// The smaller of a and b in the total order (cmp). Thread-safe: yes. Since: 0.1.
static inline tidal_time tidal_time_min(const tidal_time *a, const tidal_time *b, uint32_t depth) {
  return tidal_time_cmp(a, b, depth) <= 0 ? *a : *b;
}

/// Greatest lower bound in the partial order (coordinate-wise minimum). Thread-safe: yes.
/// Since: 0.1.
static inline tidal_time tidal_time_meet(const tidal_time *a, const tidal_time *b, uint32_t depth) {
  tidal_time t = {{0}};
  for (uint32_t i = 0; i < depth; i++) t.c[i] = a->c[i] < b->c[i] ? a->c[i] : b->c[i];
  return t;
}

/// Least upper bound in the partial order (coordinate-wise maximum). Thread-safe: yes.
/// Since: 0.1.
static inline tidal_time tidal_time_join(const tidal_time *a, const tidal_time *b, uint32_t depth) {
  tidal_time t = {{0}};
  for (uint32_t i = 0; i < depth; i++) t.c[i] = a->c[i] > b->c[i] ? a->c[i] : b->c[i];
  return t;
}

/// Nested scopes (§5): an outer time of depth `outer_depth` entering a scope becomes
/// (t, 0) of depth outer_depth + 1 (which must be <= TIDAL_TIME_MAX_DEPTH; a larger depth returns
/// t unchanged rather than writing out of bounds). Thread-safe: yes.
static inline tidal_time tidal_time_to_inner(const tidal_time *t, uint32_t outer_depth) {
  tidal_time r = *t;
  if (outer_depth < TIDAL_TIME_MAX_DEPTH) r.c[outer_depth] = 0;
  return r;
}

/// Nested scopes (§5): an inner time of depth `inner_depth` leaving its scope drops its innermost
/// coordinate (inner_depth in 1..TIDAL_TIME_MAX_DEPTH; otherwise t is returned unchanged).
/// Thread-safe: yes.
static inline tidal_time tidal_time_to_outer(const tidal_time *t, uint32_t inner_depth) {
  tidal_time r = *t;
  if (inner_depth >= 1 && inner_depth <= TIDAL_TIME_MAX_DEPTH) r.c[inner_depth - 1] = 0;
  return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Path summaries                                                                              */
/* ------------------------------------------------------------------------------------------ */

/// A path summary: a checked addition per coordinate. apply(s, t) = (t.c[i] + s.c[i])_i, or NONE
/// if any coordinate overflows. The identity adds zero everywhere; Product(identity, +1) (that is
/// {0, 1}) is an iteration scope's loop summary. Summaries are partially ordered coordinate-wise,
/// never move time backwards (s(t) >= t), and are *strict* (s(t) > t for every t) iff some
/// coordinate is non-zero. Same canonical form as tidal_time.
typedef struct tidal_summary {
  uint64_t c[TIDAL_TIME_MAX_DEPTH]; /* public */
} tidal_summary;

/// The identity summary (edges and ordinary operators). Thread-safe: yes. Since: 0.1.
static inline tidal_summary tidal_summary_identity(void) {
  tidal_summary s = {{0}};
  return s;
}

/// The summary that adds `inc` to coordinate `coord` (< depth) and keeps the others: e.g.
/// tidal_summary_add(1, 1) is an iteration scope's feedback. A coord >= TIDAL_TIME_MAX_DEPTH gives
/// the identity. Thread-safe: yes. Since: 0.1.
static inline tidal_summary tidal_summary_add(uint32_t coord, uint64_t inc) {
  tidal_summary s = {{0}};
  if (coord < TIDAL_TIME_MAX_DEPTH) s.c[coord] = inc;
  return s;
}

/// apply(s, t) (timely's results_in). Returns true and stores the result in *out, or returns false
/// (NONE: no time survives the path) if a coordinate overflows. `out` may alias `t`.
/// Thread-safe: yes. Since: 0.1.
static inline bool tidal_summary_apply(const tidal_summary *s, const tidal_time *t, uint32_t depth,
                                       tidal_time *out) {
  tidal_time r = {{0}};
  for (uint32_t i = 0; i < depth; i++)
    if (__builtin_add_overflow(t->c[i], s->c[i], &r.c[i])) return false;
  *out = r;
  return true;
}

/// compose(a, b) (timely's followed_by): the summary of "a, then b", so that
/// apply(compose(a, b), t) == apply(b, apply(a, t)). Returns false (NONE) on overflow.
/// `out` may alias an input. Thread-safe: yes. Since: 0.1.
static inline bool tidal_summary_compose(const tidal_summary *a, const tidal_summary *b,
                                         uint32_t depth, tidal_summary *out) {
  tidal_summary r = {{0}};
  for (uint32_t i = 0; i < depth; i++)
    if (__builtin_add_overflow(a->c[i], b->c[i], &r.c[i])) return false;
  *out = r;
  return true;
}

/// Coordinate-wise equality. Thread-safe: yes. Since: 0.1.
static inline bool tidal_summary_eq(const tidal_summary *a, const tidal_summary *b,
                                    uint32_t depth) {
  for (uint32_t i = 0; i < depth; i++)
    if (a->c[i] != b->c[i]) return false;
  return true;
}

/// Partial order on summaries: a <= b iff a does at most what b does to every time (coordinate-
/// wise <=). Thread-safe: yes. Since: 0.1.
static inline bool tidal_summary_le(const tidal_summary *a, const tidal_summary *b,
                                    uint32_t depth) {
  for (uint32_t i = 0; i < depth; i++)
    if (a->c[i] > b->c[i]) return false;
  return true;
}

/// True iff s(t) > t for every t (some coordinate non-zero). Every cycle in a dataflow graph must
/// contain a strict summary. Thread-safe: yes. Since: 0.1.
static inline bool tidal_summary_is_strict(const tidal_summary *s, uint32_t depth) {
  for (uint32_t i = 0; i < depth; i++)
    if (s->c[i] != 0) return true;
  return false;
}

/// Nested scopes (§5): an inner summary (depth inner_depth) seen from outside drops its innermost
/// coordinate, so that apply(summarize(s), t) <= to_outer(apply(s, to_inner(t))). A loop that only
/// advances the inner coordinate becomes the identity. Thread-safe: yes. Since: 0.1.
static inline tidal_summary tidal_summary_to_outer(const tidal_summary *s, uint32_t inner_depth) {
  tidal_summary r = *s;
  if (inner_depth >= 1 && inner_depth <= TIDAL_TIME_MAX_DEPTH) r.c[inner_depth - 1] = 0;
  return r;
}

/// An antichain of summaries (pairwise incomparable), e.g. the internal summary of one
/// (input, output) pair of an operator; empty means "not connected". Complete type on caller
/// storage: _init, then _reset exactly once.
typedef struct tidal_summary_antichain {
  tidal_summary *elems;         /* read-only: len elements, pairwise incomparable */
  size_t len;                   /* read-only */
  size_t cap;                   /* private */
  uint32_t depth;               /* read-only */
  const tidal_allocator *alloc; /* private */
} tidal_summary_antichain;

/// Initialize an empty summary antichain of the given depth.
/// Ownership: `alloc` is borrowed (NULL = default) and must outlive the antichain.
TIDAL_API void tidal_summary_antichain_init(tidal_summary_antichain *a, uint32_t depth,
                                            const tidal_allocator *alloc);
/// Release the elements. NULL is a no-op; the struct may be re-initialized afterwards.
TIDAL_API void tidal_summary_antichain_reset(tidal_summary_antichain *a);
/// Insert s unless some element is <= s; remove every element >= s.
/// Returns: 0; *inserted (may be NULL) tells whether s was added.
/// Errors: TIDAL_ENOMEM (the antichain is unchanged).
TIDAL_API int tidal_summary_antichain_insert(tidal_summary_antichain *a, const tidal_summary *s,
                                             bool *inserted /* OUT */, tidal_error *err)
                                             TIDAL_CHECK_RESULT;

/* ------------------------------------------------------------------------------------------ */
/* Antichains (frontiers)                                                                      */
/* ------------------------------------------------------------------------------------------ */

/// A set of pairwise incomparable times, standing for the upward-closed set "every time >= some
/// element": a frontier. Empty means "nothing more will ever come". Complete type on caller
/// storage: _init, then _reset exactly once. Elements are in no particular order, except that
/// antichains produced by a mutable antichain's rebuild are sorted by tidal_time_cmp.
typedef struct tidal_antichain {
  tidal_time *elems;            /* read-only: len elements, pairwise incomparable */
  size_t len;                   /* read-only */
  size_t cap;                   /* private */
  uint32_t depth;               /* read-only */
  const tidal_allocator *alloc; /* private */
} tidal_antichain;

/// Initialize an empty antichain of the given depth.
/// Ownership: `alloc` is borrowed (NULL = default) and must outlive the antichain.
TIDAL_API void tidal_antichain_init(tidal_antichain *a, uint32_t depth,
                                    const tidal_allocator *alloc);
/// Release the elements. NULL is a no-op; the struct may be re-initialized afterwards.
TIDAL_API void tidal_antichain_reset(tidal_antichain *a);
/// Remove every element (keeps the storage). Never fails.
TIDAL_API void tidal_antichain_clear(tidal_antichain *a);
/// Insert t unless some element is <= t; remove every element >= t.
/// Returns: 0; *inserted (may be NULL) tells whether t was added.
/// Errors: TIDAL_ENOMEM (the antichain is unchanged).
TIDAL_API int tidal_antichain_insert(tidal_antichain *a, const tidal_time *t,
                                     bool *inserted /* OUT */, tidal_error *err) TIDAL_CHECK_RESULT;
/// Make dst a copy of src (same depth).
/// Returns: 0. Errors: TIDAL_ENOMEM (dst is unchanged).
TIDAL_API int tidal_antichain_copy(tidal_antichain *dst, const tidal_antichain *src,
                                   tidal_error *err) TIDAL_CHECK_RESULT;
/// F <= t: true iff some element is <= t (t is in the upward-closed set: "t may still come").
TIDAL_API bool tidal_antichain_less_equal(const tidal_antichain *a, const tidal_time *t);
/// F < t: true iff some element is strictly < t.
TIDAL_API bool tidal_antichain_less_than(const tidal_antichain *a, const tidal_time *t);
/// A <= B: true iff every element of b has some element of a <= it (a's set contains b's).
/// The empty antichain is the top: anything <= empty.
TIDAL_API bool tidal_antichain_le(const tidal_antichain *a, const tidal_antichain *b);
/// Set equality (the order of elements is ignored).
TIDAL_API bool tidal_antichain_equal(const tidal_antichain *a, const tidal_antichain *b);

/* ------------------------------------------------------------------------------------------ */
/* Change batches                                                                              */
/* ------------------------------------------------------------------------------------------ */

/// One signed count change of a time.
typedef struct tidal_time_diff {
  tidal_time time; /* public */
  int64_t diff;    /* public */
} tidal_time_diff;

/// A bag of (time, diff) with lazy consolidation. Updates are appended; compaction sorts by time
/// (total order), sums equal times and drops zeros (always, even a lone zero). The first `clean`
/// entries are known compact. Compaction runs by itself when len > 32 and at most half is clean.
/// Compaction never allocates and never fails. Complete type on caller storage.
/// Iteration: call tidal_change_batch_compact, then read updates[0..len): sorted, distinct times,
/// no zero diff.
typedef struct tidal_change_batch {
  tidal_time_diff *updates;     /* read-only: len entries (compact after _compact) */
  size_t len;                   /* read-only */
  size_t clean;                 /* private: updates[0..clean) is compact */
  size_t cap;                   /* private */
  uint32_t depth;               /* read-only */
  const tidal_allocator *alloc; /* private */
} tidal_change_batch;

/// Initialize an empty batch of the given depth.
/// Ownership: `alloc` is borrowed (NULL = default) and must outlive the batch.
TIDAL_API void tidal_change_batch_init(tidal_change_batch *b, uint32_t depth,
                                       const tidal_allocator *alloc);
/// Release the storage. NULL is a no-op.
TIDAL_API void tidal_change_batch_reset(tidal_change_batch *b);
/// Append (t, diff); a zero diff is accepted and dropped at compaction. May compact (see above).
/// Returns: 0. Errors: TIDAL_ENOMEM (the batch means what it meant before).
TIDAL_API int tidal_change_batch_update(tidal_change_batch *b, const tidal_time *t, int64_t diff,
                                        tidal_error *err) TIDAL_CHECK_RESULT;
/// Append every entry of src (same depth); src is unchanged.
/// Returns: 0. Errors: TIDAL_ENOMEM (dst is unchanged).
TIDAL_API int tidal_change_batch_extend(tidal_change_batch *dst, const tidal_change_batch *src,
                                        tidal_error *err) TIDAL_CHECK_RESULT;
/// Move every entry of src into dst (compacting src first) and leave src empty.
/// Returns: 0. Errors: TIDAL_ENOMEM (both keep what they meant; src is compacted).
TIDAL_API int tidal_change_batch_drain_into(tidal_change_batch *src, tidal_change_batch *dst,
                                            tidal_error *err) TIDAL_CHECK_RESULT;
/// Sort, sum equal times, drop zeros. Never fails, never allocates. Afterwards updates[0..len) is
/// sorted by tidal_time_cmp, with distinct times and non-zero diffs.
TIDAL_API void tidal_change_batch_compact(tidal_change_batch *b);
/// True iff the batch sums to nothing (compacts first).
TIDAL_API bool tidal_change_batch_is_empty(tidal_change_batch *b);
/// Remove every entry (keeps the storage).
TIDAL_API void tidal_change_batch_clear(tidal_change_batch *b);
/// The summed count of t (0 if absent). O(len); does not compact.
TIDAL_API int64_t tidal_change_batch_count(const tidal_change_batch *b, const tidal_time *t);

/// A location in a scope's graph: a source (node, output port) or a target (node, input port).
/// Node 0 is the scope boundary: Source(0, i) is scope input i, Target(0, o) scope output o.
typedef struct tidal_location {
  uint32_t node;  /* public */
  uint32_t port;  /* public */
  bool is_source; /* public: true = output port (source), false = input port (target) */
} tidal_location;

/// Convenience constructors. Thread-safe: yes. Since: 0.1.
static inline tidal_location tidal_location_source(uint32_t node, uint32_t port) {
  tidal_location l = {node, port, true};
  return l;
}
static inline tidal_location tidal_location_target(uint32_t node, uint32_t port) {
  tidal_location l = {node, port, false};
  return l;
}
/// Location order used by progress batches: by node, then targets before sources, then port.
static inline int tidal_location_cmp(const tidal_location *a, const tidal_location *b) {
  if (a->node != b->node) return a->node < b->node ? -1 : 1;
  if (a->is_source != b->is_source) return a->is_source ? 1 : -1;
  if (a->port != b->port) return a->port < b->port ? -1 : 1;
  return 0;
}

/// One progress update (what the comm layer serializes): a signed count change of a pointstamp.
/// Source entries are capability changes, target entries are record counts.
typedef struct tidal_progress_update {
  tidal_location loc; /* public */
  tidal_time time;    /* public */
  int64_t diff;       /* public */
} tidal_progress_update;

/// A change batch keyed by (location, time): a progress message's content, the tracker's pending
/// updates and its pushed frontier changes. Same contract as tidal_change_batch; compaction sorts
/// by (tidal_location_cmp, tidal_time_cmp). Iteration: _compact, then read updates[0..len).
typedef struct tidal_progress_batch {
  tidal_progress_update *updates; /* read-only: len entries (compact after _compact) */
  size_t len;                     /* read-only */
  size_t clean;                   /* private */
  size_t cap;                     /* private */
  uint32_t depth;                 /* read-only */
  const tidal_allocator *alloc;   /* private */
} tidal_progress_batch;

/// Initialize an empty batch of the given depth.
/// Ownership: `alloc` is borrowed (NULL = default) and must outlive the batch.
TIDAL_API void tidal_progress_batch_init(tidal_progress_batch *b, uint32_t depth,
                                         const tidal_allocator *alloc);
/// Release the storage. NULL is a no-op.
TIDAL_API void tidal_progress_batch_reset(tidal_progress_batch *b);
/// Append (loc, t, diff); a zero diff is dropped at compaction. May compact.
/// Returns: 0. Errors: TIDAL_ENOMEM (the batch means what it meant before).
TIDAL_API int tidal_progress_batch_update(tidal_progress_batch *b, tidal_location loc,
                                          const tidal_time *t, int64_t diff, tidal_error *err)
                                          TIDAL_CHECK_RESULT;
/// Append every entry of src (same depth); src is unchanged.
/// Returns: 0. Errors: TIDAL_ENOMEM (dst is unchanged).
TIDAL_API int tidal_progress_batch_extend(tidal_progress_batch *dst,
                                          const tidal_progress_batch *src, tidal_error *err)
                                          TIDAL_CHECK_RESULT;
/// Move src's entries into dst (compacting src first) and leave src empty.
/// Returns: 0. Errors: TIDAL_ENOMEM (both keep what they meant; src is compacted).
TIDAL_API int tidal_progress_batch_drain_into(tidal_progress_batch *src, tidal_progress_batch *dst,
                                              tidal_error *err) TIDAL_CHECK_RESULT;
/// Sort by (tidal_location_cmp, tidal_time_cmp), sum equal keys, drop zeros. Never fails, never
/// allocates.
TIDAL_API void tidal_progress_batch_compact(tidal_progress_batch *b);
/// True iff the batch sums to nothing (compacts first).
TIDAL_API bool tidal_progress_batch_is_empty(tidal_progress_batch *b);
/// Remove every entry (keeps the storage).
TIDAL_API void tidal_progress_batch_clear(tidal_progress_batch *b);

/* ------------------------------------------------------------------------------------------ */
/* Mutable antichain                                                                           */
/* ------------------------------------------------------------------------------------------ */

/// A frontier with counts (§1): `counts` may hold any signed counts; `frontier` is exactly the set
/// of minimal times whose count is strictly positive, kept up to date after every call; each call
/// appends the ±1 changes it made to the frontier to `changes` (which the owner drains, e.g. with
/// tidal_change_batch_drain_into or _compact + read + _clear). Complete type on caller storage.
typedef struct tidal_mutable_antichain {
  tidal_change_batch counts;  /* read-only: signed counts per time (lazily compacted) */
  tidal_antichain frontier;   /* read-only: minimal times with positive count, cmp-sorted */
  tidal_change_batch changes; /* public: ±1 frontier changes not yet taken by the owner */
  bool dirty;                 /* private: counts changed in a way the frontier may not show yet */
} tidal_mutable_antichain;

/// Initialize with empty counts, frontier and changes.
/// Ownership: `alloc` is borrowed (NULL = default) and must outlive the object.
TIDAL_API void tidal_mutable_antichain_init(tidal_mutable_antichain *m, uint32_t depth,
                                            const tidal_allocator *alloc);
/// Release the storage. NULL is a no-op.
TIDAL_API void tidal_mutable_antichain_reset(tidal_mutable_antichain *m);
/// counts[t] += diff, then rebuild the frontier if it could have changed, appending ±1 changes to
/// m->changes.
/// Returns: 0. Errors: TIDAL_ENOMEM (the update may or may not have been counted; the frontier is
/// brought up to date by the next successful call; propagate the error rather than retry).
TIDAL_API int tidal_mutable_antichain_update(tidal_mutable_antichain *m, const tidal_time *t,
                                             int64_t diff, tidal_error *err) TIDAL_CHECK_RESULT;
/// Apply n updates (borrowed for the call) and rebuild at most once. Same contract as _update.
TIDAL_API int tidal_mutable_antichain_update_all(tidal_mutable_antichain *m,
                                                 const tidal_time_diff *updates, size_t n,
                                                 tidal_error *err) TIDAL_CHECK_RESULT;
/// The current count of t (0 if absent). O(number of counts).
TIDAL_API int64_t tidal_mutable_antichain_count(const tidal_mutable_antichain *m,
                                                const tidal_time *t);
/// Shorthand for tidal_antichain_less_equal(&m->frontier, t).
TIDAL_API bool tidal_mutable_antichain_less_equal(const tidal_mutable_antichain *m,
                                                  const tidal_time *t);

/* ------------------------------------------------------------------------------------------ */
/* Reachability tracker                                                                        */
/* ------------------------------------------------------------------------------------------ */

/// Describes a scope's graph: nodes with inputs, outputs and an internal summary matrix; edges
/// source -> target. Node 0 (the scope boundary) exists from the start. Opaque handle.
typedef struct tidal_tracker_builder tidal_tracker_builder;
/// Per-scope, per-worker progress state: pointstamp counts and implied frontiers of every port.
/// Opaque handle; not thread-safe (one per scope per worker, used by that worker only).
typedef struct tidal_tracker tidal_tracker;

/// Create a builder for a scope whose times have `depth` coordinates (1..TIDAL_TIME_MAX_DEPTH).
/// Node 0 is created with `scope_outputs` inputs (Target(0, o) = scope output o) and
/// `scope_inputs` outputs (Source(0, i) = scope input i) and no internal connections. The top
/// scope of a dataflow has 0 and 0.
/// Returns: 0 and *out. Errors: TIDAL_EINVAL (depth out of range), TIDAL_ENOMEM (*out = NULL).
/// Ownership: *out is owned by the caller, release with tidal_tracker_builder_free; `alloc` is
/// borrowed (NULL = default) and must outlive the builder and every tracker built from it.
TIDAL_API int tidal_tracker_builder_new(uint32_t depth, uint32_t scope_inputs,
                                        uint32_t scope_outputs, const tidal_allocator *alloc,
                                        tidal_tracker_builder **out /* OUT */, tidal_error *err)
                                        TIDAL_CHECK_RESULT;
/// Free a builder. NULL is a no-op. Trackers built from it stay valid (they own their graph).
TIDAL_API void tidal_tracker_builder_free(tidal_tracker_builder *b);
/// Add the next node (indices 1, 2, ... in call order; *node_out receives it, may be NULL) with
/// `inputs` inputs and `outputs` outputs. If `connect` is non-NULL every (input, output) pair gets
/// the summary antichain {*connect} (an ordinary operator passes the identity); if NULL, no pair is
/// connected and tidal_tracker_builder_add_summary declares them. A node with no inputs is an
/// input (a source of data); a node with no outputs is a sink.
/// Returns: 0. Errors: TIDAL_EINVAL (too many nodes or ports), TIDAL_ENOMEM; the builder is
/// unchanged on error.
TIDAL_API int tidal_tracker_builder_add_node(tidal_tracker_builder *b, uint32_t inputs,
                                             uint32_t outputs, const tidal_summary *connect,
                                             uint32_t *node_out /* OUT */, tidal_error *err)
                                             TIDAL_CHECK_RESULT;
/// Insert s into the summary antichain of (node, input) -> (node, output). Not allowed on node 0.
/// Returns: 0. Errors: TIDAL_EINVAL (no such node or port, or node 0; the message names them),
/// TIDAL_ENOMEM.
TIDAL_API int tidal_tracker_builder_add_summary(tidal_tracker_builder *b, uint32_t node,
                                                uint32_t input, uint32_t output,
                                                const tidal_summary *s, tidal_error *err)
                                                TIDAL_CHECK_RESULT;
/// Add an edge Source(src_node, src_port) -> Target(dst_node, dst_port). Edges keep times. A
/// source may feed many targets, and a target may be fed by many sources (fan-in). Duplicate
/// edges are ignored. Both nodes must already exist (add nodes first).
/// Returns: 0. Errors: TIDAL_EINVAL (no such node or port; the message names it), TIDAL_ENOMEM.
TIDAL_API int tidal_tracker_builder_add_edge(tidal_tracker_builder *b, uint32_t src_node,
                                             uint32_t src_port, uint32_t dst_node,
                                             uint32_t dst_port, tidal_error *err)
                                             TIDAL_CHECK_RESULT;
/// Check that every cycle strictly advances time: delete strict summaries; what is left (edges
/// and identity summaries) must be acyclic. Stricter than timely, which only warns (a
/// non-advancing cycle freezes its frontier for ever, spec §7).
/// Returns: 0. Errors: TIDAL_EINVAL with a message spelling out one non-advancing cycle
/// ("... Source(1,0) -> Target(2,0) -> Source(2,0) -> Target(1,0) -> Source(1,0)"),
/// TIDAL_ENOMEM.
TIDAL_API int tidal_tracker_builder_check(const tidal_tracker_builder *b, tidal_error *err)
              TIDAL_CHECK_RESULT;
/// Build a tracker from the builder's current graph (the builder is unchanged and may be freed).
/// Runs tidal_tracker_builder_check first. Computes the summaries from every location to the
/// scope outputs (§5). All counts start at zero: the caller adds initial capabilities with
/// tidal_tracker_update, then propagate before any operator runs.
/// Returns: 0 and *out. Errors: TIDAL_EINVAL (non-advancing cycle, or more than 2^32 - 2 ports),
/// TIDAL_ENOMEM; *out = NULL on error.
/// Ownership: *out is owned by the caller, release with tidal_tracker_free. The tracker uses the
/// builder's allocator.
TIDAL_API int tidal_tracker_builder_build(const tidal_tracker_builder *b,
                                          tidal_tracker **out /* OUT */, tidal_error *err)
                                          TIDAL_CHECK_RESULT;

/// Free a tracker and everything it owns (pushed, output changes, frontiers). NULL is a no-op.
TIDAL_API void tidal_tracker_free(tidal_tracker *t);

/// Time depth, number of nodes (including node 0), and a node's number of inputs / outputs
/// (0 for a node that does not exist).
TIDAL_API uint32_t tidal_tracker_depth(const tidal_tracker *t);
TIDAL_API uint32_t tidal_tracker_node_count(const tidal_tracker *t);
TIDAL_API uint32_t tidal_tracker_node_inputs(const tidal_tracker *t, uint32_t node);
TIDAL_API uint32_t tidal_tracker_node_outputs(const tidal_tracker *t, uint32_t node);

/// Queue a pointstamp count change: at a source, a capability change; at a target, records in
/// flight (+ produced, - consumed). Takes effect at the next tidal_tracker_propagate. Counts may go
/// transiently negative (views lag reality, spec §6).
/// Returns: 0. Errors: TIDAL_EINVAL (no such location, named in the message: locations that came
/// from the network are validated here; nothing is queued), TIDAL_ENOMEM (the update is lost, so
/// the tracker is marked unusable: every later propagate fails).
TIDAL_API int tidal_tracker_update(tidal_tracker *t, tidal_location loc, const tidal_time *time,
                                   int64_t diff, tidal_error *err) TIDAL_CHECK_RESULT;
/// Queue every entry of a progress batch (same depth) as one atomic group: every location is
/// validated first. The batch is borrowed for the call and not modified.
/// Returns: 0. Errors: TIDAL_EINVAL (some location does not exist; nothing is queued),
/// TIDAL_ENOMEM (part of the batch may be queued: the tracker is marked unusable, as for
/// tidal_tracker_update).
TIDAL_API int tidal_tracker_update_batch(tidal_tracker *t, const tidal_progress_batch *batch,
                                         tidal_error *err) TIDAL_CHECK_RESULT;
/// Queue n updates from a plain array (e.g. a received progress message) as one atomic group:
/// every location is validated first. `updates` is borrowed for the call. Since: 0.1 (added after
/// the first header; additive).
/// Returns: 0. Errors: TIDAL_EINVAL (some location does not exist, named in the message; nothing
/// is queued), TIDAL_ENOMEM (as tidal_tracker_update_batch).
TIDAL_API int tidal_tracker_update_many(tidal_tracker *t, const tidal_progress_update *updates,
                                        size_t n, tidal_error *err) TIDAL_CHECK_RESULT;
/// Fold the queued updates into the pointstamp frontiers and spread the implied changes through the
/// graph in time order (§4). Afterwards every target's frontier (tidal_tracker_target_frontier)
/// equals the minimal elements of { s(t) : count(l, t) > 0, s a path summary from l to it };
/// the changes are appended to tidal_tracker_pushed and tidal_tracker_output_changes.
/// Returns: 0. Errors: TIDAL_ENOMEM, now or after an earlier failed update or propagate (the
/// tracker's state is then inconsistent and every later propagate fails: stop the dataflow and
/// free it).
TIDAL_API int tidal_tracker_propagate(tidal_tracker *t, tidal_error *err) TIDAL_CHECK_RESULT;

/// ±1 changes to target implication frontiers (input frontiers) made by propagate, keyed by
/// (Target(node, port), time), accumulated until the caller clears them. Only target locations
/// appear. Target(0, o) entries are the scope output frontiers (a scope may ignore them).
/// Usage: tidal_progress_batch_compact(p), deliver updates[0..len) to each child's frontier[port]
/// batch, tidal_progress_batch_clear(p). Never NULL.
/// Ownership: borrowed from the tracker, valid until tidal_tracker_free.
TIDAL_API tidal_progress_batch *tidal_tracker_pushed(tidal_tracker *t);

/// ±1 changes, in inner time, of the scope's internal capabilities projected on scope output
/// `output` (§5: every pointstamp-frontier change at a node != 0 mapped through each summary to
/// Target(0, output)). A nested scope maps them with tidal_time_to_outer into a per-output
/// mutable antichain and reports its frontier changes upward as internal[output]. NULL if output
/// is out of range. Ownership: borrowed from the tracker, valid until tidal_tracker_free; the
/// caller drains it (e.g. tidal_change_batch_drain_into).
TIDAL_API tidal_change_batch *tidal_tracker_output_changes(tidal_tracker *t, uint32_t output);

/// The scope's path summaries from scope input `input` (Source(0, input)) to scope output `output`
/// (Target(0, output)), in inner time: an antichain, empty if not connected. A nested scope
/// reports tidal_summary_to_outer of each element to its parent. NULL if out of range.
/// Ownership: borrowed, valid until tidal_tracker_free; never changes after build.
TIDAL_API const tidal_summary_antichain *tidal_tracker_scope_summary(const tidal_tracker *t,
                                                                     uint32_t input,
                                                                     uint32_t output);

/// The implication frontier at Target(node, port): the operator's input frontier. NULL if no such
/// target. Ownership: borrowed; the pointer is valid until tidal_tracker_free, its contents (and
/// elems) change at each propagate.
TIDAL_API const tidal_antichain *tidal_tracker_target_frontier(const tidal_tracker *t,
                                                               uint32_t node, uint32_t port);
/// The implication frontier at Source(node, port) (what could still be produced there). NULL if
/// no such source. Ownership: as tidal_tracker_target_frontier.
TIDAL_API const tidal_antichain *tidal_tracker_source_frontier(const tidal_tracker *t,
                                                               uint32_t node, uint32_t port);
/// The pointstamp frontier at a location: minimal times with positive raw count. NULL if no such
/// location. Ownership: as tidal_tracker_target_frontier.
TIDAL_API const tidal_antichain *tidal_tracker_pointstamp_frontier(const tidal_tracker *t,
                                                                   tidal_location loc);
/// Debugging (a forgotten capability holds a frontier, §7): the raw pointstamp counts at a
/// location as compacted (time, count) pairs, counts non-zero, possibly negative. Queued updates
/// not yet propagated are not included.
/// Returns: 0, *updates and *len. Errors: TIDAL_EINVAL (no such location).
/// Ownership: *updates is borrowed, valid until the next propagate or free.
TIDAL_API int tidal_tracker_pointstamps(tidal_tracker *t, tidal_location loc,
                                        const tidal_time_diff **updates /* OUT */,
                                        size_t *len /* OUT */, tidal_error *err) TIDAL_CHECK_RESULT;
/// The number of capability frontier elements held at node's outputs (0 once it holds no
/// capability). 0 for a node that does not exist.
TIDAL_API int64_t tidal_tracker_capability_count(const tidal_tracker *t, uint32_t node);
/// True iff some pointstamp frontier is non-empty or updates are queued (not yet propagated).
/// A scope with nothing tracked and no incomplete child can shut down.
TIDAL_API bool tidal_tracker_tracking_anything(const tidal_tracker *t);
/// Demand mode (§3): true iff (loc, time) is "global" in this view: no implication frontier
/// element at loc is strictly below time, and the implication count at exactly time is <= 1.
/// A decrement at a global pointstamp must be sent. False for a location that does not exist.
TIDAL_API bool tidal_tracker_is_global(const tidal_tracker *t, tidal_location loc,
                                       const tidal_time *time);

/// @}

#ifdef __cplusplus
}
#endif
#endif /* TIDAL_PROGRESS_H */
