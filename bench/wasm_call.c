/*
** wasm_call.c: the cost of entering a guest. Prints, measured in the same run: a guarded call of
** an empty (i32, i32) -> i64 export against a direct C call through a pointer, instantiate+free,
** and the first (compiling) load of a module against a cached load.
*/
#include "tidal/tidal.h"

#if TIDAL_ENABLE_WASM

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if TIDAL_ENABLE_WASM && !defined(TIDAL_WASM_TEST_DIR)
#error "TIDAL_WASM_TEST_DIR must be defined by CMake"
#endif

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static int64_t direct_fn(uint32_t p, uint32_t n) { return (int64_t)p + n; }

/* The floor of any trap guard: sigsetjmp(buf, 0) around the same indirect call. */
#include <setjmp.h>
__attribute__((noinline)) static int bare_guard(int64_t (*fn)(uint32_t, uint32_t), uint32_t p,
                                                int64_t *out) {
  sigjmp_buf jb;
  if (sigsetjmp(jb, 0)) return 1;
  *out = fn(p, 0);
  return 0;
}

static void die(const char *what, const tidal_error *err) {
  fprintf(stderr, "bench_wasm_call: %s: %s\n", what, err->msg);
  exit(1);
}

int main(void) {
  char cache[] = "/tmp/tidal-bench-wasm-XXXXXX";
  if (!mkdtemp(cache)) return 1;
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = cache;
  tidal_wasm_engine *e;
  tidal_error err;
  if (tidal_wasm_engine_new(&cfg, &e, &err)) die("engine", &err);
  const char *path = TIDAL_WASM_TEST_DIR "/ok.wasm";
  tidal_wasm_module *m;
  double t0 = now_ns();
  if (tidal_wasm_module_load_file(e, path, &m, &err)) die("first load", &err);
  double first_ms = (now_ns() - t0) / 1e6;
  tidal_wasm_module_free(m);
  t0 = now_ns();
  if (tidal_wasm_module_load_file(e, path, &m, &err)) die("cached load", &err);
  double cached_ms = (now_ns() - t0) / 1e6;

  tidal_wasm_instance *in;
  const int n_inst = 20000;
  t0 = now_ns();
  for (int i = 0; i < n_inst; i++) {
    if (tidal_wasm_instance_new(m, NULL, 0, &in, &err)) die("instance", &err);
    tidal_wasm_instance_free(in);
  }
  double inst_us = (now_ns() - t0) / 1e3 / n_inst;

  if (tidal_wasm_instance_new(m, NULL, 0, &in, &err)) die("instance", &err);
  size_t op;
  if (tidal_wasm_module_find_operator(m, "empty", &op, &err)) die("operator", &err);
  const int n = 20000000;
  int64_t r, acc = 0;
  double best_guest = 1e30, best_direct = 1e30, best_bare = 1e30;
  int64_t (*volatile fp)(uint32_t, uint32_t) = direct_fn;
  for (int rep = 0; rep < 3; rep++) {
    t0 = now_ns();
    for (int i = 0; i < n; i++) {
      if (tidal_wasm_instance_call_raw(in, op, (uint32_t)i, 0, &r, &err)) die("call", &err);
      acc += r;
    }
    double g = (now_ns() - t0) / n;
    t0 = now_ns();
    for (int i = 0; i < n; i++) acc += fp((uint32_t)i, 0);
    double d = (now_ns() - t0) / n;
    t0 = now_ns();
    for (int i = 0; i < n; i++) {
      if (bare_guard(fp, (uint32_t)i, &r)) return 1;
      acc += r;
    }
    double b = (now_ns() - t0) / n;
    if (b < best_bare) best_bare = b;
    if (g < best_guest) best_guest = g;
    if (d < best_direct) best_direct = d;
  }
  printf("wasm_call: guarded call of an empty export  %6.2f ns\n", best_guest);
  printf("wasm_call: direct C call through a pointer  %6.2f ns   (ratio %.1fx)\n", best_direct,
         best_guest / best_direct);
  printf("wasm_call: bare sigsetjmp guard + C call    %6.2f ns   (tidal's guard costs %.1fx it)\n",
         best_bare, best_guest / best_bare);
  printf("wasm_call: instantiate + free               %6.2f us\n", inst_us);
  printf("wasm_call: first load (check+wasm2c+gcc)    %6.1f ms\n", first_ms);
  printf("wasm_call: cached load (dlopen+describe)    %6.3f ms   (ratio %.0fx)\n", cached_ms,
         first_ms / cached_ms);
  tidal_wasm_instance_free(in);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
  if (system(cmd) != 0) return 1;
  return acc == 42 ? 2 : 0;
}
#else
#include <stdio.h>
int main(void) {
  puts("wasm_call: skipped (built without WASM)");
  return 0;
}
#endif
