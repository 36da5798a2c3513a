/*
** comm.h: the interface that moves data batches and progress batches between the workers of one
** computation. Not API.
**
** The dataflow layer sees only this interface: `tidal__comm_send` hands a message to worker `to`,
** `tidal__comm_recv` takes every message that arrived for a worker, `tidal__comm_park` sleeps until
** one arrives. The in-process backend (local.c) hands owned `tidal_batch *` pointers through one
** locked mailbox per receiving worker: no serialization, no copy. A TCP backend would implement the
** same three calls by writing a small header (kind, dataflow, channel, time, length) followed by
** the batch's indexed bytes (tidal_batch_encode_into: a gather of slices) and, on receipt,
** validating them into a batch with tidal_batch_from_bytes (the channel's schema is registered by
** the dataflow layer through tidal__comm_register_channel, a no-op in process).
**
** Invariants every backend keeps: delivery is reliable and exactly once; messages from one sender
** to one receiver arrive in the order they were sent (FIFO per (sender, receiver) pair), which the
** progress protocol needs (spec §3); a progress message is delivered whole. Data messages need no
** order relative to progress messages.
*/
#ifndef TIDAL_SRC_COMM_H
#define TIDAL_SRC_COMM_H

#include "base/base.h"
#include "tidal/columnar.h"
#include "tidal/progress.h"

#include <stdatomic.h>

/*
** One progress batch of one sender for one dataflow, shared by every receiver (immutable once
** sent; the last receiver to release it frees it). The updates are compacted (no zero diffs).
*/
typedef struct tidal__progress_msg {
  atomic_uint refs;                /* atomic: receivers that have not released it yet */
  uint32_t from;                   /* immutable: sending worker */
  uint32_t dataflow;               /* immutable: the dataflow's creation index */
  uint64_t seq;                    /* immutable: per (sender, dataflow), 0, 1, 2, ... */
  size_t len;                      /* immutable: number of updates */
  tidal_progress_update *updates;  /* immutable: len entries, owned by the message */
  const tidal_allocator *alloc;    /* immutable: where this message came from */
} tidal__progress_msg;

/* Copy `len` updates into a new message with `refs` references. NULL on OOM. */
tidal__progress_msg *tidal__progress_msg_new(const tidal_allocator *a, uint32_t from,
                                             uint32_t dataflow, uint64_t seq,
                                             const tidal_progress_update *updates, size_t len,
                                             unsigned refs);
/* Release one reference (thread-safe; NULL is a no-op). */
void tidal__progress_msg_release(tidal__progress_msg *m);

typedef enum tidal__msg_kind {
  TIDAL__MSG_DATA = 1,     /* a batch for one channel at one time */
  TIDAL__MSG_PROGRESS = 2  /* a progress batch */
} tidal__msg_kind;

/* A message, copied by value into mailboxes. Owns batch (DATA) or one reference of progress. */
typedef struct tidal__msg {
  uint32_t kind;                  /* tidal__msg_kind */
  uint32_t from;                  /* sending worker */
  uint32_t dataflow;              /* DATA: dataflow creation index */
  uint32_t channel;               /* DATA: channel creation index within the dataflow */
  uint64_t time;                  /* DATA: the batch's time */
  tidal_batch *batch;             /* DATA: owned */
  tidal__progress_msg *progress;  /* PROGRESS: one owned reference */
} tidal__msg;

/* Release what a message owns. */
void tidal__msg_release(tidal__msg *m);

/* A growable array of messages (caller storage; the owner releases the messages it holds). */
typedef struct tidal__msgvec {
  tidal__msg *items;             /* len entries */
  size_t len;
  size_t cap;
  const tidal_allocator *alloc;
} tidal__msgvec;

void tidal__msgvec_init(tidal__msgvec *v, const tidal_allocator *a);
/* Release every message still held and the storage. */
void tidal__msgvec_reset(tidal__msgvec *v);
int tidal__msgvec_push(tidal__msgvec *v, const tidal__msg *m);  /* 0 or TIDAL_ENOMEM */

typedef struct tidal__comm tidal__comm;

/* A fabric for `peers` workers. Returns 0 or TIDAL_ENOMEM. */
int tidal__comm_new(const tidal_allocator *a, uint32_t peers, tidal__comm **out);
/* Free the fabric, releasing undelivered messages. Every worker must have stopped using it. */
void tidal__comm_free(tidal__comm *c);
/* Hand m to worker `to` (which may be the sender). Takes ownership of m's payload on every path.
   Returns 0 or TIDAL_ENOMEM. Thread-safe: yes. */
int tidal__comm_send(tidal__comm *c, uint32_t to, const tidal__msg *m);
/* Move every message that arrived for worker `me` to the end of out, in arrival order (which is
   FIFO per sender). Returns the number moved. Called only by worker me's thread. Never fails: on
   OOM growing out, the messages stay in the mailbox for the next call. */
size_t tidal__comm_recv(tidal__comm *c, uint32_t me, tidal__msgvec *out);
/* Sleep until a message is waiting for `me` or the fabric is interrupted. Thread-safe: yes (one
   parker per worker). */
void tidal__comm_park(tidal__comm *c, uint32_t me);
/* Wake every parked worker now and make every later park return at once. Thread-safe: yes. */
void tidal__comm_interrupt(tidal__comm *c);
/* Statistics for tests: times worker `me` actually slept in park. Thread-safe: yes. */
uint64_t tidal__comm_parks(tidal__comm *c, uint32_t me);

#endif /* TIDAL_SRC_COMM_H */
