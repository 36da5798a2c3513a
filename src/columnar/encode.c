/*
** encode.c: the indexed wire format (spec §4) as a gather of memcpys, from a builder or a batch.
**
** Invariant: the output is 8·(n+1) header bytes (word 0 = 8·(n+1), word k+1 = end of slice k,
** unpadded) followed by each slice zero-padded to a multiple of 8; its length is exactly
** tidal_builder_encoded_len / tidal_batch_encoded_len.
*/
#include "columnar/columnar_int.h"

/* Where the bytes of slice k come from. */
typedef struct src {
  const void *p;  /* bytes (NULL when n == 0) */
  size_t n;       /* byte length */
} src;

typedef src (*get_fn)(const void *obj, size_t k);

static src from_builder(const void *obj, size_t k) {
  const tidal_builder *b = (const tidal_builder *)obj;
  src r = {b->h.slices[k].data, b->h.slices[k].len};
  return r;
}

static src from_view(const void *obj, size_t k) {
  const tidal_batch_view *v = (const tidal_batch_view *)obj;
  src r = {v->slices[k].data, v->slices[k].len * v->schema->slices[k].elem_size};
  return r;
}

static size_t enc_len(const void *obj, size_t n, get_fn get) {
  size_t total = 8 * (n + 1);
  for (size_t k = 0; k < n; k++) total += tidal__round8(get(obj, k).n);
  return total;
}

static int enc_into(const void *obj, size_t n, get_fn get, void *dst, size_t *len) {
  size_t need = enc_len(obj, n, get);
  if (*len < need) {
    *len = need;
    return TIDAL_ENOBUFS;
  }
  /* Every store is a memcpy: any alignment works; readers want 8 for a zero-copy view. */
  uint8_t *out = (uint8_t *)dst;
  uint64_t pos = 8 * (n + 1);
  memcpy(out, &pos, 8);
  for (size_t k = 0; k < n; k++) {
    src s = get(obj, k);
    if (s.n) memcpy(out + pos, s.p, s.n);
    uint64_t end = pos + s.n;
    memcpy(out + 8 * (k + 1), &end, 8);
    size_t padded = tidal__round8(s.n);
    if (padded > s.n) memset(out + end, 0, padded - s.n);
    pos += padded;
  }
  *len = need;
  return 0;
}

static int enc_append(const void *obj, size_t n, get_fn get, tidal_buffer *out) {
  size_t need = enc_len(obj, n, get);
  /* The buffer's data is 16-aligned, but len may not be a multiple of 8: pad it first. */
  size_t pad = tidal__round8(out->len) - out->len;
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(out, pad + need));
  memset(out->data + out->len, 0, pad);
  out->len += pad;
  size_t len = need;
  int rc = enc_into(obj, n, get, out->data + out->len, &len);
  if (rc == 0) out->len += len;
  return rc;
}

size_t tidal_builder_encoded_len(const tidal_builder *b) {
  return enc_len(b, b->nslices, from_builder);
}
int tidal_builder_encode_into(const tidal_builder *b, void *dst, size_t *len) {
  return enc_into(b, b->nslices, from_builder, dst, len);
}
int tidal_builder_encode(const tidal_builder *b, tidal_buffer *out) {
  return enc_append(b, b->nslices, from_builder, out);
}

size_t tidal_batch_encoded_len(const tidal_batch *b) {
  const tidal_batch_view *v = tidal_batch_view_of(b);
  return enc_len(v, v->nslices, from_view);
}
int tidal_batch_encode_into(const tidal_batch *b, void *dst, size_t *len) {
  const tidal_batch_view *v = tidal_batch_view_of(b);
  return enc_into(v, v->nslices, from_view, dst, len);
}
int tidal_batch_encode(const tidal_batch *b, tidal_buffer *out) {
  const tidal_batch_view *v = tidal_batch_view_of(b);
  return enc_append(v, v->nslices, from_view, out);
}
