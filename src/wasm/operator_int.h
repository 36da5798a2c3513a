/*
** operator_int.h: internals of the WASM operator (the runner object). Not API; only
** src/wasm/operator*.c include it.
**
** Invariant: a runner is used by one thread at a time (its worker's); `inst` is NULL or a live
** instance of `module` that has not failed.
*/
#ifndef TIDAL_SRC_WASM_OPERATOR_INT_H
#define TIDAL_SRC_WASM_OPERATOR_INT_H

#include "base/base.h"
#include "tidal/columnar.h"
#include "tidal/wasm.h"
#include "tidal/wasm_op.h"

/* out_pool.c: reused output buffers for map / flat_map batches (thread-safe put/close). */
typedef struct tidal__out_pool tidal__out_pool;
/* A pool allocating with `a` (which must outlive it). 0 or TIDAL_ENOMEM. */
int tidal__out_pool_new(const tidal_allocator *a, tidal__out_pool **out);
/* The owner's reference is dropped; the pool goes when its last buffer comes back. */
void tidal__out_pool_close(tidal__out_pool *p);
/* A buffer of at least len bytes (16-aligned), or NULL (out of memory). Give it back with
   tidal__out_pool_put(p, bytes, len) (a tidal_release_cb, so a batch can own it). */
uint8_t *tidal__out_pool_get(tidal__out_pool *p, size_t len);
void tidal__out_pool_put(void *ud, void *bytes, size_t len);

struct tidal_wasm_runner {
  const tidal_allocator *alloc;  /* borrowed: everything below is allocated with it */
  tidal_wasm_module *module;     /* borrowed: outlives the runner */
  size_t op;                     /* index of the export in the module's operators */
  tidal_wasm_mode mode;          /* how the output is used */
  uint32_t deadline_ms;          /* per-call deadline for new instances; 0: the engine's */
  char *label;                   /* owned: "wasm operator 'N' (module 'M', export 'E', mode X)" */
  char *init;                    /* owned: tidal_init text (init_len bytes + NUL) */
  size_t init_len;               /* bytes of init */
  tidal_schema *in_schema;       /* referenced: the stream's schema */
  tidal_schema *guest_in;        /* referenced: the export's declared input (== in_schema) */
  tidal_schema *guest_out;       /* referenced: the export's declared output */
  tidal_schema *out_schema;      /* referenced: schema of the batches the runner produces */
  size_t field;                  /* update: index of the replaced top-level field */
  size_t field_first;            /* update: its first slice in the input plan */
  size_t field_n;                /* update: its number of slices */
  tidal_wasm_instance *inst;     /* owned, lazily created; NULL after a failure */
  tidal_builder *builder;        /* owned (filter): builds batches of the kept rows */
  uint32_t *keep;                /* owned (filter): indices of kept rows, keep_cap entries */
  size_t keep_cap;               /* entries allocated in keep */
  tidal__out_pool *pool;         /* owned reference (map, flat_map): output buffers */
  tidal_wasm_runner_stats stats; /* counters */
};

#endif /* TIDAL_SRC_WASM_OPERATOR_INT_H */
