/*
** wordcount.c: the word-count pipeline as a library function (tidal_wordcount_run in
** tidal/count.h): lines -> (line, 1) batches -> split into words -> optional stage -> exchange by
** word -> count -> per-worker result tables -> one sorted batch of final totals. Lines keep their
** terminating '\n' (whitespace to the split), so a batch's bytes are one copy of the text.
**
** Each worker owns a contiguous range of the text's lines (cut at '\n' boundaries), sends them as
** one batch per timestamp and steps until its probe on the count's output has passed that
** timestamp before sending the next (timely's word-count driver loop). Results are collected per
** worker in a count table keyed by word, remembering the time of the latest total seen; keys are
** disjoint between workers because the count is fed through an exchange by word.
**
** Invariant: a word's collected total is the one the count emitted at the largest time, which is
** its total over all lines (the count emits exact totals at each completed time).
*/
#include "dataflow/count_table.h"
#include "dataflow/wordcount_split.h"
#include "tidal/count.h"

/* Per-worker state, written only by that worker's thread during the run. */
typedef struct wc_worker {
  tidal__count_table result; /* word -> latest emitted total */
  uint64_t *times;           /* owned: result entry e's time of that total */
  size_t times_cap;          /* entries allocated in times */
  bool have_result;          /* result initialized */
  uint64_t lines;            /* lines this worker sent */
  uint64_t words;            /* words its split produced */
  uint64_t rounds;           /* timestamps it used */
  uint64_t emitted;          /* rows its count emitted */
  const struct wc_run *run;  /* borrowed: the shared settings */
} wc_worker;

/* Shared, read-only during the run. */
typedef struct wc_run {
  const tidal_wordcount_opts *opts; /* borrowed */
  const char *text;                 /* borrowed */
  size_t len;                       /* bytes of text */
  tidal_schema *schema;             /* owned: (string, i64) */
  wc_worker *per;                   /* owned: one per worker */
} wc_run;

/* ---- split ---------------------------------------------------------------------------------- */

/*
** The split is a generic operator rather than a flat_map so that it can also do the exchange's
** partitioning: with W <= SPLIT_MAX_PARTS workers it writes each word straight into the builder
** of the worker that owns it (the engine's multiply-shift of word_hash) and sends one batch per
** target. The exchange then finds every batch bound for a single worker and forwards it without
** copying a row. If the formula ever differs, or a stage rewrites the words, the exchange simply
** partitions again: correctness never depends on this.
*/
#define SPLIT_MAX_PARTS 16

/* Where one target's words go: the reserved tails of its builder's three slices. */
typedef struct split_part {
  uint8_t *bytes;  /* next free byte of the bytes slice */
  uint64_t *ends;  /* next free bound */
  int64_t *diffs;  /* next free diff */
  uint64_t off;    /* bytes slice length so far (the next word's start) */
  uint64_t *ends0; /* first bound written by this call */
} split_part;

typedef struct split_out {
  split_part part[SPLIT_MAX_PARTS]; /* one per target (only part[0] when not partitioning) */
  uint32_t nparts;                  /* targets: W, or 1 */
  int64_t diff;                     /* the current line's diff */
  const uint8_t *limit;             /* end of the input bytes: 16-byte over-reads stay below */
} split_out;

static inline __attribute__((always_inline)) void put_to(split_part *p, const uint8_t *w,
                                                         size_t n, int64_t diff,
                                                         const uint8_t *limit) {
  /* Most words are short: copy 16 bytes at once when both sides have room (each output
     reserved 16 bytes of slack), else an exact memcpy. */
  if (n <= 16 && w + 16 <= limit) memcpy(p->bytes, w, 16);
  else memcpy(p->bytes, w, n);
  p->bytes += n;
  p->off += n;
  *p->ends++ = p->off;
  *p->diffs++ = diff;
}

static inline __attribute__((always_inline)) int put_one(void *ctx, const uint8_t *w, size_t n) {
  split_out *o = ctx;
  put_to(&o->part[0], w, n, o->diff, o->limit);
  return 0;
}

static inline __attribute__((always_inline)) int put_part(void *ctx, const uint8_t *w, size_t n) {
  split_out *o = ctx;
  uint64_t h = tidal__count_hash_lim(w, n, o->limit);
  uint32_t k = (uint32_t)(((unsigned __int128)h * o->nparts) >> 64);
  put_to(&o->part[k], w, n, o->diff, o->limit);
  return 0;
}

typedef struct split_state {
  wc_worker *ws;                          /* borrowed: this worker's counters */
  tidal_schema *schema;                   /* owned reference: (string, i64) */
  tidal_builder *out[SPLIT_MAX_PARTS];    /* owned: one per target */
  uint32_t nparts;                        /* builders in use */
  tidal_batch *cur;                       /* owned reference: the batch of lines being split */
  uint64_t cur_time;                      /* its time */
  size_t cur_row;                         /* its next line to split */
  tidal_cap *cap;                         /* held at cur_time while cur is being split */
  const tidal_allocator *alloc;           /* borrowed */
} split_state;

/* The exchange hash of word rows, the same as the split's partitioning hash: the count table's
   own hash (xxh3, inlined rather than a libxxhash call per row). Only batches that do not come
   straight from the split (a stage's output) are hashed with it: the split's own batches are
   sent with tidal_op_send_partitioned and forwarded whole. */
static void word_hash(void *ud, const tidal_batch_view *v, uint64_t *h) {
  (void)ud;
  const uint64_t *ends = v->slices[0].data;
  const uint8_t *bytes = v->slices[1].data;
  uint64_t start = 0;
  for (size_t r = 0; r < v->rows; r++) {
    h[r] = tidal__count_hash_lim(bytes + start, (size_t)(ends[r] - start), bytes + ends[v->rows - 1]);
    start = ends[r];
  }
}

static void split_destroy(void *ud) {
  split_state *st = ud;
  /* A capability still held (after a failure) is released by the engine with the operator. */
  tidal_batch_unref(st->cur);
  for (uint32_t k = 0; k < SPLIT_MAX_PARTS; k++) tidal_builder_free(st->out[k]);
  tidal_schema_unref(st->schema);
  tidal__free(st->alloc, st, sizeof *st);
}

/* Split lines [r0, r1) of a batch of lines into the builders. */
static int split_rows(split_state *st, const tidal_batch_view *in, size_t r0, size_t r1) {
  const uint64_t *lends = in->slices[0].data;
  const uint8_t *lbytes = in->slices[1].data;
  const int64_t *ldiffs = in->slices[2].data;
  uint64_t first = r0 ? lends[r0 - 1] : 0;
  size_t nbytes = (size_t)(lends[r1 - 1] - first), rows = r1 - r0;
  /* A line of L bytes has at most (L + 1) / 2 words; any one target may get all of them. */
  size_t maxw = nbytes / 2 + rows;
  split_out o;
  o.nparts = st->nparts;
  o.limit = lbytes + in->slices[1].len;
  for (uint32_t k = 0; k < st->nparts; k++) {
    tidal_buffer *bo = tidal_builder_slice(st->out[k], 0), *by = tidal_builder_slice(st->out[k], 1),
                 *dv = tidal_builder_slice(st->out[k], 2);
    TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bo, maxw * 8));
    TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(by, nbytes + 16));
    TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(dv, maxw * 8));
    split_part *p = &o.part[k];
    p->bytes = by->data + by->len;
    p->ends = p->ends0 = (uint64_t *)(void *)(bo->data + bo->len);
    p->diffs = (int64_t *)(void *)(dv->data + dv->len);
    p->off = by->len;
  }
  /* When every line has the same diff and every non-empty line but the last ends in whitespace,
     no word spans two lines of the concatenated bytes: split them in one go (the driver's lines
     keep their '\n'). Otherwise line by line. */
  bool whole = true;
  for (size_t r = r0, st0 = first; whole && r < r1; st0 = lends[r], r++)
    whole = ldiffs[r] == ldiffs[r0] &&
            (r + 1 == r1 || lends[r] == st0 || tidal__is_ws(lbytes[lends[r] - 1]));
  if (whole) {
    o.diff = ldiffs[r0];
    if (o.nparts == 1) tidal__split_words(lbytes + first, nbytes, put_one, &o);
    else tidal__split_words(lbytes + first, nbytes, put_part, &o);
  } else {
    uint64_t start = first;
    for (size_t r = r0; r < r1; r++) {
      o.diff = ldiffs[r];
      const uint8_t *line = lbytes + start;
      size_t n = (size_t)(lends[r] - start);
      if (o.nparts == 1) tidal__split_words(line, n, put_one, &o);
      else tidal__split_words(line, n, put_part, &o);
      start = lends[r];
    }
  }
  for (uint32_t k = 0; k < st->nparts; k++) {
    split_part *p = &o.part[k];
    size_t nw = (size_t)(p->ends - p->ends0);
    tidal_builder_slice(st->out[k], 0)->len += nw * 8;
    tidal_builder_slice(st->out[k], 2)->len += nw * 8;
    tidal_builder_slice(st->out[k], 1)->len = (size_t)p->off;
    tidal_builder_add_rows(st->out[k], nw);
    st->ws->words += nw;
  }
  return 0;
}

/* Send every non-empty builder as one batch at time t. When partitioned, builder k's rows all
   belong to worker k under word_hash: say so, and the exchange forwards the batch whole. */
static int split_send(split_state *st, tidal_op *op, uint64_t t, tidal_error *err) {
  for (uint32_t k = 0; k < st->nparts; k++) {
    if (tidal_builder_rows(st->out[k]) == 0) continue;
    tidal_batch *ob;
    int rc = tidal_batch_from_builder(st->out[k], &ob);
    if (rc < 0) return tidal_error_set(err, rc, "split: %s", tidal_strerror(rc));
    rc = st->nparts > 1 ? tidal_op_send_partitioned(op, 0, t, k, ob) : tidal_op_send(op, 0, t, ob);
    if (rc < 0) return tidal_error_set(err, rc, "split: sending words: %s", tidal_strerror(rc));
  }
  return 0;
}

/*
** The split works through a batch of lines in chunks of about SPLIT_CHUNK_BYTES, sending each
** chunk's words and yielding (tidal_op_activate) in between, so that the count consumes a chunk
** while it is still in cache and the count table's hot entries are not evicted by a whole
** round's worth of columns. A capability at the batch's time justifies the sends of the later
** chunks, after the batch has stopped being current.
*/
#define SPLIT_CHUNK_BYTES (64u << 10)

static int split_logic(tidal_op *op, void *ud, tidal_error *err) {
  split_state *st = ud;
  if (!st->out[0]) {
    uint32_t peers = tidal_op_peers(op);
    st->nparts = peers <= SPLIT_MAX_PARTS ? peers : 1;
    for (uint32_t k = 0; k < st->nparts; k++) {
      int rc = tidal_builder_new(st->schema, st->alloc, &st->out[k]);
      if (rc < 0) return tidal_error_set(err, rc, "split: creating builders: %s", tidal_strerror(rc));
    }
  }
  for (;;) {
    if (!st->cur) {
      uint64_t t;
      tidal_batch *b;
      if (!tidal_op_next(op, 0, &t, &b)) return 0;
      if (tidal_batch_rows(b) == 0) continue;
      int rc = tidal_op_cap_retain(op, 0, t, &st->cap);
      if (rc < 0) return tidal_error_set(err, rc, "split: %s", tidal_strerror(rc));
      st->cur = tidal_batch_ref(b);
      st->cur_time = t;
      st->cur_row = 0;
    }
    const tidal_batch_view *in = tidal_batch_view_of(st->cur);
    const uint64_t *lends = in->slices[0].data;
    size_t r0 = st->cur_row, r1 = r0;
    uint64_t first = r0 ? lends[r0 - 1] : 0;
    while (r1 < in->rows && (r1 == r0 || lends[r1 - 1] - first < SPLIT_CHUNK_BYTES)) r1++;
    int rc = split_rows(st, in, r0, r1);
    if (rc < 0) return tidal_error_set(err, rc, "split: reserving output: %s", tidal_strerror(rc));
    TIDAL_RETURN_IF_ERROR(split_send(st, op, st->cur_time, err));
    st->cur_row = r1;
    if (r1 == in->rows) {
      tidal_batch_unref(st->cur);
      st->cur = NULL;
      tidal_cap_drop(st->cap);
      st->cap = NULL;
    }
    /* Yield so that the count runs on this chunk; come back for the rest. */
    tidal_op_activate(op);
    return 0;
  }
}

/* Add the split operator reading `lines`; *out is its (word, diff) stream. */
static int add_split(tidal_stream *lines, wc_worker *ws, tidal_schema *schema,
                     const tidal_allocator *alloc, tidal_stream **out) {
  tidal_op_builder *b;
  TIDAL_RETURN_IF_ERROR(tidal_op_builder_new(tidal_stream_dataflow(lines), "split", &b));
  int rc = tidal_op_builder_add_input(b, lines, tidal_pact_pipeline(), NULL);
  if (rc == 0) rc = tidal_op_builder_add_output(b, schema, out, NULL);
  split_state *st = rc == 0 ? tidal__calloc(alloc, sizeof *st) : NULL;
  if (!st) {
    tidal_op_builder_free(b);
    return rc < 0 ? rc : TIDAL_ENOMEM;
  }
  st->ws = ws;
  st->schema = tidal_schema_ref(schema);
  st->alloc = alloc;
  return tidal_op_builder_build(b, split_logic, st, split_destroy);
}

/* ---- collect -------------------------------------------------------------------------------- */

static int collect_cb(void *ud, uint64_t time, const tidal_batch *batch, tidal_error *err) {
  wc_worker *ws = ud;
  const tidal_batch_view *v = tidal_batch_view_of(batch);
  ws->emitted += v->rows;
  if (!ws->run->opts->collect) return 0;
  const uint64_t *ends = v->slices[0].data;
  const uint8_t *bytes = v->slices[1].data;
  const int64_t *totals = v->slices[2].data;
  uint64_t start = 0;
  for (size_t i = 0; i < v->rows; i++) {
    size_t n = (size_t)(ends[i] - start);
    const uint8_t *k = bytes + start;
    start = ends[i];
    int64_t e = tidal__count_table_upsert(&ws->result, k, n, tidal__count_hash(k, n));
    if (e < 0) return tidal_error_set(err, TIDAL_ENOMEM, "collect: out of memory");
    if ((size_t)e >= ws->times_cap) {
      size_t ncap = ws->times_cap ? ws->times_cap * 2 : 1024;
      while (ncap <= (size_t)e) ncap *= 2;
      const tidal_allocator *a = ws->result.alloc;
      uint64_t *nt = tidal__realloc(a, ws->times, ws->times_cap * 8, ncap * 8);
      if (!nt) return tidal_error_set(err, TIDAL_ENOMEM, "collect: out of memory");
      ws->times = nt;
      ws->times_cap = ncap;
    }
    tidal__count_entry *en = &ws->result.entries[e];
    /* A new entry has total 0 and mark 0; use the mark as "seen" so that time 0 counts. */
    if (en->mark == 0 || time >= ws->times[e]) {
      en->total = totals[i];
      en->mark = 1;
      ws->times[e] = time;
    }
  }
  return 0;
}

/* ---- the per-worker driver ------------------------------------------------------------------ */

/* First byte of the line that contains or starts after position p (lines end at '\n'). */
static size_t line_start(const char *text, size_t len, size_t p) {
  if (p == 0 || p >= len) return p >= len ? len : 0;
  const char *nl = memchr(text + p - 1, '\n', len - (p - 1));
  return nl ? (size_t)(nl - text) + 1 : len;
}

/*
** Fill the (empty) builder b with the next round's lines of text[*pos .. hi): lines_per_round
** lines, or whole lines until batch_bytes is reached. Each line keeps its '\n' (the last line of
** the range may have none), so the batch's bytes slice is one copy of the text (one memcpy, no
** per-line copy) and the split can treat it as one text. Every line's diff is 1.
*/
/* Bit i set when p[i] == '\n' (0 <= i < n <= 64); reads p[0..n) only. */
static inline uint64_t newline_mask(const uint8_t *p, size_t n) {
#if defined(__SSE2__)
  if (n == 64) {
    const __m128i nl = _mm_set1_epi8('\n');
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
      m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
    }
    return m;
  }
#endif
  uint64_t m = 0;
  for (size_t i = 0; i < n; i++) m |= (uint64_t)(p[i] == '\n') << i;
  return m;
}

static int fill_lines(tidal_builder *b, const char *text, size_t *pos, size_t hi,
                      const tidal_wordcount_opts *o, size_t *nlines) {
  tidal_buffer *bo = tidal_builder_slice(b, 0), *by = tidal_builder_slice(b, 1),
               *dv = tidal_builder_slice(b, 2);
  const uint8_t *tx = (const uint8_t *)text;
  size_t start = *pos, p = start, n = 0, end = start;
  bool full = false;
  /* Line ends found 64 bytes at a time (a mask of the '\n' bytes), not one memchr per line. */
  while (p < hi && !full) {
    size_t blk = hi - p < 64 ? hi - p : 64;
    uint64_t m = newline_mask(tx + p, blk);
    while (m) {
      end = p + (size_t)__builtin_ctzll(m) + 1;
      m &= m - 1;
      if (bo->cap - bo->len < 8) TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bo, 8 * 4096));
      uint64_t e = (uint64_t)(end - start);
      tidal_buffer_append_unsafe(bo, &e, 8);
      n++;
      if (o->lines_per_round ? n == o->lines_per_round : end - start >= o->batch_bytes) {
        full = true;
        break;
      }
    }
    p += blk;
  }
  if (!full && end < hi) { /* the range's last line has no '\n' */
    end = hi;
    if (bo->cap - bo->len < 8) TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(bo, 8));
    uint64_t e = (uint64_t)(end - start);
    tidal_buffer_append_unsafe(bo, &e, 8);
    n++;
  }
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(by, end - start));
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(dv, n * 8));
  tidal_buffer_append_unsafe(by, text + start, end - start);
  int64_t *d = (int64_t *)(void *)(dv->data + dv->len);
  for (size_t i = 0; i < n; i++) d[i] = 1;
  dv->len += n * 8;
  tidal_builder_add_rows(b, n);
  *pos = end;
  *nlines = n;
  return 0;
}

static int wc_build(tidal_worker *w, void *ud, tidal_error *err) {
  wc_run *run = ud;
  const tidal_wordcount_opts *o = run->opts;
  uint32_t me = tidal_worker_index(w), peers = tidal_worker_peers(w);
  wc_worker *ws = &run->per[me];
  int rc = tidal__count_table_init(&ws->result, tidal_worker_allocator(w), 0);
  if (rc < 0) return tidal_error_set(err, rc, "word count: result table: %s", tidal_strerror(rc));
  ws->have_result = true;

  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *lines, *words, *staged, *counts;
  tidal_probe *probe;
  TIDAL_RETURN_IF_ERROR(tidal_dataflow_new(w, &df));
  TIDAL_RETURN_IF_ERROR(tidal_input_new(df, run->schema, &in, &lines));
  TIDAL_RETURN_IF_ERROR(add_split(lines, ws, run->schema, tidal_worker_allocator(w), &words));
  staged = words;
  if (o->stage) {
    rc = o->stage(o->stage_ud, words, &staged, err);
    if (rc < 0) return rc;
    if (!staged || !tidal_schema_equal(tidal_stream_schema(staged), run->schema))
      return tidal_error_set(err, TIDAL_EMISMATCH,
                             "word count: the stage's output stream is not " TIDAL_WORDCOUNT_SCHEMA);
  }
  rc = tidal_count(staged, "count", tidal_pact_exchange_fn(word_hash, NULL), o->mode, &counts);
  if (rc < 0) return tidal_error_set(err, rc, "word count: adding the count: %s", tidal_strerror(rc));
  TIDAL_RETURN_IF_ERROR(tidal_sink(counts, "collect", collect_cb, ws));
  TIDAL_RETURN_IF_ERROR(tidal_probe_new(counts, &probe));

  /* This worker's lines: [lo, hi), cut at line boundaries. */
  size_t lo = line_start(run->text, run->len, (size_t)((unsigned __int128)run->len * me / peers));
  size_t hi =
      line_start(run->text, run->len, (size_t)((unsigned __int128)run->len * (me + 1) / peers));
  tidal_builder *b;
  TIDAL_RETURN_IF_ERROR(tidal_builder_new(run->schema, tidal_worker_allocator(w), &b));
  size_t pos = lo;
  uint64_t round = 0;
  while (pos < hi && rc == 0) {
    size_t nlines;
    rc = fill_lines(b, run->text, &pos, hi, o, &nlines);
    if (rc < 0) break;
    ws->lines += nlines;
    rc = tidal_input_send_builder(in, b);
    if (rc == 0) rc = tidal_input_advance_to(in, ++round);
    if (rc == 0) rc = tidal_worker_step_until(w, probe, round);
  }
  tidal_builder_free(b);
  ws->rounds = round;
  if (rc < 0) return rc;
  tidal_input_close(in);
  return tidal_worker_run_to_completion(w);
}

/* ---- the run -------------------------------------------------------------------------------- */

void tidal_wordcount_opts_init(tidal_wordcount_opts *o) {
  memset(o, 0, sizeof *o);
  o->workers = 1;
  o->batch_bytes = TIDAL_DEFAULT_BATCH_BYTES;
  o->mode = TIDAL_COUNT_CHANGES;
  o->collect = true;
}

typedef struct result_ref {
  const char *key; /* borrowed from a worker's result table */
  size_t len;      /* key bytes */
  int64_t total;   /* final total */
} result_ref;

static int ref_cmp(const void *a, const void *b) {
  const result_ref *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = n ? memcmp(x->key, y->key, n) : 0;
  if (c) return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* Merge the workers' result tables into one batch sorted by word. */
static int gather(wc_run *run, uint32_t peers, const tidal_allocator *a, tidal_batch **out) {
  size_t n = 0;
  for (uint32_t i = 0; i < peers; i++) n += run->per[i].result.len;
  result_ref *refs = n ? tidal__alloc(a, n * sizeof *refs) : NULL;
  if (n && !refs) return TIDAL_ENOMEM;
  size_t k = 0;
  for (uint32_t i = 0; i < peers; i++) {
    const tidal__count_table *t = &run->per[i].result;
    for (size_t e = 0; e < t->len; e++) {
      refs[k].key = tidal__count_table_key(t, e, &refs[k].len);
      refs[k].total = t->entries[e].total;
      k++;
    }
  }
  if (n) qsort(refs, n, sizeof *refs, ref_cmp);
  tidal_builder *b = NULL;
  int rc = tidal_builder_new(run->schema, a, &b);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = tidal_builder_push_str_i64(b, refs[i].key, refs[i].len, refs[i].total);
  if (rc == 0) rc = tidal_batch_from_builder(b, out);
  tidal_builder_free(b);
  tidal__free(a, refs, n * sizeof *refs);
  return rc;
}

int tidal_wordcount_run(const tidal_wordcount_opts *opts, const char *text, size_t len,
                        tidal_wordcount_result *out, tidal_error *err) {
  memset(out, 0, sizeof *out);
  if (!opts || opts->workers == 0 || opts->workers > 1024 || opts->batch_bytes == 0 ||
      (len && !text))
    return tidal_error_set(err, TIDAL_EINVAL, "word count: bad options");
  const tidal_allocator *a = tidal__allocator_or_default(opts->alloc);
  wc_run run = {opts, text, len, NULL, NULL};
  int rc = tidal_schema_parse(TIDAL_WORDCOUNT_SCHEMA, strlen(TIDAL_WORDCOUNT_SCHEMA), a,
                              &run.schema, err);
  if (rc < 0) return rc;
  run.per = tidal__calloc(a, opts->workers * sizeof *run.per);
  if (!run.per) {
    tidal_schema_unref(run.schema);
    return tidal_error_set(err, TIDAL_ENOMEM, "word count: out of memory");
  }
  for (uint32_t i = 0; i < opts->workers; i++) run.per[i].run = &run;

  tidal_config cfg;
  tidal_config_init(&cfg);
  cfg.workers = opts->workers;
  cfg.alloc = a;
  cfg.batch_bytes = opts->batch_bytes;
  cfg.chaos_seed = opts->chaos_seed;
  rc = tidal_execute(&cfg, wc_build, &run, err);
  if (rc == 0) {
    for (uint32_t i = 0; i < opts->workers; i++) {
      const wc_worker *ws = &run.per[i];
      out->lines += ws->lines;
      out->words += ws->words;
      out->emitted += ws->emitted;
      if (ws->rounds > out->rounds) out->rounds = ws->rounds;
    }
    if (opts->collect) {
      rc = gather(&run, opts->workers, a, &out->totals);
      if (rc < 0) tidal_error_set(err, rc, "word count: gathering the totals: %s", tidal_strerror(rc));
    }
  }
  for (uint32_t i = 0; i < opts->workers; i++) {
    wc_worker *ws = &run.per[i];
    if (ws->have_result) tidal__count_table_reset(&ws->result);
    tidal__free(a, ws->times, ws->times_cap * 8);
  }
  tidal__free(a, run.per, opts->workers * sizeof *run.per);
  tidal_schema_unref(run.schema);
  return rc;
}
