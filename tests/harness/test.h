/*
** test.h: tidal's tiny test harness. A test file defines cases with TEST(name) { ... } and links
** tests/harness/runner.c, which runs each case in its own forked process (a crash fails one case,
** not the file) and closes with the line "N passed, N failed".
**
** Usage: ./x_test            run every case
**        ./x_test NAME...    run the cases whose names contain one of the NAMEs
**        TIDAL_TEST_NOFORK=1 run in-process (for gdb)
*/
#ifndef TIDAL_TEST_H
#define TIDAL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>

#include "tidal/tidal.h"

typedef void (*tidal_test_fn)(void);
void tidal_test_register(const char *name, tidal_test_fn fn);

#define TEST(name)                                                                \
  static void test_##name(void);                                                 \
  __attribute__((constructor)) static void test_register_##name(void) {           \
    tidal_test_register(#name, test_##name);                                     \
  }                                                                               \
  static void test_##name(void)

/* Failure: print where and why, then exit the case's process with status 1. */
#define TEST_FAIL(...)                                                            \
  do {                                                                           \
    fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                            \
    fprintf(stderr, __VA_ARGS__);                                                \
    fprintf(stderr, "\n");                                                       \
    exit(1);                                                                     \
  } while (0)

#define CHECK(cond)                                                               \
  do {                                                                           \
    if (!(cond)) TEST_FAIL("CHECK(%s) failed", #cond);                           \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                        \
  do {                                                                           \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);              \
    if (check_a_ != check_b_)                                                    \
      TEST_FAIL("%s == %lld, expected %s == %lld", #a, check_a_, #b, check_b_);  \
  } while (0)

#define CHECK_EQ_U64(a, b)                                                        \
  do {                                                                           \
    uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                 \
    if (check_a_ != check_b_)                                                    \
      TEST_FAIL("%s == %" PRIu64 ", expected %s == %" PRIu64, #a, check_a_, #b,  \
                check_b_);                                                       \
  } while (0)

#define CHECK_STR(a, b)                                                           \
  do {                                                                           \
    const char *check_a_ = (a), *check_b_ = (b);                                 \
    if (strcmp(check_a_, check_b_) != 0)                                         \
      TEST_FAIL("%s == \"%s\", expected \"%s\"", #a, check_a_, check_b_);        \
  } while (0)

/* A status call that must succeed; prints tidal_strerror otherwise. */
#define CHECK_OK(expr)                                                            \
  do {                                                                           \
    int check_rc_ = (expr);                                                      \
    if (check_rc_ != 0)                                                          \
      TEST_FAIL("%s returned %s (%s)", #expr, tidal_err_name(check_rc_),         \
                tidal_strerror(check_rc_));                                      \
  } while (0)

/* A status call that must fail with the given code. */
#define CHECK_ERR(expr, code)                                                     \
  do {                                                                           \
    int check_rc_ = (expr);                                                      \
    if (check_rc_ != (code))                                                     \
      TEST_FAIL("%s returned %s, expected %s", #expr, tidal_err_name(check_rc_), \
                tidal_err_name(code));                                           \
  } while (0)

/*
** A failing allocator for OOM injection: fails the Nth allocation (counting from 0) and every one
** after it when `fail_all_after`; counts live blocks so tests can assert nothing leaked.
*/
typedef struct tidal_test_alloc {
  tidal_allocator base;  /* pass &t.base to libtidal */
  long fail_at;          /* index of the first allocation to fail; -1 never */
  long count;            /* allocations (and growing reallocs) attempted so far */
  long live;             /* blocks currently allocated */
  size_t live_bytes;     /* bytes currently allocated, by the sizes libtidal reported */
} tidal_test_alloc;
void tidal_test_alloc_init(tidal_test_alloc *t, long fail_at);

/*
** Run `body(ud, alloc)` with fail_at = 0, 1, 2, ... until it succeeds; every failing run must return
** TIDAL_ENOMEM and leave no live block. Fails the test otherwise. Returns the number of runs.
*/
typedef int (*tidal_test_oom_body)(void *ud, const tidal_allocator *alloc);
int tidal_test_oom_sweep(tidal_test_oom_body body, void *ud);

/* A deterministic PRNG for property tests (splitmix64). */
static inline uint64_t tidal_test_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Path of the shared/ folder beside the repo (for spec vectors), from TIDAL_SHARED_DIR. */
const char *tidal_test_shared_dir(void);

#endif /* TIDAL_TEST_H */
