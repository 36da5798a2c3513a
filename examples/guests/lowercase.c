/*
 * lowercase.c — a map operator: lowercases ASCII letters of the string column.
 *
 * Two operators in one module:
 *   lowercase:     (string, i64) -> (string, i64)   word-count demo: between split-words and the
 *                                                   exchange, on the (word, diff) stream, in map
 *                                                   mode. The diff column is passed through.
 *   lowercase_str: string -> string                 the same on a bare string column.
 *
 * Only A-Z change. Bytes >= 0x80 (UTF-8 sequences) are copied as they are, so the output is valid
 * UTF-8 whenever the input is, and every string keeps its length: the bounds are copied as is.
 *
 * Build: tidal_add_guest(lowercase examples/guests/lowercase.c) in CMake, or see docs/guest-sdk.md.
 */
#include "tidal_guest.h"

/* Lowercase n bytes from src into dst. Branchless per byte: clang keeps it a tight loop. */
static void lower_ascii(uint8_t *dst, const uint8_t *src, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    uint8_t c = src[i];
    dst[i] = c | (uint8_t)(((uint8_t)(c - 'A') < 26u) << 5);
  }
}

/* Copy a string column (slices k, k+1 of the input) lowercased into output slices j, j+1.
 * Each output slice is reserved in full before the next one is written, so finish() needs no
 * copy: the encoding is built where the slices already are. */
static int64_t lower_column(const tidal_col_string *s, tidal_out *out, uint32_t j) {
  TIDAL_TRY(tidal_out_append(out, j, s->bounds, s->n * 8u));
  TIDAL_TRY(tidal_out_reserve(out, j + 1, s->nbytes));
  lower_ascii(tidal_out_cursor(out, j + 1), s->bytes, s->nbytes);
  tidal_out_commit(out, j + 1, s->nbytes);
  return 0;
}

TIDAL_OPERATOR(lowercase, "(string, i64)", "(string, i64)") {
  tidal_col_string words;
  tidal_col_i64 diffs;
  TIDAL_TRY(tidal_view_string_i64(in, &words, &diffs)); /* checks slices, bounds, lengths */
  TIDAL_TRY(lower_column(&words, out, 0));
  TIDAL_TRY(tidal_out_append(out, 2, diffs.v, diffs.n * 8u)); /* slice 2: the i64 diffs */
  return tidal_out_finish(out);
}

TIDAL_OPERATOR(lowercase_str, "string", "string") {
  tidal_col_string s;
  TIDAL_TRY(tidal_batch_string(in, 0, &s));
  TIDAL_TRY(lower_column(&s, out, 0));
  return tidal_out_finish(out);
}
