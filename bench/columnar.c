/*
** bench/columnar.c: throughput of the columnar layer, each figure next to a baseline measured in
** the same run (build with -DCMAKE_BUILD_TYPE=Release; `make bench` does).
**
**   push (string, i64)   inline fast path and cursor API, vs hand-written appends to 3 arrays
**   push nested          {id, tags: vec<string>, score: option<f64>, kind: enum{A, B(i64), C{..}}}
**                        via the cursor and via push_json
**   encode               tidal_builder_encode_into vs one memcpy of the same number of bytes
**   view+validate+scan   tidal_view_init, then sum the i64 column and the string lengths
**
** Batches of a few MB; each measurement is the best of RUNS runs. Invariant: every timed loop's
** result feeds a checksum that is printed, so the compiler cannot drop the work.
*/
#include "tidal/columnar.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROWS 200000 /* ~4.5 MB of (string, i64) slices */
#define RUNS 11

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what, int rc) {
  fprintf(stderr, "bench_columnar: %s: %s\n", what, tidal_strerror(rc));
  exit(1);
}
#define OK(expr)                      \
  do {                                \
    int ok_rc_ = (expr);              \
    if (ok_rc_ < 0) die(#expr, ok_rc_); \
  } while (0)

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The input rows: words of 1..12 letters in one text block, and counts. */
static char *text;
static uint32_t *word_off, *word_len;
static int64_t *vals;
static volatile uint64_t sink;

static void make_rows(void) {
  text = malloc((size_t)ROWS * 12);
  word_off = malloc(ROWS * sizeof *word_off);
  word_len = malloc(ROWS * sizeof *word_len);
  vals = malloc(ROWS * sizeof *vals);
  size_t pos = 0;
  for (size_t i = 0; i < ROWS; i++) {
    uint32_t n = 1 + (uint32_t)(rnd() % 12);
    word_off[i] = (uint32_t)pos;
    word_len[i] = n;
    for (uint32_t k = 0; k < n; k++) text[pos++] = (char)('a' + rnd() % 26);
    vals[i] = (int64_t)(rnd() % 1000) - 500;
  }
}

typedef struct {
  const char *name;
  double best; /* seconds */
} timing;

static void report(const char *name, double secs, double rows, double bytes, double base_secs) {
  printf("  %-34s %8.2f ms  %7.2f Mrows/s  %6.2f ns/row", name, secs * 1e3, rows / secs / 1e6,
         secs / rows * 1e9);
  if (bytes > 0) printf("  %6.2f GB/s", bytes / secs / 1e9);
  if (base_secs > 0) printf("  x%.2f of baseline", base_secs / secs);
  printf("\n");
}

/* ---- (string, i64) push ------------------------------------------------------------------- */

static double push_baseline(void) {
  /* Hand-written C: three pre-reserved arrays, the same appends the columnar layout needs. */
  uint64_t *bounds = malloc(ROWS * 8);
  char *bytes = malloc((size_t)ROWS * 12);
  int64_t *v = malloc(ROWS * 8);
  double best = 1e9;
  for (int run = 0; run < RUNS; run++) {
    double t0 = now();
    size_t blen = 0;
    for (size_t i = 0; i < ROWS; i++) {
      memcpy(bytes + blen, text + word_off[i], word_len[i]);
      blen += word_len[i];
      bounds[i] = blen;
      v[i] = vals[i];
    }
    double t = now() - t0;
    sink += bounds[ROWS - 1] + (uint64_t)v[ROWS / 2] + (uint8_t)bytes[blen / 2];
    if (t < best) best = t;
  }
  free(bounds);
  free(bytes);
  free(v);
  return best;
}

static double push_fast(tidal_builder *b) {
  double best = 1e9;
  for (int run = 0; run < RUNS; run++) {
    tidal_builder_clear(b); /* keeps capacity: later runs measure steady state */
    double t0 = now();
    for (size_t i = 0; i < ROWS; i++)
      if (tidal_builder_push_str_i64(b, text + word_off[i], word_len[i], vals[i]) < 0)
        die("push_str_i64", TIDAL_ENOMEM);
    double t = now() - t0;
    sink += tidal_builder_rows(b);
    if (t < best) best = t;
  }
  return best;
}

static double push_cursor(tidal_builder *b) {
  double best = 1e9;
  for (int run = 0; run < RUNS; run++) {
    tidal_builder_clear(b);
    double t0 = now();
    for (size_t i = 0; i < ROWS; i++) {
      OK(tidal_builder_push_string(b, text + word_off[i], word_len[i]));
      OK(tidal_builder_push_i64(b, vals[i]));
    }
    double t = now() - t0;
    sink += tidal_builder_rows(b);
    if (t < best) best = t;
  }
  return best;
}

/* ---- nested push ---------------------------------------------------------------------------- */

#define NESTED "{id: u64, tags: vec<string>, score: option<f64>, kind: enum{A, B(i64), C{x: u32, y: string}}}"
#define NESTED_ROWS 100000

static void push_nested_row(tidal_builder *b, size_t i) {
  OK(tidal_builder_push_u64(b, i));
  OK(tidal_builder_begin_vec(b));
  for (size_t k = 0; k < i % 4; k++) OK(tidal_builder_push_string(b, text + word_off[(i + k) % ROWS], word_len[(i + k) % ROWS]));
  OK(tidal_builder_end_vec(b));
  if (i % 3 == 0) OK(tidal_builder_push_none(b));
  else {
    OK(tidal_builder_begin_some(b));
    OK(tidal_builder_push_f64(b, (double)vals[i % ROWS] * 0.5));
  }
  switch (i % 3) {
    case 0: OK(tidal_builder_begin_variant(b, 0)); break; /* unit payload implied */
    case 1: OK(tidal_builder_begin_variant(b, 1)); OK(tidal_builder_push_i64(b, vals[i % ROWS])); break;
    default:
      OK(tidal_builder_begin_variant(b, 2));
      OK(tidal_builder_push_u64(b, (uint32_t)i));
      OK(tidal_builder_push_string(b, text + word_off[i % ROWS], word_len[i % ROWS]));
  }
}

static void bench_nested(void) {
  tidal_schema *s;
  tidal_error err;
  if (tidal_schema_parse(NESTED, strlen(NESTED), NULL, &s, &err) < 0) {
    fprintf(stderr, "bench_columnar: nested schema: %s\n", err.msg);
    exit(1);
  }
  tidal_builder *b;
  OK(tidal_builder_new(s, NULL, &b));
  double best = 1e9;
  for (int run = 0; run < RUNS; run++) {
    tidal_builder_clear(b);
    double t0 = now();
    for (size_t i = 0; i < NESTED_ROWS; i++) push_nested_row(b, i);
    double t = now() - t0;
    if (t < best) best = t;
  }
  size_t bytes = tidal_builder_bytes(b);
  /* JSON of the same rows, then push_json, for comparison. */
  tidal_batch_view v;
  OK(tidal_builder_view(b, &v));
  tidal_buffer json;
  tidal_buffer_init(&json, NULL);
  size_t *ends = malloc(NESTED_ROWS * sizeof *ends);
  for (size_t i = 0; i < NESTED_ROWS; i++) {
    OK(tidal_view_row_json(&v, i, &json));
    ends[i] = json.len;
  }
  tidal_view_reset(&v);
  tidal_builder *bj;
  OK(tidal_builder_new(s, NULL, &bj));
  double best_json = 1e9;
  for (int run = 0; run < RUNS; run++) {
    tidal_builder_clear(bj);
    double t0 = now();
    for (size_t i = 0, start = 0; i < NESTED_ROWS; start = ends[i], i++)
      if (tidal_builder_push_json(bj, (const char *)json.data + start, ends[i] - start, &err) < 0) {
        fprintf(stderr, "bench_columnar: push_json: %s\n", err.msg);
        exit(1);
      }
    double t = now() - t0;
    if (t < best_json) best_json = t;
  }
  printf("push nested %s (%d rows, %.1f MB of slices, %.1f MB of JSON)\n", NESTED, NESTED_ROWS,
         (double)bytes / 1e6, (double)json.len / 1e6);
  report("cursor API (baseline)", best, NESTED_ROWS, 0, 0);
  report("push_json", best_json, NESTED_ROWS, (double)json.len, best);
  free(ends);
  tidal_buffer_reset(&json);
  tidal_builder_free(bj);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

/* ---- encode vs memcpy; view + validate + scan ------------------------------------------------ */

static void bench_encode_view(tidal_builder *b, const tidal_schema *s) {
  size_t len = tidal_builder_encoded_len(b);
  uint8_t *dst = aligned_alloc(64, (len + 63) & ~(size_t)63);
  uint8_t *src = aligned_alloc(64, (len + 63) & ~(size_t)63);
  memset(dst, 1, len);
  memset(src, 2, len);
  double best_mc = 1e9, best_enc = 1e9;
  for (int run = 0; run < 3 * RUNS; run++) {
    double t0 = now();
    memcpy(dst, src, len);
    double t = now() - t0;
    sink += dst[len / 3];
    if (t < best_mc) best_mc = t;
    size_t n = len;
    t0 = now();
    OK(tidal_builder_encode_into(b, dst, &n));
    t = now() - t0;
    sink += dst[len / 3];
    if (t < best_enc) best_enc = t;
  }
  printf("encode (string, i64), %zu rows, %.2f MB\n", tidal_builder_rows(b), (double)len / 1e6);
  report("memcpy of the same bytes (baseline)", best_mc, (double)ROWS, (double)len, 0);
  report("tidal_builder_encode_into", best_enc, (double)ROWS, (double)len, best_mc);
  printf("  encode/memcpy throughput ratio: %.2f (goal >= 0.8)\n", best_mc / best_enc);

  /* dst now holds the encoding. */
  double best_val = 1e9, best_scan = 1e9, best_raw = 1e9;
  uint64_t check_scan = 0, check_raw = 0;
  for (int run = 0; run < RUNS; run++) {
    tidal_batch_view v;
    tidal_error err;
    double t0 = now();
    if (tidal_view_init(&v, s, dst, len, NULL, &err) < 0) {
      fprintf(stderr, "bench_columnar: view: %s\n", err.msg);
      exit(1);
    }
    double t1 = now();
    const int64_t *iv = tidal_view_slice(&v, 2).data;
    int64_t sum = 0;
    uint64_t slen = 0;
    for (size_t i = 0; i < v.rows; i++) {
      size_t n;
      (void)tidal_view_str(&v, 0, i, &n);
      slen += n;
      sum += iv[i];
    }
    double t2 = now();
    check_scan = (uint64_t)sum + slen;
    tidal_view_reset(&v);
    if (t1 - t0 < best_val) best_val = t1 - t0;
    if (t2 - t0 < best_scan) best_scan = t2 - t0;
    /* Baseline: the same scan over the builder's own arrays (no encoding, no validation). */
    tidal_batch_view bv;
    OK(tidal_builder_view(b, &bv));
    t0 = now();
    const uint64_t *bounds = tidal_view_slice(&bv, 0).data;
    const int64_t *bvals = tidal_view_slice(&bv, 2).data;
    sum = 0;
    slen = 0;
    for (size_t i = 0; i < bv.rows; i++) {
      slen += bounds[i] - (i ? bounds[i - 1] : 0);
      sum += bvals[i];
    }
    t1 = now();
    check_raw = (uint64_t)sum + slen;
    tidal_view_reset(&bv);
    if (t1 - t0 < best_raw) best_raw = t1 - t0;
  }
  if (check_raw != check_scan) {
    fprintf(stderr, "bench_columnar: scan mismatch\n");
    exit(1);
  }
  sink += check_scan;
  printf("view (string, i64), %.2f MB\n", (double)len / 1e6);
  report("raw scan of builder arrays (baseline)", best_raw, (double)ROWS, (double)len, 0);
  report("view_init (validate only)", best_val, (double)ROWS, (double)len, 0);
  report("view_init + scan (sum i64, str len)", best_scan, (double)ROWS, (double)len, best_raw);
  free(dst);
  free(src);
}

int main(void) {
  make_rows();
  tidal_schema *s;
  OK(tidal_schema_parse("(string, i64)", 13, NULL, &s, NULL));
  tidal_builder *fast, *cur;
  OK(tidal_builder_new(s, NULL, &fast));
  OK(tidal_builder_new(s, NULL, &cur));
  double base = push_baseline();
  double tf = push_fast(fast);
  double tc = push_cursor(cur);
  printf("push (string, i64), %d rows, %.2f MB of slices, best of %d\n", ROWS,
         (double)tidal_builder_bytes(fast) / 1e6, RUNS);
  report("hand-written C appends (baseline)", base, ROWS, 0, 0);
  report("tidal_builder_push_str_i64 (inline)", tf, ROWS, 0, base);
  report("cursor push_string + push_i64", tc, ROWS, 0, base);
  bench_nested();
  bench_encode_view(fast, s);
  printf("(checksum %" PRIu64 ")\n", (uint64_t)sink);
  tidal_builder_free(fast);
  tidal_builder_free(cur);
  tidal_schema_unref(s);
  free(text);
  free(word_off);
  free(word_len);
  free(vals);
  return 0;
}
