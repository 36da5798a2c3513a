/*
** engine.c: the WASM engine (settings, cache location, tools) and its watchdog thread.
**
** The watchdog costs a guest call nothing but two atomic stores: a call makes its instance's
** slot->seq odd on entry and even on exit. The watchdog samples every registered slot once per
** tick (a quarter of the smallest deadline, 1 to 250 ms); a slot whose seq has stayed the same odd
** value for a whole deadline is overdue, and its thread gets the watchdog signal (pthread_sigqueue
** with the slot as payload). The handler in rt.c jumps out only if that thread is still running
** pure guest code of that very call; otherwise the signal is ignored and the next tick retries.
**
** The watchdog sleeps with a timed wait even when idle (4 wake-ups a second at the default 10 s
** deadline), so instantiation never has to wake it.
**
** Invariant: a call is never stopped before it has run for its full deadline; it is stopped at
** most one tick (plus signal latency) after it, unless it sits in host code (an import), in which
** case it is stopped at the first tick after it returns to guest code.
*/
#include "wasm/wasm_int.h"

#if TIDAL_ENABLE_WASM /* otherwise disabled.c provides TIDAL_ENOSYS stubs */

#include <signal.h>
#include <time.h>

char *tidal__wasm_strdup(const tidal_allocator *a, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = tidal__alloc(a, n);
  if (p) memcpy(p, s, n);
  return p;
}

void tidal__wasm_strfree(const tidal_allocator *a, char *s) {
  if (s) tidal__free(a, s, strlen(s) + 1);
}

void tidal_wasm_engine_config_init(tidal_wasm_engine_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->max_pages = TIDAL_DEFAULT_WASM_MAX_PAGES;
  cfg->deadline_ms = TIDAL_DEFAULT_WASM_DEADLINE_MS;
  cfg->wasm2c = "wasm2c";
  cfg->cc = "gcc";
  cfg->wasm_validate = "wasm-validate";
  cfg->compile_timeout_ms = 120000;
  cfg->compile_mem_bytes = (uint64_t)4 << 30;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *watchdog_main(void *arg) {
  tidal_wasm_engine *e = arg;
  int signo = tidal__rt_watchdog_signal();
  pthread_mutex_lock(&e->mu);
  while (!e->stop) {
    uint64_t now = now_ns();
    /* Tick: a quarter of the smallest deadline (the engine's, or a registered override). The
    ** watchdog sleeps on a timed wait even when idle, so registering an instance never has to
    ** wake it (which would cost a context switch per instantiation). */
    uint64_t tick_ns = 250000000u;
    if (e->deadline_ms != TIDAL_WASM_NO_DEADLINE) {
      uint64_t t = (uint64_t)e->deadline_ms * 1000000u / 4;
      if (t < tick_ns) tick_ns = t < 1000000u ? 1000000u : t;
    }
    for (tidal__wasm_slot *s = e->slots; s; s = s->next) {
      uint32_t d = atomic_load_explicit(&s->deadline_ms, memory_order_relaxed);
      if (d == TIDAL_WASM_NO_DEADLINE) continue;
      uint64_t t = (uint64_t)d * 1000000u / 4;
      if (t < tick_ns) tick_ns = t < 1000000u ? 1000000u : t;
      uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
      if (!(seq & 1) || seq != s->seen_seq) {
        s->seen_seq = seq;
        s->seen_ns = now;
        continue;
      }
      if (now - s->seen_ns >= (uint64_t)d * 1000000u) {
        atomic_store_explicit(&s->kill_seq, seq, memory_order_relaxed);
        pthread_t th = (pthread_t)atomic_load_explicit(&s->thread, memory_order_relaxed);
        pthread_sigqueue(th, signo, (union sigval){.sival_ptr = s});
      }
    }
    uint64_t wake = now_ns() + tick_ns;
    struct timespec ts = {(time_t)(wake / 1000000000u), (long)(wake % 1000000000u)};
    pthread_cond_timedwait(&e->cv, &e->mu, &ts);
  }
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

void tidal__wasm_slot_register(tidal_wasm_engine *e, tidal__wasm_slot *slot) {
  pthread_mutex_lock(&e->mu);
  slot->prev = NULL;
  slot->next = e->slots;
  if (e->slots) e->slots->prev = slot;
  e->slots = slot;
  slot->seen_seq = atomic_load(&slot->seq);
  slot->seen_ns = now_ns();
  /* No signal: the watchdog samples the list at its next tick (see watchdog_main). */
  pthread_mutex_unlock(&e->mu);
}

void tidal__wasm_watchdog_poke(tidal_wasm_engine *e) {
  pthread_mutex_lock(&e->mu);
  pthread_cond_signal(&e->cv);
  pthread_mutex_unlock(&e->mu);
}

void tidal__wasm_slot_unregister(tidal_wasm_engine *e, tidal__wasm_slot *slot) {
  pthread_mutex_lock(&e->mu);
  if (slot->prev) slot->prev->next = slot->next;
  else e->slots = slot->next;
  if (slot->next) slot->next->prev = slot->prev;
  slot->next = slot->prev = NULL;
  pthread_mutex_unlock(&e->mu);
}

static void engine_release(tidal_wasm_engine *e) {
  const tidal_allocator *a = &e->alloc;
  tidal__wasm_strfree(a, (char *)e->tools.cache_dir);
  tidal__wasm_strfree(a, (char *)e->tools.wasm2c);
  tidal__wasm_strfree(a, (char *)e->tools.cc);
  tidal__wasm_strfree(a, (char *)e->tools.wasm_validate);
  tidal_allocator copy = e->alloc;
  tidal__free(&copy, e, sizeof *e);
}

int tidal_wasm_engine_new(const tidal_wasm_engine_config *cfg, tidal_wasm_engine **out,
                          tidal_error *err) {
  *out = NULL;
  if (!cfg || !cfg->cache_dir || !cfg->cache_dir[0])
    return tidal_error_set(err, TIDAL_EINVAL, "WASM engine: no cache directory given");
  if (cfg->max_pages > 65535u)
    return tidal_error_set(err, TIDAL_EINVAL,
                           "WASM engine: max_pages %u is above 65535 (a 32-bit memory size "
                           "overflows at 65536 pages)",
                           cfg->max_pages);
  TIDAL_RETURN_IF_ERROR(tidal__rt_init(err));
  const tidal_allocator *a = tidal__allocator_or_default(cfg->allocator);
  tidal_wasm_engine *e = tidal__calloc(a, sizeof *e);
  if (!e) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  e->alloc = *a;
  a = &e->alloc;
  e->tools.alloc = a;
  e->tools.cache_dir = tidal__wasm_strdup(a, cfg->cache_dir);
  e->tools.wasm2c = tidal__wasm_strdup(a, cfg->wasm2c ? cfg->wasm2c : "wasm2c");
  e->tools.cc = tidal__wasm_strdup(a, cfg->cc ? cfg->cc : "gcc");
  e->tools.wasm_validate = tidal__wasm_strdup(a, cfg->wasm_validate ? cfg->wasm_validate : "");
  e->tools.timeout_ms = cfg->compile_timeout_ms ? cfg->compile_timeout_ms : 120000;
  e->tools.mem_bytes = cfg->compile_mem_bytes ? cfg->compile_mem_bytes : (uint64_t)4 << 30;
  e->max_pages = cfg->max_pages ? cfg->max_pages : TIDAL_DEFAULT_WASM_MAX_PAGES;
  e->deadline_ms = cfg->deadline_ms ? cfg->deadline_ms : TIDAL_DEFAULT_WASM_DEADLINE_MS;
  e->log = cfg->log;
  e->log_ud = cfg->log_ud;
  if (!e->tools.cache_dir || !e->tools.wasm2c || !e->tools.cc || !e->tools.wasm_validate) {
    engine_release(e);
    return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  }
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  int rc = pthread_cond_init(&e->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (rc != 0) {
    engine_release(e);
    return tidal_error_set(err, TIDAL_ENOMEM, "pthread_cond_init failed");
  }
  pthread_mutex_init(&e->mu, NULL);
  if (e->deadline_ms != TIDAL_WASM_NO_DEADLINE) {
    rc = pthread_create(&e->watchdog, NULL, watchdog_main, e);
    if (rc != 0) {
      pthread_cond_destroy(&e->cv);
      pthread_mutex_destroy(&e->mu);
      engine_release(e);
      return tidal_error_set(err, TIDAL_ENOMEM, "cannot start the WASM watchdog thread: %s",
                             strerror(rc));
    }
    e->watchdog_running = true;
  }
  *out = e;
  return 0;
}

void tidal_wasm_engine_free(tidal_wasm_engine *e) {
  if (!e) return;
  TIDAL_DCHECK(e->slots == NULL);
  if (e->watchdog_running) {
    pthread_mutex_lock(&e->mu);
    e->stop = true;
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->watchdog, NULL);
  }
  pthread_cond_destroy(&e->cv);
  pthread_mutex_destroy(&e->mu);
  engine_release(e);
}

#endif /* TIDAL_ENABLE_WASM */
