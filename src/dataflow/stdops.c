/*
** stdops.c: the standard operators, each an ordinary operator made with the generic builder:
** map / flat_map, filter, inspect, concat, exchange, broadcast, sink, probe and capture.
**
** Invariant: every operator here sends only while the message that caused the output is current
** (so at its time, justified by it), and forwards batches it does not change as the same pointer.
*/
#include "dataflow/dataflow_int.h"

/* ---- map / flat_map / filter ----------------------------------------------------------------- */

typedef struct map_state {
  const tidal_allocator *alloc;
  tidal_map_cb map;
  tidal_filter_cb filter;
  void *ud;
  tidal_builder *out;     /* output rows not yet sent (all at one time) */
  uint8_t *keep;          /* filter: flags per row */
  uint32_t *rows;         /* filter: kept row indices */
  size_t scratch_cap;
} map_state;

static void map_destroy(void *p) {
  map_state *m = p;
  if (!m) return;
  tidal_builder_free(m->out);
  tidal__free(m->alloc, m->keep, m->scratch_cap);
  tidal__free(m->alloc, m->rows, m->scratch_cap * sizeof *m->rows);
  tidal__free(m->alloc, m, sizeof *m);
}

/* Send the pending rows at t unless the next queued message is at t too and there is room. */
static int maybe_flush(tidal_op *op, map_state *m, uint64_t t) {
  if (tidal_builder_rows(m->out) == 0) return 0;
  uint64_t next;
  if (tidal__op_peek_time((tidal__op *)op, 0, &next) && next == t &&
      tidal_builder_bytes(m->out) < tidal_op_batch_bytes(op))
    return 0;
  return tidal_op_send_builder(op, 0, t, m->out);
}

static int map_logic(tidal_op *op, void *p, tidal_error *err) {
  map_state *m = p;
  uint64_t t;
  tidal_batch *b;
  while (tidal_op_next(op, 0, &t, &b)) {
    const tidal_batch_view *v = tidal_batch_view_of(b);
    TIDAL_RETURN_IF_ERROR(m->map(m->ud, t, v, m->out, err));
    TIDAL_RETURN_IF_ERROR(maybe_flush(op, m, t));
  }
  return 0;
}

static int filter_logic(tidal_op *op, void *p, tidal_error *err) {
  map_state *m = p;
  uint64_t t;
  tidal_batch *b;
  while (tidal_op_next(op, 0, &t, &b)) {
    const tidal_batch_view *v = tidal_batch_view_of(b);
    size_t rows = v->rows;
    if (rows > UINT32_MAX) return tidal_error_set(err, TIDAL_ERANGE, "batch too large");
    if (rows > m->scratch_cap) {
      size_t ncap = m->scratch_cap ? m->scratch_cap : 1024;
      while (ncap < rows) ncap *= 2;
      uint8_t *k = tidal__alloc(m->alloc, ncap);
      uint32_t *r = tidal__alloc(m->alloc, ncap * sizeof *r);
      if (!k || !r) {
        tidal__free(m->alloc, k, ncap);
        tidal__free(m->alloc, r, ncap * sizeof *r);
        return TIDAL_ENOMEM;
      }
      tidal__free(m->alloc, m->keep, m->scratch_cap);
      tidal__free(m->alloc, m->rows, m->scratch_cap * sizeof *m->rows);
      m->keep = k;
      m->rows = r;
      m->scratch_cap = ncap;
    }
    memset(m->keep, 0, rows);
    TIDAL_RETURN_IF_ERROR(m->filter(m->ud, t, v, m->keep, err));
    size_t n = 0;
    for (size_t r = 0; r < rows; r++)
      if (m->keep[r]) m->rows[n++] = (uint32_t)r;
    if (n == rows && tidal_builder_rows(m->out) == 0) {
      TIDAL_RETURN_IF_ERROR(tidal_op_send(op, 0, t, tidal_batch_ref(b)));
      continue;
    }
    if (n) TIDAL_RETURN_IF_ERROR(tidal_builder_push_rows(m->out, v, m->rows, n));
    TIDAL_RETURN_IF_ERROR(maybe_flush(op, m, t));
  }
  return 0;
}

static int build_map(tidal_stream *in, const char *name, const tidal_schema *out_schema,
                     tidal_map_cb map, tidal_filter_cb filter, void *ud, tidal_stream **out) {
  if (!in || (!map && !filter) || !out_schema) return TIDAL_EINVAL;
  const tidal_allocator *a = in->df->w->alloc;
  map_state *m = tidal__calloc(a, sizeof *m);
  if (!m) return TIDAL_ENOMEM;
  m->alloc = a;
  m->map = map;
  m->filter = filter;
  m->ud = ud;
  int rc = tidal_builder_new(out_schema, a, &m->out);
  if (rc < 0) {
    map_destroy(m);
    return rc;
  }
  tidal_op_builder *b = NULL;
  rc = tidal_op_builder_new(in->df, name, &b);
  if (rc < 0) {
    map_destroy(m);
    return rc;
  }
  rc = tidal_op_builder_add_input(b, in, tidal_pact_pipeline(), NULL);
  if (rc == 0) rc = tidal_op_builder_add_output(b, out_schema, out, NULL);
  if (rc < 0) {
    tidal_op_builder_free(b);
    map_destroy(m);
    return rc;
  }
  return tidal_op_builder_build(b, map ? map_logic : filter_logic, m, map_destroy);
}

int tidal_map(tidal_stream *in, const char *name, const tidal_schema *out_schema, tidal_map_cb cb,
              void *ud, tidal_stream **out) {
  return build_map(in, name ? name : "map", out_schema, cb, NULL, ud, out);
}

int tidal_flat_map(tidal_stream *in, const char *name, const tidal_schema *out_schema,
                   tidal_map_cb cb, void *ud, tidal_stream **out) {
  return build_map(in, name ? name : "flat_map", out_schema, cb, NULL, ud, out);
}

int tidal_filter(tidal_stream *in, const char *name, tidal_filter_cb cb, void *ud,
                 tidal_stream **out) {
  if (!in || !cb) return TIDAL_EINVAL;
  return build_map(in, name ? name : "filter", in->schema, NULL, cb, ud, out);
}

/* ---- forwarding operators: inspect, concat, exchange, broadcast, sink, probe, capture -------- */

typedef struct fwd_state {
  const tidal_allocator *alloc;
  tidal_inspect_cb cb;   /* may be NULL */
  void *ud;
  tidal_capture *capture; /* capture only */
} fwd_state;

static void fwd_destroy(void *p) {
  fwd_state *f = p;
  if (f) tidal__free(f->alloc, f, sizeof *f);
}

static int capture_push(tidal_capture *c, uint64_t t, uint32_t worker, tidal_batch *b);

static int fwd_logic(tidal_op *opp, void *p, tidal_error *err) {
  tidal__op *op = (tidal__op *)opp;
  fwd_state *f = p;
  uint64_t t;
  tidal_batch *b;
  for (uint32_t i = 0; i < op->ninputs; i++) {
    while (tidal_op_next(opp, i, &t, &b)) {
      if (f && f->cb) TIDAL_RETURN_IF_ERROR(f->cb(f->ud, t, b, err));
      if (f && f->capture) TIDAL_RETURN_IF_ERROR(capture_push(f->capture, t, op->df->w->index, b));
      if (op->noutputs) TIDAL_RETURN_IF_ERROR(tidal_op_send(opp, 0, t, tidal_batch_ref(b)));
    }
  }
  return 0;
}

/* An operator reading `n` streams through `pact`, with 0 or 1 output of the first's schema. */
static int build_fwd(tidal_stream *const *in, size_t n, tidal_pact pact, const char *name,
                     bool output, tidal_inspect_cb cb, void *ud, tidal_capture *cap,
                     tidal_op **op_out, tidal_stream **out) {
  if (!in || n == 0 || !in[0]) return TIDAL_EINVAL;
  tidal_dataflow *df = in[0]->df;
  for (size_t i = 1; i < n; i++) {
    if (!in[i] || in[i]->df != df) return TIDAL_EINVAL;
    if (!tidal_schema_equal(in[i]->schema, in[0]->schema)) return TIDAL_EMISMATCH;
  }
  const tidal_allocator *a = df->w->alloc;
  fwd_state *f = NULL;
  if (cb || cap) {
    f = tidal__calloc(a, sizeof *f);
    if (!f) return TIDAL_ENOMEM;
    f->alloc = a;
    f->cb = cb;
    f->ud = ud;
    f->capture = cap;
  }
  tidal_op_builder *b = NULL;
  int rc = tidal_op_builder_new(df, name, &b);
  if (rc < 0) {
    fwd_destroy(f);
    return rc;
  }
  for (size_t i = 0; i < n && rc == 0; i++) rc = tidal_op_builder_add_input(b, in[i], pact, NULL);
  if (rc == 0 && output) rc = tidal_op_builder_add_output(b, in[0]->schema, out, NULL);
  if (rc < 0) {
    tidal_op_builder_free(b);
    fwd_destroy(f);
    return rc;
  }
  if (op_out) *op_out = b->op;
  return tidal_op_builder_build(b, fwd_logic, f, f ? fwd_destroy : NULL);
}

int tidal_inspect(tidal_stream *in, const char *name, tidal_inspect_cb cb, void *ud,
                  tidal_stream **out) {
  if (!cb) return TIDAL_EINVAL;
  return build_fwd(&in, 1, tidal_pact_pipeline(), name ? name : "inspect", true, cb, ud, NULL,
                   NULL, out);
}

int tidal_concat(tidal_stream *const *streams, size_t n, tidal_stream **out) {
  return build_fwd(streams, n, tidal_pact_pipeline(), "concat", true, NULL, NULL, NULL, NULL, out);
}

int tidal_exchange(tidal_stream *in, tidal_pact pact, tidal_stream **out) {
  if (pact.kind != TIDAL_PACT_EXCHANGE) return TIDAL_EINVAL;
  return build_fwd(&in, 1, pact, "exchange", true, NULL, NULL, NULL, NULL, out);
}

int tidal_broadcast(tidal_stream *in, tidal_stream **out) {
  return build_fwd(&in, 1, tidal_pact_broadcast(), "broadcast", true, NULL, NULL, NULL, NULL, out);
}

int tidal_sink(tidal_stream *in, const char *name, tidal_inspect_cb cb, void *ud) {
  return build_fwd(&in, 1, tidal_pact_pipeline(), name ? name : "sink", false, cb, ud, NULL, NULL,
                   NULL);
}

/* ---- probes --------------------------------------------------------------------------------- */

int tidal_probe_new(tidal_stream *s, tidal_probe **out) {
  if (!s) return TIDAL_EINVAL;
  tidal_dataflow *df = s->df;
  const tidal_allocator *a = df->w->alloc;
  if (df->sealed) return TIDAL_EINVAL;
  tidal_probe *p = tidal__calloc(a, sizeof *p);
  if (!p) return TIDAL_ENOMEM;
  if (tidal__ptrvec_push(a, &df->probes, p) < 0) {
    tidal__free(a, p, sizeof *p);
    return TIDAL_ENOMEM;
  }
  tidal_op *op = NULL;
  int rc = build_fwd(&s, 1, tidal_pact_pipeline(), "probe", false, NULL, NULL, NULL, &op, NULL);
  if (rc < 0) {
    df->probes.len--;
    tidal__free(a, p, sizeof *p);
    return rc;
  }
  p->op = op;
  *out = p;
  return 0;
}

/* The probe's frontier vs t: before sealing the frontier is {0}. */
static bool probe_cmp(const tidal_probe *p, uint64_t t, bool strict) {
  const tidal__op *op = p->op;
  if (!op->df->sealed) return strict ? t > 0 : true;
  const tidal_antichain *f = tidal_tracker_target_frontier(op->df->tracker, op->node, 0);
  if (!f) return false;
  tidal_time tt = tidal_time_u64(t);
  return strict ? tidal_antichain_less_than(f, &tt) : tidal_antichain_less_equal(f, &tt);
}

bool tidal_probe_less_than(const tidal_probe *p, uint64_t t) { return probe_cmp(p, t, true); }
bool tidal_probe_less_equal(const tidal_probe *p, uint64_t t) { return probe_cmp(p, t, false); }
bool tidal_probe_done(const tidal_probe *p) {
  const tidal__op *op = p->op;
  if (!op->df->sealed) return false;
  const tidal_antichain *f = tidal_tracker_target_frontier(op->df->tracker, op->node, 0);
  return !f || f->len == 0;
}

typedef struct probe_wait {
  const tidal_probe *p;
  uint64_t t;
} probe_wait;

static bool probe_wait_cond(void *ud) {
  probe_wait *pw = ud;
  return tidal_probe_less_than(pw->p, pw->t);
}

int tidal_worker_step_until(tidal_worker *w, const tidal_probe *p, uint64_t t) {
  probe_wait pw = {p, t};
  return tidal_worker_step_while(w, probe_wait_cond, &pw);
}

/* ---- capture -------------------------------------------------------------------------------- */

typedef struct capture_entry {
  uint64_t time;
  uint32_t worker;
  tidal_batch *batch; /* owned reference */
} capture_entry;

struct tidal_capture {
  const tidal_allocator *alloc; /* immutable */
  pthread_mutex_t lock;         /* guards the fields below */
  capture_entry *items;         /* lock */
  size_t len, cap;              /* lock */
  uint64_t rows;                /* lock */
};

int tidal_capture_new(const tidal_allocator *alloc, tidal_capture **out) {
  const tidal_allocator *a = tidal__allocator_or_default(alloc);
  tidal_capture *c = tidal__calloc(a, sizeof *c);
  if (!c) return TIDAL_ENOMEM;
  c->alloc = a;
  pthread_mutex_init(&c->lock, NULL);
  *out = c;
  return 0;
}

void tidal_capture_free(tidal_capture *c) {
  if (!c) return;
  for (size_t i = 0; i < c->len; i++) tidal_batch_unref(c->items[i].batch);
  tidal__free(c->alloc, c->items, c->cap * sizeof *c->items);
  pthread_mutex_destroy(&c->lock);
  tidal__free(c->alloc, c, sizeof *c);
}

static int capture_push(tidal_capture *c, uint64_t t, uint32_t worker, tidal_batch *b) {
  int rc = 0;
  pthread_mutex_lock(&c->lock);
  if (c->len == c->cap) {
    size_t ncap = c->cap ? c->cap * 2 : 16;
    capture_entry *n = tidal__realloc(c->alloc, c->items, c->cap * sizeof *n, ncap * sizeof *n);
    if (!n) rc = TIDAL_ENOMEM;
    else {
      c->items = n;
      c->cap = ncap;
    }
  }
  if (rc == 0) {
    c->items[c->len].time = t;
    c->items[c->len].worker = worker;
    c->items[c->len].batch = tidal_batch_ref(b);
    c->len++;
    c->rows += tidal_batch_rows(b);
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

int tidal_capture_attach(tidal_stream *s, tidal_capture *c) {
  if (!s || !c) return TIDAL_EINVAL;
  return build_fwd(&s, 1, tidal_pact_pipeline(), "capture", false, NULL, NULL, c, NULL, NULL);
}

size_t tidal_capture_len(tidal_capture *c) {
  pthread_mutex_lock(&c->lock);
  size_t n = c->len;
  pthread_mutex_unlock(&c->lock);
  return n;
}

int tidal_capture_get(tidal_capture *c, size_t i, uint64_t *time, uint32_t *worker,
                      const tidal_batch **batch) {
  int rc = TIDAL_ERANGE;
  pthread_mutex_lock(&c->lock);
  if (i < c->len) {
    if (time) *time = c->items[i].time;
    if (worker) *worker = c->items[i].worker;
    if (batch) *batch = c->items[i].batch;
    rc = 0;
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

uint64_t tidal_capture_rows(tidal_capture *c) {
  pthread_mutex_lock(&c->lock);
  uint64_t n = c->rows;
  pthread_mutex_unlock(&c->lock);
  return n;
}
