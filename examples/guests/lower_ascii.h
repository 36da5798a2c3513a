/*
 * lower_ascii.h — lowercase ASCII letters 8 bytes at a time (SWAR: SIMD within a register).
 *
 * One kernel, shared by the example guest (examples/guests/lowercase.c, compiled to wasm32) and by
 * the benchmark's native comparator (bench/wasm_ops.c, compiled for the host), so that comparing
 * the two measures the WASM path and not two different algorithms.
 *
 * Only 'A'..'Z' change (to 'a'..'z'); every other byte, in particular every byte >= 0x80 (the
 * parts of UTF-8 multi-byte sequences), is left as it is. So valid UTF-8 stays valid UTF-8 and
 * no string changes length.
 *
 * Why words rather than bytes: under wasm2c every memory access of the guest goes through the
 * instance's memory base and an optimization barrier, so a byte loop costs one load, one store and
 * that overhead per byte and cannot be vectorized. One 8-byte load, a few 64-bit operations and one
 * 8-byte store do the same work for 8 bytes.
 *
 * Self-contained: needs only <stdint.h> and the compiler's __builtin_memcpy (gcc and clang), so it
 * works freestanding (wasm32, no libc) and on the host. Copy it freely.
 */
#ifndef TIDAL_EXAMPLE_LOWER_ASCII_H
#define TIDAL_EXAMPLE_LOWER_ASCII_H

#include <stdint.h>

/* Lowercase the ASCII letters among the 8 bytes packed in x (any byte order: lanes are
 * independent). */
static inline uint64_t lower_ascii_word(uint64_t x) {
  const uint64_t hi = 0x8080808080808080ull; /* bit 7 of every byte */
  uint64_t lo7 = x & ~hi;                     /* each byte's low 7 bits: 0..0x7f */
  /* Per byte, with no carry into the next byte (0x7f + 0x3f < 0x100):
   *   bit 7 of (lo7 + 0x3f) is set iff lo7 >= 0x41 ('A'),
   *   bit 7 of (lo7 + 0x25) is set iff lo7 >= 0x5b (one past 'Z'),
   *   bit 7 of ~x          is set iff the byte itself is ASCII (< 0x80).
   * So m has bit 7 set exactly in the bytes that are 'A'..'Z'. */
  uint64_t m = (lo7 + 0x3f3f3f3f3f3f3f3full) & ~(lo7 + 0x2525252525252525ull) & ~x & hi;
  return x | (m >> 2); /* bit 7 -> bit 5 (0x20): 'A' | 0x20 == 'a' */
}

/* Lowercase n bytes from src into dst. dst == src (in place) is allowed; otherwise the ranges
 * must not overlap. Whole 8-byte words first (unaligned loads and stores through memcpy, which
 * compilers turn into single 8-byte accesses), then the last 0..7 bytes one at a time. */
static inline void lower_ascii(uint8_t *dst, const uint8_t *src, uint32_t n) {
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    __builtin_memcpy(&x, src + i, 8);
    x = lower_ascii_word(x);
    __builtin_memcpy(dst + i, &x, 8);
  }
  for (; i < n; i++) {
    uint8_t c = src[i];
    dst[i] = (uint8_t)(c | (((uint8_t)(c - 'A') < 26u) << 5)); /* 'A'..'Z' get bit 5 */
  }
}

#endif /* TIDAL_EXAMPLE_LOWER_ASCII_H */
