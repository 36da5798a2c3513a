/*
** builder.c: the builder object and its writers: the functions that append one element's worth of
** data to the slice buffers following the crate's writer rules exactly (bool tails, rank-select
** block counts, enum homogeneous -> heterogeneous switch, unit counts, bounds).
**
** Invariants:
** - In-place slices keep their fixed form (see columnar_int.h); a bool tail is [partial, bits]
**   with bits < 64, and a word moves to `words` the moment it has 64 bits.
** - counts of a rank-select vector gains counts[j] (ones among the first 1024(j+1) bits) right
**   after the push completing block j.
** - A writer that fails may leave a partial row; every caller rolls back to the row snapshot
**   (tidal__builder_rollback), which restores slice lengths and the in-place words.
*/
#include "columnar/columnar_int.h"

#include <stdio.h>

static inline uint64_t *words(const tidal_builder *b, size_t k) {
  return (uint64_t *)b->h.slices[k].data;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

int tidal__builder_init_slices(const tidal_schema *s, tidal_buffer *bufs, const tidal_allocator *a) {
  static const uint64_t zeros[2] = {0, 0};
  for (size_t k = 0; k < s->nslices; k++) tidal_buffer_init(&bufs[k], a);
  for (size_t k = 0; k < s->nslices; k++) {
    tidal_slice_role r = s->slices[k].role;
    size_t n = r == TIDAL_SLICE_BITS_TAIL ? 16 : r == TIDAL_SLICE_UNIT_COUNT ? 8 : 0;
    if (n && tidal__append(&bufs[k], zeros, n) < 0) {
      tidal__builder_free_slices(s, bufs);
      return TIDAL_ENOMEM;
    }
  }
  return 0;
}

void tidal__builder_free_slices(const tidal_schema *s, tidal_buffer *bufs) {
  for (size_t k = 0; k < s->nslices; k++) tidal_buffer_reset(&bufs[k]);
}

int tidal_builder_new(const tidal_schema *s, const tidal_allocator *a, tidal_builder **out) {
  *out = NULL;
  a = tidal__allocator_or_default(a);
  tidal_builder *b = (tidal_builder *)tidal__calloc(a, sizeof *b);
  if (!b) return TIDAL_ENOMEM;
  b->alloc = *a;
  b->nslices = s->nslices;
  b->h.slices = (tidal_buffer *)tidal__calloc(a, s->nslices * sizeof(tidal_buffer));
  b->snap_len = (size_t *)tidal__calloc(a, s->nslices * sizeof(size_t));
  b->snap_words = (uint64_t *)tidal__calloc(a, (2 * s->ninplace + 1) * sizeof(uint64_t));
  b->stack = (tidal__frame *)tidal__calloc(a, (s->root->depth + 1) * sizeof(tidal__frame));
  if (!b->h.slices || !b->snap_len || !b->snap_words || !b->stack ||
      tidal__builder_init_slices(s, b->h.slices, &b->alloc) < 0) {
    tidal__free(a, b->h.slices, s->nslices * sizeof(tidal_buffer));
    tidal__free(a, b->snap_len, s->nslices * sizeof(size_t));
    tidal__free(a, b->snap_words, (2 * s->ninplace + 1) * sizeof(uint64_t));
    tidal__free(a, b->stack, (s->root->depth + 1) * sizeof(tidal__frame));
    tidal__free(a, b, sizeof *b);
    return TIDAL_ENOMEM;
  }
  b->schema = tidal_schema_ref((tidal_schema *)s);
  b->h.str_i64 = s->str_i64;
  b->cur = s->root;
  tidal_buffer_init(&b->scratch, &b->alloc);
  *out = b;
  return 0;
}

void tidal_builder_free(tidal_builder *b) {
  if (!b) return;
  tidal_schema *s = b->schema;
  tidal_allocator a = b->alloc;
  tidal__builder_free_slices(s, b->h.slices);
  tidal_buffer_reset(&b->scratch);
  tidal__free(&a, b->h.slices, s->nslices * sizeof(tidal_buffer));
  tidal__free(&a, b->snap_len, s->nslices * sizeof(size_t));
  tidal__free(&a, b->snap_words, (2 * s->ninplace + 1) * sizeof(uint64_t));
  tidal__free(&a, b->stack, (s->root->depth + 1) * sizeof(tidal__frame));
  tidal__free(&a, b, sizeof *b);
  tidal_schema_unref(s);
}

void tidal_builder_clear(tidal_builder *b) {
  const tidal_schema *s = b->schema;
  for (size_t k = 0; k < s->nslices; k++) b->h.slices[k].len = 0;
  for (size_t j = 0; j < s->ninplace; j++) {
    size_t k = s->inplace[j];
    tidal_slice_role r = s->slices[k].role;
    size_t n = r == TIDAL_SLICE_BITS_TAIL ? 16 : r == TIDAL_SLICE_UNIT_COUNT ? 8 : 0;
    if (n) {
      memset(b->h.slices[k].data, 0, n);
      b->h.slices[k].len = n;
    }
  }
  b->h.rows = 0;
  b->h.in_row = 0;
  b->depth = 0;
  b->cur = s->root;
}

size_t tidal_builder_rows(const tidal_builder *b) { return b->h.rows; }
const tidal_schema *tidal_builder_schema(const tidal_builder *b) { return b->schema; }
const char *tidal_builder_error(const tidal_builder *b) { return b->errmsg; }

size_t tidal_builder_bytes(const tidal_builder *b) {
  size_t n = 0;
  for (size_t k = 0; k < b->nslices; k++) n += b->h.slices[k].len;
  return n;
}

tidal_buffer *tidal_builder_slice(tidal_builder *b, size_t k) {
  return k < b->nslices ? &b->h.slices[k] : NULL;
}

void tidal_builder_add_rows(tidal_builder *b, size_t n) { b->h.rows += n; }

int tidal__builder_push_str_i64_slow(tidal_builder *b, const char *p, size_t n, int64_t v) {
  if (!b->h.str_i64 || b->h.in_row) {
    snprintf(b->errmsg, sizeof b->errmsg, "push_str_i64: schema %s is not (string, i64)%s",
             b->schema->text, b->h.in_row ? " or a row is half pushed" : "");
    return TIDAL_EMISMATCH;
  }
  tidal_buffer *s = b->h.slices;
  if (tidal_buffer_reserve(&s[0], 8) < 0 || tidal_buffer_reserve(&s[1], n) < 0 ||
      tidal_buffer_reserve(&s[2], 8) < 0) {
    snprintf(b->errmsg, sizeof b->errmsg, "push_str_i64: out of memory");
    return TIDAL_ENOMEM;
  }
  return tidal_builder_push_str_i64(b, p, n, v);
}

/* ---- snapshot / rollback -------------------------------------------------------------------- */

void tidal__builder_snapshot(tidal_builder *b) {
  const tidal_schema *s = b->schema;
  for (size_t k = 0; k < s->nslices; k++) b->snap_len[k] = b->h.slices[k].len;
  for (size_t j = 0; j < s->ninplace; j++) {
    const tidal_buffer *buf = &b->h.slices[s->inplace[j]];
    if (buf->len >= 16) memcpy(&b->snap_words[2 * j], buf->data, 16);
    else if (buf->len) memcpy(&b->snap_words[2 * j], buf->data, 8);
  }
  b->snap_rows = b->h.rows;
}

void tidal__builder_rollback(tidal_builder *b) {
  const tidal_schema *s = b->schema;
  for (size_t k = 0; k < s->nslices; k++) b->h.slices[k].len = b->snap_len[k];
  for (size_t j = 0; j < s->ninplace; j++) {
    tidal_buffer *buf = &b->h.slices[s->inplace[j]];
    if (buf->len >= 16) memcpy(buf->data, &b->snap_words[2 * j], 16);
    else if (buf->len) memcpy(buf->data, &b->snap_words[2 * j], 8);
  }
  b->h.rows = b->snap_rows;
  b->h.in_row = 0;
  b->depth = 0;
  b->cur = s->root;
}

/* ---- lengths -------------------------------------------------------------------------------- */

uint64_t tidal__builder_len(const tidal_builder *b, const tidal_type *t) {
  const tidal_buffer *sl = b->h.slices;
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_BOOL: return sl[k].len / 8 * 64 + words(b, k + 1)[1];
  case TIDAL_KIND_UNIT: return words(b, k)[0];
  case TIDAL_KIND_STRING:
  case TIDAL_KIND_VEC: return sl[k].len / 8;
  case TIDAL_KIND_OPTION:
  case TIDAL_KIND_RESULT: return sl[k + 1].len / 8 * 64 + words(b, k + 2)[1];
  case TIDAL_KIND_TUPLE:
  case TIDAL_KIND_STRUCT: return tidal__builder_len(b, t->children[0]);
  case TIDAL_KIND_ENUM: {
    size_t kv = k + t->nslices - 2;
    if (sl[kv].len) return sl[kv].len;
    return sl[kv + 1].len ? words(b, kv + 1)[1] : 0;
  }
  case TIDAL_KIND_UNIT_ENUM: return sl[k].len;
  default: return sl[k].len / t->elem_size;
  }
}

/* ---- writers -------------------------------------------------------------------------------- */

int tidal__w_fixed(tidal_builder *b, size_t k, const void *p, size_t n) {
  return tidal__append(&b->h.slices[k], p, n);
}

int tidal__w_bound(tidal_builder *b, size_t k, uint64_t end) {
  return tidal__append(&b->h.slices[k], &end, 8);
}

int tidal__w_unit(tidal_builder *b, size_t k) {
  words(b, k)[0]++;
  return 0;
}

int tidal__w_bit(tidal_builder *b, size_t kw, bool bit) {
  uint64_t *tail = words(b, kw + 1);
  if (tail[1] == 63) TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(&b->h.slices[kw], 8));
  tail = words(b, kw + 1);
  tail[0] |= (uint64_t)bit << tail[1];
  if (++tail[1] == 64) {
    tidal_buffer_append_unsafe(&b->h.slices[kw], &tail[0], 8);
    tail[0] = 0;
    tail[1] = 0;
  }
  return 0;
}

int tidal__w_rs(tidal_builder *b, size_t kc, bool bit) {
  TIDAL_RETURN_IF_ERROR(tidal__w_bit(b, kc + 1, bit));
  const tidal_buffer *w = &b->h.slices[kc + 1];
  size_t nw = w->len / 8;
  if (words(b, kc + 2)[1] == 0 && nw % 16 == 0 && nw / 16 > b->h.slices[kc].len / 8) {
    /* This push completed block nw/16 - 1: append the cumulative count of ones. */
    const tidal_buffer *c = &b->h.slices[kc];
    uint64_t ones = c->len ? words(b, kc)[c->len / 8 - 1] : 0;
    const uint64_t *ww = (const uint64_t *)w->data;
    for (size_t j = nw - 16; j < nw; j++) ones += tidal__popcount(ww[j]);
    return tidal__append(&b->h.slices[kc], &ones, 8);
  }
  return 0;
}

int tidal__w_variant(tidal_builder *b, const tidal_type *t, uint32_t v) {
  if (t->kind == TIDAL_KIND_UNIT_ENUM) {
    uint8_t tag = (uint8_t)v;
    return tidal__append(&b->h.slices[t->first_slice], &tag, 1);
  }
  size_t kv = t->first_slice + t->nslices - 2, ko = kv + 1;
  tidal_buffer *var = &b->h.slices[kv], *off = &b->h.slices[ko];
  uint64_t at = tidal__builder_len(b, t->children[v]);
  uint8_t tag = (uint8_t)v;
  if (off->len == 0) {
    uint64_t hom[2] = {(uint64_t)v + 1, 1};
    return tidal__append(off, hom, 16);
  }
  if (var->len == 0) {
    uint64_t *hom = (uint64_t *)off->data;
    if (hom[0] == (uint64_t)v + 1) {
      hom[1]++;
      return 0;
    }
    /* A second variant: expand the homogeneous prefix into variant = [v'; n], offset = 0..n-1. */
    uint64_t prev = hom[0] - 1, n = hom[1];
    TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(var, (size_t)n + 1));
    TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(off, (size_t)(n + 1) * 8 - off->len));
    memset(var->data, (int)prev, (size_t)n);
    var->len = (size_t)n;
    uint64_t *o = (uint64_t *)off->data;
    for (uint64_t i = 0; i < n; i++) o[i] = i;
    off->len = (size_t)n * 8;
  }
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(var, 1));
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(off, 8));
  tidal_buffer_append_unsafe(var, &tag, 1);
  tidal_buffer_append_unsafe(off, &at, 8);
  return 0;
}

int tidal__w_uint(tidal_builder *b, const tidal_type *t, uint64_t v) {
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_U8: case TIDAL_KIND_U16: case TIDAL_KIND_U32: case TIDAL_KIND_U64:
  case TIDAL_KIND_USIZE: {
    unsigned bits = t->elem_size * 8;
    if (bits < 64 && v >> bits) return TIDAL_ERANGE;
    return tidal__w_fixed(b, k, &v, t->elem_size); /* little-endian: the low bytes */
  }
  case TIDAL_KIND_I8: case TIDAL_KIND_I16: case TIDAL_KIND_I32: case TIDAL_KIND_I64:
  case TIDAL_KIND_ISIZE: {
    unsigned bits = t->elem_size * 8;
    if (v > (UINT64_MAX >> (65 - bits))) return TIDAL_ERANGE;
    return tidal__w_fixed(b, k, &v, t->elem_size);
  }
  case TIDAL_KIND_U128: case TIDAL_KIND_I128: return tidal__w_u128(b, t, v, 0);
  default: return TIDAL_EMISMATCH;
  }
}

int tidal__w_int(tidal_builder *b, const tidal_type *t, int64_t v) {
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_I8: case TIDAL_KIND_I16: case TIDAL_KIND_I32: case TIDAL_KIND_I64:
  case TIDAL_KIND_ISIZE: {
    unsigned bits = t->elem_size * 8;
    if (bits < 64) {
      int64_t lim = (int64_t)1 << (bits - 1);
      if (v < -lim || v >= lim) return TIDAL_ERANGE;
    }
    return tidal__w_fixed(b, k, &v, t->elem_size);
  }
  case TIDAL_KIND_I128: return tidal__w_u128(b, t, (uint64_t)v, v < 0 ? UINT64_MAX : 0);
  case TIDAL_KIND_U8: case TIDAL_KIND_U16: case TIDAL_KIND_U32: case TIDAL_KIND_U64:
  case TIDAL_KIND_USIZE: case TIDAL_KIND_U128:
    return v < 0 ? TIDAL_ERANGE : tidal__w_uint(b, t, (uint64_t)v);
  default: return TIDAL_EMISMATCH;
  }
}

int tidal__w_u128(tidal_builder *b, const tidal_type *t, uint64_t lo, uint64_t hi) {
  if (t->kind != TIDAL_KIND_U128 && t->kind != TIDAL_KIND_I128) return TIDAL_EMISMATCH;
  uint64_t v[2] = {lo, hi};
  return tidal__w_fixed(b, t->first_slice, v, 16);
}

int tidal__w_float(tidal_builder *b, const tidal_type *t, double v) {
  if (t->kind == TIDAL_KIND_F64) return tidal__w_fixed(b, t->first_slice, &v, 8);
  if (t->kind == TIDAL_KIND_F32) {
    float f = (float)v;
    return tidal__w_fixed(b, t->first_slice, &f, 4);
  }
  return TIDAL_EMISMATCH;
}

int tidal__w_string(tidal_builder *b, const tidal_type *t, const char *p, size_t n) {
  if (t->kind != TIDAL_KIND_STRING) return TIDAL_EMISMATCH;
  size_t k = t->first_slice;
  TIDAL_RETURN_IF_ERROR(tidal__append(&b->h.slices[k + 1], p, n));
  return tidal__w_bound(b, k, b->h.slices[k + 1].len);
}

bool tidal__valid_scalar(uint32_t c) { return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF); }

int tidal__w_char(tidal_builder *b, const tidal_type *t, uint32_t c) {
  if (t->kind != TIDAL_KIND_CHAR) return TIDAL_EMISMATCH;
  if (!tidal__valid_scalar(c)) return TIDAL_ERANGE;
  return tidal__w_fixed(b, t->first_slice, &c, 4);
}

/* ---- trusted view of the builder ------------------------------------------------------------ */

int tidal_builder_view(const tidal_builder *b, tidal_batch_view *v) {
  const tidal_schema *s = b->schema;
  TIDAL_RETURN_IF_ERROR(tidal__view_prepare(v, s, &b->alloc));
  for (size_t k = 0; k < s->nslices; k++) {
    v->slices[k].data = b->h.slices[k].len ? b->h.slices[k].data : NULL;
    v->slices[k].len = b->h.slices[k].len / s->slices[k].elem_size;
  }
  v->rows = b->h.rows;
  return 0;
}
