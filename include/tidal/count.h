/*
** tidal/count.h: the keyed count operator and the word-count pipeline built with it.
**
** The count operator reads `(string, i64)` rows (key, diff) and keeps, per worker, a running i64
** total per key (a hash table keyed by the key bytes: no allocation per record). It is a generic
** operator (tidal_op_builder): it holds the batches that arrive at time t, asks to be notified
** when its input frontier passes t, and then applies them in arrival order and emits
** `(string, i64)` rows at t, in one of two modes:
**   - TIDAL_COUNT_CHANGES: one row (key, new total) per key whose total changed at t (rows
**     whose diffs cancel out change nothing; the last row a key receives carries its final
**     total);
**   - TIDAL_COUNT_RUNNING: one row (key, running total) per input row at t, in arrival order
**     (timely dataflow's word-count example; used by the benchmark).
** Keys must reach the worker that owns them: give an exchange pact on the key (field 0), or a
** pipeline pact on a stream that was exchanged by the key already.
**
** The word-count pipeline (tidal_wordcount_run) runs, on W workers: lines -> (line, 1) batches
** -> split into words on ASCII whitespace (each word with its line's diff) -> an optional
** caller stage (e.g. a WASM operator) -> exchange by word -> count -> the final totals.
**
** Not thread-safe unless a function's doc says "Thread-safe:".
*/
#ifndef TIDAL_COUNT_H
#define TIDAL_COUNT_H

#include "tidal/base.h"
#include "tidal/columnar.h"
#include "tidal/dataflow.h"

#ifdef __cplusplus
extern "C" {
#endif

/// \defgroup count Keyed count and word count
/// @{

/// What the count operator emits when its input frontier passes a time t (see the file comment).
typedef enum tidal_count_mode {
  TIDAL_COUNT_CHANGES = 0, /* (key, new total) once per key changed at t */
  TIDAL_COUNT_RUNNING = 1  /* (key, running total) for every input row at t */
} tidal_count_mode;

/// Add a count operator named `name` (copied) reading stream `in` through `pact`.
/// The input's schema must be a pair of a string and an i64 (a tuple `(string, i64)` or a struct
/// of that shape); the output stream has the same schema.
/// Returns 0, TIDAL_EMISMATCH (input schema), TIDAL_EINVAL (pact not pipeline or exchange, or the
/// graph is frozen), TIDAL_ENOMEM. While running, the operator fails with TIDAL_ENOMEM or
/// TIDAL_ERANGE (a key over 4 GiB). Ownership: *out is owned by the dataflow.
/// Thread-safe: no (the worker's thread). Since: 0.1.
TIDAL_API int tidal_count(tidal_stream *in, const char *name, tidal_pact pact,
                          tidal_count_mode mode, tidal_stream **out /* OUT */) TIDAL_CHECK_RESULT;

/// The schema text of word count's streams: "(string, i64)".
#define TIDAL_WORDCOUNT_SCHEMA "(string, i64)"

/// An optional stage inserted between the split and the exchange, called on every worker while
/// it builds the graph: given the stream of (word, diff) rows, return in *out the stream to
/// count (a `(string, i64)` stream of the same dataflow; *out = words keeps the pipeline as is).
/// Returns 0 or a negative status with detail in err (stops the computation).
typedef int (*tidal_wordcount_stage_cb)(void *ud, tidal_stream *words,
                                        tidal_stream **out /* OUT */, tidal_error *err);

/// Word-count settings. Initialize with tidal_wordcount_opts_init, then set fields.
typedef struct tidal_wordcount_opts {
  uint32_t workers;               /* public: worker threads, 1..1024 (default 1) */
  size_t batch_bytes;             /* public: target bytes of line batches and of the engine's
                                     batches (default TIDAL_DEFAULT_BATCH_BYTES) */
  size_t lines_per_round;         /* public: if non-zero, each worker sends this many lines per
                                     timestamp (one batch) instead of batch_bytes worth */
  tidal_count_mode mode;          /* public: TIDAL_COUNT_CHANGES (default) */
  bool collect;                   /* public: gather the final totals (default true); false
                                     discards the count's output (benchmarks) */
  tidal_wordcount_stage_cb stage; /* public: NULL, or a stage between split and exchange */
  void *stage_ud;                 /* public: passed to stage; borrowed for the run */
  uint64_t chaos_seed;            /* public: testing only; passed to tidal_config.chaos_seed
                                     (perturbed schedules). Default 0 (off). */
  const tidal_allocator *alloc;   /* public: NULL = default; must be thread-safe */
} tidal_wordcount_opts;

/// What a word-count run produced.
typedef struct tidal_wordcount_result {
  tidal_batch *totals; /* owned (tidal_batch_unref): (word, total) sorted by word bytes, or
                          NULL when opts.collect was false */
  uint64_t lines;      /* lines read */
  uint64_t words;      /* words produced by the split (rows entering the optional stage) */
  uint64_t rounds;     /* timestamps used (the largest over the workers) */
  uint64_t emitted;    /* rows the count operators emitted, summed over the workers */
} tidal_wordcount_result;

/// Fill `o` with the defaults. Never fails. Thread-safe: yes. Since: 0.1.
TIDAL_API void tidal_wordcount_opts_init(tidal_wordcount_opts *o);

/// Count the words of text[0..len): the text is split into lines at '\n', the lines are shared
/// out among the workers in contiguous ranges, and each worker feeds its lines as `(line, 1)`
/// batches at increasing timestamps. With opts.collect, out->totals holds every word with its
/// final total, sorted by word (byte order); the result is the same for every number of workers
/// and every batching.
/// Returns 0, TIDAL_EINVAL (bad opts), TIDAL_ENOMEM, TIDAL_EMISMATCH (a stage returned a stream
/// that is not (string, i64)), or the error of any operator or of the stage (err names it).
/// Ownership: text borrowed for the call; out->totals owned by the caller (also on success only).
/// Thread-safe: yes (runs are independent). Since: 0.1.
TIDAL_API int tidal_wordcount_run(const tidal_wordcount_opts *opts, const char *text, size_t len,
                                  tidal_wordcount_result *out /* OUT */, tidal_error *err)
                                  TIDAL_CHECK_RESULT;

/// @}
#ifdef __cplusplus
}
#endif
#endif /* TIDAL_COUNT_H */
