/*
** view.c: tidal_batch_view lifecycle and element counts of a view's columns.
**
** Invariant: v->slices points at v->inline_slices when the plan has at most 16 slices, else at an
** array from v->alloc of nslices entries; a view is never copied by value (its pointer would then
** name the original's inline array).
*/
#include "columnar/columnar_int.h"

int tidal__view_prepare(tidal_batch_view *v, const tidal_schema *s, const tidal_allocator *a) {
  a = tidal__allocator_or_default(a);
  memset(v, 0, sizeof *v);
  v->schema = s;
  v->nslices = s->nslices;
  v->alloc = a;
  if (s->nslices <= sizeof v->inline_slices / sizeof v->inline_slices[0]) {
    v->slices = v->inline_slices;
  } else {
    v->slices = (tidal_slice *)tidal__calloc(a, s->nslices * sizeof(tidal_slice));
    if (!v->slices) return TIDAL_ENOMEM;
  }
  return 0;
}

void tidal_view_reset(tidal_batch_view *v) {
  if (v->slices && v->slices != v->inline_slices && v->alloc)
    tidal__free(v->alloc, v->slices, v->nslices * sizeof(tidal_slice));
  memset(v, 0, sizeof *v);
}

uint64_t tidal__view_len(const tidal_batch_view *v, const tidal_type *t) {
  const tidal_slice *sl = v->slices;
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_BOOL: return (uint64_t)sl[k].len * 64 + tidal__u64_at(&sl[k + 1], 1);
  case TIDAL_KIND_UNIT: return tidal__u64_at(&sl[k], 0);
  case TIDAL_KIND_STRING:
  case TIDAL_KIND_VEC: return sl[k].len;
  case TIDAL_KIND_OPTION:
  case TIDAL_KIND_RESULT: return (uint64_t)sl[k + 1].len * 64 + tidal__u64_at(&sl[k + 2], 1);
  case TIDAL_KIND_TUPLE:
  case TIDAL_KIND_STRUCT: return tidal__view_len(v, t->children[0]);
  case TIDAL_KIND_ENUM: {
    size_t kv = k + t->nslices - 2;
    if (sl[kv].len) return sl[kv].len;
    return sl[kv + 1].len ? tidal__u64_at(&sl[kv + 1], 1) : 0;
  }
  default: return sl[k].len;
  }
}
