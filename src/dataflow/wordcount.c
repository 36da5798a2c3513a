/*
** wordcount.c: the word-count pipeline as a library function (tidal_wordcount_run in
** tidal/count.h): lines -> (line, 1) batches -> split into words -> optional stage -> exchange by
** word -> count -> per-worker result tables -> one sorted batch of final totals.
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
/* The engine's internals, only for stream_schema/stream_dataflow below: tidal_stream_schema and
   tidal_stream_dataflow are declared in tidal/dataflow.h but not defined by the engine yet.
   TODO: call the public functions once they exist. */
#include "dataflow/dataflow_int.h"
#include "dataflow/wordcount_split.h"
#include "tidal/count.h"

static const tidal_schema *stream_schema(const tidal_stream *s) { return s->schema; }

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

/* Where the split writes: the reserved tails of the output builder's three slices. */
typedef struct split_out {
  uint8_t *bytes;        /* next free byte of the bytes slice */
  uint64_t *ends;        /* next free bound */
  int64_t *diffs;        /* next free diff */
  uint64_t off;          /* bytes slice length so far (the next word's start) */
  int64_t diff;          /* the current line's diff */
  const uint8_t *limit;  /* end of the input bytes: 16-byte over-reads must stay below it */
} split_out;

static inline __attribute__((always_inline)) int put_word(void *ctx, const uint8_t *w, size_t n) {
  split_out *o = ctx;
  /* Most words are short: copy 16 bytes at once when both sides have room (the output reserved
     16 bytes of slack), else an exact memcpy. */
  if (n <= 16 && w + 16 <= o->limit) memcpy(o->bytes, w, 16);
  else memcpy(o->bytes, w, n);
  o->bytes += n;
  o->off += n;
  *o->ends++ = o->off;
  *o->diffs++ = o->diff;
  return 0;
}

static int split_cb(void *ud, uint64_t time, const tidal_batch_view *in, tidal_builder *out,
                    tidal_error *err) {
  (void)time;
  wc_worker *ws = ud;
  size_t rows = in->rows;
  const uint64_t *lends = in->slices[0].data;
  const uint8_t *lbytes = in->slices[1].data;
  const int64_t *ldiffs = in->slices[2].data;
  size_t nbytes = in->slices[1].len;
  /* A line of L bytes has at most (L + 1) / 2 words. */
  size_t maxw = nbytes / 2 + rows;
  tidal_buffer *bo = tidal_builder_slice(out, 0), *by = tidal_builder_slice(out, 1),
               *dv = tidal_builder_slice(out, 2);
  int rc = tidal_buffer_reserve(bo, maxw * 8);
  if (rc == 0) rc = tidal_buffer_reserve(by, nbytes + 16);
  if (rc == 0) rc = tidal_buffer_reserve(dv, maxw * 8);
  if (rc < 0) return tidal_error_set(err, rc, "split: reserving output: %s", tidal_strerror(rc));
  split_out o = {by->data + by->len, (uint64_t *)(void *)(bo->data + bo->len),
                 (int64_t *)(void *)(dv->data + dv->len), by->len, 0, lbytes + nbytes};
  uint64_t *ends0 = o.ends;
  uint64_t start = 0;
  for (size_t r = 0; r < rows; r++) {
    o.diff = ldiffs[r];
    tidal__split_words(lbytes + start, (size_t)(lends[r] - start), put_word, &o);
    start = lends[r];
  }
  size_t nw = (size_t)(o.ends - ends0);
  bo->len += nw * 8;
  dv->len += nw * 8;
  by->len = (size_t)o.off;
  tidal_builder_add_rows(out, nw);
  ws->words += nw;
  return 0;
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
  TIDAL_RETURN_IF_ERROR(tidal_flat_map(lines, "split", run->schema, split_cb, ws, &words));
  staged = words;
  if (o->stage) {
    rc = o->stage(o->stage_ud, words, &staged, err);
    if (rc < 0) return rc;
    if (!staged || !tidal_schema_equal(stream_schema(staged), run->schema))
      return tidal_error_set(err, TIDAL_EMISMATCH,
                             "word count: the stage's output stream is not " TIDAL_WORDCOUNT_SCHEMA);
  }
  rc = tidal_count(staged, "count", tidal_pact_exchange_field(0), o->mode, &counts);
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
    size_t nlines = 0;
    while (pos < hi) {
      const char *p = run->text + pos, *nl = memchr(p, '\n', hi - pos);
      size_t n = nl ? (size_t)(nl - p) : hi - pos;
      rc = tidal_builder_push_str_i64(b, p, n, 1);
      if (rc < 0) break;
      pos += n + (nl != NULL);
      nlines++;
      if (o->lines_per_round ? nlines == o->lines_per_round
                             : tidal_builder_bytes(b) >= o->batch_bytes)
        break;
    }
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
