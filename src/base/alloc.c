/*
** alloc.c: the default allocator, on malloc/realloc/free.
**
** Invariant: follows the tidal_alloc_fn contract in tidal/base.h exactly; a failed resize leaves the
** old block untouched.
*/
#include "base/base.h"

#include <stdlib.h>

static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

static const tidal_allocator default_allocator = {default_alloc, NULL};

const tidal_allocator *tidal_default_allocator(void) { return &default_allocator; }
