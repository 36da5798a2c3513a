/* base_test.c: status codes, error detail, allocator contract. */
#include "harness/test.h"

TEST(strerror_covers_every_code) {
  CHECK_STR(tidal_strerror(TIDAL_OK), "success");
  CHECK_STR(tidal_strerror(TIDAL_ECORRUPT), "malformed or corrupt encoded data");
  CHECK_STR(tidal_strerror(-123456), "unknown error");
  CHECK_STR(tidal_err_name(TIDAL_ENOMEM), "TIDAL_ENOMEM");
  CHECK_STR(tidal_err_name(99), "TIDAL_EUNKNOWN");
}

TEST(error_set_and_prefix) {
  tidal_error e;
  CHECK_EQ_INT(tidal_error_set(&e, TIDAL_ESCHEMA, "at %d: expected %s", 4, "'>'"), TIDAL_ESCHEMA);
  CHECK_STR(e.msg, "at 4: expected '>'");
  CHECK_EQ_INT(tidal_error_prefix(&e, "schema '%s' ", "vec<u8"), TIDAL_ESCHEMA);
  CHECK_STR(e.msg, "schema 'vec<u8' at 4: expected '>'");
  CHECK_EQ_INT(tidal_error_set(NULL, TIDAL_EIO, "ignored"), TIDAL_EIO);
}

TEST(error_set_truncates_long_messages) {
  tidal_error e;
  char big[2000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  tidal_error_set(&e, TIDAL_EINVAL, "%s", big);
  CHECK_EQ_INT(strlen(e.msg), sizeof e.msg - 1);
}

TEST(default_allocator_roundtrip) {
  const tidal_allocator *a = tidal_default_allocator();
  char *p = a->fn(a->ud, NULL, 0, 16);
  CHECK(p != NULL);
  memcpy(p, "0123456789abcdef", 16);
  p = a->fn(a->ud, p, 16, 4096);
  CHECK(p != NULL && memcmp(p, "0123456789abcdef", 16) == 0);
  CHECK(a->fn(a->ud, p, 4096, 0) == NULL);
}

TEST(version_matches_macros) {
  char buf[64];
  snprintf(buf, sizeof buf, "%d.%d.%d", TIDAL_VERSION_MAJOR, TIDAL_VERSION_MINOR,
           TIDAL_VERSION_PATCH);
  CHECK_STR(tidal_version(), buf);
}
