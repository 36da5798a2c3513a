// ctest-labels: threads
/* dataflow_basic_test.c: the engine end to end: pipelines (zero copy), map/filter, exchange,
   broadcast, capture, notifications, errors that stop every worker, several dataflows and
   computations, idle parking, OOM. */
#include "harness/test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

uint64_t tidal__worker_parks(tidal_worker *w); /* internal, for the parking test */

static tidal_schema *parse(const char *text) {
  tidal_schema *s = NULL;
  CHECK_OK(tidal_schema_parse(text, strlen(text), NULL, &s, NULL));
  return s;
}

/* A batch of (u64, u64) rows (a[i], b[i]). */
static tidal_batch *pairs(const tidal_schema *s, const uint64_t *a, const uint64_t *b, size_t n) {
  tidal_builder *bl = NULL;
  CHECK_OK(tidal_builder_new(s, NULL, &bl));
  for (size_t i = 0; i < n; i++) {
    CHECK_OK(tidal_builder_push_u64(bl, a[i]));
    CHECK_OK(tidal_builder_push_u64(bl, b[i]));
  }
  tidal_batch *out = NULL;
  CHECK_OK(tidal_batch_from_builder(bl, &out));
  tidal_builder_free(bl);
  return out;
}

static uint64_t col(const tidal_batch *b, size_t k, size_t row) {
  const tidal_batch_view *v = tidal_batch_view_of(b);
  return ((const uint64_t *)tidal_view_slice(v, k).data)[row];
}

static tidal_config cfg_of(uint32_t w) {
  tidal_config c;
  tidal_config_init(&c);
  c.workers = w;
  return c;
}

/* ---- pipeline zero copy -------------------------------------------------------------------- */

typedef struct zc {
  tidal_schema *s;
  tidal_batch *sent;        /* the batch the input got */
  const tidal_batch *seen;  /* the batch inspect saw */
  tidal_capture *cap;
} zc;

static int zc_inspect(void *ud, uint64_t t, const tidal_batch *b, tidal_error *err) {
  (void)err;
  zc *z = ud;
  CHECK_EQ_U64(t, 5);
  z->seen = b;
  return 0;
}

static int zc_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  zc *z = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *s2;
  tidal_probe *p;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, z->s, &in, &s));
  CHECK_OK(tidal_inspect(s, "look", zc_inspect, z, &s2));
  CHECK_OK(tidal_capture_attach(s2, z->cap));
  CHECK_OK(tidal_probe_new(s2, &p));
  CHECK(tidal_probe_less_than(p, 1));
  CHECK(!tidal_probe_done(p));
  CHECK_OK(tidal_input_advance_to(in, 5));
  CHECK_ERR(tidal_input_advance_to(in, 4), TIDAL_EINVAL);
  uint64_t a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
  z->sent = pairs(z->s, a, b, 3);
  CHECK_OK(tidal_input_send(in, tidal_batch_ref(z->sent)));
  CHECK_OK(tidal_input_advance_to(in, 6));
  CHECK_OK(tidal_worker_step_until(w, p, 6));
  CHECK(!tidal_probe_less_than(p, 6));
  CHECK(tidal_probe_less_equal(p, 6));
  tidal_input_close(in);
  CHECK_ERR(tidal_input_send(in, pairs(z->s, a, b, 1)), TIDAL_EPIPE);
  CHECK_OK(tidal_worker_run_to_completion(w));
  CHECK(tidal_probe_done(p));
  CHECK(tidal_dataflow_complete(df));
  return 0;
}

TEST(pipeline_is_zero_copy) {
  zc z = {parse("(u64, u64)"), NULL, NULL, NULL};
  CHECK_OK(tidal_capture_new(NULL, &z.cap));
  tidal_config c = cfg_of(1);
  tidal_error e;
  CHECK_OK(tidal_execute(&c, zc_build, &z, &e));
  CHECK(z.seen == z.sent);
  CHECK_EQ_INT(tidal_capture_len(z.cap), 1);
  const tidal_batch *got;
  uint64_t t;
  uint32_t wk;
  CHECK_OK(tidal_capture_get(z.cap, 0, &t, &wk, &got));
  CHECK(got == z.sent);
  CHECK_EQ_U64(t, 5);
  CHECK_EQ_INT(wk, 0);
  tidal_batch_unref(z.sent);
  tidal_capture_free(z.cap);
  tidal_schema_unref(z.s);
}

/* ---- map / filter / capture for W = 1..4 --------------------------------------------------- */

typedef struct mf {
  tidal_schema *s;
  tidal_capture *cap;
  uint32_t epochs, rows;
} mf;

static int double_it(void *ud, uint64_t t, const tidal_batch_view *in, tidal_builder *out,
                     tidal_error *err) {
  (void)ud;
  (void)err;
  const uint64_t *a = tidal_view_slice(in, 0).data, *b = tidal_view_slice(in, 1).data;
  for (size_t r = 0; r < in->rows; r++) {
    TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(out, a[r] * 2));
    TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(out, b[r] + t));
  }
  return 0;
}

static int keep_mult3(void *ud, uint64_t t, const tidal_batch_view *in, uint8_t *keep,
                      tidal_error *err) {
  (void)ud;
  (void)t;
  (void)err;
  const uint64_t *a = tidal_view_slice(in, 0).data;
  for (size_t r = 0; r < in->rows; r++) keep[r] = a[r] % 3 == 0;
  return 0;
}

static int mf_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  mf *m = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *s1, *s2;
  tidal_probe *p;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, m->s, &in, &s));
  CHECK_OK(tidal_map(s, "double", m->s, double_it, NULL, &s1));
  CHECK_OK(tidal_filter(s1, "mult3", keep_mult3, NULL, &s2));
  CHECK_OK(tidal_capture_attach(s2, m->cap));
  CHECK_OK(tidal_probe_new(s2, &p));
  uint32_t me = tidal_worker_index(w);
  for (uint32_t e = 0; e < m->epochs; e++) {
    uint64_t a[64], b[64];
    for (uint32_t r = 0; r < m->rows; r++) {
      a[r] = (uint64_t)me * 1000000 + e * 1000 + r;
      b[r] = me;
    }
    CHECK_OK(tidal_input_send(in, pairs(m->s, a, b, m->rows)));
    CHECK_OK(tidal_input_advance_to(in, e + 1));
    if (e % 2) CHECK_OK(tidal_worker_step_until(w, p, e + 1));
  }
  return 0; /* the engine closes the input and drains */
}

TEST(map_filter_capture_w1_to_4) {
  for (uint32_t W = 1; W <= 4; W++) {
    mf m = {parse("(u64, u64)"), NULL, 5, 50};
    CHECK_OK(tidal_capture_new(NULL, &m.cap));
    tidal_config c = cfg_of(W);
    c.batch_bytes = 256; /* several output batches per input batch */
    tidal_error e;
    CHECK_OK(tidal_execute(&c, mf_build, &m, &e));
    /* Expected: for every worker, epoch, row with (2a) % 3 == 0: (2a, w + epoch) at epoch. */
    uint64_t expect = 0, got = 0;
    for (uint32_t wk = 0; wk < W; wk++)
      for (uint32_t ep = 0; ep < m.epochs; ep++)
        for (uint32_t r = 0; r < m.rows; r++)
          if ((((uint64_t)wk * 1000000 + ep * 1000 + r) * 2) % 3 == 0) expect++;
    for (size_t i = 0; i < tidal_capture_len(m.cap); i++) {
      uint64_t t;
      uint32_t wk;
      const tidal_batch *b;
      CHECK_OK(tidal_capture_get(m.cap, i, &t, &wk, &b));
      for (size_t r = 0; r < tidal_batch_rows(b); r++) {
        uint64_t a = col(b, 0, r), bb = col(b, 1, r);
        CHECK(a % 3 == 0);
        uint64_t orig = a / 2;
        CHECK_EQ_U64(orig / 1000000, wk); /* pipelined: stays on its worker */
        CHECK_EQ_U64((orig % 1000000) / 1000, t);
        CHECK_EQ_U64(bb, wk + t);
        got++;
      }
    }
    CHECK_EQ_U64(got, expect);
    CHECK_EQ_U64(tidal_capture_rows(m.cap), expect);
    tidal_capture_free(m.cap);
    tidal_schema_unref(m.s);
  }
}

/* ---- exchange ------------------------------------------------------------------------------ */

typedef struct ex {
  tidal_schema *s;
  tidal_capture *cap;
  uint32_t n;           /* rows per worker per epoch */
  atomic_int wrong;     /* rows that reached the wrong worker */
  bool by_fn;
} ex;

static void hash_first(void *ud, const tidal_batch_view *v, uint64_t *h) {
  (void)ud;
  const uint64_t *a = tidal_view_slice(v, 0).data;
  for (size_t r = 0; r < v->rows; r++) h[r] = a[r] * 0x9e3779b97f4a7c15ull;
}

static uint32_t target_of(const ex *x, uint64_t key, uint32_t W) {
  uint64_t h = x->by_fn ? key * 0x9e3779b97f4a7c15ull : XXH3_64bits(&key, 8);
  return (uint32_t)(((unsigned __int128)h * W) >> 64);
}

typedef struct ex_check {
  ex *x;
  uint32_t me, W;
} ex_check;

static int ex_inspect(void *ud, uint64_t t, const tidal_batch *b, tidal_error *err) {
  (void)t;
  (void)err;
  ex_check *c = ud;
  for (size_t r = 0; r < tidal_batch_rows(b); r++)
    if (target_of(c->x, col(b, 0, r), c->W) != c->me) atomic_fetch_add(&c->x->wrong, 1);
  return 0;
}

static int ex_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  ex *x = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *s1, *s2;
  ex_check *chk = malloc(sizeof *chk);
  chk->x = x;
  chk->me = tidal_worker_index(w);
  chk->W = tidal_worker_peers(w);
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, x->s, &in, &s));
  tidal_pact pact = x->by_fn ? tidal_pact_exchange_fn(hash_first, NULL) : tidal_pact_exchange_field(0);
  CHECK_OK(tidal_exchange(s, pact, &s1));
  CHECK_OK(tidal_inspect(s1, "where", ex_inspect, chk, &s2));
  CHECK_OK(tidal_capture_attach(s2, x->cap));
  for (uint32_t e = 0; e < 3; e++) {
    uint64_t a[1000], b[1000];
    for (uint32_t r = 0; r < x->n; r++) {
      a[r] = ((uint64_t)chk->me << 32) | (e * 1000 + r);
      b[r] = e;
    }
    /* Two batches per epoch, one of them a single row. */
    CHECK_OK(tidal_input_send(in, pairs(x->s, a, b, x->n - 1)));
    CHECK_OK(tidal_input_send(in, pairs(x->s, a + x->n - 1, b + x->n - 1, 1)));
    CHECK_OK(tidal_input_advance_to(in, e + 1));
    CHECK_OK(tidal_worker_step(w));
  }
  tidal_input_close(in);
  int rc = tidal_worker_run_to_completion(w);
  free(chk);
  return rc;
}

TEST(exchange_every_row_once_at_its_worker) {
  for (int by_fn = 0; by_fn < 2; by_fn++)
    for (uint32_t W = 1; W <= 4; W++) {
      ex x;
      memset(&x, 0, sizeof x);
      x.s = parse("(u64, u64)");
      x.n = 700;
      x.by_fn = by_fn;
      CHECK_OK(tidal_capture_new(NULL, &x.cap));
      tidal_config c = cfg_of(W);
      c.batch_bytes = 1024;
      tidal_error e;
      CHECK_OK(tidal_execute(&c, ex_build, &x, &e));
      CHECK_EQ_INT(atomic_load(&x.wrong), 0);
      /* Every (worker, epoch, row) key exactly once, at its time (= column 1). */
      size_t total = (size_t)W * 3 * x.n;
      uint8_t *seen = calloc(total, 1);
      for (size_t i = 0; i < tidal_capture_len(x.cap); i++) {
        uint64_t t;
        uint32_t wk;
        const tidal_batch *b;
        CHECK_OK(tidal_capture_get(x.cap, i, &t, &wk, &b));
        for (size_t r = 0; r < tidal_batch_rows(b); r++) {
          uint64_t key = col(b, 0, r), src = key >> 32, low = key & 0xffffffffu;
          CHECK_EQ_U64(col(b, 1, r), t);
          CHECK_EQ_INT(target_of(&x, key, W), wk);
          size_t idx = (src * 3 + low / 1000) * x.n + low % 1000;
          CHECK(idx < total);
          CHECK(!seen[idx]);
          seen[idx] = 1;
        }
      }
      for (size_t i = 0; i < total; i++) CHECK(seen[i]);
      free(seen);
      tidal_capture_free(x.cap);
      tidal_schema_unref(x.s);
    }
}

static int bad_field_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  tidal_schema *s = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *st, *out;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, s, &in, &st));
  CHECK_ERR(tidal_exchange(st, tidal_pact_exchange_field(0), &out), TIDAL_EINVAL); /* vec<u8> */
  CHECK_ERR(tidal_exchange(st, tidal_pact_exchange_field(2), &out), TIDAL_EINVAL); /* no field */
  CHECK_ERR(tidal_exchange(st, tidal_pact_broadcast(), &out), TIDAL_EINVAL);       /* not exchange */
  CHECK_OK(tidal_exchange(st, tidal_pact_exchange_field(1), &out));
  return 0;
}

TEST(exchange_field_must_be_hashable) {
  tidal_schema *s = parse("(vec<u8>, u64)");
  tidal_config c = cfg_of(2);
  tidal_error e;
  CHECK_OK(tidal_execute(&c, bad_field_build, s, &e));
  tidal_schema_unref(s);
}

/* ---- broadcast ----------------------------------------------------------------------------- */

typedef struct bc {
  tidal_schema *s;
  tidal_capture *cap;
} bc;

static int bc_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  bc *b = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *s1;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, b->s, &in, &s));
  CHECK_OK(tidal_broadcast(s, &s1));
  CHECK_OK(tidal_capture_attach(s1, b->cap));
  uint64_t me = tidal_worker_index(w), a[2] = {me, me + 100}, t[2] = {7, 7};
  CHECK_OK(tidal_input_advance_to(in, 7));
  CHECK_OK(tidal_input_send(in, pairs(b->s, a, t, 2)));
  return 0;
}

TEST(broadcast_reaches_every_worker) {
  for (uint32_t W = 1; W <= 4; W++) {
    bc b = {parse("(u64, u64)"), NULL};
    CHECK_OK(tidal_capture_new(NULL, &b.cap));
    tidal_config c = cfg_of(W);
    tidal_error e;
    CHECK_OK(tidal_execute(&c, bc_build, &b, &e));
    CHECK_EQ_INT(tidal_capture_len(b.cap), (size_t)W * W);
    /* seen[receiver][sender] */
    int seen[4][4] = {{0}};
    const tidal_batch *first[4] = {0};
    for (size_t i = 0; i < tidal_capture_len(b.cap); i++) {
      uint64_t t;
      uint32_t wk;
      const tidal_batch *bt;
      CHECK_OK(tidal_capture_get(b.cap, i, &t, &wk, &bt));
      CHECK_EQ_U64(t, 7);
      CHECK_EQ_INT(tidal_batch_rows(bt), 2);
      uint64_t sender = col(bt, 0, 0);
      CHECK_EQ_U64(col(bt, 0, 1), sender + 100);
      seen[wk][sender]++;
      /* Every receiver holds the very same batch (shared reference, no copy). */
      if (!first[sender]) first[sender] = bt;
      CHECK(first[sender] == bt);
    }
    for (uint32_t r = 0; r < W; r++)
      for (uint32_t s = 0; s < W; s++) CHECK_EQ_INT(seen[r][s], 1);
    tidal_capture_free(b.cap);
    tidal_schema_unref(b.s);
  }
}

/* ---- a custom operator: counts per time with notifications --------------------------------- */

typedef struct counter {
  tidal_schema *s;
  uint64_t counts[16];    /* rows per time seen so far, per worker instance */
  tidal_builder *out;
} counter;

static int count_logic(tidal_op *op, void *ud, tidal_error *err) {
  counter *c = ud;
  uint64_t t;
  tidal_batch *b;
  while (tidal_op_next(op, 0, &t, &b)) {
    if (!tidal_op_frontier_less_equal(op, 0, t))
      return tidal_error_set(err, TIDAL_EPROGRESS, "batch at %llu after the frontier passed it",
                             (unsigned long long)t);
    c->counts[t] += tidal_batch_rows(b);
    TIDAL_RETURN_IF_ERROR(tidal_op_notify_at(op, t));
  }
  while (tidal_op_next_notification(op, &t)) {
    if (tidal_op_frontier_less_equal(op, 0, t))
      return tidal_error_set(err, TIDAL_EPROGRESS, "notified too early");
    TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(c->out, c->counts[t]));
    TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(c->out, tidal_op_worker_index(op)));
    TIDAL_RETURN_IF_ERROR(tidal_op_send_builder(op, 0, t, c->out));
  }
  return 0;
}

static void count_destroy(void *ud) {
  counter *c = ud;
  tidal_builder_free(c->out);
  free(c);
}

typedef struct nt {
  tidal_schema *s;
  tidal_capture *cap;
} nt;

static int nt_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  nt *n = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *out;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, n->s, &in, &s));
  tidal_op_builder *b;
  CHECK_OK(tidal_op_builder_new(df, "count", &b));
  CHECK_OK(tidal_op_builder_add_input(b, s, tidal_pact_exchange_field(0), NULL));
  CHECK_OK(tidal_op_builder_add_output(b, n->s, &out, NULL));
  counter *c = calloc(1, sizeof *c);
  CHECK_OK(tidal_builder_new(n->s, NULL, &c->out));
  CHECK_OK(tidal_op_builder_build(b, count_logic, c, count_destroy));
  CHECK_OK(tidal_capture_attach(out, n->cap));
  uint64_t me = tidal_worker_index(w);
  for (uint64_t t = 0; t < 10; t += 3) {
    CHECK_OK(tidal_input_advance_to(in, t));
    uint64_t a[20], z[20];
    for (int r = 0; r < 20; r++) {
      a[r] = me * 100 + (uint64_t)r;
      z[r] = t;
    }
    CHECK_OK(tidal_input_send(in, pairs(n->s, a, z, (size_t)(t + 1))));
  }
  return 0;
}

TEST(notifications_fire_once_per_time_after_the_frontier) {
  for (uint32_t W = 1; W <= 4; W++) {
    nt n = {parse("(u64, u64)"), NULL};
    CHECK_OK(tidal_capture_new(NULL, &n.cap));
    tidal_config c = cfg_of(W);
    tidal_error e;
    int rc = tidal_execute(&c, nt_build, &n, &e);
    if (rc) TEST_FAIL("%s", e.msg);
    uint64_t per_time[16] = {0};
    for (size_t i = 0; i < tidal_capture_len(n.cap); i++) {
      uint64_t t;
      uint32_t wk;
      const tidal_batch *b;
      CHECK_OK(tidal_capture_get(n.cap, i, &t, &wk, &b));
      CHECK_EQ_INT(tidal_batch_rows(b), 1);
      CHECK_EQ_U64(col(b, 1, 0), wk);
      per_time[t] += col(b, 0, 0);
    }
    for (uint64_t t = 0; t < 16; t++)
      CHECK_EQ_U64(per_time[t], t % 3 == 0 && t < 10 ? (t + 1) * W : 0);
    tidal_capture_free(n.cap);
    tidal_schema_unref(n.s);
  }
}
