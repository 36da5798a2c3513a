/*
** count.c: the keyed count operator (tidal/count.h), a generic operator over `(string, i64)`
** batches built with the operator builder.
**
** State per worker: the count table (count_table.h) and the batches held for times not yet
** complete (by reference: no copy). A batch at time t is applied either
**   - at once ("eager") when nothing earlier than t can still arrive (the input frontier is at t),
**     nothing is held and the changed set is empty or t's: RUNNING sends its rows at t right away
**     (while the batch is still in cache), CHANGES adds it to t's changed set; or
**   - when t completes: it is held, the operator asks to be notified at t, and at the
**     notification the batches held for t are applied in arrival order.
** CHANGES emits the changed set at t's notification.
**
** Invariants:
**   - batches are applied in time order, and in arrival order within a time: a batch is applied
**     eagerly only when every earlier time is complete (their notifications, delivered first in
**     each logic call, have applied what was held for them) and nothing is held; so the total
**     emitted with a row at t counts exactly the rows at earlier times and the rows of t before it;
**   - every held batch's time has an outstanding notification request; the changed set only ever
**     holds changes of one time (changes_time), emitted and cleared at that time's notification.
*/
#include "dataflow/count_table.h"
#include "tidal/count.h"

typedef struct pending {
  uint64_t time;      /* the batch's time */
  tidal_batch *batch; /* owned reference */
} pending;

typedef struct count_state {
  tidal__count_table table;     /* the running totals */
  tidal_count_mode mode;        /* what to emit */
  pending *pend;                /* owned: batches waiting for their time to complete */
  size_t npend;                 /* entries in use */
  size_t pend_cap;              /* entries allocated */
  tidal_builder *out;           /* owned: output rows being built, flushed at batch_bytes */
  tidal_schema *schema;         /* owned reference: input and output schema */
  const tidal_allocator *alloc; /* borrowed: the computation's allocator */
  uint64_t changes_time;        /* CHANGES: the time of the table's changed set, if not empty */
  bool ready;                   /* table and builder created (on the first logic call) */
} count_state;

static void count_destroy(void *ud) {
  count_state *st = ud;
  if (!st) return;
  for (size_t i = 0; i < st->npend; i++) tidal_batch_unref(st->pend[i].batch);
  tidal__free(st->alloc, st->pend, st->pend_cap * sizeof *st->pend);
  if (st->ready) tidal__count_table_reset(&st->table);
  tidal_builder_free(st->out);
  tidal_schema_unref(st->schema);
  tidal__free(st->alloc, st, sizeof *st);
}

static int hold(count_state *st, uint64_t t, tidal_batch *b) {
  if (st->npend == st->pend_cap) {
    size_t ncap = st->pend_cap ? st->pend_cap * 2 : 16;
    pending *np = tidal__realloc(st->alloc, st->pend, st->pend_cap * sizeof *np, ncap * sizeof *np);
    if (!np) return TIDAL_ENOMEM;
    st->pend = np;
    st->pend_cap = ncap;
  }
  st->pend[st->npend].time = t;
  st->pend[st->npend].batch = tidal_batch_ref(b);
  st->npend++;
  return 0;
}

/* RUNNING mode, one batch: the output rows are the input's keys (slices copied whole) with the
   running totals, which the table writes straight into the output's i64 slice. */
static int apply_running(count_state *st, tidal_op *op, uint64_t t, const tidal_batch_view *v) {
  size_t n = v->rows;
  if (tidal_builder_rows(st->out) && tidal_builder_bytes(st->out) >= tidal_op_batch_bytes(op))
    TIDAL_RETURN_IF_ERROR(tidal_op_send_builder(op, 0, t, st->out));
  tidal_buffer *bounds = tidal_builder_slice(st->out, 0);
  tidal_buffer *bytes = tidal_builder_slice(st->out, 1);
  tidal_buffer *vals = tidal_builder_slice(st->out, 2);
  const uint64_t *in_ends = v->slices[0].data;
  const uint8_t *in_bytes = v->slices[1].data;
  size_t nbytes = v->slices[1].len;
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bounds, n * 8));
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bytes, nbytes));
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(vals, n * 8));
  /* Totals first: on failure the builder is unchanged. vals->data is 16-aligned and its length a
     multiple of 8, so the pointer is aligned for int64_t. */
  int64_t *totals = (int64_t *)(void *)(vals->data + vals->len);
  TIDAL_RETURN_IF_ERROR(tidal__count_table_add(&st->table, in_ends, 0, in_bytes, n,
                                               v->slices[2].data, totals, false));
  uint64_t base = bytes->len;
  uint64_t *ends = (uint64_t *)(void *)(bounds->data + bounds->len);
  if (base == 0) {
    memcpy(ends, in_ends, n * 8);
  } else {
    for (size_t i = 0; i < n; i++) ends[i] = in_ends[i] + base;
  }
  if (nbytes) memcpy(bytes->data + bytes->len, in_bytes, nbytes);
  bounds->len += n * 8;
  bytes->len += nbytes;
  vals->len += n * 8;
  tidal_builder_add_rows(st->out, n);
  return 0;
}

/* CHANGES mode, after every batch of t was applied: one row per key whose total changed (a key
   whose diffs at t cancel out is skipped). */
static int emit_changes(count_state *st, tidal_op *op, uint64_t t) {
  tidal__count_table *tb = &st->table;
  size_t limit = tidal_op_batch_bytes(op);
  for (size_t i = 0; i < tb->nchanged; i++) {
    size_t e = tb->changed[i], klen;
    if (tb->entries[e].total == tb->changed_old[i]) continue;
    const char *key = tidal__count_table_key(tb, e, &klen);
    TIDAL_RETURN_IF_ERROR(tidal_builder_push_str_i64(st->out, key, klen, tb->entries[e].total));
    if (TIDAL_UNLIKELY((i & 1023) == 1023) && tidal_builder_bytes(st->out) >= limit)
      TIDAL_RETURN_IF_ERROR(tidal_op_send_builder(op, 0, t, st->out));
  }
  tidal__count_table_clear_changed(tb);
  return 0;
}

/* The input frontier has passed t: apply the batches of t in arrival order and emit. */
static int complete(count_state *st, tidal_op *op, uint64_t t, tidal_error *err) {
  /* The changed set can only hold t's changes (applied eagerly): see the eager condition. */
  TIDAL_DCHECK(st->table.nchanged == 0 || st->changes_time == t);
  st->changes_time = t;
  size_t keep = 0;
  int rc = 0;
  for (size_t i = 0; i < st->npend; i++) {
    pending p = st->pend[i];
    if (p.time != t || rc < 0) {
      st->pend[keep++] = p;
      continue;
    }
    TIDAL_DCHECK(p.time >= t);
    const tidal_batch_view *v = tidal_batch_view_of(p.batch);
    if (st->mode == TIDAL_COUNT_RUNNING) {
      rc = apply_running(st, op, t, v);
    } else {
      rc = tidal__count_table_add(&st->table, v->slices[0].data, 0, v->slices[1].data, v->rows,
                                  v->slices[2].data, NULL, true);
    }
    if (rc < 0) {
      st->pend[keep++] = p; /* still owned; released by destroy */
      continue;
    }
    tidal_batch_unref(p.batch);
  }
  st->npend = keep;
  if (rc == 0 && st->mode == TIDAL_COUNT_CHANGES) rc = emit_changes(st, op, t);
  if (rc == 0) rc = tidal_op_send_builder(op, 0, t, st->out);
  if (rc < 0) {
    if (rc == TIDAL_ERANGE) return tidal_error_set(err, rc, "a key is longer than 4 GiB");
    return tidal_error_set(err, rc, "counting the rows of time %llu: %s", (unsigned long long)t,
                           tidal_strerror(rc));
  }
  return 0;
}

/* Apply one batch of time t now (see "eager" in the file comment). RUNNING: its rows go out at t
   at once; CHANGES: its keys join the changed set of t, emitted when t completes. */
static int apply_now(count_state *st, tidal_op *op, uint64_t t, const tidal_batch_view *v) {
  if (st->mode == TIDAL_COUNT_RUNNING) {
    TIDAL_RETURN_IF_ERROR(apply_running(st, op, t, v));
    return tidal_op_send_builder(op, 0, t, st->out);
  }
  TIDAL_RETURN_IF_ERROR(tidal__count_table_add(&st->table, v->slices[0].data, 0, v->slices[1].data,
                                               v->rows, v->slices[2].data, NULL, true));
  st->changes_time = t;
  return 0;
}

static int count_logic(tidal_op *op, void *ud, tidal_error *err) {
  count_state *st = ud;
  if (!st->ready) {
    int rc = tidal__count_table_init(&st->table, st->alloc, 0);
    if (rc < 0) return tidal_error_set(err, rc, "creating the count table: %s", tidal_strerror(rc));
    rc = tidal_builder_new(st->schema, st->alloc, &st->out);
    if (rc < 0) {
      tidal__count_table_reset(&st->table);
      return tidal_error_set(err, rc, "creating the output builder: %s", tidal_strerror(rc));
    }
    st->ready = true;
  }
  uint64_t t;
  tidal_batch *b;
  /* Completed times first, so that what is held for them is applied before newer batches. */
  while (tidal_op_next_notification(op, &t)) TIDAL_RETURN_IF_ERROR(complete(st, op, t, err));
  while (tidal_op_next(op, 0, &t, &b)) {
    if (tidal_batch_rows(b) == 0) continue;
    /* Eager: nothing earlier than t can still arrive, nothing is held, and the changed set (if
       any) is t's; then applying now gives exactly the totals that applying at completion would. */
    bool eager = st->npend == 0 && (t == 0 || !tidal_op_frontier_less_equal(op, 0, t - 1)) &&
                 (st->table.nchanged == 0 || st->changes_time == t);
    int rc;
    if (eager) {
      rc = apply_now(st, op, t, tidal_batch_view_of(b));
      if (rc == 0 && st->mode == TIDAL_COUNT_CHANGES) rc = tidal_op_notify_at(op, t);
      if (rc < 0) {
        if (rc == TIDAL_ERANGE) return tidal_error_set(err, rc, "a key is longer than 4 GiB");
        return tidal_error_set(err, rc, "counting the rows of time %llu: %s",
                               (unsigned long long)t, tidal_strerror(rc));
      }
      continue;
    }
    rc = hold(st, t, b);
    if (rc == 0) rc = tidal_op_notify_at(op, t);
    if (rc < 0) return tidal_error_set(err, rc, "holding a batch of time %llu: %s",
                                       (unsigned long long)t, tidal_strerror(rc));
  }
  while (tidal_op_next_notification(op, &t)) TIDAL_RETURN_IF_ERROR(complete(st, op, t, err));
  return 0;
}

/* True when the schema's root is a pair (tuple or struct) of a string and an i64. */
static bool is_str_i64(const tidal_schema *s) {
  const tidal_type *root = tidal_schema_root(s);
  tidal_kind k = tidal_type_kind(root);
  if ((k != TIDAL_KIND_TUPLE && k != TIDAL_KIND_STRUCT) || tidal_type_child_count(root) != 2)
    return false;
  return tidal_type_kind(tidal_type_child(root, 0)) == TIDAL_KIND_STRING &&
         tidal_type_kind(tidal_type_child(root, 1)) == TIDAL_KIND_I64 &&
         tidal_schema_slice_count(s) == 3;
}

int tidal_count(tidal_stream *in, const char *name, tidal_pact pact, tidal_count_mode mode,
                tidal_stream **out) {
  const tidal_schema *schema = tidal_stream_schema(in);
  if (!is_str_i64(schema)) return TIDAL_EMISMATCH;
  if (pact.kind != TIDAL_PACT_PIPELINE && pact.kind != TIDAL_PACT_EXCHANGE) return TIDAL_EINVAL;
  if (mode != TIDAL_COUNT_CHANGES && mode != TIDAL_COUNT_RUNNING) return TIDAL_EINVAL;
  tidal_dataflow *df = tidal_stream_dataflow(in);
  const tidal_allocator *alloc = tidal_worker_allocator(tidal_dataflow_worker(df));
  tidal_op_builder *b;
  TIDAL_RETURN_IF_ERROR(tidal_op_builder_new(df, name ? name : "count", &b));
  int rc = tidal_op_builder_add_input(b, in, pact, NULL);
  if (rc == 0) rc = tidal_op_builder_add_output(b, schema, out, NULL);
  if (rc < 0) {
    tidal_op_builder_free(b);
    return rc;
  }
  count_state *st = tidal__calloc(alloc, sizeof *st);
  if (!st) {
    tidal_op_builder_free(b);
    return TIDAL_ENOMEM;
  }
  st->alloc = alloc;
  st->mode = mode;
  st->schema = tidal_schema_ref((tidal_schema *)schema);
  return tidal_op_builder_build(b, count_logic, st, count_destroy);
}
