/*
** examples/wordcount.c: word count with tidal, built by hand from the public API.
**
**   cc wordcount.c -ltidal -lxxhash -lpthread -ldl -lm -o wordcount
**   ./wordcount [FILE]      (default: a few built-in lines)
**
** Two workers each build the same dataflow:
**   input (line, 1) --flat_map: split on whitespace--> (word, 1) --count, exchanged by word-->
**   (word, total at each completed time) --capture
** Worker 0 feeds the lines, one timestamp per line; the capture keeps every (word, total) that the
** count emitted, and the program prints, per word, the total emitted at the latest time.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidal/tidal.h"

typedef struct job {
  const char *const *lines; /* the input, fed by worker 0 */
  size_t nlines;
  tidal_schema *schema;     /* (string, i64) */
  tidal_capture *capture;   /* where every worker's count output goes */
} job;

static int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* flat_map: for each (line, diff), one (word, diff) row per whitespace-separated word. */
static int split(void *ud, uint64_t time, const tidal_batch_view *in, tidal_builder *out,
                 tidal_error *err) {
  (void)ud, (void)time;
  const int64_t *diffs = in->slices[2].data;
  for (size_t r = 0; r < in->rows; r++) {
    size_t n;
    const char *line = tidal_view_str(in, 0, r, &n);
    size_t i = 0;
    while (i < n) {
      while (i < n && is_space(line[i])) i++;
      size_t start = i;
      while (i < n && !is_space(line[i])) i++;
      if (i > start) {
        int rc = tidal_builder_push_str_i64(out, line + start, i - start, diffs[r]);
        if (rc < 0) return tidal_error_set(err, rc, "split: %s", tidal_strerror(rc));
      }
    }
  }
  return 0;
}

static int build(tidal_worker *w, void *ud, tidal_error *err) {
  job *j = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *lines, *words, *counts;
  TIDAL_RETURN_IF_ERROR(tidal_dataflow_new(w, &df));
  TIDAL_RETURN_IF_ERROR(tidal_input_new(df, j->schema, &in, &lines));
  TIDAL_RETURN_IF_ERROR(tidal_flat_map(lines, "split", j->schema, split, NULL, &words));
  TIDAL_RETURN_IF_ERROR(
      tidal_count(words, "count", tidal_pact_exchange_field(0), TIDAL_COUNT_CHANGES, &counts));
  TIDAL_RETURN_IF_ERROR(tidal_capture_attach(counts, j->capture));
  if (tidal_worker_index(w) == 0) {
    tidal_builder *b;
    TIDAL_RETURN_IF_ERROR(tidal_builder_new(j->schema, NULL, &b));
    for (size_t i = 0; i < j->nlines; i++) {
      int rc = tidal_builder_push_str_i64(b, j->lines[i], strlen(j->lines[i]), 1);
      if (rc == 0) rc = tidal_input_send_builder(in, b);
      if (rc == 0) rc = tidal_input_advance_to(in, i + 1);
      if (rc < 0) {
        tidal_builder_free(b);
        return tidal_error_set(err, rc, "feeding line %zu: %s", i, tidal_strerror(rc));
      }
    }
    tidal_builder_free(b);
  }
  tidal_input_close(in);
  return tidal_worker_run_to_completion(w);
}

/* One (word, total, time) as captured. */
typedef struct row {
  const char *word;
  size_t len;
  int64_t total;
  uint64_t time;
} row;

static int by_word_then_time(const void *a, const void *b) {
  const row *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->word, y->word, n);
  if (c) return c;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  return (x->time > y->time) - (x->time < y->time);
}

int main(int argc, char **argv) {
  static const char *const demo[] = {"the quick brown fox", "jumps over the lazy dog",
                                     "the dog sleeps"};
  const char *const *lines = demo;
  size_t nlines = sizeof demo / sizeof demo[0];
  char **file_lines = NULL;
  if (argc > 1) { /* read FILE's lines */
    FILE *f = fopen(argv[1], "r");
    if (!f) {
      perror(argv[1]);
      return 1;
    }
    char buf[65536];
    size_t cap = 0;
    nlines = 0;
    while (fgets(buf, sizeof buf, f)) {
      if (nlines == cap) file_lines = realloc(file_lines, (cap = cap ? cap * 2 : 64) * sizeof *file_lines);
      size_t n = strlen(buf) + 1;
      file_lines[nlines] = malloc(n);
      memcpy(file_lines[nlines++], buf, n);
    }
    fclose(f);
    lines = (const char *const *)file_lines;
  }

  job j = {lines, nlines, NULL, NULL};
  tidal_error err = {0, {0}};
  int rc = tidal_schema_parse("(string, i64)", 13, NULL, &j.schema, &err);
  if (rc == 0) rc = tidal_capture_new(NULL, &j.capture);
  tidal_config cfg;
  tidal_config_init(&cfg);
  cfg.workers = 2;
  if (rc == 0) rc = tidal_execute(&cfg, build, &j, &err);
  if (rc < 0) {
    fprintf(stderr, "wordcount: %s\n", err.msg[0] ? err.msg : tidal_strerror(rc));
    return 1;
  }

  /* Every captured (word, total) with its time; the latest time's total is the final one. */
  size_t nrows = tidal_capture_rows(j.capture), k = 0;
  row *rows = malloc((nrows ? nrows : 1) * sizeof *rows);
  if (!rows) {
    fprintf(stderr, "wordcount: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < tidal_capture_len(j.capture); i++) {
    uint64_t time;
    uint32_t worker;
    const tidal_batch *b;
    if (tidal_capture_get(j.capture, i, &time, &worker, &b) < 0) continue; /* i < len: cannot fail */
    const tidal_batch_view *v = tidal_batch_view_of(b);
    const int64_t *totals = v->slices[2].data;
    for (size_t r = 0; r < v->rows; r++, k++) {
      rows[k].word = tidal_view_str(v, 0, r, &rows[k].len);
      rows[k].total = totals[r];
      rows[k].time = time;
    }
  }
  qsort(rows, k, sizeof *rows, by_word_then_time);
  for (size_t i = 0; i < k; i++)
    if (i + 1 == k || by_word_then_time(&(row){rows[i].word, rows[i].len, 0, 0},
                                        &(row){rows[i + 1].word, rows[i + 1].len, 0, 0}) != 0)
      printf("%.*s\t%lld\n", (int)rows[i].len, rows[i].word, (long long)rows[i].total);

  free(rows);
  tidal_capture_free(j.capture);
  tidal_schema_unref(j.schema);
  for (size_t i = 0; file_lines && i < nlines; i++) free(file_lines[i]);
  free(file_lines);
  return 0;
}
