/*
** columnar_builder_test.c: the builder's writer rules (bool tails, rank-select counts across
** block boundaries, the enum homogeneous -> heterogeneous switch, unit counts), the cursor API
** against push_json on the same rows, rollback of failed rows, the (string, i64) fast path,
** row copy from views, batches from builders, and OOM sweeps.
**
** Expected slice contents are derived from the spec's rules in the test itself (independent
** loops over the pushed values), never read back from the code under test.
*/
#include "harness/test.h"

static tidal_schema *parse(const char *text) {
  tidal_schema *s = NULL;
  tidal_error err;
  if (tidal_schema_parse(text, strlen(text), NULL, &s, &err) < 0) TEST_FAIL("%s: %s", text, err.msg);
  return s;
}

static const uint64_t *u64s(const tidal_batch_view *v, size_t k) {
  return (const uint64_t *)v->slices[k].data;
}

/* Encode b, re-read the bytes through the validating view (the result must be valid). */
static void encode_view(tidal_builder *b, tidal_buffer *enc, tidal_batch_view *v) {
  tidal_error err;
  tidal_buffer_init(enc, NULL);
  CHECK_OK(tidal_builder_encode(b, enc));
  if (tidal_view_init(v, tidal_builder_schema(b), enc->data, enc->len, NULL, &err) < 0)
    TEST_FAIL("builder output does not validate: %s", err.msg);
}

static void row_json(const tidal_batch_view *v, size_t r, char *out, size_t cap) {
  tidal_buffer o;
  tidal_buffer_init(&o, NULL);
  CHECK_OK(tidal_view_row_json(v, r, &o));
  CHECK(o.len < cap);
  memcpy(out, o.data, o.len);
  out[o.len] = 0;
  tidal_buffer_reset(&o);
}

static void push_json(tidal_builder *b, const char *js) {
  tidal_error err;
  if (tidal_builder_push_json(b, js, strlen(js), &err) < 0) TEST_FAIL("push_json %s: %s", js, err.msg);
}

TEST(bool_tail_at_63_64_65_and_129) {
  static const size_t ns[] = {0, 1, 63, 64, 65, 127, 128, 129};
  tidal_schema *s = parse("bool");
  for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
    size_t n = ns[t];
    tidal_builder *b;
    CHECK_OK(tidal_builder_new(s, NULL, &b));
    uint64_t pattern = 0x9E3779B97F4A7C15ull; /* bit i of the column = bit i%64 of pattern */
    for (size_t i = 0; i < n; i++) CHECK_OK(tidal_builder_push_bool(b, (pattern >> (i % 64)) & 1));
    tidal_buffer enc;
    tidal_batch_view v;
    encode_view(b, &enc, &v);
    CHECK_EQ_INT(v.rows, n);
    CHECK_EQ_INT(v.slices[0].len, n / 64);
    CHECK_EQ_INT(v.slices[1].len, 2); /* the tail is always two words */
    for (size_t w = 0; w < n / 64; w++) CHECK_EQ_U64(u64s(&v, 0)[w], pattern);
    uint64_t bits = n % 64, partial = bits ? pattern & ((1ull << bits) - 1) : 0;
    CHECK_EQ_U64(u64s(&v, 1)[0], partial);
    CHECK_EQ_U64(u64s(&v, 1)[1], bits);
    /* header + words padded + 16 tail bytes */
    CHECK_EQ_INT(enc.len, 24 + 8 * (n / 64) + 16);
    if (n) {
      char js[16];
      row_json(&v, n - 1, js, sizeof js);
      CHECK_STR(js, ((pattern >> ((n - 1) % 64)) & 1) ? "true" : "false");
    }
    tidal_view_reset(&v);
    tidal_buffer_reset(&enc);
    tidal_builder_free(b);
  }
  tidal_schema_unref(s);
}

/* Some(i) unless i % 3 == 0 or i is in a run of Nones around 1500. */
static bool is_some(size_t i) { return i % 3 != 0 && !(i >= 1400 && i < 1600); }

TEST(rank_select_counts_across_block_boundaries) {
  static const size_t ns[] = {1023, 1024, 1025, 2047, 2048, 2049, 3500};
  tidal_schema *s = parse("option<u32>");
  for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
    size_t n = ns[t];
    tidal_builder *b;
    CHECK_OK(tidal_builder_new(s, NULL, &b));
    for (size_t i = 0; i < n; i++) {
      if (is_some(i)) {
        CHECK_OK(tidal_builder_begin_some(b));
        CHECK_OK(tidal_builder_push_u64(b, i));
      } else {
        CHECK_OK(tidal_builder_push_none(b));
      }
    }
    tidal_buffer enc;
    tidal_batch_view v;
    encode_view(b, &enc, &v);
    CHECK_EQ_INT(v.rows, n);
    CHECK_EQ_INT(v.slices[0].len, n / 1024);
    for (size_t j = 0; j < n / 1024; j++) {
      uint64_t ones = 0;
      for (size_t i = 0; i < 1024 * (j + 1); i++) ones += is_some(i);
      CHECK_EQ_U64(u64s(&v, 0)[j], ones);
    }
    size_t somes = 0;
    for (size_t i = 0; i < n; i++) somes += is_some(i);
    CHECK_EQ_INT(v.slices[3].len, somes);
    for (size_t i = 0; i < n; i++) {
      char js[32], want[32];
      row_json(&v, i, js, sizeof js);
      if (is_some(i)) sprintf(want, "%zu", i);
      else strcpy(want, "null");
      if (strcmp(js, want)) TEST_FAIL("n=%zu row %zu: %s, expected %s", n, i, js, want);
    }
    tidal_view_reset(&v);
    tidal_buffer_reset(&enc);
    tidal_builder_free(b);
  }
  tidal_schema_unref(s);
}

TEST(result_ok_err_dense_and_ranked) {
  tidal_schema *s = parse("result<u16, string>");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  for (int i = 0; i < 2100; i++) {
    if (i % 5 == 0) push_json(b, "{\"Err\": \"e\"}");
    else {
      char js[32];
      sprintf(js, "{\"Ok\": %d}", i);
      push_json(b, js);
    }
  }
  tidal_buffer enc;
  tidal_batch_view v;
  encode_view(b, &enc, &v);
  CHECK_EQ_INT(v.slices[0].len, 2);
  CHECK_EQ_U64(u64s(&v, 0)[0], 1024 - 205);
  CHECK_EQ_U64(u64s(&v, 0)[1], 2048 - 410);
  CHECK_EQ_INT(v.slices[3].len, 2100 - 420);
  CHECK_EQ_INT(v.slices[4].len, 420);
  char js[32];
  row_json(&v, 2049, js, sizeof js);
  CHECK_STR(js, "{\"Ok\":2049}");
  row_json(&v, 2050, js, sizeof js);
  CHECK_STR(js, "{\"Err\":\"e\"}");
  tidal_view_reset(&v);
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(enum_switches_homogeneous_to_heterogeneous_exactly) {
  tidal_schema *s = parse("enum{A, B(i64), C(u8, bool)}");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  /* slices: A unit(0) | B i64(1) | C u8(2) bool words(3) tail(4) | variant(5) | offset(6) */
  tidal_buffer enc;
  tidal_batch_view v;
  encode_view(b, &enc, &v);
  CHECK_EQ_INT(v.slices[5].len, 0);
  CHECK_EQ_INT(v.slices[6].len, 0);
  tidal_view_reset(&v);
  tidal_buffer_reset(&enc);
  for (int i = 0; i < 3; i++) {
    CHECK_OK(tidal_builder_begin_variant(b, 1));
    CHECK_OK(tidal_builder_push_i64(b, 10 + i));
  }
  encode_view(b, &enc, &v);
  CHECK_EQ_INT(v.slices[5].len, 0);
  CHECK_EQ_INT(v.slices[6].len, 2);
  CHECK_EQ_U64(u64s(&v, 6)[0], 2); /* v + 1 */
  CHECK_EQ_U64(u64s(&v, 6)[1], 3);
  tidal_view_reset(&v);
  tidal_buffer_reset(&enc);
  /* A failed row that would switch forms leaves the homogeneous form intact. */
  CHECK_ERR(tidal_builder_begin_variant(b, 7), TIDAL_ERANGE);
  CHECK_OK(tidal_builder_begin_variant(b, 2));
  CHECK_OK(tidal_builder_push_u64(b, 5));
  CHECK_ERR(tidal_builder_push_string(b, "x", 1), TIDAL_EMISMATCH);
  CHECK(strstr(tidal_builder_error(b), "row.C.1") != NULL);
  encode_view(b, &enc, &v);
  CHECK_EQ_INT(v.rows, 3);
  CHECK_EQ_INT(v.slices[5].len, 0);
  CHECK_EQ_U64(u64s(&v, 6)[0], 2);
  CHECK_EQ_U64(u64s(&v, 6)[1], 3);
  CHECK_EQ_INT(v.slices[2].len, 0);
  tidal_view_reset(&v);
  tidal_buffer_reset(&enc);
  /* Now a real switch: A (unit variant: complete at once), then C. */
  CHECK_OK(tidal_builder_begin_variant(b, 0));
  CHECK_OK(tidal_builder_begin_variant(b, 2));
  CHECK_OK(tidal_builder_push_u64(b, 5));
  CHECK_OK(tidal_builder_push_bool(b, true));
  CHECK_OK(tidal_builder_begin_variant(b, 1));
  CHECK_OK(tidal_builder_push_i64(b, -1));
  encode_view(b, &enc, &v);
  CHECK_EQ_INT(v.rows, 6);
  static const uint8_t want_var[] = {1, 1, 1, 0, 2, 1};
  static const uint64_t want_off[] = {0, 1, 2, 0, 0, 3};
  CHECK_EQ_INT(v.slices[5].len, 6);
  CHECK(memcmp(v.slices[5].data, want_var, 6) == 0);
  CHECK(memcmp(v.slices[6].data, want_off, sizeof want_off) == 0);
  CHECK_EQ_U64(u64s(&v, 0)[0], 1);
  const char *want_json[] = {"{\"B\":10}", "{\"B\":11}", "{\"B\":12}", "\"A\"", "{\"C\":[5,true]}", "{\"B\":-1}"};
  for (int i = 0; i < 6; i++) {
    char js[64];
    row_json(&v, (size_t)i, js, sizeof js);
    CHECK_STR(js, want_json[i]);
  }
  tidal_view_reset(&v);
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

/* The same row through the cursor API and through JSON must give identical bytes. */
TEST(cursor_api_equals_json_on_every_kind) {
  const char *schema =
      "{a: vec<option<(u8, string)>>, b: enum{X, Y(i64), Z{p: u8, q: result<u8, bool>}}, c: char,"
      " d: u128, e: f32, f: bool, g: unit, h: enum{R, G}, i: i128, j: (i8, i16, i32, isize, usize, u16, u32, f64)}";
  tidal_schema *s = parse(schema);
  tidal_builder *bc, *bj;
  CHECK_OK(tidal_builder_new(s, NULL, &bc));
  CHECK_OK(tidal_builder_new(s, NULL, &bj));
  for (int r = 0; r < 3; r++) {
    /* a */
    CHECK_OK(tidal_builder_begin_vec(bc));
    CHECK_OK(tidal_builder_begin_some(bc));
    CHECK_OK(tidal_builder_push_u64(bc, 7));
    CHECK_OK(tidal_builder_push_string(bc, "seven", 5));
    CHECK_OK(tidal_builder_push_none(bc));
    CHECK_OK(tidal_builder_end_vec(bc));
    /* b */
    if (r == 0) CHECK_OK(tidal_builder_begin_variant(bc, 0));
    if (r == 1) {
      CHECK_OK(tidal_builder_begin_variant(bc, 1));
      CHECK_OK(tidal_builder_push_i64(bc, INT64_MIN));
    }
    if (r == 2) {
      CHECK_OK(tidal_builder_begin_variant(bc, 2));
      CHECK_OK(tidal_builder_push_u64(bc, 255));
      CHECK_OK(tidal_builder_begin_err(bc));
      CHECK_OK(tidal_builder_push_bool(bc, true));
    }
    CHECK_OK(tidal_builder_push_char(bc, 0x1F600));
    CHECK_OK(tidal_builder_push_u128(bc, UINT64_MAX, UINT64_MAX));
    CHECK_OK(tidal_builder_push_f64(bc, 0.1));
    CHECK_OK(tidal_builder_push_bool(bc, r == 1));
    CHECK_OK(tidal_builder_push_unit(bc));
    CHECK_OK(tidal_builder_begin_variant(bc, 1));
    CHECK_OK(tidal_builder_push_i64(bc, -2));
    CHECK_OK(tidal_builder_push_i64(bc, -128));
    CHECK_OK(tidal_builder_push_i64(bc, -32768));
    CHECK_OK(tidal_builder_push_i64(bc, INT32_MIN));
    CHECK_OK(tidal_builder_push_i64(bc, INT64_MIN));
    CHECK_OK(tidal_builder_push_u64(bc, UINT64_MAX));
    CHECK_OK(tidal_builder_push_u64(bc, 65535));
    CHECK_OK(tidal_builder_push_u64(bc, UINT32_MAX));
    CHECK_OK(tidal_builder_push_f64(bc, 5e-324));
    CHECK_EQ_INT(tidal_builder_rows(bc), r + 1);
  }
  push_json(bj, "{\"a\": [[7, \"seven\"], null], \"b\": \"X\", \"c\": \"\\ud83d\\ude00\","
                " \"d\": 340282366920938463463374607431768211455, \"e\": 0.1, \"f\": false, \"g\": null,"
                " \"h\": \"G\", \"i\": -2, \"j\": [-128, -32768, -2147483648, -9223372036854775808,"
                " 18446744073709551615, 65535, 4294967295, 5e-324]}");
  push_json(bj, "{\"j\": [-128, -32768, -2147483648, -9223372036854775808, 18446744073709551615, 65535,"
                " 4294967295, 5e-324], \"i\": -2, \"h\": \"G\", \"g\": null, \"f\": true, \"e\": 0.1,"
                " \"d\": 340282366920938463463374607431768211455, \"c\": \"\xF0\x9F\x98\x80\","
                " \"b\": {\"Y\": -9223372036854775808}, \"a\": [[7, \"seven\"], null]}");
  push_json(bj, "{\"a\": [[7, \"seven\"], null], \"b\": {\"Z\": {\"q\": {\"Err\": true}, \"p\": 255}},"
                " \"c\": \"\xF0\x9F\x98\x80\", \"d\": 340282366920938463463374607431768211455, \"e\": 0.1,"
                " \"f\": false, \"g\": null, \"h\": \"G\", \"i\": -2, \"j\": [-128, -32768, -2147483648,"
                " -9223372036854775808, 18446744073709551615, 65535, 4294967295, 5e-324]}");
  tidal_buffer ec, ej;
  tidal_batch_view vc, vj;
  encode_view(bc, &ec, &vc);
  encode_view(bj, &ej, &vj);
  CHECK_EQ_INT(ec.len, ej.len);
  CHECK(memcmp(ec.data, ej.data, ec.len) == 0);
  char js[1024];
  row_json(&vc, 2, js, sizeof js);
  CHECK_STR(js, "{\"a\":[[7,\"seven\"],null],\"b\":{\"Z\":{\"p\":255,\"q\":{\"Err\":true}}},"
                "\"c\":\"\xF0\x9F\x98\x80\",\"d\":340282366920938463463374607431768211455,\"e\":0.1,"
                "\"f\":false,\"g\":null,\"h\":\"G\",\"i\":-2,\"j\":[-128,-32768,-2147483648,"
                "-9223372036854775808,18446744073709551615,65535,4294967295,5e-324]}");
  /* 20+ slices: the view's slice array is allocated, not inline */
  CHECK(tidal_schema_slice_count(s) > 16);
  tidal_view_reset(&vc);
  tidal_view_reset(&vj);
  tidal_buffer_reset(&ec);
  tidal_buffer_reset(&ej);
  tidal_builder_free(bc);
  tidal_builder_free(bj);
  tidal_schema_unref(s);
}

TEST(failed_push_rolls_back_the_row) {
  tidal_schema *s = parse("(string, vec<u8>, option<bool>)");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  push_json(b, "[\"keep\", [1, 2], true]");
  tidal_buffer before;
  tidal_buffer_init(&before, NULL);
  CHECK_OK(tidal_builder_encode(b, &before));
  /* Cursor: mismatch mid-row, range errors, end_vec misuse. */
  CHECK_OK(tidal_builder_push_string(b, "gone", 4));
  CHECK_OK(tidal_builder_begin_vec(b));
  CHECK_OK(tidal_builder_push_u64(b, 9));
  CHECK_ERR(tidal_builder_push_u64(b, 256), TIDAL_ERANGE);
  CHECK(strstr(tidal_builder_error(b), "row.1[1]") != NULL);
  CHECK_OK(tidal_builder_push_string(b, "gone", 4));
  CHECK_ERR(tidal_builder_end_vec(b), TIDAL_EMISMATCH);
  CHECK_OK(tidal_builder_push_string(b, "gone", 4));
  CHECK_OK(tidal_builder_begin_vec(b));
  CHECK_OK(tidal_builder_end_vec(b));
  CHECK_ERR(tidal_builder_push_i64(b, -1), TIDAL_EMISMATCH);
  CHECK_ERR(tidal_builder_push_i64(b, 1), TIDAL_EMISMATCH);
  /* JSON: errors at every depth. */
  tidal_error err;
  CHECK_ERR(tidal_builder_push_json(b, "[\"x\", [1, 300], true]", 21, &err), TIDAL_EJSON);
  CHECK(strstr(err.msg, "at byte 10") && strstr(err.msg, "out of range"));
  CHECK_ERR(tidal_builder_push_json(b, "[\"x\", [1], 3]", 13, &err), TIDAL_EJSON);
  CHECK(strstr(err.msg, "at byte 11: expected true or false, found '3'"));
  CHECK_ERR(tidal_builder_push_json(b, "[\"x\", [1], null] x", 18, &err), TIDAL_EJSON);
  CHECK(strstr(err.msg, "end of the row"));
  CHECK_EQ_INT(tidal_builder_rows(b), 1);
  tidal_buffer after;
  tidal_buffer_init(&after, NULL);
  CHECK_OK(tidal_builder_encode(b, &after));
  CHECK(after.len == before.len && memcmp(after.data, before.data, after.len) == 0);
  /* half a row open: JSON and str_i64 refuse, batch_from_builder refuses */
  CHECK_OK(tidal_builder_push_string(b, "half", 4));
  CHECK_ERR(tidal_builder_push_json(b, "[\"x\", [], null]", 15, &err), TIDAL_EMISMATCH);
  tidal_batch *bt;
  CHECK_ERR(tidal_batch_from_builder(b, &bt), TIDAL_EINVAL);
  tidal_buffer_reset(&before);
  tidal_buffer_reset(&after);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(str_i64_fast_path_matches_generic_pushes) {
  tidal_schema *s = parse("{word: string, count: i64}");
  tidal_builder *fast, *slow;
  CHECK_OK(tidal_builder_new(s, NULL, &fast));
  CHECK_OK(tidal_builder_new(s, NULL, &slow));
  char w[64];
  uint64_t seed = 1;
  for (int i = 0; i < 20000; i++) {
    size_t n = tidal_test_rand(&seed) % 40;
    for (size_t j = 0; j < n; j++) w[j] = (char)('a' + tidal_test_rand(&seed) % 26);
    int64_t c = (int64_t)tidal_test_rand(&seed);
    CHECK_OK(tidal_builder_push_str_i64(fast, w, n, c));
    CHECK_OK(tidal_builder_push_string(slow, w, n));
    CHECK_OK(tidal_builder_push_i64(slow, c));
  }
  CHECK_EQ_INT(tidal_builder_rows(fast), 20000);
  tidal_buffer a, b;
  tidal_buffer_init(&a, NULL);
  tidal_buffer_init(&b, NULL);
  CHECK_OK(tidal_builder_encode(fast, &a));
  CHECK_OK(tidal_builder_encode(slow, &b));
  CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  CHECK_EQ_INT(tidal_builder_bytes(fast), tidal_builder_bytes(slow));
  /* other schemas refuse */
  tidal_schema *o = parse("(string, i32)");
  tidal_builder *ob;
  CHECK_OK(tidal_builder_new(o, NULL, &ob));
  CHECK_ERR(tidal_builder_push_str_i64(ob, "x", 1, 1), TIDAL_EMISMATCH);
  CHECK_EQ_INT(tidal_builder_rows(ob), 0);
  tidal_builder_free(ob);
  tidal_schema_unref(o);
  /* clear keeps working */
  tidal_builder_clear(fast);
  CHECK_EQ_INT(tidal_builder_rows(fast), 0);
  CHECK_EQ_INT(tidal_builder_encoded_len(fast), 32 + 0);
  CHECK_OK(tidal_builder_push_str_i64(fast, "hello", 5, 1));
  tidal_buffer_reset(&a);
  tidal_buffer_reset(&b);
  tidal_builder_free(fast);
  tidal_builder_free(slow);
  tidal_schema_unref(s);
}

TEST(direct_slice_append_and_add_rows) {
  tidal_schema *s = parse("(u32, u8)");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  uint32_t xs[3] = {1, 2, 3};
  uint8_t ys[3] = {4, 5, 6};
  CHECK_OK(tidal_buffer_append(tidal_builder_slice(b, 0), xs, sizeof xs));
  CHECK_OK(tidal_buffer_append(tidal_builder_slice(b, 1), ys, sizeof ys));
  tidal_builder_add_rows(b, 3);
  CHECK(tidal_builder_slice(b, 2) == NULL);
  tidal_batch_view v;
  CHECK_OK(tidal_builder_view(b, &v));
  CHECK_EQ_INT(v.rows, 3);
  char js[32];
  row_json(&v, 2, js, sizeof js);
  CHECK_STR(js, "[3,6]");
  tidal_view_reset(&v);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(push_rows_partitions_nested_rows) {
  tidal_schema *s = parse("{k: string, v: vec<option<enum{N, S(string), P(i64, i64)}>>, r: result<(), u8>}");
  tidal_builder *src;
  CHECK_OK(tidal_builder_new(s, NULL, &src));
  char rows[300][160];
  for (int i = 0; i < 300; i++) {
    const char *e = i % 4 == 0 ? "null" : i % 4 == 1 ? "\"N\"" : i % 4 == 2 ? "{\"S\":\"s\"}" : "{\"P\":[1,-1]}";
    sprintf(rows[i], "{\"k\":\"key%d\",\"v\":[%s,%s],\"r\":%s}", i, e, i % 7 ? e : "null",
            i % 3 ? "{\"Ok\":null}" : "{\"Err\":7}");
    push_json(src, rows[i]);
  }
  tidal_batch *batch;
  CHECK_OK(tidal_batch_from_builder(src, &batch));
  const tidal_batch_view *v = tidal_batch_view_of(batch);
  tidal_builder *part[3];
  for (int p = 0; p < 3; p++) CHECK_OK(tidal_builder_new(s, NULL, &part[p]));
  uint32_t idx[3][100];
  for (uint32_t i = 0; i < 300; i++) idx[i % 3][i / 3] = i;
  for (int p = 0; p < 3; p++) CHECK_OK(tidal_builder_push_rows(part[p], v, idx[p], 100));
  for (int p = 0; p < 3; p++) {
    tidal_buffer enc;
    tidal_batch_view pv;
    encode_view(part[p], &enc, &pv);
    CHECK_EQ_INT(pv.rows, 100);
    for (size_t r = 0; r < 100; r++) {
      char js[256];
      row_json(&pv, r, js, sizeof js);
      CHECK_STR(js, rows[idx[p][r]]);
    }
    tidal_view_reset(&pv);
    tidal_buffer_reset(&enc);
  }
  CHECK_ERR(tidal_builder_push_row(part[0], v, 300), TIDAL_ERANGE);
  tidal_schema *other = parse("u8");
  tidal_builder *ob;
  CHECK_OK(tidal_builder_new(other, NULL, &ob));
  CHECK_ERR(tidal_builder_push_row(ob, v, 0), TIDAL_EMISMATCH);
  tidal_builder_free(ob);
  tidal_schema_unref(other);
  for (int p = 0; p < 3; p++) tidal_builder_free(part[p]);
  tidal_batch_unref(batch);
  tidal_builder_free(src);
  tidal_schema_unref(s);
}

TEST(encode_into_caller_memory) {
  tidal_schema *s = parse("string");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_OK(tidal_builder_push_string(b, "abc", 3));
  uint64_t mem[16];
  size_t len = 8;
  CHECK_ERR(tidal_builder_encode_into(b, mem, &len), TIDAL_ENOBUFS);
  CHECK_EQ_INT(len, 24 + 8 + 8);
  len = sizeof mem;
  memset(mem, 0xAB, sizeof mem);
  CHECK_OK(tidal_builder_encode_into(b, mem, &len));
  CHECK_EQ_INT(len, 40);
  CHECK_EQ_U64(mem[0], 24);
  CHECK_EQ_U64(mem[1], 32);
  CHECK_EQ_U64(mem[2], 35);
  CHECK_EQ_U64(mem[3], 3);
  CHECK_EQ_U64(mem[4], 0x636261); /* "abc" + zero padding */
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

static int builder_body(void *ud, const tidal_allocator *a) {
  (void)ud;
  tidal_schema *s;
  const char *text = "{k: string, v: vec<option<enum{N, S(string), P(i64, bool)}>>, c: char}";
  int rc = tidal_schema_parse(text, strlen(text), a, &s, NULL);
  if (rc < 0) return rc;
  tidal_builder *b = NULL;
  tidal_buffer enc;
  tidal_buffer_init(&enc, a);
  tidal_batch *bt = NULL;
  rc = tidal_builder_new(s, a, &b);
  for (int i = 0; rc == 0 && i < 70; i++) {
    const char *row = i % 2 ? "{\"k\":\"a\\u0000b\",\"v\":[null,\"N\",{\"P\":[1,true]}],\"c\":\"x\"}"
                            : "{\"c\":\"y\",\"v\":[{\"S\":\"hello world\"}],\"k\":\"\"}";
    rc = tidal_builder_push_json(b, row, strlen(row), NULL);
    if (rc == 0) {
      rc = tidal_builder_begin_vec(b) ? -1 : 0; /* wrong: k first */
      if (rc == 0) return -999;
      rc = 0;
    }
  }
  if (rc == 0) rc = tidal_builder_encode(b, &enc);
  if (rc == 0) rc = tidal_batch_from_builder(b, &bt);
  if (rc == 0) CHECK_EQ_INT(tidal_batch_rows(bt), 70);
  tidal_batch_unref(bt);
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  tidal_schema_unref(s);
  return rc;
}

TEST(oom_sweep_builder_json_encode_batch) { CHECK(tidal_test_oom_sweep(builder_body, NULL) > 5); }

/* Push the good prefix of row 0: i8 -128, u16 65535, i128 -3, u128 2^64. */
static void prefix(tidal_builder *b) {
  CHECK_OK(tidal_builder_push_i64(b, -128));
  CHECK_OK(tidal_builder_push_i64(b, 65535));
  CHECK_OK(tidal_builder_push_i64(b, -3)); /* i128: sign-extended */
  CHECK_OK(tidal_builder_push_u128(b, 0, 1));
}

TEST(cursor_conversions_and_ranges) {
  tidal_schema *s = parse("(i8, u16, i128, u128, f32, char, enum{R, G})");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_ERR(tidal_builder_push_u64(b, 128), TIDAL_ERANGE);     /* i8 max is 127 */
  CHECK_ERR(tidal_builder_push_i64(b, -129), TIDAL_ERANGE);
  CHECK_ERR(tidal_builder_push_f64(b, 1.0), TIDAL_EMISMATCH);  /* not a float column */
  CHECK_ERR(tidal_builder_push_string(b, "1", 1), TIDAL_EMISMATCH);
  CHECK_OK(tidal_builder_push_u64(b, 127));
  CHECK_ERR(tidal_builder_push_i64(b, -1), TIDAL_ERANGE);      /* u16: the row is dropped */
  CHECK_OK(tidal_builder_push_i64(b, -128));
  CHECK_OK(tidal_builder_push_i64(b, 65535));
  CHECK_OK(tidal_builder_push_i64(b, -3));
  CHECK_ERR(tidal_builder_push_i64(b, -3), TIDAL_ERANGE);      /* u128 */
  prefix(b);
  CHECK_ERR(tidal_builder_push_u64(b, 1), TIDAL_EMISMATCH);    /* f32 */
  prefix(b);
  CHECK_OK(tidal_builder_push_f64(b, 2.5));
  CHECK_ERR(tidal_builder_push_char(b, 0xD800), TIDAL_ERANGE); /* a surrogate */
  prefix(b);
  CHECK_OK(tidal_builder_push_f64(b, 2.5));
  CHECK_OK(tidal_builder_push_char(b, 0x10FFFF));
  CHECK_ERR(tidal_builder_begin_variant(b, 2), TIDAL_ERANGE);
  CHECK_EQ_INT(tidal_builder_rows(b), 0);
  prefix(b);
  CHECK_OK(tidal_builder_push_f64(b, 2.5));
  CHECK_OK(tidal_builder_push_char(b, 0x10FFFF));
  CHECK_OK(tidal_builder_begin_variant(b, 0));
  CHECK_EQ_INT(tidal_builder_rows(b), 1);
  CHECK_OK(tidal_builder_push_u64(b, 1));
  CHECK_OK(tidal_builder_push_u64(b, 2));
  CHECK_OK(tidal_builder_push_u128(b, 5, 0));
  CHECK_OK(tidal_builder_push_u128(b, 6, 0));
  CHECK_OK(tidal_builder_push_f64(b, 1e300)); /* f32: rounds to +inf */
  CHECK_OK(tidal_builder_push_char(b, 'x'));
  CHECK_OK(tidal_builder_begin_variant(b, 1));
  CHECK_EQ_INT(tidal_builder_rows(b), 2);
  tidal_buffer enc;
  tidal_batch_view v;
  encode_view(b, &enc, &v);
  char js[256];
  row_json(&v, 0, js, sizeof js);
  CHECK_STR(js, "[-128,65535,-3,18446744073709551616,2.5,\"\xF4\x8F\xBF\xBF\",\"R\"]");
  row_json(&v, 1, js, sizeof js);
  CHECK_STR(js, "[1,2,5,6,\"inf\",\"x\",\"G\"]");
  tidal_view_reset(&v);
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

/* Regression (found by the fuzzer under clang's UBSan): gathering only empty strings must not
   do pointer arithmetic on the (NULL) bytes buffer; zero rows is a no-op. */
TEST(push_rows_of_empty_strings_and_no_rows) {
  tidal_schema *s = parse("(string, u8)");
  tidal_builder *src, *dst;
  CHECK_OK(tidal_builder_new(s, NULL, &src));
  CHECK_OK(tidal_builder_new(s, NULL, &dst));
  for (int i = 0; i < 3; i++) push_json(src, "[\"\", 1]");
  tidal_batch_view v;
  CHECK_OK(tidal_builder_view(src, &v));
  uint32_t rows[3] = {2, 0, 1};
  CHECK_OK(tidal_builder_push_rows(dst, &v, rows, 0));
  CHECK_EQ_INT(tidal_builder_rows(dst), 0);
  CHECK_OK(tidal_builder_push_rows(dst, &v, rows, 3));
  CHECK_EQ_INT(tidal_builder_rows(dst), 3);
  CHECK_EQ_INT(tidal_builder_slice(dst, 1)->len, 0);
  CHECK_EQ_INT(tidal_builder_slice(dst, 0)->len, 24);
  tidal_buffer a, b;
  tidal_buffer_init(&a, NULL);
  tidal_buffer_init(&b, NULL);
  CHECK_OK(tidal_builder_encode(src, &a));
  CHECK_OK(tidal_builder_encode(dst, &b));
  CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  tidal_buffer_reset(&a);
  tidal_buffer_reset(&b);
  tidal_view_reset(&v);
  tidal_builder_free(src);
  tidal_builder_free(dst);
  tidal_schema_unref(s);
}
