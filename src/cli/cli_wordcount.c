/*
** cli_wordcount.c: `tidal wordcount [-w W] [--top N] [--batch-bytes B] [--lines-per-round L]
** [--wasm M.wasm:EXPORT[:MODE]] [FILE...]`: count the words of the files (or of the bundled
** corpus) with the word-count pipeline (tidal_wordcount_run) on W workers, and print
** `word<TAB>count` lines: every word sorted by word (byte order), or with --top N the N most
** frequent (ties broken by word).
**
** The bundled corpus is found at $TIDAL_CORPUS, else <directory of the tidal binary>/../corpus/
** words.txt (the repository layout: build/tidal), else ./corpus/words.txt.
*/
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void wc_usage(FILE *f) {
  fprintf(f,
          "usage: tidal wordcount [-w W] [--top N] [--batch-bytes B] [--lines-per-round L] "
          "[--wasm M.wasm:EXPORT[:MODE]] [FILE...]\n"
          "  Count words (split on ASCII whitespace) with W workers (default 1); print\n"
          "  word<TAB>count for every word sorted by word, or the N most frequent with --top N.\n"
          "  With no FILE, reads the bundled corpus (corpus/words.txt); FILE '-' is stdin.\n"
          "  --wasm inserts a WASM operator (mode map by default) between split and exchange.\n");
}

/* A growing text buffer holding every input, each ending in '\n'. */
typedef struct text {
  char *p;
  size_t len, cap;
} text;

static int text_reserve(text *t, size_t extra) {
  if (t->cap - t->len >= extra) return 0;
  size_t ncap = t->cap ? t->cap : 1 << 16;
  while (ncap - t->len < extra) {
    if (ncap > SIZE_MAX / 2) return -1;
    ncap *= 2;
  }
  char *np = realloc(t->p, ncap);
  if (!np) return -1;
  t->p = np;
  t->cap = ncap;
  return 0;
}

/* Offset of the first byte that breaks UTF-8 (overlongs, surrogates and code points over
   U+10FFFF included), or len when the text is valid: strings in batches must be UTF-8. */
static size_t utf8_bad_at(const unsigned char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    if (c < 0x80) {
      /* ASCII runs 8 bytes at a time. */
      uint64_t w;
      while (len - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0)) i += 8;
      if (i < len && s[i] < 0x80) i++;
      continue;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) n = 2, lo = 0xA0;
    else if (c == 0xED) n = 2, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) n = 2;
    else if (c == 0xF0) n = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) n = 3, hi = 0x8F;
    else return i;
    if (len - i <= n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k <= n; k++)
      if ((s[i + k] & 0xC0) != 0x80) return i;
    i += n + 1;
  }
  return len;
}

/* Append a file's bytes (stdin for "-"); 0, or -1 after printing why. */
static int read_input(text *t, const char *path) {
  size_t start = t->len;
  FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) {
    fprintf(stderr, "tidal wordcount: cannot open '%s': %s\n", path, strerror(errno));
    return -1;
  }
  for (;;) {
    if (text_reserve(t, 1 << 16) < 0) {
      fprintf(stderr, "tidal wordcount: out of memory reading '%s'\n", path);
      if (f != stdin) fclose(f);
      return -1;
    }
    size_t n = fread(t->p + t->len, 1, t->cap - t->len, f);
    t->len += n;
    if (n == 0) break;
  }
  int bad = ferror(f);
  if (f != stdin) fclose(f);
  if (bad) {
    fprintf(stderr, "tidal wordcount: cannot read '%s': %s\n", path, strerror(errno ? errno : EIO));
    return -1;
  }
  size_t bad_at = utf8_bad_at((const unsigned char *)t->p + start, t->len - start);
  if (bad_at < t->len - start) {
    fprintf(stderr, "tidal wordcount: '%s' is not UTF-8 text (invalid byte 0x%02x at offset %zu)\n",
            path, (unsigned char)t->p[start + bad_at], bad_at);
    return -1;
  }
  /* Lines never run from one file into the next. */
  if (t->len && t->p[t->len - 1] != '\n') {
    if (text_reserve(t, 1) < 0) return -1;
    t->p[t->len++] = '\n';
  }
  return 0;
}

/* The bundled corpus's path (see the file comment), or NULL. */
static const char *corpus_path(char *buf, size_t cap) {
  const char *env = getenv("TIDAL_CORPUS");
  if (env && *env) return env;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      snprintf(buf, cap, "%s/../corpus/words.txt", exe);
      if (access(buf, R_OK) == 0) return buf;
    }
  }
  if (access("corpus/words.txt", R_OK) == 0) return "corpus/words.txt";
  return NULL;
}

static int parse_size(const char *s, unsigned long long max, unsigned long long *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || v == 0 || v > max || s[0] == '-') return -1;
  *out = v;
  return 0;
}

typedef struct row {
  const char *w;
  size_t n;
  int64_t count;
} row;

static int by_count_then_word(const void *a, const void *b) {
  const row *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = n ? memcmp(x->w, y->w, n) : 0;
  if (c) return c;
  return (x->n > y->n) - (x->n < y->n);
}

int tidal_cli_wordcount(int argc, char **argv) {
  tidal_wordcount_opts opts;
  tidal_wordcount_opts_init(&opts);
  unsigned long long top = 0, v;
  const char *wasm_spec = NULL;
  int first_file = argc;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      wc_usage(stdout);
      return 0;
    } else if (!strcmp(a, "-w") || !strcmp(a, "--workers")) {
      if (!val || parse_size(val, 1024, &v) < 0) {
        fprintf(stderr, "tidal wordcount: %s needs a worker count in 1..1024\n", a);
        return 2;
      }
      opts.workers = (uint32_t)v;
      i++;
    } else if (!strcmp(a, "--top")) {
      if (!val || parse_size(val, ULLONG_MAX, &top) < 0) {
        fprintf(stderr, "tidal wordcount: --top needs a positive count\n");
        return 2;
      }
      i++;
    } else if (!strcmp(a, "--batch-bytes")) {
      if (!val || parse_size(val, (unsigned long long)1 << 40, &v) < 0) {
        fprintf(stderr, "tidal wordcount: --batch-bytes needs a positive size\n");
        return 2;
      }
      opts.batch_bytes = (size_t)v;
      i++;
    } else if (!strcmp(a, "--lines-per-round")) {
      if (!val || parse_size(val, (unsigned long long)1 << 40, &v) < 0) {
        fprintf(stderr, "tidal wordcount: --lines-per-round needs a positive count\n");
        return 2;
      }
      opts.lines_per_round = (size_t)v;
      i++;
    } else if (!strcmp(a, "--wasm")) {
      if (!val) {
        fprintf(stderr, "tidal wordcount: --wasm needs MODULE.wasm:EXPORT[:MODE]\n");
        return 2;
      }
      wasm_spec = val;
      i++;
    } else if (!strcmp(a, "--")) {
      first_file = i + 1;
      break;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "tidal wordcount: unknown option '%s'\n", a);
      wc_usage(stderr);
      return 2;
    } else {
      first_file = i;
      break;
    }
  }

  text t = {NULL, 0, 0};
  char pathbuf[PATH_MAX + 32];
  if (first_file >= argc) {
    const char *p = corpus_path(pathbuf, sizeof pathbuf);
    if (!p) {
      fprintf(stderr, "tidal wordcount: no FILE given and the bundled corpus (corpus/words.txt) "
                      "was not found; set TIDAL_CORPUS or pass a file\n");
      return 1;
    }
    if (read_input(&t, p) < 0) return 1;
  } else {
    for (int i = first_file; i < argc; i++) {
      if (read_input(&t, argv[i]) < 0) {
        free(t.p);
        return 1;
      }
    }
  }

  tidal_wordcount_result res;
  tidal_error err = {0, {0}};
  tidal_cli_wasm_stage stage;
  if (wasm_spec) { /* cli_wasm_stage.c */
    if (tidal_cli_wasm_stage_open(&stage, wasm_spec, &opts) != 0) {
      free(t.p);
      return 1;
    }
  }
  int rc = tidal_wordcount_run(&opts, t.p, t.len, &res, &err);
  if (wasm_spec) tidal_cli_wasm_stage_close(&stage);
  if (rc < 0) {
    fprintf(stderr, "tidal wordcount: %s (%s)\n", err.msg[0] ? err.msg : tidal_strerror(rc),
            tidal_err_name(rc));
    free(t.p);
    return 1;
  }
  const tidal_batch_view *view = tidal_batch_view_of(res.totals);
  const int64_t *counts = view->slices[2].data;
  size_t n = view->rows;
  row *rows = NULL;
  if (top) {
    rows = malloc((n ? n : 1) * sizeof *rows);
    if (!rows) {
      fprintf(stderr, "tidal wordcount: out of memory\n");
      tidal_batch_unref(res.totals);
      free(t.p);
      return 1;
    }
    for (size_t i = 0; i < n; i++) {
      rows[i].w = tidal_view_str(view, 0, i, &rows[i].n);
      rows[i].count = counts[i];
    }
    qsort(rows, n, sizeof *rows, by_count_then_word);
    if (top < n) n = (size_t)top;
  }
  for (size_t i = 0; i < n; i++) {
    size_t wn;
    const char *w = rows ? rows[i].w : tidal_view_str(view, 0, i, &wn);
    if (rows) wn = rows[i].n;
    fwrite(w, 1, wn, stdout);
    printf("\t%lld\n", (long long)(rows ? rows[i].count : counts[i]));
  }
  free(rows);
  tidal_batch_unref(res.totals);
  free(t.p);
  if (fflush(stdout) != 0) {
    fprintf(stderr, "tidal wordcount: writing the output: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}
