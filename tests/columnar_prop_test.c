/*
** columnar_prop_test.c: property test of the columnar layer over random schemas and rows.
**
** For each seed: a random schema (every kind, nesting depth <= 4, enums with mixed variant
** shapes) and random rows, built twice (cursor API and push_json of the generated JSON). Then:
**   1. both builders encode to the same bytes, of tidal_builder_encoded_len bytes;
**   2. the bytes validate (tidal_view_init) with the right row count, and are canonical;
**   3. every row's JSON out equals the generated JSON canonically (columnar_gen.h: integers by
**      value, floats by bits, strings by bytes, struct fields by name);
**   4. re-encoding (push_json of the JSON out; push_rows from the view) gives the same bytes;
**   5. the schema's canonical text parses back to an equal schema.
** A failure prints the seed; rerun one case with TIDAL_PROP_SEED=<seed> (and TIDAL_PROP_CASES=1).
*/
#include "columnar_gen.h"

static uint64_t env_u64(const char *name, uint64_t dflt) {
  const char *v = getenv(name);
  return v && *v ? strtoull(v, NULL, 0) : dflt;
}

/* Bytes in an exactly-sized heap block, so ASan sees any read past the end. */
static uint8_t *exact_copy(const void *p, size_t n) {
  uint8_t *q = malloc(n ? n : 1);
  CHECK(q != NULL);
  if (n) memcpy(q, p, n);
  return q;
}

#define PFAIL(seed, schema, ...)                                                   \
  do {                                                                             \
    fprintf(stderr, "  seed %" PRIu64 " schema %s: ", (seed), (schema));           \
    TEST_FAIL(__VA_ARGS__);                                                        \
  } while (0)

static void one_case(uint64_t seed, size_t max_rows) {
  uint64_t rng = seed;
  gstr text = {0}, json = {0}, c1 = {0}, c2 = {0}, out_json = {0};
  gen_schema(&rng, &text);
  tidal_schema *s = NULL;
  tidal_error err;
  if (tidal_schema_parse(text.p, text.len, NULL, &s, &err) < 0)
    PFAIL(seed, text.p, "schema does not parse: %s", err.msg);

  /* 5: canonical text round trip */
  tidal_schema *s2 = NULL;
  const char *ct = tidal_schema_text(s);
  if (tidal_schema_parse(ct, strlen(ct), NULL, &s2, &err) < 0 || !tidal_schema_equal(s, s2))
    PFAIL(seed, text.p, "canonical text '%s' does not parse back to an equal schema", ct);
  tidal_schema_unref(s2);

  tidal_builder *bc = NULL, *bj = NULL, *br = NULL, *bv = NULL;
  CHECK_OK(tidal_builder_new(s, NULL, &bc));
  CHECK_OK(tidal_builder_new(s, NULL, &bj));
  CHECK_OK(tidal_builder_new(s, NULL, &br));
  CHECK_OK(tidal_builder_new(s, NULL, &bv));

  size_t nrows = grand(&rng, max_rows + 1);
  char **rows = calloc(nrows ? nrows : 1, sizeof *rows);
  for (size_t r = 0; r < nrows; r++) {
    gen_ctx cx = {bc, 0, NULL};
    gen_row(&rng, s, &cx, &json);
    if (cx.rc < 0)
      PFAIL(seed, text.p, "row %zu: cursor %s failed: %s (%s) json %s", r, cx.what,
            tidal_err_name(cx.rc), tidal_builder_error(bc), json.p);
    if (tidal_builder_push_json(bj, json.p, json.len, &err) < 0)
      PFAIL(seed, text.p, "row %zu: push_json(%s) failed: %s", r, json.p, err.msg);
    rows[r] = strdup(json.p);
  }
  CHECK_EQ_U64(tidal_builder_rows(bc), nrows);
  CHECK_EQ_U64(tidal_builder_rows(bj), nrows);

  /* 1 */
  tidal_buffer ec, ej;
  tidal_buffer_init(&ec, NULL);
  tidal_buffer_init(&ej, NULL);
  CHECK_OK(tidal_builder_encode(bc, &ec));
  CHECK_OK(tidal_builder_encode(bj, &ej));
  if (ec.len != ej.len || memcmp(ec.data, ej.data, ec.len))
    PFAIL(seed, text.p, "cursor and push_json encodings differ (%zu vs %zu bytes)", ec.len, ej.len);
  CHECK_EQ_U64(tidal_builder_encoded_len(bc), ec.len);
  CHECK(ec.len % 8 == 0);

  /* encode_into: exact size works, one word less is ENOBUFS with the size needed */
  uint64_t *into = malloc(ec.len);
  size_t cap = ec.len;
  CHECK_OK(tidal_builder_encode_into(bc, into, &cap));
  CHECK_EQ_U64(cap, ec.len);
  CHECK(memcmp(into, ec.data, ec.len) == 0);
  cap = ec.len - 8;
  CHECK_ERR(tidal_builder_encode_into(bc, into, &cap), TIDAL_ENOBUFS);
  CHECK_EQ_U64(cap, ec.len);
  free(into);

  /* 2 */
  uint8_t *bytes = exact_copy(ec.data, ec.len);
  tidal_batch_view v;
  if (tidal_view_init(&v, s, bytes, ec.len, NULL, &err) < 0)
    PFAIL(seed, text.p, "valid encoding rejected: %s", err.msg);
  CHECK_EQ_U64(v.rows, nrows);
  CHECK_EQ_U64(v.nslices, tidal_schema_slice_count(s));
  if (tidal_view_check_canonical(&v, &err) < 0)
    PFAIL(seed, text.p, "the writer's own bytes are called non-canonical: %s", err.msg);

  /* 3 and 4 */
  tidal_buffer row;
  tidal_buffer_init(&row, NULL);
  char why[160];
  for (size_t r = 0; r < nrows; r++) {
    row.len = 0;
    CHECK_OK(tidal_view_row_json(&v, r, &row));
    if (!canon(s, rows[r], strlen(rows[r]), &c1, why))
      PFAIL(seed, text.p, "row %zu: generated JSON %s not canonicalizable: %s", r, rows[r], why);
    if (!canon(s, (const char *)row.data, row.len, &c2, why))
      PFAIL(seed, text.p, "row %zu: JSON out '%.*s' not a row of the schema: %s", r, (int)row.len,
            (const char *)row.data, why);
    if (strcmp(c1.p, c2.p))
      PFAIL(seed, text.p, "row %zu differs:\n    in  %s\n    out %.*s\n    canon in  %s\n    canon out %s",
            r, rows[r], (int)row.len, (const char *)row.data, c1.p, c2.p);
    if (tidal_builder_push_json(br, (const char *)row.data, row.len, &err) < 0)
      PFAIL(seed, text.p, "row %zu: JSON out '%.*s' does not read back: %s", r, (int)row.len,
            (const char *)row.data, err.msg);
  }
  uint32_t *all = malloc((nrows ? nrows : 1) * sizeof *all);
  for (size_t r = 0; r < nrows; r++) all[r] = (uint32_t)r;
  CHECK_OK(tidal_builder_push_rows(bv, &v, all, nrows));
  free(all);
  tidal_buffer er, ev;
  tidal_buffer_init(&er, NULL);
  tidal_buffer_init(&ev, NULL);
  CHECK_OK(tidal_builder_encode(br, &er));
  CHECK_OK(tidal_builder_encode(bv, &ev));
  if (er.len != ec.len || memcmp(er.data, ec.data, ec.len))
    PFAIL(seed, text.p, "re-encoding the JSON out differs from the original bytes");
  if (ev.len != ec.len || memcmp(ev.data, ec.data, ec.len))
    PFAIL(seed, text.p, "push_rows from the view re-encodes differently");

  /* The builder's own (unvalidated) view agrees with the validated one. */
  tidal_batch_view bview;
  CHECK_OK(tidal_builder_view(bc, &bview));
  CHECK_EQ_U64(bview.rows, nrows);
  for (size_t r = 0; r < nrows && r < 4; r++) {
    row.len = 0;
    CHECK_OK(tidal_view_row_json(&bview, r, &row));
    CHECK(canon(s, (const char *)row.data, row.len, &c2, why));
    CHECK(canon(s, rows[r], strlen(rows[r]), &c1, why));
    CHECK_STR(c2.p, c1.p);
  }
  tidal_view_reset(&bview);

  tidal_view_reset(&v);
  free(bytes);
  for (size_t r = 0; r < nrows; r++) free(rows[r]);
  free(rows);
  tidal_buffer_reset(&row);
  tidal_buffer_reset(&ec);
  tidal_buffer_reset(&ej);
  tidal_buffer_reset(&er);
  tidal_buffer_reset(&ev);
  tidal_builder_free(bc);
  tidal_builder_free(bj);
  tidal_builder_free(br);
  tidal_builder_free(bv);
  tidal_schema_unref(s);
  gs_free(&text);
  gs_free(&json);
  gs_free(&c1);
  gs_free(&c2);
  gs_free(&out_json);
}

/* Many small batches: thousands of schemas. */
TEST(random_schemas_roundtrip) {
  uint64_t seed0 = env_u64("TIDAL_PROP_SEED", 0x5eed0001);
  uint64_t cases = env_u64("TIDAL_PROP_CASES", 3000);
  for (uint64_t i = 0; i < cases; i++) one_case(seed0 + i, 12);
}

/* Fewer, larger batches: rank-select blocks (1024 bits) and enum form switches at scale. */
TEST(random_schemas_large_batches) {
  uint64_t seed0 = env_u64("TIDAL_PROP_SEED", 0x1a4e0001);
  uint64_t cases = env_u64("TIDAL_PROP_CASES", 40);
  for (uint64_t i = 0; i < cases; i++) one_case(seed0 + i, 3000);
}

/* The generator itself must cover every kind (or the test above proves less than it claims). */
TEST(generator_covers_every_kind) {
  bool seen[TIDAL_KIND_UNIT_ENUM + 1] = {0};
  bool shapes[3] = {0};
  uint64_t rng = 42;
  gstr text = {0};
  for (int i = 0; i < 2000; i++) {
    gen_schema(&rng, &text);
    tidal_schema *s;
    CHECK_OK(tidal_schema_parse(text.p, text.len, NULL, &s, NULL));
    /* walk the tree */
    const tidal_type *stack[256];
    size_t sp = 0;
    stack[sp++] = tidal_schema_root(s);
    while (sp) {
      const tidal_type *t = stack[--sp];
      tidal_kind k = tidal_type_kind(t);
      seen[k] = true;
      size_t n = tidal_type_child_count(t);
      if (k == TIDAL_KIND_ENUM)
        for (size_t c = 0; c < n; c++) shapes[tidal_type_variant_shape(t, c)] = true;
      if (k == TIDAL_KIND_UNIT_ENUM) continue;
      for (size_t c = 0; c < n && sp < 256; c++) stack[sp++] = tidal_type_child(t, c);
    }
    tidal_schema_unref(s);
  }
  gs_free(&text);
  for (int k = 0; k <= TIDAL_KIND_UNIT_ENUM; k++)
    if (!seen[k]) TEST_FAIL("kind %d never generated", k);
  CHECK(shapes[0] && shapes[1] && shapes[2]);
}

/* Columns whose string bytes (or vec values) are all empty: the empty slice's data pointer is NULL
   in a view, and JSON out / tidal_view_str / push_rows must not do arithmetic on it (NULL + 0 is
   undefined; clang's UBSan reports it, gcc's does not). Found by fuzz/columnar_view.c. */
TEST(empty_string_bytes_slice) {
  static const char *const cases[][2] = {
      {"(string, i64)", "[\"\", 1]"},
      {"string", "\"\""},
      {"vec<string>", "[\"\", \"\"]"},
      {"vec<u8>", "[]"},
      {"option<string>", "\"\""},
      {"enum{A(string), B}", "{\"A\": \"\"}"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tidal_schema *s;
    CHECK_OK(tidal_schema_parse(cases[c][0], strlen(cases[c][0]), NULL, &s, NULL));
    tidal_builder *b;
    CHECK_OK(tidal_builder_new(s, NULL, &b));
    CHECK_OK(tidal_builder_push_json(b, cases[c][1], strlen(cases[c][1]), NULL));
    CHECK_OK(tidal_builder_push_json(b, cases[c][1], strlen(cases[c][1]), NULL));
    tidal_buffer enc, j;
    tidal_buffer_init(&enc, NULL);
    tidal_buffer_init(&j, NULL);
    CHECK_OK(tidal_builder_encode(b, &enc));
    tidal_batch_view v;
    CHECK_OK(tidal_view_init(&v, s, enc.data, enc.len, NULL, NULL));
    CHECK_EQ_U64(v.rows, 2);
    for (size_t r = 0; r < v.rows; r++) {
      j.len = 0;
      CHECK_OK(tidal_view_row_json(&v, r, &j));
      gstr c1 = {0}, c2 = {0};
      char why[160];
      CHECK(canon(s, (const char *)j.data, j.len, &c1, why));
      CHECK(canon(s, cases[c][1], strlen(cases[c][1]), &c2, why));
      CHECK_STR(c1.p, c2.p);
      gs_free(&c1);
      gs_free(&c2);
    }
    /* Row copy (column-at-a-time for flat schemas) of the same rows: same bytes. */
    tidal_builder *b2;
    tidal_buffer enc2;
    tidal_buffer_init(&enc2, NULL);
    CHECK_OK(tidal_builder_new(s, NULL, &b2));
    uint32_t both[2] = {0, 1};
    CHECK_OK(tidal_builder_push_rows(b2, &v, both, 2));
    CHECK_OK(tidal_builder_push_row(b2, &v, 1));
    CHECK_OK(tidal_builder_push_rows(b2, &v, both, 0));
    CHECK_OK(tidal_builder_encode(b2, &enc2));
    CHECK_EQ_U64(tidal_builder_rows(b2), 3);
    tidal_buffer_reset(&enc2);
    tidal_builder_free(b2);
    if (c == 0) {
      size_t n = 99;
      (void)tidal_view_str(&v, 0, 1, &n);
      CHECK_EQ_U64(n, 0);
    }
    tidal_view_reset(&v);
    tidal_buffer_reset(&enc);
    tidal_buffer_reset(&j);
    tidal_builder_free(b);
    tidal_schema_unref(s);
  }
}
