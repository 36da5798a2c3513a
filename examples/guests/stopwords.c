/*
 * stopwords.c — a filter operator: keeps words that are not English stopwords.
 *
 *   stopwords: (string, i64) -> bool     one bit per input row: 1 = keep the row
 *
 * Attach it in filter mode: the host keeps the input rows whose bit is set, without copying the
 * data through the guest. Matching is exact and case-sensitive (put `lowercase` before it).
 */
#include "tidal_guest.h"

/* A small list of common English stopwords (lowercase, at most 7 bytes each). */
static const char *const STOPWORDS[] = {
    "a",    "an",   "and",  "are",  "as",   "at",   "be",   "but",  "by",   "for",  "if",
    "in",   "into", "is",   "it",   "no",   "not",  "of",   "on",   "or",   "such", "that",
    "the",  "their", "then", "there", "these", "they", "this", "to",  "was",  "will", "with",
};
#define NSTOP (sizeof STOPWORDS / sizeof STOPWORDS[0])

/* A word of at most 7 bytes packed into one integer: its bytes (little-endian) and its length in
 * the top byte, so that two words are equal exactly when their keys are. Comparing one integer per
 * stopword is much cheaper than comparing strings byte by byte. */
static uint64_t key(const uint8_t *p, uint32_t len) {
  uint64_t k = (uint64_t)len << 56;
  for (uint32_t i = 0; i < len; i++) k |= (uint64_t)p[i] << (8 * i);
  return k;
}

static uint64_t stop_keys[NSTOP]; /* built on first use; static memory persists across calls */
static bool stop_keys_ready;

static bool is_stopword(tidal_bytes w) {
  if (w.len == 0 || w.len > 7) return false;
  if (!stop_keys_ready) {
    for (uint32_t i = 0; i < NSTOP; i++) {
      const char *s = STOPWORDS[i];
      uint32_t n = 0;
      while (s[n]) n++;
      stop_keys[i] = key((const uint8_t *)s, n);
    }
    stop_keys_ready = true;
  }
  uint64_t k = key(w.ptr, w.len);
  bool hit = false;
  for (uint32_t i = 0; i < NSTOP; i++) hit |= stop_keys[i] == k; /* branch-free scan */
  return hit;
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
