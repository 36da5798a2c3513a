/*
 * split_words.c — a flat_map operator: lines into words.
 *
 *   split_words: (string, i64) -> (string, i64)
 *
 * Each input row (line, diff) becomes one output row (word, diff) per maximal run of bytes that
 * are not ASCII whitespace (space, \t, \n, \v, \f, \r). Empty lines give no rows. Attach it in
 * flat_map mode: the output has its own row count. Output sizes: at most the input's bytes.
 */
#include "tidal_guest.h"

static bool is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* One pass over all lines. With write == false it only counts words and word bytes; with true it
 * also writes them (bytes, end bounds, the line's diff per word). Both passes run the very same
 * scan, so the counts of the first are exactly the room the second needs. */
static inline void split(const tidal_col_string *lines, const tidal_col_i64 *diffs, bool write,
                         uint8_t *bytes, uint64_t *bounds, int64_t *wdiffs, uint32_t *nwords,
                         uint32_t *nbytes) {
  uint32_t w = 0, nb = 0;
  for (uint32_t i = 0; i < lines->n; i++) {
    tidal_bytes line = tidal_string_at(lines, i);
    uint32_t j = 0;
    while (j < line.len) {
      while (j < line.len && is_space(line.ptr[j])) j++;
      uint32_t start = j;
      while (j < line.len && !is_space(line.ptr[j])) {
        if (write) bytes[nb] = line.ptr[j]; /* byte by byte: no memcpy call per short word */
        nb++;
        j++;
      }
      if (j > start) {
        if (write) {
          bounds[w] = nb;
          wdiffs[w] = diffs->v[i];
        }
        w++;
      }
    }
  }
  *nwords = w;
  *nbytes = nb;
}

TIDAL_OPERATOR(split_words, "(string, i64)", "(string, i64)") {
  tidal_col_string lines;
  tidal_col_i64 diffs;
  uint32_t nwords, nbytes;
  TIDAL_TRY(tidal_view_string_i64(in, &lines, &diffs));
  /* Count first, then reserve each output slice exactly once and in slice order: finish() then
   * builds the encoding where the slices already are, without a copy. */
  split(&lines, &diffs, false, NULL, NULL, NULL, &nwords, &nbytes);
  TIDAL_TRY(tidal_out_reserve(out, 0, nwords * 8u));
  TIDAL_TRY(tidal_out_reserve(out, 1, nbytes));
  TIDAL_TRY(tidal_out_reserve(out, 2, nwords * 8u));
  split(&lines, &diffs, true, tidal_out_cursor(out, 1), (uint64_t *)(void *)tidal_out_cursor(out, 0),
        (int64_t *)(void *)tidal_out_cursor(out, 2), &nwords, &nbytes);
  tidal_out_commit(out, 0, nwords * 8u);
  tidal_out_commit(out, 1, nbytes);
  tidal_out_commit(out, 2, nwords * 8u);
  return tidal_out_finish(out);
}
