/*
** fuzz/columnar_view.c: libFuzzer target for tidal_view_init on hostile bytes.
**
** Input: one byte choosing a schema from a fixed list (every kind is in some schema), then the
** candidate encoding; or, with the byte's high bit set, slice lengths and contents that the
** target frames itself (see frame() below). The bytes are copied into an exactly-sized, 16-aligned heap block (so ASan
** flags any read past the end), then viewed. When the view is accepted:
**   - every row converts to JSON (rows beyond WALK_LIMIT: only the first and last, since a unit
**     column may legally claim 2^63 rows in 16 bytes);
**   - the rows re-encode (push_row) into bytes that validate, mean the same rows (same JSON), and
**     re-encode to themselves (the writer is canonical and idempotent).
**   - the re-encoding equals the input unless the input is one of the non-canonical forms that
**     spec §4 lets a reader accept (docs/columnar-cli.md lists them: unreferenced trailing string
**     bytes / vec elements / enum variant values, a heterogeneous enum whose tags are all one
**     variant or whose offsets are not 0,1,2.. per variant, data in other variants' columns of a
**     homogeneous or empty enum). Those re-encode shorter or differently but denote the same rows.
**     tidal_view_check_canonical must accept exactly the inputs that round-trip byte for byte.
**     With TIDAL_FUZZ_STRICT=1 any byte difference aborts, to catalogue such inputs.
**
** Seeds: scripts/fuzz.sh writes one corpus file per spec vector (schema byte + bytes).
*/
#include "tidal/columnar.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WALK_LIMIT 4096

/* The schema list is part of the corpus format: append, never reorder. */
static const char *const schemas[] = {
    "u64",
    "(string, i64)",
    "{text: string, diff: i64}",
    "option<i32>",
    "vec<u8>",
    "enum{Unit, Data(i64)}",
    "enum{Red, Green, Blue}",
    "string",
    "bool",
    "char",
    "unit",
    "i16",
    "f32",
    "f64",
    "u8",
    "(u128, i128)",
    "result<string, u32>",
    "vec<vec<string>>",
    "option<vec<bool>>",
    "{id: u64, tags: vec<string>, score: option<f64>, kind: enum{A, B(i64), C{x: u32, y: string}}}",
    "(usize, isize, i8, u16, u32, i32)",
    "enum{A(option<u8>), B{x: result<unit, bool>}, C, D(string, char)}",
    "vec<(u8, option<string>)>",
    "result<enum{P, Q}, vec<unit>>",
};
#define NSCHEMAS (sizeof schemas / sizeof schemas[0])

static tidal_schema *parsed[NSCHEMAS];

/* Framed mode (schema byte with the high bit set): the input is n element counts (one byte per
   slice of the schema's plan) followed by the slices' bytes back to back; this builds a correctly
   framed encoding (header, zero padding) around them, so most inputs get past the structural
   checks and exercise the value checks (bounds, rank-select counts, enum offsets, UTF-8). */
static uint8_t *frame(const tidal_schema *s, const uint8_t *in, size_t n, size_t *len) {
  size_t ns = tidal_schema_slice_count(s), hdr = 8 * (ns + 1), total = hdr;
  size_t counts_n = n < ns ? n : ns;
  for (size_t k = 0; k < ns; k++) {
    size_t c = k < counts_n ? in[k] : 0;
    total += (c * tidal_schema_slice(s, k)->elem_size + 7) & ~(size_t)7;
  }
  uint8_t *out = calloc(1, total);
  const uint8_t *src = in + counts_n, *end = in + n;
  size_t pos = hdr;
  uint64_t w = hdr;
  memcpy(out, &w, 8);
  for (size_t k = 0; k < ns; k++) {
    size_t bytes = (k < counts_n ? in[k] : 0) * (size_t)tidal_schema_slice(s, k)->elem_size;
    size_t avail = (size_t)(end - src) < bytes ? (size_t)(end - src) : bytes;
    memcpy(out + pos, src, avail);
    src += avail;
    w = pos + bytes;
    memcpy(out + 8 * (k + 1), &w, 8);
    pos = (pos + bytes + 7) & ~(size_t)7;
  }
  *len = total;
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  bool framed = data[0] & 0x80;
  size_t which = (data[0] & 0x7f) % NSCHEMAS;
  if (!parsed[which] &&
      tidal_schema_parse(schemas[which], strlen(schemas[which]), NULL, &parsed[which], NULL) < 0)
    abort(); /* the list above is fixed: a parse failure is a bug */
  const tidal_schema *s = parsed[which];
  size_t len;
  uint8_t *bytes = framed ? frame(s, data + 1, size - 1, &len) : NULL;
  if (!framed) {
    len = size - 1;
    bytes = malloc(len ? len : 1);
    if (len) memcpy(bytes, data + 1, len);
  }

  tidal_batch_view v;
  tidal_error err;
  int rc = tidal_view_init(&v, s, bytes, len, NULL, &err);
  if (rc < 0) {
    if (rc != TIDAL_ECORRUPT || !err.msg[0]) abort();
    free(bytes);
    return 0;
  }
  tidal_buffer j, j2, enc;
  tidal_buffer_init(&j, NULL);
  tidal_buffer_init(&j2, NULL);
  tidal_buffer_init(&enc, NULL);
  if (v.rows > WALK_LIMIT) {
    if (tidal_view_row_json(&v, 0, &j) < 0 || tidal_view_row_json(&v, v.rows - 1, &j) < 0)
      abort();
    goto done;
  }
  for (size_t r = 0; r < v.rows; r++)
    if (tidal_view_row_json(&v, r, &j) < 0 || tidal_buffer_append(&j, "\n", 1) < 0) abort();

  tidal_builder *b;
  if (tidal_builder_new(s, NULL, &b) < 0) abort();
  for (size_t r = 0; r < v.rows; r++)
    if (tidal_builder_push_row(b, &v, r) < 0) abort();
  if (tidal_builder_encode(b, &enc) < 0) abort();
  tidal_builder_free(b);
  bool same = enc.len == len && memcmp(enc.data, bytes, len) == 0;
  /* tidal_view_check_canonical must tell the two cases apart exactly. */
  int crc = tidal_view_check_canonical(&v, &err);
  if (same ? crc != 0 : crc != TIDAL_ECORRUPT) {
    fprintf(stderr, "schema %s: re-encoding %s the input but check_canonical returned %d (%s)\n",
            schemas[which], same ? "equals" : "differs from", crc, crc ? err.msg : "");
    abort();
  }
  if (!same) {
    static int strict = -1;
    if (strict < 0) strict = getenv("TIDAL_FUZZ_STRICT") && atoi(getenv("TIDAL_FUZZ_STRICT"));
    if (strict) {
      fprintf(stderr, "non-canonical encoding accepted for schema %s: %zu bytes in, %zu out\n",
              schemas[which], len, enc.len);
      abort();
    }
    /* The re-encoding must validate, mean the same rows, and be a fixed point. */
    tidal_batch_view v2;
    if (tidal_view_init(&v2, s, enc.data, enc.len, NULL, &err) < 0 || v2.rows != v.rows) abort();
    for (size_t r = 0; r < v2.rows; r++)
      if (tidal_view_row_json(&v2, r, &j2) < 0 || tidal_buffer_append(&j2, "\n", 1) < 0) abort();
    if (j2.len != j.len || (j.len && memcmp(j2.data, j.data, j.len))) abort();
    tidal_builder *b2;
    tidal_buffer enc2;
    tidal_buffer_init(&enc2, NULL);
    if (tidal_builder_new(s, NULL, &b2) < 0) abort();
    for (size_t r = 0; r < v2.rows; r++)
      if (tidal_builder_push_row(b2, &v2, r) < 0) abort();
    if (tidal_builder_encode(b2, &enc2) < 0) abort();
    if (enc2.len != enc.len || memcmp(enc2.data, enc.data, enc.len)) abort();
    tidal_buffer_reset(&enc2);
    tidal_builder_free(b2);
    tidal_view_reset(&v2);
  }
done:
  tidal_buffer_reset(&j);
  tidal_buffer_reset(&j2);
  tidal_buffer_reset(&enc);
  tidal_view_reset(&v);
  free(bytes);
  return 0;
}
