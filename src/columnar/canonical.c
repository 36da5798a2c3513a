/*
** canonical.c: tidal_view_check_canonical: does a (valid) view hold exactly the bytes the crate's
** writer would produce for its rows? tidal_view_init accepts some non-canonical forms that are
** safe to read (spec §4 asks only for values "within" their slices); this stricter check is for
** callers that compare or hash batches by their bytes.
**
** Invariant (what canonical means, beyond tidal_view_init's rules): every value slice is fully
** referenced (last string/vec bound = value count; every enum variant's column length = the
** number of elements of that variant), and every enum discriminant has the writer's form: empty
** for no elements, homogeneous [v+1, count] when all elements share variant v, otherwise
** heterogeneous with offset[i] = the number of earlier elements of the same variant. With
** these, bytes -> view -> push_rows -> encode is the identity.
*/
#include "columnar/columnar_int.h"

#include <stdlib.h>

typedef struct cctx {
  const tidal_batch_view *v;   /* the view */
  tidal_error *err;            /* detail */
  uint64_t *seen;              /* scratch: per-variant counters (TIDAL__MAX_VARIANTS) */
} cctx;

#define NONCANON(k, i, what)                                                                  \
  tidal_error_set(c->err, TIDAL_ECORRUPT, "slice %zu, element %llu: not canonical: %s",      \
                  (size_t)(k), (unsigned long long)(i), what)

static int canon(const cctx *c, const tidal_type *t);

static int bounds_full(const cctx *c, size_t k, uint64_t values) {
  const tidal_slice *b = &c->v->slices[k];
  uint64_t last = b->len ? tidal__u64_at(b, b->len - 1) : 0;
  if (last != values)
    return NONCANON(k, b->len ? b->len - 1 : 0, "the last bound leaves values unreferenced");
  return 0;
}

static int canon(const cctx *c, const tidal_type *t) {
  const tidal_batch_view *v = c->v;
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_STRING: return bounds_full(c, k, v->slices[k + 1].len);
  case TIDAL_KIND_VEC:
    TIDAL_RETURN_IF_ERROR(bounds_full(c, k, tidal__view_len(v, t->children[0])));
    return canon(c, t->children[0]);
  case TIDAL_KIND_OPTION:
  case TIDAL_KIND_RESULT:
  case TIDAL_KIND_TUPLE:
  case TIDAL_KIND_STRUCT:
    /* Lengths are already exact (tidal_view_init): only the children can be non-canonical. */
    for (uint32_t i = 0; i < t->nchildren; i++) TIDAL_RETURN_IF_ERROR(canon(c, t->children[i]));
    return 0;
  case TIDAL_KIND_ENUM: {
    size_t kv = k + t->nslices - 2, ko = kv + 1;
    const tidal_slice *var = &v->slices[kv], *off = &v->slices[ko];
    uint64_t *seen = c->seen + (size_t)t->depth * TIDAL__MAX_VARIANTS; /* one row per depth */
    memset(seen, 0, TIDAL__MAX_VARIANTS * sizeof *seen);
    if (var->len == 0 && off->len == 2) {
      seen[tidal__u64_at(off, 0) - 1] = tidal__u64_at(off, 1);
      if (seen[tidal__u64_at(off, 0) - 1] == 0) return NONCANON(ko, 1, "a homogeneous count of 0");
    } else if (var->len) {
      const uint8_t *tags = (const uint8_t *)var->data;
      bool mixed = false;
      for (size_t i = 0; i < var->len; i++) {
        if (tidal__u64_at(off, i) != seen[tags[i]])
          return NONCANON(ko, i, "offsets must count the earlier elements of the same variant");
        seen[tags[i]]++;
        mixed |= tags[i] != tags[0];
      }
      if (!mixed) return NONCANON(kv, 0, "one variant only: the writer uses the homogeneous form");
    }
    for (uint32_t i = 0; i < t->nchildren; i++) {
      if (tidal__view_len(v, t->children[i]) != seen[i])
        return NONCANON(t->children[i]->first_slice, 0,
                        "a variant's column is longer than the elements of that variant");
      TIDAL_RETURN_IF_ERROR(canon(c, t->children[i]));
    }
    return 0;
  }
  default: return 0; /* primitives, bool, unit, all-unit enums: nothing unreferenced possible */
  }
}

int tidal_view_check_canonical(const tidal_batch_view *v, tidal_error *err) {
  const tidal_schema *s = v->schema;
  const tidal_allocator *a = v->alloc ? v->alloc : tidal_default_allocator();
  size_t n = ((size_t)s->root->depth + 1) * TIDAL__MAX_VARIANTS * sizeof(uint64_t);
  uint64_t *seen = (uint64_t *)tidal__alloc(a, n);
  if (!seen) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory checking a batch");
  cctx c = {v, err, seen};
  int rc = canon(&c, s->root);
  tidal__free(a, seen, n);
  return rc;
}
