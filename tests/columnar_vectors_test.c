/*
** columnar_vectors_test.c: every case of the shared spec vectors (produced by the Rust crate),
** both ways: rows -> push_json -> encode must equal the hex byte for byte; hex -> view ->
** row_json must equal the vector's rows as JSON values. Also round-trips through batches.
**
** The JSON splitting and comparison here is the test's own small reader (independent of the
** library's), so a bug in the library's JSON parser cannot hide itself.
*/
#include "harness/test.h"

#include <math.h>

/* ---- a tiny independent JSON reader for the test -------------------------------------------- */

static const char *jws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/* End of the JSON value starting at p (after whitespace); NULL on malformed input. */
static const char *jskip(const char *p) {
  p = jws(p);
  if (*p == '"') {
    for (p++; *p && *p != '"'; p++)
      if (*p == '\\') p++;
    return *p ? p + 1 : NULL;
  }
  if (*p == '[' || *p == '{') {
    char close = *p == '[' ? ']' : '}';
    p = jws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
      p = jskip(p);
      if (!p) return NULL;
      p = jws(p);
      if (*p == ':') p = jskip(p + 1);
      if (!p) return NULL;
      p = jws(p);
      if (*p == close) return p + 1;
      if (*p != ',') return NULL;
      p++;
    }
  }
  while (*p && !strchr(",]}: \t\r\n", *p)) p++;
  return p;
}

/* Decode a JSON string at p into out (UTF-8); returns the end. */
static const char *jstr(const char *p, char *out, size_t *n) {
  size_t k = 0;
  p = jws(p);
  CHECK(*p == '"');
  for (p++; *p != '"'; p++) {
    if (*p != '\\') {
      out[k++] = *p;
      continue;
    }
    p++;
    if (*p == 'u') {
      unsigned u = (unsigned)strtoul((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
      p += 4;
      if (u >= 0xD800 && u < 0xDC00) {
        unsigned lo = (unsigned)strtoul((char[]){p[3], p[4], p[5], p[6], 0}, NULL, 16);
        p += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      if (u < 0x80) out[k++] = (char)u;
      else if (u < 0x800) out[k++] = (char)(0xC0 | (u >> 6)), out[k++] = (char)(0x80 | (u & 63));
      else if (u < 0x10000)
        out[k++] = (char)(0xE0 | (u >> 12)), out[k++] = (char)(0x80 | ((u >> 6) & 63)),
        out[k++] = (char)(0x80 | (u & 63));
      else
        out[k++] = (char)(0xF0 | (u >> 18)), out[k++] = (char)(0x80 | ((u >> 12) & 63)),
        out[k++] = (char)(0x80 | ((u >> 6) & 63)), out[k++] = (char)(0x80 | (u & 63));
    } else {
      const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
      out[k++] = to[strchr(from, *p) - from];
    }
  }
  *n = k;
  return p + 1;
}

/* Structural equality of two JSON values (object keys in any order, numbers by value). */
static bool jeq(const char *a, const char *b) {
  a = jws(a);
  b = jws(b);
  if (*a == '"' || *b == '"') {
    if (*a != *b) return false;
    char x[4096], y[4096];
    size_t nx, ny;
    jstr(a, x, &nx);
    jstr(b, y, &ny);
    return nx == ny && memcmp(x, y, nx) == 0;
  }
  if (*a == '[') {
    if (*b != '[') return false;
    a = jws(a + 1);
    b = jws(b + 1);
    while (*a != ']' && *b != ']') {
      if (!jeq(a, b)) return false;
      a = jws(jskip(a));
      b = jws(jskip(b));
      if (*a == ',') a = jws(a + 1);
      if (*b == ',') b = jws(b + 1);
    }
    return *a == ']' && *b == ']';
  }
  if (*a == '{') {
    if (*b != '{') return false;
    int na = 0, nb = 0;
    const char *p = jws(a + 1);
    while (*p != '}') {
      char ka[256];
      size_t nka;
      const char *val = jws(jstr(p, ka, &nka)) + 1;
      na++;
      /* find the key in b */
      const char *q = jws(b + 1);
      bool found = false;
      while (*q != '}') {
        char kb[256];
        size_t nkb;
        const char *vb = jws(jstr(q, kb, &nkb)) + 1;
        if (nka == nkb && memcmp(ka, kb, nka) == 0) {
          if (!jeq(val, vb)) return false;
          found = true;
        }
        q = jws(jskip(vb));
        if (*q == ',') q = jws(q + 1);
      }
      if (!found) return false;
      p = jws(jskip(val));
      if (*p == ',') p = jws(p + 1);
    }
    const char *q = jws(b + 1);
    while (*q != '}') {
      q = jws(jskip(q));
      q = jws(jskip(q + 1));
      nb++;
      if (*q == ',') q = jws(q + 1);
    }
    return na == nb;
  }
  if (*a == '-' || (*a >= '0' && *a <= '9')) {
    if (!(*b == '-' || (*b >= '0' && *b <= '9'))) return false;
    const char *ea = jskip(a), *eb = jskip(b);
    bool ia = strcspn(a, ".eE,]} ") >= (size_t)(ea - a), ib = strcspn(b, ".eE,]} ") >= (size_t)(eb - b);
    if (ia && ib) return ea - a == eb - b && memcmp(a, b, (size_t)(ea - a)) == 0;
    double x = strtod(a, NULL), y = strtod(b, NULL);
    return memcmp(&x, &y, sizeof x) == 0;
  }
  const char *ea = jskip(a), *eb = jskip(b);
  return ea - a == eb - b && memcmp(a, b, (size_t)(ea - a)) == 0;
}

/* ---- the vectors ----------------------------------------------------------------------------- */

typedef struct vcase {
  char schema[256];
  const char *rows;   /* the "[...]" text of the rows array (into the line) */
  char *hex;          /* the hex, NUL-terminated (into the line) */
} vcase;

static char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) TEST_FAIL("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)len + 1);
  CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
  buf[len] = 0;
  fclose(f);
  *n = (size_t)len;
  return buf;
}

static void parse_line(char *line, vcase *c) {
  const char *s = strstr(line, "\"schema\"");
  CHECK(s);
  size_t n;
  jstr(strchr(s + 8, ':') + 1, c->schema, &n);
  c->schema[n] = 0;
  const char *r = strstr(line, "\"rows\"");
  CHECK(r);
  c->rows = jws(strchr(r + 6, ':') + 1);
  char *h = strstr(line, "\"hex\"");
  CHECK(h);
  h = strchr(h + 5, '"') + 1;
  *strchr(h, '"') = 0;
  c->hex = h;
}

static uint8_t *unhex(const char *hex, size_t *n) {
  size_t len = strlen(hex) / 2;
  uint8_t *out = aligned_alloc(8, len + 8);
  for (size_t i = 0; i < len; i++) {
    unsigned v;
    CHECK(sscanf(hex + 2 * i, "%2x", &v) == 1);
    out[i] = (uint8_t)v;
  }
  *n = len;
  return out;
}

static void check_case(const vcase *c, int line_no) {
  tidal_error err;
  tidal_schema *s;
  if (tidal_schema_parse(c->schema, strlen(c->schema), NULL, &s, &err) < 0)
    TEST_FAIL("line %d: schema %s: %s", line_no, c->schema, err.msg);
  /* 1. rows -> bytes */
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  const char *p = jws(c->rows + 1);
  size_t nrows = 0;
  while (*p != ']') {
    const char *e = jskip(p);
    if (tidal_builder_push_json(b, p, (size_t)(e - p), &err) < 0)
      TEST_FAIL("line %d: push_json %.*s: %s", line_no, (int)(e - p), p, err.msg);
    nrows++;
    p = jws(e);
    if (*p == ',') p = jws(p + 1);
  }
  CHECK_EQ_INT(tidal_builder_rows(b), nrows);
  tidal_buffer enc;
  tidal_buffer_init(&enc, NULL);
  CHECK_OK(tidal_builder_encode(b, &enc));
  CHECK_EQ_INT(enc.len, tidal_builder_encoded_len(b));
  char *hex = malloc(enc.len * 2 + 1);
  for (size_t i = 0; i < enc.len; i++) sprintf(hex + 2 * i, "%02x", enc.data[i]);
  hex[enc.len * 2] = 0;
  if (strcmp(hex, c->hex) != 0)
    TEST_FAIL("line %d (%s): encoded\n   %s\nexpected\n   %s", line_no, c->schema, hex, c->hex);
  /* 2. bytes -> rows */
  size_t n;
  uint8_t *bytes = unhex(c->hex, &n);
  tidal_batch_view v;
  if (tidal_view_init(&v, s, bytes, n, NULL, &err) < 0)
    TEST_FAIL("line %d: view_init: %s", line_no, err.msg);
  CHECK_EQ_INT(v.rows, nrows);
  if (tidal_view_check_canonical(&v, &err) < 0) TEST_FAIL("line %d: not canonical: %s", line_no, err.msg);
  tidal_buffer js;
  tidal_buffer_init(&js, NULL);
  CHECK_OK(tidal_buffer_append(&js, "[", 1));
  for (size_t r = 0; r < v.rows; r++) {
    if (r) CHECK_OK(tidal_buffer_append(&js, ",", 1));
    CHECK_OK(tidal_view_row_json(&v, r, &js));
  }
  CHECK_OK(tidal_buffer_append(&js, "]", 2));
  if (!jeq((const char *)js.data, c->rows))
    TEST_FAIL("line %d (%s): decoded %s, expected %.*s", line_no, c->schema, js.data,
              (int)(jskip(c->rows) - c->rows), c->rows);
  /* 3. the same bytes through copy_bytes (unaligned source) and back out via batch_encode */
  uint8_t *un = malloc(n + 1);
  memcpy(un + 1, bytes, n);
  tidal_batch *bt;
  CHECK_OK(tidal_batch_copy_bytes(s, un + 1, n, NULL, &bt, &err));
  CHECK_EQ_INT(tidal_batch_rows(bt), nrows);
  tidal_buffer enc2;
  tidal_buffer_init(&enc2, NULL);
  CHECK_OK(tidal_batch_encode(bt, &enc2));
  CHECK(enc2.len == n && memcmp(enc2.data, bytes, n) == 0);
  /* 4. builder -> batch (moved) -> encode equals too; builder reusable */
  tidal_batch *bb;
  CHECK_OK(tidal_batch_from_builder(b, &bb));
  CHECK_EQ_INT(tidal_builder_rows(b), 0);
  CHECK_EQ_INT(tidal_batch_rows(bb), nrows);
  enc2.len = 0;
  CHECK_OK(tidal_batch_encode(bb, &enc2));
  CHECK(enc2.len == n && memcmp(enc2.data, bytes, n) == 0);
  /* 5. push_rows from the view reproduces the bytes */
  uint32_t idx[64];
  for (uint32_t r = 0; r < nrows; r++) idx[r] = r;
  CHECK_OK(tidal_builder_push_rows(b, &v, idx, nrows));
  enc2.len = 0;
  CHECK_OK(tidal_builder_encode(b, &enc2));
  CHECK(enc2.len == n && memcmp(enc2.data, bytes, n) == 0);
  tidal_batch_unref(bb);
  tidal_batch_unref(bt);
  tidal_buffer_reset(&enc2);
  free(un);
  tidal_buffer_reset(&js);
  tidal_view_reset(&v);
  free(bytes);
  free(hex);
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  tidal_schema_unref(s);
}

TEST(all_shared_vectors_both_ways) {
  char path[4096];
  snprintf(path, sizeof path, "%s/spec/vectors/columnar-vectors.jsonl", tidal_test_shared_dir());
  size_t n;
  char *text = read_file(path, &n);
  int cases = 0, line_no = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    line_no++;
    if (!*jws(line)) continue;
    vcase c;
    parse_line(line, &c);
    check_case(&c, line_no);
    cases++;
  }
  CHECK(cases >= 18);
  free(text);
}

TEST(test_json_compare_is_not_trivial) {
  CHECK(jeq("[1, 2]", "[1,2]"));
  CHECK(!jeq("[1, 2]", "[1,3]"));
  CHECK(!jeq("[1]", "[1,2]"));
  CHECK(jeq("{\"a\":1,\"b\":\"x\"}", "{\"b\":\"x\", \"a\":1}"));
  CHECK(!jeq("{\"a\":1}", "{\"a\":1,\"b\":2}"));
  CHECK(jeq("\"\\u00e9\"", "\"\xc3\xa9\""));
  CHECK(jeq("-0.0", "-0.0"));
  CHECK(!jeq("-0.0", "0.0"));
  CHECK(jeq("1.5", "1.50"));
  CHECK(!jeq("null", "true"));
}
