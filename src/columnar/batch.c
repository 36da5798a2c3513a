/*
** batch.c: tidal_batch, an owned, immutable, reference-counted set of slices (from a builder's
** buffers, or from validated bytes), safe to hand between threads.
**
** Invariant: a batch never changes after it is made; `refs` (C11 atomic) counts its owners; the
** storage behind view.slices (the moved builder buffers, or the bytes with their release
** callback, or an owned aligned copy) lives exactly until the last unref.
*/
#include "columnar/columnar_int.h"

#include <stdio.h>

/* Shared between threads: `refs` is atomic; every other field is immutable after creation. */
struct tidal_batch {
  atomic_size_t refs;          /* owners (C11 atomic; the last unref frees) */
  tidal_allocator alloc;       /* a copy of the allocator of this struct and its storage */
  tidal_schema *schema;        /* a reference */
  tidal_batch_view view;       /* the slices, trusted */
  tidal_buffer *bufs;          /* from_builder: the moved slice buffers (schema->nslices) */
  void *bytes;                 /* from_bytes: the adopted bytes */
  size_t len;                  /* their length */
  tidal_release_cb release;    /* their release (NULL: `bytes` is an owned copy from alloc) */
  void *ud;                    /* passed to release */
};

static tidal_batch *batch_alloc(const tidal_schema *s, const tidal_allocator *a) {
  tidal_batch *b = (tidal_batch *)tidal__calloc(a, sizeof *b);
  if (!b) return NULL;
  atomic_init(&b->refs, 1);
  b->alloc = *a;
  b->schema = tidal_schema_ref((tidal_schema *)s);
  return b;
}

static void batch_destroy(tidal_batch *b) {
  tidal_schema *s = b->schema;
  tidal_view_reset(&b->view);
  if (b->bufs) {
    tidal__builder_free_slices(s, b->bufs);
    tidal__free(&b->alloc, b->bufs, s->nslices * sizeof(tidal_buffer));
  }
  if (b->bytes) {
    if (b->release) b->release(b->ud, b->bytes, b->len);
    else tidal__free(&b->alloc, b->bytes, b->len);
  }
  tidal_allocator a = b->alloc;
  tidal__free(&a, b, sizeof *b);
  tidal_schema_unref(s);
}

int tidal_batch_from_builder(tidal_builder *bl, tidal_batch **out) {
  *out = NULL;
  const tidal_schema *s = bl->schema;
  if (bl->h.in_row) {
    snprintf(bl->errmsg, sizeof bl->errmsg, "batch_from_builder: a row is half pushed");
    return TIDAL_EINVAL;
  }
  tidal_batch *b = batch_alloc(s, &bl->alloc);
  if (!b) return TIDAL_ENOMEM;
  /* Everything that can fail happens before the builder is touched. */
  tidal_buffer *fresh = (tidal_buffer *)tidal__calloc(&bl->alloc, s->nslices * sizeof(tidal_buffer));
  if (!fresh || tidal__builder_init_slices(s, fresh, &bl->alloc) < 0 ||
      tidal__view_prepare(&b->view, s, &b->alloc) < 0) {
    if (fresh) tidal__free(&bl->alloc, fresh, s->nslices * sizeof(tidal_buffer));
    batch_destroy(b);
    return TIDAL_ENOMEM;
  }
  b->bufs = bl->h.slices;
  bl->h.slices = fresh;
  for (size_t k = 0; k < s->nslices; k++) {
    b->bufs[k].alloc = &b->alloc;
    b->view.slices[k].data = b->bufs[k].len ? b->bufs[k].data : NULL;
    b->view.slices[k].len = b->bufs[k].len / s->slices[k].elem_size;
  }
  b->view.rows = bl->h.rows;
  bl->h.rows = 0;
  bl->depth = 0;
  bl->cur = s->root;
  *out = b;
  return 0;
}

int tidal_batch_from_bytes(const tidal_schema *s, void *bytes, size_t len, tidal_release_cb release,
                           void *ud, const tidal_allocator *a, tidal_batch **out, tidal_error *err) {
  *out = NULL;
  a = tidal__allocator_or_default(a);
  tidal_batch *b = batch_alloc(s, a);
  if (!b) {
    if (release) release(ud, bytes, len);
    return tidal_error_set(err, TIDAL_ENOMEM, "out of memory adopting a batch");
  }
  b->bytes = bytes;
  b->len = len;
  b->release = release;
  b->ud = ud;
  if (!release) b->bytes = NULL; /* nothing to release: the caller keeps them alive */
  int rc = tidal_view_init(&b->view, s, bytes, len, &b->alloc, err);
  if (rc < 0) {
    batch_destroy(b);
    return rc;
  }
  *out = b;
  return 0;
}

int tidal_batch_copy_bytes(const tidal_schema *s, const void *bytes, size_t len,
                           const tidal_allocator *a, tidal_batch **out, tidal_error *err) {
  *out = NULL;
  a = tidal__allocator_or_default(a);
  tidal_batch *b = batch_alloc(s, a);
  if (!b) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory copying a batch");
  if (len) {
    b->bytes = tidal__alloc(a, len);
    if (!b->bytes) {
      batch_destroy(b);
      return tidal_error_set(err, TIDAL_ENOMEM, "out of memory copying %zu bytes", len);
    }
    memcpy(b->bytes, bytes, len);
    b->len = len;
  }
  int rc = tidal_view_init(&b->view, s, b->bytes, len, &b->alloc, err);
  if (rc < 0) {
    batch_destroy(b);
    return rc;
  }
  *out = b;
  return 0;
}

const tidal_batch_view *tidal_batch_view_of(const tidal_batch *b) { return &b->view; }
size_t tidal_batch_rows(const tidal_batch *b) { return b->view.rows; }
const tidal_schema *tidal_batch_schema(const tidal_batch *b) { return b->schema; }

tidal_batch *tidal_batch_ref(tidal_batch *b) {
  atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return b;
}

void tidal_batch_unref(tidal_batch *b) {
  if (!b) return;
  if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) batch_destroy(b);
}
