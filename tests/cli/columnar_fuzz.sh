#!/usr/bin/env bash
# ctest-labels: fuzz;no-asan
# columnar_fuzz.sh: a short libFuzzer run (default 20 s, TIDAL_FUZZ_SECONDS) of fuzz/columnar_view.c
# as part of `make test`, when clang with libFuzzer is installed; skipped (and says so) otherwise.
# It builds its own clang+ASan tree under the build folder (scripts/fuzz.sh), so it runs in the
# plain ctest pass only (label no-asan: the ASan pass would build it a second time for nothing).
# Exit 77 = skipped.
set -euo pipefail
: "${TIDAL_SOURCE_DIR:?}" "${TIDAL_BUILD_DIR:?}"
if ! command -v clang >/dev/null ||
   ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
     clang -x c -fsanitize=fuzzer - -o "$TIDAL_BUILD_DIR/.fuzz-probe" 2>/dev/null; then
  echo "SKIPPED: clang with libFuzzer not available"
  exit 77   # ctest counts 77 as skipped (SKIP_RETURN_CODE), never as passed
fi
rm -f "$TIDAL_BUILD_DIR/.fuzz-probe"
FUZZ_BUILD_DIR="$TIDAL_BUILD_DIR/fuzz-smoke" "$TIDAL_SOURCE_DIR/scripts/fuzz.sh" \
  "${TIDAL_FUZZ_SECONDS:-20}" 2>&1 | tail -n 25
exit "${PIPESTATUS[0]}"
