/*
 * tidal_guest.h — the guest side of tidal's WASM ABI, version 1, as one freestanding C header.
 *
 * A guest is a wasm32 module that provides dataflow operators to tidal. Include this header from
 * exactly one .c file of the module (see TIDAL_GUEST_NO_RUNTIME for more), declare operators with
 * TIDAL_OPERATOR, and build with (see docs/guest-sdk.md or cmake/TidalGuest.cmake):
 *
 *   clang --target=wasm32 -O2 -ffreestanding -nostdlib -mbulk-memory \
 *         -Wl,--no-entry -Wl,--stack-first -Wl,--strip-debug -o op.wasm op.c
 *
 * What the header provides (the contract is /work/shared/spec/wasm-abi.md, "ABI v1"):
 *   - the exports tidal_abi_1, tidal_alloc, tidal_last_error, tidal_describe, one export per
 *     TIDAL_OPERATOR, and tidal_init when TIDAL_ON_INIT is used;
 *   - an arena allocator over linear memory obtained with memory.grow;
 *   - validated, zero-copy views over the input batch in the indexed wire format;
 *   - an output builder that produces one indexed encoding and the packed i64 result.
 *
 * Invariants:
 *   - No libc and no imports: memcpy/memset are __builtin_* (memory.copy/fill with -mbulk-memory).
 *     The only possible import is tidal.log, and only if the module calls tidal_log().
 *   - Memory lifecycle. Linear memory is: [stack (with --stack-first)] [static data] [heap]. The
 *     heap holds two kinds of blocks, both obtained with memory.grow and never returned:
 *       * the per-call arena: the host's input buffer (tidal_alloc), the output builder's slices
 *         and the final encoding, and anything the operator takes with tidal_arena_alloc. The arena
 *         is reset (all of it becomes reusable) by the first host call of tidal_alloc after an
 *         operator (or tidal_init) returned. So an operator's input and its returned output stay
 *         valid exactly until the host asks for the next input buffer; the host must copy or view
 *         the output before that (the ABI requires it).
 *       * persistent blocks (tidal_persist_alloc): live as long as the instance. Use them (or
 *         static variables) for state kept across calls and for a copy of the config string.
 *     The arena remembers the chunks it obtained and reuses them, in order, after every reset, so a
 *     steady stream of batches of similar size stops growing memory after the first few calls.
 *   - Everything coming from the host is validated before it is indexed: the input range lies in
 *     memory, the header's offsets are in order and inside the buffer, the slice count equals the
 *     operator's input schema, element sizes divide slice lengths, string bounds are
 *     non-decreasing and inside their bytes, bool tails are exactly two words. Accessors named
 *     *_at are unchecked in the index only (i < n is the caller's job, as for an array).
 *   - Single-threaded: a wasm32 instance runs one call at a time; the globals below are per
 *     instance. Not thread-safe in any other sense (there are no threads in the guest).
 */
#ifndef TIDAL_GUEST_H
#define TIDAL_GUEST_H

#if !defined(__wasm32__)
#error "tidal_guest.h is for wasm32 guests: compile with clang --target=wasm32"
#endif
#if !defined(__wasm_bulk_memory__)
/* Without bulk memory, clang lowers struct copies and __builtin_memcpy to calls of memcpy, which
 * a -nostdlib module does not have (link error) — see spec/wasm-host-notes.md. */
#error "compile tidal guests with -mbulk-memory (memcpy/memset become memory.copy/fill)"
#endif
#if defined(__wasm_simd128__)
#error "tidal guests must not use SIMD: wasm2c 1.0.32 rejects SIMD modules"
#endif

#include <stdbool.h> /* freestanding headers only: no libc is linked */
#include <stddef.h>
#include <stdint.h>

#define TIDAL_GUEST_ABI_VERSION 1

/** Most slices a schema may have (a tuple of 16 strings has 32). */
#define TIDAL_MAX_SLICES 32
/** Bytes kept of the last error message, NUL included. */
#define TIDAL_ERROR_MAX 256

#define TIDAL__EXPORT(name) __attribute__((export_name(name), visibility("default")))
#define TIDAL__INLINE static inline

/* ------------------------------------------------------------------------------------------- */
/* Schemas: the slice plan of a schema text (notation of spec/columnar-format.md).              */
/* ------------------------------------------------------------------------------------------- */

/** How the row count of a column is read off its first slices. */
enum tidal_rows_rule {
  TIDAL_ROWS_VALUES = 1, /* slice 0 holds one element per row (primitive, all-unit enum) */
  TIDAL_ROWS_BOUNDS,     /* slice 0 is u64 bounds: one per row (string, vec) */
  TIDAL_ROWS_BOOL,       /* slices 0,1 are bool words + tail */
  TIDAL_ROWS_UNIT,       /* slice 0 is a single u64 count */
  TIDAL_ROWS_RANKSEL,    /* slices 0,1,2 are counts, words, tail (option, result) */
  TIDAL_ROWS_ENUM        /* enum with data: variant u8 slice and offset u64 slice at rows_aux */
};

/** Role of one slice in a schema's plan. */
enum tidal_slice_role {
  TIDAL_SLICE_PLAIN = 0, /* an array of elements of size elem */
  TIDAL_SLICE_BOOL_TAIL  /* exactly two u64: [partial_word, bits_in_partial < 64] */
};

/** The slice plan of a schema: what its header must contain. Plain data (tidal_plan_parse). */
typedef struct tidal_plan {
  uint32_t nslices;                /* number of slices */
  uint8_t elem[TIDAL_MAX_SLICES];  /* element size in bytes of each slice (1, 2, 4, 8, 16) */
  uint8_t role[TIDAL_MAX_SLICES];  /* enum tidal_slice_role of each slice */
  uint8_t rows_rule;               /* enum tidal_rows_rule of the first (outermost) field */
  uint8_t rows_aux;                /* TIDAL_ROWS_ENUM: index of the enum's `variant` slice */
} tidal_plan;

/* ------------------------------------------------------------------------------------------- */
/* Views over the input batch                                                                   */
/* ------------------------------------------------------------------------------------------- */

/** A borrowed byte range (not NUL-terminated). Valid until the arena is reset. */
typedef struct tidal_bytes {
  const uint8_t *ptr; /* first byte */
  uint32_t len;       /* number of bytes */
} tidal_bytes;

/** A validated view of one indexed encoding in linear memory. Borrowed: valid during the call. */
typedef struct tidal_batch {
  const uint8_t *base;   /* start of the encoding (8-aligned) */
  uint32_t len;          /* its length in bytes (a multiple of 8) */
  uint32_t nslices;      /* number of slices in the header */
  uint32_t rows;         /* row count (length of the first field), from the schema's plan */
  const uint64_t *hdr;   /* the nslices + 1 header words */
} tidal_batch;

/* Typed columns: a pointer and an element count, for each primitive type. */
#define TIDAL__PRIMS(X)                                                                          \
  X(u8, uint8_t) X(u16, uint16_t) X(u32, uint32_t) X(u64, uint64_t) X(i8, int8_t)                \
  X(i16, int16_t) X(i32, int32_t) X(i64, int64_t) X(f32, float) X(f64, double)

#define TIDAL__COL_TYPE(name, T)                                                                  \
  typedef struct tidal_col_##name {                                                              \
    const T *v;  /* the values (aligned: slices start at multiples of 8) */                      \
    uint32_t n;  /* how many */                                                                  \
  } tidal_col_##name;
TIDAL__PRIMS(TIDAL__COL_TYPE)
#undef TIDAL__COL_TYPE

/** A string column: bounds validated non-decreasing and within bytes. */
typedef struct tidal_col_string {
  const uint64_t *bounds; /* n end offsets into bytes */
  const uint8_t *bytes;   /* all strings concatenated */
  uint32_t n;             /* number of strings */
  uint32_t nbytes;        /* length of bytes */
} tidal_col_string;

/** A bool column: bit i is bit i%64 of word i/64, the last partial word is `tail`. */
typedef struct tidal_col_bool {
  const uint64_t *words; /* completed 64-bit words */
  uint32_t nwords;       /* how many */
  uint32_t tail_bits;    /* bits used in tail, < 64 */
  uint64_t tail;         /* the partial word */
  uint32_t n;            /* number of bools: 64 * nwords + tail_bits */
} tidal_col_bool;

/* ------------------------------------------------------------------------------------------- */
/* The output builder                                                                           */
/* ------------------------------------------------------------------------------------------- */

/** One growable output slice in the arena. */
typedef struct tidal__buf {
  uint8_t *ptr;     /* start (8-aligned), NULL until first growth */
  uint32_t len;     /* bytes written */
  uint32_t cap;     /* bytes reserved */
  uint64_t partial; /* bool words slice: the partial word (kept here, written to the tail) */
  uint32_t nbits;   /* bool words slice: bits in partial */
} tidal__buf;

/** Builds one indexed encoding of the operator's output schema in the arena. Made by the
 *  operator wrapper; the body appends to it and returns tidal_out_finish(out). */
typedef struct tidal_out {
  const tidal_plan *plan;            /* the output schema's plan (read-only) */
  uint8_t *hdr;                      /* header space reserved first in the arena */
  tidal__buf s[TIDAL_MAX_SLICES];    /* one buffer per slice (private) */
} tidal_out;

/* ------------------------------------------------------------------------------------------- */
/* Operators                                                                                    */
/* ------------------------------------------------------------------------------------------- */

typedef int64_t (*tidal_op_body)(const tidal_batch *in, tidal_out *out);

/** Registration record of one operator (one per TIDAL_OPERATOR; private). */
typedef struct tidal_op {
  const char *name;       /* export name */
  const char *in_schema;  /* input schema text */
  const char *out_schema; /* output schema text */
  int state;              /* 0 plans not parsed yet, 1 parsed, -1 a schema did not parse */
  tidal_plan in_plan;     /* plan of in_schema */
  tidal_plan out_plan;    /* plan of out_schema */
  struct tidal_op *next;  /* registry list, in declaration order */
} tidal_op;

/**
 * Declare an operator: `TIDAL_OPERATOR(name, "in schema", "out schema") { body }`.
 * Exports `name(ptr, len) -> i64` and adds `name: in -> out` to tidal_describe. The body sees
 * `in` (the validated input batch, const tidal_batch *) and `out` (a tidal_out * initialised
 * for the output schema) and returns tidal_out_finish(out) or a negative value from
 * tidal_guest_fail / a failed TIDAL_TRY.
 */
#define TIDAL_OPERATOR(name, in_schema, out_schema)                                               \
  static int64_t name##__tidal_body(const tidal_batch *in, tidal_out *out);                      \
  static tidal_op name##__tidal_op = {#name, in_schema, out_schema, 0, {0}, {0}, 0};              \
  __attribute__((constructor)) static void name##__tidal_reg(void) {                             \
    tidal__register(&name##__tidal_op);                                                          \
  }                                                                                              \
  int64_t name(int32_t ptr, int32_t len);                                                        \
  TIDAL__EXPORT(#name) int64_t name(int32_t ptr, int32_t len) {                                  \
    return tidal__call(&name##__tidal_op, name##__tidal_body, ptr, len);                         \
  }                                                                                              \
  static int64_t name##__tidal_body(const tidal_batch *in __attribute__((unused)),               \
                                    tidal_out *out __attribute__((unused)))

/**
 * Declare the optional init hook: `TIDAL_ON_INIT(cfg, cfg_len) { ...; return 0; }`.
 * Exports tidal_init(ptr, len) -> i32. The host calls it once per instance before any operator,
 * with the user's configuration string (may be empty; not NUL-terminated). The text lives in the
 * arena and is reused after init returns: copy what you keep (tidal_persist_alloc). Return 0 for
 * success; non-zero (e.g. after tidal_guest_fail) refuses the instance.
 */
#define TIDAL_ON_INIT(cfg, cfg_len)                                                               \
  static int32_t tidal__init_body(const char *cfg, uint32_t cfg_len);                            \
  int32_t tidal_init(int32_t ptr, int32_t len);                                                  \
  TIDAL__EXPORT("tidal_init") int32_t tidal_init(int32_t ptr, int32_t len) {                     \
    return tidal__init_call(tidal__init_body, ptr, len);                                         \
  }                                                                                              \
  static int32_t tidal__init_body(const char *cfg, uint32_t cfg_len)

/** Evaluate an int64_t expression; return it from the enclosing function if negative. */
#define TIDAL_TRY(expr)                                                                           \
  do {                                                                                           \
    int64_t tidal__rc = (expr);                                                                  \
    if (tidal__rc < 0) return tidal__rc;                                                         \
  } while (0)

/* ------------------------------------------------------------------------------------------- */
/* Runtime state (one per instance; defined once unless TIDAL_GUEST_NO_RUNTIME).                */
/* ------------------------------------------------------------------------------------------- */

#define TIDAL__PAGE 65536u
#define TIDAL__MAX_CHUNKS 24
/* Keep memory below 4 GiB - 64 KiB so every address and end fits a u32 (the host caps at 65535
 * pages too). */
#define TIDAL__MAX_PAGES 65535u

/** A contiguous range of linear memory owned by the arena. */
typedef struct tidal__chunk {
  uint32_t start; /* first byte (8-aligned) */
  uint32_t end;   /* one past the last byte */
} tidal__chunk;

/** The allocator state of the instance. */
typedef struct tidal__heap {
  tidal__chunk chunk[TIDAL__MAX_CHUNKS]; /* arena chunks in the order they were obtained */
  uint32_t nchunks;                      /* how many are in use */
  uint32_t cur;                          /* the chunk the arena allocates from */
  uint32_t top;                          /* next free byte in chunk[cur] */
  uint32_t ptop;                         /* persistent blocks: next free byte */
  uint32_t pend;                         /* persistent blocks: end of the current block */
  int ready;                             /* chunk[0] set up (lazily, on first use) */
  int reset_pending;                     /* an entry point returned: reset on next tidal_alloc */
  int ctors_done;                        /* __wasm_call_ctors has run */
} tidal__heap;

extern tidal__heap tidal__h;
extern char tidal__err[TIDAL_ERROR_MAX];
extern tidal_op *tidal__ops_head;
extern tidal_op **tidal__ops_tail;

/* Functions defined once by the runtime part below. */
void tidal__register(tidal_op *op);
int64_t tidal__call(tidal_op *op, tidal_op_body body, int32_t ptr, int32_t len);
int32_t tidal__init_call(int32_t (*body)(const char *, uint32_t), int32_t ptr, int32_t len);
void *tidal_arena_alloc(uint32_t size);
void *tidal_persist_alloc(uint32_t size);
int tidal__arena_extend(void *p, uint32_t oldcap, uint32_t newcap);
int64_t tidal_guest_fail(const char *msg);
int64_t tidal_guest_fail_at(const char *msg, uint64_t value);
int tidal_plan_parse(tidal_plan *plan, const char *schema);
int64_t tidal_batch_view(tidal_batch *b, const tidal_plan *plan, uint32_t ptr, uint32_t len);
int64_t tidal_out_init(tidal_out *out, const tidal_plan *plan);
int64_t tidal__out_grow(tidal_out *out, uint32_t k, uint32_t need);
int64_t tidal_out_finish(tidal_out *out);

/** Write text through the optional import tidal.log (the module imports it only if called). */
__attribute__((import_module("tidal"), import_name("log"))) void tidal__log_import(const char *ptr,
                                                                                    uint32_t len);

/* ------------------------------------------------------------------------------------------- */
/* Small helpers (inline)                                                                       */
/* ------------------------------------------------------------------------------------------- */

TIDAL__INLINE uint64_t tidal__round8(uint64_t x) { return (x + 7u) & ~(uint64_t)7u; }

TIDAL__INLINE uint32_t tidal__strlen(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

/** Whether two byte ranges are equal. (There is no memcmp: clang would emit a libc call.) */
TIDAL__INLINE bool tidal_bytes_equal(const void *a, uint32_t alen, const void *b, uint32_t blen) {
  const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
  if (alen != blen) return false;
  for (uint32_t i = 0; i < alen; i++)
    if (x[i] != y[i]) return false;
  return true;
}

/** Send a NUL-terminated message to the host's log (imports tidal.log). */
TIDAL__INLINE void tidal_log(const char *msg) { tidal__log_import(msg, tidal__strlen(msg)); }

/** The address of slice k of a validated batch and its length in bytes (k < b->nslices). */
TIDAL__INLINE tidal_bytes tidal_batch_slice(const tidal_batch *b, uint32_t k) {
  uint64_t start = k == 0 ? b->hdr[0] : tidal__round8(b->hdr[k]);
  tidal_bytes s = {b->base + start, (uint32_t)(b->hdr[k + 1] - start)};
  return s;
}

/* Typed views of slice k: 0 on success, negative (error recorded) if k is out of range or the
 * slice length is not a multiple of the element size. */
#define TIDAL__COL_VIEW(name, T)                                                                  \
  TIDAL__INLINE int64_t tidal_batch_##name(const tidal_batch *b, uint32_t k,                     \
                                           tidal_col_##name *col) {                              \
    if (k >= b->nslices) return tidal_guest_fail_at("input: no slice", k);                       \
    tidal_bytes s = tidal_batch_slice(b, k);                                                     \
    if (s.len % sizeof(T)) return tidal_guest_fail_at("input: bad length of " #name " slice", k); \
    col->v = (const T *)(const void *)s.ptr;                                                     \
    col->n = s.len / (uint32_t)sizeof(T);                                                        \
    return 0;                                                                                    \
  }
TIDAL__PRIMS(TIDAL__COL_VIEW)
#undef TIDAL__COL_VIEW

/** View slices k (bounds) and k+1 (bytes) as a string column, checking every bound. */
TIDAL__INLINE int64_t tidal_batch_string(const tidal_batch *b, uint32_t k, tidal_col_string *col) {
  tidal_col_u64 bounds;
  tidal_col_u8 bytes;
  TIDAL_TRY(tidal_batch_u64(b, k, &bounds));
  TIDAL_TRY(tidal_batch_u8(b, k + 1, &bytes));
  /* One pass; it is what makes tidal_string_at safe. Blocks of 16 bounds are checked without a
   * branch per bound (cheaper under wasm2c); a block with a decrease is rescanned by the exact
   * loop below to report the first one. */
  uint64_t prev = 0;
  uint32_t i = 0;
  for (; i + 16 <= bounds.n; i += 16) {
    const uint64_t *v = bounds.v + i;
    uint64_t dec = v[0] < prev;
    for (uint32_t j = 1; j < 16; j++) dec |= v[j] < v[j - 1];
    if (dec) break;
    prev = v[15];
  }
  for (; i < bounds.n; i++) {
    if (bounds.v[i] < prev) return tidal_guest_fail_at("input: string bounds decrease at row", i);
    prev = bounds.v[i];
  }
  if (prev > bytes.n) return tidal_guest_fail_at("input: string bounds exceed bytes, slice", k);
  col->bounds = bounds.v;
  col->bytes = bytes.v;
  col->n = bounds.n;
  col->nbytes = bytes.n;
  return 0;
}

/** String i of a validated string column (i < col->n). */
TIDAL__INLINE tidal_bytes tidal_string_at(const tidal_col_string *col, uint32_t i) {
  uint32_t lo = i == 0 ? 0 : (uint32_t)col->bounds[i - 1];
  tidal_bytes s = {col->bytes + lo, (uint32_t)col->bounds[i] - lo};
  return s;
}

/** View slices k (words) and k+1 (tail) as a bool column. */
TIDAL__INLINE int64_t tidal_batch_bool(const tidal_batch *b, uint32_t k, tidal_col_bool *col) {
  tidal_col_u64 words, tail;
  TIDAL_TRY(tidal_batch_u64(b, k, &words));
  TIDAL_TRY(tidal_batch_u64(b, k + 1, &tail));
  if (tail.n != 2) return tidal_guest_fail_at("input: bool tail is not 2 words, slice", k + 1);
  if (tail.v[1] >= 64) return tidal_guest_fail_at("input: bool tail bit count >= 64, slice", k + 1);
  if (words.n > (UINT32_MAX - 63u) / 64u) return tidal_guest_fail("input: bool column too long");
  col->words = words.v;
  col->nwords = words.n;
  col->tail = tail.v[0];
  col->tail_bits = (uint32_t)tail.v[1];
  col->n = words.n * 64u + col->tail_bits;
  return 0;
}

/** Bool i of a bool column (i < col->n). */
TIDAL__INLINE bool tidal_bool_at(const tidal_col_bool *col, uint32_t i) {
  uint64_t w = (i >> 6) < col->nwords ? col->words[i >> 6] : col->tail;
  return (w >> (i & 63)) & 1u;
}

/** The common tuple (string, i64): checks the batch has exactly its 3 slices, equal lengths. */
TIDAL__INLINE int64_t tidal_view_string_i64(const tidal_batch *b, tidal_col_string *s,
                                            tidal_col_i64 *d) {
  if (b->nslices != 3)
    return tidal_guest_fail_at("input: (string, i64) needs 3 slices, got", b->nslices);
  TIDAL_TRY(tidal_batch_string(b, 0, s));
  TIDAL_TRY(tidal_batch_i64(b, 2, d));
  if (s->n != d->n) return tidal_guest_fail("input: (string, i64) columns differ in length");
  return 0;
}

/* ---- in-place output ------------------------------------------------------------------------ */

/** A writable pointer to bytes of the input batch `in` (e.g. a column's `bytes`), for operators
 *  that rewrite their input in place. Legal: the input buffer is the guest's own memory for the
 *  whole call (tidal_alloc gave it out), and the host reads it only through the returned output.
 *  Only for pointers obtained from `in`'s views. */
TIDAL__INLINE uint8_t *tidal_in_place(const void *p) { return (uint8_t *)(uintptr_t)p; }

/** Return the input batch itself, possibly modified in place, as the operator's output (the
 *  packed `len << 32 | ptr` of the input's range). The ABI lets the output lie anywhere in
 *  memory, so no output slice is built and nothing is copied. Use it only when the output schema
 *  is the input schema and the modification keeps the encoding valid (e.g. changing bytes of a
 *  string without changing lengths or breaking UTF-8); the host validates the output as always.
 *  Do not combine with appends to `out` (they would be ignored). */
TIDAL__INLINE int64_t tidal_out_input(const tidal_batch *in) {
  return (int64_t)(((uint64_t)in->len << 32) | (uint32_t)(uintptr_t)in->base);
}

/* ---- output appends ------------------------------------------------------------------------ */

/** Make room for `bytes` more bytes in output slice k. 0 or negative (out of memory). */
TIDAL__INLINE int64_t tidal_out_reserve(tidal_out *out, uint32_t k, uint32_t bytes) {
  tidal__buf *s = &out->s[k];
  /* A slice never reserved gets a real block even for 0 bytes, so its cursor is never NULL. */
  if (bytes <= s->cap - s->len && s->ptr) return 0;
  return tidal__out_grow(out, k, bytes);
}

/** Where the next bytes of slice k go; write at most the reserved room, then tidal_out_commit. */
TIDAL__INLINE uint8_t *tidal_out_cursor(tidal_out *out, uint32_t k) {
  return out->s[k].ptr + out->s[k].len;
}

/** Declare `bytes` more bytes of slice k written (after tidal_out_reserve + writes at cursor). */
TIDAL__INLINE void tidal_out_commit(tidal_out *out, uint32_t k, uint32_t bytes) {
  out->s[k].len += bytes;
}

/** Append `n` bytes to slice k. */
TIDAL__INLINE int64_t tidal_out_append(tidal_out *out, uint32_t k, const void *src, uint32_t n) {
  TIDAL_TRY(tidal_out_reserve(out, k, n));
  if (n) __builtin_memcpy(tidal_out_cursor(out, k), src, n);
  out->s[k].len += n;
  return 0;
}

#define TIDAL__PUSH(name, T)                                                                      \
  TIDAL__INLINE int64_t tidal_out_push_##name(tidal_out *out, uint32_t k, T v) {                 \
    tidal__buf *s = &out->s[k];                                                                  \
    if (__builtin_expect(s->cap - s->len < sizeof(T), 0))                                        \
      TIDAL_TRY(tidal__out_grow(out, k, sizeof(T)));                                             \
    __builtin_memcpy(s->ptr + s->len, &v, sizeof(T));                                            \
    s->len += (uint32_t)sizeof(T);                                                               \
    return 0;                                                                                    \
  }
TIDAL__PRIMS(TIDAL__PUSH)
#undef TIDAL__PUSH

/** Append one string to the string column at slices k (bounds), k+1 (bytes). */
TIDAL__INLINE int64_t tidal_out_push_string(tidal_out *out, uint32_t k, const void *p, uint32_t n) {
  TIDAL_TRY(tidal_out_append(out, k + 1, p, n));
  return tidal_out_push_u64(out, k, out->s[k + 1].len);
}

/** Append one bool to the bool column at slices k (words), k+1 (tail, written by finish unless
 *  the body appended the tail slice itself). Do not mix with appending words directly. */
TIDAL__INLINE int64_t tidal_out_push_bool(tidal_out *out, uint32_t k, bool bit) {
  tidal__buf *s = &out->s[k];
  s->partial |= (uint64_t)(bit ? 1u : 0u) << s->nbits;
  if (++s->nbits == 64) {
    uint64_t w = s->partial;
    s->partial = 0;
    s->nbits = 0;
    return tidal_out_push_u64(out, k, w);
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------- */
/* The runtime: exports, allocator, schema parser, batch validation, finish.                    */
/* ------------------------------------------------------------------------------------------- */
#ifndef TIDAL_GUEST_NO_RUNTIME

tidal__heap tidal__h;
char tidal__err[TIDAL_ERROR_MAX];
tidal_op *tidal__ops_head;
tidal_op **tidal__ops_tail = &tidal__ops_head;

extern unsigned char __heap_base; /* set by wasm-ld: first byte after static data and stack */
extern void __wasm_call_ctors(void); /* synthesized by wasm-ld: runs the registrations */

/* ---- errors ---- */

int64_t tidal_guest_fail(const char *msg) {
  uint32_t i = 0;
  for (; msg[i] && i < TIDAL_ERROR_MAX - 1; i++) tidal__err[i] = msg[i];
  tidal__err[i] = 0;
  return -1;
}

int64_t tidal_guest_fail_at(const char *msg, uint64_t value) {
  tidal_guest_fail(msg);
  char digits[24];
  uint32_t nd = 0, i = tidal__strlen(tidal__err);
  do {
    digits[nd++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  if (i < TIDAL_ERROR_MAX - 1) tidal__err[i++] = ' ';
  while (nd && i < TIDAL_ERROR_MAX - 1) tidal__err[i++] = digits[--nd];
  tidal__err[i] = 0;
  return -1;
}

/* ---- memory ---- */

static uint64_t tidal__mem_end(void) {
  return (uint64_t)__builtin_wasm_memory_size(0) * TIDAL__PAGE;
}

/* Grow memory by at least `bytes`; returns the old end (start of the new bytes) or 0. */
static uint32_t tidal__grow(uint64_t bytes) {
  uint64_t pages = (bytes + TIDAL__PAGE - 1) / TIDAL__PAGE;
  uint64_t have = __builtin_wasm_memory_size(0);
  if (pages == 0) pages = 1;
  if (have + pages > TIDAL__MAX_PAGES) return 0;
  if (__builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1) return 0;
  return (uint32_t)(have * TIDAL__PAGE);
}

static void tidal__heap_ready(void) {
  if (tidal__h.ready) return;
  uint32_t base = (uint32_t)tidal__round8((uint64_t)(uintptr_t)&__heap_base);
  uint64_t end = tidal__mem_end();
  if (end > 0xffffffffu) end = 0xfffffff8u;
  tidal__h.chunk[0].start = base;
  tidal__h.chunk[0].end = end > base ? (uint32_t)end : base;
  tidal__h.nchunks = 1;
  tidal__h.cur = 0;
  tidal__h.top = base;
  tidal__h.ready = 1;
}

static void tidal__arena_reset(void) {
  tidal__heap_ready();
  tidal__h.cur = 0;
  tidal__h.top = tidal__h.chunk[0].start;
}

void *tidal_arena_alloc(uint32_t size) {
  tidal__heap *h = &tidal__h;
  tidal__heap_ready();
  if (size > 0x7ffffff0u) return NULL;
  uint32_t sz = (uint32_t)tidal__round8(size);
  for (;;) {
    tidal__chunk *c = &h->chunk[h->cur];
    if (c->end - h->top >= sz) {
      uint32_t p = h->top;
      h->top += sz;
      /* Address 0 never comes out: chunk 0 starts at __heap_base > 0. */
      return (void *)(uintptr_t)p;
    }
    if (h->cur + 1 < h->nchunks) { /* reuse the next chunk obtained by an earlier call */
      h->cur++;
      h->top = h->chunk[h->cur].start;
      continue;
    }
    if (tidal__mem_end() == c->end) { /* the last chunk ends memory: extend it in place */
      if (!tidal__grow(sz - (c->end - h->top))) return NULL;
      c->end = (uint32_t)tidal__mem_end();
      continue;
    }
    /* Persistent blocks sit above the last chunk: start a new chunk, at least as big as all
     * chunks so far, so their number stays logarithmic in the arena's size. */
    if (h->nchunks == TIDAL__MAX_CHUNKS) return NULL;
    uint64_t total = 0;
    for (uint32_t i = 0; i < h->nchunks; i++) total += h->chunk[i].end - h->chunk[i].start;
    uint32_t start = tidal__grow(total > sz ? total : sz);
    if (!start) start = tidal__grow(sz);
    if (!start) return NULL;
    h->chunk[h->nchunks].start = start;
    h->chunk[h->nchunks].end = (uint32_t)tidal__mem_end();
    h->cur = h->nchunks++;
    h->top = start;
  }
}

/* Extend the block [p, p+oldcap) to newcap bytes in place if it is the arena's last block. */
int tidal__arena_extend(void *p, uint32_t oldcap, uint32_t newcap) {
  tidal__heap *h = &tidal__h;
  uint32_t a = (uint32_t)(uintptr_t)p;
  tidal__chunk *c = &h->chunk[h->cur];
  if (a + oldcap != h->top || newcap > 0x7ffffff0u) return 0;
  newcap = (uint32_t)tidal__round8(newcap);
  if (c->end - a < newcap) {
    if (tidal__mem_end() != c->end || h->cur + 1 != h->nchunks) return 0;
    if (!tidal__grow(newcap - (c->end - a))) return 0;
    c->end = (uint32_t)tidal__mem_end();
  }
  h->top = a + newcap;
  return 1;
}

void *tidal_persist_alloc(uint32_t size) {
  tidal__heap *h = &tidal__h;
  tidal__heap_ready();
  if (size > 0x7ffffff0u) return NULL;
  uint32_t sz = (uint32_t)tidal__round8(size);
  if (h->nchunks == 1 && h->cur == 0 && h->top == h->chunk[0].start) {
    /* The arena holds nothing live (e.g. during tidal_init or tidal_describe): carve the block
     * off the bottom of its only chunk, so init-time state does not split the arena. */
    tidal__chunk *c = &h->chunk[0];
    if (c->end - c->start < sz && tidal__mem_end() == c->end) {
      if (!tidal__grow(sz - (c->end - c->start))) return NULL;
      c->end = (uint32_t)tidal__mem_end();
    }
    if (c->end - c->start >= sz) {
      uint32_t p = c->start;
      c->start += sz;
      h->top = c->start;
      return (void *)(uintptr_t)p;
    }
  }
  if (h->pend - h->ptop < sz) {
    if (h->pend && tidal__mem_end() == h->pend) { /* extend the current block in place */
      if (!tidal__grow(sz - (h->pend - h->ptop))) return NULL;
    } else {
      uint32_t start = tidal__grow(sz > TIDAL__PAGE ? sz : TIDAL__PAGE);
      if (!start) return NULL;
      h->ptop = start;
    }
    h->pend = (uint32_t)tidal__mem_end();
  }
  uint32_t p = h->ptop;
  h->ptop += sz;
  return (void *)(uintptr_t)p;
}

/* ---- schema parser: counts slices, records element sizes, bool tails, the row rule ---- */

typedef struct tidal__parser {
  const char *s;     /* cursor */
  tidal_plan *plan;  /* being filled */
  int depth;         /* nesting, bounded */
} tidal__parser;

__attribute__((noinline)) static void tidal__ws(tidal__parser *p) {
  while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r') p->s++;
}

__attribute__((noinline)) static int tidal__eat(tidal__parser *p, char c) {
  tidal__ws(p);
  if (*p->s != c) return 0;
  p->s++;
  return 1;
}

static int tidal__is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Reads an identifier into w (truncated); returns its length (0 if none). */
static uint32_t tidal__ident(tidal__parser *p, char *w, uint32_t cap) {
  tidal__ws(p);
  uint32_t n = 0;
  while (tidal__is_ident(p->s[n])) {
    if (n + 1 < cap) w[n] = p->s[n];
    n++;
  }
  w[n < cap ? n : cap - 1] = 0;
  p->s += n;
  return n;
}

static int tidal__streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

__attribute__((noinline)) static int tidal__slice(tidal__parser *p, uint8_t elem, uint8_t role) {
  tidal_plan *pl = p->plan;
  if (pl->nslices >= TIDAL_MAX_SLICES) return 0;
  pl->elem[pl->nslices] = elem;
  pl->role[pl->nslices] = role;
  pl->nslices++;
  return 1;
}

static int tidal__type(tidal__parser *p, int first);

/* A list of types up to `close`, e.g. tuple fields; `named` expects `name:` before each. */
static int tidal__fields(tidal__parser *p, char close, int named, int first, uint32_t *count) {
  char w[64];
  *count = 0;
  if (tidal__eat(p, close)) return 1;
  for (;;) {
    if (named) {
      if (!tidal__ident(p, w, sizeof w) || !tidal__eat(p, ':')) return 0;
    }
    if (!tidal__type(p, first && *count == 0)) return 0;
    (*count)++;
    if (tidal__eat(p, close)) return 1;
    if (!tidal__eat(p, ',')) return 0;
    if (tidal__eat(p, close)) return 1; /* trailing comma */
  }
}

static int tidal__type(tidal__parser *p, int first) {
  tidal_plan *pl = p->plan;
  char w[16];
  uint32_t count;
  if (++p->depth > 32) return 0;
  tidal__ws(p);
  int ok = 1;
  if (*p->s == '(' || *p->s == '{') { /* tuple, unit (), or struct */
    char close = *p->s == '(' ? ')' : '}';
    int named = *p->s == '{';
    p->s++;
    ok = tidal__fields(p, close, named, first, &count);
    if (ok && count == 0) { /* () is unit */
      ok = tidal__slice(p, 8, TIDAL_SLICE_PLAIN);
      if (first) pl->rows_rule = TIDAL_ROWS_UNIT;
    }
  } else {
    /* Leaf and generic types, table-driven (keeps the module small): elem > 0 is a primitive of
     * that size; otherwise kind: 1 string, 2 bool, 3 unit, 4 vec, 5 option, 6 result, 7 enum. */
    static const struct { char name[7]; uint8_t elem, kind; } words[] = {
        {"u8", 1, 0},     {"i8", 1, 0},     {"u16", 2, 0},    {"i16", 2, 0},   {"u32", 4, 0},
        {"i32", 4, 0},    {"f32", 4, 0},    {"char", 4, 0},   {"u64", 8, 0},   {"i64", 8, 0},
        {"f64", 8, 0},    {"usize", 8, 0},  {"isize", 8, 0},  {"u128", 16, 0}, {"i128", 16, 0},
        {"string", 0, 1}, {"bool", 0, 2},   {"unit", 0, 3},   {"vec", 0, 4},   {"option", 0, 5},
        {"result", 0, 6}, {"enum", 0, 7},
    };
    uint32_t i = 0, nw = sizeof words / sizeof words[0];
    if (!tidal__ident(p, w, sizeof w)) i = nw;
    while (i < nw && !tidal__streq(w, words[i].name)) i++;
    uint8_t elem = i < nw ? words[i].elem : 0, kind = i < nw ? words[i].kind : 0;
    uint8_t rule = 0;
    if (i == nw) {
      ok = 0;
    } else if (elem) {
      ok = tidal__slice(p, elem, TIDAL_SLICE_PLAIN);
      rule = TIDAL_ROWS_VALUES;
    } else if (kind == 1 || kind == 2 || kind == 3) { /* string, bool, unit */
      ok = tidal__slice(p, 8, TIDAL_SLICE_PLAIN) &&
           (kind == 3 || tidal__slice(p, kind == 1 ? 1 : 8,
                                      kind == 1 ? TIDAL_SLICE_PLAIN : TIDAL_SLICE_BOOL_TAIL));
      rule = kind == 1 ? TIDAL_ROWS_BOUNDS : kind == 2 ? TIDAL_ROWS_BOOL : TIDAL_ROWS_UNIT;
    } else if (kind == 4) { /* vec<T>: bounds, then T */
      ok = tidal__slice(p, 8, TIDAL_SLICE_PLAIN) && tidal__eat(p, '<') && tidal__type(p, 0) &&
           tidal__eat(p, '>');
      rule = TIDAL_ROWS_BOUNDS;
    } else if (kind == 5 || kind == 6) { /* option<T>, result<S, E>: counts, words, tail, ... */
      ok = tidal__slice(p, 8, TIDAL_SLICE_PLAIN) && tidal__slice(p, 8, TIDAL_SLICE_PLAIN) &&
           tidal__slice(p, 8, TIDAL_SLICE_BOOL_TAIL) && tidal__eat(p, '<') && tidal__type(p, 0) &&
           (kind == 5 || (tidal__eat(p, ',') && tidal__type(p, 0))) && tidal__eat(p, '>');
      rule = TIDAL_ROWS_RANKSEL;
    } else { /* enum */
      /* Variants: Name | Name(T, ...) | Name{f: T, ...}. Each variant's payload in order (a unit
       * variant's is a unit count), then variant u8 and offset u64. If no variant carries data,
       * the enum is one u8 slice: unit payloads are only emitted once a data variant appears. */
      uint32_t pending_units = 0;
      int any_data = 0;
      ok = tidal__eat(p, '{');
      while (ok) {
        char vname[64];
        if (!tidal__ident(p, vname, sizeof vname)) { ok = 0; break; }
        tidal__ws(p);
        if (*p->s == '(' || *p->s == '{') {
          char close = *p->s == '(' ? ')' : '}';
          int named = *p->s == '{';
          p->s++;
          for (; ok && pending_units; pending_units--) ok = tidal__slice(p, 8, TIDAL_SLICE_PLAIN);
          any_data = 1;
          ok = ok && tidal__fields(p, close, named, 0, &count);
          if (ok && count == 0) ok = tidal__slice(p, 8, TIDAL_SLICE_PLAIN);
        } else if (any_data) {
          ok = tidal__slice(p, 8, TIDAL_SLICE_PLAIN);
        } else {
          pending_units++;
        }
        if (!ok || tidal__eat(p, '}')) break;
        if (!tidal__eat(p, ',')) ok = 0;
        else if (tidal__eat(p, '}')) break;
      }
      if (ok && !any_data) {
        ok = pending_units > 0 && pending_units <= 256 && tidal__slice(p, 1, TIDAL_SLICE_PLAIN);
        rule = TIDAL_ROWS_VALUES;
      } else if (ok) {
        if (first) pl->rows_aux = (uint8_t)pl->nslices;
        ok = tidal__slice(p, 1, TIDAL_SLICE_PLAIN) && tidal__slice(p, 8, TIDAL_SLICE_PLAIN);
        rule = TIDAL_ROWS_ENUM;
      }
    }
    if (first) pl->rows_rule = rule;
  }
  p->depth--;
  return ok;
}

/** Parse a schema text into its slice plan. Returns 1 on success, 0 if unknown or too big. */
int tidal_plan_parse(tidal_plan *plan, const char *schema) {
  tidal__parser p = {schema, plan, 0};
  plan->nslices = 0;
  plan->rows_rule = 0;
  plan->rows_aux = 0;
  if (!tidal__type(&p, 1)) return 0;
  tidal__ws(&p);
  return *p.s == 0;
}

/* ---- input validation ---- */

/** Validate the encoding at [ptr, ptr+len) against a plan and make a view of it. */
int64_t tidal_batch_view(tidal_batch *b, const tidal_plan *plan, uint32_t ptr, uint32_t len) {
  uint64_t mem = tidal__mem_end();
  if (ptr & 7u) return tidal_guest_fail_at("input: address not 8-aligned:", ptr);
  if (len & 7u) return tidal_guest_fail_at("input: length not a multiple of 8:", len);
  if ((uint64_t)ptr + len > mem) return tidal_guest_fail("input: range outside memory");
  if (len < 8) return tidal_guest_fail("input: shorter than one header word");
  const uint64_t *hdr = (const uint64_t *)(uintptr_t)ptr;
  uint64_t w0 = hdr[0];
  if (w0 & 7u || w0 < 8 || w0 > len) return tidal_guest_fail_at("input: bad header word 0:", w0);
  uint32_t n = (uint32_t)(w0 / 8 - 1);
  if (n != plan->nslices)
    return tidal_guest_fail_at("input: slice count differs from schema, got", n);
  uint64_t start = w0;
  for (uint32_t k = 0; k < n; k++) {
    uint64_t end = hdr[k + 1];
    if (end < start || end > len) return tidal_guest_fail_at("input: bad end offset of slice", k);
    if ((end - start) % plan->elem[k])
      return tidal_guest_fail_at("input: slice length not a multiple of its element, slice", k);
    if (plan->role[k] == TIDAL_SLICE_BOOL_TAIL) {
      if (end - start != 16)
        return tidal_guest_fail_at("input: bool tail is not 2 words, slice", k);
      if (((const uint64_t *)(uintptr_t)(ptr + start))[1] >= 64)
        return tidal_guest_fail_at("input: bool tail bit count >= 64, slice", k);
    }
    start = tidal__round8(end);
  }
  b->base = (const uint8_t *)(uintptr_t)ptr;
  b->len = len;
  b->nslices = n;
  b->hdr = hdr;
  b->rows = 0;
  /* Row count of the first field. */
  uint32_t rows = 0;
  tidal_bytes s0 = n ? tidal_batch_slice(b, 0) : (tidal_bytes){0, 0};
  switch (plan->rows_rule) {
    case TIDAL_ROWS_VALUES: rows = s0.len / plan->elem[0]; break;
    case TIDAL_ROWS_BOUNDS: rows = s0.len / 8; break;
    case TIDAL_ROWS_UNIT:
      if (s0.len != 8) return tidal_guest_fail("input: unit count slice is not one word");
      if (*(const uint64_t *)(const void *)s0.ptr > UINT32_MAX)
        return tidal_guest_fail("input: unit count too large");
      rows = (uint32_t)*(const uint64_t *)(const void *)s0.ptr;
      break;
    case TIDAL_ROWS_BOOL:
    case TIDAL_ROWS_RANKSEL: {
      tidal_col_bool c;
      TIDAL_TRY(tidal_batch_bool(b, plan->rows_rule == TIDAL_ROWS_BOOL ? 0 : 1, &c));
      rows = c.n;
      break;
    }
    case TIDAL_ROWS_ENUM: {
      tidal_bytes var = tidal_batch_slice(b, plan->rows_aux);
      tidal_bytes off = tidal_batch_slice(b, plan->rows_aux + 1u);
      if (var.len) rows = var.len;
      else if (off.len == 16) {
        uint64_t cnt = ((const uint64_t *)(const void *)off.ptr)[1];
        if (cnt > UINT32_MAX) return tidal_guest_fail("input: enum count too large");
        rows = (uint32_t)cnt;
      } else if (off.len) return tidal_guest_fail("input: enum offset slice malformed");
      break;
    }
    default: break;
  }
  b->rows = rows;
  return 0;
}

/* ---- output ---- */

int64_t tidal_out_init(tidal_out *out, const tidal_plan *plan) {
  __builtin_memset(out, 0, sizeof *out);
  out->plan = plan;
  /* The header goes first so that slices reserved in order end up already in place. */
  out->hdr = (uint8_t *)tidal_arena_alloc(8u * (plan->nslices + 1u));
  if (!out->hdr) return tidal_guest_fail("output: out of memory");
  return 0;
}

int64_t tidal__out_grow(tidal_out *out, uint32_t k, uint32_t need) {
  tidal__buf *s = &out->s[k];
  if (k >= out->plan->nslices) return tidal_guest_fail_at("output: no slice", k);
  uint64_t want = (uint64_t)s->len + need;
  uint64_t cap = s->cap ? (uint64_t)s->cap * 2 : 64;
  if (cap < want) cap = want;
  if (cap > 0x7ffffff0u) {
    if (want > 0x7ffffff0u) return tidal_guest_fail("output: slice larger than 2 GiB");
    cap = want;
  }
  if (s->ptr && tidal__arena_extend(s->ptr, s->cap, (uint32_t)cap)) {
    s->cap = (uint32_t)tidal__round8(cap);
    return 0;
  }
  uint8_t *p = (uint8_t *)tidal_arena_alloc((uint32_t)cap);
  if (!p) return tidal_guest_fail("output: out of memory");
  if (s->len) __builtin_memcpy(p, s->ptr, s->len);
  s->ptr = p;
  s->cap = (uint32_t)tidal__round8(cap);
  return 0;
}

/** Produce the indexed encoding and the packed result (len << 32 | ptr), or a negative error.
 *  In place when the slices lie in order after the header (the usual case when each slice is
 *  reserved before the next one is written); otherwise slices are moved or copied once. */
int64_t tidal_out_finish(tidal_out *out) {
  const tidal_plan *pl = out->plan;
  uint32_t n = pl->nslices;
  /* Bool tails: written from the partial word tidal_out_push_bool kept with the words slice,
   * unless the body wrote the tail itself (e.g. copying a bool column through): then it must be
   * a valid tail. */
  for (uint32_t k = 1; k < n; k++) {
    if (pl->role[k] != TIDAL_SLICE_BOOL_TAIL) continue;
    if (out->s[k].len == 0) {
      uint64_t tail[2] = {out->s[k - 1].partial, out->s[k - 1].nbits};
      TIDAL_TRY(tidal_out_append(out, k, tail, 16));
    } else if (out->s[k].len != 16 || ((const uint64_t *)(const void *)out->s[k].ptr)[1] >= 64) {
      return tidal_guest_fail_at("output: bool tail must be 2 words, bit count < 64, slice", k);
    }
  }
  uint64_t total = 8u * (n + 1u);
  for (uint32_t k = 0; k < n; k++) {
    if (out->s[k].len % pl->elem[k])
      return tidal_guest_fail_at("output: slice length not a multiple of its element, slice", k);
    total = tidal__round8(total + out->s[k].len);
  }
  if (total > 0x7ffffff8u) return tidal_guest_fail("output: encoding larger than 2 GiB");
  /* In place if every slice starts at or after its final position and after the previous
   * slice's data (so moving slices down in order never overwrites one not yet moved), and the
   * whole range from the header up lies in the current arena chunk. */
  uint8_t *base = out->hdr;
  uint64_t pos = 8u * (n + 1u);
  uint8_t *prev_end = base + pos;
  int in_place = (uintptr_t)base >= tidal__h.chunk[tidal__h.cur].start &&
                 (uintptr_t)base + total <= tidal__h.top;
  for (uint32_t k = 0; k < n && in_place; k++) {
    const tidal__buf *s = &out->s[k];
    if (s->len) {
      if (s->ptr < base + pos || s->ptr < prev_end) in_place = 0;
      prev_end = s->ptr + s->len;
    }
    pos = tidal__round8(pos + s->len);
  }
  if (!in_place) {
    base = (uint8_t *)tidal_arena_alloc((uint32_t)total);
    if (!base) return tidal_guest_fail("output: out of memory");
  }
  uint64_t *hdr = (uint64_t *)(void *)base;
  pos = 8u * (n + 1u);
  hdr[0] = pos;
  for (uint32_t k = 0; k < n; k++) {
    tidal__buf *s = &out->s[k];
    if (s->len && s->ptr != base + pos) __builtin_memmove(base + pos, s->ptr, s->len);
    uint64_t end = pos + s->len;
    hdr[k + 1] = end;
    uint64_t padded = tidal__round8(end);
    if (padded > end) __builtin_memset(base + end, 0, (size_t)(padded - end));
    pos = padded;
  }
  return (int64_t)(((uint64_t)total << 32) | (uint32_t)(uintptr_t)base);
}

/* ---- registry, calls, exports ---- */

void tidal__register(tidal_op *op) {
  op->next = 0;
  *tidal__ops_tail = op;
  tidal__ops_tail = &op->next;
}

static void tidal__ctors(void) {
  if (tidal__h.ctors_done) return;
  tidal__h.ctors_done = 1;
  __wasm_call_ctors();
}

int64_t tidal__call(tidal_op *op, tidal_op_body body, int32_t ptr, int32_t len) {
  tidal_batch in;
  tidal_out out;
  int64_t r;
  tidal__ctors();
  tidal__heap_ready();
  if (op->state == 0) {
    op->state = tidal_plan_parse(&op->in_plan, op->in_schema) &&
                tidal_plan_parse(&op->out_plan, op->out_schema) ? 1 : -1;
  }
  if (op->state < 0) {
    r = tidal_guest_fail("operator schema does not parse (see tidal_describe)");
  } else if ((r = tidal_batch_view(&in, &op->in_plan, (uint32_t)ptr, (uint32_t)len)) >= 0 &&
             (r = tidal_out_init(&out, &op->out_plan)) >= 0) {
    tidal__err[0] = 0;
    r = body(&in, &out);
    if (r < 0 && !tidal__err[0]) tidal_guest_fail("operator failed without a message");
  }
  tidal__h.reset_pending = 1;
  return r < 0 ? -1 : r;
}

int32_t tidal__init_call(int32_t (*body)(const char *, uint32_t), int32_t ptr, int32_t len) {
  int32_t r;
  tidal__ctors();
  tidal__heap_ready();
  if ((uint64_t)(uint32_t)ptr + (uint32_t)len > tidal__mem_end()) {
    tidal_guest_fail("tidal_init: config range outside memory");
    r = 1;
  } else {
    r = body((const char *)(uintptr_t)(uint32_t)ptr, (uint32_t)len);
    if (r != 0 && !tidal__err[0]) tidal_guest_fail("tidal_init failed without a message");
  }
  tidal__h.reset_pending = 1;
  return r;
}

void tidal_abi_1(void);
TIDAL__EXPORT("tidal_abi_1") void tidal_abi_1(void) {}

int32_t tidal_alloc(int32_t size);
TIDAL__EXPORT("tidal_alloc") int32_t tidal_alloc(int32_t size) {
  tidal__ctors();
  if (tidal__h.reset_pending || !tidal__h.ready) {
    tidal__arena_reset();
    tidal__h.reset_pending = 0;
  }
  if (size < 0) return 0;
  return (int32_t)(uintptr_t)tidal_arena_alloc((uint32_t)size);
}

int32_t tidal_last_error(void);
TIDAL__EXPORT("tidal_last_error") int32_t tidal_last_error(void) {
  return (int32_t)(uintptr_t)tidal__err;
}

int32_t tidal_describe(void);
TIDAL__EXPORT("tidal_describe") int32_t tidal_describe(void) {
  static char *text;
  if (text) return (int32_t)(uintptr_t)text;
  tidal__ctors();
  uint32_t n = 1;
  for (tidal_op *op = tidal__ops_head; op; op = op->next)
    n += tidal__strlen(op->name) + tidal__strlen(op->in_schema) + tidal__strlen(op->out_schema) + 7;
  char *t = (char *)tidal_persist_alloc(n);
  if (!t) return 0;
  uint32_t i = 0;
  for (tidal_op *op = tidal__ops_head; op; op = op->next) {
    const char *parts[6] = {op->name, ": ", op->in_schema, " -> ", op->out_schema, "\n"};
    for (int j = 0; j < 6; j++)
      for (const char *c = parts[j]; *c; c++) t[i++] = *c;
  }
  t[i] = 0;
  text = t;
  return (int32_t)(uintptr_t)text;
}

#endif /* TIDAL_GUEST_NO_RUNTIME */
#endif /* TIDAL_GUEST_H */
