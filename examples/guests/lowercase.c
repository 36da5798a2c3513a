/*
 * lowercase.c — a map operator: lowercases ASCII letters of the string column.
 *
 * Two operators in one module:
 *   lowercase:     (string, i64) -> (string, i64)   word-count demo: between split-words and the
 *                                                   exchange, on the (word, diff) stream, in map
 *                                                   mode. The diff column is passed through.
 *   lowercase_str: string -> string                 the same on a bare string column.
 *
 * Only A-Z change. Bytes >= 0x80 (UTF-8 sequences) are left as they are, so the output is valid
 * UTF-8 whenever the input is, and every string keeps its length.
 *
 * How it is fast (see docs/guest-sdk.md, "Performance"):
 * - 8 bytes at a time: lower_ascii() (lower_ascii.h) works on 64-bit words, because under
 *   wasm2c each guest memory access carries a fixed overhead that a byte loop pays per byte;
 * - in place: lowercasing changes no length, so the output has exactly the input's layout. The
 *   operator rewrites the string bytes inside the input buffer (the guest's own memory) and
 *   returns that buffer as its output (tidal_out_input): no output slices are built and nothing
 *   is copied inside the guest. The bounds and the diffs are passed through untouched.
 *
 * Build: tidal_add_guest(lowercase examples/guests/lowercase.c) in CMake, or see docs/guest-sdk.md.
 */
#include "tidal_guest.h"

#include "lower_ascii.h"

TIDAL_OPERATOR(lowercase, "(string, i64)", "(string, i64)") {
  tidal_col_string words;
  tidal_col_i64 diffs;
  TIDAL_TRY(tidal_view_string_i64(in, &words, &diffs)); /* checks slices, bounds, lengths */
  uint8_t *bytes = tidal_in_place(words.bytes);         /* slice 1: all words' bytes */
  lower_ascii(bytes, bytes, words.nbytes);
  return tidal_out_input(in); /* the input buffer, now lowercased, is the output */
}

TIDAL_OPERATOR(lowercase_str, "string", "string") {
  tidal_col_string s;
  TIDAL_TRY(tidal_batch_string(in, 0, &s));
  uint8_t *bytes = tidal_in_place(s.bytes);
  lower_ascii(bytes, bytes, s.nbytes);
  return tidal_out_input(in);
}
