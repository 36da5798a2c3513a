/*
** base.h: internals every libtidal module may use: allocation through a tidal_allocator, checked
** size arithmetic, debug checks. Not API.
**
** Invariant: every byte libtidal holds was obtained through tidal__alloc (or tidal__realloc) from
** the allocator it will be returned to, with the size it is returned with.
*/
#ifndef TIDAL_SRC_BASE_H
#define TIDAL_SRC_BASE_H

#include "tidal/base.h"

#include <string.h>

#ifdef TIDAL_DEBUG
#include <assert.h>
/* A contract violation: a bug in the caller or in libtidal, never bad input. */
#define TIDAL_DCHECK(cond) assert(cond)
#else
#define TIDAL_DCHECK(cond) ((void)0)
#endif

/* The allocator to use when a caller passes NULL. */
static inline const tidal_allocator *tidal__allocator_or_default(const tidal_allocator *a) {
  return a ? a : tidal_default_allocator();
}

/* Allocate n bytes; NULL on failure (or when n is 0, which callers should not ask for). */
static inline void *tidal__alloc(const tidal_allocator *a, size_t n) {
  return a->fn(a->ud, NULL, 0, n);
}

/* Allocate n zeroed bytes. */
static inline void *tidal__calloc(const tidal_allocator *a, size_t n) {
  void *p = a->fn(a->ud, NULL, 0, n);
  if (p) memset(p, 0, n);
  return p;
}

/* Resize a block of osize bytes to nsize; NULL on failure, p untouched. */
static inline void *tidal__realloc(const tidal_allocator *a, void *p, size_t osize, size_t nsize) {
  return a->fn(a->ud, p, osize, nsize);
}

/* Free a block of n bytes. NULL is a no-op. */
static inline void tidal__free(const tidal_allocator *a, void *p, size_t n) {
  if (p) a->fn(a->ud, p, n, 0);
}

/* a*b and a+b without wrapping: false when the result would overflow. */
static inline bool tidal__mul_ok(size_t a, size_t b, size_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}
static inline bool tidal__add_ok(size_t a, size_t b, size_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

/* Round up to a multiple of 8 (callers ensure x <= SIZE_MAX - 7). */
static inline size_t tidal__round8(size_t x) { return (x + 7) & ~(size_t)7; }

/* Consume a status on purpose (a best-effort call whose failure is harmless or reported
   elsewhere). gcc does not let a (void) cast silence warn_unused_result; a call does. */
static inline void tidal__ignore_status(int rc) { (void)rc; }

#define TIDAL_LIKELY(x) __builtin_expect(!!(x), 1)
#define TIDAL_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif /* TIDAL_SRC_BASE_H */
