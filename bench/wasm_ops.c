/*
** bench/wasm_ops.c: WASM operators against baselines measured in the same run.
**
** usage: bench_wasm_ops [CORPUS]   (default: $TIDAL_BENCH_CORPUS; scripts/bench.sh generates
**        build-bench/corpus50.txt, 51 MB. Without a corpus the word-count part is skipped and the
**        map comparison uses generated words.)
**
** 1. Per-call overhead: a runner call on a 1-row batch (tidal_alloc, encode into guest memory,
**    the call, range check, validation, copy out) against the bare instance call of the same
**    export (op_hostile.wasm `echo`), in ns.
** 2. The lowercase stage: the `lowercase` guest (and tests/wasm/lower_swar.c, the same operator
**    on the bare ABI) through a runner against the same logic as a native C map (bounds copied,
**    bytes lowercased by the guest's own kernel, examples/guests/lower_ascii.h, compiled for the
**    host; diffs copied; into a builder), on the same ~1 MiB (word, 1) batches. Goal: WASM /
**    native <= 1.15. A native map with the byte-at-a-time kernel is printed for reference.
** 3. Word count (timely's workload, as bench_wordcount: 10,000 lines per timestamp, running
**    counts) with and without the WASM lowercase stage between split and exchange, W = 1 and 2.
**    Goal: the stage adds <= 15%. A native stage doing the same lowercase (a tidal_map) is
**    measured too: any stage there costs the split's fused pre-partitioning (the exchange must
**    hash every row again), which is not the WASM operator's cost. The four configurations run
**    round-robin (best of TIDAL_BENCH_WC_RUNS rounds each), and CPU time is printed too: on a
**    shared machine wall time varies by 10-25% between runs.
** 4. Module load: first load (check + wasm2c + cc, into an empty cache) and a cached load.
** Every figure is the best of several runs. TIDAL_BENCH_ONLY=calls|lowercase|wordcount|load runs one
** part; TIDAL_BENCH_WC_RUNS=N sets the word-count rounds (default 7).
*/
#include "tidal/tidal.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* The lowercase kernel of the example guest, compiled here for the native comparators. */
#include "../examples/guests/lower_ascii.h"

#define RUNS 5
#define WC_RUNS 7 /* word-count rounds (each runs the four configurations) */

/* The lowercase guests compared, both 8 bytes at a time and in place in the input buffer: the SDK
   example (examples/guests/lowercase.c, kernel lower_ascii.h; the SDK validates the input in the
   guest) and tests/wasm/lower_swar.c (the same written against the bare ABI, no validation). */
static const char *const GUESTS[2] = {TIDAL_WASM_TEST_DIR "/../../examples/guests/lowercase.wasm",
                                      TIDAL_WASM_TEST_DIR "/lower_swar.wasm"};
static const char *const GUEST_LABELS[2] = {"examples/guests/lowercase", "tests/wasm/lower_swar"};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int rc, const tidal_error *e) {
  fprintf(stderr, "bench_wasm_ops: %s: %s (%s)\n", what, e && e->msg[0] ? e->msg : "",
          tidal_err_name(rc));
  exit(1);
}

/* Every setup call must succeed: a benchmark on a half-built input would measure nothing. */
#define OK(what, expr)                                                                    \
  do {                                                                                    \
    int ok_rc_ = (expr);                                                                  \
    if (ok_rc_ < 0) die(what, ok_rc_, NULL);                                              \
  } while (0)

static tidal_wasm_module *load(tidal_wasm_engine *e, const char *path) {
  tidal_wasm_module *m = NULL;
  tidal_error err;
  int rc = tidal_wasm_module_load_file(e, path, &m, &err);
  if (rc) die(path, rc, &err);
  return m;
}

static tidal_schema *schema(const char *t) {
  tidal_schema *s;
  tidal_error e;
  int rc = tidal_schema_parse(t, strlen(t), NULL, &s, &e);
  if (rc) die("schema", rc, &e);
  return s;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(p);
    return NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return p;
}

/* ---- 1. per-call overhead --------------------------------------------------------------------- */

static void bench_call_overhead(tidal_wasm_engine *e) {
  tidal_wasm_module *m = load(e, TIDAL_WASM_TEST_DIR "/op_hostile.wasm");
  tidal_schema *s = schema("u64");
  tidal_builder *b;
  OK("tidal_builder_new", tidal_builder_new(s, NULL, &b));
  OK("tidal_builder_push_u64", tidal_builder_push_u64(b, 42));
  tidal_batch *in;
  OK("tidal_batch_from_builder", tidal_batch_from_builder(b, &in));
  tidal_builder_free(b);
  tidal_error err;
  /* Bare: one instance, input written once, only tidal_wasm_instance_call per iteration. */
  tidal_wasm_instance *inst;
  int rc = tidal_wasm_instance_new(m, NULL, 0, &inst, &err);
  if (rc) die("instance", rc, &err);
  size_t op;
  OK("tidal_wasm_module_find_operator", tidal_wasm_module_find_operator(m, "echo", &op, &err));
  uint32_t addr, ra, rl;
  size_t len = tidal_batch_encoded_len(in);
  OK("tidal_wasm_instance_alloc", tidal_wasm_instance_alloc(inst, (uint32_t)len, &addr, &err));
  uint8_t *base;
  size_t size;
  tidal_wasm_instance_memory(inst, &base, &size);
  OK("tidal_batch_encode_into", tidal_batch_encode_into(in, base + addr, &len));
  const int N = 200000;
  double bare = 1e30, full = 1e30;
  for (int run = 0; run < RUNS; run++) {
    double t0 = now();
    for (int i = 0; i < N; i++)
      if (tidal_wasm_instance_call(inst, op, addr, (uint32_t)len, &ra, &rl, &err)) die("call", -1, &err);
    double dt = (now() - t0) / N;
    if (dt < bare) bare = dt;
  }
  tidal_wasm_instance_free(inst);
  tidal_wasm_op_config cfg;
  tidal_wasm_op_config_init(&cfg);
  tidal_wasm_runner *r;
  rc = tidal_wasm_runner_new(m, "echo", s, &cfg, NULL, NULL, &r, &err);
  if (rc) die("runner", rc, &err);
  for (int run = 0; run < RUNS; run++) {
    double t0 = now();
    for (int i = 0; i < N; i++) {
      tidal_batch *out;
      if (tidal_wasm_runner_run(r, 0, in, &out, &err)) die("run", -1, &err);
      tidal_batch_unref(out);
    }
    double dt = (now() - t0) / N;
    if (dt < full) full = dt;
  }
  printf("per-call overhead: bare instance call %.0f ns; operator call on a 1-row batch "
         "(alloc + encode into guest + call + validate + copy out) %.0f ns (%.1fx the bare call)\n",
         bare * 1e9, full * 1e9, full / bare);
  tidal_wasm_runner_free(r);
  tidal_batch_unref(in);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
}

/* ---- 2. lowercase: WASM vs native -------------------------------------------------------------- */

static int is_ws(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* (word, 1) batches of about 1 MiB from the text's first `cap` bytes. */
static tidal_batch **word_batches(const tidal_schema *s, const char *text, size_t len,
                                  size_t *nb, uint64_t *words) {
  size_t cap = 64, n = 0;
  tidal_batch **out = malloc(cap * sizeof *out);
  tidal_builder *b;
  OK("tidal_builder_new", tidal_builder_new(s, NULL, &b));
  *words = 0;
  size_t i = 0;
  while (i < len) {
    while (i < len && is_ws(text[i])) i++;
    size_t st = i;
    while (i < len && !is_ws(text[i])) i++;
    if (i > st) {
      tidal_builder_push_str_i64(b, text + st, i - st, 1);
      (*words)++;
    }
    if (tidal_builder_bytes(b) >= (1u << 20) || (i >= len && tidal_builder_rows(b))) {
      if (n == cap) out = realloc(out, (cap *= 2) * sizeof *out);
      OK("tidal_batch_from_builder", tidal_batch_from_builder(b, &out[n++]));
    }
  }
  tidal_builder_free(b);
  *nb = n;
  return out;
}

/* The native map: what the guest does, in C on the host, into a builder, then a batch: the bounds
   and diffs copied, the bytes lowercased by `kernel` (lower_ascii: the very function the guest
   runs, from examples/guests/lower_ascii.h; or the byte loop, for reference). */
typedef void (*lower_fn)(uint8_t *dst, const uint8_t *src, uint32_t n);

static tidal_batch *native_lower(const tidal_batch *in, tidal_builder *b, lower_fn kernel) {
  const tidal_batch_view *v = tidal_batch_view_of(in);
  size_t rows = v->rows, nbytes = v->slices[1].len;
  tidal_buffer *bo = tidal_builder_slice(b, 0), *by = tidal_builder_slice(b, 1),
               *dv = tidal_builder_slice(b, 2);
  if (tidal_buffer_reserve(bo, rows * 8) || tidal_buffer_reserve(by, nbytes) ||
      tidal_buffer_reserve(dv, rows * 8))
    return NULL;
  tidal_buffer_append_unsafe(bo, v->slices[0].data, rows * 8);
  /* Written in place into the reserved bytes, as the word-count split does. */
  kernel(by->data + by->len, v->slices[1].data, (uint32_t)nbytes);
  by->len += nbytes;
  tidal_buffer_append_unsafe(dv, v->slices[2].data, rows * 8);
  tidal_builder_add_rows(b, rows);
  tidal_batch *out = NULL;
  OK("tidal_batch_from_builder", tidal_batch_from_builder(b, &out));
  return out;
}

/* The byte-at-a-time kernel of the previous example guest (for reference only: it is not what the
   guest runs). Not auto-vectorized, like its wasm2c translation (every access goes through the
   memory base), so that it stays a byte loop. */
#if defined(__clang__)
#define NO_VECTORIZE
#else
#define NO_VECTORIZE __attribute__((optimize("no-tree-vectorize")))
#endif
NO_VECTORIZE static void lower_bytes(uint8_t *dst, const uint8_t *src, uint32_t n) {
#if defined(__clang__)
#pragma clang loop vectorize(disable) interleave(disable)
#endif
  for (uint32_t i = 0; i < n; i++) {
    uint8_t c = src[i];
    dst[i] = (uint8_t)(c | (((uint8_t)(c - 'A') < 26u) << 5));
  }
}

static void lower_words(uint8_t *dst, const uint8_t *src, uint32_t n) { lower_ascii(dst, src, n); }

static void bench_lowercase(tidal_wasm_engine *e, const char *text, size_t len, const char *path,
                            const char *label) {
  tidal_wasm_module *m = load(e, path);
  tidal_schema *s = schema("(string, i64)");
  size_t nb;
  uint64_t words;
  tidal_batch **batches = word_batches(s, text, len, &nb, &words);
  uint64_t bytes = 0;
  for (size_t i = 0; i < nb; i++) bytes += tidal_batch_encoded_len(batches[i]);
  tidal_wasm_op_config cfg;
  tidal_wasm_op_config_init(&cfg);
  tidal_wasm_runner *r;
  tidal_error err;
  int rc = tidal_wasm_runner_new(m, "lowercase", s, &cfg, NULL, NULL, &r, &err);
  if (rc) die("runner", rc, &err);
  tidal_builder *b;
  OK("tidal_builder_new", tidal_builder_new(s, NULL, &b));
  double wasm = 1e30, native = 1e30, scalar = 1e30;
  for (int run = 0; run < RUNS; run++) {
    double t0 = now();
    for (size_t i = 0; i < nb; i++) {
      tidal_batch *out = native_lower(batches[i], b, lower_bytes);
      if (!out) die("native", TIDAL_ENOMEM, NULL);
      tidal_batch_unref(out);
    }
    double ds = now() - t0;
    if (ds < scalar) scalar = ds;
    t0 = now();
    for (size_t i = 0; i < nb; i++) {
      tidal_batch *out = native_lower(batches[i], b, lower_words);
      if (!out) die("native", TIDAL_ENOMEM, NULL);
      tidal_batch_unref(out);
    }
    double dt = now() - t0;
    if (dt < native) native = dt;
    t0 = now();
    for (size_t i = 0; i < nb; i++) {
      tidal_batch *out;
      if ((rc = tidal_wasm_runner_run(r, i, batches[i], &out, &err))) die("wasm run", rc, &err);
      tidal_batch_unref(out);
    }
    dt = now() - t0;
    if (dt < wasm) wasm = dt;
  }
  printf("lowercase on %zu batches (%.1f MB, %.2f M words): native map (lower_ascii.h) %.1f ms "
         "(%.0f MB/s), WASM (%s) %.1f ms (%.0f MB/s)\n",
         nb, (double)bytes / 1e6, (double)words / 1e6, native * 1e3, (double)bytes / native / 1e6,
         label, wasm * 1e3, (double)bytes / wasm / 1e6);
  printf("ratio WASM lowercase (%s) / native map, same kernel: %.2f  (goal <= 1.15)\n", label,
         wasm / native);
  printf("  for reference: native map with a byte-at-a-time kernel %.1f ms; WASM / that: %.2f\n",
         scalar * 1e3, wasm / scalar);
  for (size_t i = 0; i < nb; i++) tidal_batch_unref(batches[i]);
  free(batches);
  tidal_builder_free(b);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
}

/* ---- 3. word count with and without the stage -------------------------------------------------- */

typedef struct stage_ud {
  tidal_wasm_module *m;      /* NULL: the native stage */
  tidal_wasm_op_config cfg;
  tidal_schema *schema;      /* (string, i64) */
} stage_ud;

/* The native stage: the same lowercase as a map callback writing into the engine's builder. */
static int native_map(void *ud, uint64_t time, const tidal_batch_view *v, tidal_builder *b,
                      tidal_error *err) {
  (void)ud;
  (void)time;
  size_t rows = v->rows, nbytes = v->slices[1].len;
  tidal_buffer *bo = tidal_builder_slice(b, 0), *by = tidal_builder_slice(b, 1),
               *dv = tidal_builder_slice(b, 2);
  if (tidal_buffer_reserve(bo, rows * 8) || tidal_buffer_reserve(by, nbytes) ||
      tidal_buffer_reserve(dv, rows * 8))
    return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  /* Bounds continue after the bytes already in the builder. */
  const uint64_t *ends = v->slices[0].data;
  uint64_t base = by->len;
  uint64_t *eo = (uint64_t *)(void *)(bo->data + bo->len);
  for (size_t i = 0; i < rows; i++) eo[i] = ends[i] + base;
  bo->len += rows * 8;
  lower_ascii(by->data + by->len, v->slices[1].data, (uint32_t)nbytes); /* the guest's kernel */
  by->len += nbytes;
  tidal_buffer_append_unsafe(dv, v->slices[2].data, rows * 8);
  tidal_builder_add_rows(b, rows);
  return 0;
}

static int stage(void *ud, tidal_stream *words, tidal_stream **out, tidal_error *err) {
  stage_ud *s = ud;
  if (!s->m) return tidal_map(words, "native_lower", s->schema, native_map, NULL, out);
  return tidal_wasm_op(words, NULL, s->m, "lowercase", &s->cfg, out, err);
}

/* CPU time (user + system) of the whole process, in seconds. */
static double cpu_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* One word-count run; returns its wall time in seconds, and its CPU time in *cpu. */
static double run_wc_once(const char *text, size_t len, uint32_t w, stage_ud *st,
                          uint64_t *words, double *cpu) {
  tidal_wordcount_opts o;
  tidal_wordcount_opts_init(&o);
  o.workers = w;
  o.lines_per_round = 10000;
  o.mode = TIDAL_COUNT_RUNNING;
  o.collect = false;
  if (st) {
    o.stage = stage;
    o.stage_ud = st;
  }
  tidal_wordcount_result res;
  tidal_error err = {0, {0}};
  double c0 = cpu_now(), t0 = now();
  int rc = tidal_wordcount_run(&o, text, len, &res, &err);
  double dt = now() - t0;
  *cpu = cpu_now() - c0;
  if (rc) die("wordcount", rc, &err);
  *words = res.words;
  return dt;
}

static void bench_wordcount(tidal_wasm_engine *e, const char *text, size_t len) {
  stage_ud wasm[2], native;
  memset(&native, 0, sizeof native);
  native.schema = schema("(string, i64)");
  for (int g = 0; g < 2; g++) {
    wasm[g] = native;
    wasm[g].m = load(e, GUESTS[g]);
    tidal_wasm_op_config_init(&wasm[g].cfg);
  }
  /* The four configurations run round-robin, best of RUNS rounds each, so that a burst of load
     from elsewhere on the machine hits them alike rather than one of them. */
  stage_ud *cfgs[4] = {NULL, &native, &wasm[0], &wasm[1]};
  for (uint32_t w = 1; w <= 2; w++) {
    uint64_t words = 0;
    double best[4] = {1e30, 1e30, 1e30, 1e30}, cpu[4] = {1e30, 1e30, 1e30, 1e30};
    const char *rr = getenv("TIDAL_BENCH_WC_RUNS");
    int rounds = rr && atoi(rr) > 0 ? atoi(rr) : WC_RUNS;
    for (int run = 0; run < rounds; run++)
      for (int c = 0; c < 4; c++) {
        double ct;
        double dt = run_wc_once(text, len, w, cfgs[c], &words, &ct);
        if (dt < best[c]) best[c] = dt;
        if (ct < cpu[c]) cpu[c] = ct;
      }
    double plain = best[0], nat = best[1];
    printf("word count W=%u: plain %.1f ms (%.2f M words/s); native lowercase stage %.1f ms "
           "(%+.1f%%)\n",
           w, plain * 1e3, (double)words / plain / 1e6, nat * 1e3, (nat / plain - 1) * 100);
    for (int g = 0; g < 2; g++) {
      double staged = best[2 + g];
      printf("word count W=%u with the WASM lowercase stage (%s): %.1f ms (%.2f M words/s): "
             "%+.1f%% over plain (goal <= 15%%), %.2fx the native stage\n",
             w, GUEST_LABELS[g], staged * 1e3, (double)words / staged / 1e6,
             (staged / plain - 1) * 100, staged / nat);
    }
    /* CPU time is less sensitive to other jobs on a shared machine than wall time. */
    printf("word count W=%u CPU time (best): plain %.1f ms, native stage %+.1f%%, WASM stage "
           "(%s) %+.1f%%, (%s) %+.1f%%\n",
           w, cpu[0] * 1e3, (cpu[1] / cpu[0] - 1) * 100, GUEST_LABELS[0],
           (cpu[2] / cpu[0] - 1) * 100, GUEST_LABELS[1], (cpu[3] / cpu[0] - 1) * 100);
  }
  for (int g = 0; g < 2; g++) tidal_wasm_module_free(wasm[g].m);
  tidal_schema_unref(native.schema);
}

/* ---- 4. module load ---------------------------------------------------------------------------- */

static void bench_load(void) {
  char dir[] = "/tmp/tidal-bench-wasm-XXXXXX";
  if (!mkdtemp(dir)) die("mkdtemp", TIDAL_EIO, NULL);
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = dir;
  tidal_wasm_engine *e;
  tidal_error err;
  int rc = tidal_wasm_engine_new(&cfg, &e, &err);
  if (rc) die("engine", rc, &err);
  const char *guests[] = {"lowercase", "split_words"};
  for (size_t g = 0; g < 2; g++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/../../examples/guests/%s.wasm", TIDAL_WASM_TEST_DIR, guests[g]);
    double t0 = now();
    tidal_wasm_module *m = load(e, path);
    double first = now() - t0;
    const tidal_wasm_module_info *info = tidal_wasm_module_inspect(m);
    size_t wb = info->wasm_bytes;
    tidal_wasm_module_free(m);
    double hit = 1e30;
    for (int run = 0; run < RUNS; run++) {
      t0 = now();
      m = load(e, path);
      double dt = now() - t0;
      if (dt < hit) hit = dt;
      tidal_wasm_module_free(m);
    }
    printf("load %s.wasm (%zu bytes): first load (check + wasm2c + cc) %.0f ms, cached load "
           "%.2f ms (%.0fx faster)\n",
           guests[g], wb, first * 1e3, hit * 1e3, first / hit);
  }
  tidal_wasm_engine_free(e);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "bench_wasm_ops: could not remove %s\n", dir);
}

/* TIDAL_BENCH_ONLY=calls|lowercase|wordcount|load runs one part (e.g. under perf). */
static bool part(const char *name) {
  const char *only = getenv("TIDAL_BENCH_ONLY");
  return !only || !*only || !strcmp(only, name);
}

int main(int argc, char **argv) {
  /* Keep ~1 MiB blocks on glibc's heap and do not trim it: otherwise whether a batch's buffers
     come from fresh (page-faulting) mmaps depends on glibc's adaptive thresholds and on what ran
     before, which swung the native map between 11 and 89 ms from one part of this run to the
     next. Both sides of every ratio run under the same setting. */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  const char *corpus = argc > 1 ? argv[1] : getenv("TIDAL_BENCH_CORPUS");
  size_t len = 0;
  char *text = corpus ? read_file(corpus, &len) : NULL;
  if (corpus && !text) fprintf(stderr, "bench_wasm_ops: cannot read %s\n", corpus);
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = TIDAL_WASM_TEST_CACHE;
  tidal_wasm_engine *e;
  tidal_error err;
  int rc = tidal_wasm_engine_new(&cfg, &e, &err);
  if (rc) die("engine", rc, &err);
  if (part("calls")) bench_call_overhead(e);
  if (!part("lowercase")) {
  } else if (text) {
    for (int g = 0; g < 2; g++)
      bench_lowercase(e, text, len < (32u << 20) ? len : (32u << 20), GUESTS[g], GUEST_LABELS[g]);
  } else {
    /* Generated words (mixed case, 1-12 letters) when there is no corpus. */
    size_t n = 16u << 20;
    char *gen = malloc(n);
    uint64_t x = 42;
    size_t i = 0;
    while (i < n) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      size_t wl = 1 + (size_t)((x >> 33) % 12);
      for (size_t k = 0; k < wl && i < n; k++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        gen[i++] = (char)((x >> 40) % 2 ? 'a' + (x >> 33) % 26 : 'A' + (x >> 33) % 26);
      }
      if (i < n) gen[i++] = ' ';
    }
    for (int g = 0; g < 2; g++) bench_lowercase(e, gen, n, GUESTS[g], GUEST_LABELS[g]);
    free(gen);
    printf("word count: skipped (no corpus: run scripts/bench.sh or pass CORPUS)\n");
  }
  if (text && part("wordcount")) bench_wordcount(e, text, len);
  tidal_wasm_engine_free(e);
  if (part("load")) bench_load();
  free(text);
  return 0;
}
