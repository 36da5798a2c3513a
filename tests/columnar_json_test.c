/*
** columnar_json_test.c: JSON in and out: escapes (\u0000, surrogate pairs), non-ASCII, exact
** 64- and 128-bit integers, shortest round-trip floats (0.1, 1e308, 5e-324, -0.0, f32), NaN and
** infinities, the serde conventions for options, results, structs (any order) and enums, the
** error messages (byte offset + what was expected), every truncation of a row, and an OOM sweep.
*/
#include "harness/test.h"

#include <math.h>

static tidal_schema *parse(const char *text) {
  tidal_schema *s = NULL;
  tidal_error err;
  if (tidal_schema_parse(text, strlen(text), NULL, &s, &err) < 0) TEST_FAIL("%s: %s", text, err.msg);
  return s;
}

/* Push `in` into a fresh builder of `schema`, then print row 0 back; compare with `out`. */
static void round_trip(const char *schema, const char *in, const char *out) {
  tidal_schema *s = parse(schema);
  tidal_builder *b;
  tidal_error err;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  if (tidal_builder_push_json(b, in, strlen(in), &err) < 0)
    TEST_FAIL("%s: push_json %s: %s", schema, in, err.msg);
  tidal_buffer enc, js;
  tidal_buffer_init(&enc, NULL);
  tidal_buffer_init(&js, NULL);
  CHECK_OK(tidal_builder_encode(b, &enc));
  tidal_batch_view v;
  if (tidal_view_init(&v, s, enc.data, enc.len, NULL, &err) < 0) TEST_FAIL("view: %s", err.msg);
  CHECK_OK(tidal_view_row_json(&v, 0, &js));
  if (js.len != strlen(out) || memcmp(js.data, out, js.len) != 0)
    TEST_FAIL("%s: %s printed as %.*s, expected %s", schema, in, (int)js.len, js.data, out);
  /* ...and the printed text reads back to the same bytes. */
  tidal_builder *b2;
  CHECK_OK(tidal_builder_new(s, NULL, &b2));
  if (tidal_builder_push_json(b2, (const char *)js.data, js.len, &err) < 0)
    TEST_FAIL("re-read %.*s: %s", (int)js.len, js.data, err.msg);
  tidal_buffer enc2;
  tidal_buffer_init(&enc2, NULL);
  CHECK_OK(tidal_builder_encode(b2, &enc2));
  CHECK(enc2.len == enc.len && memcmp(enc2.data, enc.data, enc.len) == 0);
  tidal_buffer_reset(&enc2);
  tidal_builder_free(b2);
  tidal_view_reset(&v);
  tidal_buffer_reset(&enc);
  tidal_buffer_reset(&js);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

static void json_err(const char *schema, const char *in, const char *msg_part) {
  tidal_schema *s = parse(schema);
  tidal_builder *b;
  tidal_error err;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  int rc = tidal_builder_push_json(b, in, strlen(in), &err);
  if (rc != TIDAL_EJSON)
    TEST_FAIL("%s: %.80s returned %s, expected TIDAL_EJSON", schema, in, tidal_err_name(rc));
  if (!strstr(err.msg, msg_part))
    TEST_FAIL("%s: %.80s: message '%.120s' lacks '%s'", schema, in, err.msg, msg_part);
  CHECK_EQ_INT(tidal_builder_rows(b), 0);
  CHECK_EQ_INT(tidal_builder_encoded_len(b), tidal_builder_encoded_len(b)); /* still usable */
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(string_escapes_and_unicode) {
  round_trip("string", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"");
  round_trip("string", "\"nul:\\u0000:ctl\\u0001\\u001f\"", "\"nul:\\u0000:ctl\\u0001\\u001f\"");
  round_trip("string", "\"\\u00e9\\u4e2d\\ud83d\\ude00\"", "\"\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\"");
  round_trip("string", "\"\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80 \x7F\"", "\"\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80 \x7F\"");
  round_trip("string", "\"\\uDBFF\\uDFFF\"", "\"\xF4\x8F\xBF\xBF\"");
  round_trip("string", "\"\"", "\"\"");
  round_trip("char", "\"\\u0000\"", "\"\\u0000\"");
  round_trip("char", "\"\\ud83d\\ude00\"", "\"\xF0\x9F\x98\x80\"");
  round_trip("char", "\"\\\"\"", "\"\\\"\"");
}

TEST(nul_bytes_survive_in_the_column) {
  tidal_schema *s = parse("string");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_OK(tidal_builder_push_json(b, "\"a\\u0000b\"", 10, NULL));
  CHECK_EQ_INT(tidal_builder_slice(b, 1)->len, 3);
  CHECK(memcmp(tidal_builder_slice(b, 1)->data, "a\0b", 3) == 0);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(bad_strings_are_rejected) {
  json_err("string", "\"\\ud83d\"", "low surrogate after a high surrogate");
  json_err("string", "\"\\ude00\"", "at byte 3: expected a high surrogate before a low one");
  json_err("string", "\"\\ud83d\\u0041\"", "expected a low surrogate");
  json_err("string", "\"\\x\"", "at byte 2: expected an escape");
  json_err("string", "\"\\u12g4\"", "expected a hex digit");
  json_err("string", "\"a\nb\"", "at byte 2: expected an escaped control character");
  json_err("string", "\"\xC0\x80\"", "at byte 1: expected valid UTF-8");
  json_err("string", "\"\xED\xA0\x80\"", "valid UTF-8"); /* an encoded surrogate */
  json_err("string", "\"\xF4\x90\x80\x80\"", "valid UTF-8"); /* above U+10FFFF */
  json_err("string", "\"\xE4\xB8\"", "valid UTF-8");
  json_err("string", "\"abc", "at byte 4: expected '\"', found end of input");
  json_err("string", "abc", "at byte 0: expected a string, found 'abc'");
  json_err("char", "\"ab\"", "exactly one character");
  json_err("char", "\"\"", "exactly one character");
}

TEST(integers_are_exact_to_their_limits) {
  round_trip("u64", "18446744073709551615", "18446744073709551615");
  round_trip("i64", "-9223372036854775808", "-9223372036854775808");
  round_trip("i64", "9223372036854775807", "9223372036854775807");
  round_trip("u8", "255", "255");
  round_trip("u8", "-0", "0");
  round_trip("i8", "-128", "-128");
  round_trip("i16", "-32768", "-32768");
  round_trip("u32", "4294967295", "4294967295");
  round_trip("usize", "18446744073709551615", "18446744073709551615");
  round_trip("isize", "-9223372036854775808", "-9223372036854775808");
  round_trip("u128", "340282366920938463463374607431768211455", "340282366920938463463374607431768211455");
  round_trip("i128", "-170141183460469231731687303715884105728", "-170141183460469231731687303715884105728");
  round_trip("i128", "170141183460469231731687303715884105727", "170141183460469231731687303715884105727");
  round_trip("u128", "0", "0");
  json_err("u64", "18446744073709551616", "at byte 0: expected a u64, found '18446744073709551616' (out of range)");
  json_err("i64", "-9223372036854775809", "out of range");
  json_err("i64", "9223372036854775808", "out of range");
  json_err("u8", "256", "out of range");
  json_err("u8", "-1", "out of range");
  json_err("i8", "128", "out of range");
  json_err("u128", "340282366920938463463374607431768211456", "out of range");
  json_err("i128", "170141183460469231731687303715884105728", "out of range");
  json_err("u64", "1.0", "at byte 0: expected an integer");
  json_err("u64", "1e3", "expected an integer");
  json_err("u64", "01", "at byte 1: expected end of the row");
  json_err("u64", "+1", "expected a number");
  json_err("u64", "\"1\"", "expected a number");
  json_err("u64", "-", "at byte 0: expected a number, found '-'");
}

static void float_bits(const char *schema, const char *in, const char *out, double want) {
  round_trip(schema, in, out);
  /* check the stored bits */
  tidal_schema *s = parse(schema);
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_OK(tidal_builder_push_json(b, in, strlen(in), NULL));
  const tidal_buffer *sl = tidal_builder_slice(b, 0);
  if (strcmp(schema, "f32") == 0) {
    float f = (float)want;
    CHECK(sl->len == 4 && memcmp(sl->data, &f, 4) == 0);
  } else {
    CHECK(sl->len == 8 && memcmp(sl->data, &want, 8) == 0);
  }
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(floats_shortest_and_bit_exact) {
  float_bits("f64", "0.1", "0.1", 0.1);
  float_bits("f64", "1e308", "1e+308", 1e308);
  float_bits("f64", "5e-324", "5e-324", 5e-324);
  float_bits("f64", "-0.0", "-0.0", -0.0);
  float_bits("f64", "0", "0.0", 0.0);
  float_bits("f64", "3", "3.0", 3.0);
  float_bits("f64", "1.7976931348623157e308", "1.7976931348623157e+308", 1.7976931348623157e308);
  float_bits("f64", "2.2250738585072014E-308", "2.2250738585072014e-308", 2.2250738585072014e-308);
  float_bits("f64", "123456789.125", "123456789.125", 123456789.125);
  float_bits("f64", "0.30000000000000004", "0.30000000000000004", 0.30000000000000004);
  float_bits("f64", "1e-7", "1e-07", 1e-7);
  float_bits("f32", "0.1", "0.1", (double)0.1f);
  float_bits("f32", "1.5", "1.5", 1.5);
  float_bits("f32", "3.4028235e38", "3.4028235e+38", (double)3.4028235e38f);
  float_bits("f32", "1e-45", "1e-45", (double)1e-45f);
  float_bits("f32", "16777217", "16777216.0", 16777216.0);
  json_err("f64", "1e309", "out of range");
  json_err("f32", "1e39", "out of range");
  json_err("f64", "1.", "at byte 2: expected a digit after '.'");
  json_err("f64", ".5", "expected a number");
  json_err("f64", "1e", "expected a digit in the exponent");
  json_err("f64", "\"nan\"", "\"NaN\"");
}

TEST(non_finite_floats_travel_as_strings) {
  round_trip("f64", "\"NaN\"", "\"NaN\"");
  round_trip("f64", "\"inf\"", "\"inf\"");
  round_trip("f64", "\"-inf\"", "\"-inf\"");
  round_trip("f32", "\"Infinity\"", "\"inf\"");
  round_trip("f32", "\"NaN\"", "\"NaN\"");
  tidal_schema *s = parse("f64");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_OK(tidal_builder_push_json(b, "\"-Infinity\"", 11, NULL));
  double d;
  memcpy(&d, tidal_builder_slice(b, 0)->data, 8);
  CHECK(isinf(d) && d < 0);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(options_results_and_their_ambiguity) {
  round_trip("option<u8>", "null", "null");
  round_trip("option<u8>", "7", "7");
  round_trip("option<option<u8>>", "7", "7");
  round_trip("option<option<u8>>", "null", "null");
  round_trip("result<u8, string>", "{\"Ok\": 1}", "{\"Ok\":1}");
  round_trip("result<u8, string>", "{ \"Err\" : \"bad\" }", "{\"Err\":\"bad\"}");
  round_trip("result<(), ()>", "{\"Ok\": null}", "{\"Ok\":null}");
  json_err("result<u8, string>", "{\"Ok\": 1, \"Err\": \"x\"}", "at byte 8: expected '}'");
  json_err("result<u8, string>", "{\"Bad\": 1}", "at byte 1: expected \"Ok\" or \"Err\"");
  json_err("result<u8, string>", "1", "expected {\"Ok\": v} or {\"Err\": e}");
  /* Some(None) and Some(()) print as null, like serde: documented as lossy. */
  tidal_schema *s = parse("option<option<u8>>");
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_OK(tidal_builder_begin_some(b));
  CHECK_OK(tidal_builder_push_none(b));
  tidal_batch_view v;
  CHECK_OK(tidal_builder_view(b, &v));
  tidal_buffer js;
  tidal_buffer_init(&js, NULL);
  CHECK_OK(tidal_view_row_json(&v, 0, &js));
  CHECK(js.len == 4 && memcmp(js.data, "null", 4) == 0);
  CHECK_ERR(tidal_view_row_json(&v, 1, &js), TIDAL_ERANGE);
  tidal_buffer_reset(&js);
  tidal_view_reset(&v);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(structs_accept_any_order_and_nothing_else) {
  round_trip("{a: u8, b: string}", "{\"b\": \"x\", \"a\": 1}", "{\"a\":1,\"b\":\"x\"}");
  round_trip("{a: u8, b: {c: bool, d: ()}}", " { \"b\" : { \"d\" : null , \"c\" : true } , \"a\" : 0 } ",
             "{\"a\":0,\"b\":{\"c\":true,\"d\":null}}");
  round_trip("{ab: u8}", "{\"a\\u0062\": 5}", "{\"ab\":5}");
  json_err("{a: u8, b: string}", "{\"a\": 1}", "at byte 7: expected field 'b', found '}'");
  json_err("{a: u8, b: string}", "{\"a\": 1, \"b\": \"x\", \"c\": 2}", "at byte 19: expected a field of the schema, found '\"c\"'");
  json_err("{a: u8, b: string}", "{\"a\": 1, \"a\": 2, \"b\": \"\"}", "at byte 9: expected each field once");
  json_err("{a: u8, b: string}", "[1, \"x\"]", "at byte 0: expected '{'");
  json_err("{a: u8, b: string}", "{\"a\": 1 \"b\": \"x\"}", "at byte 8: expected ',' or '}', found '\"b\"'");
  json_err("{a: u8, b: string}", "{\"b\": \"x\", \"a\": 256}", "at byte 16: expected a u8");
}

TEST(tuples_are_arrays_of_exact_arity) {
  round_trip("(string, i64)", "[\"w\", -1]", "[\"w\",-1]");
  round_trip("(u8,)", "[1]", "[1]");
  round_trip("vec<(u8, bool)>", "[[1, true], [2, false]]", "[[1,true],[2,false]]");
  round_trip("vec<u8>", "[]", "[]");
  round_trip("unit", "null", "null");
  round_trip("bool", "true", "true");
  json_err("(string, i64)", "[\"w\"]", "at byte 4: expected ',' (more tuple fields)");
  json_err("(string, i64)", "[\"w\", 1, 2]", "at byte 7: expected ']' (end of the tuple)");
  json_err("vec<u8>", "[1,]", "at byte 3: expected a number");
  json_err("vec<u8>", "[1 2]", "expected ',' or ']'");
  json_err("unit", "0", "expected null (unit)");
  json_err("bool", "True", "expected true or false");
}

TEST(enums_follow_serde_external_tagging) {
  const char *e = "enum{A, B(i64), C(u8, string), D{x: i64, y: string}, E{z: bool}, F(())}";
  round_trip(e, "\"A\"", "\"A\"");
  round_trip(e, "{\"A\": null}", "\"A\"");
  round_trip(e, "{\"B\": -5}", "{\"B\":-5}");
  round_trip(e, "{\"C\": [1, \"s\"]}", "{\"C\":[1,\"s\"]}");
  round_trip(e, "{\"D\": {\"y\": \"s\", \"x\": 2}}", "{\"D\":{\"x\":2,\"y\":\"s\"}}");
  round_trip(e, "{\"E\": {\"z\": true}}", "{\"E\":{\"z\":true}}");
  round_trip(e, "{\"F\": null}", "{\"F\":null}");
  round_trip("enum{Red, Green}", "\"Green\"", "\"Green\"");
  json_err(e, "\"B\"", "at byte 0: expected a unit variant");
  json_err(e, "\"Q\"", "at byte 0: expected a variant name of the schema, found '\"Q\"'");
  json_err(e, "{\"B\": 1, \"C\": [1, \"s\"]}", "one variant per enum value");
  json_err(e, "{\"A\": 1}", "expected null (the payload of a unit variant)");
  json_err(e, "{\"E\": true}", "expected '{'");
  json_err(e, "{\"E\": {\"q\": true}}", "expected a field of the schema");
  json_err("enum{Red, Green}", "{\"Red\": null}", "expected a variant name string");
  json_err("enum{Red, Green}", "\"Blue\"", "variant name");
}

TEST(deep_json_nesting_is_an_error_not_a_crash) {
  /* Parsing follows the schema, not the input's nesting: deep garbage fails at the first '['
     the schema does not allow, without recursion. */
  size_t n = 100000;
  char *js = malloc(2 * n + 64);
  strcpy(js, "{\"a\": ");
  size_t k = strlen(js);
  for (size_t i = 0; i < n; i++) js[k++] = '[';
  for (size_t i = 0; i < n; i++) js[k++] = ']';
  strcpy(js + k, ", \"b\": 1}");
  json_err("{a: vec<u8>, b: u8}", js, "at byte 7: expected a number, found '[[[");
  free(js);
}

TEST(every_truncation_of_a_row_fails_cleanly) {
  const char *schema = "{a: vec<option<(u8, string)>>, b: enum{X, Y(i64), Z{p: u8, q: result<f64, bool>}}, c: char}";
  const char *row = "{\"a\": [[7, \"s\\u00e9\\ud83d\\ude00\"], null], \"b\": {\"Z\": {\"q\": {\"Ok\": -1.5e-3}, \"p\": 2}}, \"c\": \"\\n\"}";
  tidal_schema *s = parse(schema);
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  CHECK_OK(tidal_builder_push_json(b, row, strlen(row), NULL));
  size_t good = tidal_builder_encoded_len(b);
  for (size_t n = 0; n < strlen(row); n++) {
    tidal_error err;
    char *copy = malloc(n ? n : 1); /* exact size: ASan catches any read past n */
    memcpy(copy, row, n);
    CHECK_ERR(tidal_builder_push_json(b, copy, n, &err), TIDAL_EJSON);
    free(copy);
    CHECK_EQ_INT(tidal_builder_rows(b), 1);
    CHECK_EQ_INT(tidal_builder_encoded_len(b), good);
  }
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

static int json_body(void *ud, const tidal_allocator *a) {
  const char *row = (const char *)ud;
  tidal_schema *s;
  const char *text = "{a: vec<string>, b: enum{X, Y(string, f64)}, c: option<u128>}";
  int rc = tidal_schema_parse(text, strlen(text), a, &s, NULL);
  if (rc < 0) return rc;
  tidal_builder *b;
  rc = tidal_builder_new(s, a, &b);
  if (rc == 0) {
    for (int i = 0; rc == 0 && i < 40; i++) rc = tidal_builder_push_json(b, row, strlen(row), NULL);
    if (rc == 0) {
      tidal_batch_view v;
      rc = tidal_builder_view(b, &v);
      tidal_buffer js;
      tidal_buffer_init(&js, a);
      for (size_t r = 0; rc == 0 && r < 40; r++) rc = tidal_view_row_json(&v, r, &js);
      tidal_buffer_reset(&js);
      if (v.slices) tidal_view_reset(&v);
    }
    tidal_builder_free(b);
  }
  tidal_schema_unref(s);
  return rc;
}

TEST(oom_sweep_json_in_and_out) {
  const char *row = "{\"c\": 340282366920938463463374607431768211455, \"b\": {\"Y\": [\"a longer string to grow the buffers\", 0.1]},"
                    " \"a\": [\"x\", \"\\u00e9\", \"\"]}";
  CHECK(tidal_test_oom_sweep(json_body, (void *)row) > 5);
}
