#!/usr/bin/env bash
# demo.sh: the main job: word count on the bundled corpus (corpus/words.txt) with 2 workers,
# printing the 10 most frequent words. (Later: with a lowercasing WASM stage between the split and
# the exchange.)
set -euo pipefail
tidal=${1:-build/tidal}
repo=$(cd "$(dirname "$0")/.." && pwd)
echo "tidal wordcount -w 2 --top 10 corpus/words.txt"
"$tidal" wordcount -w 2 --top 10 "$repo/corpus/words.txt"
