/*
** tracker.c: the reachability tracker (spec §4): per-port pointstamp counts and implications,
** and incremental propagation in time order.
**
** Invariants, after every successful tidal_tracker_propagate:
** - pointstamps[l].frontier is the set of minimal times with positive raw count at l;
** - implications[l].counts[t] == number of ways t is an element of
**   pointstamps[l].frontier  +  sum over hops h into l of |{f in implications[from(h)].frontier :
**   s_h(f) == t}|; in particular it is never negative, and implications[l].frontier is exactly
**   the minimal elements of { s(t) : count(l', t) > 0, s a path summary from l' to l };
** - total == sum over l of |pointstamps[l].frontier|, cap_counts[n] == the same sum over the
**   sources of node n;
** - no location is queued, the heap and every mutable antichain's `changes` are empty (pushed and
**   out_changes are the caller's to drain).
** Queued updates wait in one change batch per location (no global sort by location is needed to
** group them), and `queued` lists the locations that have some, each once.
** Propagation order: the worklist is a min-heap on (time in the total order, location). Summaries
** never move time backwards, so everything that can change (t, l) is processed before it, and
** equal entries are summed before acting, which lets a retraction's -1 and +1 meet and cancel
** instead of chasing each other around a loop.
*/
#include "progress/tracker_int.h"

void tidal_tracker_free(tidal_tracker *t) {
  if (!t) return;
  const tidal_allocator *a = t->alloc;
  uint32_t nl = t->g.n_locs;
  size_t nss = (size_t)t->scope_inputs * t->scope_outputs;
  if (t->scope_sum) {
    for (size_t i = 0; i < nss; i++) tidal_summary_antichain_reset(&t->scope_sum[i]);
    tidal__free(a, t->scope_sum, nss * sizeof *t->scope_sum);
  }
  if (t->pointstamps) {
    for (uint32_t l = 0; l < nl; l++) tidal_mutable_antichain_reset(&t->pointstamps[l]);
    tidal__free(a, t->pointstamps, nl * sizeof *t->pointstamps);
  }
  if (t->implications) {
    for (uint32_t l = 0; l < nl; l++) tidal_mutable_antichain_reset(&t->implications[l]);
    tidal__free(a, t->implications, nl * sizeof *t->implications);
  }
  if (t->out_changes) {
    for (uint32_t o = 0; o < t->scope_outputs; o++) tidal_change_batch_reset(&t->out_changes[o]);
    tidal__free(a, t->out_changes, t->scope_outputs * sizeof *t->out_changes);
  }
  if (t->proj_off) {
    tidal__free(a, t->projs, t->proj_off[nl] * sizeof *t->projs);
    tidal__free(a, t->proj_off, (nl + 1) * sizeof *t->proj_off);
  }
  tidal__free(a, t->cap_counts, t->g.n_nodes * sizeof *t->cap_counts);
  tidal__free(a, t->heap, t->heap_cap * sizeof *t->heap);
  if (t->pend) {
    for (uint32_t l = 0; l < nl; l++) tidal_change_batch_reset(&t->pend[l]);
    tidal__free(a, t->pend, nl * sizeof *t->pend);
  }
  tidal__free(a, t->queued, nl * sizeof *t->queued);
  tidal__free(a, t->is_queued, nl * sizeof *t->is_queued);
  tidal_progress_batch_reset(&t->pushed);
  tidal__layout_free(a, &t->g);
  tidal__free(a, t, sizeof *t);
}

/* ---- shape queries ---------------------------------------------------------------------- */

uint32_t tidal_tracker_depth(const tidal_tracker *t) { return t->depth; }
uint32_t tidal_tracker_node_count(const tidal_tracker *t) { return t->g.n_nodes; }
uint32_t tidal_tracker_node_inputs(const tidal_tracker *t, uint32_t node) {
  return node < t->g.n_nodes ? t->g.tgt_off[node + 1] - t->g.tgt_off[node] : 0;
}
uint32_t tidal_tracker_node_outputs(const tidal_tracker *t, uint32_t node) {
  return node < t->g.n_nodes ? t->g.src_off[node + 1] - t->g.src_off[node] : 0;
}

/* ---- updates ---------------------------------------------------------------------------- */

static int no_such_location(tidal_error *err, tidal_location loc) {
  return tidal_error_set(err, TIDAL_EINVAL, "progress update at %s(%" PRIu32 ", %" PRIu32
                         "): no such location in this scope",
                         loc.is_source ? "Source" : "Target", loc.node, loc.port);
}

/* Queue (l, time, diff) for a validated location. On OOM the tracker is marked broken: the update
   is lost, so later frontiers could be wrong; every later propagate fails. */
static int enqueue(tidal_tracker *t, uint32_t l, const tidal_time *time, int64_t diff,
                   tidal_error *err) {
  if (diff == 0) return 0;
  if (tidal_change_batch_update(&t->pend[l], time, diff, err) < 0) {
    t->broken = true;
    return TIDAL_ENOMEM;
  }
  if (!t->is_queued[l]) {
    t->is_queued[l] = 1;
    t->queued[t->n_queued++] = l; /* capacity n_locs, each listed once */
  }
  return 0;
}

int tidal_tracker_update(tidal_tracker *t, tidal_location loc, const tidal_time *time,
                         int64_t diff, tidal_error *err) {
  uint32_t l = tidal__layout_index(&t->g, loc);
  if (l == UINT32_MAX) return no_such_location(err, loc);
  return enqueue(t, l, time, diff, err);
}

int tidal_tracker_update_batch(tidal_tracker *t, const tidal_progress_batch *batch,
                               tidal_error *err) {
  TIDAL_DCHECK(batch->depth == t->depth);
  return tidal_tracker_update_many(t, batch->updates, batch->len, err);
}

int tidal_tracker_update_many(tidal_tracker *t, const tidal_progress_update *updates, size_t n,
                              tidal_error *err) {
  for (size_t i = 0; i < n; i++)
    if (tidal__layout_index(&t->g, updates[i].loc) == UINT32_MAX)
      return no_such_location(err, updates[i].loc);
  for (size_t i = 0; i < n; i++)
    TIDAL_RETURN_IF_ERROR(enqueue(t, tidal__layout_index(&t->g, updates[i].loc), &updates[i].time,
                                  updates[i].diff, err));
  return 0;
}

/* ---- the worklist ----------------------------------------------------------------------- */

static inline bool work_less(const tidal__work *a, const tidal__work *b, uint32_t d) {
  int c = tidal_time_cmp(&a->t, &b->t, d);
  return c < 0 || (c == 0 && a->loc < b->loc);
}

static int heap_push(tidal_tracker *t, const tidal_time *time, uint32_t loc, int64_t d) {
  if (tidal__progress_reserve(t->alloc, (void **)&t->heap, &t->heap_cap, t->heap_len + 1,
                              sizeof *t->heap) < 0)
    return TIDAL_ENOMEM;
  tidal__work w;
  w.t = *time;
  w.loc = loc;
  w.d = d;
  size_t i = t->heap_len++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!work_less(&w, &t->heap[p], t->depth)) break;
    t->heap[i] = t->heap[p];
    i = p;
  }
  t->heap[i] = w;
  return 0;
}

static tidal__work heap_pop(tidal_tracker *t) {
  tidal__work top = t->heap[0];
  tidal__work x = t->heap[--t->heap_len];
  size_t n = t->heap_len, i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && work_less(&t->heap[c + 1], &t->heap[c], t->depth)) c++;
    if (!work_less(&t->heap[c], &x, t->depth)) break;
    t->heap[i] = t->heap[c];
    i = c;
  }
  if (n) t->heap[i] = x;
  return top;
}

/* ---- propagation ------------------------------------------------------------------------ */

/* Phase 1 for one location: fold its queued updates into its pointstamp frontier. */
static int apply_pending(tidal_tracker *t, uint32_t l, tidal_error *err) {
  tidal_change_batch *q = &t->pend[l];
  tidal_change_batch_compact(q);
  tidal_mutable_antichain *m = &t->pointstamps[l];
  TIDAL_RETURN_IF_ERROR(tidal_mutable_antichain_update_all(m, q->updates, q->len, err));
  tidal_change_batch_clear(q);
  tidal_change_batch_compact(&m->changes);
  tidal_location loc = t->g.locs[l];
  for (size_t i = 0; i < m->changes.len; i++) {
    const tidal_time *time = &m->changes.updates[i].time;
    int64_t d = m->changes.updates[i].diff;
    t->total += d;
    if (loc.is_source) t->cap_counts[loc.node] += d;
    for (size_t p = t->proj_off[l]; p < t->proj_off[l + 1]; p++) {
      tidal_time r;
      if (tidal_summary_apply(&t->projs[p].s, time, t->depth, &r))
        TIDAL_RETURN_IF_ERROR(tidal_change_batch_update(&t->out_changes[t->projs[p].output], &r,
                                                        d, err));
    }
    if (heap_push(t, time, l, d) < 0) return tidal__progress_oom(err, "the tracker's worklist");
  }
  tidal_change_batch_clear(&m->changes);
  return 0;
}

/* Phase 2 for one worklist entry: update implications at l and queue the consequences. */
static int apply_work(tidal_tracker *t, const tidal_time *time, uint32_t l, int64_t d,
                      tidal_error *err) {
  tidal_mutable_antichain *m = &t->implications[l];
  TIDAL_RETURN_IF_ERROR(tidal_mutable_antichain_update(m, time, d, err));
  /* Implication counts count frontier elements, which never go below zero. */
  TIDAL_DCHECK(tidal_mutable_antichain_count(m, time) >= 0);
  if (m->changes.len == 0) return 0;
  tidal_change_batch_compact(&m->changes);
  tidal_location loc = t->g.locs[l];
  for (size_t i = 0; i < m->changes.len; i++) {
    const tidal_time *t2 = &m->changes.updates[i].time;
    int64_t d2 = m->changes.updates[i].diff;
    /* Appended without automatic compaction: propagate compacts pushed once at the end. */
    if (!loc.is_source && tidal__progress_batch_push(&t->pushed, loc, t2, d2) < 0)
      return tidal__progress_oom(err, "the tracker's pushed changes");
    for (size_t h = t->g.hop_off[l]; h < t->g.hop_off[l + 1]; h++) {
      const tidal__hop *hop = &t->g.hops[h];
      tidal_time t3;
      /* NONE (overflow) drops the change: no time survives that path. */
      if (!tidal_summary_apply(&hop->s, t2, t->depth, &t3)) continue;
      if (heap_push(t, &t3, hop->to, d2) < 0)
        return tidal__progress_oom(err, "the tracker's worklist");
    }
  }
  tidal_change_batch_clear(&m->changes);
  return 0;
}

#ifdef TIDAL_DEBUG
/* Spec §8.12: total equals the sum of the pointstamp-frontier sizes, capability counts match,
   implication counts are never negative. O(state); debug builds only. */
static void check_invariants(const tidal_tracker *t) {
  int64_t total = 0;
  for (uint32_t l = 0; l < t->g.n_locs; l++) {
    total += (int64_t)t->pointstamps[l].frontier.len;
    const tidal_change_batch *c = &t->implications[l].counts;
    for (size_t i = 0; i < c->len; i++)
      TIDAL_DCHECK(tidal_change_batch_count(c, &c->updates[i].time) >= 0);
  }
  TIDAL_DCHECK(total == t->total);
  for (uint32_t n = 0; n < t->g.n_nodes; n++) {
    int64_t caps = 0;
    for (uint32_t s = t->g.src_off[n]; s < t->g.src_off[n + 1]; s++)
      caps += (int64_t)t->pointstamps[t->g.n_targets + s].frontier.len;
    TIDAL_DCHECK(caps == t->cap_counts[n]);
  }
}
#endif

static int propagate(tidal_tracker *t, tidal_error *err) {
  /* Each queued location once; the order does not matter, phase 2 orders the work by time. */
  for (size_t i = 0; i < t->n_queued; i++) {
    uint32_t l = t->queued[i];
    t->is_queued[l] = 0;
    TIDAL_RETURN_IF_ERROR(apply_pending(t, l, err));
  }
  t->n_queued = 0;
  while (t->heap_len) {
    tidal__work w = heap_pop(t);
    t->work++;
    while (t->heap_len && t->heap[0].loc == w.loc &&
           tidal_time_eq(&t->heap[0].t, &w.t, t->depth))
      w.d = tidal__count_add(w.d, heap_pop(t).d), t->work++;
    if (w.d == 0) continue;
    TIDAL_RETURN_IF_ERROR(apply_work(t, &w.t, w.loc, w.d, err));
  }
  tidal_progress_batch_compact(&t->pushed);
#ifdef TIDAL_DEBUG
  check_invariants(t);
#endif
  return 0;
}

int tidal_tracker_propagate(tidal_tracker *t, tidal_error *err) {
  if (t->broken)
    return tidal_error_set(err, TIDAL_ENOMEM, "tracker unusable after an earlier failure");
  int rc = propagate(t, err);
  if (rc < 0) t->broken = true;
  return rc;
}

/* ---- outputs and queries ---------------------------------------------------------------- */

tidal_progress_batch *tidal_tracker_pushed(tidal_tracker *t) { return &t->pushed; }

tidal_change_batch *tidal_tracker_output_changes(tidal_tracker *t, uint32_t output) {
  return output < t->scope_outputs ? &t->out_changes[output] : NULL;
}

const tidal_summary_antichain *tidal_tracker_scope_summary(const tidal_tracker *t, uint32_t input,
                                                           uint32_t output) {
  if (input >= t->scope_inputs || output >= t->scope_outputs) return NULL;
  return &t->scope_sum[(size_t)input * t->scope_outputs + output];
}

const tidal_antichain *tidal_tracker_target_frontier(const tidal_tracker *t, uint32_t node,
                                                     uint32_t port) {
  uint32_t l = tidal__layout_index(&t->g, tidal_location_target(node, port));
  return l == UINT32_MAX ? NULL : &t->implications[l].frontier;
}

const tidal_antichain *tidal_tracker_source_frontier(const tidal_tracker *t, uint32_t node,
                                                     uint32_t port) {
  uint32_t l = tidal__layout_index(&t->g, tidal_location_source(node, port));
  return l == UINT32_MAX ? NULL : &t->implications[l].frontier;
}

const tidal_antichain *tidal_tracker_pointstamp_frontier(const tidal_tracker *t,
                                                         tidal_location loc) {
  uint32_t l = tidal__layout_index(&t->g, loc);
  return l == UINT32_MAX ? NULL : &t->pointstamps[l].frontier;
}

int tidal_tracker_pointstamps(tidal_tracker *t, tidal_location loc,
                              const tidal_time_diff **updates, size_t *len, tidal_error *err) {
  uint32_t l = tidal__layout_index(&t->g, loc);
  if (l == UINT32_MAX) return no_such_location(err, loc);
  tidal_change_batch_compact(&t->pointstamps[l].counts);
  *updates = t->pointstamps[l].counts.updates;
  *len = t->pointstamps[l].counts.len;
  return 0;
}

int64_t tidal_tracker_capability_count(const tidal_tracker *t, uint32_t node) {
  return node < t->g.n_nodes ? t->cap_counts[node] : 0;
}

bool tidal_tracker_tracking_anything(const tidal_tracker *t) {
  return t->total > 0 || t->n_queued > 0;
}

bool tidal_tracker_is_global(const tidal_tracker *t, tidal_location loc, const tidal_time *time) {
  uint32_t l = tidal__layout_index(&t->g, loc);
  if (l == UINT32_MAX) return false;
  const tidal_mutable_antichain *m = &t->implications[l];
  return !tidal_antichain_less_than(&m->frontier, time) &&
         tidal_mutable_antichain_count(m, time) <= 1;
}
