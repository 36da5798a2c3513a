/*
** tidal/dataflow.h: the dataflow engine: workers, graphs of operators over streams of columnar
** batches, inputs, the generic operator builder, the standard operators, probes and capture.
**
** Model (timely dataflow's). `tidal_execute` starts W worker threads. Each runs the caller's
** build function, which builds the SAME graph on its worker (operators and channels are matched
** between workers by creation order) and then drives it: sends data into inputs, advances them,
** and steps the worker until a probe shows the results it waits for. Streams carry immutable,
** reference-counted `tidal_batch`es of one schema, each at a logical time. Times of the top scope
** are u64 epochs (depth-1 `tidal_time`s of the progress layer); nested scopes come later and will
** add `tidal_time`-based variants of the time-taking functions.
**
** Progress (spec/progress-protocol.md): every worker counts records produced and consumed and
** capability changes, broadcasts them, and derives for every operator input a *frontier*: the
** least times that may still arrive there. An operator may finalize a time once its frontiers
** have passed it.
**
** Ownership, in one sentence per hand-off (each function repeats its own):
** - a batch given to tidal_input_send / tidal_op_send is owned by the engine from the call on,
**   on every path (failure included); 0-row batches are dropped there and never counted;
** - a batch returned by tidal_op_next is *borrowed* by the operator until its next tidal_op_next
**   call (on any input) or the end of the logic call; keep it with tidal_batch_ref;
** - pipeline channels hand the very same batch pointer to the consumer (no copy); broadcast hands
**   each worker a reference to the same batch; exchange rebuilds rows into per-worker batches
**   (or forwards the same pointer when every row goes to one worker);
** - streams, inputs, probes and operators are owned by their dataflow, which the worker owns; they
**   stay valid until tidal_execute returns; a capture is owned by the caller.
**
** Not thread-safe unless a function's doc says "Thread-safe:". Every function taking a worker, a
** dataflow, a stream, an input, a probe or an operator must be called on that worker's thread.
*/
#ifndef TIDAL_DATAFLOW_H
#define TIDAL_DATAFLOW_H

#include "tidal/base.h"
#include "tidal/columnar.h"
#include "tidal/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/// \defgroup dataflow Dataflow engine
/// @{

/* ------------------------------------------------------------------------------------------ */
/* Configuration and execution                                                                 */
/* ------------------------------------------------------------------------------------------ */

/// When a worker sends its progress updates (spec §3).
typedef enum tidal_progress_mode {
  TIDAL_PROGRESS_EAGER = 0, /* after every step that changed something (lowest latency) */
  TIDAL_PROGRESS_DEMAND = 1 /* hold updates until one could move a frontier (less traffic) */
} tidal_progress_mode;

/// Execution settings. Initialize with tidal_config_init, then set fields.
typedef struct tidal_config {
  uint32_t workers;                  /* public: worker threads, 1..1024 (default 1) */
  const tidal_allocator *alloc;      /* public: NULL = default; must be thread-safe */
  size_t batch_bytes;                /* public: target batch size of exchanges and built-in
                                        operators (default TIDAL_DEFAULT_BATCH_BYTES) */
  tidal_progress_mode progress_mode; /* public: default TIDAL_PROGRESS_EAGER */
  uint64_t chaos_seed;               /* public: testing only. Non-zero perturbs the schedule
                                        deterministically per seed (random yields, held progress
                                        and data deliveries, early exchange flushes) without
                                        breaking the protocol. Default 0 (off). */
} tidal_config;

/// Fill `cfg` with the defaults. Never fails. Thread-safe: yes. Since: 0.1.
TIDAL_API void tidal_config_init(tidal_config *cfg);

typedef struct tidal_worker tidal_worker;     /* opaque: one per thread, owned by tidal_execute */
typedef struct tidal_dataflow tidal_dataflow; /* opaque: owned by its worker */
typedef struct tidal_stream tidal_stream;     /* opaque: owned by its dataflow */

/// The per-worker build-and-drive function. Runs on worker `w`'s thread; `ud` is the pointer given
/// to tidal_execute, shared by all workers (the callee synchronizes any shared writes).
/// Returns 0 or a negative status (detail in `err`, which is this worker's own): a failure stops
/// the whole computation.
typedef int (*tidal_build_cb)(tidal_worker *w, void *ud, tidal_error *err);

/// Run a computation on cfg->workers threads. Every worker calls build(w, ud, err); after it
/// returns, its inputs that are still open are closed and the worker keeps stepping until each of
/// its dataflows is complete (every frontier empty, every operator shut down). Returns when all
/// workers are done.
/// Returns: 0, or the first error of any worker or operator; every other worker then stops at its
/// next step (its build sees TIDAL_ECANCELED from tidal_worker_step*). err->msg names the
/// operator, the worker and the time ("operator 'count' (worker 2) at time 7: ...").
/// Errors: TIDAL_EINVAL (bad config, or workers that built different dataflows), TIDAL_ENOMEM,
/// TIDAL_EPROGRESS (an operator broke the capability rules), TIDAL_EMISMATCH (workers built
/// different graphs), whatever an operator's logic or a build function returned, -errno if a
/// thread cannot be started.
/// Ownership: cfg and ud are borrowed for the call. Thread-safe: yes; computations are
/// independent (no global state), several may run at once in one process. Since: 0.1.
TIDAL_API int tidal_execute(const tidal_config *cfg, tidal_build_cb build, void *ud,
                            tidal_error *err) TIDAL_CHECK_RESULT;

/* ------------------------------------------------------------------------------------------ */
/* Workers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/// This worker's index in 0..peers-1, and the number of workers. Since: 0.1.
TIDAL_API uint32_t tidal_worker_index(const tidal_worker *w);
TIDAL_API uint32_t tidal_worker_peers(const tidal_worker *w);
/// The computation's allocator and batch size (from the config). Borrowed for the computation.
TIDAL_API const tidal_allocator *tidal_worker_allocator(const tidal_worker *w);
TIDAL_API size_t tidal_worker_batch_bytes(const tidal_worker *w);

/// One round of scheduling: take in arrived data and progress, update frontiers, run every
/// operator that has work once, flush exchanges, send progress. Never blocks.
/// Returns 0, or the computation's first error (TIDAL_ECANCELED if it was another worker's):
/// the build function should then return promptly; TIDAL_EINVAL if called from an operator's
/// logic (steps do not nest). Since: 0.1.
TIDAL_API int tidal_worker_step(tidal_worker *w) TIDAL_CHECK_RESULT;

/// Step while cond(ud) is true, parking (sleeping without spinning) whenever the worker has nothing
/// to do until data, progress or a cancellation arrives. cond is called on this thread.
/// Returns 0 when cond becomes false; or the computation's first error. Since: 0.1.
typedef bool (*tidal_cond_cb)(void *ud);
TIDAL_API int tidal_worker_step_while(tidal_worker *w, tidal_cond_cb cond, void *ud)
              TIDAL_CHECK_RESULT;

/// Step (parking when idle) until every dataflow of this worker is complete. Returns as
/// tidal_worker_step_while. Call this after closing the inputs to drain a computation. Since: 0.1.
TIDAL_API int tidal_worker_run_to_completion(tidal_worker *w) TIDAL_CHECK_RESULT;

/* ------------------------------------------------------------------------------------------ */
/* Dataflows and streams                                                                       */
/* ------------------------------------------------------------------------------------------ */

/// Start a new dataflow on worker w. Every worker must create the same dataflows in the same order.
/// The graph is frozen at the first step after which it exists: operators added later fail with
/// TIDAL_EINVAL.
/// Returns 0, TIDAL_ENOMEM. Ownership: *out is owned by the worker (freed when tidal_execute
/// returns). Since: 0.1.
TIDAL_API int tidal_dataflow_new(tidal_worker *w, tidal_dataflow **out /* OUT */)
              TIDAL_CHECK_RESULT;
/// The worker that owns a dataflow.
TIDAL_API tidal_worker *tidal_dataflow_worker(const tidal_dataflow *df);
/// True once every operator of the dataflow has shut down and no progress is outstanding.
TIDAL_API bool tidal_dataflow_complete(const tidal_dataflow *df);

/// The schema of a stream's batches (borrowed, valid while the dataflow lives) and its dataflow.
TIDAL_API const tidal_schema *tidal_stream_schema(const tidal_stream *s);
TIDAL_API tidal_dataflow *tidal_stream_dataflow(const tidal_stream *s);

/* ------------------------------------------------------------------------------------------ */
/* Inputs                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct tidal_input tidal_input; /* opaque: owned by its dataflow */

/// Create an input: an operator fed from outside the graph, with one output stream of `schema`.
/// It starts at time 0 and holds a capability there until advanced or closed.
/// Returns 0, TIDAL_EINVAL (graph frozen), TIDAL_ENOMEM. Ownership: schema is referenced (the
/// caller keeps its own reference); *input and *stream are owned by the dataflow. Since: 0.1.
TIDAL_API int tidal_input_new(tidal_dataflow *df, const tidal_schema *schema,
                              tidal_input **input /* OUT */, tidal_stream **stream /* OUT */)
                              TIDAL_CHECK_RESULT;
/// Send a batch at the input's current time. The batch's schema must equal the input's.
/// Returns 0, TIDAL_EPIPE (input closed), TIDAL_EMISMATCH (schema), TIDAL_ENOMEM, or the
/// computation's error. Ownership: takes `batch` on every path. Since: 0.1.
TIDAL_API int tidal_input_send(tidal_input *in, tidal_batch *batch) TIDAL_CHECK_RESULT;
/// Move the rows of `b` (same schema) into a batch and send it; b is left empty and reusable.
/// Returns as tidal_input_send. Ownership: b is borrowed. Since: 0.1.
TIDAL_API int tidal_input_send_builder(tidal_input *in, tidal_builder *b) TIDAL_CHECK_RESULT;
/// Advance the input's time to t (>= the current time): no more data at earlier times.
/// Returns 0, TIDAL_EINVAL (t earlier than the current time), TIDAL_EPIPE (closed), TIDAL_ENOMEM.
TIDAL_API int tidal_input_advance_to(tidal_input *in, uint64_t t) TIDAL_CHECK_RESULT;
/// The input's current time (UINT64_MAX once closed).
TIDAL_API uint64_t tidal_input_time(const tidal_input *in);
/// Close the input: no more data at any time. Idempotent. Never fails (progress is reported at
/// the next step). Since: 0.1.
TIDAL_API void tidal_input_close(tidal_input *in);

/* ------------------------------------------------------------------------------------------ */
/* The generic operator builder                                                                */
/* ------------------------------------------------------------------------------------------ */

/// How records of a channel reach the instances of the consuming operator.
typedef enum tidal_pact_kind {
  TIDAL_PACT_PIPELINE = 0, /* stay on this worker: the same batch pointer is handed over */
  TIDAL_PACT_EXCHANGE = 1, /* each row goes to worker hash(row) -> [0, W) */
  TIDAL_PACT_BROADCAST = 2 /* every worker receives every batch (a shared reference) */
} tidal_pact_kind;

/// Exchange hash: fill hashes[0..v->rows) with one 64-bit hash per row of the view. Called on the
/// sending worker's thread; must not fail. Rows go to worker ((hash * W) >> 64) (multiply-shift).
typedef void (*tidal_hash_cb)(void *ud, const tidal_batch_view *v, uint64_t *hashes /* OUT */);

/// A channel's partitioning contract. Build with the helpers below.
typedef struct tidal_pact {
  tidal_pact_kind kind; /* public */
  tidal_hash_cb hash;   /* public: exchange by function, or NULL to hash field `field` */
  void *hash_ud;        /* public: borrowed by the dataflow; passed to hash */
  uint32_t field;       /* public: exchange with hash == NULL: index of a top-level tuple or
                           struct field (or 0 for a root that is itself a scalar or string) whose
                           bytes are hashed with XXH3-64 (string: its UTF-8 bytes; fixed-width
                           scalar: its little-endian bytes) */
} tidal_pact;

static inline tidal_pact tidal_pact_pipeline(void) {
  tidal_pact p = {TIDAL_PACT_PIPELINE, NULL, NULL, 0};
  return p;
}
static inline tidal_pact tidal_pact_broadcast(void) {
  tidal_pact p = {TIDAL_PACT_BROADCAST, NULL, NULL, 0};
  return p;
}
static inline tidal_pact tidal_pact_exchange_field(uint32_t field) {
  tidal_pact p = {TIDAL_PACT_EXCHANGE, NULL, NULL, field};
  return p;
}
static inline tidal_pact tidal_pact_exchange_fn(tidal_hash_cb hash, void *ud) {
  tidal_pact p = {TIDAL_PACT_EXCHANGE, hash, ud, 0};
  return p;
}

typedef struct tidal_op tidal_op;                 /* opaque: an operator instance on a worker */
typedef struct tidal_op_builder tidal_op_builder; /* opaque: describes an operator being built */
typedef struct tidal_cap tidal_cap;               /* opaque: a capability held by an operator */

/// The operator's logic, run on its worker's thread whenever it has work: data arrived on an
/// input, an input frontier changed, a notification is ready, or tidal_op_activate was called.
/// Returns 0, or a negative status with detail in err: that stops the computation, and the
/// error message gets prefixed with the operator's name, worker and current time.
typedef int (*tidal_op_logic_cb)(tidal_op *op, void *ud, tidal_error *err);
/// Release the operator's state; called exactly once, when the operator shuts down or its
/// dataflow is freed (on the worker's thread), even if the computation failed.
typedef void (*tidal_op_destroy_cb)(void *ud);

/// Start describing an operator named `name` (copied; used in error messages) in dataflow df.
/// Returns 0, TIDAL_EINVAL (graph frozen), TIDAL_ENOMEM. Ownership: *out owned by the caller until
/// passed to tidal_op_builder_build (which consumes it) or tidal_op_builder_free. Since: 0.1.
TIDAL_API int tidal_op_builder_new(tidal_dataflow *df, const char *name,
                                   tidal_op_builder **out /* OUT */) TIDAL_CHECK_RESULT;
/// Free a builder that was not built. NULL is a no-op. The node it started stays in the graph
/// (node and channel numbers must match across workers) as an inert operator that discards its
/// input and drops its initial capabilities, so the computation can still complete.
TIDAL_API void tidal_op_builder_free(tidal_op_builder *b);
/// Add an input reading stream s (of the same dataflow) through `pact`; *index (may be NULL)
/// receives its index (0, 1, ... in call order). Returns 0, TIDAL_EINVAL (other dataflow, or an
/// exchange field that is not a scalar or string), TIDAL_ENOMEM. Ownership: pact.hash_ud borrowed.
TIDAL_API int tidal_op_builder_add_input(tidal_op_builder *b, tidal_stream *s, tidal_pact pact,
                                         uint32_t *index /* OUT */) TIDAL_CHECK_RESULT;
/// Add an output of `schema` (referenced); *stream (owned by the dataflow) is the stream it
/// produces and *index (may be NULL) its index. Returns 0, TIDAL_ENOMEM.
TIDAL_API int tidal_op_builder_add_output(tidal_op_builder *b, const tidal_schema *schema,
                                          tidal_stream **stream /* OUT */,
                                          uint32_t *index /* OUT */) TIDAL_CHECK_RESULT;
/// Declare that `input` cannot result in anything at `output` (default: connected with the
/// identity summary: data at t may cause output at t or later). Returns 0, TIDAL_EINVAL,
/// TIDAL_ENOMEM.
TIDAL_API int tidal_op_builder_disconnect(tidal_op_builder *b, uint32_t input, uint32_t output)
              TIDAL_CHECK_RESULT;

/// The `delay` of tidal_op_builder_set_summary that means "not connected".
#define TIDAL_SUMMARY_DISCONNECTED UINT64_MAX
/// Declare the summary of (input, output): data at t on `input` can only cause output at
/// t + delay or later (0 = identity, the default; TIDAL_SUMMARY_DISCONNECTED = never). Sends
/// justified by a message are then checked against t + delay. Returns 0, TIDAL_EINVAL (no such
/// port), TIDAL_ENOMEM. Since: 0.1.
TIDAL_API int tidal_op_builder_set_summary(tidal_op_builder *b, uint32_t input, uint32_t output,
                                           uint64_t delay) TIDAL_CHECK_RESULT;
/// Finish: the operator joins the dataflow. logic may be NULL (an operator that discards its
/// input). Every output starts with a capability at time 0,
/// which the logic can take with tidal_op_initial_cap during its first call (otherwise it is
/// dropped after that call; the first call happens at the worker's first step).
/// Returns 0, TIDAL_EINVAL, TIDAL_ENOMEM. Ownership: consumes b on every path; ud is owned by the
/// operator from here on (on failure destroy(ud) is called before returning); destroy may be NULL.
TIDAL_API int tidal_op_builder_build(tidal_op_builder *b, tidal_op_logic_cb logic, void *ud,
                                     tidal_op_destroy_cb destroy) TIDAL_CHECK_RESULT;

/* ---- inside the logic callback (op is valid only during the call) ---- */

/// The operator's name (borrowed for the operator's life), worker index, number of workers,
/// the computation's allocator (borrowed for the computation) and target batch size.
TIDAL_API const char *tidal_op_name(const tidal_op *op);
TIDAL_API uint32_t tidal_op_worker_index(const tidal_op *op);
TIDAL_API uint32_t tidal_op_peers(const tidal_op *op);
TIDAL_API const tidal_allocator *tidal_op_allocator(const tidal_op *op);
TIDAL_API size_t tidal_op_batch_bytes(const tidal_op *op);

/// Pull the next message of `input`: its time and batch. Messages of one input arrive in no
/// particular time order, but never at a time the input's frontier has passed. An operator must
/// drain its inputs (pull until false) each time it runs: an unpulled message keeps its time
/// from completing downstream, and the computation from finishing (it is not re-delivered
/// unless something else activates the operator).
/// Returns true with *time and *batch set, or false when the input has nothing queued.
/// Ownership: *batch is borrowed until the next tidal_op_next call (on any input) or the end of
/// this logic call, whichever comes first; then it is released and counted as consumed. Keep it
/// longer with tidal_batch_ref. While it is current the operator may send and retain at any time
/// >= *time on every connected output. Since: 0.1.
TIDAL_API bool tidal_op_next(tidal_op *op, uint32_t input, uint64_t *time /* OUT */,
                             tidal_batch **batch /* OUT */);

/// The frontier of `input`: the least times that may still arrive, as this worker sees them
/// (never ahead of the truth). Returns NULL for an input that does not exist. Ownership:
/// borrowed, valid until the logic call returns. At depth 1 it has at most one element; empty
/// means the input is exhausted.
TIDAL_API const tidal_antichain *tidal_op_frontier(const tidal_op *op, uint32_t input);
/// True iff data at time t may still arrive at `input` (some frontier element <= t).
TIDAL_API bool tidal_op_frontier_less_equal(const tidal_op *op, uint32_t input, uint64_t t);
/// True iff the input's frontier is empty (nothing will ever arrive again).
TIDAL_API bool tidal_op_frontier_empty(const tidal_op *op, uint32_t input);

/// The initial capability (time 0) of `output`, on the first logic call only; NULL afterwards or
/// if already taken. Ownership: the operator owns it (drop it with tidal_cap_drop).
TIDAL_API tidal_cap *tidal_op_initial_cap(tidal_op *op, uint32_t output);
/// Mint a capability for `output` at time t. Legal while a message at a time t0 is current
/// (tidal_op_next) on an input whose summary to `output` maps t0 to a time <= t (t0 <= t with
/// the default identity summary), or a held capability for that output, a pending notification
/// or a notification being delivered is at a time <= t.
/// Returns 0, TIDAL_EPROGRESS (not justified: a bug in the operator; stops the computation),
/// TIDAL_ENOMEM. Ownership: *cap is owned by the operator until tidal_cap_drop.
TIDAL_API int tidal_op_cap_retain(tidal_op *op, uint32_t output, uint64_t t,
                                  tidal_cap **cap /* OUT */) TIDAL_CHECK_RESULT;
/// Move a capability to a later time t >= its time. Returns 0, TIDAL_EPROGRESS (t earlier).
TIDAL_API int tidal_cap_downgrade(tidal_cap *cap, uint64_t t) TIDAL_CHECK_RESULT;
/// Drop a capability. NULL is a no-op. May be called from the logic callback only.
TIDAL_API void tidal_cap_drop(tidal_cap *cap);
/// A capability's time and output. Thread-safe: no (the operator's worker only).
TIDAL_API uint64_t tidal_cap_time(const tidal_cap *cap);
TIDAL_API uint32_t tidal_cap_output(const tidal_cap *cap);

/// Send `batch` on `output` at time t. Legal under the same rule as tidal_op_cap_retain; the
/// schema must equal the output's. Its rows are counted as produced; 0-row batches are dropped.
/// Returns 0, TIDAL_EPROGRESS (no capability for t), TIDAL_EMISMATCH (schema), TIDAL_ENOMEM.
/// Ownership: takes `batch` on every path. Since: 0.1.
TIDAL_API int tidal_op_send(tidal_op *op, uint32_t output, uint64_t t, tidal_batch *batch)
              TIDAL_CHECK_RESULT;
/// Send like tidal_op_send, vouching that every row of `batch` belongs to `worker` under the
/// pact of every exchange channel this output feeds (the operator partitioned its output with
/// the same hash): those channels then forward the batch without hashing or copying a row
/// (debug builds verify the claim). Other pacts ignore the hint. A wrong claim misroutes rows.
/// Returns as tidal_op_send, or TIDAL_EINVAL (worker out of range). Ownership: takes `batch`
/// on every path. Since: 0.1.
TIDAL_API int tidal_op_send_partitioned(tidal_op *op, uint32_t output, uint64_t t,
                                        uint32_t worker, tidal_batch *batch) TIDAL_CHECK_RESULT;
/// Move b's rows into a batch and send it as tidal_op_send (nothing if b is empty); b is left
/// empty and reusable. Ownership: b is borrowed.
TIDAL_API int tidal_op_send_builder(tidal_op *op, uint32_t output, uint64_t t, tidal_builder *b)
              TIDAL_CHECK_RESULT;

/// Ask to be notified once every input frontier has passed t (no input can receive data at
/// <= t). Legal when tidal_op_cap_retain at t would be legal on every output (an operator without
/// outputs may ask for any time). The operator keeps a capability at t on every output until the
/// notification is delivered. Repeated requests for one time are merged.
/// Returns 0, TIDAL_EPROGRESS, TIDAL_ENOMEM.
TIDAL_API int tidal_op_notify_at(tidal_op *op, uint64_t t) TIDAL_CHECK_RESULT;
/// Take the next ready notification (least time first): returns true with *t set. Delivery
/// follows this worker's view of the frontiers: every instance of the operator is notified at t
/// on its own worker. Until the next
/// call (or the end of the logic call) the operator may send and retain at times >= *t on every
/// output. Returns false when none is ready.
TIDAL_API bool tidal_op_next_notification(tidal_op *op, uint64_t *t /* OUT */);

/// Schedule this operator again at the next step even if nothing else happens (e.g. a source
/// producing in slices). Since: 0.1.
TIDAL_API void tidal_op_activate(tidal_op *op);

/* ------------------------------------------------------------------------------------------ */
/* Standard operators (built on the operator builder)                                          */
/* ------------------------------------------------------------------------------------------ */

/// Row transform: read the view of an input batch at `time`, append rows to `out` (a builder of
/// the output schema, owned by the operator and emptied into batches by the engine at the target
/// batch size, at time changes and at the end of each run). Return 0 or a negative status with
/// detail in err (stops the computation). Called on the worker's thread; ud is shared by every
/// worker's instance if the caller passes the same pointer.
typedef int (*tidal_map_cb)(void *ud, uint64_t time, const tidal_batch_view *in,
                            tidal_builder *out, tidal_error *err);
/// Row filter: set keep[r] to 1 for each row r of `in` to keep (keep is zeroed before the call).
typedef int (*tidal_filter_cb)(void *ud, uint64_t time, const tidal_batch_view *in,
                               uint8_t *keep /* OUT: in->rows flags */, tidal_error *err);
/// Observer of a batch at a time (the batch is borrowed for the call).
typedef int (*tidal_inspect_cb)(void *ud, uint64_t time, const tidal_batch *batch,
                                tidal_error *err);

/// map / flat_map: one output stream of `out_schema` (referenced) computed by cb from each input
/// batch, pipelined (no exchange). `name` is copied; ud is borrowed until tidal_execute returns.
/// Returns 0, TIDAL_EINVAL, TIDAL_ENOMEM. *out owned by the dataflow. Since: 0.1.
TIDAL_API int tidal_map(tidal_stream *in, const char *name, const tidal_schema *out_schema,
                        tidal_map_cb cb, void *ud, tidal_stream **out /* OUT */) TIDAL_CHECK_RESULT;
/// Same as tidal_map (the callback may write any number of rows per input row).
TIDAL_API int tidal_flat_map(tidal_stream *in, const char *name, const tidal_schema *out_schema,
                             tidal_map_cb cb, void *ud, tidal_stream **out /* OUT */)
                             TIDAL_CHECK_RESULT;
/// Keep the rows cb marks. A batch kept whole is forwarded as the same pointer (no copy).
TIDAL_API int tidal_filter(tidal_stream *in, const char *name, tidal_filter_cb cb, void *ud,
                           tidal_stream **out /* OUT */) TIDAL_CHECK_RESULT;
/// Call cb on every batch, then forward it unchanged (same pointer).
TIDAL_API int tidal_inspect(tidal_stream *in, const char *name, tidal_inspect_cb cb, void *ud,
                            tidal_stream **out /* OUT */) TIDAL_CHECK_RESULT;
/// Merge n >= 1 streams of equal schemas into one (batches forwarded as the same pointers).
/// Returns 0, TIDAL_EINVAL (n == 0, different dataflows), TIDAL_EMISMATCH, TIDAL_ENOMEM.
TIDAL_API int tidal_concat(tidal_stream *const *streams, size_t n, tidal_stream **out /* OUT */)
              TIDAL_CHECK_RESULT;
/// Repartition: each row moves to worker hash(row) (pact must be an exchange pact).
TIDAL_API int tidal_exchange(tidal_stream *in, tidal_pact pact, tidal_stream **out /* OUT */)
              TIDAL_CHECK_RESULT;
/// Every worker receives every batch (a shared reference: no copy).
TIDAL_API int tidal_broadcast(tidal_stream *in, tidal_stream **out /* OUT */) TIDAL_CHECK_RESULT;
/// Consume a stream; cb (may be NULL) sees every batch. Since: 0.1.
TIDAL_API int tidal_sink(tidal_stream *in, const char *name, tidal_inspect_cb cb, void *ud)
              TIDAL_CHECK_RESULT;

/* ---- probes ---- */

typedef struct tidal_probe tidal_probe; /* opaque: owned by its dataflow */

/// Attach a probe to stream s (it consumes a copy of the stream's references, so s may also
/// feed other operators). Returns 0, TIDAL_EINVAL (graph frozen), TIDAL_ENOMEM. Since: 0.1.
TIDAL_API int tidal_probe_new(tidal_stream *s, tidal_probe **out /* OUT */) TIDAL_CHECK_RESULT;
/// True iff data at some time < t may still arrive at the probe (as seen by this worker).
TIDAL_API bool tidal_probe_less_than(const tidal_probe *p, uint64_t t);
/// True iff data at some time <= t may still arrive at the probe.
TIDAL_API bool tidal_probe_less_equal(const tidal_probe *p, uint64_t t);
/// True iff the probe's frontier is empty: the stream is finished.
TIDAL_API bool tidal_probe_done(const tidal_probe *p);
/// Step (parking when idle) while tidal_probe_less_than(p, t). Returns as tidal_worker_step_while.
TIDAL_API int tidal_worker_step_until(tidal_worker *w, const tidal_probe *p, uint64_t t)
              TIDAL_CHECK_RESULT;

/* ---- capture ---- */

typedef struct tidal_capture tidal_capture; /* opaque: owned by the caller, shared by workers */

/// A thread-safe collector of (time, batch, worker) triples. Create it before tidal_execute,
/// attach it on every worker, read it after. Returns 0, TIDAL_ENOMEM. Ownership: *out owned by
/// the caller (tidal_capture_free); `alloc` borrowed (NULL = default). Thread-safe: yes.
TIDAL_API int tidal_capture_new(const tidal_allocator *alloc, tidal_capture **out /* OUT */)
              TIDAL_CHECK_RESULT;
/// Free a capture and release its batches. NULL is a no-op. Not while a computation writes it.
TIDAL_API void tidal_capture_free(tidal_capture *c);
/// Capture every batch of stream s into c (appended in arrival order, under c's lock).
/// Returns 0, TIDAL_EINVAL, TIDAL_ENOMEM. Ownership: c borrowed; it must outlive the computation.
/// The captured batches were allocated with the computation's allocator, which must therefore
/// stay valid until tidal_capture_free.
TIDAL_API int tidal_capture_attach(tidal_stream *s, tidal_capture *c) TIDAL_CHECK_RESULT;
/// Number of captured batches, and entry i (batch borrowed while c lives). Thread-safe: yes.
TIDAL_API size_t tidal_capture_len(tidal_capture *c);
TIDAL_API int tidal_capture_get(tidal_capture *c, size_t i, uint64_t *time /* OUT */,
                                uint32_t *worker /* OUT */, const tidal_batch **batch /* OUT */)
                                TIDAL_CHECK_RESULT;
/// Total rows captured. Thread-safe: yes.
TIDAL_API uint64_t tidal_capture_rows(tidal_capture *c);

/// @}
#ifdef __cplusplus
}
#endif
#endif /* TIDAL_DATAFLOW_H */
