/*
** tidal/base.h: the conventions every tidal layer shares: status codes, the caller-owned error
** detail, the allocator, the version, export and check macros.
**
** Not thread-safe unless a function's doc says "Thread-safe:".
**
** Invariant: every fallible public function returns an int, TIDAL_OK (0) or a negative TIDAL_E*
** code; detail goes into an optional caller-owned tidal_error passed last. libtidal never prints,
** never reads the environment, never calls abort() or exit().
*/
#ifndef TIDAL_BASE_H
#define TIDAL_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>

#include "tidal/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/// \defgroup base Base conventions
/// @{

#if defined(__GNUC__)
#define TIDAL_API __attribute__((visibility("default")))
#define TIDAL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TIDAL_API
#define TIDAL_PRINTF(f, a)
#endif

#if !defined(NDEBUG)
#define TIDAL_DEBUG 1
#endif

/* Status results are checked in debug builds: ignoring one is a bug. */
#if defined(TIDAL_DEBUG) && defined(__GNUC__)
#define TIDAL_CHECK_RESULT __attribute__((warn_unused_result))
#else
#define TIDAL_CHECK_RESULT
#endif

/*
** The status codes, listed once: name, value, message. System errors are negated errno values;
** tidal's own codes live below -4000 so they never collide with errno.
*/
#define TIDAL_ERRNO_MAP(XX)                                                      \
  XX(EOK,       0,       "success")                                             \
  XX(ENOMEM,    -ENOMEM, "out of memory")                                       \
  XX(EINVAL,    -EINVAL, "invalid argument")                                    \
  XX(ENOENT,    -ENOENT, "no such file or directory")                           \
  XX(EIO,       -EIO,    "input/output error")                                  \
  XX(ENOSPC,    -ENOSPC, "no space left on device")                             \
  XX(ENOBUFS,   -ENOBUFS, "buffer too small")                                   \
  XX(ENOSYS,    -ENOSYS, "not supported in this build")                         \
  XX(ERANGE,    -ERANGE, "value out of range")                                  \
  XX(ETIMEDOUT, -ETIMEDOUT, "timed out")                                        \
  XX(EPIPE,     -EPIPE,  "connection or channel closed")                        \
  XX(ESCHEMA,   -4001,   "malformed schema")                                    \
  XX(EMISMATCH, -4002,   "schema mismatch")                                     \
  XX(ECORRUPT,  -4003,   "malformed or corrupt encoded data")                   \
  XX(EJSON,     -4004,   "malformed JSON or value does not fit the schema")     \
  XX(EWASM,     -4005,   "invalid WebAssembly module")                          \
  XX(ETRAP,     -4006,   "WebAssembly guest trapped")                           \
  XX(EGUEST,    -4007,   "WebAssembly guest reported an error")                 \
  XX(ECOMPILE,  -4008,   "compiling a WebAssembly module failed")               \
  XX(EOPERATOR, -4009,   "an operator failed")                                  \
  XX(ECANCELED, -4010,   "computation canceled")                                \
  XX(EPROGRESS, -4011,   "progress protocol violated")

typedef enum {
#define TIDAL_ENUM_XX(name, value, msg) TIDAL_##name = (value),
  TIDAL_ERRNO_MAP(TIDAL_ENUM_XX)
#undef TIDAL_ENUM_XX
  TIDAL_OK = 0
} tidal_status;

/// Message for a status code. Returns a static string for any int ("unknown error" otherwise).
/// Never allocates. Thread-safe: yes. Since: 0.1.
TIDAL_API const char *tidal_strerror(int code);
/// Name of a status code ("TIDAL_ECORRUPT"), or "TIDAL_EUNKNOWN". Thread-safe: yes. Since: 0.1.
TIDAL_API const char *tidal_err_name(int code);

/// Caller-owned error detail. Defined only when the function that filled it returned < 0.
/// Complete type: put it on the stack. NULL is accepted wherever a tidal_error* is taken.
typedef struct tidal_error {
  int code;      /* read-only: the status that was returned */
  char msg[512]; /* read-only: NUL-terminated, human readable, names what and where */
} tidal_error;

/// Fill `err` (NULL is a no-op) with a formatted message and the code; returns `code` so that
/// callers can write `return tidal_error_set(err, TIDAL_ECORRUPT, "...")`. Thread-safe: yes.
TIDAL_API int tidal_error_set(tidal_error *err, int code, const char *fmt, ...) TIDAL_PRINTF(3, 4);
/// Prefix the existing message of `err` with a formatted context ("operator 'count': ...").
/// Returns err->code (or TIDAL_EINVAL-free 0 if err is NULL). Thread-safe: yes.
TIDAL_API int tidal_error_prefix(tidal_error *err, const char *fmt, ...) TIDAL_PRINTF(2, 3);

/// Evaluate `expr` once; return its status from the enclosing function if negative.
#define TIDAL_RETURN_IF_ERROR(expr)                                              \
  do {                                                                           \
    int tidal__rc_ = (expr);                                                     \
    if (tidal__rc_ < 0) return tidal__rc_;                                       \
  } while (0)

/*
** The allocator: a realloc-style function. Contract (as Lua's lua_Alloc): with nsize == 0 it frees
** ptr (osize is its size) and returns NULL; otherwise it returns a block of nsize bytes whose first
** min(osize, nsize) bytes equal ptr's, or NULL on failure (ptr is then untouched). ptr == NULL
** means a new block (osize is then 0). Blocks must be aligned for any C type (16 bytes).
*/
typedef void *(*tidal_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);
typedef struct tidal_allocator {
  tidal_alloc_fn fn; /* public */
  void *ud;          /* public: passed to fn unchanged */
} tidal_allocator;

/// The default allocator (malloc/realloc/free). The returned pointer is static. Thread-safe: yes.
TIDAL_API const tidal_allocator *tidal_default_allocator(void);

/// The library version as "MAJOR.MINOR.PATCH". Static string. Thread-safe: yes.
TIDAL_API const char *tidal_version(void);

/// @}

#ifdef __cplusplus
}
#endif
#endif /* TIDAL_BASE_H */
