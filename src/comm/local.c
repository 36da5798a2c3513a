/*
** local.c: the in-process comm backend: one mailbox per receiving worker, a mutex-protected array
** of messages that senders append to and the receiver swaps out whole.
**
** Invariant: a mailbox's messages are in the order their sends took its lock, so messages from one
** sender (one thread) to one receiver stay FIFO; payloads (owned batch pointers, progress message
** references) move through untouched: no copy, no serialization. A receiver parks on its mailbox's
** condition variable only after seeing it empty under the lock, so a send can never be missed.
*/
#include "comm/comm.h"

#include <pthread.h>

typedef struct mailbox {
  pthread_mutex_t lock;  /* guards every field below */
  pthread_cond_t cond;   /* signalled when a message arrives or on interrupt */
  tidal__msgvec msgs;    /* lock: messages not yet received */
  bool parked;           /* lock: the receiver waits on cond */
  uint64_t parks;        /* lock: times the receiver slept */
} mailbox;

struct tidal__comm {
  const tidal_allocator *alloc;  /* immutable */
  uint32_t peers;                /* immutable */
  atomic_bool interrupted;       /* atomic: sticky; set once by tidal__comm_interrupt */
  mailbox *boxes;                /* immutable array of peers mailboxes */
};

tidal__progress_msg *tidal__progress_msg_new(const tidal_allocator *a, uint32_t from,
                                             uint32_t dataflow, uint64_t seq,
                                             const tidal_progress_update *updates, size_t len,
                                             unsigned refs) {
  tidal__progress_msg *m = tidal__alloc(a, sizeof *m);
  if (!m) return NULL;
  m->updates = NULL;
  if (len) {
    m->updates = tidal__alloc(a, len * sizeof *updates);
    if (!m->updates) {
      tidal__free(a, m, sizeof *m);
      return NULL;
    }
    memcpy(m->updates, updates, len * sizeof *updates);
  }
  atomic_init(&m->refs, refs);
  m->from = from;
  m->dataflow = dataflow;
  m->seq = seq;
  m->len = len;
  m->alloc = a;
  return m;
}

void tidal__progress_msg_release(tidal__progress_msg *m) {
  if (!m) return;
  if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
  tidal__free(m->alloc, m->updates, m->len * sizeof *m->updates);
  tidal__free(m->alloc, m, sizeof *m);
}

void tidal__msg_release(tidal__msg *m) {
  if (m->kind == TIDAL__MSG_DATA) tidal_batch_unref(m->batch);
  else tidal__progress_msg_release(m->progress);
  m->batch = NULL;
  m->progress = NULL;
}

void tidal__msgvec_init(tidal__msgvec *v, const tidal_allocator *a) {
  v->items = NULL;
  v->len = v->cap = 0;
  v->alloc = a;
}

void tidal__msgvec_reset(tidal__msgvec *v) {
  for (size_t i = 0; i < v->len; i++) tidal__msg_release(&v->items[i]);
  tidal__free(v->alloc, v->items, v->cap * sizeof *v->items);
  v->items = NULL;
  v->len = v->cap = 0;
}

static int msgvec_reserve(tidal__msgvec *v, size_t extra) {
  if (v->cap - v->len >= extra) return 0;
  size_t ncap = v->cap ? v->cap * 2 : 16;
  while (ncap - v->len < extra) ncap *= 2;
  tidal__msg *n = tidal__realloc(v->alloc, v->items, v->cap * sizeof *n, ncap * sizeof *n);
  if (!n) return TIDAL_ENOMEM;
  v->items = n;
  v->cap = ncap;
  return 0;
}

int tidal__msgvec_push(tidal__msgvec *v, const tidal__msg *m) {
  TIDAL_RETURN_IF_ERROR(msgvec_reserve(v, 1));
  v->items[v->len++] = *m;
  return 0;
}

int tidal__comm_new(const tidal_allocator *a, uint32_t peers, tidal__comm **out) {
  tidal__comm *c = tidal__calloc(a, sizeof *c);
  if (!c) return TIDAL_ENOMEM;
  c->boxes = tidal__calloc(a, peers * sizeof *c->boxes);
  if (!c->boxes) {
    tidal__free(a, c, sizeof *c);
    return TIDAL_ENOMEM;
  }
  c->alloc = a;
  c->peers = peers;
  atomic_init(&c->interrupted, false);
  for (uint32_t i = 0; i < peers; i++) {
    pthread_mutex_init(&c->boxes[i].lock, NULL);
    pthread_cond_init(&c->boxes[i].cond, NULL);
    tidal__msgvec_init(&c->boxes[i].msgs, a);
  }
  *out = c;
  return 0;
}

void tidal__comm_free(tidal__comm *c) {
  if (!c) return;
  for (uint32_t i = 0; i < c->peers; i++) {
    tidal__msgvec_reset(&c->boxes[i].msgs);
    pthread_cond_destroy(&c->boxes[i].cond);
    pthread_mutex_destroy(&c->boxes[i].lock);
  }
  tidal__free(c->alloc, c->boxes, c->peers * sizeof *c->boxes);
  tidal__free(c->alloc, c, sizeof *c);
}

int tidal__comm_send(tidal__comm *c, uint32_t to, const tidal__msg *m) {
  TIDAL_DCHECK(to < c->peers);
  mailbox *b = &c->boxes[to];
  pthread_mutex_lock(&b->lock);
  int rc = tidal__msgvec_push(&b->msgs, m);
  bool wake = rc == 0 && b->parked;
  pthread_mutex_unlock(&b->lock);
  if (wake) pthread_cond_signal(&b->cond);
  if (rc < 0) {
    tidal__msg copy = *m;
    tidal__msg_release(&copy);
  }
  return rc;
}

size_t tidal__comm_recv(tidal__comm *c, uint32_t me, tidal__msgvec *out) {
  mailbox *b = &c->boxes[me];
  size_t n = 0;
  pthread_mutex_lock(&b->lock);
  if (b->msgs.len == 0) {
    /* nothing */
  } else if (out->len == 0 && out->cap <= b->msgs.cap) {
    /* Swap the arrays: O(1), and the mailbox keeps the receiver's spare capacity. */
    tidal__msgvec tmp = *out;
    *out = b->msgs;
    b->msgs = tmp;
    n = out->len;
  } else if (msgvec_reserve(out, b->msgs.len) == 0) {
    memcpy(out->items + out->len, b->msgs.items, b->msgs.len * sizeof *out->items);
    out->len += b->msgs.len;
    n = b->msgs.len;
    b->msgs.len = 0;
  }
  pthread_mutex_unlock(&b->lock);
  return n;
}

void tidal__comm_park(tidal__comm *c, uint32_t me) {
  mailbox *b = &c->boxes[me];
  pthread_mutex_lock(&b->lock);
  if (b->msgs.len == 0 && !atomic_load(&c->interrupted)) {
    b->parked = true;
    b->parks++;
    while (b->msgs.len == 0 && !atomic_load(&c->interrupted))
      pthread_cond_wait(&b->cond, &b->lock);
    b->parked = false;
  }
  pthread_mutex_unlock(&b->lock);
}

void tidal__comm_interrupt(tidal__comm *c) {
  atomic_store(&c->interrupted, true);
  for (uint32_t i = 0; i < c->peers; i++) {
    /* Take the lock so a receiver between its check and its wait cannot miss the broadcast. */
    pthread_mutex_lock(&c->boxes[i].lock);
    pthread_cond_broadcast(&c->boxes[i].cond);
    pthread_mutex_unlock(&c->boxes[i].lock);
  }
}

uint64_t tidal__comm_parks(tidal__comm *c, uint32_t me) {
  mailbox *b = &c->boxes[me];
  pthread_mutex_lock(&b->lock);
  uint64_t n = b->parks;
  pthread_mutex_unlock(&b->lock);
  return n;
}
