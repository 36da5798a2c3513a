/*
** builder_copy.c: append rows of a view to a builder of the same schema (the exchange uses this
** to partition a batch by key).
**
** Invariant: the copy goes through the same writers as every other push, so the builder's bytes
** are exactly those the crate would write for the same rows (enum forms, counts, tails). On
** failure (out of memory) the builder is rolled back to its state before the call.
*/
#include "columnar/columnar_int.h"

#include <stdio.h>

static int copy(tidal_builder *b, const tidal_batch_view *v, const tidal_type *t, uint64_t i) {
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_BOOL: return tidal__w_bit(b, k, tidal__bit(v, k, i));
  case TIDAL_KIND_UNIT: return tidal__w_unit(b, k);
  case TIDAL_KIND_STRING: {
    uint64_t s, e;
    tidal__bounds_at(v, k, i, &s, &e);
    return tidal__w_string(b, t, (const char *)tidal__bytes_at(v, k + 1, s), (size_t)(e - s));
  }
  case TIDAL_KIND_VEC: {
    uint64_t s, e;
    tidal__bounds_at(v, k, i, &s, &e);
    for (uint64_t j = s; j < e; j++) TIDAL_RETURN_IF_ERROR(copy(b, v, t->children[0], j));
    return tidal__w_bound(b, k, tidal__builder_len(b, t->children[0]));
  }
  case TIDAL_KIND_OPTION: {
    bool bit = tidal__bit(v, k + 1, i);
    TIDAL_RETURN_IF_ERROR(tidal__w_rs(b, k, bit));
    return bit ? copy(b, v, t->children[0], tidal__rank(v, k, i)) : 0;
  }
  case TIDAL_KIND_RESULT: {
    bool bit = tidal__bit(v, k + 1, i);
    uint64_t r = tidal__rank(v, k, i);
    TIDAL_RETURN_IF_ERROR(tidal__w_rs(b, k, bit));
    return bit ? copy(b, v, t->children[0], r) : copy(b, v, t->children[1], i - r);
  }
  case TIDAL_KIND_TUPLE:
  case TIDAL_KIND_STRUCT:
    for (uint32_t c = 0; c < t->nchildren; c++) TIDAL_RETURN_IF_ERROR(copy(b, v, t->children[c], i));
    return 0;
  case TIDAL_KIND_ENUM: {
    uint32_t var;
    uint64_t idx;
    tidal__enum_at(v, t, i, &var, &idx);
    TIDAL_RETURN_IF_ERROR(tidal__w_variant(b, t, var));
    return copy(b, v, t->children[var], idx);
  }
  case TIDAL_KIND_UNIT_ENUM:
    return tidal__w_variant(b, t, ((const uint8_t *)v->slices[k].data)[i]);
  default:
    return tidal__w_fixed(b, k, (const uint8_t *)v->slices[k].data + i * t->elem_size, t->elem_size);
  }
}

/* Flat schemas (a primitive, a string, or a tuple/struct of those): the fields' columns. */
static bool flat_field(const tidal_type *t) { return t->elem_size > 0 || t->kind == TIDAL_KIND_STRING; }

static bool is_flat(const tidal_type *root) {
  if (flat_field(root)) return true;
  if (root->kind != TIDAL_KIND_TUPLE && root->kind != TIDAL_KIND_STRUCT) return false;
  for (uint32_t i = 0; i < root->nchildren; i++)
    if (!flat_field(root->children[i])) return false;
  return true;
}

/* Gather rows[0..n) of one flat column: reserve once, then a tight loop per column. */
static int gather(tidal_builder *b, const tidal_batch_view *v, const tidal_type *t,
                  const uint32_t *rows, size_t n) {
  size_t k = t->first_slice;
  if (t->kind == TIDAL_KIND_STRING) {
    const uint64_t *bounds = (const uint64_t *)v->slices[k].data;
    size_t total = 0;
    for (size_t j = 0; j < n; j++) {
      uint32_t r = rows[j];
      total += (size_t)(bounds[r] - (r ? bounds[r - 1] : 0));
    }
    tidal_buffer *bb = &b->h.slices[k], *by = &b->h.slices[k + 1];
    TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bb, n * 8));
    TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(by, total));
    const uint8_t *src = tidal__bytes_at(v, k + 1, 0);
    uint64_t *out_b = (uint64_t *)(bb->data + bb->len);
    uint64_t end = by->len; /* by->data may be NULL when every string is empty: index, not pointer */
    for (size_t j = 0; j < n; j++) {
      uint32_t r = rows[j];
      uint64_t s = r ? bounds[r - 1] : 0, len = bounds[r] - s;
      if (len) memcpy(by->data + end, src + s, (size_t)len);
      end += len;
      out_b[j] = end;
    }
    bb->len += n * 8;
    by->len += total;
    return 0;
  }
  size_t es = t->elem_size;
  tidal_buffer *o = &b->h.slices[k];
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(o, n * es));
  const uint8_t *src = (const uint8_t *)v->slices[k].data;
  uint8_t *dst = o->data + o->len;
  switch (es) {
  case 1: for (size_t j = 0; j < n; j++) dst[j] = src[rows[j]]; break;
  case 2: for (size_t j = 0; j < n; j++) memcpy(dst + 2 * j, src + 2 * (size_t)rows[j], 2); break;
  case 4: for (size_t j = 0; j < n; j++) memcpy(dst + 4 * j, src + 4 * (size_t)rows[j], 4); break;
  case 8: for (size_t j = 0; j < n; j++) memcpy(dst + 8 * j, src + 8 * (size_t)rows[j], 8); break;
  default: for (size_t j = 0; j < n; j++) memcpy(dst + es * j, src + es * rows[j], es); break;
  }
  o->len += n * es;
  return 0;
}

static int check(tidal_builder *b, const tidal_batch_view *v) {
  if (!tidal_schema_equal(b->schema, v->schema)) {
    snprintf(b->errmsg, sizeof b->errmsg, "push_row: view schema %s, builder schema %s",
             v->schema->text, b->schema->text);
    return TIDAL_EMISMATCH;
  }
  if (b->h.in_row) {
    snprintf(b->errmsg, sizeof b->errmsg, "push_row: a row is half pushed");
    return TIDAL_EMISMATCH;
  }
  return 0;
}

int tidal_builder_push_rows(tidal_builder *b, const tidal_batch_view *v, const uint32_t *rows,
                            size_t n) {
  TIDAL_RETURN_IF_ERROR(check(b, v));
  if (n == 0) return 0;
  for (size_t j = 0; j < n; j++)
    if (rows[j] >= v->rows) {
      snprintf(b->errmsg, sizeof b->errmsg, "push_rows: row %u of a view of %zu rows",
               (unsigned)rows[j], v->rows);
      return TIDAL_ERANGE;
    }
  tidal__builder_snapshot(b);
  const tidal_type *root = b->schema->root;
  int rc = 0;
  if (is_flat(root)) {
    /* Column at a time: one reservation per slice, then a tight gather loop. */
    if (flat_field(root)) {
      rc = gather(b, v, root, rows, n);
    } else {
      for (uint32_t c = 0; c < root->nchildren && rc == 0; c++)
        rc = gather(b, v, root->children[c], rows, n);
    }
    if (rc == 0) b->h.rows += n;
  } else {
    for (size_t j = 0; j < n && rc == 0; j++) {
      rc = copy(b, v, root, rows[j]);
      b->h.rows++;
    }
  }
  if (rc < 0) {
    tidal__builder_rollback(b);
    snprintf(b->errmsg, sizeof b->errmsg, "push_rows: out of memory");
  }
  return rc;
}

int tidal_builder_push_row(tidal_builder *b, const tidal_batch_view *v, size_t row) {
  if (row > UINT32_MAX) {
    /* Rare: rows beyond 2^32 go through the generic path one at a time. */
    TIDAL_RETURN_IF_ERROR(check(b, v));
    if (row >= v->rows) return TIDAL_ERANGE;
    tidal__builder_snapshot(b);
    int rc = copy(b, v, b->schema->root, row);
    if (rc < 0) tidal__builder_rollback(b);
    else b->h.rows++;
    return rc;
  }
  uint32_t r = (uint32_t)row;
  return tidal_builder_push_rows(b, v, &r, 1);
}
