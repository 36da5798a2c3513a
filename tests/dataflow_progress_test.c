// ctest-labels: threads
/* dataflow_progress_test.c: the progress invariant of the whole engine under random schedules.

   For thousands of seeds (W = 1..4 workers, chaos scheduling on: random yields, held progress
   batches, delayed data, early exchange flushes, skipped operator runs; random batch sizes and
   interleavings of sends, advances and steps), a two-stage graph

       input1 --exchange(key)--> A --exchange(val)--> B
       input2 --pipeline-------/

   checks, with global atomic counters shared by all workers:
   - no operator receives a batch at a time its input frontier has passed;
   - no notification fires for t while rows at a time <= t are in flight to that operator
     (counted up by the sender before sending, down by the receiver when it pulls);
   - nothing is sent at a time <= t after some instance was notified at t;
   - every run terminates with frontiers empty once inputs close (no deadlock), every row
     arrives exactly once. */
#include "harness/test.h"

#include <stdatomic.h>

#define T 32

typedef struct shared {
  tidal_schema *s;
  uint64_t seed;
  atomic_llong inflight_a[T];  /* rows sent towards A at t, not yet pulled */
  atomic_llong inflight_b[T];  /* rows sent towards B at t, not yet pulled */
  atomic_int notified_a[T];    /* some instance of A was notified at t */
  atomic_int notified_b[T];
  atomic_llong sent;           /* rows the inputs sent */
  atomic_llong extra;          /* rows A sent with held capabilities */
  atomic_llong at_b;           /* rows B pulled */
  atomic_int violations;
  char why[256];               /* first violation (written once) */
  atomic_int why_taken;
} shared;

static void violation(shared *sh, const char *what, uint64_t t) {
  atomic_fetch_add(&sh->violations, 1);
  if (atomic_exchange(&sh->why_taken, 1) == 0)
    snprintf(sh->why, sizeof sh->why, "%s at time %llu", what, (unsigned long long)t);
}

/* Rows at times <= t in flight, or a notification at >= s already given. */
static bool any_inflight_upto(atomic_llong *a, uint64_t t) {
  for (uint64_t i = 0; i <= t && i < T; i++)
    if (atomic_load(&a[i]) != 0) return true;
  return false;
}
static bool any_notified_from(atomic_int *n, uint64_t s) {
  for (uint64_t i = s; i < T; i++)
    if (atomic_load(&n[i])) return true;
  return false;
}

static tidal_batch *rows_batch(const tidal_schema *s, const uint64_t *k, const uint64_t *v, size_t n) {
  tidal_builder *b = NULL;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  for (size_t i = 0; i < n; i++) {
    CHECK_OK(tidal_builder_push_u64(b, k[i]));
    CHECK_OK(tidal_builder_push_u64(b, v[i]));
  }
  tidal_batch *out = NULL;
  CHECK_OK(tidal_batch_from_builder(b, &out));
  tidal_builder_free(b);
  return out;
}

/* ---- operator A: re-emits each row at t + key % 3, holds a capability now and then ------------ */

typedef struct a_state {
  shared *sh;
  tidal_builder *out[3];
  tidal_cap *held;  /* a capability kept across calls, released at a later notification */
} a_state;

static void a_destroy(void *p) {
  a_state *a = p;
  for (int d = 0; d < 3; d++) tidal_builder_free(a->out[d]);
  if (a->held) violation(a->sh, "A destroyed while holding a capability", 0);
  free(a);
}

static int a_send(tidal_op *op, a_state *a, tidal_builder *b, uint64_t t) {
  size_t n = tidal_builder_rows(b);
  if (!n) return 0;
  atomic_fetch_add(&a->sh->inflight_b[t], (long long)n);
  if (any_notified_from(a->sh->notified_b, t)) violation(a->sh, "A sent after B was notified", t);
  return tidal_op_send_builder(op, 0, t, b);
}

static int a_logic(tidal_op *op, void *p, tidal_error *err) {
  (void)err;
  a_state *a = p;
  shared *sh = a->sh;
  uint64_t t;
  tidal_batch *b;
  for (uint32_t in = 0; in < 2; in++) {
    while (tidal_op_next(op, in, &t, &b)) {
      if (!tidal_op_frontier_less_equal(op, in, t)) violation(sh, "A got data past its frontier", t);
      const tidal_batch_view *v = tidal_batch_view_of(b);
      atomic_fetch_sub(&sh->inflight_a[t], (long long)v->rows);
      const uint64_t *k = tidal_view_slice(v, 0).data, *val = tidal_view_slice(v, 1).data;
      for (size_t r = 0; r < v->rows; r++) {
        TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(a->out[k[r] % 3], k[r]));
        TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(a->out[k[r] % 3], val[r]));
      }
      for (uint64_t d = 0; d < 3; d++) TIDAL_RETURN_IF_ERROR(a_send(op, a, a->out[d], t + d));
      TIDAL_RETURN_IF_ERROR(tidal_op_notify_at(op, t));
      if (!a->held && k[0] % 4 == 1) TIDAL_RETURN_IF_ERROR(tidal_op_cap_retain(op, 0, t + 1, &a->held));
    }
  }
  while (tidal_op_next_notification(op, &t)) {
    atomic_store(&sh->notified_a[t], 1);
    if (any_inflight_upto(sh->inflight_a, t)) violation(sh, "A notified with rows in flight", t);
    for (uint32_t in = 0; in < 2; in++)
      if (tidal_op_frontier_less_equal(op, in, t)) violation(sh, "A notified before its frontier", t);
    if (a->held) {
      uint64_t ht = tidal_cap_time(a->held);
      uint64_t k = 3, v = ht;
      TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(a->out[0], k));
      TIDAL_RETURN_IF_ERROR(tidal_builder_push_u64(a->out[0], v));
      atomic_fetch_add(&sh->extra, 1);
      TIDAL_RETURN_IF_ERROR(a_send(op, a, a->out[0], ht));
      tidal_cap_drop(a->held);
      a->held = NULL;
    }
  }
  return 0;
}

/* ---- operator B: counts and checks ----------------------------------------------------------- */

static int b_logic(tidal_op *op, void *p, tidal_error *err) {
  (void)err;
  shared *sh = p;
  uint64_t t;
  tidal_batch *b;
  while (tidal_op_next(op, 0, &t, &b)) {
    if (!tidal_op_frontier_less_equal(op, 0, t)) violation(sh, "B got data past its frontier", t);
    atomic_fetch_sub(&sh->inflight_b[t], (long long)tidal_batch_rows(b));
    atomic_fetch_add(&sh->at_b, (long long)tidal_batch_rows(b));
    TIDAL_RETURN_IF_ERROR(tidal_op_notify_at(op, t));
  }
  while (tidal_op_next_notification(op, &t)) {
    atomic_store(&sh->notified_b[t], 1);
    if (any_inflight_upto(sh->inflight_b, t)) violation(sh, "B notified with rows in flight", t);
  }
  return 0;
}

static void hash_val(void *ud, const tidal_batch_view *v, uint64_t *h) {
  (void)ud;
  const uint64_t *val = tidal_view_slice(v, 1).data;
  for (size_t r = 0; r < v->rows; r++) h[r] = val[r] * 0xff51afd7ed558ccdull;
}

static uint64_t rnd(uint64_t *s) { return tidal_test_rand(s); }

static int build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  shared *sh = ud;
  uint32_t me = tidal_worker_index(w);
  uint64_t rs = sh->seed * 1000003u + me; /* per-worker random choices */
  tidal_dataflow *df;
  tidal_input *in1, *in2;
  tidal_stream *s1, *s2, *sa;
  tidal_probe *probe;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, sh->s, &in1, &s1));
  CHECK_OK(tidal_input_new(df, sh->s, &in2, &s2));
  tidal_op_builder *ob;
  CHECK_OK(tidal_op_builder_new(df, "A", &ob));
  CHECK_OK(tidal_op_builder_add_input(ob, s1, tidal_pact_exchange_field(0), NULL));
  CHECK_OK(tidal_op_builder_add_input(ob, s2, tidal_pact_pipeline(), NULL));
  CHECK_OK(tidal_op_builder_add_output(ob, sh->s, &sa, NULL));
  a_state *a = calloc(1, sizeof *a);
  a->sh = sh;
  for (int d = 0; d < 3; d++) CHECK_OK(tidal_builder_new(sh->s, NULL, &a->out[d]));
  CHECK_OK(tidal_op_builder_build(ob, a_logic, a, a_destroy));
  CHECK_OK(tidal_op_builder_new(df, "B", &ob));
  CHECK_OK(tidal_op_builder_add_input(ob, sa, tidal_pact_exchange_fn(hash_val, NULL), NULL));
  CHECK_OK(tidal_op_builder_build(ob, b_logic, sh, NULL));
  CHECK_OK(tidal_probe_new(sa, &probe));

  uint64_t epochs = 2 + rnd(&rs) % 6;
  uint64_t t1 = 0, t2 = 0;
  for (uint64_t e = 0; e < epochs; e++) {
    uint64_t nb = rnd(&rs) % 4;
    for (uint64_t k = 0; k < nb; k++) {
      uint64_t keys[40], vals[40];
      size_t n = 1 + rnd(&rs) % 40;
      bool second = rnd(&rs) % 3 == 0;
      uint64_t t = second ? t2 : t1;
      for (size_t r = 0; r < n; r++) {
        keys[r] = rnd(&rs) % 1000;
        vals[r] = rnd(&rs) % 1000;
      }
      atomic_fetch_add(&sh->inflight_a[t], (long long)n);
      atomic_fetch_add(&sh->sent, (long long)n);
      if (any_notified_from(sh->notified_a, t)) violation(sh, "input sent after A was notified", t);
      CHECK_OK(tidal_input_send(second ? in2 : in1, rows_batch(sh->s, keys, vals, n)));
      /* A step here splits production and the capability's release into two progress batches,
         which only FIFO delivery keeps in order. */
      if (rnd(&rs) % 3 == 0) CHECK_OK(tidal_worker_step(w));
    }
    t1 = e + 1;
    CHECK_OK(tidal_input_advance_to(in1, t1));
    if (rnd(&rs) % 2) {
      t2 = e + 1;
      CHECK_OK(tidal_input_advance_to(in2, t2));
    }
    for (uint64_t k = rnd(&rs) % 3; k > 0; k--) CHECK_OK(tidal_worker_step(w));
    if (rnd(&rs) % 4 == 0) CHECK_OK(tidal_worker_step_until(w, probe, t2 < t1 ? t2 : t1));
  }
  if (rnd(&rs) % 2) {
    tidal_input_close(in1);
    tidal_input_close(in2);
    CHECK_OK(tidal_worker_run_to_completion(w));
    CHECK(tidal_probe_done(probe));
  }
  return 0; /* otherwise the engine closes and drains */
}

static void run_seed(uint64_t seed, uint32_t W, tidal_progress_mode mode, bool chaos) {
  shared *sh = calloc(1, sizeof *sh);
  CHECK_OK(tidal_schema_parse("(u64, u64)", 10, NULL, &sh->s, NULL));
  sh->seed = seed;
  tidal_config c;
  tidal_config_init(&c);
  c.workers = W;
  c.progress_mode = mode;
  c.chaos_seed = chaos ? seed + 1 : 0;
  c.batch_bytes = 64u << (seed % 7);
  tidal_error e;
  int rc = tidal_execute(&c, build, sh, &e);
  if (rc) TEST_FAIL("seed %llu W %u: %s", (unsigned long long)seed, W, e.msg);
  if (atomic_load(&sh->violations))
    TEST_FAIL("seed %llu W %u mode %d: %d violations, first: %s", (unsigned long long)seed, W,
              (int)mode, atomic_load(&sh->violations), sh->why);
  CHECK_EQ_INT(atomic_load(&sh->at_b), atomic_load(&sh->sent) + atomic_load(&sh->extra));
  for (int t = 0; t < T; t++) {
    CHECK_EQ_INT(atomic_load(&sh->inflight_a[t]), 0);
    CHECK_EQ_INT(atomic_load(&sh->inflight_b[t]), 0);
  }
  tidal_schema_unref(sh->s);
  free(sh);
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SEEDS 150
#else
#define SEEDS 1500
#endif

TEST(invariant_holds_under_random_schedules_eager) {
  for (uint64_t seed = 0; seed < SEEDS; seed++) run_seed(seed, 1 + (uint32_t)(seed % 4), TIDAL_PROGRESS_EAGER, true);
}

TEST(invariant_holds_without_chaos) {
  for (uint64_t seed = 0; seed < SEEDS / 4; seed++)
    run_seed(seed, 1 + (uint32_t)(seed % 4), TIDAL_PROGRESS_EAGER, false);
}

TEST(invariant_holds_under_random_schedules_demand) {
  for (uint64_t seed = 0; seed < SEEDS / 2; seed++)
    run_seed(seed, 1 + (uint32_t)(seed % 4), TIDAL_PROGRESS_DEMAND, seed % 2 == 0);
}

/* ---- modes: same results, Demand sends fewer progress batches --------------------------------- */

uint64_t tidal__worker_progress_sent(tidal_worker *w);

typedef struct modes {
  tidal_schema *s;
  tidal_capture *cap;
  uint64_t sent_msgs;
} modes;

static int modes_build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  modes *m = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *s1;
  CHECK_OK(tidal_dataflow_new(w, &df));
  CHECK_OK(tidal_input_new(df, m->s, &in, &s));
  CHECK_OK(tidal_exchange(s, tidal_pact_exchange_field(0), &s1));
  CHECK_OK(tidal_capture_attach(s1, m->cap));
  for (uint64_t e = 0; e < 4; e++) {
    for (uint64_t k = 0; k < 10; k++) {
      uint64_t key[2] = {k, k + 100}, val[2] = {e, e};
      CHECK_OK(tidal_input_send(in, rows_batch(m->s, key, val, 2)));
      CHECK_OK(tidal_worker_step(w));
      CHECK_OK(tidal_worker_step(w));
    }
    CHECK_OK(tidal_input_advance_to(in, e + 1));
  }
  tidal_input_close(in);
  CHECK_OK(tidal_worker_run_to_completion(w));
  m->sent_msgs = tidal__worker_progress_sent(w);
  return 0;
}

TEST(demand_mode_agrees_with_eager_and_sends_less) {
  uint64_t msgs[2], rows[2];
  for (int mode = 0; mode < 2; mode++) {
    modes m = {NULL, NULL, 0};
    CHECK_OK(tidal_schema_parse("(u64, u64)", 10, NULL, &m.s, NULL));
    CHECK_OK(tidal_capture_new(NULL, &m.cap));
    tidal_config c;
    tidal_config_init(&c);
    c.progress_mode = mode ? TIDAL_PROGRESS_DEMAND : TIDAL_PROGRESS_EAGER;
    tidal_error e;
    CHECK_OK(tidal_execute(&c, modes_build, &m, &e));
    msgs[mode] = m.sent_msgs;
    rows[mode] = tidal_capture_rows(m.cap);
    tidal_capture_free(m.cap);
    tidal_schema_unref(m.s);
  }
  CHECK_EQ_U64(rows[0], 80);
  CHECK_EQ_U64(rows[1], 80);
  fprintf(stderr, "  progress batches: eager %llu, demand %llu\n", (unsigned long long)msgs[0], (unsigned long long)msgs[1]);
  if (!(msgs[1] < msgs[0])) TEST_FAIL("demand sent %llu, eager %llu", (unsigned long long)msgs[1], (unsigned long long)msgs[0]);
}
