/* dataflow_exchange.c: throughput of the engine moving (string, i64) batches through
   input -> exchange(word) -> sink, and input -> pipeline -> sink, for W = 1, 2, 4, against a
   memcpy of the same bytes (baseline, same run). Prints rows/s and the ratio to memcpy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tidal/tidal.h"

#define ROWS_PER_BATCH 65536
#define BATCHES 64

typedef struct bench {
  tidal_schema *s;
  tidal_batch *batches[BATCHES]; /* shared, read-only: every worker sends references */
  int exchange;
} bench;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int build(tidal_worker *w, void *ud, tidal_error *err) {
  (void)err;
  bench *b = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *x;
  tidal_probe *p;
  TIDAL_RETURN_IF_ERROR(tidal_dataflow_new(w, &df));
  TIDAL_RETURN_IF_ERROR(tidal_input_new(df, b->s, &in, &s));
  if (b->exchange) TIDAL_RETURN_IF_ERROR(tidal_exchange(s, tidal_pact_exchange_field(0), &x));
  else x = s;
  TIDAL_RETURN_IF_ERROR(tidal_sink(x, "sink", NULL, NULL));
  TIDAL_RETURN_IF_ERROR(tidal_probe_new(x, &p));
  uint32_t me = tidal_worker_index(w), peers = tidal_worker_peers(w);
  for (uint32_t i = me; i < BATCHES; i += peers) {
    TIDAL_RETURN_IF_ERROR(tidal_input_send(in, tidal_batch_ref(b->batches[i])));
    TIDAL_RETURN_IF_ERROR(tidal_input_advance_to(in, i / peers + 1));
    TIDAL_RETURN_IF_ERROR(tidal_worker_step(w));
  }
  tidal_input_close(in);
  return tidal_worker_run_to_completion(w);
}

int main(int argc, char **argv) {
  /* Optional: "pipeline"|"exchange" and W, to profile one configuration. */
  const char *only = argc > 1 ? argv[1] : NULL;
  uint32_t only_w = argc > 2 ? (uint32_t)atoi(argv[2]) : 0;
  bench b;
  memset(&b, 0, sizeof b);
  if (tidal_schema_parse("(string, i64)", 13, NULL, &b.s, NULL) < 0) return 1;
  size_t bytes = 0;
  char word[32];
  uint64_t x = 1;
  for (int i = 0; i < BATCHES; i++) {
    tidal_builder *bl;
    if (tidal_builder_new(b.s, NULL, &bl) < 0) return 1;
    for (int r = 0; r < ROWS_PER_BATCH; r++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      int n = snprintf(word, sizeof word, "w%llu", (unsigned long long)((x >> 33) % 50000));
      if (tidal_builder_push_string(bl, word, (size_t)n) < 0 || tidal_builder_push_i64(bl, 1) < 0)
        return 1;
    }
    bytes += tidal_builder_encoded_len(bl);
    if (tidal_batch_from_builder(bl, &b.batches[i]) < 0) return 1;
    tidal_builder_free(bl);
  }
  double rows = (double)ROWS_PER_BATCH * BATCHES;

  /* Baseline: memcpy of the same number of bytes (encoded size), once through. */
  char *src = malloc(bytes), *dst = malloc(bytes);
  memset(src, 1, bytes);
  memset(dst, 0, bytes);
  memcpy(dst, src, bytes); /* warm up */
  double t0 = now();
  memcpy(dst, src, bytes);
  double memcpy_s = now() - t0;
  volatile char sink = dst[bytes - 1];
  (void)sink;
  free(src);
  free(dst);
  printf("baseline memcpy of %.1f MiB: %.2f ms (%.0f Mrows/s equivalent)\n",
         (double)bytes / 1048576.0, memcpy_s * 1e3, rows / memcpy_s / 1e6);

  for (int exchange = 0; exchange < 2; exchange++) {
    if (only && strcmp(only, exchange ? "exchange" : "pipeline") != 0) continue;
    for (uint32_t W = 1; W <= 4; W *= 2) {
      if (only_w && W != only_w) continue;
      tidal_config cfg;
      tidal_config_init(&cfg);
      cfg.workers = W;
      b.exchange = exchange;
      tidal_error e;
      t0 = now();
      int rc = tidal_execute(&cfg, build, &b, &e);
      double s = now() - t0;
      if (rc < 0) {
        fprintf(stderr, "error: %s\n", e.msg);
        return 1;
      }
      printf("%-8s W=%u: %7.2f ms  %7.1f Mrows/s  time / memcpy time = %.2f\n",
             exchange ? "exchange" : "pipeline", W, s * 1e3, rows / s / 1e6, s / memcpy_s);
    }
  }
  for (int i = 0; i < BATCHES; i++) tidal_batch_unref(b.batches[i]);
  tidal_schema_unref(b.s);
  return 0;
}
