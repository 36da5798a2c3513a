// ctest-labels: threads
/*
** wasm_op_threads_test.c: WASM operators in dataflows of W = 2 workers without traps (so that
** TSan can run them; traps use signals, see wasm_trap_threads_test.c): one instance per worker
** with its own state, map and filter outputs complete, and an attach-time schema mismatch
** stopping every worker.
*/
#include "wasm_op_util.h"

TEST(dataflow_two_workers_stamp_keeps_per_worker_state) {
  tidal_wasm_engine *e = wt_engine();
  df_case c;
  memset(&c, 0, sizeof c);
  c.module = wt_load(e, "op_hostile");
  tidal_wasm_op_config_init(&c.cfg);
  c.batches = 4;
  c.rows = 10;
  tidal_error err;
  CHECK_OK(df_run(&c, "stamp", &err));
  CHECK_EQ_U64(tidal_capture_rows(c.cap), 2 * 4 * 10);
  /* Each worker has its own instance: its batches are stamped 1, 2, 3, 4 in time order. */
  for (size_t i = 0; i < tidal_capture_len(c.cap); i++) {
    uint64_t t;
    uint32_t wk;
    const tidal_batch *b;
    CHECK_OK(tidal_capture_get(c.cap, i, &t, &wk, &b));
    const uint64_t *v = tidal_batch_view_of(b)->slices[0].data;
    CHECK_EQ_U64(v[0], t + 1);
  }
  tidal_capture_free(c.cap);
  tidal_wasm_module_free(c.module);
  tidal_wasm_engine_free(e);
}

TEST(dataflow_two_workers_echo_and_filter) {
  tidal_wasm_engine *e = wt_engine();
  df_case c;
  memset(&c, 0, sizeof c);
  c.module = wt_load(e, "op_hostile");
  tidal_wasm_op_config_init(&c.cfg);
  c.batches = 3;
  c.rows = 70;
  tidal_error err;
  CHECK_OK(df_run(&c, "echo", &err));
  CHECK_EQ_U64(tidal_capture_rows(c.cap), 2 * 3 * 70);
  uint64_t sum = 0, want = 0;
  for (size_t i = 0; i < tidal_capture_len(c.cap); i++) {
    uint64_t t;
    uint32_t wk;
    const tidal_batch *b;
    CHECK_OK(tidal_capture_get(c.cap, i, &t, &wk, &b));
    const tidal_batch_view *v = tidal_batch_view_of(b);
    for (size_t r = 0; r < v->rows; r++) sum += ((const uint64_t *)v->slices[0].data)[r];
  }
  for (uint64_t w = 0; w < 2; w++)
    for (uint64_t t = 0; t < 3; t++)
      for (uint64_t r = 0; r < 70; r++) want += 1000 * w + 100 * t + r;
  CHECK_EQ_U64(sum, want);
  tidal_capture_free(c.cap);
  /* The filter keeps the even-positioned rows of every batch. */
  memset(&c.cap, 0, sizeof c.cap);
  c.cfg.mode = TIDAL_WASM_FILTER;
  CHECK_OK(df_run(&c, "bits_alt", &err));
  CHECK_EQ_U64(tidal_capture_rows(c.cap), 2 * 3 * 35);
  tidal_capture_free(c.cap);
  tidal_wasm_module_free(c.module);
  tidal_wasm_engine_free(e);
}

TEST(dataflow_attach_time_mismatch) {
  tidal_wasm_engine *e = wt_engine();
  df_case c;
  memset(&c, 0, sizeof c);
  c.module = load_example(e, "lowercase");
  tidal_wasm_op_config_init(&c.cfg);
  c.batches = 1;
  c.rows = 1;
  tidal_error err;
  CHECK_ERR(df_run(&c, "lowercase", &err), TIDAL_EMISMATCH);
  CHECK(strstr(err.msg, "u64") && strstr(err.msg, "(string, i64)"));
  CHECK_EQ_U64(tidal_capture_rows(c.cap), 0);
  tidal_capture_free(c.cap);
  tidal_wasm_module_free(c.module);
  tidal_wasm_engine_free(e);
}
