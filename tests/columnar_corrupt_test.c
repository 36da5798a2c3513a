/*
** columnar_corrupt_test.c: hostile bytes against tidal_view_init.
**
** Valid encodings of many schemas (random ones from columnar_gen.h and the shared spec vectors)
** are mutated: random byte flips, truncations, extensions, header-word edits (offsets +-8 and +-1,
** huge values, swapped/reversed words) and value-word edits (bounds, counts, offsets set to 0, 1,
** huge, the length). Each mutant sits in an exactly-sized heap block (so ASan catches any read
** past it). tidal_view_init must either reject it with TIDAL_ECORRUPT and a message, or accept it;
** then every row must convert to JSON that reads back under the schema, and the rows must
** re-encode into bytes that validate and give the same JSON.
**
** Accepted mutants whose re-encoding differs from the mutant are "non-canonical accepts": spec §4
** lets a reader accept them (unreferenced values, a non-minimal enum form; docs/columnar-cli.md),
** so they are counted, not failed; but tidal_view_check_canonical must flag exactly those.
*/
#include "columnar_gen.h"

/* Rows beyond which an accepted mutant is not walked row by row (a `unit` count or a homogeneous
   enum can legally claim 2^63 rows in 16 bytes). */
#define WALK_LIMIT 4096

typedef struct {
  long mutants, rejected, accepted, noncanonical, skipped_huge;
} stats;

static uint8_t *exact_copy(const void *p, size_t n) {
  uint8_t *q = malloc(n ? n : 1);
  CHECK(q != NULL);
  if (n) memcpy(q, p, n);
  return q;
}

static uint64_t rd64(const uint8_t *p, size_t i) {
  uint64_t w;
  memcpy(&w, p + 8 * i, 8);
  return w;
}
static void wr64(uint8_t *p, size_t i, uint64_t w) { memcpy(p + 8 * i, &w, 8); }

/* Apply one random mutation to buf[0..*len) (capacity cap); returns a short label. */
static const char *mutate(uint64_t *rng, uint8_t *buf, size_t *len, size_t cap, size_t nslices) {
  size_t n = *len, words = n / 8, hdr = nslices + 1 < words ? nslices + 1 : words;
  static const uint64_t huge[] = {UINT64_MAX, UINT64_MAX - 7, 1ull << 63, 1ull << 32,
                                  0x7ffffffffffffff8ull, 0};
  switch (grand(rng, 10)) {
    case 0: /* flip bits of one byte */
      if (!n) break;
      buf[grand(rng, n)] ^= (uint8_t)(1u << grand(rng, 8));
      return "bitflip";
    case 1: /* random byte values */
      for (int k = 0, m = 1 + (int)grand(rng, 4); k < m && n; k++)
        buf[grand(rng, n)] = (uint8_t)tidal_test_rand(rng);
      return "bytes";
    case 2: /* truncate, at a word boundary or anywhere */
      if (!n) break;
      *len = grand(rng, 2) ? 8 * grand(rng, words) : grand(rng, n);
      return "truncate";
    case 3: { /* extend with zeros or junk */
      size_t add = grand(rng, 2) ? 8 * (1 + grand(rng, 3)) : 1 + grand(rng, 15);
      if (n + add > cap) add = cap - n;
      bool junk = grand(rng, 2);
      for (size_t i = 0; i < add; i++) buf[n + i] = junk ? (uint8_t)tidal_test_rand(rng) : 0;
      *len = n + add;
      return "extend";
    }
    case 4: case 5: { /* header word +-8 / +-1 */
      if (!hdr) break;
      size_t k = grand(rng, hdr);
      static const int64_t deltas[] = {8, -8, 1, -1, 16, -16};
      wr64(buf, k, rd64(buf, k) + (uint64_t)deltas[grand(rng, 6)]);
      return "header+-";
    }
    case 6: { /* header word huge or zero */
      if (!hdr) break;
      wr64(buf, grand(rng, hdr), grand(rng, 4) ? huge[grand(rng, 6)] : (uint64_t)n + 8 * grand(rng, 3));
      return "header-huge";
    }
    case 7: { /* swap two header words, or reverse them all */
      if (hdr < 2) break;
      if (grand(rng, 3) == 0) {
        for (size_t i = 0, j = hdr - 1; i < j; i++, j--) {
          uint64_t a = rd64(buf, i);
          wr64(buf, i, rd64(buf, j));
          wr64(buf, j, a);
        }
        return "header-reverse";
      }
      size_t i = grand(rng, hdr), j = grand(rng, hdr);
      uint64_t a = rd64(buf, i);
      wr64(buf, i, rd64(buf, j));
      wr64(buf, j, a);
      return "header-swap";
    }
    default: { /* a body word (bounds, counts, offsets, tails) set to an edge value */
      if (words <= hdr) break;
      size_t k = hdr + grand(rng, words - hdr);
      uint64_t w = rd64(buf, k);
      switch (grand(rng, 5)) {
        case 0: w = 0; break;
        case 1: w += 1; break;
        case 2: w -= 1; break;
        case 3: w = huge[grand(rng, 6)]; break;
        default: w = grand(rng, 2 * n + 2); break;
      }
      wr64(buf, k, w);
      return "body-word";
    }
  }
  buf[0] ^= 1;
  return "fallback";
}

/* Check one candidate encoding; any failure names the seed and mutation. */
static void check_bytes(const tidal_schema *s, const uint8_t *src, size_t len, stats *st,
                        const char *label, uint64_t seed) {
  uint8_t *bytes = exact_copy(src, len);
  tidal_batch_view v;
  tidal_error err;
  err.msg[0] = 0;
  st->mutants++;
  int rc = tidal_view_init(&v, s, bytes, len, NULL, &err);
  if (rc < 0) {
    if (rc != TIDAL_ECORRUPT || !err.msg[0])
      TEST_FAIL("seed %" PRIu64 " %s schema %s: rejected with %s '%s'", seed, label,
                tidal_schema_text(s), tidal_err_name(rc), err.msg);
    st->rejected++;
    free(bytes);
    return;
  }
  st->accepted++;
  if (v.rows > WALK_LIMIT) {
    /* Still touch the last row: a huge claimed count must index only what exists. */
    tidal_buffer j;
    tidal_buffer_init(&j, NULL);
    CHECK_OK(tidal_view_row_json(&v, v.rows - 1, &j));
    CHECK_OK(tidal_view_row_json(&v, 0, &j));
    tidal_buffer_reset(&j);
    st->skipped_huge++;
    tidal_view_reset(&v);
    free(bytes);
    return;
  }
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  tidal_buffer j, enc;
  tidal_buffer_init(&j, NULL);
  tidal_buffer_init(&enc, NULL);
  gstr c = {0};
  char why[160];
  for (size_t r = 0; r < v.rows; r++) {
    j.len = 0;
    CHECK_OK(tidal_view_row_json(&v, r, &j));
    if (!canon(s, (const char *)j.data, j.len, &c, why))
      TEST_FAIL("seed %" PRIu64 " %s schema %s: row %zu JSON '%.*s' is not a row: %s", seed, label,
                tidal_schema_text(s), r, (int)j.len, (const char *)j.data, why);
    if (tidal_builder_push_json(b, (const char *)j.data, j.len, &err) < 0)
      TEST_FAIL("seed %" PRIu64 " %s schema %s: row %zu JSON '%.*s' does not read back: %s", seed,
                label, tidal_schema_text(s), r, (int)j.len, (const char *)j.data, err.msg);
  }
  CHECK_OK(tidal_builder_encode(b, &enc));
  /* Byte identity: a row-for-row copy re-encodes to the input exactly when the input is in the
     writer's canonical form, and tidal_view_check_canonical must say which case this is. */
  {
    tidal_builder *bc;
    tidal_buffer encc;
    tidal_buffer_init(&encc, NULL);
    CHECK_OK(tidal_builder_new(s, NULL, &bc));
    uint32_t *all = malloc((v.rows ? v.rows : 1) * sizeof *all);
    for (size_t r = 0; r < v.rows; r++) all[r] = (uint32_t)r;
    CHECK_OK(tidal_builder_push_rows(bc, &v, all, v.rows));
    free(all);
    CHECK_OK(tidal_builder_encode(bc, &encc));
    bool same = encc.len == len && memcmp(encc.data, bytes, len) == 0;
    tidal_error cerr;
    int crc = tidal_view_check_canonical(&v, &cerr);
    if (same ? crc != 0 : crc != TIDAL_ECORRUPT)
      TEST_FAIL("seed %" PRIu64 " %s schema %s: bytes %s the copy's, but check_canonical says %s%s",
                seed, label, tidal_schema_text(s), same ? "equal" : "differ from",
                tidal_err_name(crc), crc ? cerr.msg : "");
    if (!same) st->noncanonical++;
    tidal_buffer_reset(&encc);
    tidal_builder_free(bc);
  }
  /* The re-encoding is what a correct writer makes of those rows: it must validate and agree. */
  tidal_batch_view v2;
  if (tidal_view_init(&v2, s, enc.data, enc.len, NULL, &err) < 0)
    TEST_FAIL("seed %" PRIu64 " %s: re-encoding rejected: %s", seed, label, err.msg);
  CHECK_EQ_U64(v2.rows, v.rows);
  /* ... and be a fixed point of view -> push_row -> encode. */
  tidal_builder *b2;
  tidal_buffer enc2;
  tidal_buffer_init(&enc2, NULL);
  CHECK_OK(tidal_builder_new(s, NULL, &b2));
  for (size_t r = 0; r < v2.rows; r++) CHECK_OK(tidal_builder_push_row(b2, &v2, r));
  CHECK_OK(tidal_builder_encode(b2, &enc2));
  if (enc2.len != enc.len || memcmp(enc2.data, enc.data, enc.len))
    TEST_FAIL("seed %" PRIu64 " %s schema %s: re-encoding is not a fixed point", seed, label,
              tidal_schema_text(s));
  tidal_buffer_reset(&enc2);
  tidal_builder_free(b2);
  tidal_view_reset(&v2);
  gs_free(&c);
  tidal_buffer_reset(&j);
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  tidal_view_reset(&v);
  free(bytes);
}

static void mutate_many(const tidal_schema *s, const uint8_t *enc, size_t len, int count,
                        uint64_t seed, stats *st) {
  size_t cap = len + 64;
  uint8_t *buf = malloc(cap);
  uint64_t rng = seed;
  size_t nslices = tidal_schema_slice_count(s);
  for (int m = 0; m < count; m++) {
    memcpy(buf, enc, len);
    size_t n = len;
    const char *label = mutate(&rng, buf, &n, cap, nslices);
    if (grand(&rng, 4) == 0) label = mutate(&rng, buf, &n, cap, nslices); /* stack two */
    check_bytes(s, buf, n, st, label, seed * 1000003 + (uint64_t)m);
  }
  free(buf);
}

static void report(const char *what, const stats *st) {
  fprintf(stderr, "  %s: %ld mutants, %ld rejected, %ld accepted (%ld non-canonical, %ld huge)\n",
          what, st->mutants, st->rejected, st->accepted, st->noncanonical, st->skipped_huge);
}

TEST(random_schema_mutations) {
  stats st = {0};
  gstr text = {0}, json = {0};
  for (uint64_t seed = 1; seed <= 400; seed++) {
    uint64_t rng = seed * 0x9e3779b97f4a7c15ull;
    gen_schema(&rng, &text);
    tidal_schema *s;
    CHECK_OK(tidal_schema_parse(text.p, text.len, NULL, &s, NULL));
    tidal_builder *b;
    CHECK_OK(tidal_builder_new(s, NULL, &b));
    size_t rows = grand(&rng, 10);
    for (size_t r = 0; r < rows; r++) {
      gen_ctx cx = {b, 0, NULL};
      gen_row(&rng, s, &cx, &json);
      CHECK_OK(cx.rc);
    }
    tidal_buffer enc;
    tidal_buffer_init(&enc, NULL);
    CHECK_OK(tidal_builder_encode(b, &enc));
    long nc = st.noncanonical;
    check_bytes(s, enc.data, enc.len, &st, "unmutated", seed);
    CHECK_EQ_INT(st.noncanonical, nc); /* a writer's own bytes are canonical */
    mutate_many(s, enc.data, enc.len, 100, seed, &st);
    tidal_buffer_reset(&enc);
    tidal_builder_free(b);
    tidal_schema_unref(s);
  }
  gs_free(&text);
  gs_free(&json);
  report("random schemas", &st);
  CHECK(st.rejected > st.mutants / 4); /* the mutations do reach the validator's checks */
}

/* The spec vectors, each mutated many times (and exhaustively truncated). */
TEST(vector_mutations) {
  char path[4096];
  snprintf(path, sizeof path, "%s/spec/vectors/columnar-vectors.jsonl", tidal_test_shared_dir());
  FILE *f = fopen(path, "r");
  if (!f) TEST_FAIL("cannot open %s", path);
  char line[8192];
  stats st = {0};
  int nvec = 0;
  while (fgets(line, sizeof line, f)) {
    char *sp = strstr(line, "\"schema\": \""), *hp = strstr(line, "\"hex\": \"");
    CHECK(sp && hp);
    sp += 11;
    hp += 8;
    char *se = strchr(sp, '"'), *he = strchr(hp, '"');
    CHECK(se && he);
    *se = 0;
    size_t len = (size_t)(he - hp) / 2;
    uint8_t *enc = malloc(len);
    for (size_t i = 0; i < len; i++) enc[i] = (uint8_t)(hexv(hp[2 * i]) << 4 | hexv(hp[2 * i + 1]));
    tidal_schema *s;
    CHECK_OK(tidal_schema_parse(sp, strlen(sp), NULL, &s, NULL));
    long nc = st.noncanonical;
    check_bytes(s, enc, len, &st, "vector", (uint64_t)nvec);
    CHECK_EQ_INT(st.noncanonical, nc);
    for (size_t n = 0; n < len; n++) check_bytes(s, enc, n, &st, "truncate-all", (uint64_t)n);
    mutate_many(s, enc, len, 1500, 7777 + (uint64_t)nvec, &st);
    free(enc);
    tidal_schema_unref(s);
    nvec++;
  }
  fclose(f);
  CHECK(nvec >= 10);
  report("spec vectors", &st);
}

/* Misaligned input: view_init documents an 8-aligned requirement; it must refuse, not fault. */
TEST(misaligned_bytes_rejected) {
  tidal_schema *s;
  CHECK_OK(tidal_schema_parse("u64", 3, NULL, &s, NULL));
  static const uint8_t enc[] = {16, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0,
                                7,  0, 0, 0, 0, 0, 0, 0};
  uint8_t *buf = malloc(sizeof enc + 8);
  memcpy(buf + 4, enc, sizeof enc);
  tidal_batch_view v;
  tidal_error err;
  int rc = tidal_view_init(&v, s, buf + 4, sizeof enc, NULL, &err);
  CHECK(rc == TIDAL_EINVAL || rc == TIDAL_ECORRUPT);
  memcpy(buf, enc, sizeof enc);
  CHECK_OK(tidal_view_init(&v, s, buf, sizeof enc, NULL, &err));
  CHECK_EQ_U64(v.rows, 1);
  tidal_view_reset(&v);
  free(buf);
  tidal_schema_unref(s);
}
