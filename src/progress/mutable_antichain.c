/*
** mutable_antichain.c: a frontier with counts (spec §1).
**
** Invariant (after every call returns 0): frontier == the minimal elements of
** { t : counts[t] > 0 }, sorted by tidal_time_cmp; counts may be negative and zero/negative counts
** never enter the frontier. Every change to the frontier was appended to `changes` as -1 for a
** removed element and +1 for an added one (an element that stays cancels out at compaction).
**
** The frontier is rebuilt only when an update could change it: not when some frontier element is
** strictly below the updated time (that element still dominates it), and not for a decrement at a
** time above no frontier element (its count was <= 0 and stays so).
*/
#include "progress/progress_int.h"

void tidal_mutable_antichain_init(tidal_mutable_antichain *m, uint32_t depth,
                                  const tidal_allocator *alloc) {
  tidal_change_batch_init(&m->counts, depth, alloc);
  tidal_antichain_init(&m->frontier, depth, alloc);
  tidal_change_batch_init(&m->changes, depth, alloc);
  m->dirty = false;
}

void tidal_mutable_antichain_reset(tidal_mutable_antichain *m) {
  if (!m) return;
  tidal_change_batch_reset(&m->counts);
  tidal_antichain_reset(&m->frontier);
  tidal_change_batch_reset(&m->changes);
}

/* Could counts[t] += diff change the frontier? */
static inline bool may_change(const tidal_mutable_antichain *m, const tidal_time *t,
                              int64_t diff) {
  const tidal_antichain *f = &m->frontier;
  uint32_t d = f->depth;
  bool some_le = false;
  for (size_t i = 0; i < f->len; i++) {
    if (tidal_time_le(&f->elems[i], t, d)) {
      if (!tidal_time_eq(&f->elems[i], t, d)) return false; /* strictly below: dominated */
      some_le = true;
    }
  }
  return !(diff < 0 && !some_le);
}

/*
** Recompute the frontier from the compacted counts. Space is reserved first, so once the
** reservations succeed nothing can fail and the frontier and changes stay consistent.
*/
static int rebuild(tidal_mutable_antichain *m, tidal_error *err) {
  tidal_change_batch_compact(&m->counts);
  tidal_antichain *f = &m->frontier;
  tidal_change_batch *ch = &m->changes;
  const tidal_time_diff *c = m->counts.updates;
  size_t nc = m->counts.len;
  uint32_t d = f->depth;
  if (d == 1) {
    /* A total order: the frontier is the least time with a positive count (counts are sorted).
       Emit -old/+new only when it moved: the hot path of every propagation step. */
    const tidal_time *nw = NULL;
    for (size_t i = 0; i < nc && !nw; i++)
      if (c[i].diff > 0) nw = &c[i].time;
    bool had = f->len == 1;
    if (had && nw && f->elems[0].c[0] == nw->c[0]) {
      m->dirty = false;
      return 0;
    }
    if (tidal__progress_reserve(ch->alloc, (void **)&ch->updates, &ch->cap, ch->len + 2,
                                sizeof *ch->updates) < 0 ||
        tidal__progress_reserve(f->alloc, (void **)&f->elems, &f->cap, 1, sizeof *f->elems) < 0)
      return tidal__progress_oom(err, "a mutable antichain");
    if (had) {
      ch->updates[ch->len].time = f->elems[0];
      ch->updates[ch->len++].diff = -1;
    }
    f->len = 0;
    if (nw) {
      f->elems[f->len++] = *nw;
      ch->updates[ch->len].time = *nw;
      ch->updates[ch->len++].diff = +1;
    }
    if (tidal__needs_compaction(ch->len, ch->clean)) tidal_change_batch_compact(ch);
    m->dirty = false;
    return 0;
  }
  /* changes gets at most |old F| + |new F| <= f->len + nc entries: reserve them first, so that
     nothing below can fail and the frontier and changes stay consistent. */
  size_t need_ch;
  if (!tidal__add_ok(ch->len, f->len + nc, &need_ch) ||
      tidal__progress_reserve(ch->alloc, (void **)&ch->updates, &ch->cap, need_ch,
                              sizeof *ch->updates) < 0 ||
      tidal__progress_reserve(f->alloc, (void **)&f->elems, &f->cap, nc, sizeof *f->elems) < 0)
    return tidal__progress_oom(err, "a mutable antichain");
  for (size_t i = 0; i < f->len; i++) {
    ch->updates[ch->len].time = f->elems[i];
    ch->updates[ch->len++].diff = -1;
  }
  f->len = 0;
  /* In total order no later time lies below an earlier one, so a candidate is minimal iff no
     frontier element chosen so far is <= it. */
  for (size_t i = 0; i < nc; i++) {
    if (c[i].diff <= 0) continue;
    bool dominated = false;
    for (size_t j = 0; j < f->len && !dominated; j++)
      dominated = tidal_time_le(&f->elems[j], &c[i].time, d);
    if (!dominated) f->elems[f->len++] = c[i].time;
  }
  /* Elements that stayed appear as -1 and +1 and cancel at compaction. */
  for (size_t i = 0; i < f->len; i++) {
    ch->updates[ch->len].time = f->elems[i];
    ch->updates[ch->len++].diff = +1;
  }
  if (tidal__needs_compaction(ch->len, ch->clean)) tidal_change_batch_compact(ch);
  m->dirty = false;
  return 0;
}

int tidal_mutable_antichain_update(tidal_mutable_antichain *m, const tidal_time *t, int64_t diff,
                                   tidal_error *err) {
  if (diff != 0) {
    bool may = may_change(m, t, diff);
    TIDAL_RETURN_IF_ERROR(tidal__change_batch_push(&m->counts, t, diff, err));
    m->dirty |= may;
  }
  return m->dirty ? rebuild(m, err) : 0;
}

int tidal_mutable_antichain_update_all(tidal_mutable_antichain *m, const tidal_time_diff *updates,
                                       size_t n, tidal_error *err) {
  for (size_t i = 0; i < n; i++) {
    if (updates[i].diff == 0) continue;
    /* Tested against the frontier before this group (m->dirty stays set once true): a group of
       updates none of which could change that frontier cannot change it together. */
    bool may = !m->dirty && may_change(m, &updates[i].time, updates[i].diff);
    TIDAL_RETURN_IF_ERROR(tidal__change_batch_push(&m->counts, &updates[i].time, updates[i].diff,
                                                   err));
    m->dirty |= may;
  }
  return m->dirty ? rebuild(m, err) : 0;
}

int64_t tidal_mutable_antichain_count(const tidal_mutable_antichain *m, const tidal_time *t) {
  return tidal_change_batch_count(&m->counts, t);
}

bool tidal_mutable_antichain_less_equal(const tidal_mutable_antichain *m, const tidal_time *t) {
  return tidal_antichain_less_equal(&m->frontier, t);
}
