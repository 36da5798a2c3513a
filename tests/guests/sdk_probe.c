/*
 * sdk_probe.c — a test guest (not an example) that exercises the SDK paths the examples do not:
 * the init hook and persistent memory, state across calls, arena growth and chunk reuse, the
 * output builder's copy path (slices written out of order), bool words + tail, error messages,
 * and the schema parser's row counts for every schema kind in spec/vectors. Driven by
 * sdk_probe_test.mjs.
 */
#include "tidal_guest.h"

static char *config;        /* persistent copy of the init string */
static uint32_t config_len; /* its length */
static uint64_t running;    /* state kept across calls */

TIDAL_ON_INIT(cfg, len) {
  if (tidal_bytes_equal(cfg, len, "refuse!", 7)) {
    tidal_guest_fail("init refused as asked");
    return 1;
  }
  config = (char *)tidal_persist_alloc(len);
  if (!config && len) return 1;
  if (len) __builtin_memcpy(config, cfg, len);
  config_len = len;
  return 0;
}

/* The init string, once per input row (it must survive the arena resets). */
TIDAL_OPERATOR(get_config, "u64", "string") {
  tidal_col_u64 v;
  TIDAL_TRY(tidal_batch_u64(in, 0, &v));
  for (uint32_t i = 0; i < v.n; i++) TIDAL_TRY(tidal_out_push_string(out, 0, config, config_len));
  return tidal_out_finish(out);
}

/* Prefix sums across calls: row i gets the sum of every value seen so far, this one included. */
TIDAL_OPERATOR(running_sum, "u64", "u64") {
  tidal_col_u64 v;
  TIDAL_TRY(tidal_batch_u64(in, 0, &v));
  for (uint32_t i = 0; i < v.n; i++) {
    running += v.v[i];
    TIDAL_TRY(tidal_out_push_u64(out, 0, running));
  }
  return tidal_out_finish(out);
}

/* Input [n, fill]: n rows of fill + i, pushed one by one (the slice grows by doubling). */
TIDAL_OPERATOR(count_up, "u64", "u64") {
  tidal_col_u64 v;
  TIDAL_TRY(tidal_batch_u64(in, 0, &v));
  if (v.n != 2) return tidal_guest_fail_at("count_up wants 2 values, got", v.n);
  for (uint64_t i = 0; i < v.v[0]; i++) TIDAL_TRY(tidal_out_push_u64(out, 0, v.v[1] + i));
  return tidal_out_finish(out);
}

/* Input [bytes]: a persistent block of that size, filled with 0xAB; returns [address, size, and
 * whether every earlier block still holds its fill]. Interleaves persistent blocks with the
 * arena. */
static uint8_t *blocks[64];
static uint32_t block_len[64];
static uint32_t nblocks;
TIDAL_OPERATOR(persist_block, "u64", "u64") {
  tidal_col_u64 v;
  TIDAL_TRY(tidal_batch_u64(in, 0, &v));
  if (v.n != 1 || nblocks == 64) return tidal_guest_fail("persist_block wants 1 value");
  uint8_t *p = (uint8_t *)tidal_persist_alloc((uint32_t)v.v[0]);
  if (!p) return tidal_guest_fail("persist_block: out of memory");
  __builtin_memset(p, 0xAB, (size_t)v.v[0]);
  blocks[nblocks] = p;
  block_len[nblocks++] = (uint32_t)v.v[0];
  uint64_t intact = 1;
  for (uint32_t b = 0; b < nblocks; b++)
    for (uint32_t i = 0; i < block_len[b]; i++) intact &= blocks[b][i] == 0xAB;
  TIDAL_TRY(tidal_out_push_u64(out, 0, (uint64_t)(uintptr_t)p));
  TIDAL_TRY(tidal_out_push_u64(out, 0, v.v[0]));
  TIDAL_TRY(tidal_out_push_u64(out, 0, intact));
  return tidal_out_finish(out);
}

/* Identity on (string, u64), but written column 1 first, then the strings, interleaving growth:
 * the slices end up out of order in the arena and finish() must copy. */
TIDAL_OPERATOR(reorder, "(string, u64)", "(string, u64)") {
  if (in->nslices != 3) return tidal_guest_fail("reorder: 3 slices expected");
  tidal_col_string s;
  tidal_col_u64 x;
  TIDAL_TRY(tidal_batch_string(in, 0, &s));
  TIDAL_TRY(tidal_batch_u64(in, 2, &x));
  for (uint32_t i = 0; i < x.n; i++) TIDAL_TRY(tidal_out_push_u64(out, 2, x.v[i]));
  for (uint32_t i = 0; i < s.n; i++) {
    tidal_bytes b = tidal_string_at(&s, i);
    TIDAL_TRY(tidal_out_push_string(out, 0, b.ptr, b.len));
  }
  return tidal_out_finish(out);
}

/* Bit i = value i is odd; and the bools of a bool input, negated (bool views and builder). */
TIDAL_OPERATOR(odd, "u64", "bool") {
  tidal_col_u64 v;
  TIDAL_TRY(tidal_batch_u64(in, 0, &v));
  for (uint32_t i = 0; i < v.n; i++) TIDAL_TRY(tidal_out_push_bool(out, 0, v.v[i] & 1));
  return tidal_out_finish(out);
}
TIDAL_OPERATOR(negate, "bool", "bool") {
  tidal_col_bool b;
  TIDAL_TRY(tidal_batch_bool(in, 0, &b));
  if (b.n != in->rows) return tidal_guest_fail("negate: rows differ");
  for (uint32_t i = 0; i < b.n; i++) TIDAL_TRY(tidal_out_push_bool(out, 0, !tidal_bool_at(&b, i)));
  return tidal_out_finish(out);
}

/* Always fails, with a number in the message. */
TIDAL_OPERATOR(fail_always, "u64", "u64") { return tidal_guest_fail_at("failing as asked at", 42); }

/* Row count and slice count the SDK derives for each schema of spec/vectors. */
#define ROWS(name, schema)                                                                       \
  TIDAL_OPERATOR(name, schema, "u64") {                                                          \
    TIDAL_TRY(tidal_out_push_u64(out, 0, in->rows));                                             \
    TIDAL_TRY(tidal_out_push_u64(out, 0, in->nslices));                                          \
    return tidal_out_finish(out);                                                                \
  }
ROWS(rows_u64, "u64")
ROWS(rows_string_i64, "(string, i64)")
ROWS(rows_struct, "{text: string, diff: i64}")
ROWS(rows_option_i32, "option<i32>")
ROWS(rows_vec_u8, "vec<u8>")
ROWS(rows_enum_data, "enum{Unit, Data(i64)}")
ROWS(rows_enum_unit, "enum{Red, Green, Blue}")
ROWS(rows_string, "string")
ROWS(rows_bool, "bool")
ROWS(rows_char, "char")
ROWS(rows_unit, "unit")
ROWS(rows_i16, "i16")
ROWS(rows_f32, "f32")
ROWS(rows_f64, "f64")
ROWS(rows_u8, "u8")
ROWS(rows_nested, "(result<vec<string>, enum{A{x: u8, y: bool}, B}>, (u128, ()))")

/* A schema the SDK cannot parse: every call fails with a clear message. */
TIDAL_OPERATOR(bad_schema, "map<u8, u8>", "u64") { return tidal_out_finish(out); }

/* A bool column copied through wholesale (words and tail appended as bytes, no push_bool). */
TIDAL_OPERATOR(copy_bools, "bool", "bool") {
  tidal_bytes w = tidal_batch_slice(in, 0), t = tidal_batch_slice(in, 1);
  TIDAL_TRY(tidal_out_append(out, 0, w.ptr, w.len));
  TIDAL_TRY(tidal_out_append(out, 1, t.ptr, t.len));
  return tidal_out_finish(out);
}

/* Logs one line through the optional tidal.log import (so this module imports it), passes input
 * through unchanged. */
TIDAL_OPERATOR(log_rows, "u64", "u64") {
  tidal_col_u64 v;
  TIDAL_TRY(tidal_batch_u64(in, 0, &v));
  tidal_log("log_rows: hello from the guest");
  TIDAL_TRY(tidal_out_append(out, 0, v.v, v.n * 8u));
  return tidal_out_finish(out);
}
