/*
** cli_wasm_run.c: `tidal wasm run MODULE.wasm EXPORT --schema S [--mode M] [--config STR]
** [--batch-rows N] [...]`: run one guest export as a dataflow operator over JSON rows read from
** stdin, and write the output rows as JSON lines to stdout.
**
** The rows are cut into batches of N rows; batch i is sent at time i into a 1-worker dataflow
** input -> tidal_wasm_op -> capture. Output is written only once the whole computation succeeded:
** on any error nothing goes to stdout, one line goes to stderr, and the exit status is 1.
**
** --raw is the byte-level mode used by the cross-check against other engines: stdin is one
** encoded batch of S (validated), the export is called once on exactly those bytes, the output
** bytes are validated in the export's declared output schema and written to stdout as they are.
*/
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run_opts {
  const char *module;
  const char *exp;
  const char *schema;
  const char *mode;
  const char *config;
  const char *cache_dir;
  const char *name;
  unsigned long long batch_rows;
  unsigned long long deadline_ms;
  unsigned long long max_pages;
  bool raw;
  bool keep_going;
  char cache_buf[4096];
} run_opts;

static void run_usage(FILE *f) {
  fprintf(f,
          "usage: tidal wasm run [OPTIONS] MODULE.wasm EXPORT < rows.jsonl > out.jsonl\n"
          "  Run EXPORT of MODULE as a dataflow operator over JSON rows (one per line) on stdin;\n"
          "  print the output rows as JSON lines. Nothing is printed unless every batch succeeds.\n"
          "options:\n"
          "  --schema S          schema of the input rows (default: the export's declared input)\n"
          "  --mode M            map (default), filter, flat_map (or batch), update:FIELD\n"
          "  --config STR        configuration text passed to the guest's tidal_init\n"
          "  --batch-rows N      rows per batch (default 1024); batch i runs at time i\n"
          "  --deadline-ms MS    per-call deadline (default: the engine's)\n"
          "  --max-pages P       cap of the guest's memory in 64 KiB pages\n"
          "  --continue          on a failed batch: warn on stderr, drop it, go on with a fresh\n"
          "                      instance; the other batches' rows are printed, but the exit\n"
          "                      status is still 1 if any batch failed\n"
          "  --raw               stdin is one encoded batch of S; write the export's output bytes\n"
          "                      (validated) to stdout as they are\n"
          "  --cache-dir DIR     compiled modules (default $XDG_CACHE_HOME/tidal or ~/.cache/tidal)\n");
}

static int parse_count(const char *s, unsigned long long *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-' || v == 0) return -1;
  *out = v;
  return 0;
}

static int run_parse(int argc, char **argv, run_opts *o) {
  memset(o, 0, sizeof *o);
  o->batch_rows = 1024;
  /* argv[0] is "wasm", argv[1] is "run". */
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    const char **str = !strcmp(a, "--schema")      ? &o->schema
                       : !strcmp(a, "--mode")      ? &o->mode
                       : !strcmp(a, "--config")    ? &o->config
                       : !strcmp(a, "--cache-dir") ? &o->cache_dir
                       : !strcmp(a, "--name")      ? &o->name
                                                   : NULL;
    unsigned long long *num = !strcmp(a, "--batch-rows")    ? &o->batch_rows
                              : !strcmp(a, "--deadline-ms") ? &o->deadline_ms
                              : !strcmp(a, "--max-pages")   ? &o->max_pages
                                                            : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      run_usage(stdout);
      return 1;
    } else if (str || num) {
      if (!val || (num && parse_count(val, num) < 0)) {
        fprintf(stderr, "tidal wasm run: %s needs %s\n", a, num ? "a positive number" : "a value");
        return -1;
      }
      if (str) *str = val;
      i++;
    } else if (!strcmp(a, "--raw")) {
      o->raw = true;
    } else if (!strcmp(a, "--continue")) {
      o->keep_going = true;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "tidal wasm run: unknown option '%s'\n", a);
      run_usage(stderr);
      return -1;
    } else if (!o->module) {
      o->module = a;
    } else if (!o->exp) {
      o->exp = a;
    } else {
      fprintf(stderr, "tidal wasm run: unexpected argument '%s'\n", a);
      return -1;
    }
  }
  if (!o->module || !o->exp) {
    run_usage(stderr);
    return -1;
  }
  if (o->max_pages > 65535 || o->deadline_ms >= UINT32_MAX || o->batch_rows > ((size_t)1 << 32)) {
    fprintf(stderr, "tidal wasm run: --max-pages is at most 65535, --batch-rows at most 2^32\n");
    return -1;
  }
  if (!o->cache_dir) {
    if (tidal_cli_default_cache_dir(o->cache_buf, sizeof o->cache_buf) < 0) {
      fprintf(stderr, "tidal wasm run: no cache directory: set --cache-dir, XDG_CACHE_HOME or HOME\n");
      return -1;
    }
    o->cache_dir = o->cache_buf;
  }
  return 0;
}

static int fail_msg(const char *what, int rc, const tidal_error *err) {
  fprintf(stderr, "tidal wasm run: %s%s%s (%s)\n", what ? what : "", what ? ": " : "",
          err && err->msg[0] ? err->msg : tidal_strerror(rc), tidal_err_name(rc));
  return 1;
}

/* Read all of a stream into a malloc'd buffer (NUL-terminated; *len without the NUL). */
static char *slurp(FILE *f, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *p = malloc(cap);
  while (p) {
    if (cap - n < 2) {
      char *q = realloc(p, cap * 2);
      if (!q) break;
      p = q;
      cap *= 2;
    }
    size_t got = fread(p + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) break;
      p[n] = '\0';
      *len = n;
      return p;
    }
  }
  free(p);
  return NULL;
}

/* Load a module named by its path as given (so messages name the path, not only the file). */
static int load_module(tidal_wasm_engine *e, const char *path, tidal_wasm_module **out,
                       tidal_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return tidal_error_set(err, errno == ENOENT ? TIDAL_ENOENT : TIDAL_EIO, "cannot open '%s': %s",
                           path, strerror(errno));
  size_t len = 0;
  char *bytes = slurp(f, &len);
  fclose(f);
  if (!bytes) return tidal_error_set(err, TIDAL_EIO, "cannot read '%s'", path);
  int rc = tidal_wasm_module_load(e, (const uint8_t *)bytes, len, path, out, err);
  free(bytes);
  return rc;
}

/* ---- the dataflow run ------------------------------------------------------------------------ */

typedef struct run_ctx {
  const run_opts *o;
  tidal_wasm_module *module;
  tidal_wasm_op_config cfg;
  tidal_schema *schema;
  tidal_batch **batches; /* owned until sent */
  size_t nbatches;
  tidal_capture *cap;
  unsigned long errors;  /* batches that failed under --continue */
} run_ctx;

static void run_on_error(void *ud, uint32_t worker, uint64_t time, const tidal_error *err) {
  run_ctx *c = ud;
  (void)worker;
  (void)time;
  c->errors++;
  fprintf(stderr, "tidal wasm run: warning: %s (batch dropped)\n", err->msg);
}

static int run_build(tidal_worker *w, void *ud, tidal_error *err) {
  run_ctx *c = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *out;
  TIDAL_RETURN_IF_ERROR(tidal_dataflow_new(w, &df));
  TIDAL_RETURN_IF_ERROR(tidal_input_new(df, c->schema, &in, &s));
  TIDAL_RETURN_IF_ERROR(tidal_wasm_op(s, c->o->name, c->module, c->o->exp, &c->cfg, &out, err));
  TIDAL_RETURN_IF_ERROR(tidal_capture_attach(out, c->cap));
  for (size_t i = 0; i < c->nbatches; i++) {
    TIDAL_RETURN_IF_ERROR(tidal_input_advance_to(in, i));
    tidal_batch *b = c->batches[i];
    c->batches[i] = NULL;
    TIDAL_RETURN_IF_ERROR(tidal_input_send(in, b));
    TIDAL_RETURN_IF_ERROR(tidal_worker_step(w));
  }
  tidal_input_close(in);
  return tidal_worker_run_to_completion(w);
}

/* JSON lines -> batches of batch_rows rows. */
static int read_batches(run_ctx *c, char *text, size_t len) {
  tidal_builder *b = NULL;
  tidal_error err;
  int rc = tidal_builder_new(c->schema, NULL, &b);
  if (rc < 0) return fail_msg("out of memory", rc, NULL);
  size_t cap = 0, line_no = 0;
  char *p = text, *end = text + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *le = nl ? nl : end;
    line_no++;
    size_t n = (size_t)(le - p);
    if (n && p[n - 1] == '\r') n--;
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t')) k++;
    if (k < n) {
      rc = tidal_builder_push_json(b, p, n, &err);
      if (rc < 0) {
        fprintf(stderr, "tidal wasm run: stdin line %zu: %s (%s)\n", line_no, err.msg,
                tidal_err_name(rc));
        tidal_builder_free(b);
        return 1;
      }
    }
    p = le + 1;
    if (tidal_builder_rows(b) == c->o->batch_rows || (p >= end && tidal_builder_rows(b))) {
      if (c->nbatches == cap) {
        size_t ncap = cap ? cap * 2 : 16;
        tidal_batch **nb = realloc(c->batches, ncap * sizeof *nb);
        if (!nb) {
          tidal_builder_free(b);
          return fail_msg("out of memory", TIDAL_ENOMEM, NULL);
        }
        c->batches = nb;
        cap = ncap;
      }
      rc = tidal_batch_from_builder(b, &c->batches[c->nbatches]);
      if (rc < 0) {
        tidal_builder_free(b);
        return fail_msg("building a batch", rc, NULL);
      }
      c->nbatches++;
    }
  }
  tidal_builder_free(b);
  return 0;
}

static int write_rows(run_ctx *c) {
  tidal_buffer out;
  tidal_buffer_init(&out, NULL);
  for (size_t i = 0; i < tidal_capture_len(c->cap); i++) {
    uint64_t t;
    uint32_t wk;
    const tidal_batch *b;
    if (tidal_capture_get(c->cap, i, &t, &wk, &b) < 0) continue;
    const tidal_batch_view *v = tidal_batch_view_of(b);
    for (size_t r = 0; r < v->rows; r++) {
      out.len = 0;
      int rc = tidal_view_row_json(v, r, &out);
      if (rc == 0) rc = tidal_buffer_append(&out, "\n", 1);
      if (rc < 0) {
        tidal_buffer_reset(&out);
        return fail_msg("writing the output", rc, NULL);
      }
      fwrite(out.data, 1, out.len, stdout);
    }
  }
  tidal_buffer_reset(&out);
  if (fflush(stdout) != 0) {
    fprintf(stderr, "tidal wasm run: writing the output: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}

static int run_dataflow(run_ctx *c, char *text, size_t len) {
  int status = read_batches(c, text, len);
  if (status) return status;
  tidal_error err;
  int rc = tidal_capture_new(NULL, &c->cap);
  if (rc < 0) return fail_msg("out of memory", rc, NULL);
  tidal_config cfg;
  tidal_config_init(&cfg);
  cfg.workers = 1;
  rc = tidal_execute(&cfg, run_build, c, &err);
  if (rc < 0) return fail_msg(NULL, rc, &err);
  status = write_rows(c);
  if (c->errors) {
    /* --continue: the surviving rows were written, but the run is not a success. */
    fprintf(stderr, "tidal wasm run: %lu of %zu batches failed and were dropped: the output "
                    "lacks their rows\n",
            c->errors, c->nbatches);
    return 1;
  }
  return status;
}

/* ---- the raw run ------------------------------------------------------------------------------ */

static int run_raw(run_ctx *c, char *bytes, size_t len) {
  tidal_error err;
  tidal_batch *in = NULL;
  int rc = tidal_batch_copy_bytes(c->schema, bytes, len, NULL, &in, &err);
  if (rc < 0) return fail_msg("stdin is not an encoded batch of the schema", rc, &err);
  tidal_batch_unref(in);
  tidal_wasm_runner *r = NULL;
  rc = tidal_wasm_runner_new(c->module, c->o->exp, c->schema, &c->cfg, c->o->name, NULL, &r, &err);
  if (rc < 0) return fail_msg(NULL, rc, &err);
  uint8_t *out = NULL;
  size_t n = 0;
  rc = tidal_wasm_runner_call_bytes(r, bytes, len, &out, &n, &err);
  if (rc < 0) {
    tidal_wasm_runner_free(r);
    return fail_msg(NULL, rc, &err);
  }
  /* The declared output schema of the export (the guest's, whatever the mode). */
  const tidal_wasm_module_info *info = tidal_wasm_module_inspect(c->module);
  size_t op = 0;
  rc = tidal_wasm_module_find_operator(c->module, c->o->exp, &op, &err);
  if (rc < 0) {
    tidal_wasm_runner_free(r);
    return fail_msg(NULL, rc, &err);
  }
  const char *ot = info->operators[op].output_schema;
  tidal_schema *os = NULL;
  tidal_batch *ob = NULL;
  rc = tidal_schema_parse(ot, strlen(ot), NULL, &os, &err);
  if (rc == 0) rc = tidal_batch_copy_bytes(os, out, n, NULL, &ob, &err);
  int status = 0;
  if (rc < 0) status = fail_msg("the output is not a valid encoding of the declared output", rc, &err);
  else if (fwrite(out, 1, n, stdout) != n || fflush(stdout) != 0) status = fail_msg("writing", TIDAL_EIO, NULL);
  tidal_batch_unref(ob);
  tidal_schema_unref(os);
  tidal_wasm_runner_free_bytes(r, out, n);
  tidal_wasm_runner_free(r);
  return status;
}

int tidal_cli_wasm_run(int argc, char **argv) {
  run_opts o;
  int prc = run_parse(argc, argv, &o);
  if (prc) return prc > 0 ? 0 : 2;
  run_ctx c;
  memset(&c, 0, sizeof c);
  c.o = &o;
  tidal_wasm_op_config_init(&c.cfg);
  tidal_error err;
  const char *field = NULL;
  if (o.mode && tidal_wasm_mode_parse(o.mode, &c.cfg.mode, &field, &err) < 0) {
    fprintf(stderr, "tidal wasm run: %s\n", err.msg);
    return 2;
  }
  c.cfg.update_field = field;
  c.cfg.init = o.config;
  c.cfg.init_len = o.config ? strlen(o.config) : 0;
  c.cfg.deadline_ms = (uint32_t)o.deadline_ms;
  c.cfg.continue_on_error = o.keep_going;
  c.cfg.on_error = run_on_error;
  c.cfg.on_error_ud = &c;

  tidal_wasm_engine_config ecfg;
  tidal_wasm_engine_config_init(&ecfg);
  ecfg.cache_dir = o.cache_dir;
  if (o.max_pages) ecfg.max_pages = (uint32_t)o.max_pages;
  ecfg.log = tidal_cli_wasm_log;
  tidal_wasm_engine *e = NULL;
  int status = 1, rc = tidal_wasm_engine_new(&ecfg, &e, &err);
  if (rc < 0) return fail_msg(NULL, rc, &err);
  rc = load_module(e, o.module, &c.module, &err);
  if (rc < 0) {
    fail_msg(o.module, rc, &err);
    goto done;
  }
  const char *stext = o.schema;
  size_t op;
  if (!stext) {
    rc = tidal_wasm_module_find_operator(c.module, o.exp, &op, &err);
    if (rc < 0) {
      fail_msg(NULL, rc, &err);
      goto done;
    }
    stext = tidal_wasm_module_inspect(c.module)->operators[op].input_schema;
  }
  rc = tidal_schema_parse(stext, strlen(stext), NULL, &c.schema, &err);
  if (rc < 0) {
    fail_msg("--schema", rc, &err);
    goto done;
  }
  {
    /* Check the export, its declared schemas and the mode against --schema before reading any
       input, so that a wrong schema is reported as a mismatch, not as a JSON error on line 1.
       A runner makes no instance until its first batch, so this costs no guest call. */
    tidal_wasm_runner *probe = NULL;
    rc = tidal_wasm_runner_new(c.module, o.exp, c.schema, &c.cfg, o.name, NULL, &probe, &err);
    tidal_wasm_runner_free(probe);
    if (rc < 0) {
      fail_msg(NULL, rc, &err);
      goto done;
    }
  }
  size_t len = 0;
  char *input = slurp(stdin, &len);
  if (!input) {
    fprintf(stderr, "tidal wasm run: cannot read stdin: %s\n", strerror(errno ? errno : ENOMEM));
    goto done;
  }
  status = o.raw ? run_raw(&c, input, len) : run_dataflow(&c, input, len);
  free(input);
done:
  for (size_t i = 0; i < c.nbatches; i++) tidal_batch_unref(c.batches[i]);
  free(c.batches);
  tidal_capture_free(c.cap);
  tidal_schema_unref(c.schema);
  tidal_wasm_module_free(c.module);
  tidal_wasm_engine_free(e);
  return status;
}
