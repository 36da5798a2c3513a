/*
** wordcount_split.h: splitting text into words on ASCII whitespace (space, \t, \n, \v, \f, \r),
** 64 bytes at a time. Used by the word-count pipeline's split stage and the plain-C floor. Not
** API.
**
** How: for each 64-byte block a bit mask marks the whitespace bytes (SSE2 compares when
** available, a table otherwise); the bits where the class flips (word <-> whitespace) are the
** word starts and ends, taken in order with count-trailing-zeros. This costs no data-dependent
** branch per byte and one well-predicted alternating branch per boundary, which is what makes
** splitting cheap next to hashing.
**
** Invariant: every maximal run of non-whitespace bytes in [p, p+n) is reported exactly once, in
** order, as (offset, length) with length >= 1; nothing is read outside [p, p+n).
*/
#ifndef TIDAL_SRC_DATAFLOW_WORDCOUNT_SPLIT_H
#define TIDAL_SRC_DATAFLOW_WORDCOUNT_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* True for the six ASCII whitespace bytes. */
static inline int tidal__is_ws(uint8_t c) { return c == ' ' || (uint8_t)(c - 9) < 5; }

/* Bit i set when p[i] (0 <= i < 64) is whitespace. Reads exactly 64 bytes. */
static inline __attribute__((always_inline)) uint64_t tidal__ws_mask64(const uint8_t *p) {
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8(' '), nine = _mm_set1_epi8(9), four = _mm_set1_epi8(4);
  uint64_t m = 0;
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
    __m128i x = _mm_sub_epi8(v, nine);
    /* c in [9, 13] <=> (c - 9) <=u 4 <=> min_u(c - 9, 4) == c - 9 */
    __m128i ws = _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(_mm_min_epu8(x, four), x));
    m |= (uint64_t)(uint16_t)_mm_movemask_epi8(ws) << (16 * k);
  }
  return m;
#else
  uint64_t m = 0;
  for (int i = 0; i < 64; i++) m |= (uint64_t)tidal__is_ws(p[i]) << i;
  return m;
#endif
}

/* The callback type: one word at p[off .. off+len). Returns 0 to go on, < 0 to stop. */
typedef int (*tidal__word_cb)(void *ctx, const uint8_t *word, size_t len);

/*
** Call emit(ctx, word, len) for every word of p[0..n), in order. Returns 0, or the first negative
** value emit returned. always_inline so that a constant `emit` is inlined into the loop.
*/
static inline __attribute__((always_inline)) int tidal__split_words(const uint8_t *p, size_t n,
                                                                    tidal__word_cb emit,
                                                                    void *ctx) {
  uint64_t prev_ws = 1; /* the byte before p counts as whitespace */
  size_t start = 0;
  int in_word = 0;
  size_t off = 0;
  uint8_t tail[64];
  while (off < n) {
    uint64_t ws;
    if (n - off >= 64) {
      ws = tidal__ws_mask64(p + off);
    } else {
      /* Last partial block: pad with spaces so that the mask marks the padding whitespace. */
      memset(tail, ' ', sizeof tail);
      memcpy(tail, p + off, n - off);
      ws = tidal__ws_mask64(tail);
    }
    /* Bits where the class differs from the previous byte's: alternately starts and ends. */
    uint64_t flips = ws ^ ((ws << 1) | prev_ws);
    prev_ws = ws >> 63;
    while (flips) {
      size_t b = off + (size_t)__builtin_ctzll(flips);
      flips &= flips - 1;
      if (in_word) {
        int rc = emit(ctx, p + start, b - start);
        if (rc < 0) return rc;
        in_word = 0;
      } else {
        /* Padding is whitespace, so a start never lands beyond n. */
        start = b;
        in_word = 1;
      }
    }
    off += 64;
  }
  if (in_word) return emit(ctx, p + start, n - start);
  return 0;
}

#endif /* TIDAL_SRC_DATAFLOW_WORDCOUNT_SPLIT_H */
