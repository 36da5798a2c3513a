/*
** operator.c: operators: the generic builder, the context the logic callback works with (pulling
** messages, frontiers, capabilities, sending, notifications), running and shutting down.
**
** Invariants (spec §2):
** - Every count change is written into the dataflow's L in the same step as the action it
**   describes: produced counts when a batch is handed to the output (before any channel sees it),
**   consumed counts when a pulled message is released (after the logic processed it), ±1 for
**   every capability minted, downgraded or dropped. L is only sent between operator runs, so
**   a consumption never travels in an earlier batch than the increments it enables.
** - An operator sends or mints at time t only when justified: a current message at a time <= t
**   on a connected input, a held capability (or pending notification) <= t, or a notification
**   being delivered at a time <= t. Anything else is TIDAL_EPROGRESS.
** - Counts are in rows; 0-row batches are never sent, so never counted.
*/
#include "dataflow/dataflow_int.h"

#include <stdio.h>

/* ---- L ------------------------------------------------------------------------------------- */

static int l_fail(tidal_dataflow *df, int rc) {
  tidal_error e;
  tidal_error_set(&e, rc, "worker %u: out of memory recording progress", df->w->index);
  return tidal__worker_fail(df->w, rc, &e);
}

int tidal__df_flush(tidal_dataflow *df) {
  int rc = 0;
  for (size_t i = 0; i < df->nrecent && rc == 0; i++) {
    tidal_progress_update *u = &df->recent[i];
    if (u->diff) rc = tidal_progress_batch_update(&df->local, u->loc, &u->time, u->diff, NULL);
  }
  df->nrecent = 0;
  return rc < 0 ? l_fail(df, rc) : 0;
}

int tidal__df_update(tidal_dataflow *df, tidal_location loc, uint64_t t, int64_t diff) {
  for (size_t i = 0; i < df->nrecent; i++) {
    tidal_progress_update *u = &df->recent[i];
    if (u->time.c[0] == t && u->loc.node == loc.node && u->loc.port == loc.port &&
        u->loc.is_source == loc.is_source) {
      u->diff += diff;
      return 0;
    }
  }
  if (df->nrecent == sizeof df->recent / sizeof df->recent[0])
    TIDAL_RETURN_IF_ERROR(tidal__df_flush(df));
  tidal_progress_update *u = &df->recent[df->nrecent++];
  memset(u, 0, sizeof *u);
  u->loc = loc;
  u->time = tidal_time_u64(t);
  u->diff = diff;
  return 0;
}

/* ---- queues -------------------------------------------------------------------------------- */

static int queue_push(const tidal_allocator *a, tidal__queue *q, uint64_t t, tidal_batch *b) {
  if (q->head == q->len) q->head = q->len = 0;
  if (q->len == q->cap) {
    if (q->head > 0) {
      memmove(q->items, q->items + q->head, (q->len - q->head) * sizeof *q->items);
      q->len -= q->head;
      q->head = 0;
    } else {
      size_t ncap = q->cap ? q->cap * 2 : 8;
      tidal__qmsg *n = tidal__realloc(a, q->items, q->cap * sizeof *n, ncap * sizeof *n);
      if (!n) return TIDAL_ENOMEM;
      q->items = n;
      q->cap = ncap;
    }
  }
  q->items[q->len].time = t;
  q->items[q->len].batch = b;
  q->len++;
  return 0;
}

int tidal__op_enqueue(tidal__op *op, uint32_t input, uint64_t t, tidal_batch *batch) {
  tidal_dataflow *df = op->df;
  if (op->shut_down) {
    /* Cannot happen while progress is sound (its frontier is empty); retire the count anyway. */
    TIDAL_DCHECK(!"message for a shut-down operator");
    int rc = tidal__df_update(df, tidal_location_target(op->node, input), t,
                              -(int64_t)tidal_batch_rows(batch));
    tidal_batch_unref(batch);
    return rc;
  }
  int rc = queue_push(df->w->alloc, &op->inputs[input].queue, t, batch);
  if (rc < 0) {
    tidal_batch_unref(batch);
    tidal_error e;
    tidal_error_set(&e, rc, "worker %u: out of memory queueing a batch for operator '%s'",
                    df->w->index, op->name);
    return tidal__worker_fail(df->w, rc, &e);
  }
  op->active = true;
  return 0;
}

bool tidal__op_peek_time(const tidal__op *op, uint32_t input, uint64_t *t) {
  const tidal__queue *q = &op->inputs[input].queue;
  if (q->head == q->len) return false;
  *t = q->items[q->head].time;
  return true;
}

/* ---- capabilities -------------------------------------------------------------------------- */

static tidal_cap *cap_alloc(tidal__op *op, uint32_t output, uint64_t t) {
  tidal_cap *c = tidal__alloc(op->df->w->alloc, sizeof *c);
  if (!c) return NULL;
  c->op = op;
  c->output = output;
  c->time = t;
  c->prev = NULL;
  c->next = op->caps;
  if (op->caps) op->caps->prev = c;
  op->caps = c;
  op->ncaps++;
  return c;
}

static void cap_unlink(tidal_cap *c) {
  tidal__op *op = c->op;
  if (c->prev) c->prev->next = c->next;
  else op->caps = c->next;
  if (c->next) c->next->prev = c->prev;
  op->ncaps--;
  if (c->output < op->noutputs && op->outputs[c->output].initial == c)
    op->outputs[c->output].initial = NULL;
  tidal__free(op->df->w->alloc, c, sizeof *c);
}

int tidal__cap_new(tidal__op *op, uint32_t output, uint64_t t, tidal_cap **out) {
  int rc = tidal__df_update(op->df, tidal_location_source(op->node, output), t, +1);
  if (rc < 0) return rc;
  tidal_cap *c = cap_alloc(op, output, t);
  if (!c) {
    (void)tidal__df_update(op->df, tidal_location_source(op->node, output), t, -1);
    return TIDAL_ENOMEM;
  }
  *out = c;
  return 0;
}

int tidal_cap_downgrade(tidal_cap *cap, uint64_t t) {
  if (t < cap->time) return TIDAL_EPROGRESS;
  if (t == cap->time) return 0;
  tidal__op *op = cap->op;
  TIDAL_RETURN_IF_ERROR(tidal__df_update(op->df, tidal_location_source(op->node, cap->output), t, +1));
  TIDAL_RETURN_IF_ERROR(
      tidal__df_update(op->df, tidal_location_source(op->node, cap->output), cap->time, -1));
  cap->time = t;
  return 0;
}

void tidal_cap_drop(tidal_cap *cap) {
  if (!cap) return;
  tidal__op *op = cap->op;
  (void)tidal__df_update(op->df, tidal_location_source(op->node, cap->output), cap->time, -1);
  cap_unlink(cap);
}

uint64_t tidal_cap_time(const tidal_cap *cap) { return cap->time; }
uint32_t tidal_cap_output(const tidal_cap *cap) { return cap->output; }

/* Is sending or minting at (output, t) justified (spec §2)? */
static bool justified(const tidal__op *op, uint32_t output, uint64_t t) {
  if (op->has_cur) {
    uint64_t d = op->inputs[op->cur_input].delay[output], least;
    if (d != TIDAL__DISCONNECTED && !__builtin_add_overflow(op->cur_time, d, &least) && least <= t)
      return true;
  }
  if (op->has_notif && op->notif_time <= t) return true;
  if (op->notifs.len && op->notifs.times[0] <= t) return true;
  for (const tidal_cap *c = op->caps; c; c = c->next)
    if (c->output == output && c->time <= t) return true;
  return false;
}

/* Justified on every output (a notification holds a capability on each). An operator without
   outputs mints nothing, so any notification request is harmless for it. */
static bool justified_all(const tidal__op *op, uint64_t t) {
  for (uint32_t o = 0; o < op->noutputs; o++)
    if (!justified(op, o, t)) return false;
  return true;
}

static int unjustified(tidal__op *op, const char *what, uint32_t output, uint64_t t) {
  tidal_error e;
  tidal_error_set(&e, TIDAL_EPROGRESS,
                  "operator '%s' (worker %u) at time %llu: %s on output %u without a capability "
                  "for that time",
                  op->name, op->df->w->index, (unsigned long long)t, what, output);
  return tidal__worker_fail(op->df->w, TIDAL_EPROGRESS, &e);
}

tidal_cap *tidal_op_initial_cap(tidal_op *opp, uint32_t output) {
  tidal__op *op = (tidal__op *)opp;
  if (output >= op->noutputs || op->ran_once) return NULL;
  tidal_cap *c = op->outputs[output].initial;
  op->outputs[output].initial = NULL;
  return c;
}

int tidal_op_cap_retain(tidal_op *opp, uint32_t output, uint64_t t, tidal_cap **cap) {
  tidal__op *op = (tidal__op *)opp;
  if (output >= op->noutputs) return TIDAL_EINVAL;
  if (!justified(op, output, t)) return unjustified(op, "retaining a capability", output, t);
  return tidal__cap_new(op, output, t, cap);
}

/* ---- messages ------------------------------------------------------------------------------ */

static void release_current(tidal__op *op) {
  if (!op->has_cur) return;
  (void)tidal__df_update(op->df, tidal_location_target(op->node, op->cur_input), op->cur_time,
                         -(int64_t)tidal_batch_rows(op->cur_batch));
  tidal_batch_unref(op->cur_batch);
  op->cur_batch = NULL;
  op->has_cur = false;
}

bool tidal_op_next(tidal_op *opp, uint32_t input, uint64_t *time, tidal_batch **batch) {
  tidal__op *op = (tidal__op *)opp;
  release_current(op);
  if (input >= op->ninputs) return false;
  tidal__queue *q = &op->inputs[input].queue;
  if (q->head == q->len) return false;
  tidal__qmsg m = q->items[q->head++];
  op->has_cur = true;
  op->cur_input = input;
  op->cur_time = m.time;
  op->cur_batch = m.batch;
  *time = m.time;
  *batch = m.batch;
  return true;
}

const tidal_antichain *tidal_op_frontier(const tidal_op *opp, uint32_t input) {
  const tidal__op *op = (const tidal__op *)opp;
  return tidal_tracker_target_frontier(op->df->tracker, op->node, input);
}

bool tidal_op_frontier_less_equal(const tidal_op *op, uint32_t input, uint64_t t) {
  const tidal_antichain *f = tidal_op_frontier(op, input);
  tidal_time tt = tidal_time_u64(t);
  return f && tidal_antichain_less_equal(f, &tt);
}

bool tidal_op_frontier_empty(const tidal_op *op, uint32_t input) {
  const tidal_antichain *f = tidal_op_frontier(op, input);
  return !f || f->len == 0;
}

/* ---- sending ------------------------------------------------------------------------------- */

int tidal__op_emit(tidal__op *op, uint32_t output, uint64_t t, tidal_batch *batch, uint32_t hint) {
  if (tidal_batch_rows(batch) == 0) {
    tidal_batch_unref(batch);
    return 0;
  }
  tidal_stream *s = op->outputs[output].stream;
  size_t n = s->channels.len;
  if (n == 0) {
    tidal_batch_unref(batch);
    return 0;
  }
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    tidal_batch *b = i + 1 < n ? tidal_batch_ref(batch) : batch;
    int r = tidal__channel_push(s->channels.items[i], t, b, hint);
    if (r < 0 && rc == 0) rc = r;
  }
  return rc;
}

static int send(tidal__op *op, uint32_t output, uint64_t t, tidal_batch *batch, uint32_t hint) {
  if (output >= op->noutputs || (hint != UINT32_MAX && hint >= op->df->w->peers)) {
    tidal_batch_unref(batch);
    return TIDAL_EINVAL;
  }
  const tidal_schema *want = op->outputs[output].stream->schema;
  const tidal_schema *got = tidal_batch_schema(batch);
  if (got != want && !tidal_schema_equal(got, want)) {
    tidal_batch_unref(batch);
    return TIDAL_EMISMATCH;
  }
  if (!justified(op, output, t)) {
    tidal_batch_unref(batch);
    return unjustified(op, "sending", output, t);
  }
  return tidal__op_emit(op, output, t, batch, hint);
}

int tidal_op_send(tidal_op *op, uint32_t output, uint64_t t, tidal_batch *batch) {
  return send((tidal__op *)op, output, t, batch, UINT32_MAX);
}

int tidal_op_send_partitioned(tidal_op *op, uint32_t output, uint64_t t, uint32_t worker,
                              tidal_batch *batch) {
  return send((tidal__op *)op, output, t, batch, worker);
}

int tidal_op_send_builder(tidal_op *op, uint32_t output, uint64_t t, tidal_builder *b) {
  if (tidal_builder_rows(b) == 0) return 0;
  tidal_batch *batch = NULL;
  TIDAL_RETURN_IF_ERROR(tidal_batch_from_builder(b, &batch));
  return tidal_op_send(op, output, t, batch);
}

/* ---- notifications ------------------------------------------------------------------------- */

int tidal_op_notify_at(tidal_op *opp, uint64_t t) {
  tidal__op *op = (tidal__op *)opp;
  if (!justified_all(op, t)) return unjustified(op, "requesting a notification", 0, t);
  tidal__notifs *n = &op->notifs;
  size_t pos = 0;
  while (pos < n->len && n->times[pos] < t) pos++;
  if (pos < n->len && n->times[pos] == t) return 0;
  if (n->len == n->cap) {
    size_t ncap = n->cap ? n->cap * 2 : 8;
    uint64_t *nt = tidal__realloc(op->df->w->alloc, n->times, n->cap * sizeof *nt, ncap * sizeof *nt);
    if (!nt) return TIDAL_ENOMEM;
    n->times = nt;
    n->cap = ncap;
  }
  memmove(n->times + pos + 1, n->times + pos, (n->len - pos) * sizeof *n->times);
  n->times[pos] = t;
  n->len++;
  for (uint32_t o = 0; o < op->noutputs; o++)
    TIDAL_RETURN_IF_ERROR(tidal__df_update(op->df, tidal_location_source(op->node, o), t, +1));
  return 0;
}

static void end_notification(tidal__op *op) {
  if (!op->has_notif) return;
  for (uint32_t o = 0; o < op->noutputs; o++)
    (void)tidal__df_update(op->df, tidal_location_source(op->node, o), op->notif_time, -1);
  op->has_notif = false;
}

bool tidal_op_next_notification(tidal_op *opp, uint64_t *t) {
  tidal__op *op = (tidal__op *)opp;
  end_notification(op);
  if (op->notifs.len == 0) return false;
  uint64_t first = op->notifs.times[0];
  /* Times are totally ordered at depth 1: if the least is not ready, none is. */
  for (uint32_t i = 0; i < op->ninputs; i++)
    if (tidal_op_frontier_less_equal(opp, i, first)) return false;
  memmove(op->notifs.times, op->notifs.times + 1, (op->notifs.len - 1) * sizeof *op->notifs.times);
  op->notifs.len--;
  op->has_notif = true;
  op->notif_time = first;
  *t = first;
  return true;
}

void tidal_op_activate(tidal_op *opp) { ((tidal__op *)opp)->active = true; }

/* ---- accessors ----------------------------------------------------------------------------- */

const char *tidal_op_name(const tidal_op *op) { return ((const tidal__op *)op)->name; }
uint32_t tidal_op_worker_index(const tidal_op *op) { return ((const tidal__op *)op)->df->w->index; }
uint32_t tidal_op_peers(const tidal_op *op) { return ((const tidal__op *)op)->df->w->peers; }
const tidal_allocator *tidal_op_allocator(const tidal_op *op) {
  return ((const tidal__op *)op)->df->w->alloc;
}
size_t tidal_op_batch_bytes(const tidal_op *op) {
  return ((const tidal__op *)op)->df->w->ex->batch_bytes;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

int tidal__op_new(tidal_dataflow *df, const char *name, tidal__op **out) {
  if (df->sealed) return TIDAL_EINVAL;
  const tidal_allocator *a = df->w->alloc;
  tidal__op *op = tidal__calloc(a, sizeof *op);
  if (!op) return TIDAL_ENOMEM;
  size_t n = strlen(name ? name : "operator");
  op->name = tidal__alloc(a, n + 1);
  if (!op->name || tidal__ptrvec_push(a, &df->ops, op) < 0) {
    tidal__free(a, op->name, n + 1);
    tidal__free(a, op, sizeof *op);
    return TIDAL_ENOMEM;
  }
  memcpy(op->name, name ? name : "operator", n + 1);
  op->name_len = n;
  op->df = df;
  op->node = (uint32_t)df->ops.len;
  *out = op;
  return 0;
}

void tidal__op_free(tidal__op *op) {
  const tidal_allocator *a = op->df->w->alloc;
  if (!op->shut_down && op->destroy) op->destroy(op->ud);
  op->destroy = NULL;
  if (op->cur_batch) tidal_batch_unref(op->cur_batch);
  for (uint32_t i = 0; i < op->ninputs; i++) {
    tidal__queue *q = &op->inputs[i].queue;
    for (size_t k = q->head; k < q->len; k++) tidal_batch_unref(q->items[k].batch);
    tidal__free(a, q->items, q->cap * sizeof *q->items);
    tidal__free(a, op->inputs[i].delay, (op->noutputs ? op->noutputs : 1) * sizeof(uint64_t));
  }
  while (op->caps) {
    tidal_cap *c = op->caps;
    op->caps = c->next;
    tidal__free(a, c, sizeof *c);
  }
  tidal__free(a, op->inputs, op->ninputs * sizeof *op->inputs);
  tidal__free(a, op->outputs, op->noutputs * sizeof *op->outputs);
  tidal__free(a, op->notifs.times, op->notifs.cap * sizeof *op->notifs.times);
  tidal__free(a, op->name, op->name_len + 1);
  tidal__free(a, op, sizeof *op);
}

int tidal__op_run(tidal__op *op) {
  tidal_dataflow *df = op->df;
  op->active = false;
  int rc = 0;
  tidal_error e;
  e.code = 0;
  e.msg[0] = 0;
  if (op->logic) {
    op->in_logic = true;
    rc = op->logic((tidal_op *)op, op->ud, &e);
    op->in_logic = false;
  } else if (!op->is_input) {
    /* An operator whose builder was never built: discard its input. */
    uint64_t t;
    tidal_batch *b;
    for (uint32_t i = 0; i < op->ninputs; i++)
      while (tidal_op_next((tidal_op *)op, i, &t, &b)) {
      }
  }
  bool has_time = op->has_cur || op->has_notif;
  uint64_t t = op->has_cur ? op->cur_time : op->notif_time;
  release_current(op);
  end_notification(op);
  if (!op->ran_once) {
    for (uint32_t o = 0; o < op->noutputs; o++)
      if (op->outputs[o].initial) tidal_cap_drop(op->outputs[o].initial);
    op->ran_once = true;
  }
  if (rc < 0) {
    if (atomic_load(&df->w->ex->failed)) return rc; /* already recorded (or someone else's) */
    if (!e.msg[0]) tidal_error_set(&e, rc, "%s", tidal_strerror(rc));
    e.code = rc;
    if (has_time)
      tidal_error_prefix(&e, "operator '%s' (worker %u) at time %llu: ", op->name, df->w->index,
                         (unsigned long long)t);
    else
      tidal_error_prefix(&e, "operator '%s' (worker %u): ", op->name, df->w->index);
    return tidal__worker_fail(df->w, rc, &e);
  }
  for (uint32_t o = 0; o < op->noutputs; o++) {
    tidal_stream *s = op->outputs[o].stream;
    for (size_t i = 0; i < s->channels.len; i++) {
      tidal__channel *ch = s->channels.items[i];
      if (ch->pending) TIDAL_RETURN_IF_ERROR(tidal__channel_flush(ch));
    }
  }
  return 0;
}

bool tidal__op_try_shutdown(tidal__op *op) {
  if (op->shut_down) return true;
  if (!op->ran_once || op->active || op->ncaps || op->notifs.len) return false;
  for (uint32_t i = 0; i < op->ninputs; i++) {
    const tidal__queue *q = &op->inputs[i].queue;
    if (q->head != q->len) return false;
    if (!tidal_op_frontier_empty((tidal_op *)op, i)) return false;
  }
  op->shut_down = true;
  op->df->live_ops--;
  if (op->destroy) op->destroy(op->ud);
  op->destroy = NULL;
  op->ud = NULL;
  return true;
}

/* ---- the builder --------------------------------------------------------------------------- */

int tidal_op_builder_new(tidal_dataflow *df, const char *name, tidal_op_builder **out) {
  const tidal_allocator *a = df->w->alloc;
  if (df->sealed) return TIDAL_EINVAL;
  tidal_op_builder *b = tidal__calloc(a, sizeof *b);
  if (!b) return TIDAL_ENOMEM;
  int rc = tidal__op_new(df, name, &b->op);
  if (rc < 0) {
    tidal__free(a, b, sizeof *b);
    return rc;
  }
  *out = b;
  return 0;
}

void tidal_op_builder_free(tidal_op_builder *b) {
  if (!b) return;
  const tidal_allocator *a = b->op->df->w->alloc;
  /* The node stays in the graph (node numbers must match across workers) as a discarding
     operator without logic; it gets connectivity flags now. */
  tidal__op *op = b->op;
  for (uint32_t i = 0; i < op->ninputs; i++)
    if (!op->inputs[i].delay)
      op->inputs[i].delay = tidal__calloc(a, (op->noutputs ? op->noutputs : 1) * sizeof(uint64_t));
  tidal__free(a, b->pairs, b->cap * 3 * sizeof *b->pairs);
  tidal__free(a, b, sizeof *b);
}

int tidal_op_builder_add_input(tidal_op_builder *b, tidal_stream *s, tidal_pact pact,
                               uint32_t *index) {
  tidal__op *op = b->op;
  tidal_dataflow *df = op->df;
  const tidal_allocator *a = df->w->alloc;
  if (s->df != df || df->sealed) return TIDAL_EINVAL;
  if (pact.kind != TIDAL_PACT_PIPELINE && pact.kind != TIDAL_PACT_EXCHANGE &&
      pact.kind != TIDAL_PACT_BROADCAST)
    return TIDAL_EINVAL;
  tidal__channel *ch = tidal__calloc(a, sizeof *ch);
  if (!ch) return TIDAL_ENOMEM;
  ch->src = s;
  ch->dst = op;
  ch->dst_input = op->ninputs;
  ch->pact = pact;
  ch->index = (uint32_t)df->channels.len;
  int rc = tidal__channel_init(ch, df, NULL);
  if (rc < 0) {
    tidal__channel_free(ch, a, df->w->peers);
    return rc;
  }
  tidal__input_port *ni = tidal__realloc(a, op->inputs, op->ninputs * sizeof *ni,
                                         (op->ninputs + 1) * sizeof *ni);
  if (!ni) {
    tidal__channel_free(ch, a, df->w->peers);
    return TIDAL_ENOMEM;
  }
  op->inputs = ni;
  if (tidal__ptrvec_push(a, &df->channels, ch) < 0) {
    tidal__channel_free(ch, a, df->w->peers);
    return TIDAL_ENOMEM;
  }
  if (tidal__ptrvec_push(a, &s->channels, ch) < 0) {
    df->channels.len--;
    tidal__channel_free(ch, a, df->w->peers);
    return TIDAL_ENOMEM;
  }
  memset(&op->inputs[op->ninputs], 0, sizeof *op->inputs);
  op->inputs[op->ninputs].channel = ch;
  if (index) *index = op->ninputs;
  op->ninputs++;
  return 0;
}

int tidal_op_builder_add_output(tidal_op_builder *b, const tidal_schema *schema,
                                tidal_stream **stream, uint32_t *index) {
  tidal__op *op = b->op;
  tidal_dataflow *df = op->df;
  const tidal_allocator *a = df->w->alloc;
  if (df->sealed || !schema) return TIDAL_EINVAL;
  tidal_stream *s = tidal__calloc(a, sizeof *s);
  if (!s) return TIDAL_ENOMEM;
  tidal__output_port *no = tidal__realloc(a, op->outputs, op->noutputs * sizeof *no,
                                          (op->noutputs + 1) * sizeof *no);
  if (!no) {
    tidal__free(a, s, sizeof *s);
    return TIDAL_ENOMEM;
  }
  op->outputs = no;
  if (tidal__ptrvec_push(a, &df->streams, s) < 0) {
    tidal__free(a, s, sizeof *s);
    return TIDAL_ENOMEM;
  }
  /* The initial capability: counted directly in the trackers at sealing (+W), not in L. */
  tidal_cap *c = cap_alloc(op, op->noutputs, 0);
  if (!c) {
    df->streams.len--;
    tidal__free(a, s, sizeof *s);
    return TIDAL_ENOMEM;
  }
  s->df = df;
  s->op = op;
  s->output = op->noutputs;
  s->schema = tidal_schema_ref((tidal_schema *)schema);
  op->outputs[op->noutputs].stream = s;
  op->outputs[op->noutputs].initial = c;
  if (index) *index = op->noutputs;
  op->noutputs++;
  if (stream) *stream = s;
  return 0;
}

int tidal_op_builder_set_summary(tidal_op_builder *b, uint32_t input, uint32_t output,
                                 uint64_t delay) {
  if (input >= b->op->ninputs || output >= b->op->noutputs) return TIDAL_EINVAL;
  if (b->npairs == b->cap) {
    const tidal_allocator *a = b->op->df->w->alloc;
    size_t ncap = b->cap ? b->cap * 2 : 4;
    uint64_t *n = tidal__realloc(a, b->pairs, b->cap * 3 * sizeof *n, ncap * 3 * sizeof *n);
    if (!n) return TIDAL_ENOMEM;
    b->pairs = n;
    b->cap = ncap;
  }
  b->pairs[3 * b->npairs] = input;
  b->pairs[3 * b->npairs + 1] = output;
  b->pairs[3 * b->npairs + 2] = delay;
  b->npairs++;
  return 0;
}

int tidal_op_builder_disconnect(tidal_op_builder *b, uint32_t input, uint32_t output) {
  return tidal_op_builder_set_summary(b, input, output, TIDAL_SUMMARY_DISCONNECTED);
}

int tidal_op_builder_build(tidal_op_builder *b, tidal_op_logic_cb logic, void *ud,
                           tidal_op_destroy_cb destroy) {
  tidal__op *op = b->op;
  const tidal_allocator *a = op->df->w->alloc;
  int rc = op->df->sealed ? TIDAL_EINVAL : 0;
  for (uint32_t i = 0; i < op->ninputs && rc == 0; i++) {
    /* Zeroed: every pair connected by the identity summary. */
    op->inputs[i].delay = tidal__calloc(a, (op->noutputs ? op->noutputs : 1) * sizeof(uint64_t));
    if (!op->inputs[i].delay) rc = TIDAL_ENOMEM;
  }
  for (size_t k = 0; k < b->npairs && rc == 0; k++)
    op->inputs[b->pairs[3 * k]].delay[b->pairs[3 * k + 1]] = b->pairs[3 * k + 2];
  tidal_op_builder_free(b);
  if (rc < 0) {
    if (destroy) destroy(ud);
    return rc;
  }
  op->logic = logic;
  op->ud = ud;
  op->destroy = destroy;
  return 0;
}
