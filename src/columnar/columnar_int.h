/*
** columnar_int.h: the internals of the columnar module: the type tree, the schema, the builder and
** the batch, and the helpers shared by their files. Not API; only src/columnar/ includes this.
**
** Invariants:
** - A schema is immutable after tidal_schema_parse returns; every node, name and array of it lives
**   in the schema's arena and dies with its last reference.
** - Every type node t owns the slices [t->first_slice, t->first_slice + t->nslices) of the plan,
**   in the order of the spec (§2); the plan depends only on the type, never on data.
** - A builder holds one tidal_buffer per slice. "In-place" slices (bool / rank-select tails, unit
**   counts, enum offsets) are never shorter than their fixed form: a tail is always 16 bytes, a
**   unit count always 8 bytes; an enum offset slice is empty, [v+1, count] or one u64 per element.
*/
#ifndef TIDAL_COLUMNAR_INT_H
#define TIDAL_COLUMNAR_INT_H

#include "tidal/columnar.h"
#include "base/base.h"

#include <stdatomic.h>

/* Deepest nesting a schema may have (bounds every recursion over a type tree). */
#define TIDAL__SCHEMA_MAX_DEPTH 64
/* At most this many variants in an enum (the tag is a u8). */
#define TIDAL__MAX_VARIANTS 256

/* A node of the type tree. */
struct tidal_type {
  tidal_kind kind;           /* what this node is */
  uint32_t nchildren;        /* fields, variants, or 1 (vec/option) / 2 (result) */
  tidal_type **children;     /* nchildren nodes (UNIT_ENUM: NULL; ENUM: the payload types) */
  const char **names;        /* STRUCT field names / enum variant names; NULL otherwise */
  uint8_t *shapes;           /* enums: tidal_variant_shape of each variant; NULL otherwise */
  uint32_t *nfields;         /* enums: declared field count of each variant */
  const char **vname1;       /* enums: the field name of a named one-field variant, else NULL */
  size_t first_slice;        /* index of this node's first slice in the plan */
  size_t nslices;            /* how many slices this node (and its children) own */
  uint32_t elem_size;        /* primitives: bytes per value; 0 otherwise */
  uint32_t depth;            /* 1 for a leaf; 1 + max child depth otherwise */
};

/* One block of the schema's arena. */
typedef struct tidal__arena_block {
  struct tidal__arena_block *next;  /* older block */
  size_t size;                      /* bytes of this block, header included */
  size_t used;                      /* bytes handed out, header included */
} tidal__arena_block;

/* Shared between threads: `refs` is atomic; every other field is immutable after parse. */
struct tidal_schema {
  atomic_size_t refs;           /* references; the last unref frees (C11 atomic) */
  tidal_allocator alloc;        /* a copy of the allocator everything came from */
  tidal__arena_block *arena;    /* newest block of the arena holding the tree */
  tidal_type *root;             /* the type tree */
  size_t nslices;               /* slices in the plan */
  tidal_slice_info *slices;     /* the plan, nslices entries (in the arena) */
  char *text;                   /* canonical text, NUL-terminated (in the arena) */
  size_t ninplace;              /* slices whose content is rewritten in place */
  uint32_t *inplace;            /* their indices (tails, unit counts, enum offsets) */
  int str_i64;                  /* root is a 2-field tuple/struct (string, i64) */
};

/* Arena allocation inside a schema under construction; NULL on OOM. Zeroed, 16-aligned. */
void *tidal__arena_alloc(tidal_schema *s, size_t n);
/* Build the slice plan, canonical text and helper tables of a parsed tree. */
int tidal__schema_finish(tidal_schema *s);
/* Free the arena (and the schema struct itself). */
void tidal__schema_destroy(tidal_schema *s);
/* Parse into the arena of s; sets s->root. */
int tidal__schema_parse_tree(tidal_schema *s, const char *text, size_t len, tidal_error *err);
/* A short name for a kind ("u64", "vec", ...). */
const char *tidal__kind_name(tidal_kind k);

/* Append with the capacity check inline (the common case); growth goes out of line. */
static inline int tidal__append(tidal_buffer *b, const void *p, size_t n) {
  if (TIDAL_LIKELY(b->cap - b->len >= n)) {
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
  }
  return tidal_buffer_append(b, p, n);
}

/* Population count without a libgcc call (no -mpopcnt in portable builds). */
static inline uint64_t tidal__popcount(uint64_t x) {
  x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
  x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
  x = (x + (x >> 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
  return (x * UINT64_C(0x0101010101010101)) >> 56;
}

/* ---- builder ------------------------------------------------------------------------------- */

/* A frame of the row cursor: a composite node being filled. */
typedef struct tidal__frame {
  const tidal_type *t;  /* the composite node */
  uint32_t idx;         /* tuple/struct: next field */
  uint64_t count;       /* vec: elements pushed so far */
} tidal__frame;

struct tidal_builder {
  tidal__builder_head h;         /* first: the inline fast paths reach it (see columnar.h) */
  tidal_allocator alloc;         /* a copy of the allocator (buffers point at it) */
  tidal_schema *schema;          /* a reference */
  size_t nslices;                /* = schema->nslices */
  size_t *snap_len;              /* slice lengths at the start of the current row */
  uint64_t *snap_words;          /* first 2 words of each in-place slice at the row start */
  size_t snap_rows;              /* rows at the snapshot */
  tidal__frame *stack;           /* cursor frames, depth of the schema entries */
  size_t depth;                  /* frames in use */
  const tidal_type *cur;         /* the node the next push fills */
  tidal_buffer scratch;          /* JSON: decoded keys and numbers */
  char errmsg[256];              /* last push failure */
};

/* The buffers of a fresh builder: in-place slices at their empty form. ENOMEM. */
int tidal__builder_init_slices(const tidal_schema *s, tidal_buffer *bufs, const tidal_allocator *a);
void tidal__builder_free_slices(const tidal_schema *s, tidal_buffer *bufs);
/* Row snapshot / rollback (see builder.c). */
void tidal__builder_snapshot(tidal_builder *b);
void tidal__builder_rollback(tidal_builder *b);
/* The element count of t's column in the builder. */
uint64_t tidal__builder_len(const tidal_builder *b, const tidal_type *t);
/* Writers: append one element's discriminant/bit; ENOMEM leaves partial state (roll back). */
int tidal__w_bit(tidal_builder *b, size_t kwords, bool bit);
int tidal__w_rs(tidal_builder *b, size_t kcounts, bool bit);
int tidal__w_variant(tidal_builder *b, const tidal_type *t, uint32_t v);
int tidal__w_unit(tidal_builder *b, size_t k);
int tidal__w_bound(tidal_builder *b, size_t k, uint64_t end);
int tidal__w_fixed(tidal_builder *b, size_t k, const void *p, size_t n);
/* Append a primitive number converted to the node's kind; ERANGE when it does not fit. */
int tidal__w_uint(tidal_builder *b, const tidal_type *t, uint64_t v);
int tidal__w_int(tidal_builder *b, const tidal_type *t, int64_t v);
int tidal__w_u128(tidal_builder *b, const tidal_type *t, uint64_t lo, uint64_t hi);
int tidal__w_float(tidal_builder *b, const tidal_type *t, double v);
int tidal__w_string(tidal_builder *b, const tidal_type *t, const char *p, size_t n);
int tidal__w_char(tidal_builder *b, const tidal_type *t, uint32_t c);
bool tidal__valid_scalar(uint32_t c);

/* ---- views --------------------------------------------------------------------------------- */

/* Prepare v's slice array for s (inline or allocated). ENOMEM. */
int tidal__view_prepare(tidal_batch_view *v, const tidal_schema *s, const tidal_allocator *a);
/* Validate the values of a structurally sound view; base = start of the encoding (messages). */
int tidal__view_validate(const tidal_batch_view *v, const void *base, tidal_error *err);

static inline uint64_t tidal__u64_at(const tidal_slice *s, size_t i) {
  uint64_t x;
  memcpy(&x, (const uint8_t *)s->data + 8 * i, 8);
  return x;
}

/* Number of 1 bits among the first i bits of a bool column (words slice kw, tail kw+1). */
static inline uint64_t tidal__popcount_prefix(const tidal_batch_view *v, size_t kw, uint64_t from_word,
                                              uint64_t i) {
  const uint64_t *w = (const uint64_t *)v->slices[kw].data;
  uint64_t nw = v->slices[kw].len, r = 0, wi = i / 64;
  for (uint64_t j = from_word; j < wi; j++) r += tidal__popcount(w[j]);
  uint64_t word = wi < nw ? w[wi] : tidal__u64_at(&v->slices[kw + 1], 0);
  uint64_t bits = i % 64;
  if (bits) r += tidal__popcount(word & ((UINT64_C(1) << bits) - 1));
  return r;
}

/* Bit i of a bool column (words slice kw, tail kw+1). */
static inline bool tidal__bit(const tidal_batch_view *v, size_t kw, uint64_t i) {
  uint64_t wi = i / 64;
  uint64_t word = wi < v->slices[kw].len ? ((const uint64_t *)v->slices[kw].data)[wi]
                                         : tidal__u64_at(&v->slices[kw + 1], 0);
  return (word >> (i % 64)) & 1;
}

/* rank(i) of the rank-select vector whose counts slice is kc (words kc+1, tail kc+2). */
static inline uint64_t tidal__rank(const tidal_batch_view *v, size_t kc, uint64_t i) {
  uint64_t block = i / 1024, base = 0;
  if (block > 0) base = ((const uint64_t *)v->slices[kc].data)[block - 1];
  return base + tidal__popcount_prefix(v, kc + 1, block * 16, i);
}

/* Variant and in-variant index of element i of an ENUM column. */
static inline void tidal__enum_at(const tidal_batch_view *v, const tidal_type *t, uint64_t i,
                                  uint32_t *variant, uint64_t *index) {
  size_t kv = t->first_slice + t->nslices - 2;
  if (v->slices[kv].len == 0) {
    *variant = (uint32_t)(tidal__u64_at(&v->slices[kv + 1], 0) - 1);
    *index = i;
  } else {
    *variant = ((const uint8_t *)v->slices[kv].data)[i];
    *index = ((const uint64_t *)v->slices[kv + 1].data)[i];
  }
}

/* Element range [*s, *e) of element i of a bounds slice k. */
static inline void tidal__bounds_at(const tidal_batch_view *v, size_t k, uint64_t i, uint64_t *s,
                                    uint64_t *e) {
  const uint64_t *b = (const uint64_t *)v->slices[k].data;
  *s = i ? b[i - 1] : 0;
  *e = b[i];
}

/* Byte `off` of slice k (a valid pointer even when the slice is empty and NULL). */
static inline const uint8_t *tidal__bytes_at(const tidal_batch_view *v, size_t k, uint64_t off) {
  const uint8_t *d = (const uint8_t *)v->slices[k].data;
  return d ? d + off : (const uint8_t *)"";
}

/* The element count of t's column in a (valid) view. */
uint64_t tidal__view_len(const tidal_batch_view *v, const tidal_type *t);


#endif /* TIDAL_COLUMNAR_INT_H */
