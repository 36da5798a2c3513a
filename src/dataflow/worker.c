/*
** worker.c: the worker: its dataflows, the step (receive, seal, apply progress, propagate, run
** operators, flush, send progress) and parking.
**
** Invariants:
** - A worker applies progress batches to its tracker whole and in arrival order (FIFO per sender,
**   checked by sequence number), its own included: its own updates take effect only when they
**   come back through the comm fabric (spec §3).
** - L (a dataflow's `local` batch) is sent whole at the end of a step, never split; in chaos mode
**   it may be held for a few steps (indistinguishable from a slow network, spec §6).
** - A worker parks only after a step that did nothing (no message, no operator run, nothing sent or
**   held back), and wakes when a message arrives or the computation is interrupted.
*/
#include "dataflow/dataflow_int.h"

#include <sched.h>
#include <stdio.h>

uint64_t tidal__worker_rand(tidal_worker *w) {
  uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int tidal__worker_init(tidal_worker *w, tidal__exec *ex, uint32_t index) {
  memset(w, 0, sizeof *w);
  w->ex = ex;
  w->alloc = ex->alloc;
  w->index = index;
  w->peers = ex->peers;
  w->rng = ex->chaos_seed ^ ((uint64_t)(index + 1) * 0xd1b54a32d192ed03ull);
  tidal__msgvec_init(&w->inbox, ex->alloc);
  tidal__msgvec_init(&w->stash, ex->alloc);
  return 0;
}

static void dataflow_free(tidal_dataflow *df) {
  const tidal_allocator *a = df->w->alloc;
  for (size_t i = 0; i < df->ops.len; i++) tidal__op_free(df->ops.items[i]);
  for (size_t i = 0; i < df->channels.len; i++)
    tidal__channel_free(df->channels.items[i], a, df->w->peers);
  for (size_t i = 0; i < df->streams.len; i++) {
    tidal_stream *s = df->streams.items[i];
    tidal_schema_unref(s->schema);
    tidal__ptrvec_reset(a, &s->channels);
    tidal__free(a, s, sizeof *s);
  }
  for (size_t i = 0; i < df->inputs.len; i++) tidal__free(a, df->inputs.items[i], sizeof(tidal_input));
  for (size_t i = 0; i < df->probes.len; i++) tidal__free(a, df->probes.items[i], sizeof(tidal_probe));
  for (size_t i = 0; i < df->fin.len; i++) tidal__progress_msg_release(df->fin.items[i]);
  tidal__ptrvec_reset(a, &df->ops);
  tidal__ptrvec_reset(a, &df->channels);
  tidal__ptrvec_reset(a, &df->streams);
  tidal__ptrvec_reset(a, &df->inputs);
  tidal__ptrvec_reset(a, &df->probes);
  tidal__ptrvec_reset(a, &df->fin);
  tidal_tracker_free(df->tracker);
  tidal_progress_batch_reset(&df->local);
  tidal__free(a, df->seq_seen, df->w->peers * sizeof *df->seq_seen);
  tidal__free(a, df, sizeof *df);
}

void tidal__worker_teardown(tidal_worker *w) {
  for (size_t i = 0; i < w->dataflows.len; i++) dataflow_free(w->dataflows.items[i]);
  tidal__ptrvec_reset(w->alloc, &w->dataflows);
  tidal__msgvec_reset(&w->inbox);
  tidal__msgvec_reset(&w->stash);
}

void tidal__worker_close_inputs(tidal_worker *w) {
  for (size_t i = 0; i < w->dataflows.len; i++) {
    tidal_dataflow *df = w->dataflows.items[i];
    for (size_t j = 0; j < df->inputs.len; j++) tidal_input_close(df->inputs.items[j]);
  }
}

int tidal__worker_fail(tidal_worker *w, int code, const tidal_error *err) {
  w->failed = code;
  return tidal__exec_fail(w->ex, code, err);
}

/* The status a worker reports once the computation failed. */
static int failed_status(tidal_worker *w) {
  int f = atomic_load(&w->ex->failed);
  if (f == 0) return 0;
  return w->failed ? w->failed : TIDAL_ECANCELED;
}

uint32_t tidal_worker_index(const tidal_worker *w) { return w->index; }
uint32_t tidal_worker_peers(const tidal_worker *w) { return w->peers; }
const tidal_allocator *tidal_worker_allocator(const tidal_worker *w) { return w->alloc; }
size_t tidal_worker_batch_bytes(const tidal_worker *w) { return w->ex->batch_bytes; }

int tidal_dataflow_new(tidal_worker *w, tidal_dataflow **out) {
  tidal_dataflow *df = tidal__calloc(w->alloc, sizeof *df);
  if (!df) return TIDAL_ENOMEM;
  df->seq_seen = tidal__calloc(w->alloc, w->peers * sizeof *df->seq_seen);
  if (!df->seq_seen || tidal__ptrvec_push(w->alloc, &w->dataflows, df) < 0) {
    tidal__free(w->alloc, df->seq_seen, w->peers * sizeof *df->seq_seen);
    tidal__free(w->alloc, df, sizeof *df);
    return TIDAL_ENOMEM;
  }
  df->w = w;
  df->index = (uint32_t)(w->dataflows.len - 1);
  (void)tidal__exec_check_built(w->ex, w->index, (int)w->dataflows.len, false);
  tidal_progress_batch_init(&df->local, 1, w->alloc);
  *out = df;
  return 0;
}

tidal_worker *tidal_dataflow_worker(const tidal_dataflow *df) { return df->w; }
bool tidal_dataflow_complete(const tidal_dataflow *df) { return df->complete; }

/* ---- sealing: build the tracker once the graph is complete ---------------------------------- */

static int seal(tidal_dataflow *df) {
  tidal_worker *w = df->w;
  tidal_error e;
  tidal_tracker_builder *tb = NULL;
  int rc = tidal_tracker_builder_new(1, 0, 0, w->alloc, &tb, &e);
  if (rc < 0) return tidal__worker_fail(w, rc, &e);
  tidal_summary id = tidal_summary_identity();
  for (size_t i = 0; i < df->ops.len && rc == 0; i++) {
    tidal__op *op = df->ops.items[i];
    bool all = true; /* every pair connected by the identity */
    for (uint32_t in = 0; in < op->ninputs; in++)
      for (uint32_t o = 0; o < op->noutputs; o++)
        if (op->inputs[in].delay && op->inputs[in].delay[o] != 0) all = false;
    uint32_t node = 0;
    rc = tidal_tracker_builder_add_node(tb, op->ninputs, op->noutputs, all ? &id : NULL, &node, &e);
    TIDAL_DCHECK(rc < 0 || node == op->node);
    for (uint32_t in = 0; in < op->ninputs && rc == 0 && !all; in++)
      for (uint32_t o = 0; o < op->noutputs && rc == 0; o++) {
        /* No delays: a builder neither built nor freed (an inert node, identity summaries). */
        uint64_t d = op->inputs[in].delay ? op->inputs[in].delay[o] : 0;
        if (d == TIDAL__DISCONNECTED) continue;
        tidal_summary sm = tidal_summary_add(0, d);
        rc = tidal_tracker_builder_add_summary(tb, op->node, in, o, &sm, &e);
      }
  }
  for (size_t i = 0; i < df->channels.len && rc == 0; i++) {
    tidal__channel *ch = df->channels.items[i];
    rc = tidal_tracker_builder_add_edge(tb, ch->src->op->node, ch->src->output, ch->dst->node,
                                        ch->dst_input, &e);
  }
  if (rc == 0) rc = tidal_tracker_builder_build(tb, &df->tracker, &e);
  tidal_tracker_builder_free(tb);
  /* Initial capabilities: +W at every output at time 0, written straight into this worker's
     tracker (not broadcast): every worker does the same (spec §2). */
  tidal_time zero = tidal_time_minimum();
  for (size_t i = 0; i < df->ops.len && rc == 0; i++) {
    tidal__op *op = df->ops.items[i];
    for (uint32_t o = 0; o < op->noutputs && rc == 0; o++)
      rc = tidal_tracker_update(df->tracker, tidal_location_source(op->node, o), &zero,
                                (int64_t)w->peers, &e);
  }
  if (rc == 0) rc = tidal_tracker_propagate(df->tracker, &e);
  if (rc < 0) {
    tidal_error_prefix(&e, "dataflow %u: building progress tracking: ", df->index);
    return tidal__worker_fail(w, rc, &e);
  }
  tidal_progress_batch_clear(tidal_tracker_pushed(df->tracker));
  df->sealed = true;
  df->live_ops = df->ops.len;
  for (size_t i = 0; i < df->ops.len; i++) ((tidal__op *)df->ops.items[i])->active = true;
  return 0;
}

/* ---- receiving ------------------------------------------------------------------------------ */

/* Route one message; returns 1 if consumed, 0 if it must wait (stash), <0 on failure. */
static int route(tidal_worker *w, tidal__msg *m, bool allow_delay) {
  if (m->kind == TIDAL__MSG_PROGRESS) {
    tidal__progress_msg *pm = m->progress;
    if (pm->dataflow >= w->dataflows.len) return 0;
    tidal_dataflow *df = w->dataflows.items[pm->dataflow];
    if (df->complete) {
      tidal__msg_release(m);
      return 1;
    }
    int rc = tidal__ptrvec_push(w->alloc, &df->fin, pm);
    if (rc < 0) return rc;
    m->progress = NULL;
    return 1;
  }
  if (m->dataflow >= w->dataflows.len) return 0;
  tidal_dataflow *df = w->dataflows.items[m->dataflow];
  if (m->channel >= df->channels.len) return 0;
  if (allow_delay && tidal__chaos(w) && tidal__worker_rand(w) % 4 == 0) return 0;
  tidal__channel *ch = df->channels.items[m->channel];
  const tidal_schema *got = tidal_batch_schema(m->batch), *want = ch->src->schema;
  if (got != want && !tidal_schema_equal(got, want)) {
    /* Only if workers built different graphs: channel numbers then name different channels. */
    tidal_error e;
    tidal_error_set(&e, TIDAL_EMISMATCH,
                    "worker %u: a batch of %s from worker %u for channel %u of dataflow %u, which "
                    "carries %s: every worker must build the same graph",
                    w->index, tidal_schema_text(got), m->from, m->channel, df->index,
                    tidal_schema_text(want));
    tidal__worker_fail(w, TIDAL_EMISMATCH, &e);
    return -1;
  }
  tidal_batch *b = m->batch;
  m->batch = NULL;
  return tidal__op_enqueue(ch->dst, ch->dst_input, m->time, b) < 0 ? -1 : 1;
}

static int fail_receiving(tidal_worker *w) {
  tidal_error e;
  tidal_error_set(&e, TIDAL_ENOMEM, "worker %u: out of memory receiving", w->index);
  return tidal__worker_fail(w, TIDAL_ENOMEM, &e);
}

static int receive(tidal_worker *w, bool *did) {
  size_t n = tidal__comm_recv(w->ex->comm, w->index, &w->inbox);
  if (n) *did = true;
  if (w->stash.len == 0 && w->inbox.len == 0) return 0;
  /* Stash first (older), then the inbox: keeps FIFO per sender for progress messages, because a
     progress message waits in the stash only while its dataflow does not exist, and then so do
     all later ones of that dataflow. */
  tidal__msgvec old = w->stash;
  tidal__msgvec_init(&w->stash, w->alloc);
  int rc = 0;
  for (int pass = 0; pass < 2; pass++) {
    tidal__msgvec *v = pass == 0 ? &old : &w->inbox;
    for (size_t i = 0; i < v->len; i++) {
      tidal__msg *m = &v->items[i];
      if (rc < 0) {
        tidal__msg_release(m);
        continue;
      }
      int r = route(w, m, true);
      if (r > 0) {
        *did = true;
      } else if (r < 0) {
        tidal__msg_release(m);
        rc = atomic_load(&w->ex->failed) ? failed_status(w) : fail_receiving(w);
      } else if (tidal__msgvec_push(&w->stash, m) < 0) {
        tidal__msg_release(m);
        rc = fail_receiving(w);
      } else if (m->kind == TIDAL__MSG_DATA && tidal__chaos(w)) {
        *did = true; /* possibly held back on purpose: come back for it */
      }
    }
    v->len = 0;
  }
  tidal__msgvec_reset(&old);
  return rc;
}

/* ---- progress ------------------------------------------------------------------------------- */

static int apply_progress(tidal_dataflow *df, bool *did) {
  tidal_worker *w = df->w;
  size_t n = df->fin.len;
  if (n == 0) return 0;
  if (tidal__chaos(w) && tidal__worker_rand(w) % 3 == 0) {
    n = (size_t)(tidal__worker_rand(w) % (n + 1)); /* a prefix: keeps FIFO */
    *did = true;
  }
  tidal_error e;
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    tidal__progress_msg *pm = df->fin.items[i];
    if (rc == 0 && (pm->from >= w->peers || pm->seq != df->seq_seen[pm->from])) {
      tidal_error_set(&e, TIDAL_EPROGRESS,
                      "dataflow %u: progress message %llu from worker %u out of order (expected %llu)",
                      df->index, (unsigned long long)pm->seq, pm->from,
                      (unsigned long long)df->seq_seen[pm->from < w->peers ? pm->from : 0]);
      rc = tidal__worker_fail(w, TIDAL_EPROGRESS, &e);
    }
    if (rc == 0) df->seq_seen[pm->from]++;
    for (size_t k = 0; k < pm->len && rc == 0; k++) {
      rc = tidal_tracker_update(df->tracker, pm->updates[k].loc, &pm->updates[k].time,
                                pm->updates[k].diff, &e);
      if (rc < 0) rc = tidal__worker_fail(w, rc, &e);
    }
    tidal__progress_msg_release(pm);
  }
  memmove(df->fin.items, df->fin.items + n, (df->fin.len - n) * sizeof *df->fin.items);
  df->fin.len -= n;
  if (n) *did = true;
  return rc;
}

static int propagate(tidal_dataflow *df) {
  tidal_error e;
  int rc = tidal_tracker_propagate(df->tracker, &e);
  if (rc < 0) return tidal__worker_fail(df->w, rc, &e);
  tidal_progress_batch *pushed = tidal_tracker_pushed(df->tracker);
  tidal_progress_batch_compact(pushed);
  for (size_t i = 0; i < pushed->len; i++) {
    tidal_location l = pushed->updates[i].loc;
    if (l.node >= 1 && l.node <= df->ops.len) ((tidal__op *)df->ops.items[l.node - 1])->active = true;
  }
  tidal_progress_batch_clear(pushed);
  return 0;
}

/* Demand mode (§3): send when some decrement is at a pointstamp global in this worker's view. */
static bool demand_says_send(tidal_dataflow *df) {
  for (size_t i = 0; i < df->local.len; i++) {
    const tidal_progress_update *u = &df->local.updates[i];
    if (u->diff < 0 && tidal_tracker_is_global(df->tracker, u->loc, &u->time)) return true;
  }
  return false;
}

static int send_progress(tidal_dataflow *df, bool *did) {
  tidal_worker *w = df->w;
  TIDAL_RETURN_IF_ERROR(tidal__df_flush(df));
  tidal_progress_batch_compact(&df->local);
  if (df->local.len == 0) return 0;
  if (w->ex->mode == TIDAL_PROGRESS_DEMAND && !demand_says_send(df)) return 0;
  if (tidal__chaos(w) && tidal__worker_rand(w) % 3 == 0) {
    *did = true; /* hold it for a while: like a slow network */
    return 0;
  }
  tidal__progress_msg *pm = tidal__progress_msg_new(w->alloc, w->index, df->index, df->seq,
                                                    df->local.updates, df->local.len, w->peers);
  tidal_error e;
  if (!pm) {
    tidal_error_set(&e, TIDAL_ENOMEM, "worker %u: out of memory sending progress", w->index);
    return tidal__worker_fail(w, TIDAL_ENOMEM, &e);
  }
  df->seq++;
  w->progress_sent++;
  tidal_progress_batch_clear(&df->local);
  *did = true;
  int rc = 0;
  for (uint32_t v = 0; v < w->peers; v++) {
    tidal__msg m = {TIDAL__MSG_PROGRESS, w->index, df->index, 0, 0, NULL, pm};
    if (tidal__comm_send(w->ex->comm, v, &m) < 0 && rc == 0) {
      tidal_error_set(&e, TIDAL_ENOMEM, "worker %u: out of memory sending progress", w->index);
      rc = tidal__worker_fail(w, TIDAL_ENOMEM, &e);
    }
  }
  return rc;
}

/* ---- the step ------------------------------------------------------------------------------- */

static int step_dataflow(tidal_dataflow *df, bool *did) {
  tidal_worker *w = df->w;
  if (!df->sealed) {
    TIDAL_RETURN_IF_ERROR(seal(df));
    *did = true;
  }
  TIDAL_RETURN_IF_ERROR(apply_progress(df, did));
  TIDAL_RETURN_IF_ERROR(propagate(df));
  for (size_t i = 0; i < df->ops.len; i++) {
    tidal__op *op = df->ops.items[i];
    if (!op->active || op->shut_down) continue;
    if (tidal__chaos(w) && tidal__worker_rand(w) % 4 == 0) {
      *did = true; /* skip it this time; it stays active */
      continue;
    }
    *did = true;
    TIDAL_RETURN_IF_ERROR(tidal__op_run(op));
    if (atomic_load(&w->ex->failed)) return failed_status(w);
  }
  for (size_t i = 0; i < df->channels.len; i++) {
    tidal__channel *ch = df->channels.items[i];
    if (ch->pending) TIDAL_RETURN_IF_ERROR(tidal__channel_flush(ch));
  }
  for (size_t i = 0; i < df->ops.len; i++) {
    tidal__op *op = df->ops.items[i];
    if (!op->shut_down && tidal__op_try_shutdown(op)) *did = true;
  }
  TIDAL_RETURN_IF_ERROR(send_progress(df, did));
  if (df->live_ops == 0 && df->local.len == 0 && df->fin.len == 0 &&
      !tidal_tracker_tracking_anything(df->tracker)) {
    df->complete = true;
    *did = true;
  }
  return 0;
}

static int step(tidal_worker *w, bool *did) {
  *did = false;
  int rc = failed_status(w);
  if (rc < 0) return rc;
  if (w->in_step) return TIDAL_EINVAL; /* called from an operator's logic */
  w->in_step = true;
  if (tidal__chaos(w) && tidal__worker_rand(w) % 8 == 0) sched_yield();
  rc = receive(w, did);
  for (size_t i = 0; i < w->dataflows.len && rc == 0; i++) {
    tidal_dataflow *df = w->dataflows.items[i];
    if (!df->complete) rc = step_dataflow(df, did);
  }
  if (rc == 0) rc = failed_status(w);
  w->in_step = false;
  return rc;
}

int tidal_worker_step(tidal_worker *w) {
  bool did;
  return step(w, &did);
}

int tidal_worker_step_while(tidal_worker *w, tidal_cond_cb cond, void *ud) {
  for (;;) {
    int rc = failed_status(w);
    if (rc < 0) return rc;
    if (!cond(ud)) return 0;
    bool did;
    rc = step(w, &did);
    if (rc < 0) return rc;
    if (!did) {
      if (!cond(ud)) return 0;
      tidal__comm_park(w->ex->comm, w->index);
    }
  }
}

static bool incomplete(void *ud) {
  tidal_worker *w = ud;
  for (size_t i = 0; i < w->dataflows.len; i++)
    if (!((tidal_dataflow *)w->dataflows.items[i])->complete) return true;
  return false;
}

int tidal_worker_run_to_completion(tidal_worker *w) {
  return tidal_worker_step_while(w, incomplete, w);
}

uint64_t tidal__worker_parks(tidal_worker *w) { return tidal__comm_parks(w->ex->comm, w->index); }

uint64_t tidal__worker_progress_sent(tidal_worker *w) { return w->progress_sent; }

const tidal_schema *tidal_stream_schema(const tidal_stream *s) { return s->schema; }
tidal_dataflow *tidal_stream_dataflow(const tidal_stream *s) { return s->df; }
