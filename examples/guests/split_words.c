/*
 * split_words.c — a flat_map operator: lines into words.
 *
 *   split_words: (string, i64) -> (string, i64)
 *
 * Each input row (line, diff) becomes one output row (word, diff) per maximal run of bytes that
 * are not ASCII whitespace (space, \t, \n, \v, \f, \r). Empty lines give no rows. Attach it in
 * flat_map mode: the output has its own row count.
 */
#include "tidal_guest.h"

static bool is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

TIDAL_OPERATOR(split_words, "(string, i64)", "(string, i64)") {
  tidal_col_string lines;
  tidal_col_i64 diffs;
  TIDAL_TRY(tidal_view_string_i64(in, &lines, &diffs));
  /* Output sizes are bounded by the input: at most nbytes word bytes and nbytes/2+1 words per
   * line. Reserve the bytes up front; bounds and diffs grow as needed (amortized doubling). */
  TIDAL_TRY(tidal_out_reserve(out, 1, lines.nbytes));
  uint8_t *bytes = tidal_out_cursor(out, 1);
  uint32_t nb = 0;
  for (uint32_t i = 0; i < lines.n; i++) {
    tidal_bytes line = tidal_string_at(&lines, i);
    uint32_t j = 0;
    while (j < line.len) {
      while (j < line.len && is_space(line.ptr[j])) j++;
      uint32_t start = j;
      while (j < line.len && !is_space(line.ptr[j])) j++;
      if (j > start) {
        __builtin_memcpy(bytes + nb, line.ptr + start, j - start);
        nb += j - start;
        TIDAL_TRY(tidal_out_push_u64(out, 0, nb));
        TIDAL_TRY(tidal_out_push_i64(out, 2, diffs.v[i]));
      }
    }
  }
  tidal_out_commit(out, 1, nb);
  return tidal_out_finish(out);
}
