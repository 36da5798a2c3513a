/*
 * stopwords.c — a filter operator: keeps words that are not English stopwords.
 *
 *   stopwords: (string, i64) -> bool     one bit per input row: 1 = keep the row
 *
 * Attach it in filter mode: the host keeps the input rows whose bit is set, without copying the
 * data through the guest. Matching is exact and case-sensitive (put `lowercase` before it).
 */
#include "tidal_guest.h"

/* A small list of common English stopwords (lowercase). */
static const char *const STOPWORDS[] = {
    "a",    "an",   "and",  "are",  "as",   "at",   "be",   "but",  "by",   "for",  "if",
    "in",   "into", "is",   "it",   "no",   "not",  "of",   "on",   "or",   "such", "that",
    "the",  "their", "then", "there", "these", "they", "this", "to",  "was",  "will", "with",
};

static bool is_stopword(tidal_bytes w) {
  /* Stopwords are short: skip the table for anything longer than the longest one. */
  if (w.len == 0 || w.len > 5) return false;
  for (uint32_t i = 0; i < sizeof STOPWORDS / sizeof STOPWORDS[0]; i++) {
    const char *s = STOPWORDS[i];
    uint32_t j = 0;
    while (j < w.len && s[j] && (uint8_t)s[j] == w.ptr[j]) j++;
    if (j == w.len && s[j] == 0) return true;
  }
  return false;
}

TIDAL_OPERATOR(stopwords, "(string, i64)", "bool") {
  tidal_col_string words;
  tidal_col_i64 diffs;
  TIDAL_TRY(tidal_view_string_i64(in, &words, &diffs));
  /* Reserve the words slice once: one u64 per 64 rows. The tail slice is written by finish. */
  TIDAL_TRY(tidal_out_reserve(out, 0, (words.n / 64u) * 8u));
  for (uint32_t i = 0; i < words.n; i++)
    TIDAL_TRY(tidal_out_push_bool(out, 0, !is_stopword(tidal_string_at(&words, i))));
  return tidal_out_finish(out);
}
