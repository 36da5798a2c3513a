/*
** execute.c: tidal_execute: start W worker threads over one comm fabric, run the build function on
** each, drain, join, and report the first error.
**
** Invariant: all state of a computation hangs off its exec (no globals), so computations are
** independent; the first failure wins the exec's error slot and interrupts every worker, and
** tidal_execute returns only after every thread has been joined and every byte released.
*/
#include "dataflow/dataflow_int.h"

#include <sched.h>
#include <stdio.h>

void tidal_config_init(tidal_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->workers = 1;
  cfg->alloc = NULL;
  cfg->batch_bytes = TIDAL_DEFAULT_BATCH_BYTES;
  cfg->progress_mode = TIDAL_PROGRESS_EAGER;
  cfg->chaos_seed = 0;
}

int tidal__exec_fail(tidal__exec *ex, int code, const tidal_error *err) {
  if (code >= 0) code = TIDAL_EOPERATOR;
  pthread_mutex_lock(&ex->lock);
  if (atomic_load(&ex->failed) == 0) {
    if (err && err->msg[0]) ex->err = *err;
    else snprintf(ex->err.msg, sizeof ex->err.msg, "%s", tidal_strerror(code));
    ex->err.code = code;
    atomic_store(&ex->failed, code);
  }
  pthread_mutex_unlock(&ex->lock);
  tidal__comm_interrupt(ex->comm);
  return code;
}

int tidal__exec_check_built(tidal__exec *ex, uint32_t me, int count, bool finished) {
  atomic_store(&ex->built[me], finished ? -1 - count : count);
  for (uint32_t v = 0; v < ex->peers; v++) {
    int b = atomic_load(&ex->built[v]);
    int theirs = b < 0 ? -1 - b : b;
    /* A finished worker with fewer dataflows than someone else has will never build the rest. */
    bool short_them = b < 0 && theirs < count;
    bool short_me = finished && theirs > count;
    if (short_them || short_me) {
      tidal_error e;
      uint32_t who = short_them ? v : me;
      tidal_error_set(&e, TIDAL_EINVAL,
                      "worker %u returned from its build function after creating %d dataflow(s), "
                      "but worker %u created %d: every worker must build the same dataflows",
                      who, short_them ? theirs : count, short_them ? me : v,
                      short_them ? count : theirs);
      return tidal__exec_fail(ex, TIDAL_EINVAL, &e);
    }
  }
  return 0;
}

int tidal__ptrvec_push(const tidal_allocator *a, tidal__ptrvec *v, void *p) {
  if (v->len == v->cap) {
    size_t ncap = v->cap ? v->cap * 2 : 8;
    void **n = tidal__realloc(a, v->items, v->cap * sizeof *n, ncap * sizeof *n);
    if (!n) return TIDAL_ENOMEM;
    v->items = n;
    v->cap = ncap;
  }
  v->items[v->len++] = p;
  return 0;
}

void tidal__ptrvec_reset(const tidal_allocator *a, tidal__ptrvec *v) {
  tidal__free(a, v->items, v->cap * sizeof *v->items);
  v->items = NULL;
  v->len = v->cap = 0;
}

typedef struct thread_arg {
  tidal__exec *ex;
  uint32_t index;
  tidal_build_cb build;
  void *ud;
  pthread_t thread;
  bool started;
} thread_arg;

static void *worker_main(void *p) {
  thread_arg *ta = p;
  tidal_worker w;
  int rc = tidal__worker_init(&w, ta->ex, ta->index);
  if (rc < 0) {
    tidal_error e;
    tidal_error_set(&e, rc, "worker %u: cannot start: %s", ta->index, tidal_strerror(rc));
    tidal__exec_fail(ta->ex, rc, &e);
    return NULL;
  }
  tidal_error e;
  e.code = 0;
  e.msg[0] = 0;
  rc = ta->build(&w, ta->ud, &e);
  if (rc == 0) rc = tidal__exec_check_built(ta->ex, ta->index, (int)w.dataflows.len, true);
  if (rc < 0) {
    if (atomic_load(&ta->ex->failed) == 0) {
      if (!e.msg[0]) tidal_error_set(&e, rc, "%s", tidal_strerror(rc));
      tidal_error_prefix(&e, "worker %u: ", ta->index);
      tidal__exec_fail(ta->ex, rc, &e);
    }
  } else if (atomic_load(&ta->ex->failed) == 0) {
    tidal__worker_close_inputs(&w);
    /* A failure here has already been recorded in ex->failed with its message. */
    tidal__ignore_status(tidal_worker_run_to_completion(&w));
  }
  tidal__worker_teardown(&w);
  return NULL;
}

int tidal_execute(const tidal_config *cfg, tidal_build_cb build, void *ud, tidal_error *err) {
  if (!cfg || !build || cfg->workers < 1 || cfg->workers > 1024)
    return tidal_error_set(err, TIDAL_EINVAL, "tidal_execute: workers must be 1..1024 and build set");
  if (cfg->progress_mode != TIDAL_PROGRESS_EAGER && cfg->progress_mode != TIDAL_PROGRESS_DEMAND)
    return tidal_error_set(err, TIDAL_EINVAL, "tidal_execute: unknown progress mode %d",
                           (int)cfg->progress_mode);
  const tidal_allocator *a = tidal__allocator_or_default(cfg->alloc);
  tidal__exec ex;
  memset(&ex, 0, sizeof ex);
  ex.alloc = a;
  ex.peers = cfg->workers;
  ex.batch_bytes = cfg->batch_bytes ? cfg->batch_bytes : TIDAL_DEFAULT_BATCH_BYTES;
  ex.mode = cfg->progress_mode;
  ex.chaos_seed = cfg->chaos_seed;
  atomic_init(&ex.failed, 0);
  int rc = tidal__comm_new(a, ex.peers, &ex.comm);
  if (rc < 0) return tidal_error_set(err, rc, "tidal_execute: cannot create the comm fabric");
  thread_arg *args = tidal__calloc(a, ex.peers * sizeof *args);
  ex.built = tidal__calloc(a, ex.peers * sizeof *ex.built);
  if (!args || !ex.built) {
    tidal__free(a, args, ex.peers * sizeof *args);
    tidal__free(a, ex.built, ex.peers * sizeof *ex.built);
    tidal__comm_free(ex.comm);
    return tidal_error_set(err, TIDAL_ENOMEM, "tidal_execute: out of memory");
  }
  for (uint32_t i = 0; i < ex.peers; i++) atomic_init(&ex.built[i], 0);
  pthread_mutex_init(&ex.lock, NULL);
  for (uint32_t i = 0; i < ex.peers; i++) {
    args[i].ex = &ex;
    args[i].index = i;
    args[i].build = build;
    args[i].ud = ud;
    int prc = pthread_create(&args[i].thread, NULL, worker_main, &args[i]);
    if (prc != 0) {
      tidal_error e;
      tidal_error_set(&e, -prc, "tidal_execute: cannot start worker thread %u", i);
      tidal__exec_fail(&ex, -prc, &e);
      break;
    }
    args[i].started = true;
  }
  for (uint32_t i = 0; i < ex.peers; i++)
    if (args[i].started) pthread_join(args[i].thread, NULL);
  rc = atomic_load(&ex.failed);
  if (rc < 0 && err) *err = ex.err;
  tidal__free(a, args, ex.peers * sizeof *args);
  tidal__free(a, ex.built, ex.peers * sizeof *ex.built);
  tidal__comm_free(ex.comm);
  pthread_mutex_destroy(&ex.lock);
  return rc;
}
