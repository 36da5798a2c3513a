/*
** buffer.c: tidal_buffer, a growable byte buffer on caller storage.
**
** Invariant: data is NULL exactly when cap == 0; len <= cap; data came from `alloc` with size cap.
** Growth at least doubles, so n appends cost O(n) amortized.
*/
#include "columnar/columnar_int.h"

void tidal_buffer_init(tidal_buffer *b, const tidal_allocator *a) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->alloc = tidal__allocator_or_default(a);
}

void tidal_buffer_reset(tidal_buffer *b) {
  tidal__free(b->alloc, b->data, b->cap);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

int tidal_buffer_reserve(tidal_buffer *b, size_t extra) {
  size_t need;
  /* After a successful reserve data is never NULL, even for extra == 0: callers form
     data + len before copying, and NULL + 0 is undefined behaviour (found by the fuzzer). */
  if (b->cap - b->len >= extra && b->data) return 0;
  if (!tidal__add_ok(b->len, extra, &need)) return TIDAL_ENOMEM;
  size_t ncap = b->cap < 64 ? 64 : b->cap;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) {
      ncap = need;
      break;
    }
    ncap *= 2;
  }
  uint8_t *p = (uint8_t *)tidal__realloc(b->alloc, b->data, b->cap, ncap);
  if (!p) return TIDAL_ENOMEM;
  b->data = p;
  b->cap = ncap;
  return 0;
}

int tidal_buffer_append(tidal_buffer *b, const void *p, size_t n) {
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(b, n));
  tidal_buffer_append_unsafe(b, p, n);
  return 0;
}
