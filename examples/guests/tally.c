/*
 * tally.c — the seed's operator, as a column update of `diff`.
 *
 *   tally: (string, i64) -> u64     row i: len(text_i) + diff_i (wrapping, as u64)
 *
 * Attach it as a column update of the i64 `diff` field: the host overwrites the diffs with these
 * u64 values, reinterpreted as i64 (same width, other signedness is accepted by the ABI).
 */
#include "tidal_guest.h"

TIDAL_OPERATOR(tally, "(string, i64)", "u64") {
  tidal_col_string text;
  tidal_col_i64 diff;
  TIDAL_TRY(tidal_view_string_i64(in, &text, &diff));
  TIDAL_TRY(tidal_out_reserve(out, 0, text.n * 8u));
  uint64_t *dst = (uint64_t *)(void *)tidal_out_cursor(out, 0);
  uint64_t prev = 0;
  for (uint32_t i = 0; i < text.n; i++) { /* bounds are validated: len = bounds[i] - bounds[i-1] */
    dst[i] = (text.bounds[i] - prev) + (uint64_t)diff.v[i];
    prev = text.bounds[i];
  }
  tidal_out_commit(out, 0, text.n * 8u);
  return tidal_out_finish(out);
}
