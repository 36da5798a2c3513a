#!/usr/bin/env bash
# demo.sh: the main job: word count on the bundled corpus (corpus/words.txt) with 2 workers and
# the `lowercase` WASM guest between the split and the exchange, printing the 10 most frequent
# words. The guest is the one the build made (BUILD/examples/guests/lowercase.wasm, next to the
# tidal binary); its compiled form is cached, so only the first run compiles it.
set -euo pipefail
tidal=${1:-build/tidal}
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$(dirname "$tidal")" && pwd)
guest="$build/examples/guests/lowercase.wasm"
if [ ! -f "$guest" ]; then
  echo "demo: $guest is missing: the build makes it when clang can target wasm32 and wasm-ld" \
       "exists (apt-get install clang lld)" >&2
  exit 1
fi
echo "tidal wordcount -w 2 --top 10 --wasm $guest:lowercase corpus/words.txt"
"$tidal" wordcount -w 2 --top 10 --wasm "$guest:lowercase" "$repo/corpus/words.txt"
