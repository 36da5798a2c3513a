/*
** tidal/wasm.h: the WebAssembly host. Load an untrusted .wasm module that follows the tidal guest
** ABI (spec/wasm-abi.md), check it, translate it with wasm2c and compile it with the system C
** compiler into a shared object cached by the module's hash, then run its operators in cheap
** per-worker instances on tidal's own thread-safe wasm2c runtime.
**
** Not thread-safe unless a function's doc says "Thread-safe:".
**
** Invariants:
** - A module is checked completely before any tool sees it; bad bytes get TIDAL_EWASM with the
**   byte offset and what was wrong.
** - A guest never crashes or hangs the host: traps become TIDAL_ETRAP, an overrun of the per-call
**   deadline becomes TIDAL_ETIMEDOUT, memory growth stops at the engine's page cap. After any of
**   these (and after a guest-reported error) the instance is dead and must be freed.
** - libtidal reads no environment variable: the caller chooses the cache directory and tools.
*/
#ifndef TIDAL_WASM_H
#define TIDAL_WASM_H

#include "tidal/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/// \defgroup wasm WebAssembly host
/// @{

/// An engine: cache directory, limits, watchdog thread. Create one per process or per dataflow.
typedef struct tidal_wasm_engine tidal_wasm_engine;
/// A checked, compiled and loaded module. Immutable after load; share it between threads.
typedef struct tidal_wasm_module tidal_wasm_module;
/// One instance of a module (its own linear memory). Used by one thread at a time.
typedef struct tidal_wasm_instance tidal_wasm_instance;

/// The guest ABI version this host implements (the `tidal_abi_1` export).
#define TIDAL_WASM_ABI_VERSION 1u
/// deadline_ms value that disables the watchdog for an engine.
#define TIDAL_WASM_NO_DEADLINE UINT32_MAX

/// Receives the text a guest passes to the `tidal.log` import. `text` is borrowed for the
/// duration of the call and is not NUL-terminated. Called on the thread running the guest.
typedef void (*tidal_wasm_log_cb)(void *ud, const char *module_name, const char *text,
                                  size_t len);

/// Engine settings. Initialize with tidal_wasm_engine_config_init, then set fields.
typedef struct tidal_wasm_engine_config {
  const char *cache_dir;          /* public: required; directory of compiled modules (created) */
  const tidal_allocator *allocator; /* public: NULL = default allocator */
  uint32_t max_pages;             /* public: cap on an instance's memory in 64 KiB pages, <= 65535 */
  uint32_t deadline_ms;           /* public: per-call deadline; TIDAL_WASM_NO_DEADLINE disables */
  const char *wasm2c;             /* public: translator command (default "wasm2c", found on PATH) */
  const char *cc;                 /* public: C compiler command (default "gcc", found on PATH) */
  const char *wasm_validate;      /* public: validator (default "wasm-validate"; "" skips it) */
  uint32_t compile_timeout_ms;    /* public: wall-clock limit of each tool run (default 120 s) */
  uint64_t compile_mem_bytes;     /* public: address-space limit of each tool run (default 4 GiB) */
  tidal_wasm_log_cb log;          /* public: receives tidal.log text; NULL discards it */
  void *log_ud;                   /* public: passed to log unchanged */
} tidal_wasm_engine_config;

/// Fill `cfg` with the defaults (cache_dir NULL: the caller must set it).
/// Returns: nothing. Errors: none. Ownership: `cfg` is the caller's; the defaults are static
/// strings. Thread-safe: yes. Since: 0.1.
TIDAL_API void tidal_wasm_engine_config_init(tidal_wasm_engine_config *cfg);

/// Create an engine. Installs tidal's process-wide SIGSEGV/SIGBUS/watchdog signal handlers once
/// (idempotent, thread-safe) and starts the watchdog thread unless the deadline is disabled.
/// Returns: 0, or a negative TIDAL_E* code.
/// Errors: TIDAL_EINVAL (no cache_dir, max_pages > 65535), TIDAL_ENOMEM, TIDAL_EIO (cache
///         directory cannot be created), TIDAL_ENOSYS (built without WASM).
/// Ownership: `cfg` and its strings are copied; `*out` is owned, release with
///            tidal_wasm_engine_free after every module made from it.
/// Thread-safe: yes. Since: 0.1.
TIDAL_API int tidal_wasm_engine_new(const tidal_wasm_engine_config *cfg, tidal_wasm_engine **out,
                                    tidal_error *err) TIDAL_CHECK_RESULT;

/// Stop the watchdog (joins its thread) and free the engine. NULL is a no-op.
/// Returns: nothing. Errors: none.
/// Ownership: releases `engine`; every module made from it must have been freed first. The
///            process-wide signal handlers stay installed (they are harmless without guests).
/// Thread-safe: no. Since: 0.1.
TIDAL_API void tidal_wasm_engine_free(tidal_wasm_engine *engine);

/// Check `len` bytes of a .wasm module against the guest ABI without compiling or running it
/// (the same check module_load starts with). Works in builds without WASM support too.
/// Returns: 0 if acceptable, or a negative code.
/// Errors: TIDAL_EWASM with the byte offset and the reason (not wasm, truncated, forbidden
///         import, missing or mistyped export, SIMD, several memories, ...), TIDAL_ENOMEM.
/// Ownership: `bytes` is borrowed for the call. Thread-safe: yes. Since: 0.1.
TIDAL_API int tidal_wasm_check(const uint8_t *bytes, size_t len, tidal_error *err)
              TIDAL_CHECK_RESULT;

/// One operator a module declares in tidal_describe. Strings are owned by the module.
typedef struct tidal_wasm_operator {
  const char *name;          /* read-only: the export name */
  const char *input_schema;  /* read-only: schema text, as the guest wrote it (trimmed) */
  const char *output_schema; /* read-only */
} tidal_wasm_operator;

/// Whether module_load found the compiled module in the cache.
typedef enum {
  TIDAL_WASM_CACHE_HIT = 0,     /* loaded from the cache, nothing compiled */
  TIDAL_WASM_CACHE_COMPILED = 1 /* compiled now (and stored in the cache) */
} tidal_wasm_cache_state;

/// What a loaded module is. Every pointer is owned by the module (valid until module_free).
typedef struct tidal_wasm_module_info {
  const char *name;                    /* read-only: name given at load (e.g. the file name) */
  uint32_t abi_version;                /* read-only: 1 */
  const char *describe;                /* read-only: the full tidal_describe text */
  size_t n_operators;                  /* read-only */
  const tidal_wasm_operator *operators; /* read-only: n_operators entries, in describe order */
  size_t n_imports;                    /* read-only: 0 or 1 */
  const char *const *imports;          /* read-only: "module.field" of each import */
  uint32_t mem_min_pages;              /* read-only: declared initial memory, in pages */
  uint32_t mem_max_pages;              /* read-only: declared maximum, UINT32_MAX if none */
  uint32_t mem_cap_pages;              /* read-only: the effective cap (engine limit applied) */
  bool has_init;                       /* read-only: exports tidal_init */
  bool has_last_error;                 /* read-only: exports tidal_last_error */
  const char *cache_path;              /* read-only: the compiled shared object */
  const char *key;                     /* read-only: cache key, 32 hex digits */
  tidal_wasm_cache_state cache_state;  /* read-only */
  double compile_ms;                   /* read-only: time spent compiling (0 on a hit) */
  size_t wasm_bytes;                   /* read-only: size of the module */
} tidal_wasm_module_info;

/// Check, compile (or find in the cache) and load a module from memory, then read its
/// tidal_describe text in a throwaway instance and verify every operator it names is an
/// exported (i32,i32)->i64 function.
/// Returns: 0, or a negative code.
/// Errors: TIDAL_EWASM (bad module or describe text), TIDAL_ECOMPILE (wasm2c/cc missing, failed,
///         timed out; the message names the tool and quotes its error), TIDAL_ETRAP /
///         TIDAL_ETIMEDOUT (the guest failed in tidal_describe), TIDAL_EIO, TIDAL_ENOMEM.
/// Ownership: `bytes` and `name` are borrowed for the call (name may be NULL: "module");
///            `*out` is owned, release with tidal_wasm_module_free before the engine.
/// Thread-safe: yes, for concurrent loads on one engine (also across processes: compiles of
///              one module are serialized by a file lock). Since: 0.1.
TIDAL_API int tidal_wasm_module_load(tidal_wasm_engine *engine, const uint8_t *bytes, size_t len,
                                     const char *name, tidal_wasm_module **out, tidal_error *err)
                                     TIDAL_CHECK_RESULT;

/// Read the file at `path` and tidal_wasm_module_load it (name = the path's last component).
/// Errors: as tidal_wasm_module_load, plus TIDAL_ENOENT / TIDAL_EIO for the file.
/// Ownership: as tidal_wasm_module_load. Thread-safe: yes. Since: 0.1.
TIDAL_API int tidal_wasm_module_load_file(tidal_wasm_engine *engine, const char *path,
                                          tidal_wasm_module **out, tidal_error *err)
                                          TIDAL_CHECK_RESULT;

/// Free a module (dlclose its compiled object). NULL is a no-op.
/// Returns: nothing. Errors: none.
/// Ownership: releases `module` and every string its info holds; its instances must have been
///            freed first. The cached object stays on disk.
/// Thread-safe: no (no other thread may use the module meanwhile). Since: 0.1.
TIDAL_API void tidal_wasm_module_free(tidal_wasm_module *module);

/// The module's description: operators and schemas, imports, memory limits, cache state.
/// Returns: never NULL for a loaded module. Errors: none.
/// Ownership: borrowed, valid until tidal_wasm_module_free.
/// Thread-safe: yes (immutable). Since: 0.1.
TIDAL_API const tidal_wasm_module_info *tidal_wasm_module_inspect(const tidal_wasm_module *module);

/// Index of the operator `name` in info->operators.
/// Returns: 0 and `*index`, or a negative code.
/// Errors: TIDAL_ENOENT (the message lists the operators the module has).
/// Ownership: `name` is borrowed for the call. Thread-safe: yes. Since: 0.1.
TIDAL_API int tidal_wasm_module_find_operator(const tidal_wasm_module *module, const char *name,
                                              size_t *index /* OUT */, tidal_error *err)
                                              TIDAL_CHECK_RESULT;

/// Create an instance: fresh linear memory (capped at info->mem_cap_pages), then, if exported,
/// tidal_init(config) (non-zero is an error that quotes tidal_last_error). 6-70 µs, mostly the
/// kernel mapping and unmapping the 8 GiB reservation.
/// Returns: 0 and `*out`, or a negative code (nothing to free then).
/// Errors: TIDAL_ETRAP / TIDAL_ETIMEDOUT (in the start function or tidal_init), TIDAL_EGUEST
///         (tidal_init failed), TIDAL_ENOMEM (also: the address-space reservation failed).
/// Ownership: `module` is borrowed and must outlive the instance; `config` (len bytes, may be
///            NULL when 0) is copied into guest memory; `*out` is owned, release with
///            tidal_wasm_instance_free.
/// Thread-safe: yes (distinct instances may be created and used on different threads at once).
TIDAL_API int tidal_wasm_instance_new(tidal_wasm_module *module, const char *config, size_t len,
                                      tidal_wasm_instance **out, tidal_error *err)
                                      TIDAL_CHECK_RESULT;

/// Free an instance (dead or alive) and unmap its whole memory reservation. NULL is a no-op.
/// Returns: nothing. Errors: none.
/// Ownership: releases `inst`; pointers from tidal_wasm_instance_range/memory become invalid.
/// Thread-safe: no; any thread may free it, not while another thread calls into it. Since: 0.1.
TIDAL_API void tidal_wasm_instance_free(tidal_wasm_instance *inst);

/// Whether the instance is dead: it trapped, timed out or reported an error, and every further
/// call returns TIDAL_ECANCELED; free it and make a fresh one (about 6-70 µs).
/// Returns: true if dead. Errors: none. Thread-safe: no. Since: 0.1.
TIDAL_API bool tidal_wasm_instance_dead(const tidal_wasm_instance *inst);

/// Call the guest's tidal_alloc(size): an 8-aligned address of `size` writable bytes.
/// Returns: 0 and `*addr`, or a negative code (the instance is then dead).
/// Errors: TIDAL_EGUEST (returned 0, not 8-aligned, or the range is outside memory),
///         TIDAL_ETRAP, TIDAL_ETIMEDOUT, TIDAL_ECANCELED (dead instance).
/// Thread-safe: no. Since: 0.1.
TIDAL_API int tidal_wasm_instance_alloc(tidal_wasm_instance *inst, uint32_t size,
                                        uint32_t *addr /* OUT */, tidal_error *err)
                                        TIDAL_CHECK_RESULT;

/// Copy `len` bytes from `src` into guest memory at `addr`.
/// Returns: 0, or a negative code (nothing is written then).
/// Errors: TIDAL_ERANGE ([addr, addr+len) not inside the current memory).
/// Ownership: `src` is borrowed for the call. Thread-safe: no. Since: 0.1.
TIDAL_API int tidal_wasm_instance_write(tidal_wasm_instance *inst, uint32_t addr, const void *src,
                                        size_t len, tidal_error *err) TIDAL_CHECK_RESULT;

/// Validate a guest-given range: [addr, addr+len) inside the current memory and addr 8-aligned;
/// on success `*data` points at it. `what` names the range in the message ("result of 'op'").
/// Returns: 0 and `*data`, or a negative code. Does not change the instance's state.
/// Errors: TIDAL_ERANGE (outside memory), TIDAL_EGUEST (not 8-aligned).
/// Ownership: `*data` is borrowed from the instance: valid until its next call or free (memory
///            may move when it grows). Thread-safe: no. Since: 0.1.
TIDAL_API int tidal_wasm_instance_range(const tidal_wasm_instance *inst, uint32_t addr,
                                        uint32_t len, const char *what,
                                        const uint8_t **data /* OUT */, tidal_error *err)
                                        TIDAL_CHECK_RESULT;

/// Call operator `op` (an index from tidal_wasm_module_find_operator) with (ptr, len). On
/// success `*out_addr`/`*out_len` hold the result range, already checked with
/// tidal_wasm_instance_range (inside memory, 8-aligned).
/// Returns: 0 and the range, or a negative code.
/// Errors: TIDAL_ETRAP ("operator 'x' trapped: integer divide by zero"), TIDAL_ETIMEDOUT
///         ("guest exceeded its N ms deadline"), TIDAL_EGUEST (negative result; quotes
///         tidal_last_error), TIDAL_ERANGE (result outside memory), TIDAL_ECANCELED (dead).
///         Every error but TIDAL_EINVAL (no such operator) marks the instance dead.
/// Thread-safe: no (one thread per instance at a time). Since: 0.1.
TIDAL_API int tidal_wasm_instance_call(tidal_wasm_instance *inst, size_t op, uint32_t ptr,
                                       uint32_t len, uint32_t *out_addr /* OUT */,
                                       uint32_t *out_len /* OUT */, tidal_error *err)
                                       TIDAL_CHECK_RESULT;

/// The raw form of tidal_wasm_instance_call: returns the guest's i64 as is in `*result` (no
/// check of its sign or range).
/// Returns: 0 and `*result`, or a negative code (the instance is then dead, except EINVAL).
/// Errors: TIDAL_ETRAP, TIDAL_ETIMEDOUT, TIDAL_ECANCELED, TIDAL_EINVAL (no such operator).
/// Thread-safe: no. Since: 0.1.
TIDAL_API int tidal_wasm_instance_call_raw(tidal_wasm_instance *inst, size_t op, uint32_t ptr,
                                           uint32_t len, int64_t *result /* OUT */,
                                           tidal_error *err) TIDAL_CHECK_RESULT;

/// The guest's current linear memory: base address and size in bytes.
/// Returns: nothing (out-params only). Errors: none.
/// Ownership: `*base` is borrowed; valid until the next call into the instance (growth may move
///            it) or its free. Thread-safe: no. Since: 0.1.
TIDAL_API void tidal_wasm_instance_memory(const tidal_wasm_instance *inst,
                                          uint8_t **base /* OUT */, size_t *size /* OUT */);

/// Override the engine's deadline for calls into this instance (TIDAL_WASM_NO_DEADLINE: none).
/// Has no effect on an engine created with TIDAL_WASM_NO_DEADLINE (it has no watchdog).
/// Returns: nothing. Errors: none. Thread-safe: no. Since: 0.1.
TIDAL_API void tidal_wasm_instance_set_deadline(tidal_wasm_instance *inst, uint32_t deadline_ms);

/// @}

#ifdef __cplusplus
}
#endif
#endif /* TIDAL_WASM_H */
