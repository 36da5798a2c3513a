/*
** error.c: status code names and messages, and the caller-owned tidal_error detail.
**
** Invariant: nothing here allocates; every lookup returns a static string for any int.
*/
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>

const char *tidal_strerror(int code) {
  switch (code) {
#define TIDAL_MSG_XX(name, value, msg) case (value): return msg;
    TIDAL_ERRNO_MAP(TIDAL_MSG_XX)
#undef TIDAL_MSG_XX
    default: return "unknown error";
  }
}

const char *tidal_err_name(int code) {
  switch (code) {
#define TIDAL_NAME_XX(name, value, msg) case (value): return "TIDAL_" #name;
    TIDAL_ERRNO_MAP(TIDAL_NAME_XX)
#undef TIDAL_NAME_XX
    default: return "TIDAL_EUNKNOWN";
  }
}

int tidal_error_set(tidal_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

int tidal_error_prefix(tidal_error *err, const char *fmt, ...) {
  if (!err) return 0;
  char old[sizeof err->msg];
  memcpy(old, err->msg, sizeof old);
  old[sizeof old - 1] = '\0';
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof err->msg)
    snprintf(err->msg + n, sizeof err->msg - (size_t)n, "%s", old);
  return err->code;
}

const char *tidal_version(void) { return TIDAL_VERSION_STRING; }
