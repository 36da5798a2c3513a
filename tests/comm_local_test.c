// ctest-labels: threads
/* comm_local_test.c: the in-process comm fabric: FIFO per (sender, receiver) under concurrent
   senders, batches moved without copy, parking woken by a send or an interrupt, shared progress
   messages released exactly once, OOM releasing the payload. */
#include "harness/test.h"

#include <pthread.h>
#include <unistd.h>

#include "comm/comm.h"

#define SENDERS 3
#define PER_SENDER 20000

typedef struct fifo_arg {
  tidal__comm *c;
  uint32_t from;
} fifo_arg;

static void *sender(void *p) {
  fifo_arg *a = p;
  for (uint64_t i = 0; i < PER_SENDER; i++) {
    tidal__msg m = {TIDAL__MSG_DATA, a->from, 0, 0, i, NULL, NULL};
    CHECK_OK(tidal__comm_send(a->c, SENDERS, &m));
  }
  return NULL;
}

TEST(fifo_per_sender_under_concurrent_sends_with_parking) {
  tidal__comm *c;
  CHECK_OK(tidal__comm_new(tidal_default_allocator(), SENDERS + 1, &c));
  pthread_t th[SENDERS];
  fifo_arg args[SENDERS];
  for (uint32_t s = 0; s < SENDERS; s++) {
    args[s].c = c;
    args[s].from = s;
    CHECK(pthread_create(&th[s], NULL, sender, &args[s]) == 0);
  }
  uint64_t next[SENDERS] = {0};
  uint64_t total = 0;
  tidal__msgvec v;
  tidal__msgvec_init(&v, tidal_default_allocator());
  while (total < (uint64_t)SENDERS * PER_SENDER) {
    if (tidal__comm_recv(c, SENDERS, &v) == 0) {
      tidal__comm_park(c, SENDERS); /* must wake on the next send */
      continue;
    }
    for (size_t i = 0; i < v.len; i++) {
      CHECK(v.items[i].from < SENDERS);
      CHECK_EQ_U64(v.items[i].time, next[v.items[i].from]);
      next[v.items[i].from]++;
      total++;
    }
    v.len = 0;
  }
  for (uint32_t s = 0; s < SENDERS; s++) CHECK(pthread_join(th[s], NULL) == 0);
  tidal__msgvec_reset(&v);
  tidal__comm_free(c);
}

static void *interrupter(void *p) {
  usleep(50 * 1000);
  tidal__comm_interrupt(p);
  return NULL;
}

TEST(interrupt_wakes_a_parked_worker_and_sticks) {
  tidal__comm *c;
  CHECK_OK(tidal__comm_new(tidal_default_allocator(), 2, &c));
  pthread_t th;
  CHECK(pthread_create(&th, NULL, interrupter, c) == 0);
  tidal__comm_park(c, 0); /* returns only because of the interrupt */
  CHECK(pthread_join(th, NULL) == 0);
  CHECK_EQ_U64(tidal__comm_parks(c, 0), 1);
  tidal__comm_park(c, 1); /* sticky: returns at once, without sleeping */
  CHECK_EQ_U64(tidal__comm_parks(c, 1), 0);
  tidal__comm_free(c);
}

TEST(batches_move_and_progress_messages_are_shared) {
  const tidal_allocator *a = tidal_default_allocator();
  tidal__comm *c;
  CHECK_OK(tidal__comm_new(a, 2, &c));
  tidal_schema *s;
  CHECK_OK(tidal_schema_parse("u64", 3, NULL, &s, NULL));
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_OK(tidal_builder_push_u64(b, 7));
  tidal_batch *batch;
  CHECK_OK(tidal_batch_from_builder(b, &batch));
  tidal__msg m = {TIDAL__MSG_DATA, 0, 1, 2, 3, batch, NULL};
  CHECK_OK(tidal__comm_send(c, 1, &m));
  tidal_progress_update u[2];
  memset(u, 0, sizeof u);
  u[0].loc = tidal_location_source(1, 0);
  u[0].diff = -1;
  u[1].loc = tidal_location_target(2, 0);
  u[1].diff = 5;
  tidal__progress_msg *pm = tidal__progress_msg_new(a, 0, 0, 0, u, 2, 2);
  CHECK(pm != NULL);
  for (uint32_t to = 0; to < 2; to++) {
    tidal__msg pmsg = {TIDAL__MSG_PROGRESS, 0, 0, 0, 0, NULL, pm};
    CHECK_OK(tidal__comm_send(c, to, &pmsg));
  }
  tidal__msgvec v;
  tidal__msgvec_init(&v, a);
  CHECK_EQ_INT(tidal__comm_recv(c, 1, &v), 2);
  CHECK(v.items[0].batch == batch); /* the very same pointer */
  CHECK_EQ_U64(v.items[0].time, 3);
  CHECK(v.items[1].progress == pm);
  CHECK_EQ_INT(pm->len, 2);
  CHECK_EQ_INT(pm->updates[1].diff, 5);
  tidal__msgvec_reset(&v); /* releases the batch and one reference of pm */
  /* Worker 0's copy is still in its mailbox: comm_free releases it (ASan checks the rest). */
  tidal__comm_free(c);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

static int comm_oom_body(void *ud, const tidal_allocator *a) {
  (void)ud;
  tidal__comm *c;
  TIDAL_RETURN_IF_ERROR(tidal__comm_new(a, 3, &c));
  int rc = 0;
  for (int i = 0; i < 40 && rc == 0; i++) {
    tidal_progress_update u;
    memset(&u, 0, sizeof u);
    tidal__progress_msg *pm = tidal__progress_msg_new(a, 0, 0, (uint64_t)i, &u, 1, 1);
    if (!pm) {
      rc = TIDAL_ENOMEM;
      break;
    }
    tidal__msg m = {TIDAL__MSG_PROGRESS, 0, 0, 0, 0, NULL, pm};
    rc = tidal__comm_send(c, (uint32_t)i % 3, &m); /* releases pm itself on failure */
  }
  tidal__comm_free(c);
  return rc;
}

TEST(oom_in_the_fabric_releases_everything) {
  CHECK(tidal_test_oom_sweep(comm_oom_body, NULL) > 3);
}
