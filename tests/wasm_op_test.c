/*
** wasm_op_test.c: WASM operators (include/tidal/wasm_op.h): the example guests in every mode
** through the runner and through dataflows of W = 2 workers, schema checks at attach time, row
** counts at run time, instance reuse and replacement, and every hostile guest giving a clear
** error that names the operator, the module, the export and the time, with the host alive.
** Expected outputs are computed here independently of the guests (plain C on the same rows).
*/
#include "wasm_op_util.h"

#include <ctype.h>

static tidal_wasm_runner *runner(tidal_wasm_module *m, const char *exp, const tidal_schema *s,
                                 tidal_wasm_mode mode, const char *field) {
  tidal_wasm_op_config cfg;
  tidal_wasm_op_config_init(&cfg);
  cfg.mode = mode;
  cfg.update_field = field;
  tidal_wasm_runner *r = NULL;
  tidal_error err;
  int rc = tidal_wasm_runner_new(m, exp, s, &cfg, NULL, NULL, &r, &err);
  if (rc) TEST_FAIL("runner %s: %s", exp, err.msg);
  return r;
}

/* The message must name the operator, module, export and time, and contain `cause`. */
static void check_msg(const tidal_error *e, const char *module, const char *exp, uint64_t time,
                      const char *cause) {
  char want[256];
  snprintf(want, sizeof want, "module '%s', export '%s'", module, exp);
  if (!strstr(e->msg, want)) TEST_FAIL("'%s' not in: %s", want, e->msg);
  snprintf(want, sizeof want, "wasm operator 'wasm:%s'", exp);
  if (!strstr(e->msg, want)) TEST_FAIL("'%s' not in: %s", want, e->msg);
  snprintf(want, sizeof want, "at time %llu", (unsigned long long)time);
  if (!strstr(e->msg, want)) TEST_FAIL("'%s' not in: %s", want, e->msg);
  if (!strstr(e->msg, cause)) TEST_FAIL("'%s' not in: %s", cause, e->msg);
}

static const char *const WORDS[] = {
    "[\"The\", 1]",  "[\"Cat\", 2]", "[\"and\", 1]",     "[\"the\", -1]", "[\"DOG\", 5]",
    "[\"\", 1]",     "[\"a\", 7]",   "[\"Ünïcode\", 1]", "[\"MiXeD-42\", 3]", "[\"is\", 0]",
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

/* ---- the example guests through the runner ------------------------------------------------ */

TEST(lowercase_map_matches_plain_c) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = load_example(e, "lowercase");
  tidal_schema *s = schema("(string, i64)");
  tidal_wasm_runner *r = runner(m, "lowercase", s, TIDAL_WASM_MAP, NULL);
  CHECK(tidal_schema_equal(tidal_wasm_runner_output_schema(r), s));
  tidal_batch *in = json_batch(s, WORDS, NWORDS);
  for (uint64_t t = 0; t < 3; t++) { /* the same instance, three calls */
    tidal_batch *out = NULL;
    tidal_error err;
    CHECK_OK(tidal_wasm_runner_run(r, t, in, &out, &err));
    CHECK(out != NULL && out != in);
    CHECK_EQ_INT(tidal_batch_rows(out), NWORDS);
    const tidal_batch_view *iv = tidal_batch_view_of(in), *ov = tidal_batch_view_of(out);
    for (size_t i = 0; i < NWORDS; i++) {
      size_t n1, n2;
      const char *a = tidal_view_str(iv, 0, i, &n1), *b = tidal_view_str(ov, 0, i, &n2);
      CHECK_EQ_INT(n1, n2);
      for (size_t j = 0; j < n1; j++) {
        unsigned char c = (unsigned char)a[j];
        CHECK_EQ_INT((unsigned char)b[j], c < 0x80 ? tolower(c) : c);
      }
      CHECK_EQ_INT(((const int64_t *)ov->slices[2].data)[i], ((const int64_t *)iv->slices[2].data)[i]);
    }
    tidal_batch_unref(out);
  }
  tidal_wasm_runner_stats st;
  tidal_wasm_runner_get_stats(r, &st);
  CHECK_EQ_U64(st.calls, 3);
  CHECK_EQ_U64(st.instances, 1);
  CHECK_EQ_U64(st.rows_in, 3 * NWORDS);
  CHECK_EQ_U64(st.bytes_in, 3 * tidal_batch_encoded_len(in));
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(stopwords_filter_keeps_rows_without_copying_through_the_guest) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = load_example(e, "stopwords");
  tidal_schema *s = schema("(string, i64)");
  tidal_wasm_runner *r = runner(m, "stopwords", s, TIDAL_WASM_FILTER, NULL);
  CHECK(tidal_schema_equal(tidal_wasm_runner_output_schema(r), s));
  tidal_batch *in = json_batch(s, WORDS, NWORDS);
  tidal_batch *out = NULL;
  tidal_error err;
  CHECK_OK(tidal_wasm_runner_run(r, 4, in, &out, &err));
  /* "the", "and", "a", "is" are stopwords; "The" is not (case-sensitive). */
  const char *want[] = {"[\"The\",1]", "[\"Cat\",2]", "[\"DOG\",5]", "[\"\",1]",
                        "[\"Ünïcode\",1]", "[\"MiXeD-42\",3]"};
  CHECK_EQ_INT(tidal_batch_rows(out), 6);
  char buf[128];
  for (size_t i = 0; i < 6; i++) CHECK_STR(row_json(out, i, buf, sizeof buf), want[i]);
  tidal_batch_unref(out);
  /* Every row kept: the same batch comes back (a new reference, no copy). */
  const char *keep_all[] = {"[\"x\", 1]", "[\"y\", 2]"};
  tidal_batch *in2 = json_batch(s, keep_all, 2);
  CHECK_OK(tidal_wasm_runner_run(r, 5, in2, &out, &err));
  CHECK(out == in2);
  tidal_batch_unref(out);
  tidal_batch_unref(in2);
  /* No row kept: no batch. */
  const char *keep_none[] = {"[\"the\", 1]", "[\"of\", 2]"};
  in2 = json_batch(s, keep_none, 2);
  CHECK_OK(tidal_wasm_runner_run(r, 6, in2, &out, &err));
  CHECK(out == NULL);
  tidal_batch_unref(in2);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(filter_bits_across_words) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "op_hostile");
  tidal_schema *s = schema("u64");
  tidal_wasm_runner *r = runner(m, "bits_alt", s, TIDAL_WASM_FILTER, NULL);
  size_t sizes[] = {1, 63, 64, 65, 130, 1000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    tidal_batch *in = u64_batch(s, n, 100), *out = NULL;
    tidal_error err;
    CHECK_OK(tidal_wasm_runner_run(r, k, in, &out, &err));
    CHECK(out != NULL);
    CHECK_EQ_INT(tidal_batch_rows(out), (n + 1) / 2);
    const uint64_t *v = tidal_batch_view_of(out)->slices[0].data;
    for (size_t i = 0; i < (n + 1) / 2; i++) CHECK_EQ_U64(v[i], 100 + 2 * i);
    tidal_batch_unref(out);
    tidal_batch_unref(in);
  }
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(tally_updates_the_diff_column_u64_over_i64) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = load_example(e, "tally");
  tidal_schema *s = schema("(string, i64)");
  tidal_wasm_runner *r = runner(m, "tally", s, TIDAL_WASM_UPDATE, "1");
  CHECK(tidal_schema_equal(tidal_wasm_runner_output_schema(r), s));
  tidal_batch *in = json_batch(s, WORDS, NWORDS), *out = NULL;
  tidal_error err;
  CHECK_OK(tidal_wasm_runner_run(r, 0, in, &out, &err));
  CHECK_EQ_INT(tidal_batch_rows(out), NWORDS);
  const tidal_batch_view *iv = tidal_batch_view_of(in), *ov = tidal_batch_view_of(out);
  for (size_t i = 0; i < NWORDS; i++) {
    size_t n1, n2;
    const char *a = tidal_view_str(iv, 0, i, &n1), *b = tidal_view_str(ov, 0, i, &n2);
    CHECK(n1 == n2 && memcmp(a, b, n1) == 0); /* the text column is untouched */
    int64_t d = ((const int64_t *)iv->slices[2].data)[i];
    CHECK_EQ_INT(((const int64_t *)ov->slices[2].data)[i], (int64_t)n1 + d);
  }
  tidal_batch_unref(out);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  /* A struct stream of the same shape is another schema: refused at attach time. */
  tidal_schema *named = schema("{text: string, diff: i64}");
  tidal_wasm_op_config cfg;
  tidal_wasm_op_config_init(&cfg);
  cfg.mode = TIDAL_WASM_UPDATE;
  cfg.update_field = "diff";
  CHECK_ERR(tidal_wasm_runner_new(m, "tally", named, &cfg, NULL, NULL, &r, &err), TIDAL_EMISMATCH);
  tidal_schema_unref(named);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(split_words_flat_map) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = load_example(e, "split_words");
  tidal_schema *s = schema("(string, i64)");
  tidal_wasm_runner *r = runner(m, "split_words", s, TIDAL_WASM_FLAT_MAP, NULL);
  const char *lines[] = {"[\"the quick  brown\\tfox\", 1]", "[\"\", 2]", "[\"   \", 3]",
                         "[\"jumps\", 4]", "[\" over\\nthe lazy dog \", 5]"};
  tidal_batch *in = json_batch(s, lines, 5), *out = NULL;
  tidal_error err;
  CHECK_OK(tidal_wasm_runner_run(r, 9, in, &out, &err));
  const char *want[] = {"[\"the\",1]", "[\"quick\",1]", "[\"brown\",1]", "[\"fox\",1]",
                        "[\"jumps\",4]", "[\"over\",5]", "[\"the\",5]", "[\"lazy\",5]",
                        "[\"dog\",5]"};
  CHECK_EQ_INT(tidal_batch_rows(out), 9);
  char buf[128];
  for (size_t i = 0; i < 9; i++) CHECK_STR(row_json(out, i, buf, sizeof buf), want[i]);
  tidal_batch_unref(out);
  tidal_batch_unref(in);
  /* Only whitespace: no rows, no batch. */
  const char *blank[] = {"[\" \", 1]"};
  in = json_batch(s, blank, 1);
  CHECK_OK(tidal_wasm_runner_run(r, 10, in, &out, &err));
  CHECK(out == NULL);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

/* ---- schema checks at attach time ----------------------------------------------------------- */

static void refuse(tidal_wasm_module *m, const char *exp, const char *stream, tidal_wasm_mode mode,
                   const char *field, int code, const char *a, const char *b) {
  tidal_schema *s = schema(stream);
  tidal_wasm_op_config cfg;
  tidal_wasm_op_config_init(&cfg);
  cfg.mode = mode;
  cfg.update_field = field;
  tidal_wasm_runner *r = (tidal_wasm_runner *)1;
  tidal_error err;
  CHECK_ERR(tidal_wasm_runner_new(m, exp, s, &cfg, NULL, NULL, &r, &err), code);
  CHECK(r == NULL);
  if (a && !strstr(err.msg, a)) TEST_FAIL("'%s' not in: %s", a, err.msg);
  if (b && !strstr(err.msg, b)) TEST_FAIL("'%s' not in: %s", b, err.msg);
  tidal_schema_unref(s);
}

TEST(schema_mismatches_refused_with_both_schemas) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *lower = load_example(e, "lowercase"), *tally = load_example(e, "tally");
  tidal_wasm_module *hostile = wt_load(e, "op_hostile");
  /* Input schema differs: both named. */
  refuse(lower, "lowercase", "u64", TIDAL_WASM_MAP, NULL, TIDAL_EMISMATCH, "u64", "(string, i64)");
  refuse(lower, "lowercase", "(string, i32)", TIDAL_WASM_MAP, NULL, TIDAL_EMISMATCH,
         "(string, i32)", "(string, i64)");
  refuse(hostile, "wrong_in", "u64", TIDAL_WASM_FLAT_MAP, NULL, TIDAL_EMISMATCH, "u64", "string");
  /* A filter needs a bool output. */
  refuse(lower, "lowercase", "(string, i64)", TIDAL_WASM_FILTER, NULL, TIDAL_EMISMATCH,
         "needs output bool", "(string, i64) -> (string, i64)");
  /* An update needs the field's type (u64 over the string field 0 is refused; over i64 ok). */
  refuse(tally, "tally", "(string, i64)", TIDAL_WASM_UPDATE, "0", TIDAL_EMISMATCH, "u64", "string");
  refuse(tally, "tally", "(string, i64)", TIDAL_WASM_UPDATE, "2", TIDAL_EINVAL, "no field '2'", NULL);
  refuse(tally, "tally", "(string, i64)", TIDAL_WASM_UPDATE, NULL, TIDAL_EINVAL, "needs a field", NULL);
  refuse(hostile, "echo", "u64", TIDAL_WASM_UPDATE, "0", TIDAL_EINVAL, "tuple or struct", NULL);
  /* No such export: the message lists those there are. */
  refuse(lower, "uppercase", "(string, i64)", TIDAL_WASM_MAP, NULL, TIDAL_ENOENT, "uppercase",
         "lowercase_str");
  tidal_wasm_module_free(hostile);
  tidal_wasm_module_free(tally);
  tidal_wasm_module_free(lower);
  tidal_wasm_engine_free(e);
}

TEST(mode_names_parse) {
  tidal_wasm_mode m;
  const char *f;
  tidal_error err;
  CHECK_OK(tidal_wasm_mode_parse("map", &m, &f, &err));
  CHECK(m == TIDAL_WASM_MAP && f == NULL);
  CHECK_OK(tidal_wasm_mode_parse("batch", &m, &f, &err));
  CHECK(m == TIDAL_WASM_FLAT_MAP);
  CHECK_OK(tidal_wasm_mode_parse("update:diff", &m, &f, &err));
  CHECK(m == TIDAL_WASM_UPDATE && !strcmp(f, "diff"));
  CHECK_ERR(tidal_wasm_mode_parse("reduce", &m, &f, &err), TIDAL_EINVAL);
  CHECK(strstr(err.msg, "reduce") && strstr(err.msg, "flat_map"));
  CHECK_ERR(tidal_wasm_mode_parse("update:", &m, &f, &err), TIDAL_EINVAL);
  CHECK_STR(tidal_wasm_mode_name(TIDAL_WASM_FILTER), "filter");
}

/* ---- hostile guests at operator level ------------------------------------------------------- */

/* Run export `exp` of module `mod` (test module or example) once on a small u64 batch and expect
   the error `code` with `cause`; then show the host is fine: the same module's `echo` works. */
static void expect_fail(tidal_wasm_engine *e, const char *mod, const char *exp, tidal_wasm_mode mode,
                        const char *field, const char *stream, int code, const char *cause) {
  tidal_wasm_module *m = wt_load(e, mod);
  tidal_schema *s = schema(stream);
  tidal_wasm_runner *r = runner(m, exp, s, mode, field);
  tidal_batch *in = NULL;
  if (!strcmp(stream, "u64")) in = u64_batch(s, 5, 1);
  else {
    const char *rows[] = {"[1, 2]", "[3, 4]"};
    in = json_batch(s, rows, 2);
  }
  tidal_batch *out = (tidal_batch *)1;
  tidal_error err;
  CHECK_ERR(tidal_wasm_runner_run(r, 7, in, &out, &err), code);
  CHECK(out == NULL);
  char modname[128];
  snprintf(modname, sizeof modname, "%s.wasm", mod);
  check_msg(&err, modname, exp, 7, cause);
  printf("  %s/%s: %s\n", mod, exp, err.msg);
  tidal_wasm_runner_stats st;
  tidal_wasm_runner_get_stats(r, &st);
  CHECK_EQ_U64(st.errors, 1);
  CHECK_EQ_U64(st.instances, 1);
  tidal_wasm_runner_free(r);
  tidal_batch_unref(in);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  /* Nothing else disturbed: a well-behaved guest still runs on this thread. */
  m = wt_load(e, "op_hostile");
  s = schema("u64");
  r = runner(m, "echo", s, TIDAL_WASM_MAP, NULL);
  in = u64_batch(s, 3, 40);
  CHECK_OK(tidal_wasm_runner_run(r, 8, in, &out, &err));
  CHECK_EQ_U64(((const uint64_t *)tidal_batch_view_of(out)->slices[0].data)[2], 42);
  tidal_batch_unref(out);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
}

/* One hostile guest per test: the error, then a healthy guest on the same thread. */
#define HOSTILE_TEST(name, mod, exp, mode, code, cause)                                            \
  TEST(name) {                                                                                     \
    tidal_wasm_engine *e = wt_engine();                                                            \
    expect_fail(e, mod, exp, mode, NULL, "u64", code, cause);                                      \
    tidal_wasm_engine_free(e);                                                                     \
  }

HOSTILE_TEST(trap_out_of_bounds_load, "traps", "oob_load", TIDAL_WASM_MAP, TIDAL_ETRAP,
             "trapped: out of bounds memory access")
HOSTILE_TEST(trap_out_of_bounds_store, "traps", "oob_store", TIDAL_WASM_MAP, TIDAL_ETRAP,
             "trapped: out of bounds memory access")
HOSTILE_TEST(trap_unreachable, "traps", "unreachable", TIDAL_WASM_MAP, TIDAL_ETRAP,
             "trapped: unreachable")
HOSTILE_TEST(trap_divide_by_zero, "op_hostile", "div0", TIDAL_WASM_MAP, TIDAL_ETRAP,
             "trapped: integer divide by zero")
HOSTILE_TEST(trap_stack_overflow, "op_hostile", "recurse", TIDAL_WASM_FLAT_MAP, TIDAL_ETRAP,
             "trapped: call stack exhausted")
HOSTILE_TEST(output_outside_memory, "op_hostile", "outside", TIDAL_WASM_MAP, TIDAL_ERANGE,
             "outside the guest memory")
HOSTILE_TEST(output_not_8_aligned, "op_hostile", "unaligned", TIDAL_WASM_FLAT_MAP, TIDAL_EGUEST,
             "not 8-aligned")
HOSTILE_TEST(output_fails_validation, "op_hostile", "bad_bytes", TIDAL_WASM_MAP, TIDAL_ECORRUPT,
             "not a valid encoding of u64: slice 0")
HOSTILE_TEST(guest_reported_error_quotes_tidal_last_error, "op_hostile", "fail", TIDAL_WASM_MAP,
             TIDAL_EGUEST, "the operator failed on purpose")

TEST(infinite_loop_hits_the_deadline) {
  tidal_wasm_engine *e = wt_engine_with(0, 50, NULL);
  double t0 = wt_now_ms();
  expect_fail(e, "traps", "spin", TIDAL_WASM_MAP, NULL, "u64", TIDAL_ETIMEDOUT, "50 ms deadline");
  CHECK(wt_now_ms() - t0 < 5000);
  tidal_wasm_engine_free(e);
}

TEST(memory_growth_bomb_stops_at_the_cap) {
  tidal_wasm_engine *e = wt_engine_with(32, 0, NULL);
  /* grow_bomb grows to the cap (memory.grow then fails) and returns the empty range: not a
     valid encoding. */
  expect_fail(e, "traps", "grow_bomb", TIDAL_WASM_MAP, NULL, "u64", TIDAL_ECORRUPT,
              "not a valid encoding of u64");
  tidal_wasm_engine_free(e);
}

TEST(wrong_row_counts_are_errors_not_truncations) {
  tidal_wasm_engine *e = wt_engine();
  expect_fail(e, "op_hostile", "zero_rows", TIDAL_WASM_MAP, NULL, "u64", TIDAL_EGUEST,
              "the output has 0 rows but the input had 5 (mode map");
  expect_fail(e, "op_hostile", "bits_short", TIDAL_WASM_FILTER, NULL, "u64", TIDAL_EGUEST,
              "the output has 0 rows but the input had 5 (mode filter");
  /* flat_map accepts any count: zero rows is fine there. */
  tidal_wasm_module *m = wt_load(e, "op_hostile");
  tidal_schema *s = schema("u64");
  tidal_wasm_runner *r = runner(m, "zero_rows", s, TIDAL_WASM_FLAT_MAP, NULL);
  tidal_batch *in = u64_batch(s, 5, 1), *out = (tidal_batch *)1;
  tidal_error err;
  CHECK_OK(tidal_wasm_runner_run(r, 1, in, &out, &err));
  CHECK(out == NULL);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(update_by_position_replaces_only_that_column) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "op_hostile");
  tidal_schema *s = schema("(u64, u64)");
  tidal_wasm_runner *r = runner(m, "first", s, TIDAL_WASM_UPDATE, "1");
  const char *rows[] = {"[1, 10]", "[2, 20]", "[3, 30]"};
  tidal_batch *in = json_batch(s, rows, 3), *out = NULL;
  tidal_error err;
  CHECK_OK(tidal_wasm_runner_run(r, 0, in, &out, &err));
  char buf[64];
  CHECK_STR(row_json(out, 0, buf, sizeof buf), "[1,1]");
  CHECK_STR(row_json(out, 2, buf, sizeof buf), "[3,3]");
  tidal_batch_unref(out);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(update_with_wrong_row_count) {
  tidal_wasm_engine *e = wt_engine();
  expect_fail(e, "op_hostile", "zero_rows2", TIDAL_WASM_UPDATE, "1", "(u64, u64)", TIDAL_EGUEST,
              "the output has 0 rows but the input had 2 (mode update");
  tidal_wasm_engine_free(e);
}

/* A refused module never loads (so no operator can use it); the host then runs a good one. */
static void refuse_module(const uint8_t *bytes, size_t len, const char *name, const char *why) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = NULL;
  tidal_error err;
  CHECK_ERR(tidal_wasm_module_load(e, bytes, len, name, &m, &err), TIDAL_EWASM);
  CHECK(m == NULL);
  if (!strstr(err.msg, why)) TEST_FAIL("'%s' not in: %s", why, err.msg);
  printf("  %s: %s\n", name, err.msg);
  m = wt_load(e, "op_hostile");
  tidal_schema *s = schema("u64");
  tidal_wasm_runner *r = runner(m, "echo", s, TIDAL_WASM_MAP, NULL);
  tidal_batch *in = u64_batch(s, 2, 1), *out = NULL;
  CHECK_OK(tidal_wasm_runner_run(r, 0, in, &out, &err));
  CHECK_EQ_INT(tidal_batch_rows(out), 2);
  tidal_batch_unref(out);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

static void refuse_test_module(const char *name, const char *why) {
  size_t len;
  uint8_t *bytes = wt_read(name, &len);
  refuse_module(bytes, len, name, why);
  free(bytes);
}

TEST(module_with_forbidden_import) { refuse_test_module("bad_import", "import"); }
TEST(module_with_simd) { refuse_test_module("simd", "SIMD"); }
TEST(module_missing_exports) { refuse_test_module("missing_export", "tidal_"); }

TEST(module_truncated) {
  size_t len;
  uint8_t *bytes = wt_read("op_hostile", &len);
  size_t cuts[] = {0, 4, 8, 9, 20, 40, len / 2, len - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
    refuse_module(bytes, cuts[i], "cut.wasm", "");
  free(bytes);
}

/* ---- instances: reuse, state, replacement ----------------------------------------------------- */

TEST(instance_state_persists_and_is_replaced_after_a_failure) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "op_hostile");
  tidal_schema *s = schema("u64");
  tidal_wasm_runner *r = runner(m, "stamp", s, TIDAL_WASM_MAP, NULL);
  tidal_batch *in = u64_batch(s, 4, 0), *out;
  tidal_error err;
  for (uint64_t k = 1; k <= 3; k++) {
    CHECK_OK(tidal_wasm_runner_run(r, k, in, &out, &err));
    CHECK_EQ_U64(((const uint64_t *)tidal_batch_view_of(out)->slices[0].data)[3], k);
    tidal_batch_unref(out);
  }
  tidal_wasm_runner_free(r);
  /* stamp_fail2 traps on each instance's 2nd call; the runner then starts afresh. */
  r = runner(m, "stamp_fail2", s, TIDAL_WASM_MAP, NULL);
  uint64_t want[] = {1, 0, 1, 0, 1};
  for (size_t k = 0; k < 5; k++) {
    int rc = tidal_wasm_runner_run(r, k, in, &out, &err);
    if (want[k]) {
      CHECK_OK(rc);
      CHECK_EQ_U64(((const uint64_t *)tidal_batch_view_of(out)->slices[0].data)[0], want[k]);
      tidal_batch_unref(out);
    } else {
      CHECK_ERR(rc, TIDAL_ETRAP);
      check_msg(&err, "op_hostile.wasm", "stamp_fail2", k, "unreachable");
    }
  }
  tidal_wasm_runner_stats st;
  tidal_wasm_runner_get_stats(r, &st);
  CHECK_EQ_U64(st.instances, 3);
  CHECK_EQ_U64(st.errors, 2);
  CHECK_EQ_U64(st.calls, 3);
  tidal_wasm_runner_free(r);
  tidal_batch_unref(in);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(raw_call_bytes) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "op_hostile");
  tidal_schema *s = schema("u64");
  tidal_wasm_runner *r = runner(m, "bad_bytes", s, TIDAL_WASM_MAP, NULL);
  tidal_batch *in = u64_batch(s, 2, 0);
  tidal_buffer enc;
  tidal_buffer_init(&enc, NULL);
  CHECK_OK(tidal_batch_encode(in, &enc));
  uint8_t *out;
  size_t n;
  tidal_error err;
  /* The raw path does not validate: the bytes come back as the guest wrote them. */
  CHECK_OK(tidal_wasm_runner_call_bytes(r, enc.data, enc.len, &out, &n, &err));
  CHECK_EQ_INT(n, 16);
  uint64_t w1;
  memcpy(&w1, out + 8, 8);
  CHECK_EQ_U64(w1, 9999);
  tidal_wasm_runner_free_bytes(r, out, n);
  tidal_buffer_reset(&enc);
  tidal_batch_unref(in);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

/* ---- through dataflows (W = 2; the trap-free cases are in wasm_op_threads_test.c) ---- */

static void on_error(void *ud, uint32_t worker, uint64_t time, const tidal_error *err) {
  df_case *c = ud;
  (void)worker;
  (void)time;
  if (strstr(err->msg, "unreachable")) c->errors_seen++;
}

TEST(dataflow_error_stops_with_operator_module_export_time) {
  tidal_wasm_engine *e = wt_engine();
  df_case c;
  memset(&c, 0, sizeof c);
  c.module = wt_load(e, "op_hostile");
  tidal_wasm_op_config_init(&c.cfg);
  c.batches = 4;
  c.rows = 5;
  tidal_error err;
  CHECK_ERR(df_run(&c, "stamp_fail2", &err), TIDAL_ETRAP);
  printf("  %s\n", err.msg);
  /* The engine's prefix and the runner's: operator, worker, module, export, time, cause. */
  CHECK(strstr(err.msg, "operator 'wasm:stamp_fail2'") != NULL);
  CHECK(strstr(err.msg, "module 'op_hostile.wasm', export 'stamp_fail2'") != NULL);
  CHECK(strstr(err.msg, "at time 1") != NULL);
  CHECK(strstr(err.msg, "unreachable") != NULL);
  tidal_capture_free(c.cap);
  /* Configured to continue: failed batches are dropped and reported, fresh instances go on. */
  c.cfg.continue_on_error = true;
  c.cfg.on_error = on_error;
  c.cfg.on_error_ud = &c;
  CHECK_OK(df_run(&c, "stamp_fail2", &err));
  CHECK_EQ_INT(c.errors_seen, 4);                    /* times 1 and 3 on both workers */
  CHECK_EQ_U64(tidal_capture_rows(c.cap), 2 * 2 * 5); /* times 0 and 2 */
  for (size_t i = 0; i < tidal_capture_len(c.cap); i++) {
    uint64_t t;
    uint32_t wk;
    const tidal_batch *b;
    CHECK_OK(tidal_capture_get(c.cap, i, &t, &wk, &b));
    CHECK(t == 0 || t == 2);
    CHECK_EQ_U64(((const uint64_t *)tidal_batch_view_of(b)->slices[0].data)[0], 1);
  }
  tidal_capture_free(c.cap);
  tidal_wasm_module_free(c.module);
  tidal_wasm_engine_free(e);
}

/* ---- OOM: every allocation of a runner and of its run fails cleanly -------------------------- */

typedef struct oom_case {
  tidal_wasm_module *m;
  const char *exp;
  const char *stream;
  tidal_wasm_mode mode;
  const char *field;
} oom_case;

static int oom_body(void *ud, const tidal_allocator *alloc) {
  oom_case *c = ud;
  tidal_schema *s = schema(c->stream); /* default allocator: not part of the sweep */
  tidal_batch *in;
  if (!strcmp(c->stream, "u64")) {
    in = u64_batch(s, 130, 0);
  } else {
    const char *rows[] = {"[1, 2]", "[3, 4]"};
    in = json_batch(s, rows, 2);
  }
  tidal_wasm_op_config cfg;
  tidal_wasm_op_config_init(&cfg);
  cfg.mode = c->mode;
  cfg.update_field = c->field;
  cfg.init = "some configuration";
  cfg.init_len = SIZE_MAX;
  tidal_wasm_runner *r = NULL;
  tidal_error err;
  int rc = tidal_wasm_runner_new(c->m, c->exp, s, &cfg, "oom", alloc, &r, &err);
  tidal_batch *out = NULL;
  if (rc == 0) rc = tidal_wasm_runner_run(r, 0, in, &out, &err);
  if (rc == 0) CHECK(out != NULL);
  tidal_batch_unref(out);
  tidal_wasm_runner_free(r);
  tidal_batch_unref(in);
  tidal_schema_unref(s);
  return rc;
}

TEST(runner_oom_sweep_every_mode) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "op_hostile");
  oom_case cases[] = {{m, "echo", "u64", TIDAL_WASM_MAP, NULL},
                      {m, "bits_alt", "u64", TIDAL_WASM_FILTER, NULL},
                      {m, "echo", "u64", TIDAL_WASM_FLAT_MAP, NULL},
                      {m, "stamp", "u64", TIDAL_WASM_MAP, NULL},
                      {m, "first", "(u64, u64)", TIDAL_WASM_UPDATE, "1"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int runs = tidal_test_oom_sweep(oom_body, &cases[i]);
    CHECK(runs > 3);
  }
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

TEST(init_config_reaches_the_guest_and_its_failure_is_reported) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = wt_load(e, "ok"); /* tidal_init fails on the config "fail" */
  tidal_schema *s = schema("(string, i64)");
  const char *rows[] = {"[\"a\", 1]"};
  tidal_batch *in = json_batch(s, rows, 1), *out = NULL;
  tidal_wasm_op_config cfg;
  tidal_wasm_op_config_init(&cfg);
  cfg.init = "fail";
  cfg.init_len = 4;
  tidal_wasm_runner *r;
  tidal_error err;
  CHECK_OK(tidal_wasm_runner_new(m, "echo", s, &cfg, NULL, NULL, &r, &err));
  CHECK_ERR(tidal_wasm_runner_run(r, 3, in, &out, &err), TIDAL_EGUEST);
  check_msg(&err, "ok.wasm", "echo", 3, "tidal_init failed");
  /* Still failing on the next batch (a fresh instance, the same config), never crashing. */
  CHECK_ERR(tidal_wasm_runner_run(r, 4, in, &out, &err), TIDAL_EGUEST);
  tidal_wasm_runner_free(r);
  cfg.init = "fine";
  CHECK_OK(tidal_wasm_runner_new(m, "echo", s, &cfg, NULL, NULL, &r, &err));
  CHECK_OK(tidal_wasm_runner_run(r, 5, in, &out, &err));
  char buf[64];
  CHECK_STR(row_json(out, 0, buf, sizeof buf), "[\"a\",1]");
  tidal_batch_unref(out);
  tidal_wasm_runner_free(r);
  tidal_batch_unref(in);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}

/* Random text (every printable ASCII byte, '@' '[' '`' '{' included, and two-byte UTF-8) through
   a lowercase guest that works 8 bytes at a time in place: the example (SDK) or lower_swar.c. */
static void check_swar_lowercase(tidal_wasm_engine *e, tidal_wasm_module *m) {
  tidal_schema *s = schema("(string, i64)");
  tidal_wasm_runner *r = runner(m, "lowercase", s, TIDAL_WASM_MAP, NULL);
  uint64_t seed = 7;
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  char w[64];
  for (int i = 0; i < 3000; i++) {
    size_t n = tidal_test_rand(&seed) % 40, k = 0;
    while (k < n) {
      uint64_t x = tidal_test_rand(&seed);
      if (x % 7 == 0 && k + 2 <= n) { /* a two-byte UTF-8 character (U+00C0..U+00FF) */
        w[k++] = (char)0xc3;
        w[k++] = (char)(0x80 + (x >> 8) % 64);
      } else {
        w[k++] = (char)(0x20 + (x >> 8) % 95); /* every printable ASCII byte, '@' '[' '`' '{' too */
      }
    }
    CHECK_OK(tidal_builder_push_str_i64(b, w, k, i));
  }
  tidal_batch *in, *out = NULL;
  CHECK_OK(tidal_batch_from_builder(b, &in));
  tidal_error err;
  size_t nbytes = tidal_batch_view_of(in)->slices[1].len;
  char *before = malloc(nbytes + 1);
  memcpy(before, tidal_batch_view_of(in)->slices[1].data, nbytes);
  CHECK_OK(tidal_wasm_runner_run(r, 0, in, &out, &err));
  const tidal_batch_view *iv = tidal_batch_view_of(in), *ov = tidal_batch_view_of(out);
  CHECK_EQ_INT(ov->rows, iv->rows);
  for (size_t i = 0; i < iv->rows; i++) {
    size_t n1, n2;
    const char *a = tidal_view_str(iv, 0, i, &n1), *c = tidal_view_str(ov, 0, i, &n2);
    CHECK_EQ_INT(n1, n2);
    for (size_t j = 0; j < n1; j++) {
      unsigned char x = (unsigned char)a[j];
      CHECK_EQ_INT((unsigned char)c[j], x >= 'A' && x <= 'Z' ? x + 32 : x);
    }
    CHECK_EQ_INT(((const int64_t *)ov->slices[2].data)[i], (int64_t)i);
  }
  /* The input batch is untouched (the guest changed its own copy in guest memory). */
  CHECK(memcmp(before, iv->slices[1].data, nbytes) == 0);
  free(before);
  tidal_batch_unref(out);
  tidal_batch_unref(in);
  tidal_builder_free(b);
  tidal_wasm_runner_free(r);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  (void)e;
}

TEST(swar_lowercase_guests_agree_with_plain_c_on_random_text) {
  tidal_wasm_engine *e = wt_engine();
  check_swar_lowercase(e, load_example(e, "lowercase"));
  check_swar_lowercase(e, wt_load(e, "lower_swar"));
  tidal_wasm_engine_free(e);
}

TEST(map_outputs_reuse_pooled_buffers_and_outlive_the_runner) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = load_example(e, "lowercase");
  tidal_schema *s = schema("(string, i64)");
  tidal_wasm_runner *r = runner(m, "lowercase", s, TIDAL_WASM_MAP, NULL);
  tidal_batch *in = json_batch(s, WORDS, NWORDS);
  tidal_error err;
  tidal_batch *out[6] = {NULL};
  /* Six outputs alive at once: six distinct buffers. */
  for (int i = 0; i < 6; i++) CHECK_OK(tidal_wasm_runner_run(r, (uint64_t)i, in, &out[i], &err));
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < i; j++)
      CHECK(tidal_batch_view_of(out[i])->slices[0].data !=
            tidal_batch_view_of(out[j])->slices[0].data);
  /* A released output's buffer is handed out again for the next batch of the same size. */
  const void *p5 = tidal_batch_view_of(out[5])->slices[0].data;
  tidal_batch_unref(out[5]);
  /* (Without the pool, a freed buffer would go back to malloc, and this block of the same size
     would likely take it.) */
  void *hog = malloc(tidal_batch_encoded_len(in));
  CHECK(hog != NULL);
  CHECK_OK(tidal_wasm_runner_run(r, 6, in, &out[5], &err));
  CHECK(tidal_batch_view_of(out[5])->slices[0].data == p5);
  free(hog);
  /* Outputs outlive the runner (the pool goes with the last of them; ASan checks the frees). */
  tidal_wasm_runner_free(r);
  for (int i = 0; i < 6; i++) {
    size_t n;
    const char *w = tidal_view_str(tidal_batch_view_of(out[i]), 0, 0, &n);
    CHECK(n == 3 && memcmp(w, "the", 3) == 0); /* row 0: "The" */
    CHECK_EQ_INT(tidal_batch_rows(out[i]), NWORDS);
    tidal_batch_unref(out[i]);
  }
  tidal_batch_unref(in);
  tidal_schema_unref(s);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
}
