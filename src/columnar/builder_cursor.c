/*
** builder_cursor.c: the row-by-row push API: a cursor walks the schema's type tree in pre-order
** while the caller pushes values; tuples and structs are entered implicitly.
**
** Invariants: b->cur is the node the next push fills; b->stack[0..depth) are the composites being
** filled (tuple/struct: next field index; vec: elements so far; option/result/enum: the branch).
** The first push of a row snapshots the builder (h.in_row = 1); any failed push rolls back to that
** snapshot, so a row is either entirely in the builder or not at all.
*/
#include "columnar/columnar_int.h"

#include <stdarg.h>
#include <stdio.h>

/* Start a row if none is open, then descend into tuples/structs to the next leaf-ish node. */
static void enter(tidal_builder *b) {
  if (!b->h.in_row) {
    tidal__builder_snapshot(b);
    b->h.in_row = 1;
    b->depth = 0;
    b->cur = b->schema->root;
  }
  while (b->cur->kind == TIDAL_KIND_TUPLE || b->cur->kind == TIDAL_KIND_STRUCT) {
    tidal__frame *f = &b->stack[b->depth++];
    f->t = b->cur;
    f->idx = 0;
    f->count = 0;
    b->cur = b->cur->children[0];
  }
}

/* The path of the cursor, e.g. "row.text" or "row.1[3].Some". */
static void path(const tidal_builder *b, char *out, size_t cap) {
  size_t n = (size_t)snprintf(out, cap, "row");
  for (size_t i = 0; i < b->depth && n < cap; i++) {
    const tidal__frame *f = &b->stack[i];
    switch (f->t->kind) {
    case TIDAL_KIND_TUPLE: n += (size_t)snprintf(out + n, cap - n, ".%u", f->idx); break;
    case TIDAL_KIND_STRUCT: n += (size_t)snprintf(out + n, cap - n, ".%s", f->t->names[f->idx]); break;
    case TIDAL_KIND_VEC:
      n += (size_t)snprintf(out + n, cap - n, "[%llu]", (unsigned long long)f->count);
      break;
    case TIDAL_KIND_OPTION: n += (size_t)snprintf(out + n, cap - n, ".Some"); break;
    case TIDAL_KIND_RESULT: n += (size_t)snprintf(out + n, cap - n, f->idx ? ".Err" : ".Ok"); break;
    default: n += (size_t)snprintf(out + n, cap - n, ".%s", f->t->names[f->idx]); break;
    }
  }
}

/* Fail: describe, roll back the row, return rc. */
static int fail(tidal_builder *b, int rc, const char *what) {
  char p[160];
  path(b, p, sizeof p);
  const char *why = rc == TIDAL_ENOMEM ? "out of memory" : rc == TIDAL_ERANGE ? "value out of range" : "schema mismatch";
  snprintf(b->errmsg, sizeof b->errmsg, "%s at %s: %s (expected %s)", why, p, what,
           tidal__kind_name(b->cur->kind));
  tidal__builder_rollback(b);
  return rc;
}

/* After a value of b->cur is complete: move to the next node, closing finished composites. */
static void advance(tidal_builder *b) {
  for (;;) {
    if (b->depth == 0) {
      b->h.rows++;
      b->h.in_row = 0;
      b->cur = b->schema->root;
      return;
    }
    tidal__frame *f = &b->stack[b->depth - 1];
    switch (f->t->kind) {
    case TIDAL_KIND_TUPLE:
    case TIDAL_KIND_STRUCT:
      if (++f->idx < f->t->nchildren) {
        b->cur = f->t->children[f->idx];
        return;
      }
      break;
    case TIDAL_KIND_VEC:
      f->count++;
      b->cur = f->t->children[0];
      return;
    default: break; /* option / result / enum: their one value is done */
    }
    b->depth--;
  }
}

static int done(tidal_builder *b, int rc, const char *what) {
  if (rc < 0) return fail(b, rc, what);
  advance(b);
  return 0;
}

int tidal_builder_push_u64(tidal_builder *b, uint64_t v) {
  enter(b);
  return done(b, tidal__w_uint(b, b->cur, v), "push_u64");
}

int tidal_builder_push_i64(tidal_builder *b, int64_t v) {
  enter(b);
  return done(b, tidal__w_int(b, b->cur, v), "push_i64");
}

int tidal_builder_push_f64(tidal_builder *b, double v) {
  enter(b);
  return done(b, tidal__w_float(b, b->cur, v), "push_f64");
}

int tidal_builder_push_u128(tidal_builder *b, uint64_t lo, uint64_t hi) {
  enter(b);
  return done(b, tidal__w_u128(b, b->cur, lo, hi), "push_u128");
}

int tidal_builder_push_char(tidal_builder *b, uint32_t c) {
  enter(b);
  return done(b, tidal__w_char(b, b->cur, c), "push_char");
}

int tidal_builder_push_string(tidal_builder *b, const char *p, size_t n) {
  enter(b);
  return done(b, tidal__w_string(b, b->cur, p, n), "push_string");
}

int tidal_builder_push_bool(tidal_builder *b, bool v) {
  enter(b);
  if (b->cur->kind != TIDAL_KIND_BOOL) return fail(b, TIDAL_EMISMATCH, "push_bool");
  return done(b, tidal__w_bit(b, b->cur->first_slice, v), "push_bool");
}

int tidal_builder_push_unit(tidal_builder *b) {
  enter(b);
  if (b->cur->kind != TIDAL_KIND_UNIT) return fail(b, TIDAL_EMISMATCH, "push_unit");
  return done(b, tidal__w_unit(b, b->cur->first_slice), "push_unit");
}

static int open_frame(tidal_builder *b, uint32_t idx, const tidal_type *next) {
  tidal__frame *f = &b->stack[b->depth++];
  f->t = b->cur;
  f->idx = idx;
  f->count = 0;
  b->cur = next;
  return 0;
}

int tidal_builder_begin_vec(tidal_builder *b) {
  enter(b);
  if (b->cur->kind != TIDAL_KIND_VEC) return fail(b, TIDAL_EMISMATCH, "begin_vec");
  return open_frame(b, 0, b->cur->children[0]);
}

int tidal_builder_end_vec(tidal_builder *b) {
  if (!b->h.in_row || b->depth == 0 || b->stack[b->depth - 1].t->kind != TIDAL_KIND_VEC) {
    if (!b->h.in_row) enter(b);
    return fail(b, TIDAL_EMISMATCH, "end_vec outside a vec (or inside an unfinished element)");
  }
  const tidal_type *v = b->stack[b->depth - 1].t;
  b->depth--;
  b->cur = v;
  return done(b, tidal__w_bound(b, v->first_slice, tidal__builder_len(b, v->children[0])), "end_vec");
}

int tidal_builder_push_none(tidal_builder *b) {
  enter(b);
  if (b->cur->kind != TIDAL_KIND_OPTION) return fail(b, TIDAL_EMISMATCH, "push_none");
  return done(b, tidal__w_rs(b, b->cur->first_slice, false), "push_none");
}

int tidal_builder_begin_some(tidal_builder *b) {
  enter(b);
  if (b->cur->kind != TIDAL_KIND_OPTION) return fail(b, TIDAL_EMISMATCH, "begin_some");
  int rc = tidal__w_rs(b, b->cur->first_slice, true);
  if (rc < 0) return fail(b, rc, "begin_some");
  return open_frame(b, 0, b->cur->children[0]);
}

static int begin_result(tidal_builder *b, uint32_t which) {
  const char *what = which ? "begin_err" : "begin_ok";
  enter(b);
  if (b->cur->kind != TIDAL_KIND_RESULT) return fail(b, TIDAL_EMISMATCH, what);
  int rc = tidal__w_rs(b, b->cur->first_slice, which == 0);
  if (rc < 0) return fail(b, rc, what);
  return open_frame(b, which, b->cur->children[which]);
}

int tidal_builder_begin_ok(tidal_builder *b) { return begin_result(b, 0); }
int tidal_builder_begin_err(tidal_builder *b) { return begin_result(b, 1); }

int tidal_builder_begin_variant(tidal_builder *b, uint32_t index) {
  enter(b);
  const tidal_type *t = b->cur;
  if (t->kind != TIDAL_KIND_ENUM && t->kind != TIDAL_KIND_UNIT_ENUM)
    return fail(b, TIDAL_EMISMATCH, "begin_variant");
  if (index >= t->nchildren) return fail(b, TIDAL_ERANGE, "begin_variant: no such variant");
  int rc = tidal__w_variant(b, t, index);
  if (rc < 0) return fail(b, rc, "begin_variant");
  if (t->kind == TIDAL_KIND_UNIT_ENUM) return done(b, 0, "begin_variant");
  if (t->shapes[index] == TIDAL_VARIANT_UNIT)
    return done(b, tidal__w_unit(b, t->children[index]->first_slice), "begin_variant");
  return open_frame(b, index, t->children[index]);
}
