/* progress_tracker_test.c: the reachability tracker and its builder against brute-force references
   on random graphs (spec §8.4-§8.6): the cycle rule vs transitive closure, summaries towards scope
   outputs vs simple-path enumeration, frontiers vs "minimal { s(t) : count(l,t) > 0, s a path
   summary l -> X }", order independence, and OOM injection. */
#include "harness/test.h"
#include "progress/tracker_int.h" /* the work counter, for the work bound below */

/* ---- a small graph description the tests own (independent of the builder's internals) ----- */

#define MAXN 7 /* nodes, including node 0 */
#define MAXP 2 /* ports per side */
#define NL (MAXN * MAXP * 2)
#define NT 16 /* times: coordinates < 4, depth <= 2 */

typedef struct tsum {
  uint32_t node, in, out;
  tidal_summary s;
} tsum;
typedef struct tedge {
  uint32_t sn, sp, tn, tp;
} tedge;
typedef struct tgraph {
  uint32_t depth, n_nodes, ins[MAXN], outs[MAXN];
  bool feedback[MAXN];
  tsum sums[96];
  int n_sums;
  tedge edges[40];
  int n_edges;
} tgraph;

static int lid(uint32_t node, uint32_t port, bool src) { return (int)((node * MAXP + port) * 2 + src); }
static tidal_location loc_of(int l) {
  tidal_location loc = {(uint32_t)(l / 2 / MAXP), (uint32_t)(l / 2 % MAXP), (l & 1) != 0};
  return loc;
}
static bool exists(const tgraph *g, int l) {
  tidal_location c = loc_of(l);
  return c.node < g->n_nodes && c.port < (c.is_source ? g->outs[c.node] : g->ins[c.node]);
}
static tidal_time time_of(int k, uint32_t depth) {
  return depth == 1 ? tidal_time_u64((uint64_t)k) : tidal_time_product((uint64_t)k / 4, (uint64_t)k % 4);
}
static int n_times(uint32_t depth) { return depth == 1 ? 4 : NT; }

static tidal_summary rand_strict(uint64_t *rng, uint32_t depth) {
  tidal_summary s = tidal_summary_identity();
  if (tidal_test_rand(rng) % 20 == 0) { /* huge: twice round a loop overflows (NONE) */
    s.c[depth - 1] = UINT64_MAX / 2 + 1;
    return s;
  }
  do {
    for (uint32_t i = 0; i < depth; i++) s.c[i] = tidal_test_rand(rng) % 3;
  } while (!tidal_summary_is_strict(&s, depth));
  return s;
}

enum { DAG, FEEDBACK, ANY };

static void add_sum(tgraph *g, uint32_t n, uint32_t i, uint32_t o, tidal_summary s) {
  tsum t = {n, i, o, s};
  g->sums[g->n_sums++] = t;
}

static void rand_graph(tgraph *g, uint64_t *rng, int mode) {
  memset(g, 0, sizeof *g);
  g->depth = 1 + (uint32_t)(tidal_test_rand(rng) % 2);
  g->n_nodes = 2 + (uint32_t)(tidal_test_rand(rng) % (MAXN - 1));
  g->ins[0] = (uint32_t)(tidal_test_rand(rng) % 3);  /* scope outputs */
  g->outs[0] = (uint32_t)(tidal_test_rand(rng) % 3); /* scope inputs */
  for (uint32_t n = 1; n < g->n_nodes; n++) {
    if (mode == FEEDBACK && tidal_test_rand(rng) % 3 == 0) {
      g->feedback[n] = true;
      g->ins[n] = g->outs[n] = 1;
      add_sum(g, n, 0, 0, rand_strict(rng, g->depth));
      continue;
    }
    g->ins[n] = (uint32_t)(tidal_test_rand(rng) % 3);
    g->outs[n] = (uint32_t)(tidal_test_rand(rng) % 3);
    for (uint32_t i = 0; i < g->ins[n]; i++)
      for (uint32_t o = 0; o < g->outs[n]; o++) {
        uint64_t r = tidal_test_rand(rng) % 10;
        if (r < 5 || (mode == ANY && r < 7)) add_sum(g, n, i, o, tidal_summary_identity());
        else if (r < 7) add_sum(g, n, i, o, rand_strict(rng, g->depth));
        else if (r < 8) { /* two summaries (an antichain when incomparable) */
          add_sum(g, n, i, o, rand_strict(rng, g->depth));
          add_sum(g, n, i, o, rand_strict(rng, g->depth));
        }
      }
  }
  int want = (int)(tidal_test_rand(rng) % 14);
  for (int e = 0; e < want * 3 && g->n_edges < want; e++) {
    uint32_t a = (uint32_t)(tidal_test_rand(rng) % g->n_nodes);
    uint32_t b = (uint32_t)(tidal_test_rand(rng) % g->n_nodes);
    if (!g->outs[a] || !g->ins[b]) continue;
    bool forward = a == 0 || b == 0 || a < b;
    if (mode == DAG && !forward) continue;
    if (mode == FEEDBACK && !forward && !g->feedback[b]) continue;
    tedge ed = {a, (uint32_t)(tidal_test_rand(rng) % g->outs[a]), b,
                (uint32_t)(tidal_test_rand(rng) % g->ins[b])};
    g->edges[g->n_edges++] = ed;
  }
}

static int build(const tgraph *g, const tidal_allocator *alloc, tidal_tracker **out,
                 tidal_error *err) {
  tidal_tracker_builder *b;
  int rc = tidal_tracker_builder_new(g->depth, g->outs[0], g->ins[0], alloc, &b, err);
  if (rc < 0) return rc;
  for (uint32_t n = 1; n < g->n_nodes && rc == 0; n++) {
    uint32_t id;
    rc = tidal_tracker_builder_add_node(b, g->ins[n], g->outs[n], NULL, &id, err);
    if (rc == 0) CHECK_EQ_INT(id, n);
  }
  for (int k = 0; k < g->n_sums && rc == 0; k++)
    rc = tidal_tracker_builder_add_summary(b, g->sums[k].node, g->sums[k].in, g->sums[k].out,
                                           &g->sums[k].s, err);
  for (int k = 0; k < g->n_edges && rc == 0; k++)
    rc = tidal_tracker_builder_add_edge(b, g->edges[k].sn, g->edges[k].sp, g->edges[k].tn,
                                        g->edges[k].tp, err);
  if (rc == 0) rc = tidal_tracker_builder_build(b, out, err);
  tidal_tracker_builder_free(b);
  return rc;
}

/* Hops of the reference graph: (from, to, summary, strict). */
typedef struct thop {
  int from, to;
  tidal_summary s;
} thop;
static int hops_of(const tgraph *g, thop *h) {
  int n = 0;
  for (int k = 0; k < g->n_sums; k++) {
    thop x = {lid(g->sums[k].node, g->sums[k].in, false), lid(g->sums[k].node, g->sums[k].out, true),
              g->sums[k].s};
    h[n++] = x;
  }
  for (int k = 0; k < g->n_edges; k++) {
    thop x = {lid(g->edges[k].sn, g->edges[k].sp, true), lid(g->edges[k].tn, g->edges[k].tp, false),
              tidal_summary_identity()};
    h[n++] = x;
  }
  return n;
}

/* ---- reference: path summaries by enumeration of simple paths --------------------------- */

/* R[l][x]: minimal summaries over all paths l -> x. Summaries are additive and never negative, so
   cutting a cycle out of a path gives a summary <= it: simple paths suffice. */
typedef struct paths {
  tidal_summary_antichain R[NL][NL];
} paths;

static void dfs(const tgraph *g, const thop *h, int nh, paths *p, int from, int at,
                tidal_summary s, bool *on_path) {
  CHECK_OK(tidal_summary_antichain_insert(&p->R[from][at], &s, NULL, NULL));
  on_path[at] = true;
  for (int k = 0; k < nh; k++) {
    if (h[k].from != at || on_path[h[k].to]) continue;
    tidal_summary c;
    if (!tidal_summary_compose(&s, &h[k].s, g->depth, &c)) continue;
    dfs(g, h, nh, p, from, h[k].to, c, on_path);
  }
  on_path[at] = false;
}

static paths *all_paths(const tgraph *g) {
  paths *p = calloc(1, sizeof *p);
  thop h[200];
  int nh = hops_of(g, h);
  for (int a = 0; a < NL; a++)
    for (int b = 0; b < NL; b++) tidal_summary_antichain_init(&p->R[a][b], g->depth, NULL);
  for (int l = 0; l < NL; l++) {
    if (!exists(g, l)) continue;
    bool on_path[NL] = {0};
    dfs(g, h, nh, p, l, l, tidal_summary_identity(), on_path);
  }
  return p;
}
static void paths_free(paths *p) {
  for (int a = 0; a < NL; a++)
    for (int b = 0; b < NL; b++) tidal_summary_antichain_reset(&p->R[a][b]);
  free(p);
}

/* ---- builder: cycle rule (§8.4) --------------------------------------------------------- */

/* Brute force: a non-advancing cycle exists iff some location reaches itself through one or more
   non-strict hops (transitive closure, not Kahn). */
static bool has_nonadvancing_cycle(const tgraph *g) {
  static bool reach[NL][NL];
  memset(reach, 0, sizeof reach);
  thop h[200];
  int nh = hops_of(g, h);
  for (int k = 0; k < nh; k++)
    if (!tidal_summary_is_strict(&h[k].s, g->depth)) reach[h[k].from][h[k].to] = true;
  for (int m = 0; m < NL; m++)
    for (int a = 0; a < NL; a++)
      if (reach[a][m])
        for (int b = 0; b < NL; b++) reach[a][b] |= reach[m][b];
  for (int a = 0; a < NL; a++)
    if (reach[a][a]) return true;
  return false;
}

TEST(builder_cycle_check_matches_brute_force) {
  uint64_t rng = 11;
  int accepted = 0, refused = 0;
  for (int it = 0; it < 3000; it++) {
    tgraph g;
    rand_graph(&g, &rng, it % 3 == 0 ? FEEDBACK : ANY);
    bool cyc = has_nonadvancing_cycle(&g);
    tidal_tracker *t = NULL;
    tidal_error err;
    int rc = build(&g, NULL, &t, &err);
    if (cyc) {
      CHECK_EQ_INT(rc, TIDAL_EINVAL);
      CHECK(strstr(err.msg, "non-advancing cycle") != NULL);
      refused++;
    } else {
      CHECK_OK(rc);
      accepted++;
    }
    tidal_tracker_free(t);
  }
  CHECK(accepted > 300 && refused > 300);
}

TEST(builder_names_the_cycle) {
  /* 1 -> 2 -> 1 through identity summaries: refused, and the message walks the cycle. */
  tidal_tracker_builder *b;
  tidal_summary id = tidal_summary_identity(), loop = tidal_summary_add(1, 1);
  CHECK_OK(tidal_tracker_builder_new(2, 0, 0, NULL, &b, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &id, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &id, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 2, 0, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 2, 0, 1, 0, NULL));
  tidal_error err;
  CHECK_ERR(tidal_tracker_builder_check(b, &err), TIDAL_EINVAL);
  CHECK(strstr(err.msg, "Source(1,0) -> Target(2,0)") || strstr(err.msg, "Source(2,0) -> Target(1,0)"));
  CHECK(strstr(err.msg, "Target(1,0) -> Source(1,0)") || strstr(err.msg, "Target(2,0) -> Source(2,0)"));
  tidal_tracker *t = NULL;
  CHECK_ERR(tidal_tracker_builder_build(b, &t, &err), TIDAL_EINVAL);
  CHECK(t == NULL);
  /* A strict feedback node in the loop makes it acceptable. */
  uint32_t fb;
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &loop, &fb, NULL));
  tidal_tracker_builder_free(b);
  CHECK_OK(tidal_tracker_builder_new(2, 0, 0, NULL, &b, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &id, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &loop, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 2, 0, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 2, 0, 1, 0, NULL));
  CHECK_OK(tidal_tracker_builder_check(b, NULL));
  /* Bad ports are refused with a message. */
  CHECK_ERR(tidal_tracker_builder_add_edge(b, 1, 1, 2, 0, &err), TIDAL_EINVAL);
  CHECK(strstr(err.msg, "Source(1, 1)") != NULL);
  CHECK_ERR(tidal_tracker_builder_add_edge(b, 1, 0, 9, 0, &err), TIDAL_EINVAL);
  CHECK_ERR(tidal_tracker_builder_add_summary(b, 0, 0, 0, &id, &err), TIDAL_EINVAL);
  CHECK_ERR(tidal_tracker_builder_add_summary(b, 1, 0, 3, &id, &err), TIDAL_EINVAL);
  tidal_tracker_builder_free(b);
  CHECK_ERR(tidal_tracker_builder_new(0, 0, 0, NULL, &b, &err), TIDAL_EINVAL);
  CHECK_ERR(tidal_tracker_builder_new(TIDAL_TIME_MAX_DEPTH + 1, 0, 0, NULL, &b, &err), TIDAL_EINVAL);
}

/* ---- tracker vs reference (§8.5) -------------------------------------------------------- */

typedef struct model {
  const tgraph *g;
  paths *p;
  int64_t count[NL][NT];
} model;

/* The minimal elements of the times implied at x by the model's positive counts. */
static void implied(const model *m, int x, tidal_antichain *out) {
  const tgraph *g = m->g;
  tidal_antichain_clear(out);
  for (int l = 0; l < NL; l++) {
    const tidal_summary_antichain *R = &m->p->R[l][x];
    if (!R->len) continue;
    for (int k = 0; k < n_times(g->depth); k++) {
      if (m->count[l][k] <= 0) continue;
      tidal_time t = time_of(k, g->depth), r;
      for (size_t e = 0; e < R->len; e++)
        if (tidal_summary_apply(&R->elems[e], &t, g->depth, &r))
          CHECK_OK(tidal_antichain_insert(out, &r, NULL, NULL));
    }
  }
}

/* Minimal times with positive count at l. */
static void positive_min(const model *m, int l, tidal_antichain *out) {
  tidal_antichain_clear(out);
  for (int k = 0; k < n_times(m->g->depth); k++)
    if (m->count[l][k] > 0) {
      tidal_time t = time_of(k, m->g->depth);
      CHECK_OK(tidal_antichain_insert(out, &t, NULL, NULL));
    }
}

/* Running sums of the tracker's outputs, to check that they describe its state exactly. */
typedef struct sinks {
  tidal_progress_batch pushed;
  tidal_change_batch out[MAXP];
} sinks;

static long nonempty_checked; /* how many non-empty reference frontiers were compared */

static void check_against_model(tidal_tracker *t, const model *m, sinks *s) {
  const tgraph *g = m->g;
  tidal_antichain want, f;
  tidal_antichain_init(&want, g->depth, NULL);
  tidal_antichain_init(&f, g->depth, NULL);
  int64_t total = 0, caps[MAXN] = {0};
  CHECK_OK(tidal_progress_batch_drain_into(tidal_tracker_pushed(t), &s->pushed, NULL));
  tidal_progress_batch_compact(&s->pushed);
  for (int x = 0; x < NL; x++) {
    if (!exists(g, x)) continue;
    tidal_location loc = loc_of(x);
    implied(m, x, &want);
    const tidal_antichain *got = loc.is_source ? tidal_tracker_source_frontier(t, loc.node, loc.port)
                                               : tidal_tracker_target_frontier(t, loc.node, loc.port);
    CHECK(got != NULL);
    nonempty_checked += want.len > 0;
    if (!tidal_antichain_equal(got, &want)) {
      fprintf(stderr, "  at %s(%u,%u): tracker has %zu elements, reference %zu\n",
              loc.is_source ? "Source" : "Target", loc.node, loc.port, got->len, want.len);
      CHECK(tidal_antichain_equal(got, &want));
    }
    positive_min(m, x, &f);
    CHECK(tidal_antichain_equal(tidal_tracker_pointstamp_frontier(t, loc), &f));
    total += (int64_t)f.len;
    if (loc.is_source) caps[loc.node] += (int64_t)f.len;
    /* Pushed target changes, summed since the start, are +1 for each frontier element. */
    if (!loc.is_source) {
      size_t n = 0;
      for (size_t i = 0; i < s->pushed.len; i++) {
        const tidal_progress_update *u = &s->pushed.updates[i];
        if (tidal_location_cmp(&u->loc, &loc) != 0) continue;
        CHECK_EQ_INT(u->diff, 1);
        CHECK(tidal_antichain_less_equal(&want, &u->time) &&
              !tidal_antichain_less_than(&want, &u->time));
        n++;
      }
      CHECK_EQ_INT(n, want.len);
    }
    /* Raw counts as the debugging view reports them. */
    const tidal_time_diff *ups;
    size_t len;
    CHECK_OK(tidal_tracker_pointstamps(t, loc, &ups, &len, NULL));
    size_t nz = 0;
    for (int k = 0; k < n_times(g->depth); k++) {
      if (!m->count[x][k]) continue;
      nz++;
      tidal_time tk = time_of(k, g->depth);
      bool found = false;
      for (size_t i = 0; i < len; i++)
        if (tidal_time_eq(&ups[i].time, &tk, g->depth)) {
          CHECK_EQ_INT(ups[i].diff, m->count[x][k]);
          found = true;
        }
      CHECK(found);
    }
    CHECK_EQ_INT(len, nz);
  }
  for (uint32_t n = 0; n < g->n_nodes; n++) CHECK_EQ_INT(tidal_tracker_capability_count(t, n), caps[n]);
  CHECK(tidal_tracker_tracking_anything(t) == (total > 0));
  /* Output projections: summed, they equal the multiset { s(f) : f in the pointstamp frontier of
     a location l of node != 0, s in paths(l -> Target(0, o)) }. */
  for (uint32_t o = 0; o < g->ins[0]; o++) {
    CHECK_OK(tidal_change_batch_drain_into(tidal_tracker_output_changes(t, o), &s->out[o], NULL));
    tidal_change_batch expect;
    tidal_change_batch_init(&expect, g->depth, NULL);
    for (int l = 0; l < NL; l++) {
      if (!exists(g, l) || loc_of(l).node == 0) continue;
      positive_min(m, l, &f);
      const tidal_summary_antichain *R = &m->p->R[l][lid(0, o, false)];
      for (size_t i = 0; i < f.len; i++)
        for (size_t e = 0; e < R->len; e++) {
          tidal_time r;
          if (tidal_summary_apply(&R->elems[e], &f.elems[i], g->depth, &r))
            CHECK_OK(tidal_change_batch_update(&expect, &r, 1, NULL));
        }
    }
    tidal_change_batch_compact(&expect);
    tidal_change_batch_compact(&s->out[o]);
    CHECK_EQ_INT(s->out[o].len, expect.len);
    for (size_t i = 0; i < expect.len; i++) {
      CHECK(tidal_time_eq(&expect.updates[i].time, &s->out[o].updates[i].time, g->depth));
      CHECK_EQ_INT(expect.updates[i].diff, s->out[o].updates[i].diff);
    }
    tidal_change_batch_reset(&expect);
  }
  tidal_antichain_reset(&want);
  tidal_antichain_reset(&f);
}

static void sinks_init(sinks *s, uint32_t depth) {
  tidal_progress_batch_init(&s->pushed, depth, NULL);
  for (int o = 0; o < MAXP; o++) tidal_change_batch_init(&s->out[o], depth, NULL);
}
static void sinks_reset(sinks *s) {
  tidal_progress_batch_reset(&s->pushed);
  for (int o = 0; o < MAXP; o++) tidal_change_batch_reset(&s->out[o]);
}

static int rand_existing_loc(const tgraph *g, uint64_t *rng) {
  for (;;) {
    int l = (int)(tidal_test_rand(rng) % NL);
    if (exists(g, l)) return l;
  }
}

static void run_random_tracker(int mode, uint64_t seed, int graphs) {
  uint64_t rng = seed;
  int checked = 0;
  for (int it = 0; it < graphs; it++) {
    tgraph g;
    rand_graph(&g, &rng, mode);
    tidal_tracker *t;
    tidal_error err;
    int rc = build(&g, NULL, &t, &err);
    if (rc != 0) TEST_FAIL("build: %s", err.msg);
    int nports = 0;
    for (int l = 0; l < NL; l++) nports += exists(&g, l);
    if (nports == 0) {
      tidal_tracker_free(t);
      continue;
    }
    model m;
    memset(&m, 0, sizeof m);
    m.g = &g;
    m.p = all_paths(&g);
    /* Scope summaries are the path summaries Source(0,i) -> Target(0,o). */
    for (uint32_t i = 0; i < g.outs[0]; i++)
      for (uint32_t o = 0; o < g.ins[0]; o++) {
        const tidal_summary_antichain *ss = tidal_tracker_scope_summary(t, i, o);
        const tidal_summary_antichain *R = &m.p->R[lid(0, i, true)][lid(0, o, false)];
        CHECK(ss && ss->len == R->len);
        for (size_t a = 0; a < R->len; a++) {
          bool found = false;
          for (size_t b = 0; b < ss->len; b++) found |= tidal_summary_eq(&ss->elems[b], &R->elems[a], g.depth);
          CHECK(found);
        }
      }
    sinks s;
    sinks_init(&s, g.depth);
    int rounds = 1 + (int)(tidal_test_rand(&rng) % 12);
    for (int r = 0; r < rounds; r++) {
      int n = 1 + (int)(tidal_test_rand(&rng) % 6);
      for (int u = 0; u < n; u++) {
        int l = rand_existing_loc(&g, &rng);
        int k = (int)(tidal_test_rand(&rng) % (uint64_t)n_times(g.depth));
        /* Mostly +1/-1, so counts often return to zero; transient negatives happen. */
        int64_t d = tidal_test_rand(&rng) % 4 == 0 ? (int64_t)(tidal_test_rand(&rng) % 7) - 3
                                                    : (tidal_test_rand(&rng) % 2 ? 1 : -1);
        tidal_time tk = time_of(k, g.depth);
        CHECK_OK(tidal_tracker_update(t, loc_of(l), &tk, d, NULL));
        m.count[l][k] += d;
      }
      /* Sometimes retire everything positive so frontiers empty out (also around loops). */
      if (tidal_test_rand(&rng) % 6 == 0)
        for (int l = 0; l < NL; l++)
          for (int k = 0; k < NT; k++)
            if (m.count[l][k] > 0) {
              tidal_time tk = time_of(k, g.depth);
              CHECK_OK(tidal_tracker_update(t, loc_of(l), &tk, -m.count[l][k], NULL));
              m.count[l][k] = 0;
            }
      CHECK_OK(tidal_tracker_propagate(t, NULL));
      check_against_model(t, &m, &s);
      checked++;
    }
    sinks_reset(&s);
    paths_free(m.p);
    tidal_tracker_free(t);
  }
  CHECK(checked > graphs);
  CHECK(nonempty_checked > 10L * graphs); /* the frontiers compared are mostly not trivial */
}

TEST(tracker_matches_reference_dag) { run_random_tracker(DAG, 21, 600); }
TEST(tracker_matches_reference_feedback) { run_random_tracker(FEEDBACK, 22, 600); }

TEST(tracker_rejects_unknown_locations) {
  tgraph g;
  uint64_t rng = 5;
  rand_graph(&g, &rng, DAG);
  tidal_tracker *t;
  CHECK_OK(build(&g, NULL, &t, NULL));
  tidal_error err;
  tidal_time z = tidal_time_minimum();
  CHECK_ERR(tidal_tracker_update(t, tidal_location_source(MAXN + 3, 0), &z, 1, &err), TIDAL_EINVAL);
  CHECK(strstr(err.msg, "Source(10, 0)") != NULL);
  CHECK_ERR(tidal_tracker_update(t, tidal_location_target(1, MAXP + 1), &z, 1, &err), TIDAL_EINVAL);
  /* A batch with one bad location queues nothing (all or nothing). */
  tidal_progress_update ups[3];
  memset(ups, 0, sizeof ups);
  for (int i = 0; i < 3; i++) {
    ups[i].loc = loc_of(rand_existing_loc(&g, &rng));
    ups[i].time = z;
    ups[i].diff = 1;
  }
  ups[1].loc = tidal_location_target(MAXN + 1, 0);
  CHECK_ERR(tidal_tracker_update_many(t, ups, 3, &err), TIDAL_EINVAL);
  CHECK(!tidal_tracker_tracking_anything(t));
  ups[1].loc = ups[0].loc;
  CHECK_OK(tidal_tracker_update_many(t, ups, 3, &err));
  CHECK(tidal_tracker_tracking_anything(t));
  CHECK_OK(tidal_tracker_propagate(t, NULL));
  const tidal_antichain *pf = tidal_tracker_pointstamp_frontier(t, ups[0].loc);
  CHECK(pf->len == 1 && tidal_time_eq(&pf->elems[0], &z, g.depth));
  CHECK(tidal_tracker_target_frontier(t, 1, MAXP + 1) == NULL);
  CHECK(tidal_tracker_output_changes(t, MAXP + 1) == NULL);
  CHECK(tidal_tracker_tracking_anything(t));
  tidal_tracker_free(t);
}

/* ---- a loop example, by hand ------------------------------------------------------------ */

TEST(tracker_loop_retraction_terminates) {
  /* Iteration scope, depth 2: scope input -> 1 (ingress-like identity) -> 2 (feedback +1 inner)
     -> back to 1; 1 also feeds the scope output. */
  tidal_tracker_builder *b;
  tidal_summary id = tidal_summary_identity(), loop = tidal_summary_add(1, 1);
  CHECK_OK(tidal_tracker_builder_new(2, 1, 1, NULL, &b, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 2, 1, &id, NULL, NULL));   /* node 1: concat */
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &loop, NULL, NULL)); /* node 2: feedback */
  CHECK_OK(tidal_tracker_builder_add_edge(b, 0, 0, 1, 0, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 2, 0, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 2, 0, 1, 1, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 0, 0, NULL));
  tidal_tracker *t;
  CHECK_OK(tidal_tracker_builder_build(b, &t, NULL));
  tidal_tracker_builder_free(b);
  /* The scope summary input -> output is the identity (the loop only adds to it). */
  const tidal_summary_antichain *ss = tidal_tracker_scope_summary(t, 0, 0);
  CHECK(ss->len == 1 && tidal_summary_eq(&ss->elems[0], &id, 2));
  /* The parent's frontier seeds Source(0,0) at (0,0): node 1 sees (0,0) at both inputs... */
  tidal_time t00 = tidal_time_product(0, 0), t05 = tidal_time_product(0, 5);
  CHECK_OK(tidal_tracker_update(t, tidal_location_source(0, 0), &t00, 1, NULL));
  CHECK_OK(tidal_tracker_propagate(t, NULL));
  const tidal_antichain *f1 = tidal_tracker_target_frontier(t, 1, 1);
  tidal_time t01 = tidal_time_product(0, 1);
  CHECK(f1->len == 1 && tidal_time_eq(&f1->elems[0], &t01, 2));
  /* ... a capability in the loop at (0,5) and retiring the input: the loop's frontier moves to
     (0,5) and (0,6), and then retiring the capability empties everything. */
  CHECK_OK(tidal_tracker_update(t, tidal_location_source(2, 0), &t05, 1, NULL));
  CHECK_OK(tidal_tracker_update(t, tidal_location_source(0, 0), &t00, -1, NULL));
  CHECK_OK(tidal_tracker_propagate(t, NULL));
  f1 = tidal_tracker_target_frontier(t, 1, 1);
  CHECK(f1->len == 1 && tidal_time_eq(&f1->elems[0], &t05, 2));
  CHECK(tidal_tracker_target_frontier(t, 1, 0)->len == 0);
  CHECK_EQ_INT(tidal_tracker_capability_count(t, 2), 1);
  CHECK(tidal_tracker_tracking_anything(t));
  CHECK(tidal_tracker_is_global(t, tidal_location_source(2, 0), &t05));
  CHECK_OK(tidal_tracker_update(t, tidal_location_source(2, 0), &t05, -1, NULL));
  CHECK_OK(tidal_tracker_propagate(t, NULL));
  for (uint32_t n = 0; n < 3; n++)
    for (uint32_t p = 0; p < tidal_tracker_node_inputs(t, n); p++)
      CHECK_EQ_INT(tidal_tracker_target_frontier(t, n, p)->len, 0);
  CHECK(!tidal_tracker_tracking_anything(t));
  CHECK_EQ_INT(tidal_tracker_capability_count(t, 2), 0);
  tidal_tracker_free(t);
}

/* ---- order independence (§8.6) ---------------------------------------------------------- */

TEST(tracker_order_independence) {
  uint64_t rng = 31;
  for (int it = 0; it < 300; it++) {
    tgraph g;
    rand_graph(&g, &rng, it % 2 ? FEEDBACK : DAG);
    /* A sequence of updates; the final counts are what they sum to. */
    tidal_progress_update ups[40];
    int n = 1 + (int)(tidal_test_rand(&rng) % 40);
    bool any = false;
    for (int l = 0; l < NL; l++) any |= exists(&g, l);
    if (!any) continue;
    for (int i = 0; i < n; i++) {
      ups[i].loc = loc_of(rand_existing_loc(&g, &rng));
      ups[i].time = time_of((int)(tidal_test_rand(&rng) % (uint64_t)n_times(g.depth)), g.depth);
      ups[i].diff = tidal_test_rand(&rng) % 2 ? 1 : -1;
    }
    tidal_tracker *ref;
    CHECK_OK(build(&g, NULL, &ref, NULL));
    CHECK_OK(tidal_tracker_update_many(ref, ups, (size_t)n, NULL));
    CHECK_OK(tidal_tracker_propagate(ref, NULL));
    for (int trial = 0; trial < 4; trial++) {
      /* Shuffle, then feed in random splits with a propagate after each. */
      for (int i = n - 1; i > 0; i--) {
        int j = (int)(tidal_test_rand(&rng) % (uint64_t)(i + 1));
        tidal_progress_update x = ups[i];
        ups[i] = ups[j];
        ups[j] = x;
      }
      tidal_tracker *t;
      CHECK_OK(build(&g, NULL, &t, NULL));
      for (int i = 0; i < n; i++) {
        CHECK_OK(tidal_tracker_update(t, ups[i].loc, &ups[i].time, ups[i].diff, NULL));
        if (tidal_test_rand(&rng) % 3 == 0) CHECK_OK(tidal_tracker_propagate(t, NULL));
      }
      CHECK_OK(tidal_tracker_propagate(t, NULL));
      for (int l = 0; l < NL; l++) {
        if (!exists(&g, l)) continue;
        tidal_location loc = loc_of(l);
        if (loc.is_source) {
          CHECK(tidal_antichain_equal(tidal_tracker_source_frontier(t, loc.node, loc.port),
                                      tidal_tracker_source_frontier(ref, loc.node, loc.port)));
        } else {
          CHECK(tidal_antichain_equal(tidal_tracker_target_frontier(t, loc.node, loc.port),
                                      tidal_tracker_target_frontier(ref, loc.node, loc.port)));
        }
      }
      /* Pushed changes net out to the same frontiers. */
      tidal_progress_batch *pa = tidal_tracker_pushed(t), *pb = tidal_tracker_pushed(ref);
      tidal_progress_batch_compact(pa);
      tidal_progress_batch_compact(pb);
      CHECK_EQ_INT(pa->len, pb->len);
      for (size_t i = 0; i < pa->len; i++) {
        CHECK(tidal_location_cmp(&pa->updates[i].loc, &pb->updates[i].loc) == 0);
        CHECK(tidal_time_eq(&pa->updates[i].time, &pb->updates[i].time, g.depth));
        CHECK_EQ_INT(pa->updates[i].diff, pb->updates[i].diff);
      }
      tidal_tracker_free(t);
    }
    tidal_tracker_free(ref);
  }
}

/* ---- OOM injection ---------------------------------------------------------------------- */

static int oom_tracker(void *ud, const tidal_allocator *alloc) {
  const tgraph *g = ud;
  tidal_tracker *t = NULL;
  int rc = build(g, alloc, &t, NULL);
  for (int l = 0; l < NL && rc == 0; l++) {
    if (!exists(g, l)) continue;
    tidal_time tm = time_of(l % n_times(g->depth), g->depth);
    rc = tidal_tracker_update(t, loc_of(l), &tm, 1, NULL);
  }
  if (rc == 0) rc = tidal_tracker_propagate(t, NULL);
  tidal_tracker_free(t);
  return rc;
}

TEST(oom_tracker_build_and_propagate) {
  uint64_t rng = 41;
  int graphs = 0;
  while (graphs < 20) {
    tgraph g;
    rand_graph(&g, &rng, FEEDBACK);
    if (g.n_edges < 4) continue;
    CHECK(tidal_test_oom_sweep(oom_tracker, &g) > 10);
    graphs++;
  }
}

/* Hostile counts (from the network) wrap instead of overflowing (UBSan would flag overflow). */
TEST(tracker_hostile_counts_do_not_overflow) {
  tidal_tracker_builder *b;
  tidal_summary id = tidal_summary_identity();
  CHECK_OK(tidal_tracker_builder_new(1, 0, 0, NULL, &b, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 0, 1, NULL, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &id, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 2, 0, NULL));
  tidal_tracker *t;
  CHECK_OK(tidal_tracker_builder_build(b, &t, NULL));
  tidal_tracker_builder_free(b);
  tidal_time z = tidal_time_minimum(), big = tidal_time_u64(UINT64_MAX);
  for (int i = 0; i < 4; i++) {
    CHECK_OK(tidal_tracker_update(t, tidal_location_target(2, 0), &z, INT64_MAX, NULL));
    CHECK_OK(tidal_tracker_update(t, tidal_location_source(1, 0), &big, INT64_MIN, NULL));
    CHECK_OK(tidal_tracker_propagate(t, NULL));
  }
  /* 4 * INT64_MAX wraps to -4: no positive count, so no frontier. */
  CHECK_EQ_INT(tidal_tracker_target_frontier(t, 2, 0)->len, 0);
  tidal_tracker_free(t);
}

/* ---- nested scopes (§5, §8.9), by hand ------------------------------------------------------
   Parent (epochs): input 1 -> scope 2 -> sink 3. Scope 2 is an iteration scope (Product times):
   Source(0,0) -> concat 1 -> feedback 2 (+1 inner) -> concat 1; concat 1 -> Target(0,0). The
   plumbing is the one docs/progress.md describes for the dataflow layer. */

typedef struct nested {
  tidal_tracker *outer, *inner;
  tidal_mutable_antichain out_caps; /* scope output 0's capabilities, outer time */
} nested;

/* Inner -> parent: projected capability changes, in outer time, as the scope's internal[0]. */
static void nested_report_up(nested *n) {
  tidal_change_batch *oc = tidal_tracker_output_changes(n->inner, 0);
  tidal_change_batch_compact(oc);
  for (size_t i = 0; i < oc->len; i++) {
    tidal_time o = tidal_time_to_outer(&oc->updates[i].time, 2);
    CHECK_OK(tidal_mutable_antichain_update(&n->out_caps, &o, oc->updates[i].diff, NULL));
  }
  tidal_change_batch_clear(oc);
  tidal_change_batch *ch = &n->out_caps.changes;
  tidal_change_batch_compact(ch);
  for (size_t i = 0; i < ch->len; i++) /* non-local child: +1 per frontier element, no xW */
    CHECK_OK(tidal_tracker_update(n->outer, tidal_location_source(2, 0), &ch->updates[i].time,
                                  ch->updates[i].diff, NULL));
  tidal_change_batch_clear(ch);
}

/* Parent -> inner: frontier changes at the scope's input, applied as Source(0,0) pointstamps. */
static void nested_accept_frontier(nested *n) {
  tidal_progress_batch *p = tidal_tracker_pushed(n->outer);
  tidal_progress_batch_compact(p);
  for (size_t i = 0; i < p->len; i++) {
    const tidal_progress_update *u = &p->updates[i];
    if (u->loc.node != 2) continue;
    tidal_time in = tidal_time_to_inner(&u->time, 1);
    CHECK_OK(tidal_tracker_update(n->inner, tidal_location_source(0, 0), &in, u->diff, NULL));
  }
  tidal_progress_batch_clear(p);
}

/* One round: inner propagates and reports up, parent propagates and reports down, repeat. */
static void nested_settle(nested *n) {
  for (int i = 0; i < 3; i++) {
    CHECK_OK(tidal_tracker_propagate(n->inner, NULL));
    tidal_progress_batch_clear(tidal_tracker_pushed(n->inner));
    nested_report_up(n);
    CHECK_OK(tidal_tracker_propagate(n->outer, NULL));
    nested_accept_frontier(n);
  }
}

static bool frontier_is(const tidal_antichain *f, int64_t epoch) {
  if (epoch < 0) return f->len == 0;
  return f->len == 1 && f->elems[0].c[0] == (uint64_t)epoch;
}

TEST(nested_scope_plumbing) {
  nested n;
  tidal_summary id = tidal_summary_identity(), loop = tidal_summary_add(1, 1);
  tidal_tracker_builder *b;
  /* Inner scope. */
  CHECK_OK(tidal_tracker_builder_new(2, 1, 1, NULL, &b, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 2, 1, &id, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &loop, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 0, 0, 1, 0, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 2, 0, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 2, 0, 1, 1, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 0, 0, NULL));
  CHECK_OK(tidal_tracker_builder_build(b, &n.inner, NULL));
  tidal_tracker_builder_free(b);
  /* The scope's summary for the parent: to_outer of each inner summary input -> output. */
  const tidal_summary_antichain *ss = tidal_tracker_scope_summary(n.inner, 0, 0);
  CHECK_EQ_INT(ss->len, 1);
  tidal_summary outer_sum = tidal_summary_to_outer(&ss->elems[0], 2);
  CHECK(tidal_summary_eq(&outer_sum, &id, 1));
  /* Parent. */
  CHECK_OK(tidal_tracker_builder_new(1, 0, 0, NULL, &b, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 0, 1, NULL, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, NULL, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_summary(b, 2, 0, 0, &outer_sum, NULL));
  CHECK_OK(tidal_tracker_builder_add_node(b, 1, 0, NULL, NULL, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 1, 0, 2, 0, NULL));
  CHECK_OK(tidal_tracker_builder_add_edge(b, 2, 0, 3, 0, NULL));
  CHECK_OK(tidal_tracker_builder_build(b, &n.outer, NULL));
  tidal_tracker_builder_free(b);
  tidal_mutable_antichain_init(&n.out_caps, 1, NULL);

  /* Build time: the parent input's capability (W = 1) and the children's initial capabilities,
     whose projection is the scope's initial internal capability. */
  tidal_time e0 = tidal_time_u64(0), e1 = tidal_time_u64(1), i00 = tidal_time_product(0, 0);
  CHECK_OK(tidal_tracker_update(n.outer, tidal_location_source(1, 0), &e0, 1, NULL));
  CHECK_OK(tidal_tracker_update(n.inner, tidal_location_source(1, 0), &i00, 1, NULL));
  CHECK_OK(tidal_tracker_update(n.inner, tidal_location_source(2, 0), &i00, 1, NULL));
  nested_settle(&n);
  /* The scope's input frontier was seeded before any child runs (timely #360). */
  CHECK(frontier_is(tidal_tracker_pointstamp_frontier(n.inner, tidal_location_source(0, 0)), 0));
  CHECK(frontier_is(tidal_tracker_target_frontier(n.outer, 3, 0), 0));
  /* The children release their initial capabilities; the loop keeps one at (0, 3). */
  tidal_time i03 = tidal_time_product(0, 3);
  CHECK_OK(tidal_tracker_update(n.inner, tidal_location_source(1, 0), &i00, -1, NULL));
  CHECK_OK(tidal_tracker_update(n.inner, tidal_location_source(2, 0), &i00, -1, NULL));
  CHECK_OK(tidal_tracker_update(n.inner, tidal_location_source(2, 0), &i03, +1, NULL));
  nested_settle(&n);
  /* The parent input moves to epoch 1: the loop's capability at (0, 3) still holds the sink at 0. */
  CHECK_OK(tidal_tracker_update(n.outer, tidal_location_source(1, 0), &e1, +1, NULL));
  CHECK_OK(tidal_tracker_update(n.outer, tidal_location_source(1, 0), &e0, -1, NULL));
  nested_settle(&n);
  CHECK(frontier_is(tidal_tracker_target_frontier(n.outer, 2, 0), 1));
  CHECK(frontier_is(tidal_tracker_target_frontier(n.outer, 3, 0), 0));
  /* Inside, the loop's input sees the capability (0, 3) and the next epoch's first lap (1, 1):
     incomparable, both in the frontier. */
  tidal_antichain want;
  tidal_antichain_init(&want, 2, NULL);
  tidal_time i11 = tidal_time_product(1, 1);
  CHECK_OK(tidal_antichain_insert(&want, &i03, NULL, NULL));
  CHECK_OK(tidal_antichain_insert(&want, &i11, NULL, NULL));
  CHECK(tidal_antichain_equal(tidal_tracker_target_frontier(n.inner, 1, 1), &want));
  tidal_antichain_reset(&want);
  /* The loop finishes: the sink moves to 1. */
  CHECK_OK(tidal_tracker_update(n.inner, tidal_location_source(2, 0), &i03, -1, NULL));
  nested_settle(&n);
  CHECK(frontier_is(tidal_tracker_target_frontier(n.outer, 3, 0), 1));
  /* The parent input closes: everything empties, in both scopes. */
  CHECK_OK(tidal_tracker_update(n.outer, tidal_location_source(1, 0), &e1, -1, NULL));
  nested_settle(&n);
  CHECK(frontier_is(tidal_tracker_target_frontier(n.outer, 3, 0), -1));
  CHECK(!tidal_tracker_tracking_anything(n.inner));
  CHECK(!tidal_tracker_tracking_anything(n.outer));
  CHECK_EQ_INT(n.out_caps.frontier.len, 0);
  tidal_mutable_antichain_reset(&n.out_caps);
  tidal_tracker_free(n.inner);
  tidal_tracker_free(n.outer);
}

/* §8.6 work bound: moving a capability inside a loop of K operators (each step of the loop an
   identity, the feedback +1) costs O(K) worklist entries: in time order the retraction's -1 runs
   ahead of the +1 and they cancel, instead of chasing each other round the loop. */
TEST(tracker_loop_retraction_work_is_linear) {
  for (uint32_t K = 1; K <= 64; K *= 4) {
    tidal_tracker_builder *b;
    tidal_summary id = tidal_summary_identity(), fb = tidal_summary_add(1, 1);
    CHECK_OK(tidal_tracker_builder_new(2, 0, 0, NULL, &b, NULL));
    for (uint32_t k = 0; k < K; k++) CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &id, NULL, NULL));
    uint32_t f;
    CHECK_OK(tidal_tracker_builder_add_node(b, 1, 1, &fb, &f, NULL));
    for (uint32_t k = 1; k < K; k++) CHECK_OK(tidal_tracker_builder_add_edge(b, k, 0, k + 1, 0, NULL));
    CHECK_OK(tidal_tracker_builder_add_edge(b, K, 0, f, 0, NULL));
    CHECK_OK(tidal_tracker_builder_add_edge(b, f, 0, 1, 0, NULL));
    tidal_tracker *t;
    CHECK_OK(tidal_tracker_builder_build(b, &t, NULL));
    tidal_tracker_builder_free(b);
    tidal_location head = tidal_location_source(1, 0);
    uint64_t total_work = 0;
    for (uint64_t i = 0; i < 20; i++) {
      /* A capability at the loop head, then its removal: the whole loop must empty. */
      tidal_time a = tidal_time_product(0, i);
      CHECK_OK(tidal_tracker_update(t, head, &a, +1, NULL));
      CHECK_OK(tidal_tracker_propagate(t, NULL));
      const tidal_antichain *fr = tidal_tracker_target_frontier(t, f, 0);
      CHECK(fr->len == 1 && tidal_time_eq(&fr->elems[0], &a, 2));
      CHECK_OK(tidal_tracker_update(t, head, &a, -1, NULL));
      uint64_t before = t->work;
      CHECK_OK(tidal_tracker_propagate(t, NULL));
      uint64_t w = t->work - before;
      total_work += w;
      CHECK(w <= 8 * (uint64_t)(K + 1) + 8);
      CHECK_EQ_INT(tidal_tracker_target_frontier(t, f, 0)->len, 0);
      CHECK_EQ_INT(tidal_tracker_target_frontier(t, 1, 0)->len, 0);
    }
    CHECK(total_work > 0);
    tidal_tracker_free(t);
  }
}
