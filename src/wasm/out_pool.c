/*
** out_pool.c: a small pool of output buffers for the WASM runner's map / flat_map path. Each
** output batch gets its bytes from the pool (the guest's output is copied into them) and gives
** them back when the batch is released, so steady-state batches of similar sizes reuse the same
** few buffers instead of a fresh allocation (and, for ~1 MiB buffers, fresh zeroed pages) each.
**
** Invariants:
** - A pooled buffer is an allocation of 16 + cap bytes: a header holding cap, then the bytes
**   handed out (16-aligned like the allocator's own blocks).
** - refs = 1 for the runner (until tidal__out_pool_close) + 1 per buffer handed out and not yet
**   released; the pool and its idle buffers are freed when refs reaches 0. Batches may be released
**   on any thread (after an exchange, by a capture): put and close take the mutex.
** - At most OUT_POOL_IDLE idle buffers are kept; a released buffer beyond that is freed.
*/
#include "wasm/operator_int.h"

#include <pthread.h>

#define OUT_POOL_IDLE 4
#define OUT_POOL_HDR 16

struct tidal__out_pool {
  pthread_mutex_t mu;              /* guards everything below */
  const tidal_allocator *alloc;    /* borrowed: outlives the pool (the runner's) */
  size_t refs;                     /* the runner + buffers out */
  uint8_t *idle[OUT_POOL_IDLE];    /* owned: idle buffers (their header start) */
  size_t nidle;                    /* how many */
};

static size_t cap_of(const uint8_t *blk) {
  size_t cap;
  memcpy(&cap, blk, sizeof cap);
  return cap;
}

int tidal__out_pool_new(const tidal_allocator *a, tidal__out_pool **out) {
  tidal__out_pool *p = tidal__calloc(a, sizeof *p);
  if (!p) return TIDAL_ENOMEM;
  if (pthread_mutex_init(&p->mu, NULL) != 0) {
    tidal__free(a, p, sizeof *p);
    return TIDAL_ENOMEM;
  }
  p->alloc = a;
  p->refs = 1;
  *out = p;
  return 0;
}

static void destroy(tidal__out_pool *p) {
  for (size_t i = 0; i < p->nidle; i++)
    tidal__free(p->alloc, p->idle[i], OUT_POOL_HDR + cap_of(p->idle[i]));
  pthread_mutex_destroy(&p->mu);
  tidal__free(p->alloc, p, sizeof *p);
}

/* Drop one reference (the mutex held); frees the pool at zero. Returns whether it did. */
static bool unref_locked(tidal__out_pool *p) {
  if (--p->refs) return false;
  pthread_mutex_unlock(&p->mu);
  destroy(p);
  return true;
}

void tidal__out_pool_close(tidal__out_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  if (!unref_locked(p)) pthread_mutex_unlock(&p->mu);
}

uint8_t *tidal__out_pool_get(tidal__out_pool *p, size_t len) {
  uint8_t *blk = NULL;
  pthread_mutex_lock(&p->mu);
  /* The smallest idle buffer that fits. */
  size_t best = p->nidle;
  for (size_t i = 0; i < p->nidle; i++) {
    size_t c = cap_of(p->idle[i]);
    if (c >= len && (best == p->nidle || c < cap_of(p->idle[best]))) best = i;
  }
  if (best < p->nidle) {
    blk = p->idle[best];
    p->idle[best] = p->idle[--p->nidle];
  }
  p->refs++;
  pthread_mutex_unlock(&p->mu);
  if (!blk) {
    /* Room for batches a little larger than this one (sizes vary from batch to batch). */
    size_t cap = len + len / 8 + 64;
    if (cap < len) {
      tidal__out_pool_put(p, NULL, 0);
      return NULL;
    }
    cap = tidal__round8(cap);
    blk = tidal__alloc(p->alloc, OUT_POOL_HDR + cap);
    if (!blk) {
      tidal__out_pool_put(p, NULL, 0);
      return NULL;
    }
    memcpy(blk, &cap, sizeof cap);
  }
  return blk + OUT_POOL_HDR;
}

void tidal__out_pool_put(void *ud, void *bytes, size_t len) {
  tidal__out_pool *p = ud;
  (void)len;
  const tidal_allocator *a = p->alloc; /* p may be freed below */
  uint8_t *blk = bytes ? (uint8_t *)bytes - OUT_POOL_HDR : NULL;
  pthread_mutex_lock(&p->mu);
  if (blk && p->refs > 1 && p->nidle < OUT_POOL_IDLE) {
    p->idle[p->nidle++] = blk; /* kept for the next get (unless the runner is gone: refs 1) */
    blk = NULL;
  }
  bool gone = unref_locked(p);
  if (!gone) pthread_mutex_unlock(&p->mu);
  if (blk) tidal__free(a, blk, OUT_POOL_HDR + cap_of(blk));
}
