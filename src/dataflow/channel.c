/*
** channel.c: channels and their pacts: pipeline (the same batch pointer into the consumer's queue
** on this worker), broadcast (a reference of the same batch to every worker), exchange (rows
** partitioned by hash into one builder per target worker, flushed at the target batch size, at a
** time change and at the end of the producing operator's run).
**
** Invariants: the produced count of a push is written into L before any row moves: +rows at the
** consuming input, or +rows*W for broadcast (each of the W copies is consumed, and so retired, on
** its own). Rows held in exchange builders all share one time (pending_time). Every row pushed is
** delivered exactly once to exactly one worker (exchange) or once to every worker (broadcast).
*/
#include "dataflow/dataflow_int.h"

#include <stdio.h>
#include <xxhash.h>

static bool is_scalar(tidal_kind k) {
  switch (k) {
    case TIDAL_KIND_U8: case TIDAL_KIND_U16: case TIDAL_KIND_U32: case TIDAL_KIND_U64:
    case TIDAL_KIND_I8: case TIDAL_KIND_I16: case TIDAL_KIND_I32: case TIDAL_KIND_I64:
    case TIDAL_KIND_F32: case TIDAL_KIND_F64: case TIDAL_KIND_USIZE: case TIDAL_KIND_ISIZE:
    case TIDAL_KIND_CHAR: case TIDAL_KIND_U128: case TIDAL_KIND_I128:
      return true;
    default:
      return false;
  }
}

/* Add one column to the fast-path plan; false if t is not a scalar or a string. */
static bool plan_column(tidal__channel *ch, const tidal_schema *s, const tidal_type *t,
                        size_t *nslices) {
  if (ch->ncols == sizeof ch->cols / sizeof ch->cols[0]) return false;
  size_t k = tidal_type_first_slice(t);
  tidal_kind kind = tidal_type_kind(t);
  if (kind == TIDAL_KIND_STRING) {
    const tidal_slice_info *b = tidal_schema_slice(s, k), *y = tidal_schema_slice(s, k + 1);
    if (!b || !y || b->role != TIDAL_SLICE_BOUNDS || y->role != TIDAL_SLICE_BYTES) return false;
    ch->cols[ch->ncols].slice = (uint32_t)k;
    ch->cols[ch->ncols].width = 0;
    *nslices += 2;
  } else if (is_scalar(kind)) {
    const tidal_slice_info *v = tidal_schema_slice(s, k);
    if (!v || v->role != TIDAL_SLICE_VALUES) return false;
    ch->cols[ch->ncols].slice = (uint32_t)k;
    ch->cols[ch->ncols].width = v->elem_size;
    *nslices += 1;
  } else {
    return false;
  }
  ch->ncols++;
  return true;
}

/* Decide whether rows of this schema can be copied column by column. */
static void plan_fast_path(tidal__channel *ch) {
  const tidal_schema *s = ch->src->schema;
  const tidal_type *root = tidal_schema_root(s);
  tidal_kind k = tidal_type_kind(root);
  size_t nslices = 0;
  bool ok = true;
  ch->ncols = 0;
  if (k == TIDAL_KIND_TUPLE || k == TIDAL_KIND_STRUCT) {
    for (size_t i = 0; i < tidal_type_child_count(root) && ok; i++)
      ok = plan_column(ch, s, tidal_type_child(root, i), &nslices);
  } else {
    ok = plan_column(ch, s, root, &nslices);
  }
  if (!ok || nslices != tidal_schema_slice_count(s)) ch->ncols = 0;
}

int tidal__channel_init(tidal__channel *ch, tidal_dataflow *df, tidal_error *err) {
  (void)df;
  if (ch->pact.kind != TIDAL_PACT_EXCHANGE) return 0;
  plan_fast_path(ch);
  if (ch->pact.hash) return 0;
  const tidal_schema *s = ch->src->schema;
  const tidal_type *root = tidal_schema_root(s);
  const tidal_type *t = root;
  tidal_kind k = tidal_type_kind(root);
  if (k == TIDAL_KIND_TUPLE || k == TIDAL_KIND_STRUCT) {
    if (ch->pact.field >= tidal_type_child_count(root))
      return tidal_error_set(err, TIDAL_EINVAL, "exchange field %u: schema %s has %zu fields",
                             ch->pact.field, tidal_schema_text(s), tidal_type_child_count(root));
    t = tidal_type_child(root, ch->pact.field);
  } else if (ch->pact.field != 0) {
    return tidal_error_set(err, TIDAL_EINVAL, "exchange field %u: schema %s has no fields",
                           ch->pact.field, tidal_schema_text(s));
  }
  size_t slice = tidal_type_first_slice(t);
  switch (tidal_type_kind(t)) {
    case TIDAL_KIND_STRING:
      ch->hash_slice = slice;
      ch->hash_width = 0;
      return 0;
    case TIDAL_KIND_U8: case TIDAL_KIND_U16: case TIDAL_KIND_U32: case TIDAL_KIND_U64:
    case TIDAL_KIND_I8: case TIDAL_KIND_I16: case TIDAL_KIND_I32: case TIDAL_KIND_I64:
    case TIDAL_KIND_F32: case TIDAL_KIND_F64: case TIDAL_KIND_USIZE: case TIDAL_KIND_ISIZE:
    case TIDAL_KIND_CHAR: case TIDAL_KIND_U128: case TIDAL_KIND_I128: {
      const tidal_slice_info *si = tidal_schema_slice(s, slice);
      if (!si || si->role != TIDAL_SLICE_VALUES) break;
      ch->hash_slice = slice;
      ch->hash_width = si->elem_size;
      return 0;
    }
    default:
      break;
  }
  return tidal_error_set(err, TIDAL_EINVAL,
                         "exchange field %u of schema %s: only a scalar or string field can be "
                         "hashed; pass a hash function instead",
                         ch->pact.field, tidal_schema_text(s));
}

void tidal__channel_free(tidal__channel *ch, const tidal_allocator *a, uint32_t peers) {
  if (ch->builders) {
    for (uint32_t v = 0; v < peers; v++) tidal_builder_free(ch->builders[v]);
    tidal__free(a, ch->builders, peers * sizeof *ch->builders);
  }
  tidal__free(a, ch->counts, peers * sizeof *ch->counts);
  tidal__free(a, ch->hashes, ch->scratch_cap * sizeof *ch->hashes);
  tidal__free(a, ch->rows, ch->scratch_cap * sizeof *ch->rows);
  tidal__free(a, ch, sizeof *ch);
}

static int fail_oom(tidal_worker *w, const char *what) {
  tidal_error e;
  tidal_error_set(&e, TIDAL_ENOMEM, "worker %u: out of memory %s", w->index, what);
  return tidal__worker_fail(w, TIDAL_ENOMEM, &e);
}

/* Hand one batch reference to worker v's instance of the consumer. */
static int deliver(tidal__channel *ch, uint32_t v, uint64_t t, tidal_batch *b) {
  tidal_worker *w = ch->dst->df->w;
  if (v == w->index) return tidal__op_enqueue(ch->dst, ch->dst_input, t, b);
  tidal__msg m = {TIDAL__MSG_DATA, w->index, ch->dst->df->index, ch->index, t, b, NULL};
  if (tidal__comm_send(w->ex->comm, v, &m) < 0) return fail_oom(w, "sending a batch");
  return 0;
}

static int flush_one(tidal__channel *ch, uint32_t v) {
  tidal_builder *bl = ch->builders[v];
  if (!bl || tidal_builder_rows(bl) == 0) return 0;
  /* The batch takes the builder's slices; give the builder as much room again when the batch
     was a full one, so the next one fills without a chain of reallocations. */
  bool full = tidal_builder_bytes(bl) >= ch->dst->df->w->ex->batch_bytes;
  size_t lens[16], n = ch->ncols ? tidal_schema_slice_count(ch->src->schema) : 0;
  if (!full || n > 16) n = 0;
  for (size_t k = 0; k < n; k++) lens[k] = tidal_builder_slice(bl, k)->len;
  tidal_batch *b = NULL;
  if (tidal_batch_from_builder(bl, &b) < 0) return fail_oom(ch->dst->df->w, "flushing an exchange");
  /* Best effort: re-reserve last batch's sizes so the next fill does not regrow step by step;
     if that fails, appends grow the buffers (and report ENOMEM) as usual. */
  for (size_t k = 0; k < n; k++)
    tidal__ignore_status(tidal_buffer_reserve(tidal_builder_slice(bl, k), lens[k]));
  return deliver(ch, v, ch->pending_time, b);
}

int tidal__channel_flush(tidal__channel *ch) {
  if (!ch->pending) return 0;
  ch->pending = false;
  uint32_t peers = ch->dst->df->w->peers;
  for (uint32_t v = 0; v < peers; v++) TIDAL_RETURN_IF_ERROR(flush_one(ch, v));
  return 0;
}

static void hash_field(const tidal__channel *ch, const tidal_batch_view *view, uint64_t *h) {
  size_t rows = view->rows;
  if (ch->hash_width == 0) {
    for (size_t r = 0; r < rows; r++) {
      size_t len;
      const char *p = tidal_view_str(view, ch->hash_slice, r, &len);
      h[r] = XXH3_64bits(p, len);
    }
  } else {
    const uint8_t *p = tidal_view_slice(view, ch->hash_slice).data;
    size_t wdt = ch->hash_width;
    for (size_t r = 0; r < rows; r++) h[r] = XXH3_64bits(p + r * wdt, wdt);
  }
}

static int grow_scratch(tidal__channel *ch, const tidal_allocator *a, size_t rows) {
  if (rows <= ch->scratch_cap) return 0;
  size_t ncap = ch->scratch_cap ? ch->scratch_cap : 1024;
  while (ncap < rows) ncap *= 2;
  uint64_t *h = tidal__alloc(a, ncap * sizeof *h);
  uint32_t *r = tidal__alloc(a, ncap * sizeof *r);
  if (!h || !r) {
    tidal__free(a, h, ncap * sizeof *h);
    tidal__free(a, r, ncap * sizeof *r);
    return TIDAL_ENOMEM;
  }
  tidal__free(a, ch->hashes, ch->scratch_cap * sizeof *ch->hashes);
  tidal__free(a, ch->rows, ch->scratch_cap * sizeof *ch->rows);
  ch->hashes = h;
  ch->rows = r;
  ch->scratch_cap = ncap;
  return 0;
}

/* Append rows[0..n) of view to b: column by column on the fast path, else through the builder. */
static int copy_rows(const tidal__channel *ch, tidal_builder *b, const tidal_batch_view *view,
                     const uint32_t *rows, size_t n) {
  if (ch->ncols == 0) return tidal_builder_push_rows(b, view, rows, n);
  for (uint32_t c = 0; c < ch->ncols; c++) {
    size_t k = ch->cols[c].slice, w = ch->cols[c].width;
    if (w) {
      tidal_buffer *buf = tidal_builder_slice(b, k);
      TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(buf, n * w));
      const uint8_t *src = tidal_view_slice(view, k).data;
      uint8_t *dst = buf->data + buf->len;
      if (w == 8) {
        for (size_t i = 0; i < n; i++) memcpy(dst + i * 8, src + (size_t)rows[i] * 8, 8);
      } else {
        for (size_t i = 0; i < n; i++) memcpy(dst + i * w, src + (size_t)rows[i] * w, w);
      }
      buf->len += n * w;
    } else {
      tidal_buffer *bounds = tidal_builder_slice(b, k), *bytes = tidal_builder_slice(b, k + 1);
      size_t total = 0, len;
      for (size_t i = 0; i < n; i++) {
        (void)tidal_view_str(view, k, rows[i], &len);
        total += len;
      }
      TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bounds, n * 8));
      TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bytes, total));
      uint64_t end = bytes->len;
      uint8_t *out = bytes->data + bytes->len;
      uint8_t *ends = bounds->data + bounds->len;
      for (size_t i = 0; i < n; i++) {
        const char *p = tidal_view_str(view, k, rows[i], &len);
        if (len) memcpy(out, p, len);
        out += len;
        end += len;
        memcpy(ends + i * 8, &end, 8);
      }
      bytes->len += total;
      bounds->len += n * 8;
    }
  }
  tidal_builder_add_rows(b, n);
  return 0;
}

static int exchange(tidal__channel *ch, uint64_t t, tidal_batch *batch, uint32_t hint) {
  tidal_worker *w = ch->dst->df->w;
  const tidal_allocator *a = w->alloc;
  uint32_t peers = w->peers;
  const tidal_batch_view *view = tidal_batch_view_of(batch);
  size_t rows = view->rows;
  if (ch->pending && ch->pending_time != t) {
    int rc = tidal__channel_flush(ch);
    if (rc < 0) {
      tidal_batch_unref(batch);
      return rc;
    }
  }
  if (!ch->builders) {
    ch->builders = tidal__calloc(a, peers * sizeof *ch->builders);
    ch->counts = tidal__calloc(a, peers * sizeof *ch->counts);
    if (!ch->builders || !ch->counts) {
      tidal_batch_unref(batch);
      return fail_oom(w, "partitioning an exchange");
    }
  }
  if (rows > UINT32_MAX || grow_scratch(ch, a, rows) < 0) {
    tidal_batch_unref(batch);
    return fail_oom(w, "partitioning an exchange");
  }
  if (hint != UINT32_MAX && (!ch->builders[hint] || tidal_builder_rows(ch->builders[hint]) == 0)) {
#ifdef TIDAL_DEBUG
    /* Debug builds check the sender's word (a wrong hint would misroute rows silently). */
    if (ch->pact.hash) ch->pact.hash(ch->pact.hash_ud, view, ch->hashes);
    else hash_field(ch, view, ch->hashes);
    for (size_t r = 0; r < rows; r++)
      TIDAL_DCHECK((uint32_t)(((unsigned __int128)ch->hashes[r] * peers) >> 64) == hint);
#endif
    return deliver(ch, hint, t, batch);
  }
  if (ch->pact.hash) ch->pact.hash(ch->pact.hash_ud, view, ch->hashes);
  else hash_field(ch, view, ch->hashes);
  size_t *counts = ch->counts;
  memset(counts, 0, peers * sizeof *counts);
  /* Reuse hashes[] for the target of each row (multiply-shift: uniform, no division). */
  for (size_t r = 0; r < rows; r++) {
    uint32_t v = (uint32_t)(((unsigned __int128)ch->hashes[r] * peers) >> 64);
    ch->hashes[r] = v;
    counts[v]++;
  }
  for (uint32_t v = 0; v < peers; v++) {
    if (counts[v] != rows) continue;
    /* Every row goes to v: forward the batch itself (no copy) unless v has rows buffered. */
    if (!ch->builders[v] || tidal_builder_rows(ch->builders[v]) == 0) return deliver(ch, v, t, batch);
  }
  /* Counting sort of row indices by target. */
  size_t off = 0;
  for (uint32_t v = 0; v < peers; v++) {
    size_t c = counts[v];
    counts[v] = off;
    off += c;
  }
  for (size_t r = 0; r < rows; r++) ch->rows[counts[ch->hashes[r]]++] = (uint32_t)r;
  size_t start = 0;
  int rc = 0;
  for (uint32_t v = 0; v < peers && rc == 0; v++) {
    size_t end = counts[v];
    if (end == start) continue;
    if (!ch->builders[v] && tidal_builder_new(ch->src->schema, a, &ch->builders[v]) < 0) {
      rc = fail_oom(w, "partitioning an exchange");
      break;
    }
    if (copy_rows(ch, ch->builders[v], view, ch->rows + start, end - start) < 0) {
      rc = fail_oom(w, "partitioning an exchange");
      break;
    }
    ch->pending = true;
    ch->pending_time = t;
    bool flush = tidal_builder_bytes(ch->builders[v]) >= w->ex->batch_bytes;
    if (!flush && tidal__chaos(w)) flush = tidal__worker_rand(w) % 4 == 0;
    if (flush) rc = flush_one(ch, v);
    start = end;
  }
  tidal_batch_unref(batch);
  return rc;
}

int tidal__channel_push(tidal__channel *ch, uint64_t t, tidal_batch *batch, uint32_t hint) {
  tidal_dataflow *df = ch->dst->df;
  uint32_t peers = df->w->peers;
  int64_t rows = (int64_t)tidal_batch_rows(batch);
  int64_t n = ch->pact.kind == TIDAL_PACT_BROADCAST ? rows * (int64_t)peers : rows;
  int rc = tidal__df_update(df, tidal_location_target(ch->dst->node, ch->dst_input), t, n);
  if (rc < 0) {
    tidal_batch_unref(batch);
    return rc;
  }
  switch (ch->pact.kind) {
    case TIDAL_PACT_BROADCAST:
      for (uint32_t v = 0; v < peers; v++) {
        tidal_batch *b = v + 1 < peers ? tidal_batch_ref(batch) : batch;
        int r = deliver(ch, v, t, b);
        if (r < 0 && rc == 0) rc = r;
      }
      return rc;
    case TIDAL_PACT_EXCHANGE:
      /* With one worker an exchange is a pipeline. */
      if (peers > 1) return exchange(ch, t, batch, hint);
      return tidal__op_enqueue(ch->dst, ch->dst_input, t, batch);
    default:
      return tidal__op_enqueue(ch->dst, ch->dst_input, t, batch);
  }
}
