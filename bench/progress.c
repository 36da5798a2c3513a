/*
** bench/progress.c: propagation rate of the reachability tracker through a chain of N operators,
** against trivial baselines measured in the same run:
**   advance   a source downgrades its capability e -> e+1 each round; the frontier change travels
**             through all N operators (N hops per round). Baseline: writing e+1 into N frontier
**             slots of a flat array (the least any frontier update could cost).
**   records   per round, U record-count updates (+c produced, -c consumed) at random operators at
**             the current epoch, then a propagate; they change no frontier. Baseline: summing the
**             same updates into a flat count array.
** Prints ns per unit of work and the ratio tracker / baseline.
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tidal/tidal.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng_state = 12345;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); exit(1); } while (0)
#define OK(expr) do { tidal_error e_; if ((expr) < 0) { (void)e_; DIE("%s failed", #expr); } } while (0)

/* Node 1 is an input (no inputs, one output); nodes 2..n+1 are a chain of identity operators. */
static tidal_tracker *chain(uint32_t n) {
  tidal_tracker_builder *b;
  tidal_summary id = tidal_summary_identity();
  OK(tidal_tracker_builder_new(1, 0, 0, NULL, &b, NULL));
  OK(tidal_tracker_builder_add_node(b, 0, 1, NULL, NULL, NULL));
  for (uint32_t i = 0; i < n; i++) {
    OK(tidal_tracker_builder_add_node(b, 1, 1, &id, NULL, NULL));
    OK(tidal_tracker_builder_add_edge(b, 1 + i, 0, 2 + i, 0, NULL));
  }
  tidal_tracker *t;
  OK(tidal_tracker_builder_build(b, &t, NULL));
  tidal_tracker_builder_free(b);
  return t;
}

static volatile uint64_t sink;

static void bench_advance(uint32_t n, int rounds) {
  tidal_tracker *t = chain(n);
  tidal_time e0 = tidal_time_u64(0);
  OK(tidal_tracker_update(t, tidal_location_source(1, 0), &e0, 1, NULL));
  OK(tidal_tracker_propagate(t, NULL));
  tidal_progress_batch_clear(tidal_tracker_pushed(t));
  double t0 = now_ns();
  for (int r = 0; r < rounds; r++) {
    tidal_time a = tidal_time_u64((uint64_t)r), b = tidal_time_u64((uint64_t)r + 1);
    OK(tidal_tracker_update(t, tidal_location_source(1, 0), &b, 1, NULL));
    OK(tidal_tracker_update(t, tidal_location_source(1, 0), &a, -1, NULL));
    OK(tidal_tracker_propagate(t, NULL));
    tidal_progress_batch *p = tidal_tracker_pushed(t);
    tidal_progress_batch_compact(p);
    if (p->len != 2 * (size_t)n) DIE("advance: expected %u pushed changes, got %zu", 2 * n, p->len);
    tidal_progress_batch_clear(p);
  }
  double t1 = now_ns();
  uint64_t *f = calloc(n, sizeof *f);
  for (int r = 0; r < rounds; r++) {
    for (uint32_t i = 0; i < n; i++) f[i] = (uint64_t)r + 1;
    sink += f[(uint32_t)r % n];
  }
  double t2 = now_ns();
  free(f);
  const tidal_antichain *last = tidal_tracker_target_frontier(t, n + 1, 0);
  if (last->len != 1 || last->elems[0].c[0] != (uint64_t)rounds) DIE("advance: wrong final frontier");
  double hops = (double)rounds * n;
  printf("advance  chain=%-5u  tracker %8.1f ns/hop   baseline %6.2f ns/hop   ratio %7.1fx\n", n,
         (t1 - t0) / hops, (t2 - t1) / hops, (t1 - t0) / (t2 - t1 > 0 ? t2 - t1 : 1));
  tidal_tracker_free(t);
}

static void bench_records(uint32_t n, int rounds, int per_round) {
  tidal_tracker *t = chain(n);
  tidal_time e0 = tidal_time_u64(0);
  OK(tidal_tracker_update(t, tidal_location_source(1, 0), &e0, 1, NULL));
  OK(tidal_tracker_propagate(t, NULL));
  size_t nu = (size_t)rounds * per_round;
  uint32_t *node = malloc(nu * sizeof *node);
  int64_t *cnt = malloc(nu * sizeof *cnt);
  for (size_t i = 0; i < nu; i++) {
    node[i] = 2 + (uint32_t)(rnd() % n);
    cnt[i] = (int64_t)(1 + rnd() % 1000);
  }
  uint32_t *unode = malloc(2 * nu * sizeof *unode);
  int64_t *udiff = malloc(2 * nu * sizeof *udiff);
  for (size_t i = 0; i < nu; i++) {
    unode[2 * i] = unode[2 * i + 1] = node[i];
    udiff[2 * i] = cnt[i];
    udiff[2 * i + 1] = -cnt[i];
  }
  double t0 = now_ns();
  size_t k = 0;
  for (int r = 0; r < rounds; r++) {
    tidal_time e = tidal_time_u64(0);
    for (int u = 0; u < per_round; u++, k++) {
      OK(tidal_tracker_update(t, tidal_location_target(node[k], 0), &e, cnt[k], NULL));
      OK(tidal_tracker_update(t, tidal_location_target(node[k], 0), &e, -cnt[k], NULL));
    }
    OK(tidal_tracker_propagate(t, NULL));
  }
  double t1 = now_ns();
  /* The same 2*nu updates as a flat list of (node, diff), summed into a count array. */
  int64_t *flat = calloc(n + 2, sizeof *flat);
  for (size_t i = 0; i < 2 * nu; i++) flat[unode[i]] += udiff[i];
  sink += (uint64_t)flat[2];
  double t2 = now_ns();
  free(flat);
  double ups = 2.0 * (double)nu;
  printf("records  chain=%-5u  tracker %8.1f ns/update   baseline %6.2f ns/update   ratio %7.1fx\n",
         n, (t1 - t0) / ups, (t2 - t1) / ups, (t1 - t0) / (t2 - t1 > 0 ? t2 - t1 : 1));
  free(node);
  free(cnt);
  free(unode);
  free(udiff);
  tidal_tracker_free(t);
}

int main(void) {
  printf("progress tracker propagation (depth-1 times)\n");
  bench_advance(10, 200000);
  bench_advance(100, 20000);
  bench_advance(1000, 2000);
  bench_records(10, 20000, 64);
  bench_records(100, 20000, 64);
  bench_records(1000, 20000, 64);
  return 0;
}
