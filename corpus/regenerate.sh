#!/usr/bin/env bash
# regenerate.sh: rebuild corpus/words.txt, the small bundled corpus that `tidal wordcount` reads when
# given no FILE (and that the demo uses).
#
# Words come from the shared generator (Zipf-distributed random lowercase words); then a
# deterministic pass capitalizes some of them ("Title" about 12% of the time, "UPPER" about 3%)
# so that a lowercasing stage changes the counts. Words stay free of punctuation.
#
# usage: corpus/regenerate.sh [PATH/TO/gen_corpus.py]   (default: ../shared/tools relative to
# the repository, or $TIDAL_SHARED_DIR/tools)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gen=${1:-}
if [ -z "$gen" ]; then
  for d in "${TIDAL_SHARED_DIR:-}/tools" "$here/../../shared/tools"; do
    [ -f "$d/gen_corpus.py" ] && gen="$d/gen_corpus.py" && break
  done
fi
if [ -z "$gen" ] || [ ! -f "$gen" ]; then
  echo "regenerate.sh: gen_corpus.py not found (pass its path, or set TIDAL_SHARED_DIR)" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# About 1.4 MB (one generator chunk of 200k words), 5,000-word vocabulary, Zipf s = 1.0, seed 7.
python3 "$gen" "$tmp" 1.0 5000 1.0 7 >/dev/null
python3 - "$tmp" "$here/words.txt" <<'PY'
import random, sys
rng = random.Random(2024)
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        words = []
        for w in line.split():
            r = rng.random()
            if r < 0.03:
                w = w.upper()
            elif r < 0.15:
                w = w.capitalize()
            words.append(w)
        out.write(" ".join(words) + "\n")
PY
wc -c -w -l "$here/words.txt"
