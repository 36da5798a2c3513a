#!/usr/bin/env bash
# bench.sh: run every benchmark binary in the given build folder (each prints ratios against a
# baseline it measures in the same run).
#
# The word-count benchmark needs a 51 MB corpus: generated here into the build folder when missing,
# with the shared generator (../shared/tools/gen_corpus.py relative to the repository, or
# $TIDAL_SHARED_DIR/tools) as `gen_corpus.py FILE 50 100000 1.0 42` (7.2 M words, 99,962 distinct).
set -euo pipefail
dir=${1:-build-bench}
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus="$dir/corpus50.txt"
if [ ! -s "$corpus" ]; then
  gen=""
  for d in "${TIDAL_SHARED_DIR:-}/tools" "$repo/../shared/tools"; do
    [ -f "$d/gen_corpus.py" ] && gen="$d/gen_corpus.py" && break
  done
  if [ -n "$gen" ]; then
    echo "bench: generating $corpus (about 15 s) with $gen"
    python3 "$gen" "$corpus.tmp" 50 100000 1.0 42 && mv "$corpus.tmp" "$corpus"
  else
    echo "bench: gen_corpus.py not found (looked in \$TIDAL_SHARED_DIR/tools and $repo/../shared/tools);" \
         "the word-count benchmark will be skipped" >&2
  fi
fi
[ -s "$corpus" ] && export TIDAL_BENCH_CORPUS="$corpus"
for b in "$dir"/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done
