/*
** wasm_trap_threads_test.c: traps on several threads at once: concurrent traps (thread-local
** trap state) and a guest stack overflow on a worker thread (per-thread alternate signal stacks).
**
** Not labelled 'threads' (so not run under TSan): TSan wraps signal handlers, and jumping out of
** a SIGSEGV handler running on the alternate signal stack back into the guard (siglongjmp) kills
** the process under TSan, while it works in the plain and ASan builds. The thread-safety of
** everything around the jumps (loads, instances, watchdog) is covered under TSan by
** wasm_threads_test.
*/
#include "wasm_util.h"

#if TIDAL_ENABLE_WASM

#include <pthread.h>

typedef struct {
  tidal_wasm_module *m;
  int rounds;
  int traps;    /* out: traps seen with the right code and message */
  int ok_calls; /* out: successful calls between traps */
} trapper;

static void *trap_loop(void *arg) {
  trapper *t = arg;
  size_t oob = wt_op(t->m, "oob_load"), div0 = wt_op(t->m, "div0"), ok = wt_op(t->m, "ok");
  for (int i = 0; i < t->rounds; i++) {
    tidal_wasm_instance *in;
    tidal_error err;
    if (tidal_wasm_instance_new(t->m, NULL, 0, &in, &err)) return NULL;
    uint32_t ra, rl;
    if (tidal_wasm_instance_call(in, ok, 0, 0, &ra, &rl, &err) == 0) t->ok_calls++;
    bool use_oob = i % 2 == 0;
    int rc = tidal_wasm_instance_call(in, use_oob ? oob : div0, 0x7fffffff, 0, &ra, &rl, &err);
    if (rc == TIDAL_ETRAP &&
        strstr(err.msg, use_oob ? "out of bounds memory access" : "integer divide by zero"))
      t->traps++;
    tidal_wasm_instance_free(in);
  }
  return NULL;
}

TEST(two_threads_trap_concurrently_thousands_of_times) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "traps");
  enum { N = 2, ROUNDS = 3000 };
  trapper t[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    t[i] = (trapper){m, ROUNDS, 0, 0};
    CHECK(pthread_create(&th[i], NULL, trap_loop, &t[i]) == 0);
  }
  for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < N; i++) {
    CHECK_EQ_INT(t[i].traps, ROUNDS);
    CHECK_EQ_INT(t[i].ok_calls, ROUNDS);
  }
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

typedef struct {
  tidal_wasm_module *m;
  int rc;
  char msg[512];
} overflow_arg;

static void *overflow_thread(void *arg) {
  overflow_arg *a = arg;
  tidal_wasm_instance *in;
  tidal_error err;
  a->rc = tidal_wasm_instance_new(a->m, NULL, 0, &in, &err);
  if (a->rc) return NULL;
  uint32_t ra, rl;
  for (int i = 0; i < 3 && a->rc == 0; i++) { /* the first overflow must not be the last */
    a->rc = tidal_wasm_instance_call(in, wt_op(a->m, "recurse"), 0, 0, &ra, &rl, &err);
    if (a->rc == TIDAL_ETRAP) {
      snprintf(a->msg, sizeof a->msg, "%s", err.msg);
      tidal_wasm_instance_free(in);
      if (i < 2) {
        a->rc = tidal_wasm_instance_new(a->m, NULL, 0, &in, &err);
        if (a->rc) return NULL;
        a->rc = 0;
        continue;
      }
      a->rc = TIDAL_ETRAP;
      return NULL;
    }
  }
  tidal_wasm_instance_free(in);
  return NULL;
}

TEST(guest_stack_overflow_on_a_worker_thread) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "traps");
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20); /* a small worker stack overflows quickly */
  for (int k = 0; k < 2; k++) {
    overflow_arg a = {m, 0, ""};
    pthread_t th;
    CHECK(pthread_create(&th, &attr, overflow_thread, &a) == 0);
    pthread_join(th, NULL);
    CHECK_EQ_INT(a.rc, TIDAL_ETRAP);
    CHECK(strstr(a.msg, "call stack exhausted") != NULL);
  }
  pthread_attr_destroy(&attr);
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
