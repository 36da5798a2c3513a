/*
** tidal/wasm_op.h: WebAssembly operators. A guest export (spec/wasm-abi.md, ABI v1) attached to a
** dataflow stream as a map, a filter, a flat_map or a column update, built with the dataflow
** layer's operator builder (so it is an ordinary operator: progress, capabilities, errors).
**
** Two levels:
** - tidal_wasm_runner: one guest export bound to an input schema and a mode, with its own lazily
**   created instance. It checks the schemas once (tidal_wasm_runner_new) and then turns input
**   batches into output batches (tidal_wasm_runner_run). Usable without a dataflow (tests, the
**   CLI's byte-level mode, benchmarks).
** - tidal_wasm_op: the dataflow operator; every worker builds its own, which owns one runner (so
**   one instance per worker per operator, reused across batches: guest state persists).
**
** A call (per input batch): tidal_alloc(len) in the guest; the batch's slices are written straight
** into guest memory at that address (tidal_batch_encode_into, no intermediate buffer); the export
** runs; its result range is checked (inside memory, 8-aligned) and its bytes validated as untrusted
** input in the declared output schema; the output is copied once into an owned batch (map,
** flat_map, column update) or only read in place (filter: the kept rows are copied from the input
** view). Nothing points into guest memory after the call returns.
**
** Invariants:
** - Schemas are checked at attach time: the export's declared `NAME: IN -> OUT` must fit the
**   stream's schema and the mode, otherwise TIDAL_EMISMATCH naming both schemas.
** - A row-count mismatch where the mode requires equality is an error (TIDAL_EGUEST), never a
**   truncation.
** - Any failure names the operator, the module, the export, the time and the cause; the instance
**   is then discarded (a fresh one is made for the next batch when the caller continues).
**
** Not thread-safe unless a function's doc says "Thread-safe:".
*/
#ifndef TIDAL_WASM_OP_H
#define TIDAL_WASM_OP_H

#include "tidal/base.h"
#include "tidal/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* From tidal/columnar.h and tidal/dataflow.h (repeated typedefs are legal C11). */
typedef struct tidal_schema tidal_schema;
typedef struct tidal_batch tidal_batch;
typedef struct tidal_stream tidal_stream;

/// \defgroup wasm_op WebAssembly operators
/// @{

/// How the output of a guest export is used (spec/wasm-abi.md, "Meaning of the output").
typedef enum tidal_wasm_mode {
  TIDAL_WASM_MAP = 0,      /* any output schema, same row count; row i derives from input row i */
  TIDAL_WASM_FILTER = 1,   /* output `bool`, same row count; keep input rows whose bit is set */
  TIDAL_WASM_FLAT_MAP = 2, /* any output schema, any row count, at the input's time */
  TIDAL_WASM_UPDATE = 3    /* output = one top-level field's schema, same rows; replaces it */
} tidal_wasm_mode;

/// Called (on the worker's thread) for every error the operator survives because
/// continue_on_error is set. `err` is borrowed for the call.
typedef void (*tidal_wasm_error_cb)(void *ud, uint32_t worker, uint64_t time,
                                    const tidal_error *err);

/// Settings of a WASM operator. Initialize with tidal_wasm_op_config_init, then set fields.
typedef struct tidal_wasm_op_config {
  tidal_wasm_mode mode;        /* public: default TIDAL_WASM_MAP */
  const char *update_field;    /* public: TIDAL_WASM_UPDATE: field name, or its position in
                                  decimal ("1"); ignored otherwise */
  const char *init;            /* public: configuration text for tidal_init (NULL: empty) */
  size_t init_len;             /* public: bytes of init (SIZE_MAX: strlen(init)) */
  uint32_t deadline_ms;        /* public: per-call deadline; 0 keeps the engine's */
  bool continue_on_error;      /* public: on a failed call, report it to on_error, drop that
                                  batch, discard the instance and go on with a fresh one
                                  (default false: the computation stops) */
  tidal_wasm_error_cb on_error; /* public: NULL, or told of every error survived */
  void *on_error_ud;           /* public: passed to on_error */
} tidal_wasm_op_config;

/// Fill `cfg` with the defaults. Never fails. Thread-safe: yes. Since: 0.1.
TIDAL_API void tidal_wasm_op_config_init(tidal_wasm_op_config *cfg);

/// Parse a mode name: "map", "filter", "flat_map" (or "batch"), "update" / "update:FIELD".
/// For "update:FIELD", *field (may be NULL) points at FIELD inside `text` (borrowed); else NULL.
/// Returns 0, TIDAL_EINVAL (unknown name, with the accepted names in the message).
/// Thread-safe: yes. Since: 0.1.
TIDAL_API int tidal_wasm_mode_parse(const char *text, tidal_wasm_mode *mode /* OUT */,
                                    const char **field /* OUT */, tidal_error *err)
                                    TIDAL_CHECK_RESULT;
/// The mode's name ("map", ...). Static string. Thread-safe: yes.
TIDAL_API const char *tidal_wasm_mode_name(tidal_wasm_mode mode);

/* ---- runner: one export, one instance, batch in -> batch out ------------------------------ */

typedef struct tidal_wasm_runner tidal_wasm_runner; /* opaque; one thread at a time */

/// Counters of a runner (or of an operator on one worker).
typedef struct tidal_wasm_runner_stats {
  uint64_t calls;       /* read-only: successful calls */
  uint64_t errors;      /* read-only: failed calls (each discarded its instance) */
  uint64_t instances;   /* read-only: instances created */
  uint64_t rows_in;     /* read-only: rows passed to the guest */
  uint64_t rows_out;    /* read-only: rows in the output batches */
  uint64_t bytes_in;    /* read-only: encoded input bytes written into guest memory */
  uint64_t bytes_out;   /* read-only: encoded output bytes read from guest memory */
} tidal_wasm_runner_stats;

/// Bind export `export_name` of `module` to input batches of `in_schema` in the mode of `cfg`,
/// checking the export's declared schemas against in_schema and the mode. No instance is made
/// yet (the first run makes it). `name` (NULL: "wasm:EXPORT") is used in error messages.
/// Returns: 0, or a negative code.
/// Errors: TIDAL_ENOENT (no such operator; the message lists those there are), TIDAL_EMISMATCH
///         (declared input != in_schema, filter output not `bool`, update output not the field's
///         type; both schemas in the message), TIDAL_ESCHEMA (the guest's declared schema text
///         does not parse), TIDAL_EINVAL (bad cfg, unknown update field), TIDAL_ENOMEM.
/// Ownership: module borrowed (must outlive the runner); in_schema referenced; cfg and its
///            strings copied; alloc borrowed (NULL: default); *out owned (tidal_wasm_runner_free).
/// Thread-safe: yes (distinct runners on distinct threads). Since: 0.1.
TIDAL_API int tidal_wasm_runner_new(tidal_wasm_module *module, const char *export_name,
                                    const tidal_schema *in_schema, const tidal_wasm_op_config *cfg,
                                    const char *name, const tidal_allocator *alloc,
                                    tidal_wasm_runner **out /* OUT */, tidal_error *err)
                                    TIDAL_CHECK_RESULT;

/// Free a runner and its instance. NULL is a no-op.
TIDAL_API void tidal_wasm_runner_free(tidal_wasm_runner *r);

/// The schema of the runner's output batches (borrowed, valid while the runner lives): the
/// declared output for map / flat_map, the input schema for filter and column update.
TIDAL_API const tidal_schema *tidal_wasm_runner_output_schema(const tidal_wasm_runner *r);

/// Run the export on one batch (schema == the runner's input schema) at logical time `time`
/// (used in messages). On success *out is the output batch, or NULL when it has no rows; for a
/// filter that keeps every row it is a new reference to `in` itself.
/// Returns: 0, or a negative code; the instance is then discarded (the next run makes a new one).
/// Errors (the message names the operator, module, export, time and cause): TIDAL_ETRAP,
///         TIDAL_ETIMEDOUT, TIDAL_EGUEST (guest-reported error with its tidal_last_error text,
///         tidal_init failure, unaligned output, wrong row count), TIDAL_ERANGE (output outside
///         memory, input over 4 GiB), TIDAL_ECORRUPT (output bytes fail validation),
///         TIDAL_EMISMATCH (in has another schema), TIDAL_ENOMEM.
/// Ownership: in borrowed for the call; *out owned by the caller (tidal_batch_unref).
/// Thread-safe: no (one thread per runner at a time). Since: 0.1.
TIDAL_API int tidal_wasm_runner_run(tidal_wasm_runner *r, uint64_t time, tidal_batch *in,
                                    tidal_batch **out /* OUT */, tidal_error *err)
                                    TIDAL_CHECK_RESULT;

/// The raw call, for cross-checks against other engines: write `len` encoded input bytes (not
/// validated by the host: the guest must cope) into the guest, call the export, check the result
/// range and copy the output bytes as they are (no validation) into *out_bytes (allocated with
/// the runner's allocator, *out_len bytes; free with tidal_wasm_runner_free_bytes).
/// Errors: as tidal_wasm_runner_run, without the validation ones. Thread-safe: no. Since: 0.1.
TIDAL_API int tidal_wasm_runner_call_bytes(tidal_wasm_runner *r, const void *bytes, size_t len,
                                           uint8_t **out_bytes /* OUT */,
                                           size_t *out_len /* OUT */, tidal_error *err)
                                           TIDAL_CHECK_RESULT;
/// Release bytes returned by tidal_wasm_runner_call_bytes. NULL is a no-op.
TIDAL_API void tidal_wasm_runner_free_bytes(tidal_wasm_runner *r, uint8_t *bytes, size_t len);

/// Copy the runner's counters into *stats. Never fails.
TIDAL_API void tidal_wasm_runner_get_stats(const tidal_wasm_runner *r,
                                           tidal_wasm_runner_stats *stats /* OUT */);

/* ---- the dataflow operator ---------------------------------------------------------------- */

/// Attach export `export_name` of `module` to stream `in` as an operator named `name` (NULL:
/// "wasm:EXPORT"), in cfg's mode, pipelined (no exchange): every input batch at time t becomes
/// (at most) one output batch at t. Every worker must attach it (the graph is the same on every
/// worker); each gets its own runner, whose instance is created at the first batch and reused.
/// With cfg->continue_on_error a failed batch is reported to cfg->on_error and dropped; otherwise
/// the computation stops with the runner's error (prefixed by the engine with the operator name,
/// worker and time).
/// Returns: 0, or a negative code. Errors: those of tidal_wasm_runner_new (the schema check
///          happens here, at attach time), TIDAL_EINVAL (graph frozen), TIDAL_ENOMEM.
/// Ownership: module borrowed until tidal_execute returns (share one loaded module between the
///            workers); cfg copied; *out owned by the dataflow.
/// Thread-safe: no (the worker's thread). Since: 0.1.
TIDAL_API int tidal_wasm_op(tidal_stream *in, const char *name, tidal_wasm_module *module,
                            const char *export_name, const tidal_wasm_op_config *cfg,
                            tidal_stream **out /* OUT */, tidal_error *err) TIDAL_CHECK_RESULT;

/// @}
#ifdef __cplusplus
}
#endif
#endif /* TIDAL_WASM_OP_H */
