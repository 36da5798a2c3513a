/*
** dataflow_int.h: the structs behind the dataflow API, shared by the files of src/dataflow only.
**
** Ownership tree: an exec (one per tidal_execute) owns the comm fabric and the workers; a worker
** owns its dataflows; a dataflow owns its operators, streams, channels, inputs, probes and the
** progress tracker; an operator owns its queued input messages (each holding one batch reference),
** its capabilities and its logic's ud (released with destroy).
**
** Threads: everything here is touched only by its worker's thread, except the exec's error slot
** (exec.lock) and `failed` (atomic), and the comm fabric (its own locks).
**
** Progress plumbing (spec §2-§3): operators and inputs write their count changes straight into
** their dataflow's `local` batch L, already translated to pointstamps (consumed n at input i:
** Target(node, i) -n; capability changes: Source(node, o) ±1; produced n on output o: Target(X)
** +n for every channel from that output, +n*W for a broadcast channel). L is sent whole at the end
** of a step, to every worker including this one, and applied to the tracker only when it comes
** back, so a worker never sees its own partial state.
*/
#ifndef TIDAL_SRC_DATAFLOW_INT_H
#define TIDAL_SRC_DATAFLOW_INT_H

#include "tidal/dataflow.h"
#include "base/base.h"
#include "comm/comm.h"

#include <pthread.h>

typedef struct tidal__exec tidal__exec;
typedef struct tidal__channel tidal__channel;

/* A growable array of pointers (caller storage). */
typedef struct tidal__ptrvec {
  void **items;
  size_t len;
  size_t cap;
} tidal__ptrvec;
int tidal__ptrvec_push(const tidal_allocator *a, tidal__ptrvec *v, void *p);
void tidal__ptrvec_reset(const tidal_allocator *a, tidal__ptrvec *v);

struct tidal__exec {
  const tidal_allocator *alloc;    /* immutable */
  uint32_t peers;                  /* immutable */
  size_t batch_bytes;              /* immutable */
  tidal_progress_mode mode;        /* immutable */
  uint64_t chaos_seed;             /* immutable: 0 = off */
  tidal__comm *comm;               /* immutable pointer; the fabric synchronizes itself */
  pthread_mutex_t lock;            /* guards err */
  tidal_error err;                 /* lock: the first error */
  atomic_int failed;               /* atomic: 0, or the first error's code */
  atomic_int *built;               /* atomic, peers entries: dataflows a worker created, made
                                      negative (-1 - count) once its build function returned */
};

/* Check that no worker finished building with fewer dataflows than `count` (every worker must
   build the same dataflows: a missing one would hang the others). Fails the computation. */
int tidal__exec_check_built(tidal__exec *ex, uint32_t me, int count, bool finished);

/* Record a failure (the first one wins) and wake every worker. Returns code. Thread-safe. */
int tidal__exec_fail(tidal__exec *ex, int code, const tidal_error *err);

/* One queued input message. */
typedef struct tidal__qmsg {
  uint64_t time;
  tidal_batch *batch;  /* owned reference */
} tidal__qmsg;

typedef struct tidal__queue {
  tidal__qmsg *items;  /* [head, len) are queued */
  size_t head;
  size_t len;
  size_t cap;
} tidal__queue;

typedef struct tidal_op tidal__op;

struct tidal_cap {
  tidal__op *op;        /* owner */
  uint32_t output;
  uint64_t time;
  tidal_cap *prev, *next; /* the operator's list of held capabilities */
};

#define TIDAL__DISCONNECTED UINT64_MAX

typedef struct tidal__input_port {
  tidal__channel *channel;  /* the channel feeding this input (owned by the dataflow) */
  tidal__queue queue;       /* messages not yet pulled */
  uint64_t *delay;          /* noutputs: summary to each output, +delay (0 = identity), or
                               TIDAL__DISCONNECTED */
} tidal__input_port;

typedef struct tidal__output_port {
  tidal_stream *stream;     /* owned by the dataflow */
  tidal_cap *initial;       /* the initial capability until taken or dropped */
} tidal__output_port;

/* Notification requests: sorted set of times (each holding a capability on every output). */
typedef struct tidal__notifs {
  uint64_t *times;
  size_t len;
  size_t cap;
} tidal__notifs;

struct tidal_op {
  tidal_dataflow *df;            /* owner */
  uint32_t node;                 /* tracker node index (1..) */
  char *name;                    /* owned, NUL-terminated */
  size_t name_len;
  uint32_t ninputs, noutputs;
  tidal__input_port *inputs;     /* ninputs */
  tidal__output_port *outputs;   /* noutputs */
  tidal_op_logic_cb logic;
  void *ud;                      /* owned via destroy */
  tidal_op_destroy_cb destroy;
  bool active;                   /* scheduled for the next run */
  bool ran_once;                 /* the first run (initial caps) happened */
  bool shut_down;                /* complete: never runs again; ud destroyed */
  bool is_input;                 /* an input's operator: no logic, shuts down once closed */
  tidal_cap *caps;               /* list of held capabilities (including initial ones) */
  size_t ncaps;
  tidal__notifs notifs;          /* pending notification times */
  /* The current message (pulled, not yet released) and notification being delivered. */
  bool has_cur;
  uint32_t cur_input;
  uint64_t cur_time;
  tidal_batch *cur_batch;        /* owned reference until released */
  bool has_notif;
  uint64_t notif_time;
  bool in_logic;
};

struct tidal_stream {
  tidal_dataflow *df;            /* owner */
  tidal__op *op;                 /* producing operator */
  uint32_t output;               /* its output port */
  tidal_schema *schema;          /* owned reference */
  tidal__ptrvec channels;        /* tidal__channel *: consumers, in creation order */
};

struct tidal__channel {
  uint32_t index;                /* creation index within the dataflow: matches across workers */
  tidal_stream *src;             /* producing stream */
  tidal__op *dst;                /* consuming operator */
  uint32_t dst_input;
  tidal_pact pact;
  /* Exchange state (pact EXCHANGE, W > 1). */
  size_t hash_slice;             /* field hash: slice index of the field (bounds for strings) */
  uint32_t hash_width;           /* field hash: element size, or 0 for a string */
  tidal_builder **builders;      /* peers builders, one per target worker (lazily made) */
  bool pending;                  /* some builder holds rows */
  uint64_t pending_time;         /* the time of every row held in builders */
  uint64_t *hashes;              /* scratch: hash per row */
  uint32_t *rows;                /* scratch: row indices grouped per target */
  size_t scratch_cap;            /* rows capacity of both scratch arrays */
  size_t *counts;                /* peers counters */
  /* Exchange fast path: the schema is a flat tuple/struct of scalars and strings (or one of
     them), so rows are copied column by column straight into the builders' slices. */
  uint32_t ncols;                /* 0: use tidal_builder_push_rows */
  struct {
    uint32_t slice;              /* first slice of the column */
    uint32_t width;              /* element size, or 0 for a string (bounds, bytes) */
  } cols[16];
};

struct tidal_input {
  tidal__op *op;                 /* its operator (0 inputs, 1 output) */
  tidal_cap *cap;                /* its capability; NULL once closed */
};

struct tidal_probe {
  tidal__op *op;                 /* its operator (1 input, 0 outputs) */
};

struct tidal_dataflow {
  tidal_worker *w;               /* owner */
  uint32_t index;                /* creation index on the worker: matches across workers */
  tidal__ptrvec ops;             /* tidal__op *, node = position + 1 */
  tidal__ptrvec streams;         /* tidal_stream * */
  tidal__ptrvec channels;        /* tidal__channel *, by index */
  tidal__ptrvec inputs;          /* tidal_input * */
  tidal__ptrvec probes;          /* tidal_probe * */
  tidal_tracker *tracker;        /* NULL until sealed */
  bool sealed;                   /* the graph is frozen and the tracker built */
  bool complete;                 /* every operator shut down, nothing outstanding */
  tidal_progress_batch local;    /* L: this worker's updates not yet sent */
  /* A few recent updates summed in place before they reach L: a batch's +rows produced and
     -rows consumed at one (location, time) usually meet here and cancel, which keeps L (and
     its compaction sorts) small when many small batches flow. Part of L for every purpose:
     tidal__df_flush moves it into L before L is read. */
  tidal_progress_update recent[8];
  size_t nrecent;
  tidal__ptrvec fin;             /* tidal__progress_msg *: received, not yet applied, FIFO */
  uint64_t seq;                  /* next sequence number of this worker's progress messages */
  uint64_t *seq_seen;            /* peers: next expected sequence number per sender */
  size_t live_ops;               /* operators not shut down */
};

struct tidal_worker {
  tidal__exec *ex;               /* shared */
  const tidal_allocator *alloc;  /* = ex->alloc */
  uint32_t index, peers;
  tidal__ptrvec dataflows;       /* tidal_dataflow *, by index */
  tidal__msgvec inbox;           /* scratch for received messages */
  tidal__msgvec stash;           /* messages held back: unknown dataflow/channel yet, or chaos */
  uint64_t rng;                  /* chaos RNG state (splitmix64) */
  int failed;                    /* this worker's view of failure (sticky) */
  uint64_t progress_sent;        /* statistics: progress messages broadcast */
  bool in_step;                  /* a step is running (re-entrant steps are refused) */
};

/* An operator being described (the node exists in the graph from tidal_op_builder_new on). */
struct tidal_op_builder {
  tidal__op *op;
  uint64_t *pairs;   /* (input, output, delay) triples set by the caller, 3 per entry */
  size_t npairs, cap;
};

/* ---- worker.c ---- */
int tidal__worker_init(tidal_worker *w, tidal__exec *ex, uint32_t index);
/* Free the worker's dataflows and buffers (its thread is done with them). */
void tidal__worker_teardown(tidal_worker *w);
/* Close every input still open (after the build function returned). */
void tidal__worker_close_inputs(tidal_worker *w);
/* Times the worker slept (for tests). */
uint64_t tidal__worker_parks(tidal_worker *w);
/* Progress batches this worker has broadcast (for tests). */
uint64_t tidal__worker_progress_sent(tidal_worker *w);
/* Fail the computation from this worker with an error message. Returns code. */
int tidal__worker_fail(tidal_worker *w, int code, const tidal_error *err);
/* Random number for chaos mode. */
uint64_t tidal__worker_rand(tidal_worker *w);
static inline bool tidal__chaos(const tidal_worker *w) { return w->ex->chaos_seed != 0; }

/* ---- operator.c ---- */
/* Create an operator node in df (not yet with ports). */
int tidal__op_new(tidal_dataflow *df, const char *name, tidal__op **out);
/* Run the operator's logic once (it is active). Returns 0 or the error it stopped with. */
int tidal__op_run(tidal__op *op);
/* Shut the operator down if it is complete; returns true if it is (now or before). */
bool tidal__op_try_shutdown(tidal__op *op);
/* Free an operator (destroying ud if not yet), releasing queued batches. */
void tidal__op_free(tidal__op *op);
/* Record a progress update of df into L; errors fail the computation. */
int tidal__df_update(tidal_dataflow *df, tidal_location loc, uint64_t t, int64_t diff);
/* Move the recent updates into L (before L is read or sent). Errors fail the computation. */
int tidal__df_flush(tidal_dataflow *df);
/* Capability helpers shared with inputs. */
int tidal__cap_new(tidal__op *op, uint32_t output, uint64_t t, tidal_cap **out);
/* Send a batch from op's output (ownership taken); no justification check. */
int tidal__op_emit(tidal__op *op, uint32_t output, uint64_t t, tidal_batch *batch, uint32_t hint);
/* Queue a message on an operator input and activate the operator. Takes the batch. */
int tidal__op_enqueue(tidal__op *op, uint32_t input, uint64_t t, tidal_batch *batch);
/* Peek the time of the next queued message of an input. */
bool tidal__op_peek_time(const tidal__op *op, uint32_t input, uint64_t *t);

/* ---- channel.c ---- */
/* Set up a channel's pact state (validates an exchange field against the schema). */
int tidal__channel_init(tidal__channel *ch, tidal_dataflow *df, tidal_error *err);
void tidal__channel_free(tidal__channel *ch, const tidal_allocator *a, uint32_t peers);
/* Push a batch (one owned reference) at time t into the channel: counts produced, routes. */
/* hint: the worker every row goes to on exchange channels (the sender vouches), or UINT32_MAX. */
int tidal__channel_push(tidal__channel *ch, uint64_t t, tidal_batch *batch, uint32_t hint);
/* Send rows held in exchange builders. */
int tidal__channel_flush(tidal__channel *ch);

#endif /* TIDAL_SRC_DATAFLOW_INT_H */
