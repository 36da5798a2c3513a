/* progress_sim_test.c: the protocol simulator of spec §8.7 and its mutation tests (§8.8).

   W virtual workers run one logical graph. Each holds a tracker (its view), a local batch L of
   progress updates not yet sent, and FIFO queues to every worker (itself included). Random legal
   actions: operator steps (consume a record, produce records, mint / clone / downgrade / drop
   capabilities, all justified as in §2), sends (Eager: after every step; Demand: only when L
   holds a decrement at a pointstamp that is global in the sender's view), and deliveries from a
   random non-empty queue (random delays). An oracle tracker sees every true count change at once.
   After every action we assert that no worker's frontier at any target has passed the oracle's,
   and that no record is consumed below its input's local frontier; at the end, after winding
   everything down, that every view is empty and agrees with the truth (liveness).

   The mutations (reordering one sender's batches, publishing consumption before production) must
   be caught by the same checks on some seed, which shows that the checks have teeth. */
#include "harness/test.h"

#define MAXN 6
#define MAXP 2
#define MAXW 3
#define MAXQ 256
#define MAXMSG 512
#define MAXCAP 256
#define TMAX 6 /* coordinates beyond this are not produced: keeps loops finite */

typedef struct sgraph {
  uint32_t depth, n_nodes, ins[MAXN], outs[MAXN];
  /* summary[n][i][o]: 0 = not connected, else 1 + index into sums */
  tidal_summary sum[MAXN][MAXP][MAXP];
  bool conn[MAXN][MAXP][MAXP];
  /* edges from Source(n, o): targets (node, port) */
  uint32_t n_out_edges[MAXN][MAXP];
  uint32_t out_edges[MAXN][MAXP][6][2];
} sgraph;

typedef struct msg {
  uint32_t node, port, worker; /* destination Target(node, port) at worker */
  tidal_time t;
  int64_t count;
} msg;

typedef struct cap {
  uint32_t worker, node, port;
  tidal_time t;
} cap;

enum { MUT_NONE, MUT_REORDER, MUT_SPLIT };
enum { SIM_OK = 0, SIM_UNSAFE = 1, SIM_STALL = 2 };

typedef struct sim {
  sgraph g;
  uint32_t W;
  bool demand;
  int mutation;    /* the run's configuration: MUT_* */
  bool mutate;     /* false: a control run, same configuration and random choices, no mutation */
  uint64_t rng;
  tidal_tracker *view[MAXW];
  tidal_tracker *oracle;
  tidal_progress_batch L[MAXW];
  tidal_progress_batch *q[MAXW][MAXW][MAXQ]; /* q[from][to], FIFO */
  int qh[MAXW][MAXW], qt[MAXW][MAXW];
  msg msgs[MAXMSG];
  int n_msgs;
  cap caps[MAXCAP];
  int n_caps;
  int violation;   /* SIM_UNSAFE once a check failed */
  char why[256];
} sim;

/* Coverage counters, so that the safety test can show it exercised what it claims. */
static long n_consumed, n_held, n_demand_runs, n_loop_runs, n_deliveries;

static uint64_t rnd(sim *s, uint64_t n) { return tidal_test_rand(&s->rng) % n; }

static void rand_sgraph(sim *s) {
  sgraph *g = &s->g;
  memset(g, 0, sizeof *g);
  g->depth = 1 + (uint32_t)rnd(s, 2);
  g->n_nodes = 3 + (uint32_t)rnd(s, MAXN - 2);
  bool feedback[MAXN] = {0};
  for (uint32_t n = 1; n < g->n_nodes; n++) {
    if (n > 1 && rnd(s, 4) == 0) { /* a feedback node: strict +1 on the innermost coordinate */
      feedback[n] = true;
      g->ins[n] = g->outs[n] = 1;
      g->conn[n][0][0] = true;
      g->sum[n][0][0] = tidal_summary_add(g->depth - 1, 1);
      continue;
    }
    g->ins[n] = n == 1 ? 0 : 1 + (uint32_t)rnd(s, 2); /* node 1 is an input (no inputs) */
    g->outs[n] = 1 + (uint32_t)rnd(s, 2);
    for (uint32_t i = 0; i < g->ins[n]; i++)
      for (uint32_t o = 0; o < g->outs[n]; o++) {
        uint64_t r = rnd(s, 6);
        if (r == 0) continue;
        g->conn[n][i][o] = true;
        g->sum[n][i][o] = r == 1 ? tidal_summary_add((uint32_t)rnd(s, g->depth), 1)
                                 : tidal_summary_identity();
      }
  }
  /* Edges: forward, or backward into a feedback node (so every cycle is strict). */
  for (int e = 0; e < 12; e++) {
    uint32_t a = 1 + (uint32_t)rnd(s, g->n_nodes - 1), b = 1 + (uint32_t)rnd(s, g->n_nodes - 1);
    if (!g->outs[a] || !g->ins[b]) continue;
    if (!(a < b || feedback[b])) continue;
    uint32_t o = (uint32_t)rnd(s, g->outs[a]);
    if (g->n_out_edges[a][o] >= 6) continue;
    uint32_t k = g->n_out_edges[a][o]++;
    g->out_edges[a][o][k][0] = b;
    g->out_edges[a][o][k][1] = (uint32_t)rnd(s, g->ins[b]);
  }
}

/* A backward edge closes a loop (through a feedback node). */
static bool has_back_edge(const sgraph *g) {
  for (uint32_t n = 1; n < g->n_nodes; n++)
    for (uint32_t o = 0; o < g->outs[n]; o++)
      for (uint32_t k = 0; k < g->n_out_edges[n][o]; k++)
        if (g->out_edges[n][o][k][0] <= n) return true;
  return false;
}

static tidal_tracker *build_tracker(const sgraph *g) {
  tidal_tracker_builder *b;
  CHECK_OK(tidal_tracker_builder_new(g->depth, 0, 0, NULL, &b, NULL));
  for (uint32_t n = 1; n < g->n_nodes; n++) {
    CHECK_OK(tidal_tracker_builder_add_node(b, g->ins[n], g->outs[n], NULL, NULL, NULL));
    for (uint32_t i = 0; i < g->ins[n]; i++)
      for (uint32_t o = 0; o < g->outs[n]; o++)
        if (g->conn[n][i][o])
          CHECK_OK(tidal_tracker_builder_add_summary(b, n, i, o, &g->sum[n][i][o], NULL));
  }
  for (uint32_t n = 1; n < g->n_nodes; n++) {
    for (uint32_t o = 0; o < g->outs[n]; o++)
      for (uint32_t k = 0; k < g->n_out_edges[n][o]; k++)
        CHECK_OK(tidal_tracker_builder_add_edge(b, n, o, g->out_edges[n][o][k][0],
                                                g->out_edges[n][o][k][1], NULL));
  }
  tidal_tracker *t;
  tidal_error err;
  if (tidal_tracker_builder_build(b, &t, &err) < 0) TEST_FAIL("build: %s", err.msg);
  tidal_tracker_builder_free(b);
  return t;
}

static bool time_ok(const sim *s, const tidal_time *t) {
  for (uint32_t i = 0; i < s->g.depth; i++)
    if (t->c[i] > TMAX) return false;
  return true;
}

/* A time >= t, sometimes bumped. */
static tidal_time later(sim *s, const tidal_time *t) {
  tidal_time r = *t;
  if (rnd(s, 3) == 0) r.c[rnd(s, s->g.depth)] += 1 + rnd(s, 2);
  return r;
}

/* ---- checks ----------------------------------------------------------------------------- */

static void check_safety(sim *s, const char *after) {
  if (s->violation) return;
  for (uint32_t w = 0; w < s->W; w++)
    for (uint32_t n = 0; n < s->g.n_nodes; n++)
      for (uint32_t i = 0; i < s->g.ins[n]; i++) {
        const tidal_antichain *fw = tidal_tracker_target_frontier(s->view[w], n, i);
        const tidal_antichain *fo = tidal_tracker_target_frontier(s->oracle, n, i);
        if (!tidal_antichain_le(fw, fo)) {
          s->violation = SIM_UNSAFE;
          snprintf(s->why, sizeof s->why, "after %s: worker %u's frontier at Target(%u,%u) passed "
                   "the oracle's", after, w, n, i);
          return;
        }
      }
}

/* ---- progress traffic ------------------------------------------------------------------- */

static void enqueue(sim *s, uint32_t from, uint32_t to, const tidal_progress_batch *b) {
  CHECK(s->qt[from][to] < MAXQ);
  tidal_progress_batch *c = malloc(sizeof *c);
  tidal_progress_batch_init(c, s->g.depth, NULL);
  CHECK_OK(tidal_progress_batch_extend(c, b, NULL));
  int k = s->qt[from][to]++;
  s->q[from][to][k] = c;
  /* Mutation: this batch overtakes the previous undelivered one from the same sender. */
  if (s->mutation == MUT_REORDER && k > s->qh[from][to] && rnd(s, 2) == 0 && s->mutate) {
    s->q[from][to][k] = s->q[from][to][k - 1];
    s->q[from][to][k - 1] = c;
  }
}

static void broadcast(sim *s, uint32_t w, tidal_progress_batch *b) {
  tidal_progress_batch_compact(b);
  if (b->len == 0) return; /* empty batches are not sent */
  for (uint32_t v = 0; v < s->W; v++) enqueue(s, w, v, b);
  tidal_progress_batch_clear(b);
}

/* Demand mode: send L only if it holds a decrement at a pointstamp global in w's view. */
static void maybe_send(sim *s, uint32_t w) {
  tidal_progress_batch *L = &s->L[w];
  tidal_progress_batch_compact(L);
  bool fire = !s->demand;
  for (size_t i = 0; i < L->len && !fire; i++)
    fire = L->updates[i].diff < 0 &&
           tidal_tracker_is_global(s->view[w], L->updates[i].loc, &L->updates[i].time);
  if (fire) broadcast(s, w, L);
  else if (L->len) n_held++;
}

static bool deliver_one(sim *s, uint32_t from, uint32_t to) {
  if (s->qh[from][to] == s->qt[from][to]) return false;
  tidal_progress_batch *b = s->q[from][to][s->qh[from][to]++];
  n_deliveries++;
  CHECK_OK(tidal_tracker_update_batch(s->view[to], b, NULL));
  CHECK_OK(tidal_tracker_propagate(s->view[to], NULL));
  tidal_progress_batch_clear(tidal_tracker_pushed(s->view[to]));
  tidal_progress_batch_reset(b);
  free(b);
  check_safety(s, "a delivery");
  maybe_send(s, to); /* the scope is re-run when its progress channel has input */
  return true;
}

/* ---- operator steps --------------------------------------------------------------------- */

/* Record (loc, t, d) as one step's true change: into the step batch. */
static void step_add(tidal_progress_batch *step, tidal_location loc, const tidal_time *t, int64_t d) {
  CHECK_OK(tidal_progress_batch_update(step, loc, t, d, NULL));
}

/* Send `count` records at t from Source(n, o): one message per edge target, each to a random
   worker; produced counts go to every target. */
static void produce(sim *s, tidal_progress_batch *step, uint32_t n, uint32_t o, const tidal_time *t) {
  if (!time_ok(s, t)) return;
  for (uint32_t k = 0; k < s->g.n_out_edges[n][o]; k++) {
    if (s->n_msgs >= MAXMSG) return;
    msg m = {s->g.out_edges[n][o][k][0], s->g.out_edges[n][o][k][1], (uint32_t)rnd(s, s->W), *t,
             1 + (int64_t)rnd(s, 3)};
    s->msgs[s->n_msgs++] = m;
    step_add(step, tidal_location_target(m.node, m.port), t, m.count);
  }
}

static void add_cap(sim *s, tidal_progress_batch *step, uint32_t w, uint32_t n, uint32_t o,
                    const tidal_time *t) {
  if (!time_ok(s, t) || s->n_caps >= MAXCAP) return;
  cap c = {w, n, o, *t};
  s->caps[s->n_caps++] = c;
  step_add(step, tidal_location_source(n, o), t, +1);
}

static void remove_cap(sim *s, tidal_progress_batch *step, int k) {
  cap c = s->caps[k];
  s->caps[k] = s->caps[--s->n_caps];
  step_add(step, tidal_location_source(c.node, c.port), &c.t, -1);
}

/* Apply a finished step: to the truth (oracle) at once, and to the worker's local batch L. */
static void finish_step(sim *s, uint32_t w, tidal_progress_batch *step) {
  CHECK_OK(tidal_tracker_update_batch(s->oracle, step, NULL));
  CHECK_OK(tidal_tracker_propagate(s->oracle, NULL));
  tidal_progress_batch_clear(tidal_tracker_pushed(s->oracle));
  if (s->mutation == MUT_SPLIT && s->mutate) {
    /* Mutation: publish the decrements (consumption, drops) before the increments. */
    tidal_progress_batch neg, pos;
    tidal_progress_batch_init(&neg, s->g.depth, NULL);
    tidal_progress_batch_init(&pos, s->g.depth, NULL);
    tidal_progress_batch_compact(step);
    for (size_t i = 0; i < step->len; i++) {
      const tidal_progress_update *u = &step->updates[i];
      CHECK_OK(tidal_progress_batch_update(u->diff < 0 ? &neg : &pos, u->loc, &u->time, u->diff, NULL));
    }
    broadcast(s, w, &s->L[w]);
    broadcast(s, w, &neg);
    broadcast(s, w, &pos);
    tidal_progress_batch_reset(&neg);
    tidal_progress_batch_reset(&pos);
  } else {
    CHECK_OK(tidal_progress_batch_extend(&s->L[w], step, NULL));
    maybe_send(s, w);
  }
  tidal_progress_batch_clear(step);
  check_safety(s, "an operator step");
}

/* Consume message k at its worker; sometimes produce / mint from it (justified by it). */
static void consume(sim *s, tidal_progress_batch *step, int k, bool wind_down) {
  msg m = s->msgs[k];
  s->msgs[k] = s->msgs[--s->n_msgs];
  /* The record must not arrive below the local frontier of its input. */
  const tidal_antichain *f = tidal_tracker_target_frontier(s->view[m.worker], m.node, m.port);
  if (!s->violation && !tidal_antichain_less_equal(f, &m.t)) {
    s->violation = SIM_UNSAFE;
    snprintf(s->why, sizeof s->why, "record delivered below the frontier of Target(%u,%u) at "
             "worker %u", m.node, m.port, m.worker);
  }
  step_add(step, tidal_location_target(m.node, m.port), &m.t, -m.count);
  if (wind_down) return;
  n_consumed++;
  for (uint32_t o = 0; o < s->g.outs[m.node]; o++) {
    if (!s->g.conn[m.node][m.port][o]) continue;
    tidal_time r;
    if (!tidal_summary_apply(&s->g.sum[m.node][m.port][o], &m.t, s->g.depth, &r)) continue;
    uint64_t a = rnd(s, 4);
    if (a == 0) continue;
    tidal_time r2 = later(s, &r);
    if (a <= 2) produce(s, step, m.node, o, &r2);
    else add_cap(s, step, m.worker, m.node, o, &r2);
  }
}

/* One random operator step at worker w. */
static void random_step(sim *s, uint32_t w) {
  tidal_progress_batch step;
  tidal_progress_batch_init(&step, s->g.depth, NULL);
  int actions = 1 + (int)rnd(s, 3);
  for (int a = 0; a < actions; a++) {
    if (rnd(s, 2) == 0) {
      /* A message for this worker, if any. */
      int pick = -1, seen = 0;
      for (int k = 0; k < s->n_msgs; k++)
        if (s->msgs[k].worker == w && rnd(s, (uint64_t)++seen) == 0) pick = k;
      if (pick >= 0) consume(s, &step, pick, false);
      continue;
    }
    int pick = -1, seen = 0;
    for (int k = 0; k < s->n_caps; k++)
      if (s->caps[k].worker == w && rnd(s, (uint64_t)++seen) == 0) pick = k;
    if (pick < 0) continue;
    cap c = s->caps[pick];
    tidal_time t2 = later(s, &c.t);
    switch (rnd(s, 5)) {
    case 0:
    case 1: produce(s, &step, c.node, c.port, &t2); break;
    case 2: /* downgrade: +1 at t2, -1 at t, in the same batch */
      if (time_ok(s, &t2)) {
        add_cap(s, &step, w, c.node, c.port, &t2);
        remove_cap(s, &step, pick);
      }
      break;
    case 3: remove_cap(s, &step, pick); break; /* drop */
    case 4: add_cap(s, &step, w, c.node, c.port, &t2); break; /* clone / delayed copy */
    }
  }
  finish_step(s, w, &step);
  tidal_progress_batch_reset(&step);
}

/* ---- one run ---------------------------------------------------------------------------- */

static void sim_free(sim *s) {
  for (uint32_t w = 0; w < s->W; w++) {
    tidal_tracker_free(s->view[w]);
    tidal_progress_batch_reset(&s->L[w]);
    for (uint32_t v = 0; v < s->W; v++)
      for (int k = s->qh[w][v]; k < s->qt[w][v]; k++) {
        tidal_progress_batch_reset(s->q[w][v][k]);
        free(s->q[w][v][k]);
      }
  }
  tidal_tracker_free(s->oracle);
}

static int run_sim(uint64_t seed, int mutation, bool mutate, char *why, size_t why_len) {
  sim *s = calloc(1, sizeof *s);
  s->rng = seed * 0x9e3779b97f4a7c15ull + 1;
  s->mutation = mutation;
  s->mutate = mutate;
  rand_sgraph(s);
  s->W = 1 + (uint32_t)rnd(s, MAXW);
  if (mutation != MUT_NONE && s->W < 2) s->W = 2;
  s->demand = mutation == MUT_NONE && rnd(s, 2) == 0;
  n_demand_runs += s->demand;
  n_loop_runs += has_back_edge(&s->g);
  s->oracle = build_tracker(&s->g);
  tidal_time zero = tidal_time_minimum();
  for (uint32_t w = 0; w < s->W; w++) {
    s->view[w] = build_tracker(&s->g);
    tidal_progress_batch_init(&s->L[w], s->g.depth, NULL);
  }
  /* Operator built: +W at (o, minimum) in every tracker, written directly; each worker's instance
     holds one capability per output. */
  for (uint32_t n = 1; n < s->g.n_nodes; n++)
    for (uint32_t o = 0; o < s->g.outs[n]; o++) {
      for (uint32_t w = 0; w < s->W; w++) {
        CHECK_OK(tidal_tracker_update(s->view[w], tidal_location_source(n, o), &zero, s->W, NULL));
        cap c = {w, n, o, zero};
        s->caps[s->n_caps++] = c;
      }
      CHECK_OK(tidal_tracker_update(s->oracle, tidal_location_source(n, o), &zero, s->W, NULL));
    }
  for (uint32_t w = 0; w < s->W; w++) CHECK_OK(tidal_tracker_propagate(s->view[w], NULL));
  CHECK_OK(tidal_tracker_propagate(s->oracle, NULL));
  check_safety(s, "initialization");

  int steps = 40 + (int)rnd(s, 80);
  for (int i = 0; i < steps && !s->violation; i++) {
    if (rnd(s, 2) == 0) {
      random_step(s, (uint32_t)rnd(s, s->W));
    } else {
      /* A delivery from a random non-empty queue. */
      uint32_t from = (uint32_t)rnd(s, s->W), to = (uint32_t)rnd(s, s->W);
      deliver_one(s, from, to);
    }
  }
  /* Wind down: retire every capability and record, then deliver until quiet. */
  int result = s->violation;
  for (int round = 0; round < 1000 && !s->violation; round++) {
    bool did = false;
    for (uint32_t w = 0; w < s->W; w++) {
      tidal_progress_batch step;
      tidal_progress_batch_init(&step, s->g.depth, NULL);
      for (int k = s->n_caps - 1; k >= 0; k--)
        if (s->caps[k].worker == w) remove_cap(s, &step, k);
      for (int k = s->n_msgs - 1; k >= 0; k--)
        if (s->msgs[k].worker == w) consume(s, &step, k, true);
      if (step.len) {
        finish_step(s, w, &step);
        did = true;
      }
      tidal_progress_batch_reset(&step);
    }
    for (uint32_t from = 0; from < s->W; from++)
      for (uint32_t to = 0; to < s->W; to++)
        while (deliver_one(s, from, to)) did = true;
    if (!did) break;
  }
  result = s->violation;
  if (!result) {
    /* Quiescence: views equal the truth (nothing), every frontier is empty. */
    bool stalled = false;
    for (uint32_t w = 0; w < s->W; w++) {
      tidal_progress_batch_compact(&s->L[w]);
      stalled |= s->L[w].len != 0 || tidal_tracker_tracking_anything(s->view[w]);
      for (uint32_t n = 0; n < s->g.n_nodes; n++)
        for (uint32_t i = 0; i < s->g.ins[n]; i++)
          stalled |= tidal_tracker_target_frontier(s->view[w], n, i)->len != 0;
    }
    if (stalled) {
      result = SIM_STALL;
      snprintf(s->why, sizeof s->why, "stalled: a view still tracks something at quiescence "
               "(demand=%d)", s->demand);
    }
    CHECK(!tidal_tracker_tracking_anything(s->oracle));
  }
  snprintf(why, why_len, "%s", s->why);
  sim_free(s);
  free(s);
  return result;
}

TEST(simulator_never_passes_the_oracle) {
  char why[256];
  for (uint64_t seed = 1; seed <= 1500; seed++) {
    int r = run_sim(seed, MUT_NONE, false, why, sizeof why);
    if (r != SIM_OK) TEST_FAIL("seed %" PRIu64 ": %s", seed, why);
  }
  printf("  %ld records consumed, %ld deliveries, %ld demand-mode runs holding %ld times, "
         "%ld runs with loops\n", n_consumed, n_deliveries, n_demand_runs, n_held, n_loop_runs);
  CHECK(n_consumed > 20000 && n_demand_runs > 500 && n_held > 1000 && n_loop_runs > 200);
}

/* Run each seed with the mutation and, when it is caught, again as a control (same configuration
   and random choices, mutation off), which must pass: the mutation is what the checks caught. */
static int mutation_catches(int mutation, int seeds) {
  char why[256];
  int caught = 0;
  for (uint64_t seed = 1; seed <= (uint64_t)seeds; seed++) {
    if (run_sim(seed, mutation, true, why, sizeof why) == SIM_OK) continue;
    caught++;
    if (caught == 1) printf("  first catch, seed %" PRIu64 ": %s\n", seed, why);
    int r = run_sim(seed, mutation, false, why, sizeof why);
    if (r != SIM_OK) TEST_FAIL("control run of seed %" PRIu64 " failed: %s", seed, why);
  }
  printf("  caught on %d of %d seeds\n", caught, seeds);
  return caught;
}

TEST(simulator_catches_reordered_batches) { CHECK(mutation_catches(MUT_REORDER, 1000) > 0); }

TEST(simulator_catches_consumption_published_first) { CHECK(mutation_catches(MUT_SPLIT, 1000) > 0); }
