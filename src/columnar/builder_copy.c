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
    return tidal__w_string(b, t, (const char *)v->slices[k + 1].data + s, (size_t)(e - s));
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
  for (size_t j = 0; j < n; j++)
    if (rows[j] >= v->rows) {
      snprintf(b->errmsg, sizeof b->errmsg, "push_rows: row %u of a view of %zu rows",
               (unsigned)rows[j], v->rows);
      return TIDAL_ERANGE;
    }
  tidal__builder_snapshot(b);
  const tidal_type *root = b->schema->root;
  int rc = 0;
  if (b->h.str_i64) {
    /* The word-count shape: one string and one i64 per row. */
    size_t ks = root->children[0]->first_slice, ki = root->children[1]->first_slice;
    const int64_t *vals = (const int64_t *)v->slices[ki].data;
    for (size_t j = 0; j < n && rc == 0; j++) {
      size_t len;
      const char *p = tidal_view_str(v, ks, rows[j], &len);
      rc = tidal_builder_push_str_i64(b, p, len, vals[rows[j]]);
    }
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
