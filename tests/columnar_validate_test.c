/*
** columnar_validate_test.c: tidal_view_init on hostile bytes: one crafted encoding per rule of the
** spec's §4 (structure and values), each rejected with TIDAL_ECORRUPT and a message naming the
** slice, byte and rule; batch ownership on every path; and a mutation smoke test (random byte and
** word changes of a valid nested batch: either rejected, or safe to read every row of).
**
** Encodings are assembled by the test's own encoder from hand-written slices.
*/
#include "harness/test.h"

typedef struct sl {
  const void *p;  /* bytes */
  size_t n;       /* byte length */
} sl;

/* The indexed encoding of n slices into out (8-aligned); returns the length in bytes. */
static size_t enc(const sl *s, size_t n, uint64_t *out) {
  uint8_t *o = (uint8_t *)out;
  size_t pos = 8 * (n + 1);
  out[0] = pos;
  for (size_t k = 0; k < n; k++) {
    if (s[k].n) memcpy(o + pos, s[k].p, s[k].n);
    out[k + 1] = pos + s[k].n;
    size_t padded = (s[k].n + 7) & ~(size_t)7;
    memset(o + pos + s[k].n, 0, padded - s[k].n);
    pos += padded;
  }
  return pos;
}

static tidal_schema *parse(const char *text) {
  tidal_schema *s = NULL;
  if (tidal_schema_parse(text, strlen(text), NULL, &s, NULL) < 0) TEST_FAIL("parse %s", text);
  return s;
}

/* view_init must fail with `code` and a message containing `part`. */
static void reject(const char *schema, const void *bytes, size_t len, int code, const char *part) {
  tidal_schema *s = parse(schema);
  tidal_batch_view v;
  tidal_error err;
  int rc = tidal_view_init(&v, s, bytes, len, NULL, &err);
  if (rc != code) TEST_FAIL("%s: returned %s, expected %s", schema, tidal_err_name(rc), tidal_err_name(code));
  if (!strstr(err.msg, part)) TEST_FAIL("%s: message '%s' lacks '%s'", schema, err.msg, part);
  tidal_schema_unref(s);
}

static size_t accept(const char *schema, const void *bytes, size_t len) {
  tidal_schema *s = parse(schema);
  tidal_batch_view v;
  tidal_error err;
  if (tidal_view_init(&v, s, bytes, len, NULL, &err) < 0) TEST_FAIL("%s: %s", schema, err.msg);
  size_t rows = v.rows;
  tidal_view_reset(&v);
  tidal_schema_unref(s);
  return rows;
}

#define E ECORRUPT
#define R(schema, slices, part)                                                 \
  do {                                                                         \
    uint64_t buf_[64];                                                         \
    size_t len_ = enc(slices, sizeof slices / sizeof slices[0], buf_);         \
    reject(schema, buf_, len_, TIDAL_ECORRUPT, part);                          \
  } while (0)

TEST(structure_rules) {
  uint32_t vals[2] = {1, 2};
  sl s1[] = {{vals, 8}};
  uint64_t buf[16];
  size_t len = enc(s1, 1, buf);
  CHECK_EQ_INT(accept("u32", buf, len), 2);
  reject("u32", buf, len - 4, TIDAL_ECORRUPT, "length 20 is not a multiple of 8");
  reject("u32", buf, 0, TIDAL_ECORRUPT, "no header word");
  reject("u32", (uint8_t *)buf + 4, 16, TIDAL_EINVAL, "aligned");
  reject("(u32, u32)", buf, len, TIDAL_ECORRUPT, "1 slices in the header, schema (u32, u32) has 2");
  buf[0] = 17;
  reject("u32", buf, len, TIDAL_ECORRUPT, "header word 0 is 17");
  buf[0] = 8;
  reject("u32", buf, len, TIDAL_ECORRUPT, "header word 0 is 8");
  buf[0] = 1u << 20;
  reject("u32", buf, len, TIDAL_ECORRUPT, "does not fit");
  len = enc(s1, 1, buf);
  buf[1] = 8;
  reject("u32", buf, len, TIDAL_ECORRUPT, "slice 0: ends at byte 8, before its start 16");
  buf[1] = 4096;
  reject("u32", buf, len, TIDAL_ECORRUPT, "slice 0: ends at byte 4096, beyond the 24 bytes");
  buf[1] = 22;
  reject("u32", buf, len, TIDAL_ECORRUPT, "slice 0 at byte 16: 6 bytes, not a multiple of the element size 4");
  len = enc(s1, 1, buf);
  buf[3] = 0;
  reject("u32", buf, len + 8, TIDAL_ECORRUPT, "8 trailing bytes after the last slice (at 24)");
  uint8_t three[3] = {1, 2, 3};
  sl s3[] = {{three, 3}};
  len = enc(s3, 1, buf);
  ((uint8_t *)buf)[16 + 5] = 1;
  reject("u8", buf, len, TIDAL_ECORRUPT, "slice 0 at byte 21: padding byte not zero");
  /* a slice that ends before the previous slice's padded end */
  uint64_t bounds[1] = {1};
  sl str[] = {{bounds, 8}, {"a", 1}};
  len = enc(str, 2, buf);
  CHECK_EQ_INT(accept("string", buf, len), 1);
  buf[2] = 30; /* slice 1 starts at roundup8(32) = 32 */
  reject("string", buf, len, TIDAL_ECORRUPT, "slice 1: ends at byte 30, before its start 32");
}

TEST(fixed_form_slices) {
  uint64_t zero = 0, two[2] = {3, 3};
  sl unit0[] = {{&zero, 0}};
  R("unit", unit0, "slice 0 at byte 16: a unit count must be exactly one u64");
  sl unit2[] = {{two, 16}};
  R("unit", unit2, "exactly one u64");
  uint64_t huge = (uint64_t)UINT32_MAX + 1, max = UINT32_MAX;
  sl unit_huge[] = {{&huge, 8}};
  R("unit", unit_huge, "slice 0 at byte 16: unit count above 2^32-1");
  sl unit_max[] = {{&max, 8}};
  uint64_t ubuf[4];
  CHECK_EQ_U64(accept("unit", ubuf, enc(unit_max, 1, ubuf)), UINT32_MAX);
  sl tail1[] = {{NULL, 0}, {&zero, 8}};
  R("bool", tail1, "slice 1 at byte 24: a bool tail must be exactly two u64");
  uint64_t t64[2] = {0, 64};
  sl tailbig[] = {{NULL, 0}, {t64, 16}};
  R("bool", tailbig, "slice 1 at byte 32: bool tail claims 64 or more bits");
  uint64_t stray[2] = {0x10, 4};
  sl tailstray[] = {{NULL, 0}, {stray, 16}};
  R("bool", tailstray, "slice 1 at byte 24: bool tail has bits set above its bit count");
  uint64_t ok[2] = {0x5, 3};
  sl good[] = {{NULL, 0}, {ok, 16}};
  uint64_t buf[8];
  CHECK_EQ_INT(accept("bool", buf, enc(good, 2, buf)), 3);
}

TEST(rank_select_rules) {
  static uint64_t words[16], counts[1];
  for (int i = 0; i < 16; i++) words[i] = 0xFF;
  counts[0] = 16 * 8;
  uint64_t tail[2] = {1, 1};
  static uint8_t some[16 * 8 + 1];
  sl good[] = {{counts, 8}, {words, 128}, {tail, 16}, {some, sizeof some}};
  static uint64_t buf[64];
  CHECK_EQ_INT(accept("option<u8>", buf, enc(good, 4, buf)), 1025);
  counts[0] = 100;
  R("option<u8>", good, "slice 0 at byte 40: rank-select count differs from the bits");
  counts[0] = 128;
  sl nocount[] = {{counts, 0}, {words, 128}, {tail, 16}, {some, sizeof some}};
  R("option<u8>", nocount, "one per complete 1024-bit block");
  sl extra[] = {{counts, 8}, {words, 8}, {tail, 16}, {some, 9}};
  R("option<u8>", extra, "one per complete 1024-bit block");
  sl fewer[] = {{counts, 8}, {words, 128}, {tail, 16}, {some, sizeof some - 1}};
  R("option<u8>", fewer, "option: Some values differ from the 1 bits");
  /* result: ok = ones, err = zeros */
  uint64_t t3[2] = {0x5, 3}; /* Ok, Err, Ok */
  uint8_t oks[2] = {1, 2}, errs[2] = {3, 4};
  sl r_ok[] = {{NULL, 0}, {NULL, 0}, {t3, 16}, {oks, 2}, {errs, 1}};
  CHECK_EQ_INT(accept("result<u8, u8>", buf, enc(r_ok, 5, buf)), 3);
  sl r_bad1[] = {{NULL, 0}, {NULL, 0}, {t3, 16}, {oks, 1}, {errs, 1}};
  R("result<u8, u8>", r_bad1, "result: Ok values differ from the 1 bits");
  sl r_bad2[] = {{NULL, 0}, {NULL, 0}, {t3, 16}, {oks, 2}, {errs, 2}};
  R("result<u8, u8>", r_bad2, "result: Err values differ from the 0 bits");
}

TEST(bounds_and_utf8_rules) {
  uint64_t b[3] = {2, 1, 3};
  sl dec[] = {{b, 24}, {"abc", 3}};
  R("string", dec, "slice 0 at byte 32: bounds decrease");
  uint64_t far[2] = {1, UINT64_MAX};
  sl beyond[] = {{far, 16}, {"abc", 3}};
  R("string", beyond, "slice 0 at byte 32: bound beyond the end of its values");
  uint64_t one[1] = {2};
  sl bad8[] = {{one, 8}, {"\xC3\x28", 2}};
  R("string", bad8, "slice 1 at byte 32: string bytes are not valid UTF-8");
  sl sur[] = {{one, 8}, {"\xED\xA0\x80", 3}};
  R("string", sur, "not valid UTF-8");
  uint64_t split[2] = {1, 2};
  sl spl[] = {{split, 16}, {"\xC3\xA9", 2}};
  R("string", spl, "slice 0 at byte 24: string bound splits a UTF-8 character");
  uint64_t vb[2] = {1, 4};
  uint8_t vals[3] = {1, 2, 3};
  sl vec[] = {{vb, 16}, {vals, 3}};
  R("vec<u8>", vec, "slice 0 at byte 32: bound beyond the end of its values");
  uint64_t vb2[2] = {1, 3};
  sl vec2[] = {{vb2, 16}, {vals, 3}};
  uint64_t buf[16];
  CHECK_EQ_INT(accept("vec<u8>", buf, enc(vec2, 2, buf)), 2);
  uint32_t chars[2] = {0x41, 0xD800};
  sl ch[] = {{chars, 8}};
  R("char", ch, "slice 0 at byte 20: char is not a Unicode scalar value");
  chars[1] = 0x110000;
  R("char", ch, "not a Unicode scalar value");
}

TEST(tuple_and_enum_rules) {
  uint8_t a[3] = {1, 2, 3};
  uint16_t c[2] = {1, 2};
  sl tup[] = {{a, 3}, {c, 4}};
  R("(u8, u16)", tup, "slice 1 at byte 32: tuple/struct fields of different lengths");
  /* enum{A, B(u8)}: unit count | u8 | variant | offset */
  uint64_t units = 1, off[3] = {0, 0, 1};
  uint8_t bvals[2] = {7, 8}, var[3] = {1, 0, 1};
  sl good[] = {{&units, 8}, {bvals, 2}, {var, 3}, {off, 24}};
  uint64_t buf[32];
  CHECK_EQ_INT(accept("enum{A, B(u8)}", buf, enc(good, 4, buf)), 3);
  uint8_t var_bad[3] = {1, 2, 1};
  sl vr[] = {{&units, 8}, {bvals, 2}, {var_bad, 3}, {off, 24}};
  R("enum{A, B(u8)}", vr, "slice 2 at byte 57: enum: variant out of range");
  uint64_t off_bad[3] = {0, 0, 2};
  sl ob[] = {{&units, 8}, {bvals, 2}, {var, 3}, {off_bad, 24}};
  R("enum{A, B(u8)}", ob, "slice 3 at byte 80: enum: offset beyond its variant's column");
  sl ol[] = {{&units, 8}, {bvals, 2}, {var, 3}, {off, 16}};
  R("enum{A, B(u8)}", ol, "enum: offsets and variants differ in length");
  /* any in-range offsets are accepted (a reader cannot be hurt by shared elements) */
  uint64_t off_shared[3] = {1, 0, 1};
  sl sh[] = {{&units, 8}, {bvals, 2}, {var, 3}, {off_shared, 24}};
  CHECK_EQ_INT(accept("enum{A, B(u8)}", buf, enc(sh, 4, buf)), 3);
  /* homogeneous */
  uint64_t zero = 0, hom[2] = {2, 2};
  sl h[] = {{&zero, 8}, {bvals, 2}, {NULL, 0}, {hom, 16}};
  CHECK_EQ_INT(accept("enum{A, B(u8)}", buf, enc(h, 4, buf)), 2);
  hom[1] = 3;
  R("enum{A, B(u8)}", h, "slice 3 at byte 64: enum: homogeneous count differs");
  hom[0] = 3;
  hom[1] = 2;
  R("enum{A, B(u8)}", h, "slice 3 at byte 56: enum: variant out of range");
  hom[0] = 0;
  R("enum{A, B(u8)}", h, "enum: variant out of range");
  sl h1[] = {{&zero, 8}, {bvals, 2}, {NULL, 0}, {hom, 8}};
  R("enum{A, B(u8)}", h1, "must be empty or [v+1, count]");
  uint8_t tags[3] = {0, 1, 3};
  sl ue[] = {{tags, 3}};
  R("enum{R, G, B}", ue, "slice 0 at byte 18: enum: variant out of range");
}

static int released;
static void release(void *ud, void *bytes, size_t len) {
  (void)bytes;
  (void)len;
  released += *(int *)ud;
}

TEST(batch_from_bytes_owns_the_bytes_on_every_path) {
  tidal_schema *s = parse("vec<u8>");
  uint64_t vb[2] = {1, 3};
  uint8_t vals[3] = {1, 2, 3};
  sl good[] = {{vb, 16}, {vals, 3}};
  uint64_t buf[16];
  size_t len = enc(good, 2, buf);
  int one = 1;
  tidal_batch *b;
  tidal_error err;
  released = 0;
  CHECK_OK(tidal_batch_from_bytes(s, buf, len, release, &one, NULL, &b, &err));
  CHECK_EQ_INT(tidal_batch_rows(b), 2);
  CHECK(tidal_batch_schema(b) == s);
  tidal_batch *b2 = tidal_batch_ref(b);
  tidal_batch_unref(b);
  CHECK_EQ_INT(released, 0);
  CHECK_EQ_INT(tidal_batch_encoded_len(b2), len);
  uint64_t out[16];
  size_t olen = sizeof out;
  CHECK_OK(tidal_batch_encode_into(b2, out, &olen));
  CHECK(olen == len && memcmp(out, buf, len) == 0);
  tidal_batch_unref(b2);
  CHECK_EQ_INT(released, 1);
  /* corrupt: released before the error returns */
  vb[1] = 9;
  len = enc(good, 2, buf);
  CHECK_ERR(tidal_batch_from_bytes(s, buf, len, release, &one, NULL, &b, &err), TIDAL_ECORRUPT);
  CHECK(b == NULL);
  CHECK_EQ_INT(released, 2);
  CHECK_ERR(tidal_batch_copy_bytes(s, (uint8_t *)buf, len, NULL, &b, &err), TIDAL_ECORRUPT);
  CHECK(strstr(err.msg, "bound beyond"));
  tidal_schema_unref(s);
}

static int copy_body(void *ud, const tidal_allocator *a) {
  const uint64_t *buf = (const uint64_t *)ud;
  tidal_schema *s;
  int rc = tidal_schema_parse("vec<u8>", 7, a, &s, NULL);
  if (rc < 0) return rc;
  tidal_batch *b;
  rc = tidal_batch_copy_bytes(s, buf, 40, a, &b, NULL);
  if (rc == 0) tidal_batch_unref(b);
  tidal_schema_unref(s);
  return rc;
}

TEST(oom_sweep_copy_bytes) {
  uint64_t vb[2] = {1, 3};
  uint8_t vals[3] = {1, 2, 3};
  sl good[] = {{vb, 16}, {vals, 3}};
  uint64_t buf[16];
  CHECK_EQ_INT(enc(good, 2, buf), 48);
  /* 48 bytes; the body copies 40: trailing-bytes check fails -> not ENOMEM; so use exact len */
  tidal_schema *s = parse("vec<u8>");
  tidal_batch *b;
  CHECK_ERR(tidal_batch_copy_bytes(s, buf, 40, NULL, &b, NULL), TIDAL_ECORRUPT);
  tidal_schema_unref(s);
  uint64_t one_elem[2] = {1};
  uint8_t v1 = 9;
  sl small[] = {{one_elem, 8}, {&v1, 1}};
  CHECK_EQ_INT(enc(small, 2, buf), 40);
  CHECK(tidal_test_oom_sweep(copy_body, buf) >= 3);
}

/* Random corruption: never crash; a view that validates is safe to read in full. */
TEST(mutation_smoke) {
  const char *schema = "{k: string, v: vec<option<enum{N, S(string), P(i64, bool)}>>, r: result<(), u16>, c: char}";
  tidal_schema *s = parse(schema);
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  for (int i = 0; i < 40; i++) {
    char row[200];
    sprintf(row, "{\"k\":\"k%d\\u00e9\",\"v\":[%s,null],\"r\":%s,\"c\":\"%c\"}", i,
            i % 3 == 0 ? "\"N\"" : i % 3 == 1 ? "{\"S\":\"x\"}" : "{\"P\":[-1,true]}",
            i % 2 ? "{\"Ok\":null}" : "{\"Err\":7}", 'a' + i % 26);
    CHECK_OK(tidal_builder_push_json(b, row, strlen(row), NULL));
  }
  tidal_buffer good;
  tidal_buffer_init(&good, NULL);
  CHECK_OK(tidal_builder_encode(b, &good));
  uint64_t *buf = malloc(good.len);
  uint64_t seed = 42;
  int accepted = 0, canonical = 0;
  tidal_builder *sink;
  CHECK_OK(tidal_builder_new(s, NULL, &sink));
  for (int iter = 0; iter < 3000; iter++) {
    memcpy(buf, good.data, good.len);
    int nmut = 1 + (int)(tidal_test_rand(&seed) % 3);
    for (int m = 0; m < nmut; m++) {
      uint64_t r = tidal_test_rand(&seed);
      size_t at = (size_t)(r % good.len);
      if (r & (1ull << 40)) ((uint8_t *)buf)[at] ^= (uint8_t)(1u << ((r >> 32) % 8));
      else buf[at / 8] = (r >> 20) % 4 == 0 ? UINT64_MAX : buf[at / 8] + ((r >> 8) % 5) - 2;
    }
    tidal_batch_view v;
    if (tidal_view_init(&v, s, buf, good.len, NULL, NULL) == 0) {
      accepted++;
      tidal_buffer js;
      tidal_buffer_init(&js, NULL);
      for (size_t row = 0; row < v.rows && row < 100; row++) {
        CHECK_OK(tidal_view_row_json(&v, row, &js));
        CHECK_OK(tidal_builder_push_row(sink, &v, row));
      }
      if (v.rows <= 100 && tidal_view_check_canonical(&v, NULL) == 0) {
        /* canonical bytes re-encode to themselves */
        tidal_buffer again;
        tidal_buffer_init(&again, NULL);
        CHECK_OK(tidal_builder_encode(sink, &again));
        CHECK(again.len == good.len && memcmp(again.data, buf, good.len) == 0);
        tidal_buffer_reset(&again);
        canonical++;
      }
      tidal_buffer_reset(&js);
      tidal_view_reset(&v);
      tidal_builder_clear(sink);
    }
  }
  CHECK(accepted < 3000);
  CHECK(canonical <= accepted && canonical > 100); /* about 600 of 740 in practice */
  tidal_builder_free(sink);
  free(buf);
  tidal_buffer_reset(&good);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(utf8_check_finds_the_first_bad_byte) {
  CHECK_EQ_INT(tidal_utf8_check("", 0), 0);
  CHECK_EQ_INT(tidal_utf8_check("plain ascii text, long enough for 8-byte steps", 46), 46);
  CHECK_EQ_INT(tidal_utf8_check("caf\xC3\xA9 \xF0\x9F\x98\x80", 10), 10);
  CHECK_EQ_INT(tidal_utf8_check("abcdefgh\xFFij", 11), 8);
  CHECK_EQ_INT(tidal_utf8_check("ab\xC3", 3), 2);        /* truncated */
  CHECK_EQ_INT(tidal_utf8_check("ab\xC0\x80", 4), 2);    /* overlong */
  CHECK_EQ_INT(tidal_utf8_check("\xED\xBF\xBF", 3), 0);  /* surrogate */
  CHECK_EQ_INT(tidal_utf8_check("\xF4\x8F\xBF\xBF", 4), 4);
  CHECK_EQ_INT(tidal_utf8_check("\xF4\x90\x80\x80", 4), 0); /* > U+10FFFF */
  CHECK_EQ_INT(tidal_utf8_check("\x80", 1), 0);
}

/* view_init must accept the bytes; the canonical check must reject them with `part`. */
static void non_canonical(const char *schema, const void *bytes, size_t len, const char *part) {
  tidal_schema *s = parse(schema);
  tidal_batch_view v;
  tidal_error err;
  if (tidal_view_init(&v, s, bytes, len, NULL, &err) < 0) TEST_FAIL("%s: %s", schema, err.msg);
  int rc = tidal_view_check_canonical(&v, &err);
  if (rc != TIDAL_ECORRUPT) TEST_FAIL("%s: canonical check returned %s", schema, tidal_err_name(rc));
  if (!strstr(err.msg, part)) TEST_FAIL("%s: message '%s' lacks '%s'", schema, err.msg, part);
  tidal_view_reset(&v);
  tidal_schema_unref(s);
}

#define NC(schema, slices, part)                                                \
  do {                                                                         \
    uint64_t buf_[64];                                                         \
    size_t len_ = enc(slices, sizeof slices / sizeof slices[0], buf_);         \
    non_canonical(schema, buf_, len_, part);                                   \
  } while (0)

TEST(canonical_check_rejects_each_safe_but_foreign_form) {
  uint64_t one[1] = {1};
  sl str[] = {{one, 8}, {"ab", 2}};
  NC("string", str, "slice 0, element 0: not canonical: the last bound leaves values unreferenced");
  uint8_t vals[3] = {1, 2, 3};
  uint64_t vb[1] = {2};
  sl vec[] = {{vb, 8}, {vals, 3}};
  NC("vec<u8>", vec, "the last bound leaves values unreferenced");
  /* enum{A, B(u8)}: unit count | u8 | variant | offset */
  uint64_t zero = 0, units1 = 1;
  uint8_t b2[2] = {7, 8}, same[2] = {1, 1}, mixed[3] = {1, 0, 1};
  uint64_t off01[2] = {0, 1}, perm[3] = {1, 0, 0}, hom[2] = {2, 2}, hom0[2] = {2, 0};
  sl one_variant[] = {{&zero, 8}, {b2, 2}, {same, 2}, {off01, 16}};
  NC("enum{A, B(u8)}", one_variant, "slice 2, element 0: not canonical: one variant only");
  sl permuted[] = {{&units1, 8}, {b2, 2}, {mixed, 3}, {perm, 24}};
  NC("enum{A, B(u8)}", permuted, "slice 3, element 0: not canonical: offsets must count");
  sl extra_unit[] = {{&units1, 8}, {b2, 2}, {NULL, 0}, {hom, 16}};
  NC("enum{A, B(u8)}", extra_unit, "slice 0, element 0: not canonical: a variant's column is longer");
  sl hom_zero[] = {{&zero, 8}, {NULL, 0}, {NULL, 0}, {hom0, 16}};
  NC("enum{A, B(u8)}", hom_zero, "a homogeneous count of 0");
  sl empty_extra[] = {{&units1, 8}, {NULL, 0}, {NULL, 0}, {NULL, 0}};
  NC("enum{A, B(u8)}", empty_extra, "a variant's column is longer");
  /* nested: the inner string of a vec<string> */
  uint64_t outer[1] = {1}, inner[1] = {1};
  sl nested[] = {{outer, 8}, {inner, 8}, {"xy", 2}};
  NC("vec<string>", nested, "slice 1, element 0");
  /* ...and the canonical forms pass */
  uint64_t buf[64];
  uint64_t off_ok[3] = {0, 0, 1};
  sl good[] = {{&units1, 8}, {b2, 2}, {mixed, 3}, {off_ok, 24}};
  size_t len = enc(good, 4, buf);
  tidal_schema *s = parse("enum{A, B(u8)}");
  tidal_batch_view v;
  CHECK_OK(tidal_view_init(&v, s, buf, len, NULL, NULL));
  CHECK_OK(tidal_view_check_canonical(&v, NULL));
  tidal_view_reset(&v);
  tidal_schema_unref(s);
}
