/*
** validate.c: tidal_view_init: check untrusted bytes of the indexed encoding against a schema,
** structure first (spec §4), then every value that will later be used as an index, and only then
** hand out a view.
**
** Invariant: after tidal_view_init returns 0, every accessor in columnar_int.h (bounds_at, rank,
** enum_at, bit, view_len) and tidal_view_row_json / tidal_builder_push_row stay in bounds for
** every row < v->rows. Rules enforced (also listed in docs/columnar.md):
**   S1 length multiple of 8, bytes 8-aligned      S2 word 0 = 8·(n+1) with n = schema slices
**   S3 each end offset >= its padded start, <= len S4 slice bytes multiple of the element size
**   S5 padding bytes zero, nothing after the last  S6 unit count: exactly 1 word
**   S7 bool / rank-select tail: exactly 2 words
**   V1 tail bits < 64, no bit set above them       V2 counts = one per full 1024-bit block, exact
**   V3 bounds non-decreasing, last <= value count  V4 option/result payload counts = ones/zeros
**   V5 tuple/struct fields of equal length         V6 enum: homogeneous [v+1, count] with v in
**      range and count = len of v's column; heterogeneous: offset len = variant len, variant <
**      number of variants, offset < len of that variant's column (any in-range offset accepted)
**   V7 unit-enum tags in range                     V8 char: Unicode scalar values
**   V9 string bytes valid UTF-8, each bound on a character boundary
**   V10 unit counts <= 2^32-1 (the only length that costs no bytes)
*/
#include "columnar/columnar_int.h"

typedef struct vctx {
  const tidal_batch_view *v;  /* the view being checked */
  const uint8_t *base;        /* start of the encoding */
  tidal_error *err;           /* detail */
} vctx;

/* Byte offset of element i of slice k in the encoding. */
static size_t at(const vctx *c, size_t k, uint64_t i) {
  uint64_t start;
  memcpy(&start, c->base + 8 * k, 8);
  if (k) start = tidal__round8(start);
  return (size_t)(start + i * c->v->schema->slices[k].elem_size);
}

#define BAD(k, i, ...)                                                                       \
  tidal_error_set(c->err, TIDAL_ECORRUPT, "slice %zu at byte %zu: %s", (size_t)(k),         \
                  at(c, (k), (i)), __VA_ARGS__)

static const uint64_t *u64s(const vctx *c, size_t k) {
  return (const uint64_t *)c->v->slices[k].data;
}

/* V1: a bool column (words kw, tail kw+1); its length and number of ones. */
static int bits(const vctx *c, size_t kw, uint64_t *len, uint64_t *ones) {
  uint64_t partial = tidal__u64_at(&c->v->slices[kw + 1], 0);
  uint64_t nbits = tidal__u64_at(&c->v->slices[kw + 1], 1);
  if (nbits >= 64) return BAD(kw + 1, 1, "bool tail claims 64 or more bits in the partial word");
  if (partial >> nbits) return BAD(kw + 1, 0, "bool tail has bits set above its bit count");
  size_t nw = c->v->slices[kw].len;
  *len = (uint64_t)nw * 64 + nbits;
  if (ones) {
    const uint64_t *w = u64s(c, kw);
    uint64_t n = tidal__popcount(partial);
    for (size_t j = 0; j < nw; j++) n += tidal__popcount(w[j]);
    *ones = n;
  }
  return 0;
}

/* V2: the rank-select counts (kc) against the words (kc+1). */
static int rs(const vctx *c, size_t kc, uint64_t *len, uint64_t *ones) {
  TIDAL_RETURN_IF_ERROR(bits(c, kc + 1, len, ones));
  size_t nw = c->v->slices[kc + 1].len, nb = c->v->slices[kc].len;
  if (nb != nw / 16)
    return BAD(kc, 0, "rank-select counts: one per complete 1024-bit block expected");
  const uint64_t *w = u64s(c, kc + 1), *cnt = u64s(c, kc);
  uint64_t acc = 0;
  for (size_t j = 0; j < nb; j++) {
    for (size_t q = 16 * j; q < 16 * j + 16; q++) acc += tidal__popcount(w[q]);
    if (cnt[j] != acc) return BAD(kc, j, "rank-select count differs from the bits");
  }
  return 0;
}

/* V3: a bounds slice k, non-decreasing, its last value <= limit. */
static int bounds(const vctx *c, size_t k, uint64_t limit) {
  const uint64_t *b = u64s(c, k);
  size_t n = c->v->slices[k].len;
  uint64_t prev = 0;
  size_t i = 0;
  /* Blocks of 32 without an early exit (branch-free, vectorizable); a block with a decrease is
     rescanned below to report the first one. */
  for (; i + 32 <= n; i += 32) {
    uint64_t dec = b[i] < prev;
    for (size_t j = i + 1; j < i + 32; j++) dec |= b[j] < b[j - 1];
    if (dec) break;
    prev = b[i + 31];
  }
  for (; i < n; i++) {
    if (b[i] < prev) return BAD(k, i, "bounds decrease");
    prev = b[i];
  }
  if (prev > limit) return BAD(k, n - 1, "bound beyond the end of its values");
  return 0;
}

/* Whether any of the 32 bytes at p has bit 7 set (four 8-byte loads OR-ed: one test). */
static inline bool any_high32(const uint8_t *p) {
  uint64_t a, b, c, d;
  memcpy(&a, p, 8);
  memcpy(&b, p + 8, 8);
  memcpy(&c, p + 16, 8);
  memcpy(&d, p + 24, 8);
  return ((a | b | c | d) & UINT64_C(0x8080808080808080)) != 0;
}

/* Index of the first byte that starts an invalid UTF-8 sequence, or n when all is valid.
   *ascii is set to whether all n bytes are ASCII. ASCII runs are skipped 32, then 8 bytes at a
   time (word-count text is almost all ASCII). */
static size_t utf8_check(const uint8_t *s, size_t n, bool *ascii) {
  size_t i = 0;
  bool all = true;
  *ascii = false;
  while (i < n) {
    while (i + 32 <= n && !any_high32(s + i)) i += 32;
    if (i == n) break;
    if (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (!(w & UINT64_C(0x8080808080808080))) {
        i += 8;
        continue;
      }
    }
    uint8_t b = s[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    all = false;
    size_t need;
    uint32_t cp, min;
    if ((b & 0xE0) == 0xC0) need = 1, cp = b & 0x1F, min = 0x80;
    else if ((b & 0xF0) == 0xE0) need = 2, cp = b & 0x0F, min = 0x800;
    else if ((b & 0xF8) == 0xF0) need = 3, cp = b & 0x07, min = 0x10000;
    else return i;
    if (i + need >= n) return i;
    for (size_t j = 1; j <= need; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += need + 1;
  }
  *ascii = all;
  return n;
}

static int validate(const vctx *c, const tidal_type *t, uint64_t *len);

static int child_len(const vctx *c, const tidal_type *t, uint32_t i, uint64_t *len) {
  return validate(c, t->children[i], len);
}

static int validate(const vctx *c, const tidal_type *t, uint64_t *len) {
  const tidal_slice *sl = c->v->slices;
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_BOOL: return bits(c, k, len, NULL);
  case TIDAL_KIND_UNIT:
    /* A unit count costs no bytes, so it is the one length a tiny hostile batch can inflate:
       cap it (row indexes are u32 in push_rows; real batches are ~1 MiB). */
    *len = tidal__u64_at(&sl[k], 0);
    if (*len > UINT32_MAX) return BAD(k, 0, "unit count above 2^32-1");
    return 0;
  case TIDAL_KIND_CHAR: {
    const uint32_t *p = (const uint32_t *)sl[k].data;
    for (size_t i = 0; i < sl[k].len; i++)
      if (!tidal__valid_scalar(p[i])) return BAD(k, i, "char is not a Unicode scalar value");
    *len = sl[k].len;
    return 0;
  }
  case TIDAL_KIND_STRING: {
    const uint8_t *bytes = (const uint8_t *)sl[k + 1].data;
    size_t nb = sl[k + 1].len;
    TIDAL_RETURN_IF_ERROR(bounds(c, k, nb));
    bool ascii;
    size_t bad = utf8_check(bytes, nb, &ascii);
    if (bad != nb) return BAD(k + 1, bad, "string bytes are not valid UTF-8");
    /* All ASCII: every byte starts a character, so no bound can split one. */
    const uint64_t *b = u64s(c, k);
    for (size_t i = 0; i < sl[k].len && !ascii; i++)
      if (b[i] < nb && (bytes[b[i]] & 0xC0) == 0x80)
        return BAD(k, i, "string bound splits a UTF-8 character");
    *len = sl[k].len;
    return 0;
  }
  case TIDAL_KIND_VEC: {
    uint64_t cl;
    TIDAL_RETURN_IF_ERROR(child_len(c, t, 0, &cl));
    TIDAL_RETURN_IF_ERROR(bounds(c, k, cl));
    *len = sl[k].len;
    return 0;
  }
  case TIDAL_KIND_OPTION: {
    uint64_t ones, cl;
    TIDAL_RETURN_IF_ERROR(rs(c, k, len, &ones));
    TIDAL_RETURN_IF_ERROR(child_len(c, t, 0, &cl));
    if (cl != ones)
      return BAD(t->children[0]->first_slice, 0, "option: Some values differ from the 1 bits");
    return 0;
  }
  case TIDAL_KIND_RESULT: {
    uint64_t ones, ok, er;
    TIDAL_RETURN_IF_ERROR(rs(c, k, len, &ones));
    TIDAL_RETURN_IF_ERROR(child_len(c, t, 0, &ok));
    TIDAL_RETURN_IF_ERROR(child_len(c, t, 1, &er));
    if (ok != ones)
      return BAD(t->children[0]->first_slice, 0, "result: Ok values differ from the 1 bits");
    if (er != *len - ones)
      return BAD(t->children[1]->first_slice, 0, "result: Err values differ from the 0 bits");
    return 0;
  }
  case TIDAL_KIND_TUPLE:
  case TIDAL_KIND_STRUCT: {
    TIDAL_RETURN_IF_ERROR(child_len(c, t, 0, len));
    for (uint32_t i = 1; i < t->nchildren; i++) {
      uint64_t l;
      TIDAL_RETURN_IF_ERROR(child_len(c, t, i, &l));
      if (l != *len)
        return BAD(t->children[i]->first_slice, 0, "tuple/struct fields of different lengths");
    }
    return 0;
  }
  case TIDAL_KIND_ENUM: {
    uint64_t lens[TIDAL__MAX_VARIANTS];
    for (uint32_t i = 0; i < t->nchildren; i++) TIDAL_RETURN_IF_ERROR(child_len(c, t, i, &lens[i]));
    size_t kv = k + t->nslices - 2, ko = kv + 1;
    const uint64_t *o = u64s(c, ko);
    if (sl[kv].len == 0) {
      if (sl[ko].len == 0) {
        *len = 0;
        return 0;
      }
      if (sl[ko].len != 2)
        return BAD(ko, 0, "enum offsets: without variant tags, must be empty or [v+1, count]");
      if (o[0] == 0 || o[0] > t->nchildren) return BAD(ko, 0, "enum: variant out of range");
      if (o[1] != lens[o[0] - 1])
        return BAD(ko, 1, "enum: homogeneous count differs from the variant's column length");
      *len = o[1];
      return 0;
    }
    if (sl[ko].len != sl[kv].len) return BAD(ko, 0, "enum: offsets and variants differ in length");
    const uint8_t *var = (const uint8_t *)sl[kv].data;
    for (size_t i = 0; i < sl[kv].len; i++) {
      if (var[i] >= t->nchildren) return BAD(kv, i, "enum: variant out of range");
      if (o[i] >= lens[var[i]]) return BAD(ko, i, "enum: offset beyond its variant's column");
    }
    *len = sl[kv].len;
    return 0;
  }
  case TIDAL_KIND_UNIT_ENUM: {
    const uint8_t *tags = (const uint8_t *)sl[k].data;
    for (size_t i = 0; i < sl[k].len; i++)
      if (tags[i] >= t->nchildren) return BAD(k, i, "enum: variant out of range");
    *len = sl[k].len;
    return 0;
  }
  default: *len = sl[k].len; return 0;
  }
}

int tidal__view_validate(const tidal_batch_view *v, const void *base, tidal_error *err) {
  vctx c = {v, (const uint8_t *)base, err};
  uint64_t rows;
  TIDAL_RETURN_IF_ERROR(validate(&c, v->schema->root, &rows));
  ((tidal_batch_view *)v)->rows = (size_t)rows;
  return 0;
}

int tidal_view_init(tidal_batch_view *v, const tidal_schema *s, const void *bytes, size_t len,
                    const tidal_allocator *a, tidal_error *err) {
  memset(v, 0, sizeof *v);
  const uint8_t *p = (const uint8_t *)bytes;
  if (len && ((uintptr_t)bytes & 7))
    return tidal_error_set(err, TIDAL_EINVAL, "encoded bytes must be 8-byte aligned");
  if (len % 8)
    return tidal_error_set(err, TIDAL_ECORRUPT, "length %zu is not a multiple of 8", len);
  if (len < 8) return tidal_error_set(err, TIDAL_ECORRUPT, "%zu bytes: no header word", len);
  uint64_t w0;
  memcpy(&w0, p, 8);
  size_t n = s->nslices;
  if (w0 % 8 || w0 < 16)
    return tidal_error_set(err, TIDAL_ECORRUPT,
                           "header word 0 is %llu: not 8 times a slice count plus one",
                           (unsigned long long)w0);
  if (w0 > len)
    return tidal_error_set(err, TIDAL_ECORRUPT, "header of %llu bytes does not fit in %zu bytes",
                           (unsigned long long)w0, len);
  if (w0 / 8 - 1 != n)
    return tidal_error_set(err, TIDAL_ECORRUPT, "%llu slices in the header, schema %s has %zu",
                           (unsigned long long)(w0 / 8 - 1), s->text, n);
  TIDAL_RETURN_IF_ERROR(tidal__view_prepare(v, s, a));
  uint64_t start = w0;
  int rc = 0;
  for (size_t k = 0; k < n && rc == 0; k++) {
    uint64_t end;
    memcpy(&end, p + 8 * (k + 1), 8);
    uint32_t es = s->slices[k].elem_size;
    tidal_slice_role role = s->slices[k].role;
    if (end < start)
      rc = tidal_error_set(err, TIDAL_ECORRUPT, "slice %zu: ends at byte %llu, before its start %llu",
                           k, (unsigned long long)end, (unsigned long long)start);
    else if (end > len)
      rc = tidal_error_set(err, TIDAL_ECORRUPT, "slice %zu: ends at byte %llu, beyond the %zu bytes",
                           k, (unsigned long long)end, len);
    else if ((end - start) % es)
      rc = tidal_error_set(err, TIDAL_ECORRUPT,
                           "slice %zu at byte %llu: %llu bytes, not a multiple of the element size %u",
                           k, (unsigned long long)start, (unsigned long long)(end - start), es);
    else if (role == TIDAL_SLICE_UNIT_COUNT && end - start != 8)
      rc = tidal_error_set(err, TIDAL_ECORRUPT,
                           "slice %zu at byte %llu: a unit count must be exactly one u64", k,
                           (unsigned long long)start);
    else if (role == TIDAL_SLICE_BITS_TAIL && end - start != 16)
      rc = tidal_error_set(err, TIDAL_ECORRUPT,
                           "slice %zu at byte %llu: a bool tail must be exactly two u64", k,
                           (unsigned long long)start);
    if (rc) break;
    v->slices[k].data = end > start ? p + start : NULL;
    v->slices[k].len = (size_t)((end - start) / es);
    uint64_t next = tidal__round8(end);
    for (uint64_t q = end; q < next; q++)
      if (p[q])
        rc = tidal_error_set(err, TIDAL_ECORRUPT, "slice %zu at byte %llu: padding byte not zero",
                             k, (unsigned long long)q);
    start = next;
  }
  if (rc == 0 && start != len)
    rc = tidal_error_set(err, TIDAL_ECORRUPT, "%llu trailing bytes after the last slice (at %llu)",
                         (unsigned long long)(len - start), (unsigned long long)start);
  if (rc == 0) rc = tidal__view_validate(v, bytes, err);
  if (rc < 0) tidal_view_reset(v);
  return rc;
}

size_t tidal_utf8_check(const void *p, size_t n) {
  bool ascii;
  return utf8_check((const uint8_t *)p, n, &ascii);
}
