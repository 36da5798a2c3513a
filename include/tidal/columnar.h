/*
** tidal/columnar.h: schemas and columnar batches, byte-compatible with the Rust `columnar` crate
** 0.12+ (see docs/columnar.md and the spec columnar-format.md).
**
** A schema is a type tree parsed from text such as `{text: string, diff: i64}`; its *slice plan*
** is the fixed, data-independent list of primitive arrays ("slices") that hold a column of it.
** A builder appends rows into those slices; a view points into an encoded batch (or a builder's
** slices) without copying, after validation; a batch is an owned, reference-counted, immutable
** set of slices that can be handed between threads.
**
** Not thread-safe unless a function's doc says "Thread-safe:". Schemas and batches are immutable
** once made and may be read from many threads at once; their reference counts are C11 atomics.
** Every function taking a `tidal_error *err` accepts NULL there. Since: 0.1 for everything here.
*/
#ifndef TIDAL_COLUMNAR_H
#define TIDAL_COLUMNAR_H

#include "tidal/base.h"

#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/// \defgroup columnar Columnar schemas and batches
/// @{

/* ---- buffers ------------------------------------------------------------------------------ */

/// A growable byte buffer on caller storage (nanoarrow's ArrowBuffer). `data` is 16-aligned
/// (allocator contract), NULL while cap == 0. Grows only through the functions below, so a
/// caller never holds a stale copy of `data` across a call that may grow it.
typedef struct tidal_buffer {
  uint8_t *data;                 /* read-only: the bytes, owned by the buffer */
  size_t len;                    /* read-only: bytes in use */
  size_t cap;                    /* read-only: bytes allocated */
  const tidal_allocator *alloc;  /* private: where data came from */
} tidal_buffer;

/// Make `b` an empty buffer that will allocate from `a` (NULL: the default allocator).
/// Never fails. Ownership: `a` is borrowed and must outlive the buffer.
TIDAL_API void tidal_buffer_init(tidal_buffer *b, const tidal_allocator *a);
/// Free the bytes; `b` is then empty (and may be reused). Never fails.
TIDAL_API void tidal_buffer_reset(tidal_buffer *b);
/// Make room for `extra` more bytes (capacity at least doubles). Returns 0 or TIDAL_ENOMEM
/// (buffer unchanged). May move `data`.
TIDAL_API int tidal_buffer_reserve(tidal_buffer *b, size_t extra) TIDAL_CHECK_RESULT;
/// Append n bytes copied from p. Returns 0 or TIDAL_ENOMEM (buffer unchanged).
TIDAL_API int tidal_buffer_append(tidal_buffer *b, const void *p, size_t n) TIDAL_CHECK_RESULT;
/// Unchecked append: the caller reserved the room before (cap - len >= n). Never fails.
static inline void tidal_buffer_append_unsafe(tidal_buffer *b, const void *p, size_t n) {
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
}

/* ---- schemas ------------------------------------------------------------------------------ */

typedef enum tidal_kind {
  TIDAL_KIND_U8, TIDAL_KIND_U16, TIDAL_KIND_U32, TIDAL_KIND_U64,
  TIDAL_KIND_I8, TIDAL_KIND_I16, TIDAL_KIND_I32, TIDAL_KIND_I64,
  TIDAL_KIND_F32, TIDAL_KIND_F64, TIDAL_KIND_USIZE, TIDAL_KIND_ISIZE,
  TIDAL_KIND_CHAR, TIDAL_KIND_U128, TIDAL_KIND_I128, TIDAL_KIND_BOOL,
  TIDAL_KIND_UNIT, TIDAL_KIND_STRING,
  TIDAL_KIND_VEC,       /* 1 child */
  TIDAL_KIND_OPTION,    /* 1 child */
  TIDAL_KIND_RESULT,    /* 2 children: ok, err */
  TIDAL_KIND_TUPLE,     /* n children */
  TIDAL_KIND_STRUCT,    /* n named children */
  TIDAL_KIND_ENUM,      /* n variants, at least one carrying data; child i = variant i payload */
  TIDAL_KIND_UNIT_ENUM  /* n variants, all unit (children are NULL; names are the variants) */
} tidal_kind;

/* What one slice holds (for inspection, validation and JSON). */
typedef enum tidal_slice_role {
  TIDAL_SLICE_VALUES,      /* primitive values (width = element size) */
  TIDAL_SLICE_UNIT_COUNT,  /* unit: one u64 count */
  TIDAL_SLICE_BOUNDS,      /* string/vec end offsets, u64 */
  TIDAL_SLICE_BYTES,       /* string bytes, u8 */
  TIDAL_SLICE_BITS_WORDS,  /* bool / rank-select completed words, u64 */
  TIDAL_SLICE_BITS_TAIL,   /* bool / rank-select tail [partial, bits], u64 x 2 */
  TIDAL_SLICE_RS_COUNTS,   /* rank-select block counts, u64 */
  TIDAL_SLICE_VARIANT,     /* enum variant tags, u8 */
  TIDAL_SLICE_OFFSET,      /* enum offsets (or [v+1, count] when homogeneous), u64 */
  TIDAL_SLICE_UNIT_TAGS    /* all-unit enum tags, u8 */
} tidal_slice_role;

typedef struct tidal_schema tidal_schema;  /* opaque, immutable, reference-counted */
typedef struct tidal_type tidal_type;      /* a node of a schema's type tree, owned by it */

typedef struct tidal_slice_info {
  tidal_slice_role role;    /* read-only */
  uint32_t elem_size;       /* read-only: bytes per element (1, 2, 4, 8 or 16) */
  const tidal_type *owner;  /* read-only: the type node the slice belongs to */
} tidal_slice_info;

/// Parse schema text (grammar in docs/columnar.md; `()` is unit, `(T)` is T, `(T,)` a 1-tuple).
/// Returns 0 or TIDAL_ESCHEMA ("at byte N: expected X, found Y"), TIDAL_ENOMEM.
/// Ownership: `text` borrowed for the call; *out owned by the caller (tidal_schema_unref); on
/// error *out is NULL. `a` (NULL: default) is copied. Thread-safe: yes.
TIDAL_API int tidal_schema_parse(const char *text, size_t len, const tidal_allocator *a,
                                 tidal_schema **out /* OUT */, tidal_error *err) TIDAL_CHECK_RESULT;
/// Add a reference; returns s. Thread-safe: yes (atomic).
TIDAL_API tidal_schema *tidal_schema_ref(tidal_schema *s);
/// Drop a reference; the last one frees the schema. NULL ok. Thread-safe: yes (atomic).
TIDAL_API void tidal_schema_unref(tidal_schema *s);
/// The root of the type tree, borrowed from s. Thread-safe: yes.
TIDAL_API const tidal_type *tidal_schema_root(const tidal_schema *s);
/// Number of slices in the plan (>= 1). Thread-safe: yes.
TIDAL_API size_t tidal_schema_slice_count(const tidal_schema *s);
/// Slice k of the plan (NULL when k is out of range), borrowed from s. Thread-safe: yes.
TIDAL_API const tidal_slice_info *tidal_schema_slice(const tidal_schema *s, size_t k);
/// Canonical text (e.g. "(string, i64)"), NUL-terminated, borrowed from the schema.
/// Thread-safe: yes.
TIDAL_API const char *tidal_schema_text(const tidal_schema *s);
/// Structural equality (same slice plan and same names; = equal canonical texts).
/// Thread-safe: yes.
TIDAL_API bool tidal_schema_equal(const tidal_schema *a, const tidal_schema *b);

/// Type-tree accessors. All pointers are borrowed from the schema. Thread-safe: yes.
TIDAL_API tidal_kind tidal_type_kind(const tidal_type *t);
/// Children: fields, variants (ENUM: payload types; UNIT_ENUM: count of variants), 1 for
/// vec/option, 2 for result, 0 for primitives.
TIDAL_API size_t tidal_type_child_count(const tidal_type *t);
/// Child i, or NULL (out of range, or a UNIT_ENUM variant).
TIDAL_API const tidal_type *tidal_type_child(const tidal_type *t, size_t i);
/// Field name (struct) or variant name (enums); NULL for tuple fields.
TIDAL_API const char *tidal_type_child_name(const tidal_type *t, size_t i);
/// How an enum variant was declared (ENUM / UNIT_ENUM children): `A`, `B(i64)` / `C(u8, string)`,
/// or `D{x: i64}`. The payload child is the single field's type (one field) or a tuple / struct
/// of the fields (two or more). Added to the draft API.
typedef enum tidal_variant_shape {
  TIDAL_VARIANT_UNIT, TIDAL_VARIANT_TUPLE, TIDAL_VARIANT_NAMED
} tidal_variant_shape;
/// Shape of variant i (UNIT for non-enums or out of range). Added to the draft API.
TIDAL_API tidal_variant_shape tidal_type_variant_shape(const tidal_type *t, size_t i);
/// Number of declared fields of variant i (0 for a unit variant). Added to the draft API.
TIDAL_API size_t tidal_type_variant_field_count(const tidal_type *t, size_t i);
/// Name of field j of named variant i (NULL otherwise). Added to the draft API.
TIDAL_API const char *tidal_type_variant_field_name(const tidal_type *t, size_t i, size_t j);
/// Index of t's first slice in the schema's plan, and how many slices t (with its children) owns.
TIDAL_API size_t tidal_type_first_slice(const tidal_type *t);
TIDAL_API size_t tidal_type_slice_count(const tidal_type *t);

/* ---- views -------------------------------------------------------------------------------- */

typedef struct tidal_slice {
  const void *data;  /* read-only: borrowed, 8-aligned (or NULL when len == 0) */
  size_t len;        /* read-only: number of elements (not bytes) */
} tidal_slice;

/// A zero-copy view of one batch: a pointer per slice, borrowed from bytes the caller keeps alive.
/// Caller storage; release with tidal_view_reset. Do not copy a view by value (`slices` may point
/// into the view itself).
typedef struct tidal_batch_view {
  const tidal_schema *schema;  /* read-only, borrowed */
  size_t rows;                 /* read-only: number of records */
  size_t nslices;              /* read-only */
  tidal_slice *slices;         /* read-only: nslices entries */
  tidal_slice inline_slices[16]; /* private */
  const tidal_allocator *alloc;  /* private */
} tidal_batch_view;

/// Validate `len` bytes of indexed encoding and view them in place. Every rule of the spec §4 is
/// checked, structure and values (list in docs/columnar.md), before anything is indexed.
/// Returns 0, TIDAL_ECORRUPT (the slice index, byte offset and rule broken), TIDAL_EINVAL (bytes
/// not 8-aligned), TIDAL_ENOMEM (only for schemas of more than 16 slices). On error there is
/// nothing to reset. Ownership: bytes and s borrowed for the life of the view; `a` (NULL:
/// default) borrowed, must outlive the view. Thread-safe: yes for distinct views.
TIDAL_API int tidal_view_init(tidal_batch_view *v, const tidal_schema *s, const void *bytes,
                              size_t len, const tidal_allocator *a, tidal_error *err)
                              TIDAL_CHECK_RESULT;
/// Stricter than tidal_view_init (which accepts every form that is safe to read, as spec §4
/// asks): check that a valid view holds exactly the bytes the crate's writer would produce for its
/// rows (every value referenced; enum discriminants in the writer's empty / homogeneous /
/// heterogeneous form with offsets counting per variant). For callers that compare or hash
/// batches by bytes: canonical bytes -> view -> push_rows -> encode is the identity.
/// Returns 0, TIDAL_ECORRUPT ("slice K, element I: not canonical: ..."), TIDAL_ENOMEM.
/// Thread-safe: yes. Added to the draft API.
TIDAL_API int tidal_view_check_canonical(const tidal_batch_view *v, tidal_error *err)
              TIDAL_CHECK_RESULT;
/// Release what tidal_view_init / tidal_builder_view allocated; v is then zeroed. Never fails.
TIDAL_API void tidal_view_reset(tidal_batch_view *v);
/// Slice k (k < nslices; not checked). Cheap enough for inner loops.
static inline tidal_slice tidal_view_slice(const tidal_batch_view *v, size_t k) {
  return v->slices[k];
}
/// String i of the string column whose bounds slice is k (bytes slice k+1): a pointer into the
/// view's bytes (not NUL-terminated; UTF-8) and its length in *len. i < slices[k].len (not
/// checked). Borrowed for the life of the view.
static inline const char *tidal_view_str(const tidal_batch_view *v, size_t k, size_t i, size_t *len) {
  const uint64_t *bounds = (const uint64_t *)v->slices[k].data;
  uint64_t start = i ? bounds[i - 1] : 0;
  const char *bytes = (const char *)v->slices[k + 1].data; /* NULL when all strings are empty */
  *len = (size_t)(bounds[i] - start);
  return bytes ? bytes + start : "";
}

/* ---- builders ----------------------------------------------------------------------------- */

typedef struct tidal_builder tidal_builder;  /* opaque (but see tidal__builder_head) */

/* private: the first member of every tidal_builder, visible only so that the static inline fast
   paths below can reach the slice buffers. Not API: do not touch these fields. */
typedef struct tidal__builder_head {
  tidal_buffer *slices;  /* private: one buffer per slice of the schema's plan */
  size_t rows;           /* private: completed rows */
  int str_i64;           /* private: root is (string, i64) or a struct of that shape */
  int in_row;            /* private: a row is half pushed through the cursor */
} tidal__builder_head;

/// A new, empty builder for schema s. Returns 0 or TIDAL_ENOMEM (*out NULL).
/// Ownership: *out owned by the caller (tidal_builder_free); s is referenced (the caller may
/// unref its own reference); `a` (NULL: default) copied.
TIDAL_API int tidal_builder_new(const tidal_schema *s, const tidal_allocator *a, tidal_builder **out)
              TIDAL_CHECK_RESULT;
/// Free the builder and its slices. NULL ok.
TIDAL_API void tidal_builder_free(tidal_builder *b);
/// Drop all rows (and a half-pushed row), keep the capacity. Never fails.
TIDAL_API void tidal_builder_clear(tidal_builder *b);
/// Completed rows.
TIDAL_API size_t tidal_builder_rows(const tidal_builder *b);
/// Bytes held in slices (the sum of their lengths, without header or padding).
TIDAL_API size_t tidal_builder_bytes(const tidal_builder *b);
/// The builder's schema, borrowed from it.
TIDAL_API const tidal_schema *tidal_builder_schema(const tidal_builder *b);
/// Message of the last failed push (names the failure, the expected type and the path, e.g.
/// "schema mismatch at row.C.1: push_string (expected bool)"); "" if none. Borrowed until the
/// builder's next call. Added to the draft API (the push functions take no tidal_error).
TIDAL_API const char *tidal_builder_error(const tidal_builder *b);

/* Row by row through a cursor over the schema (pre-order). Tuples/structs: push fields in order.
   A row is complete when the cursor returns to the root. Every push returns 0, TIDAL_EMISMATCH
   (the value does not fit the cursor's type: see tidal_builder_error for the type and path),
   TIDAL_ERANGE (an integer too big for the column's width, a char that is not a Unicode scalar
   value, a variant index out of range) or TIDAL_ENOMEM. On any error the whole row being pushed
   is rolled back: the builder is as before the row's first push. Integers convert to the
   column's width (push_u64 also fills signed columns, push_i64 unsigned ones, when in range). */
/* u8..u64, usize, i*, u128 */
TIDAL_API int tidal_builder_push_u64(tidal_builder *b, uint64_t v) TIDAL_CHECK_RESULT;
/* i8..i64, isize, u*, i128 */
TIDAL_API int tidal_builder_push_i64(tidal_builder *b, int64_t v) TIDAL_CHECK_RESULT;
/* f32 (rounded), f64 */
TIDAL_API int tidal_builder_push_f64(tidal_builder *b, double v) TIDAL_CHECK_RESULT;
TIDAL_API int tidal_builder_push_bool(tidal_builder *b, bool v) TIDAL_CHECK_RESULT;
TIDAL_API int tidal_builder_push_char(tidal_builder *b, uint32_t scalar) TIDAL_CHECK_RESULT;
/* u128/i128 */
TIDAL_API int tidal_builder_push_u128(tidal_builder *b, uint64_t lo, uint64_t hi)
              TIDAL_CHECK_RESULT;
TIDAL_API int tidal_builder_push_unit(tidal_builder *b) TIDAL_CHECK_RESULT;
/// p[0..n) is copied; it must be UTF-8 (not checked here; tidal_view_init rejects non-UTF-8).
TIDAL_API int tidal_builder_push_string(tidal_builder *b, const char *p, size_t n)
              TIDAL_CHECK_RESULT;
/* then elements, then end_vec */
TIDAL_API int tidal_builder_begin_vec(tidal_builder *b) TIDAL_CHECK_RESULT;
/* EMISMATCH inside an element */
TIDAL_API int tidal_builder_end_vec(tidal_builder *b) TIDAL_CHECK_RESULT;
TIDAL_API int tidal_builder_push_none(tidal_builder *b) TIDAL_CHECK_RESULT;
/* then the value */
TIDAL_API int tidal_builder_begin_some(tidal_builder *b) TIDAL_CHECK_RESULT;
/* then the Ok value */
TIDAL_API int tidal_builder_begin_ok(tidal_builder *b) TIDAL_CHECK_RESULT;
/* then the Err value */
TIDAL_API int tidal_builder_begin_err(tidal_builder *b) TIDAL_CHECK_RESULT;
/// Start variant `index` of an enum (or all-unit enum), then push its payload: the single
/// field, or the fields in order. A unit variant is complete at once (no payload push).
TIDAL_API int tidal_builder_begin_variant(tidal_builder *b, uint32_t index) TIDAL_CHECK_RESULT;

/* Fast paths: direct slice access for hot loops; after appending whole rows directly, declare
   them with tidal_builder_add_rows. The common (string, i64) push is a static inline that costs
   a few ns. */
/// The buffer of slice k (NULL when out of range), borrowed from the builder until the next
/// tidal_batch_from_builder or tidal_builder_free (the pointer must not be kept across them).
/// Appending to it
/// directly is for flat schemas; the caller keeps every slice consistent and then calls
/// tidal_builder_add_rows. Do not append while a row is half pushed.
TIDAL_API tidal_buffer *tidal_builder_slice(tidal_builder *b, size_t k);
/// Declare n rows appended directly through tidal_builder_slice. Never fails.
TIDAL_API void tidal_builder_add_rows(tidal_builder *b, size_t n);
/* private: the out-of-line path of tidal_builder_push_str_i64 (growth, or another schema). */
TIDAL_API int tidal__builder_push_str_i64_slow(tidal_builder *b, const char *p, size_t n, int64_t v)
              TIDAL_CHECK_RESULT;
/// Append the row (p[0..n), v) to a builder whose schema is `(string, i64)` (or a struct of that
/// shape). Returns 0, TIDAL_ENOMEM (builder unchanged), TIDAL_EMISMATCH (other schema, or a row
/// half pushed). Ownership: p copied. p must be UTF-8 (not checked here).
static inline int tidal_builder_push_str_i64(tidal_builder *b, const char *p, size_t n, int64_t v) {
  tidal__builder_head *h = (tidal__builder_head *)b;
  tidal_buffer *s = h->slices;
  if (!h->str_i64 || h->in_row || s[0].cap - s[0].len < 8 || s[1].cap - s[1].len < n ||
      s[2].cap - s[2].len < 8)
    return tidal__builder_push_str_i64_slow(b, p, n, v);
  uint64_t end = (uint64_t)(s[1].len + n);
  memcpy(s[0].data + s[0].len, &end, 8);
  s[0].len += 8;
  if (n) memcpy(s[1].data + s[1].len, p, n);
  s[1].len += n;
  memcpy(s[2].data + s[2].len, &v, 8);
  s[2].len += 8;
  h->rows++;
  return 0;
}

/// Append row `row` of a view (same schema) / rows[0..n) of it, byte-identical to pushing the
/// same values one by one. Returns 0, TIDAL_EMISMATCH (other schema, or a row half pushed),
/// TIDAL_ERANGE (a row index >= v->rows; nothing appended), TIDAL_ENOMEM (the builder is as
/// before the call). Ownership: v and rows borrowed for the call.
TIDAL_API int tidal_builder_push_row(tidal_builder *b, const tidal_batch_view *v, size_t row)
              TIDAL_CHECK_RESULT;
TIDAL_API int tidal_builder_push_rows(tidal_builder *b, const tidal_batch_view *v,
                                      const uint32_t *rows, size_t n) TIDAL_CHECK_RESULT;

/// One JSON row (the spec's serde convention, docs/columnar.md). On error the builder is as
/// before the call. Returns 0, TIDAL_EJSON ("at byte N: expected X, found Y"), TIDAL_EMISMATCH
/// (a row is half pushed through the cursor), TIDAL_ENOMEM. Ownership: json borrowed for the call.
TIDAL_API int tidal_builder_push_json(tidal_builder *b, const char *json, size_t len, tidal_error *err)
              TIDAL_CHECK_RESULT;

/// Bytes of the indexed encoding of the rows so far.
TIDAL_API size_t tidal_builder_encoded_len(const tidal_builder *b);
/// Encode into caller memory (e.g. a WASM guest's): *len in: capacity, out: bytes written (or
/// needed, with TIDAL_ENOBUFS). dst should be 8-aligned for a zero-copy reader (any alignment
/// works: every store is a memcpy). A gather of memcpys. Never allocates.
TIDAL_API int tidal_builder_encode_into(const tidal_builder *b, void *dst, size_t *len)
              TIDAL_CHECK_RESULT;
/// Append the encoding to an owned buffer; if out->len is not a multiple of 8, zero bytes are
/// appended first so that the encoding starts 8-aligned. Returns 0 or TIDAL_ENOMEM (out unchanged
/// in content).
TIDAL_API int tidal_builder_encode(const tidal_builder *b, tidal_buffer *out) TIDAL_CHECK_RESULT;
/// View the builder's slices without encoding (trusted: no validation). Valid until the next
/// push/clear/free; reset it (tidal_view_reset) before freeing the builder. rows = completed
/// rows. Returns 0 or TIDAL_ENOMEM (schemas of more than 16 slices).
TIDAL_API int tidal_builder_view(const tidal_builder *b, tidal_batch_view *v) TIDAL_CHECK_RESULT;

/// Length of the longest valid UTF-8 prefix of p[0..n) (n when all of it is valid: the rule
/// tidal_view_init applies to string bytes). For producers of string columns from untrusted text
/// (files, sockets): push_string does not check. Never fails. Thread-safe: yes. Added to the
/// draft API.
TIDAL_API size_t tidal_utf8_check(const void *p, size_t n);

/* ---- JSON out ----------------------------------------------------------------------------- */
/// Append row `row` as one JSON value (no newline): round-trip exact (64/128-bit ints, escapes,
/// non-ASCII, NUL, floats with shortest repr that reads back to the same bits; NaN/inf as the
/// strings "NaN"/"inf"/"-inf"). Returns 0, TIDAL_ERANGE (row >= v->rows), TIDAL_ENOMEM (out
/// truncated back to its length at entry). Thread-safe: yes for distinct `out`.
TIDAL_API int tidal_view_row_json(const tidal_batch_view *v, size_t row, tidal_buffer *out)
              TIDAL_CHECK_RESULT;

/* ---- batches ------------------------------------------------------------------------------ */

typedef struct tidal_batch tidal_batch; /* opaque, immutable, reference-counted (atomic) */

/// Move the builder's rows into a new batch (no copy of the data); the builder is left empty and
/// reusable. Returns 0, TIDAL_ENOMEM (builder unchanged), TIDAL_EINVAL (a row is half pushed).
/// Ownership: *out owned by the caller (tidal_batch_unref).
TIDAL_API int tidal_batch_from_builder(tidal_builder *b, tidal_batch **out) TIDAL_CHECK_RESULT;
/// Validate and adopt `len` bytes (8-aligned). Takes ownership of bytes on every path:
/// release(ud, bytes, len) is called when the batch dies, or before returning an error (a NULL
/// release means the caller keeps the bytes alive longer than the batch). Returns 0,
/// TIDAL_ECORRUPT / TIDAL_EINVAL (as tidal_view_init), TIDAL_ENOMEM.
typedef void (*tidal_release_cb)(void *ud, void *bytes, size_t len);
TIDAL_API int tidal_batch_from_bytes(const tidal_schema *s, void *bytes, size_t len,
                                     tidal_release_cb release, void *ud,
                                     const tidal_allocator *a, tidal_batch **out, tidal_error *err)
                                     TIDAL_CHECK_RESULT;
/// Copy `len` untrusted bytes (any alignment) into an owned buffer, validate, wrap. Returns 0,
/// TIDAL_ECORRUPT, TIDAL_ENOMEM. Ownership: bytes borrowed for the call.
TIDAL_API int tidal_batch_copy_bytes(const tidal_schema *s, const void *bytes, size_t len,
                                     const tidal_allocator *a, tidal_batch **out, tidal_error *err)
                                     TIDAL_CHECK_RESULT;
/// The batch's (trusted) view, borrowed for the life of the batch. Thread-safe: yes.
TIDAL_API const tidal_batch_view *tidal_batch_view_of(const tidal_batch *b);
/// Rows / schema (borrowed). Thread-safe: yes.
TIDAL_API size_t tidal_batch_rows(const tidal_batch *b);
TIDAL_API const tidal_schema *tidal_batch_schema(const tidal_batch *b);
/// Add a reference; returns b. Thread-safe: yes (atomic).
TIDAL_API tidal_batch *tidal_batch_ref(tidal_batch *b);
/// Drop a reference; the last frees the batch (and releases adopted bytes). NULL ok.
/// Thread-safe: yes (atomic).
TIDAL_API void tidal_batch_unref(tidal_batch *b);
/// Encoded length / encode into caller memory / append the encoding (as the builder's).
/// Thread-safe: yes.
TIDAL_API size_t tidal_batch_encoded_len(const tidal_batch *b);
TIDAL_API int tidal_batch_encode_into(const tidal_batch *b, void *dst, size_t *len)
              TIDAL_CHECK_RESULT;
TIDAL_API int tidal_batch_encode(const tidal_batch *b, tidal_buffer *out) TIDAL_CHECK_RESULT;

/// @}
#ifdef __cplusplus
}
#endif
#endif
