/*
** wasm_op_util.h: helpers shared by wasm_op_test.c and wasm_op_threads_test.c: batches from JSON
** or counters, the example guests from the build, and a W = 2 dataflow input -> WASM operator ->
** capture in which worker w sends batches of u64 values 1000*w + 100*t + i at times t.
*/
#ifndef TIDAL_TESTS_WASM_OP_UTIL_H
#define TIDAL_TESTS_WASM_OP_UTIL_H

#include "wasm_util.h"

#include <stdatomic.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static inline tidal_schema *schema(const char *text) {
  tidal_schema *s = NULL;
  tidal_error e;
  if (tidal_schema_parse(text, strlen(text), NULL, &s, &e)) TEST_FAIL("schema %s: %s", text, e.msg);
  return s;
}

/* A batch from JSON rows (n of them). */
static inline tidal_batch *json_batch(const tidal_schema *s, const char *const *rows, size_t n) {
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  tidal_error e;
  for (size_t i = 0; i < n; i++)
    if (tidal_builder_push_json(b, rows[i], strlen(rows[i]), &e)) TEST_FAIL("%s: %s", rows[i], e.msg);
  tidal_batch *out;
  CHECK_OK(tidal_batch_from_builder(b, &out));
  tidal_builder_free(b);
  return out;
}

/* A u64 batch of n values v0, v0+1, ... */
static inline tidal_batch *u64_batch(const tidal_schema *s, size_t n, uint64_t v0) {
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  for (size_t i = 0; i < n; i++) CHECK_OK(tidal_builder_push_u64(b, v0 + i));
  tidal_batch *out;
  CHECK_OK(tidal_batch_from_builder(b, &out));
  tidal_builder_free(b);
  return out;
}

/* Row i of a batch as JSON, into buf. */
static inline const char *row_json(const tidal_batch *b, size_t i, char *buf, size_t cap) {
  tidal_buffer out;
  tidal_buffer_init(&out, NULL);
  CHECK_OK(tidal_view_row_json(tidal_batch_view_of(b), i, &out));
  snprintf(buf, cap, "%.*s", (int)out.len, (const char *)out.data);
  tidal_buffer_reset(&out);
  return buf;
}

static inline tidal_wasm_module *load_example(tidal_wasm_engine *e, const char *name) {
  char p[1024];
  snprintf(p, sizeof p, "%s/../../examples/guests/%s.wasm", TIDAL_WASM_TEST_DIR, name);
  tidal_wasm_module *m = NULL;
  tidal_error err;
  int rc = tidal_wasm_module_load_file(e, p, &m, &err);
  if (rc) TEST_FAIL("loading %s: %s (did the build make the example guests?)", p, err.msg);
  return m;
}

/* ---- through dataflows (W = 2) ---------------------------------------------------------------- */

typedef struct df_case {
  tidal_wasm_module *module;
  const char *exp;
  tidal_wasm_op_config cfg;
  tidal_schema *s;
  tidal_capture *cap;
  size_t batches;        /* batches each worker sends (one per time) */
  size_t rows;           /* rows per batch */
  _Atomic int errors_seen; /* on_error calls */
} df_case;

static inline int df_build(tidal_worker *w, void *ud, tidal_error *err) {
  df_case *c = ud;
  tidal_dataflow *df;
  tidal_input *in;
  tidal_stream *s, *out;
  TIDAL_RETURN_IF_ERROR(tidal_dataflow_new(w, &df));
  TIDAL_RETURN_IF_ERROR(tidal_input_new(df, c->s, &in, &s));
  TIDAL_RETURN_IF_ERROR(tidal_wasm_op(s, NULL, c->module, c->exp, &c->cfg, &out, err));
  TIDAL_RETURN_IF_ERROR(tidal_capture_attach(out, c->cap));
  for (size_t t = 0; t < c->batches; t++) {
    TIDAL_RETURN_IF_ERROR(tidal_input_advance_to(in, t));
    /* Worker w sends values starting at 1000*w + 100*t. */
    tidal_batch *b = u64_batch(c->s, c->rows, 1000 * tidal_worker_index(w) + 100 * t);
    TIDAL_RETURN_IF_ERROR(tidal_input_send(in, b));
    TIDAL_RETURN_IF_ERROR(tidal_worker_step(w));
  }
  tidal_input_close(in);
  return tidal_worker_run_to_completion(w);
}

static inline int df_run(df_case *c, const char *exp, tidal_error *err) {
  tidal_config cfg;
  tidal_config_init(&cfg);
  cfg.workers = 2;
  c->exp = exp;
  c->s = schema("u64");
  CHECK_OK(tidal_capture_new(NULL, &c->cap));
  int rc = tidal_execute(&cfg, df_build, c, err);
  tidal_schema_unref(c->s);
  return rc;
}

#endif /* TIDAL_TESTS_WASM_OP_UTIL_H */
