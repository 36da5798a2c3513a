/*
** operator.c: the WASM dataflow operator: a runner (operator_run.c) wrapped in an operator made
** with the dataflow layer's generic builder. One input (pipeline pact) and one output; every
** input batch at time t becomes at most one output batch at t, sent while the input message is
** current (so no capability is ever held across logic calls).
**
** Invariant: each worker's operator owns exactly one runner, hence one instance per worker per
** operator, created at its first batch and reused until a failure discards it.
*/
#include "tidal/dataflow.h"
#include "wasm/operator_int.h"

#include <stdio.h>

typedef struct wasm_op_state {
  tidal_wasm_runner *runner;    /* owned */
  bool continue_on_error;       /* drop failed batches instead of stopping */
  tidal_wasm_error_cb on_error; /* borrowed callback, may be NULL */
  void *on_error_ud;            /* passed to on_error */
  const tidal_allocator *alloc; /* the worker's allocator (this struct came from it) */
} wasm_op_state;

static void op_destroy(void *ud) {
  wasm_op_state *st = ud;
  if (!st) return;
  tidal_wasm_runner_free(st->runner);
  tidal__free(st->alloc, st, sizeof *st);
}

static int op_logic(tidal_op *op, void *ud, tidal_error *err) {
  wasm_op_state *st = ud;
  uint64_t t;
  tidal_batch *in;
  while (tidal_op_next(op, 0, &t, &in)) {
    tidal_batch *out = NULL;
    int rc = tidal_wasm_runner_run(st->runner, t, in, &out, err);
    if (rc < 0) {
      if (!st->continue_on_error) return rc;
      /* The runner discarded its instance; the next batch gets a fresh one. */
      if (st->on_error) st->on_error(st->on_error_ud, tidal_op_worker_index(op), t, err);
      continue;
    }
    if (out) {
      rc = tidal_op_send(op, 0, t, out);
      if (rc < 0) return tidal_error_set(err, rc, "sending the output: %s", tidal_strerror(rc));
    }
  }
  return 0;
}

int tidal_wasm_op(tidal_stream *in, const char *name, tidal_wasm_module *module,
                  const char *export_name, const tidal_wasm_op_config *cfg, tidal_stream **out,
                  tidal_error *err) {
  *out = NULL;
  if (!in || !module || !export_name || !cfg)
    return tidal_error_set(err, TIDAL_EINVAL, "tidal_wasm_op: NULL stream, module, export or config");
  tidal_dataflow *df = tidal_stream_dataflow(in);
  const tidal_allocator *alloc =
      tidal__allocator_or_default(tidal_worker_allocator(tidal_dataflow_worker(df)));
  char opname[256];
  snprintf(opname, sizeof opname, "%s%s", name ? "" : "wasm:", name ? name : export_name);
  wasm_op_state *st = tidal__calloc(alloc, sizeof *st);
  if (!st) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  st->alloc = alloc;
  st->continue_on_error = cfg->continue_on_error;
  st->on_error = cfg->on_error;
  st->on_error_ud = cfg->on_error_ud;
  int rc = tidal_wasm_runner_new(module, export_name, tidal_stream_schema(in), cfg, opname, alloc,
                                 &st->runner, err);
  if (rc < 0) {
    op_destroy(st);
    return rc;
  }
  tidal_op_builder *b = NULL;
  rc = tidal_op_builder_new(df, opname, &b);
  if (rc == 0) rc = tidal_op_builder_add_input(b, in, tidal_pact_pipeline(), NULL);
  if (rc == 0)
    rc = tidal_op_builder_add_output(b, tidal_wasm_runner_output_schema(st->runner), out, NULL);
  if (rc < 0) {
    tidal_op_builder_free(b);
    op_destroy(st);
    *out = NULL;
    return tidal_error_set(err, rc, "attaching %s: %s", opname, tidal_strerror(rc));
  }
  /* build consumes b and, on failure, destroys st. */
  rc = tidal_op_builder_build(b, op_logic, st, op_destroy);
  if (rc < 0) {
    *out = NULL;
    return tidal_error_set(err, rc, "attaching %s: %s", opname, tidal_strerror(rc));
  }
  return 0;
}
