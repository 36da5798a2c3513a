/*
** wasm_module_test.c: the module check and module loading against hostile input: every refusal
** carries a clear message, and no prefix, corruption or garbage of a valid module crashes it.
*/
#include "wasm_util.h"

#if TIDAL_ENABLE_WASM

static void expect_refused(const char *name, int code, const char *needle) {
  size_t len;
  uint8_t *b = wt_read(name, &len);
  tidal_error err;
  int rc = tidal_wasm_check(b, len, &err);
  if (rc != code) TEST_FAIL("%s: check returned %s, expected %s", name, tidal_err_name(rc), tidal_err_name(code));
  if (!strstr(err.msg, needle)) TEST_FAIL("%s: message '%s' lacks '%s'", name, err.msg, needle);
  /* Loading refuses the same way, before any tool runs. */
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = (tidal_wasm_module *)1;
  CHECK_ERR(tidal_wasm_module_load(e, b, len, name, &m, &err), code);
  CHECK(m == NULL);
  CHECK(strstr(err.msg, needle) != NULL);
  tidal_wasm_engine_free(e);
  free(b);
}

TEST(valid_modules_pass_the_check) {
  size_t len;
  uint8_t *b = wt_read("ok", &len);
  tidal_error err;
  CHECK_OK(tidal_wasm_check(b, len, &err));
  free(b);
  b = wt_read("traps", &len);
  CHECK_OK(tidal_wasm_check(b, len, &err));
  free(b);
}

TEST(forbidden_import_is_named) { expect_refused("bad_import", TIDAL_EWASM, "env.system"); }
TEST(simd_is_refused) { expect_refused("simd", TIDAL_EWASM, "SIMD"); }
TEST(missing_export_is_named) { expect_refused("missing_export", TIDAL_EWASM, "'tidal_alloc'"); }
TEST(wrong_export_signature) {
  expect_refused("wrong_sig", TIDAL_EWASM, "expected a function (i32) -> i32");
}
TEST(two_memories_refused) { expect_refused("two_memories", TIDAL_EWASM, "several memories"); }

TEST(not_wasm_and_garbage) {
  tidal_error err;
  const char *text = "hello, this is not wasm";
  CHECK_ERR(tidal_wasm_check((const uint8_t *)text, strlen(text), &err), TIDAL_EWASM);
  CHECK(strstr(err.msg, "not a WebAssembly module") != NULL);
  CHECK_ERR(tidal_wasm_check((const uint8_t *)"", 0, &err), TIDAL_EWASM);
  uint8_t bad_version[8] = {0, 'a', 's', 'm', 2, 0, 0, 0};
  CHECK_ERR(tidal_wasm_check(bad_version, 8, &err), TIDAL_EWASM);
  CHECK(strstr(err.msg, "version 2") != NULL);
  /* Random bytes behind a valid header: refused with a message, never a crash. */
  uint64_t seed = 42;
  uint8_t buf[512];
  for (int round = 0; round < 2000; round++) {
    size_t n = 8 + tidal_test_rand(&seed) % (sizeof buf - 8);
    memcpy(buf, "\0asm\1\0\0\0", 8);
    for (size_t i = 8; i < n; i++) buf[i] = (uint8_t)tidal_test_rand(&seed);
    int rc = tidal_wasm_check(buf, n, &err);
    CHECK(rc == TIDAL_EWASM);
    CHECK(err.msg[0] != '\0');
  }
}

TEST(every_truncation_is_refused_with_an_offset) {
  size_t len;
  uint8_t *b = wt_read("ok", &len);
  tidal_error err;
  int accepted = 0;
  for (size_t n = 0; n < len; n++) {
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches any read past the end */
    memcpy(copy, b, n);
    int rc = tidal_wasm_check(copy, n, &err);
    /* A cut exactly between two sections can leave a well-formed module (e.g. without its
    ** trailing custom sections); any other cut must be refused, naming where. */
    if (rc == 0) accepted++;
    else if (rc != TIDAL_EWASM) TEST_FAIL("prefix of %zu/%zu bytes: %s", n, len, tidal_err_name(rc));
    else if (n >= 8 && !strstr(err.msg, "byte offset") && !strstr(err.msg, "export"))
      TEST_FAIL("prefix of %zu bytes: message without an offset: %s", n, err.msg);
    free(copy);
  }
  CHECK(accepted <= 3);
  /* A concrete one: cut inside the code section. */
  CHECK_ERR(tidal_wasm_check(b, len - 40, &err), TIDAL_EWASM);
  CHECK(strstr(err.msg, "truncated") != NULL);
  free(b);
}

TEST(corrupted_bytes_never_crash) {
  size_t len;
  uint8_t *b = wt_read("traps", &len);
  uint8_t *copy = malloc(len);
  uint64_t seed = 7;
  tidal_error err;
  int refused = 0;
  for (int round = 0; round < 5000; round++) {
    memcpy(copy, b, len);
    int flips = 1 + (int)(tidal_test_rand(&seed) % 4);
    for (int k = 0; k < flips; k++)
      copy[8 + tidal_test_rand(&seed) % (len - 8)] = (uint8_t)tidal_test_rand(&seed);
    int rc = tidal_wasm_check(copy, len, &err);
    CHECK(rc == 0 || rc == TIDAL_EWASM);
    if (rc) refused++;
  }
  CHECK(refused > 0);
  free(copy);
  free(b);
}

TEST(describe_naming_a_missing_export_is_refused) {
  tidal_wasm_engine *e = wt_engine();
  char p[1024];
  tidal_wasm_module *m = NULL;
  tidal_error err;
  CHECK_ERR(tidal_wasm_module_load_file(e, wt_path("describe_bad", p, sizeof p), &m, &err),
            TIDAL_EWASM);
  CHECK(strstr(err.msg, "'ghost'") != NULL);
  tidal_wasm_engine_free(e);
}

TEST(initial_memory_above_the_cap_is_refused) {
  tidal_wasm_engine *e = wt_engine_with(64, 0, NULL);
  char p[1024];
  tidal_wasm_module *m = NULL;
  tidal_error err;
  CHECK_ERR(tidal_wasm_module_load_file(e, wt_path("big_memory", p, sizeof p), &m, &err),
            TIDAL_EWASM);
  CHECK(strstr(err.msg, "4096 pages") != NULL);
  tidal_wasm_engine_free(e);
}

TEST(instantiation_trap_fails_the_load) {
  tidal_wasm_engine *e = wt_engine();
  char p[1024];
  tidal_wasm_module *m = NULL;
  tidal_error err;
  CHECK_ERR(tidal_wasm_module_load_file(e, wt_path("bad_data", p, sizeof p), &m, &err), TIDAL_ETRAP);
  CHECK(strstr(err.msg, "instantiation trapped: out of bounds memory access") != NULL);
  tidal_wasm_engine_free(e);
}

TEST(endless_start_function_is_stopped) {
  tidal_wasm_engine *e = wt_engine_with(0, 30, NULL);
  char p[1024];
  tidal_wasm_module *m = NULL;
  tidal_error err;
  CHECK_ERR(tidal_wasm_module_load_file(e, wt_path("start_loop", p, sizeof p), &m, &err),
            TIDAL_ETIMEDOUT);
  CHECK(strstr(err.msg, "instantiation: guest exceeded its 30 ms deadline") != NULL);
  tidal_wasm_engine_free(e);
}

TEST(missing_file) {
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module *m = NULL;
  tidal_error err;
  CHECK_ERR(tidal_wasm_module_load_file(e, "/nonexistent/x.wasm", &m, &err), TIDAL_ENOENT);
  tidal_wasm_engine_free(e);
}

TEST(engine_config_errors) {
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  tidal_wasm_engine *e = NULL;
  tidal_error err;
  CHECK_ERR(tidal_wasm_engine_new(&cfg, &e, &err), TIDAL_EINVAL); /* no cache dir */
  cfg.cache_dir = TIDAL_WASM_TEST_CACHE;
  cfg.max_pages = 65536;
  CHECK_ERR(tidal_wasm_engine_new(&cfg, &e, &err), TIDAL_EINVAL);
  CHECK(strstr(err.msg, "65535") != NULL);
  CHECK(e == NULL);
}

/* Load, instantiate, call: every allocation failure must surface as TIDAL_ENOMEM, leak-free. */
static int oom_body(void *ud, const tidal_allocator *alloc) {
  (void)ud;
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = TIDAL_WASM_TEST_CACHE;
  cfg.allocator = alloc;
  tidal_wasm_engine *e = NULL;
  tidal_wasm_module *m = NULL;
  tidal_wasm_instance *in = NULL;
  tidal_error err;
  char p[1024];
  int rc = tidal_wasm_engine_new(&cfg, &e, &err);
  if (rc == 0) rc = tidal_wasm_module_load_file(e, wt_path("traps", p, sizeof p), &m, &err);
  if (rc == 0) rc = tidal_wasm_instance_new(m, NULL, 0, &in, &err);
  uint32_t a, n;
  if (rc == 0) rc = tidal_wasm_instance_call(in, 10, 0, 0, &a, &n, &err);
  tidal_wasm_instance_free(in);
  tidal_wasm_module_free(m);
  tidal_wasm_engine_free(e);
  return rc;
}

TEST(oom_sweep_load_instantiate_call) {
  /* Warm the cache so the sweep measures the host, not the compiler. */
  tidal_wasm_engine *e = wt_engine();
  tidal_wasm_module_free(wt_load(e, "traps"));
  tidal_wasm_engine_free(e);
  int runs = tidal_test_oom_sweep(oom_body, NULL);
  CHECK(runs > 5);
}

#else /* built without WASM: the API answers TIDAL_ENOSYS */
TEST(wasm_disabled) {
  tidal_wasm_engine_config cfg;
  tidal_wasm_engine_config_init(&cfg);
  cfg.cache_dir = "/tmp";
  tidal_wasm_engine *e;
  CHECK_ERR(tidal_wasm_engine_new(&cfg, &e, NULL), TIDAL_ENOSYS);
}
#endif
