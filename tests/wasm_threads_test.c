// ctest-labels: threads
/*
** wasm_threads_test.c: the WASM host from several threads without traps, so that it runs under
** TSan too: concurrent loads of one module compile it once (the cache lock) and share it;
** instances on several threads call concurrently while the watchdog samples their slots; the
** function-type registry and per-thread runtime setup race freely.
**
** Traps on several threads are in wasm_trap_threads_test (TSan cannot follow a siglongjmp out of
** a signal handler on the alternate stack). The deadline is tested in wasm_host_test: TSan defers
** asynchronous signals until the thread reaches an interceptor, which never happens inside guest
** code.
*/
#include "wasm_util.h"

#if TIDAL_ENABLE_WASM

#include <pthread.h>

typedef struct {
  tidal_wasm_engine *e;
  const char *name;
  int rc;
  int state;
} loader;

static void *load_thread(void *arg) {
  loader *l = arg;
  char p[1024];
  tidal_wasm_module *m = NULL;
  tidal_error err;
  l->rc = tidal_wasm_module_load_file(l->e, wt_path(l->name, p, sizeof p), &m, &err);
  if (l->rc == 0) {
    l->state = (int)tidal_wasm_module_inspect(m)->cache_state;
    tidal_wasm_instance *in;
    l->rc = tidal_wasm_instance_new(m, NULL, 0, &in, &err);
    tidal_wasm_instance_free(in);
    tidal_wasm_module_free(m);
  }
  return NULL;
}

TEST(concurrent_loads_compile_once) {
  char dir[1024];
  wt_fresh_cache(dir, sizeof dir);
  tidal_wasm_engine *e = wt_engine_with(0, 0, dir);
  enum { N = 3 };
  loader l[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    l[i] = (loader){e, "ok", -1, -1};
    CHECK(pthread_create(&th[i], NULL, load_thread, &l[i]) == 0);
  }
  int compiled = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    CHECK_OK(l[i].rc);
    compiled += l[i].state == TIDAL_WASM_CACHE_COMPILED;
  }
  CHECK_EQ_INT(compiled, 1);
  tidal_wasm_engine_free(e);
  wt_rm_cache(dir);
}

typedef struct {
  tidal_wasm_module *m;
  int calls; /* out: successful calls */
} caller;

static void *call_loop(void *arg) {
  caller *c = arg;
  size_t echo = wt_op(c->m, "echo"), counter = wt_op(c->m, "counter");
  for (int k = 0; k < 20; k++) {
    tidal_wasm_instance *in;
    tidal_error err;
    if (tidal_wasm_instance_new(c->m, "x", 1, &in, &err)) return NULL;
    for (int i = 0; i < 200; i++) {
      uint32_t p, ra, rl;
      uint64_t v = (uint64_t)i * 0x9e3779b97f4a7c15ull;
      if (tidal_wasm_instance_alloc(in, 8, &p, &err) || tidal_wasm_instance_write(in, p, &v, 8, &err) ||
          tidal_wasm_instance_call(in, echo, p, 8, &ra, &rl, &err))
        break;
      const uint8_t *view;
      uint64_t back;
      if (tidal_wasm_instance_range(in, ra, rl, "echo", &view, &err) || rl != 8) break;
      memcpy(&back, view, 8);
      if (back != v) break;
      if (tidal_wasm_instance_call(in, counter, 0, 0, &ra, &rl, &err) || rl != (uint32_t)i + 1) break;
      c->calls++;
    }
    tidal_wasm_instance_free(in);
  }
  return NULL;
}

TEST(instances_on_several_threads_under_a_watchdog) {
  tidal_wasm_engine *e = wt_engine_with(0, 1000, NULL); /* watchdog ticking every 250 ms */
  tidal_wasm_module *m = wt_load(e, "ok");
  enum { N = 4 };
  caller c[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    c[i] = (caller){m, 0};
    CHECK(pthread_create(&th[i], NULL, call_loop, &c[i]) == 0);
  }
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_INT(c[i].calls, 20 * 200);
  }
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

#else /* built without WASM: the API answers TIDAL_ENOSYS */
TEST(wasm_disabled) {
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = "/tmp";
  tidal_wasm_engine *e;
  CHECK_ERR(tidal_wasm_engine_new(&cfg, &e, NULL), TIDAL_ENOSYS);
}
#endif
