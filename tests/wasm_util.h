/*
** wasm_util.h: helpers shared by the wasm_*_test files: an engine on the build's test cache and
** the test modules assembled from tests/wasm/ (.wat files) (see the WASM block in CMakeLists.txt).
*/
#ifndef TIDAL_TESTS_WASM_UTIL_H
#define TIDAL_TESTS_WASM_UTIL_H

#include "harness/test.h"

#include <time.h>

#if TIDAL_ENABLE_WASM && !defined(TIDAL_WASM_TEST_DIR)
#error "TIDAL_WASM_TEST_DIR must be defined by CMake"
#endif

#if TIDAL_ENABLE_WASM
static inline double wt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static inline const char *wt_path(const char *name, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s.wasm", TIDAL_WASM_TEST_DIR, name);
  return buf;
}

/* Read a test module into a malloc'd buffer (caller frees). */
static inline uint8_t *wt_read(const char *name, size_t *len) {
  char p[1024];
  FILE *f = fopen(wt_path(name, p, sizeof p), "rb");
  if (!f) TEST_FAIL("cannot open %s (did the build assemble tests/wasm?)", p);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  CHECK(b && fread(b, 1, (size_t)n, f) == (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static inline tidal_wasm_engine *wt_engine_with(uint32_t max_pages, uint32_t deadline_ms,
                                                const char *cache_dir) {
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = cache_dir ? cache_dir : TIDAL_WASM_TEST_CACHE;
  if (max_pages) cfg.max_pages = max_pages;
  if (deadline_ms) cfg.deadline_ms = deadline_ms;
  tidal_wasm_engine *e = NULL;
  tidal_error err;
  int rc = tidal_wasm_engine_new(&cfg, &e, &err);
  if (rc) TEST_FAIL("engine_new: %s", err.msg);
  return e;
}

static inline tidal_wasm_engine *wt_engine(void) { return wt_engine_with(0, 0, NULL); }

static inline tidal_wasm_module *wt_load(tidal_wasm_engine *e, const char *name) {
  char p[1024];
  tidal_wasm_module *m = NULL;
  tidal_error err;
  int rc = tidal_wasm_module_load_file(e, wt_path(name, p, sizeof p), &m, &err);
  if (rc) TEST_FAIL("loading %s: %s (%s)", name, err.msg, tidal_err_name(rc));
  return m;
}

static inline size_t wt_op(const tidal_wasm_module *m, const char *name) {
  size_t i;
  tidal_error err;
  if (tidal_wasm_module_find_operator(m, name, &i, &err)) TEST_FAIL("%s", err.msg);
  return i;
}

/* A fresh, empty cache directory under the build's test cache. */
static inline void wt_fresh_cache(char *buf, size_t cap) {
  char base[900];
  snprintf(base, sizeof base, "%s", TIDAL_WASM_TEST_CACHE);
  char cmd[1000];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", base);
  CHECK(system(cmd) == 0);
  snprintf(buf, cap, "%s/fresh-XXXXXX", base);
  CHECK(mkdtemp(buf) != NULL);
}

/* Remove a directory made by wt_fresh_cache. */
static inline void wt_rm_cache(const char *dir) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
}

#endif /* TIDAL_ENABLE_WASM */
#endif /* TIDAL_TESTS_WASM_UTIL_H */
