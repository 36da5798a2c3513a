/*
** bench/progress.c: propagation rate of the reachability tracker through a chain of N operators,
** against trivial baselines measured in the same run:
**   advance   a source downgrades its capability e -> e+1 each round; the frontier change travels
**             through all N operators (N hops per round). Baseline: writing e+1 into N frontier
**             slots of a flat array (the least any frontier update could cost).
**   records   per round, U record-count updates (+c produced, -c consumed) at random operators at
**             the current epoch, then a propagate; they change no frontier. Baseline: summing the
**             same updates into a flat count array.
** Prints ns per unit of work (best of 3 runs) and the ratio tracker / baseline. Optional argument
** "advance" or "records" runs one part only.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define REPS 3 /* each figure is the best of REPS runs: the machine is shared */

static void bench_advance(uint32_t n, int rounds) {
  tidal_tracker *t = chain(n);
  tidal_time e0 = tidal_time_u64(0);
  OK(tidal_tracker_update(t, tidal_location_source(1, 0), &e0, 1, NULL));
  OK(tidal_tracker_propagate(t, NULL));
  tidal_progress_batch_clear(tidal_tracker_pushed(t));
  uint64_t *f = calloc(n, sizeof *f);
  double best_t = 1e30, best_b = 1e30;
  uint64_t epoch = 0;
  for (int rep = 0; rep < REPS; rep++) {
    double t0 = now_ns();
    for (int r = 0; r < rounds; r++, epoch++) {
      tidal_time a = tidal_time_u64(epoch), b = tidal_time_u64(epoch + 1);
      OK(tidal_tracker_update(t, tidal_location_source(1, 0), &b, 1, NULL));
      OK(tidal_tracker_update(t, tidal_location_source(1, 0), &a, -1, NULL));
      OK(tidal_tracker_propagate(t, NULL));
      tidal_progress_batch *p = tidal_tracker_pushed(t);
      tidal_progress_batch_compact(p);
      if (p->len != 2 * (size_t)n) DIE("advance: expected %u pushed changes, got %zu", 2 * n, p->len);
      tidal_progress_batch_clear(p);
    }
    double t1 = now_ns();
    for (int r = 0; r < rounds; r++) {
      for (uint32_t i = 0; i < n; i++) f[i] = (uint64_t)r + 1;
      sink += f[(uint32_t)r % n];
    }
    double t2 = now_ns();
    if (t1 - t0 < best_t) best_t = t1 - t0;
    if (t2 - t1 < best_b) best_b = t2 - t1;
  }
  free(f);
  const tidal_antichain *last = tidal_tracker_target_frontier(t, n + 1, 0);
  if (last->len != 1 || last->elems[0].c[0] != epoch) DIE("advance: wrong final frontier");
  double hops = (double)rounds * n;
  printf("advance  chain=%-5u  tracker %8.1f ns/hop      baseline %6.2f ns/hop      ratio %7.1fx\n",
         n, best_t / hops, best_b / hops, best_t / (best_b > 0 ? best_b : 1));
  tidal_tracker_free(t);
}

static void bench_records(uint32_t n, int rounds, int per_round) {
  tidal_tracker *t = chain(n);
  tidal_time e0 = tidal_time_u64(0);
  OK(tidal_tracker_update(t, tidal_location_source(1, 0), &e0, 1, NULL));
  OK(tidal_tracker_propagate(t, NULL));
  size_t nu = 2 * (size_t)rounds * per_round; /* +c then -c for each record batch */
  uint32_t *node = malloc(nu * sizeof *node);
  int64_t *diff = malloc(nu * sizeof *diff);
  for (size_t i = 0; i < nu; i += 2) {
    node[i] = node[i + 1] = 2 + (uint32_t)(rnd() % n);
    diff[i] = (int64_t)(1 + rnd() % 1000);
    diff[i + 1] = -diff[i];
  }
  int64_t *flat = calloc(n + 2, sizeof *flat);
  double best_t = 1e30, best_b = 1e30;
  for (int rep = 0; rep < REPS; rep++) {
    double t0 = now_ns();
    size_t k = 0;
    for (int r = 0; r < rounds; r++) {
      for (int u = 0; u < 2 * per_round; u++, k++)
        OK(tidal_tracker_update(t, tidal_location_target(node[k], 0), &e0, diff[k], NULL));
      OK(tidal_tracker_propagate(t, NULL));
    }
    double t1 = now_ns();
    /* The same updates as a flat list of (node, diff), summed into a count array. */
    for (size_t i = 0; i < nu; i++) flat[node[i]] += diff[i];
    sink += (uint64_t)flat[2];
    double t2 = now_ns();
    if (t1 - t0 < best_t) best_t = t1 - t0;
    if (t2 - t1 < best_b) best_b = t2 - t1;
  }
  if (tidal_tracker_pointstamp_frontier(t, tidal_location_target(2, 0))->len != 0)
    DIE("records: counts did not cancel");
  printf("records  chain=%-5u  tracker %8.1f ns/update   baseline %6.2f ns/update   ratio %7.1fx\n",
         n, best_t / (double)nu, best_b / (double)nu, best_t / (best_b > 0 ? best_b : 1));
  free(flat);
  free(node);
  free(diff);
  tidal_tracker_free(t);
}

int main(int argc, char **argv) {
  /* Optional argument: "advance" or "records" runs only that part (for profiling). */
  const char *only = argc > 1 ? argv[1] : "";
  printf("progress tracker propagation (depth-1 times)\n");
  if (!*only || !strcmp(only, "advance")) {
    bench_advance(10, 50000);
    bench_advance(100, 5000);
    bench_advance(1000, 500);
  }
  if (!*only || !strcmp(only, "records")) {
    bench_records(10, 5000, 64);
    bench_records(100, 5000, 64);
    bench_records(1000, 5000, 64);
  }
  return 0;
}
