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

/* ---- errors stop every worker ---------------------------------------------------------------- */

typedef struct boom {
  tidal_schema *s;
  int mode; /* 0: operator error, 1: send without capability, 2: build error on worker 0 */
} boom;

static int boom_logic(tidal_op *op, void *ud, tidal_error *err) {
  boom *b = ud;
  uint64_t t;
  tidal_batch *bt;
  tidal_cap_drop(tidal_op_initial_cap(op, 0)); /* NULL after the first call: a no-op */
  while (tidal_op_next(op, 0, &t, &bt)) {
    if (b->mode == 0 && t == 3 && tidal_op_worker_index(op) == 1)
      return tidal_error_set(err, TIDAL_EGUEST, "the guest said no to %zu rows",
                             tidal_batch_rows(bt));
    if (b->mode == 1 && t == 3) {
      /* Time 2 is earlier than the current message: no capability for it. */
      int rc = tidal_op_send(op, 0, 2, tidal_batch_ref(bt));
      CHECK_EQ_INT(rc, TIDAL_EPROGRESS);
      return rc;
    }
  }
  return 0;
}

static int boom_build(tidal_worker *w, void *ud, tidal_error *err) {
  boom *b = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *out;
  tidal_probe *p;
  if (b->mode == 2 && tidal_worker_index(w) == 0)
    return tidal_error_set(err, TIDAL_EIO, "cannot read the input file");
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, b->s, &in, &s));
  tidal_op_builder *ob;
  CHECK_OK(tidal_op_builder_new(df, "boom", &ob));
  CHECK_OK(tidal_op_builder_add_input(ob, s, tidal_pact_exchange_field(0), NULL));
  CHECK_OK(tidal_op_builder_add_output(ob, b->s, &out, NULL));
  CHECK_OK(tidal_op_builder_build(ob, boom_logic, b, NULL));
  CHECK_OK(tidal_probe_new(out, &p));
  for (uint64_t t = 0; t < 6; t++) {
    uint64_t a[64], z[64];
    for (int r = 0; r < 64; r++) a[r] = (uint64_t)r, z[r] = t;
    int rc = tidal_input_send(in, pairs(b->s, a, z, 64));
    if (rc < 0) return rc;
    TIDAL_RETURN_IF_ERROR(tidal_input_advance_to(in, t + 1));
  }
  /* Wait for a time that never comes (the input stays open): only the failure ends this. */
  return tidal_worker_step_until(w, p, 1000);
}

TEST(operator_error_stops_all_workers_with_name_and_time) {
  boom b = {parse("(u64, u64)"), 0};
  tidal_config c = cfg_of(3);
  tidal_error e;
  CHECK_ERR(tidal_execute(&c, boom_build, &b, &e), TIDAL_EGUEST);
  CHECK_EQ_INT(e.code, TIDAL_EGUEST);
  if (!strstr(e.msg, "operator 'boom' (worker 1) at time 3: the guest said no"))
    TEST_FAIL("message: %s", e.msg);
  tidal_schema_unref(b.s);
}

TEST(send_without_capability_is_a_progress_error) {
  boom b = {parse("(u64, u64)"), 1};
  tidal_config c = cfg_of(2);
  tidal_error e;
  CHECK_ERR(tidal_execute(&c, boom_build, &b, &e), TIDAL_EPROGRESS);
  if (!strstr(e.msg, "operator 'boom'") || !strstr(e.msg, "time 2"))
    TEST_FAIL("message: %s", e.msg);
  tidal_schema_unref(b.s);
}

TEST(build_error_on_one_worker_stops_the_others) {
  boom b = {parse("(u64, u64)"), 2};
  tidal_config c = cfg_of(4);
  tidal_error e;
  CHECK_ERR(tidal_execute(&c, boom_build, &b, &e), TIDAL_EIO);
  if (!strstr(e.msg, "worker 0: cannot read the input file")) TEST_FAIL("message: %s", e.msg);
  tidal_schema_unref(b.s);
}

TEST(bad_config_is_rejected) {
  tidal_config c = cfg_of(0);
  tidal_error e;
  CHECK_ERR(tidal_execute(&c, boom_build, NULL, &e), TIDAL_EINVAL);
  c = cfg_of(2);
  c.progress_mode = (tidal_progress_mode)7;
  CHECK_ERR(tidal_execute(&c, boom_build, NULL, &e), TIDAL_EINVAL);
}

/* ---- several dataflows, several computations ------------------------------------------------- */

typedef struct two {
  tidal_schema *s;
  tidal_capture *cap[2];
  uint64_t mult;
} two;

static int two_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  two *t = ud;
  tidal_input *in[2];
  tidal_probe *p[2];
  for (int d = 0; d < 2; d++) {
    tidal_dataflow *df;
    tidal_stream *s, *s1;
    CHECK_OK(tidal_dataflow_new(w, &df));
    CHECK_OK(tidal_input_new(df, t->s, &in[d], &s));
    CHECK_OK(tidal_exchange(s, tidal_pact_exchange_field(0), &s1));
    CHECK_OK(tidal_capture_attach(s1, t->cap[d]));
    CHECK_OK(tidal_probe_new(s1, &p[d]));
  }
  uint64_t me = tidal_worker_index(w);
  for (uint64_t e = 0; e < 20; e++) {
    for (int d = 0; d < 2; d++) {
      uint64_t a[3] = {me, 1000 + e, 2000 + (uint64_t)d}, z[3] = {t->mult * (uint64_t)(d + 1), e, e};
      CHECK_OK(tidal_input_send(in[d], pairs(t->s, a, z, 3)));
      CHECK_OK(tidal_input_advance_to(in[d], e + 1));
    }
    CHECK_OK(tidal_worker_step_until(w, p[e % 2], e + 1));
  }
  return 0;
}

static void *two_thread(void *ud) {
  two *t = ud;
  tidal_config c = cfg_of(3);
  tidal_error e;
  CHECK_OK(tidal_execute(&c, two_build, t, &e));
  return NULL;
}

TEST(two_dataflows_and_two_concurrent_computations) {
  two t[2];
  pthread_t th[2];
  for (int i = 0; i < 2; i++) {
    t[i].s = parse("(u64, u64)");
    t[i].mult = (uint64_t)i + 1;
    CHECK_OK(tidal_capture_new(NULL, &t[i].cap[0]));
    CHECK_OK(tidal_capture_new(NULL, &t[i].cap[1]));
    CHECK(pthread_create(&th[i], NULL, two_thread, &t[i]) == 0);
  }
  for (int i = 0; i < 2; i++) CHECK(pthread_join(th[i], NULL) == 0);
  for (int i = 0; i < 2; i++) {
    for (int d = 0; d < 2; d++) {
      CHECK_EQ_U64(tidal_capture_rows(t[i].cap[d]), 3 * 3 * 20);
      for (size_t k = 0; k < tidal_capture_len(t[i].cap[d]); k++) {
        const tidal_batch *b;
        uint64_t tm;
        CHECK_OK(tidal_capture_get(t[i].cap[d], k, &tm, NULL, &b));
        for (size_t r = 0; r < tidal_batch_rows(b); r++)
          if (col(b, 0, r) < 3) CHECK_EQ_U64(col(b, 1, r), t[i].mult * (uint64_t)(d + 1));
      }
      tidal_capture_free(t[i].cap[d]);
    }
    tidal_schema_unref(t[i].s);
  }
}

/* ---- idle workers park ------------------------------------------------------------------------ */

typedef struct idle {
  tidal_schema *s;
  uint64_t parks0;
} idle;

static int idle_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  idle *d = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *s1;
  tidal_probe *p;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, d->s, &in, &s));
  CHECK_OK(tidal_exchange(s, tidal_pact_exchange_field(0), &s1));
  CHECK_OK(tidal_probe_new(s1, &p));
  if (tidal_worker_index(w) == 1) {
    usleep(300 * 1000); /* worker 0 waits for this one meanwhile */
    uint64_t a[1] = {1}, z[1] = {0};
    CHECK_OK(tidal_input_send(in, pairs(d->s, a, z, 1)));
  }
  CHECK_OK(tidal_input_advance_to(in, 1));
  CHECK_OK(tidal_worker_step_until(w, p, 1));
  if (tidal_worker_index(w) == 0) d->parks0 = tidal__worker_parks(w);
  return 0;
}

TEST(idle_worker_parks_without_burning_cpu) {
  idle d = {parse("(u64, u64)"), 0};
  tidal_config c = cfg_of(2);
  struct timespec c0, c1, w0, w1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  clock_gettime(CLOCK_MONOTONIC, &w0);
  tidal_error e;
  CHECK_OK(tidal_execute(&c, idle_build, &d, &e));
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  clock_gettime(CLOCK_MONOTONIC, &w1);
  double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9;
  double wall = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) * 1e-9;
  CHECK(wall >= 0.29);
  /* A spinning worker would burn ~0.3 s of CPU; a parked one almost none. */
  if (cpu > 0.1) TEST_FAIL("cpu %.3f s over %.3f s wall", cpu, wall);
  CHECK(d.parks0 >= 1);
  tidal_schema_unref(d.s);
}

/* ---- OOM ------------------------------------------------------------------------------------- */

typedef struct oomc {
  tidal_schema *s;
} oomc;

static int oom_map(void *ud, uint64_t t, const tidal_batch_view *in, tidal_builder *out,
                   tidal_error *err) {
  (void)ud;
  (void)t;
  (void)err;
  const uint64_t *a = tidal_view_slice(in, 0).data;
  for (size_t r = 0; r < in->rows; r++) {
    TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(out, a[r] + 1));
    TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(out, a[r]));
  }
  return 0;
}

static int oom_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  oomc *o = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *s1, *s2;
  tidal_probe *p;
  TIDAL_RETURN_IF_ERROR(tidal_dataflow_new(w, &df));
  TIDAL_RETURN_IF_ERROR(tidal_input_new(df, o->s, &in, &s));
  TIDAL_RETURN_IF_ERROR(tidal_map(s, "inc", o->s, oom_map, NULL, &s1));
  TIDAL_RETURN_IF_ERROR(tidal_exchange(s1, tidal_pact_exchange_field(0), &s2));
  TIDAL_RETURN_IF_ERROR(tidal_sink(s2, "sink", NULL, NULL));
  TIDAL_RETURN_IF_ERROR(tidal_probe_new(s2, &p));
  for (uint64_t t = 0; t < 3; t++) {
    uint64_t a[4] = {1, 2, 3, 4}, z[4] = {t, t, t, t};
    TIDAL_RETURN_IF_ERROR(tidal_input_send(in, pairs(o->s, a, z, 4)));
    TIDAL_RETURN_IF_ERROR(tidal_input_advance_to(in, t + 1));
    TIDAL_RETURN_IF_ERROR(tidal_worker_step_until(w, p, t + 1));
  }
  return 0;
}

static int oom_body(void *ud, const tidal_allocator *alloc) {
  tidal_config c = cfg_of(1);
  c.alloc = alloc;
  tidal_error e;
  int rc = tidal_execute(&c, oom_build, ud, &e);
  return rc;
}

TEST(oom_anywhere_fails_cleanly) {
  oomc o = {parse("(u64, u64)")};
  int runs = tidal_test_oom_sweep(oom_body, &o);
  CHECK(runs > 20);
  tidal_schema_unref(o.s);
}

/* ---- small accessors --------------------------------------------------------------------------- */

static int acc_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  tidal_schema *s = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *st;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK(tidal_dataflow_worker(df) == w);
  CHECK_OK(tidal_input_new(df, s, &in, &st));
  CHECK(tidal_stream_schema(st) == s);
  CHECK(tidal_stream_dataflow(st) == df);
  CHECK_EQ_INT(tidal_worker_peers(w), 2);
  CHECK(tidal_worker_index(w) < 2);
  CHECK_EQ_INT(tidal_worker_batch_bytes(w), 4096);
  CHECK(tidal_worker_allocator(w) != NULL);
  CHECK_EQ_U64(tidal_input_time(in), 0);
  CHECK_OK(tidal_worker_step(w));
  /* The graph is frozen after the first step. */
  tidal_stream *o;
  tidal_op_builder *b;
  CHECK_ERR(tidal_op_builder_new(df, "late", &b), TIDAL_EINVAL);
  CHECK_ERR(tidal_map(st, "late", s, double_it, NULL, &o), TIDAL_EINVAL);
  tidal_probe *p;
  CHECK_ERR(tidal_probe_new(st, &p), TIDAL_EINVAL);
  return 0;
}

TEST(accessors_and_frozen_graph) {
  tidal_schema *s = parse("(u64, u64)");
  tidal_config c = cfg_of(2);
  c.batch_bytes = 4096;
  tidal_error e;
  CHECK_OK(tidal_execute(&c, acc_build, s, &e));
  tidal_schema_unref(s);
}

/* ---- a source operator: initial capability, downgrade, self-activation; two outputs,
        one disconnected input; concat ----------------------------------------------------------- */

typedef struct gen {
  tidal_schema *s;
  tidal_cap *cap;   /* output 0 */
  tidal_cap *cap1;  /* output 1 */
  uint64_t next;    /* next time to produce */
  uint32_t runs;
} gen;

static int gen_logic(tidal_op *op, void *ud, tidal_error *err) {
  gen *g = ud;
  (void)err;
  g->runs++;
  if (g->runs == 1) {
    g->cap = tidal_op_initial_cap(op, 0);
    g->cap1 = tidal_op_initial_cap(op, 1);
    CHECK(g->cap && g->cap1);
    CHECK(tidal_op_initial_cap(op, 0) == NULL); /* taken */
    CHECK_EQ_U64(tidal_cap_time(g->cap), 0);
    CHECK_EQ_INT(tidal_cap_output(g->cap1), 1);
    tidal_cap_drop(g->cap1); /* output 1 will never carry anything */
    g->cap1 = NULL;
  }
  if (!g->cap) return 0;
  if (g->next == 5) {
    tidal_cap_drop(g->cap);
    g->cap = NULL;
    return 0;
  }
  uint64_t a[2] = {g->next, tidal_op_worker_index(op)}, z[2] = {g->next * 10, 0};
  TIDAL_RETURN_IF_ERROR(tidal_op_send(op, 0, g->next, pairs(g->s, a, z, 2)));
  g->next++;
  TIDAL_RETURN_IF_ERROR(tidal_cap_downgrade(g->cap, g->next));
  CHECK_ERR(tidal_cap_downgrade(g->cap, g->next - 1), TIDAL_EPROGRESS); /* never backwards */
  tidal_op_activate(op); /* produce the next time at the next step */
  return 0;
}

static void gen_destroy(void *ud) { free(ud); }

typedef struct srcx {
  tidal_schema *s;
  tidal_capture *cap;
} srcx;

static int src_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  srcx *x = ud;
  tidal_dataflow *df;
  tidal_stream *g0, *g1, *in_s, *cat, *mid, *mid1;
  tidal_input *in;
  CHECK_OK(tidal_dataflow_new(w, &df));
  tidal_op_builder *b;
  CHECK_OK(tidal_op_builder_new(df, "gen", &b));
  CHECK_OK(tidal_op_builder_add_output(b, x->s, &g0, NULL));
  CHECK_OK(tidal_op_builder_add_output(b, x->s, &g1, NULL));
  gen *g = calloc(1, sizeof *g);
  g->s = x->s;
  CHECK_OK(tidal_op_builder_build(b, gen_logic, g, gen_destroy));
  CHECK_OK(tidal_input_new(df, x->s, &in, &in_s));
  /* A pass-through with two inputs and two outputs, input 1 disconnected from output 0. */
  CHECK_OK(tidal_op_builder_new(df, "mid", &b));
  CHECK_OK(tidal_op_builder_add_input(b, g0, tidal_pact_pipeline(), NULL));
  CHECK_OK(tidal_op_builder_add_input(b, in_s, tidal_pact_pipeline(), NULL));
  CHECK_OK(tidal_op_builder_add_output(b, x->s, &mid, NULL));
  CHECK_OK(tidal_op_builder_add_output(b, x->s, &mid1, NULL));
  CHECK_ERR(tidal_op_builder_disconnect(b, 2, 0), TIDAL_EINVAL);
  CHECK_OK(tidal_op_builder_disconnect(b, 1, 0));
  CHECK_OK(tidal_op_builder_build(b, NULL, NULL, NULL)); /* no logic: discards */
  tidal_stream *both[3] = {g0, g1, mid};
  CHECK_OK(tidal_concat(both, 3, &cat));
  CHECK_OK(tidal_capture_attach(cat, x->cap));
  /* An unbuilt builder leaves an inert node behind; the graph still completes. */
  CHECK_OK(tidal_op_builder_new(df, "unbuilt", &b));
  CHECK_OK(tidal_op_builder_add_input(b, mid1, tidal_pact_pipeline(), NULL));
  tidal_op_builder_free(b);
  tidal_input_close(in);
  return 0;
}

TEST(source_operator_concat_and_disconnected_ports) {
  for (uint32_t W = 1; W <= 3; W++) {
    srcx x = {parse("(u64, u64)"), NULL};
    CHECK_OK(tidal_capture_new(NULL, &x.cap));
    tidal_config c = cfg_of(W);
    tidal_error e;
    int rc = tidal_execute(&c, src_build, &x, &e);
    if (rc) TEST_FAIL("%s", e.msg);
    CHECK_EQ_U64(tidal_capture_rows(x.cap), 2 * 5 * W);
    for (size_t i = 0; i < tidal_capture_len(x.cap); i++) {
      uint64_t t;
      uint32_t wk;
      const tidal_batch *bt;
      CHECK_OK(tidal_capture_get(x.cap, i, &t, &wk, &bt));
      CHECK_EQ_U64(col(bt, 0, 0), t);
      CHECK_EQ_U64(col(bt, 0, 1), wk);
      CHECK_EQ_U64(col(bt, 1, 0), t * 10);
    }
    tidal_capture_free(x.cap);
    tidal_schema_unref(x.s);
  }
}

/* ---- exchange copies every column kind: strings (fast path), nested (generic path) ----------- */

typedef struct exs {
  tidal_schema *flat;    /* (string, u32, i64): column-by-column copy */
  tidal_schema *nested;  /* (vec<u8>, u64): through tidal_builder_push_rows */
  tidal_capture *cap[2];
} exs;

static void hash_u64_col1(void *ud, const tidal_batch_view *v, uint64_t *h) {
  (void)ud;
  const uint64_t *a = tidal_view_slice(v, 2).data; /* (vec<u8>, u64): bounds, bytes, values */
  for (size_t r = 0; r < v->rows; r++) h[r] = a[r] * 0x9e3779b97f4a7c15ull;
}

static int exs_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  exs *x = ud;
  tidal_dataflow *df;
  tidal_input *in1, *in2;
  tidal_stream *s1, *s2, *o1, *o2;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, x->flat, &in1, &s1));
  CHECK_OK(tidal_input_new(df, x->nested, &in2, &s2));
  CHECK_OK(tidal_exchange(s1, tidal_pact_exchange_field(0), &o1));
  CHECK_OK(tidal_exchange(s2, tidal_pact_exchange_fn(hash_u64_col1, NULL), &o2));
  CHECK_OK(tidal_capture_attach(o1, x->cap[0]));
  CHECK_OK(tidal_capture_attach(o2, x->cap[1]));
  uint32_t me = tidal_worker_index(w);
  tidal_builder *b1, *b2;
  CHECK_OK(tidal_builder_new(x->flat, NULL, &b1));
  CHECK_OK(tidal_builder_new(x->nested, NULL, &b2));
  for (uint32_t i = 0; i < 300; i++) {
    char word[40];
    int n = snprintf(word, sizeof word, "%.*s%u-%u", (int)(i % 7), "xxxxxxx", me, i);
    CHECK_OK(tidal_builder_push_string(b1, word, i % 50 == 0 ? 0 : (size_t)n));
    CHECK_OK(tidal_builder_push_u64(b1, i));
    CHECK_OK(tidal_builder_push_i64(b1, -(int64_t)me));
    CHECK_OK(tidal_builder_begin_vec(b2));
    for (uint32_t k = 0; k < i % 5; k++) CHECK_OK(tidal_builder_push_u64(b2, (i + k) & 0xff));
    CHECK_OK(tidal_builder_end_vec(b2));
    CHECK_OK(tidal_builder_push_u64(b2, (uint64_t)me * 1000 + i));
    if (i % 100 == 99) {
      CHECK_OK(tidal_input_send_builder(in1, b1));
      CHECK_OK(tidal_input_send_builder(in2, b2));
    }
  }
  tidal_builder_free(b1);
  tidal_builder_free(b2);
  return 0;
}

TEST(exchange_copies_strings_and_nested_rows) {
  exs x = {parse("(string, u32, i64)"), parse("(vec<u8>, u64)"), {NULL, NULL}};
  CHECK_OK(tidal_capture_new(NULL, &x.cap[0]));
  CHECK_OK(tidal_capture_new(NULL, &x.cap[1]));
  uint32_t W = 3;
  tidal_config c = cfg_of(W);
  c.batch_bytes = 512;
  tidal_error e;
  CHECK_OK(tidal_execute(&c, exs_build, &x, &e));
  /* Flat: rebuild every expected row and tick it off. */
  uint8_t seen[3][300] = {{0}};
  for (size_t i = 0; i < tidal_capture_len(x.cap[0]); i++) {
    const tidal_batch *b;
    uint32_t wk;
    CHECK_OK(tidal_capture_get(x.cap[0], i, NULL, &wk, &b));
    const tidal_batch_view *v = tidal_batch_view_of(b);
    const uint32_t *u = tidal_view_slice(v, 2).data;
    const int64_t *neg = tidal_view_slice(v, 3).data;
    for (size_t r = 0; r < v->rows; r++) {
      uint32_t me = (uint32_t)-neg[r], idx = u[r];
      CHECK(me < W && idx < 300);
      char word[40];
      int n = snprintf(word, sizeof word, "%.*s%u-%u", (int)(idx % 7), "xxxxxxx", me, idx);
      size_t len;
      const char *p = tidal_view_str(v, 0, r, &len);
      size_t want = idx % 50 == 0 ? 0 : (size_t)n;
      CHECK_EQ_INT(len, want);
      CHECK(memcmp(p, word, len) == 0);
      uint64_t h = XXH3_64bits(p, len);
      CHECK_EQ_INT((uint32_t)(((unsigned __int128)h * W) >> 64), wk);
      CHECK(!seen[me][idx]);
      seen[me][idx] = 1;
    }
  }
  for (uint32_t m = 0; m < W; m++)
    for (uint32_t i = 0; i < 300; i++) CHECK(seen[m][i]);
  /* Nested: vec lengths and contents survive the generic copy. */
  uint8_t seen2[3][300] = {{0}};
  for (size_t i = 0; i < tidal_capture_len(x.cap[1]); i++) {
    const tidal_batch *b;
    CHECK_OK(tidal_capture_get(x.cap[1], i, NULL, NULL, &b));
    const tidal_batch_view *v = tidal_batch_view_of(b);
    const uint64_t *bounds = tidal_view_slice(v, 0).data;
    const uint8_t *bytes = tidal_view_slice(v, 1).data;
    const uint64_t *id = tidal_view_slice(v, 2).data;
    for (size_t r = 0; r < v->rows; r++) {
      uint32_t me = (uint32_t)(id[r] / 1000), idx = (uint32_t)(id[r] % 1000);
      uint64_t start = r ? bounds[r - 1] : 0;
      CHECK_EQ_U64(bounds[r] - start, idx % 5);
      for (uint32_t k = 0; k < idx % 5; k++) CHECK_EQ_INT(bytes[start + k], (idx + k) & 0xff);
      CHECK(!seen2[me][idx]);
      seen2[me][idx] = 1;
    }
  }
  for (uint32_t m = 0; m < W; m++)
    for (uint32_t i = 0; i < 300; i++) CHECK(seen2[m][i]);
  tidal_capture_free(x.cap[0]);
  tidal_capture_free(x.cap[1]);
  tidal_schema_unref(x.flat);
  tidal_schema_unref(x.nested);
}

/* ---- contract violations end in errors, not hangs ---------------------------------------------- */

static int uneven_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  tidal_schema *s = ud;
  if (tidal_worker_index(w) == 1) return 0; /* forgets the dataflow */
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *st;
  tidal_probe *p;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, s, &in, &st));
  CHECK_OK(tidal_probe_new(st, &p));
  tidal_input_close(in);
  return tidal_worker_step_until(w, p, 10);
}

TEST(workers_building_different_dataflows_fail_instead_of_hanging) {
  tidal_schema *s = parse("(u64, u64)");
  for (uint32_t W = 2; W <= 3; W++) {
    tidal_config c = cfg_of(W);
    tidal_error e;
    CHECK_ERR(tidal_execute(&c, uneven_build, s, &e), TIDAL_EINVAL);
    if (!strstr(e.msg, "every worker must build the same dataflows")) TEST_FAIL("%s", e.msg);
  }
  tidal_schema_unref(s);
}

static int reenter_logic(tidal_op *op, void *ud, tidal_error *err) {
  (void)op;
  tidal_worker *w = ud;
  int rc = tidal_worker_step(w);
  if (rc != TIDAL_EINVAL) return tidal_error_set(err, TIDAL_EOPERATOR, "step did not refuse");
  return 0;
}

static int reenter_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  (void)ud;
  tidal_dataflow *df;
  tidal_op_builder *b;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_op_builder_new(df, "reenter", &b));
  CHECK_OK(tidal_op_builder_build(b, reenter_logic, w, NULL));
  return 0;
}

TEST(stepping_from_an_operator_is_refused) {
  tidal_config c = cfg_of(1);
  tidal_error e;
  int rc = tidal_execute(&c, reenter_build, NULL, &e);
  if (rc) TEST_FAIL("%s", e.msg);
}

typedef struct diffg {
  tidal_schema *s[2];
} diffg;

static int diffg_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  diffg *d = ud;
  uint32_t me = tidal_worker_index(w);
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *st, *o;
  tidal_probe *p;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, d->s[me], &in, &st));
  CHECK_OK(tidal_broadcast(st, &o));
  CHECK_OK(tidal_probe_new(o, &p));
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(d->s[me], NULL, &b));
  CHECK_OK(tidal_builder_push_u64(b, 1));
  if (me == 0) CHECK_OK(tidal_builder_push_u64(b, 2));
  CHECK_OK(tidal_input_send_builder(in, b));
  tidal_builder_free(b);
  tidal_input_close(in);
  return tidal_worker_step_until(w, p, 10);
}

TEST(workers_building_different_graphs_fail_with_a_schema_error) {
  diffg d = {{parse("(u64, u64)"), parse("u64")}};
  tidal_config c = cfg_of(2);
  tidal_error e;
  CHECK_ERR(tidal_execute(&c, diffg_build, &d, &e), TIDAL_EMISMATCH);
  if (!strstr(e.msg, "every worker must build the same graph")) TEST_FAIL("%s", e.msg);
  tidal_schema_unref(d.s[0]);
  tidal_schema_unref(d.s[1]);
}

/* ---- summaries other than the identity ---------------------------------------------------------- */

typedef struct dl {
  tidal_schema *s;
  int bad; /* send at t + 1 (not allowed by a +2 summary) */
  tidal_capture *cap;
} dl;

static int delay_logic(tidal_op *op, void *ud, tidal_error *err) {
  (void)err;
  dl *d = ud;
  uint64_t t;
  tidal_batch *b;
  while (tidal_op_next(op, 0, &t, &b)) {
    TIDAL_RETURN_IF_ERROR(tidal_op_send(op, 0, t + (d->bad ? 1 : 2), tidal_batch_ref(b)));
    TIDAL_RETURN_IF_ERROR(tidal_op_notify_at(op, t + 2)); /* a notification at t is not allowed */
  }
  while (tidal_op_next_notification(op, &t)) {
  }
  return 0;
}

static int delay_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  dl *d = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *st, *o;
  tidal_probe *p;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, d->s, &in, &st));
  tidal_op_builder *b;
  CHECK_OK(tidal_op_builder_new(df, "delay", &b));
  CHECK_OK(tidal_op_builder_add_input(b, st, tidal_pact_pipeline(), NULL));
  CHECK_OK(tidal_op_builder_add_output(b, d->s, &o, NULL));
  CHECK_ERR(tidal_op_builder_set_summary(b, 1, 0, 2), TIDAL_EINVAL);
  CHECK_OK(tidal_op_builder_set_summary(b, 0, 0, 2));
  CHECK_OK(tidal_op_builder_build(b, delay_logic, d, NULL));
  CHECK_OK(tidal_probe_new(o, &p));
  CHECK_OK(tidal_capture_attach(o, d->cap));
  CHECK_OK(tidal_worker_step(w));
  CHECK_OK(tidal_worker_step(w));
  /* The input is at 0, so nothing below 2 can come out of the +2 operator. */
  CHECK(!tidal_probe_less_than(p, 2));
  CHECK(tidal_probe_less_equal(p, 2));
  uint64_t a[1] = {1}, z[1] = {0};
  CHECK_OK(tidal_input_advance_to(in, 3));
  TIDAL_RETURN_IF_ERROR(tidal_input_send(in, pairs(d->s, a, z, 1)));
  TIDAL_RETURN_IF_ERROR(tidal_input_advance_to(in, 4));
  /* The pending notification at 5 holds a capability at 5 until the input passes 5. */
  TIDAL_RETURN_IF_ERROR(tidal_worker_step_until(w, p, 5));
  CHECK(!tidal_probe_less_than(p, 5));
  CHECK(tidal_probe_less_than(p, 6));
  return 0;
}

TEST(operator_summaries_shift_frontiers_and_bound_sends) {
  dl d = {parse("(u64, u64)"), 0, NULL};
  CHECK_OK(tidal_capture_new(NULL, &d.cap));
  tidal_config c = cfg_of(1);
  tidal_error e;
  int rc = tidal_execute(&c, delay_build, &d, &e);
  if (rc) TEST_FAIL("%s", e.msg);
  CHECK_EQ_INT(tidal_capture_len(d.cap), 1);
  uint64_t t;
  CHECK_OK(tidal_capture_get(d.cap, 0, &t, NULL, NULL));
  CHECK_EQ_U64(t, 5);
  d.bad = 1;
  CHECK_ERR(tidal_execute(&c, delay_build, &d, &e), TIDAL_EPROGRESS);
  if (!strstr(e.msg, "operator 'delay' (worker 0) at time 4")) TEST_FAIL("%s", e.msg);
  tidal_capture_free(d.cap);
  tidal_schema_unref(d.s);
}

static int capture_oom_body(void *ud, const tidal_allocator *a) {
  (void)ud;
  tidal_capture *c;
  TIDAL_RETURN_IF_ERROR(tidal_capture_new(a, &c));
  CHECK_EQ_INT(tidal_capture_len(c), 0);
  CHECK_EQ_U64(tidal_capture_rows(c), 0);
  CHECK_ERR(tidal_capture_get(c, 0, NULL, NULL, NULL), TIDAL_ERANGE);
  tidal_capture_free(c);
  tidal_capture_free(NULL);
  return 0;
}

TEST(capture_constructor_oom) { CHECK(tidal_test_oom_sweep(capture_oom_body, NULL) >= 2); }

/* ---- an operator that partitions its own output -------------------------------------------- */

typedef struct part {
  tidal_schema *s;
  tidal_builder **b; /* one per worker */
  uint32_t W;
} part;

static void part_destroy(void *ud) {
  part *p = ud;
  for (uint32_t v = 0; v < p->W; v++) tidal_builder_free(p->b[v]);
  free(p->b);
  free(p);
}

static int part_logic(tidal_op *op, void *ud, tidal_error *err) {
  (void)err;
  part *p = ud;
  uint64_t t;
  tidal_batch *b;
  while (tidal_op_next(op, 0, &t, &b)) {
    for (size_t r = 0; r < tidal_batch_rows(b); r++) {
      uint64_t key = col(b, 0, r);
      uint32_t v = (uint32_t)(((unsigned __int128)XXH3_64bits(&key, 8) * p->W) >> 64);
      TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(p->b[v], key));
      TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(p->b[v], col(b, 1, r)));
    }
    for (uint32_t v = 0; v < p->W; v++) {
      if (!tidal_builder_rows(p->b[v])) continue;
      tidal_batch *out;
      TIDAL_RETURN_IF_ERROR(tidal_batch_from_builder(p->b[v], &out));
      TIDAL_RETURN_IF_ERROR(tidal_op_send_partitioned(op, 0, t, v, out));
    }
  }
  return 0;
}

static int part_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  ex *x = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *ps, *xs;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, x->s, &in, &s));
  tidal_op_builder *b;
  CHECK_OK(tidal_op_builder_new(df, "part", &b));
  CHECK_OK(tidal_op_builder_add_input(b, s, tidal_pact_pipeline(), NULL));
  CHECK_OK(tidal_op_builder_add_output(b, x->s, &ps, NULL));
  part *p = calloc(1, sizeof *p);
  p->s = x->s;
  p->W = tidal_worker_peers(w);
  p->b = calloc(p->W, sizeof *p->b);
  for (uint32_t v = 0; v < p->W; v++) CHECK_OK(tidal_builder_new(x->s, NULL, &p->b[v]));
  CHECK_OK(tidal_op_builder_build(b, part_logic, p, part_destroy));
  CHECK_OK(tidal_exchange(ps, tidal_pact_exchange_field(0), &xs));
  CHECK_OK(tidal_capture_attach(xs, x->cap));
  uint64_t a[100], z[100], me = tidal_worker_index(w);
  for (int r = 0; r < 100; r++) a[r] = me << 32 | (uint64_t)r, z[r] = 0;
  CHECK_OK(tidal_input_send(in, pairs(x->s, a, z, 100)));
  return 0;
}

TEST(partitioned_sends_skip_the_exchange_copy) {
  for (uint32_t W = 1; W <= 4; W++) {
    ex x;
    memset(&x, 0, sizeof x);
    x.s = parse("(u64, u64)");
    CHECK_OK(tidal_capture_new(NULL, &x.cap));
    tidal_config c = cfg_of(W);
    tidal_error e;
    CHECK_OK(tidal_execute(&c, part_build, &x, &e));
    CHECK_EQ_U64(tidal_capture_rows(x.cap), 100 * W);
    for (size_t i = 0; i < tidal_capture_len(x.cap); i++) {
      uint32_t wk;
      const tidal_batch *b;
      CHECK_OK(tidal_capture_get(x.cap, i, NULL, &wk, &b));
      for (size_t r = 0; r < tidal_batch_rows(b); r++) CHECK_EQ_INT(target_of(&x, col(b, 0, r), W), wk);
    }
    tidal_capture_free(x.cap);
    tidal_schema_unref(x.s);
  }
}
