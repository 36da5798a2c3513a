#!/usr/bin/env bash
# bench.sh: run every benchmark binary in the given build folder (each prints ratios against a
# baseline it measures in the same run).
set -euo pipefail
dir=${1:-build-bench}
for b in "$dir"/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done
