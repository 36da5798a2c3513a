#!/usr/bin/env bash
# wordcount_results.sh: `tidal wordcount` agrees with `tr | sort | uniq -c` on the bundled corpus
# and on a small text, for W = 1, 2, 3 and several batchings (bytes per batch, lines per round),
# and the result is identical for every W and batching.
set -euo pipefail
tidal=${TIDAL_BIN:?}
src=${TIDAL_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
# The bundled corpus is found next to the binary's build folder (build/tidal -> corpus/); for a
# build folder elsewhere, point the CLI at it.
[ -f "$(dirname "$tidal")/../corpus/words.txt" ] || export TIDAL_CORPUS="$src/corpus/words.txt"

# The reference: one word per line, counted, as word<TAB>count sorted by word (byte order).
reference() {
  tr -s ' \t\n\r\v\f' '\n' < "$1" | grep -v '^$' | sort | uniq -c | awk '{print $2 "\t" $1}'
}

corpus="$src/corpus/words.txt"
reference "$corpus" > "$tmp/want_corpus"
[ "$(wc -l < "$tmp/want_corpus")" -gt 1000 ] || { echo "reference too small"; exit 1; }

# The whole corpus, default batching (~1 MiB) and 64 KiB batches, W = 1, 2, 3; also with no FILE
# (the bundled corpus is the default input).
for w in 1 2 3; do
  "$tidal" wordcount -w "$w" "$corpus" > "$tmp/got"
  cmp "$tmp/got" "$tmp/want_corpus" || { echo "W=$w default batching differs"; exit 1; }
  "$tidal" wordcount -w "$w" --batch-bytes 65536 "$corpus" > "$tmp/got"
  cmp "$tmp/got" "$tmp/want_corpus" || { echo "W=$w 64 KiB batches differ"; exit 1; }
done
"$tidal" wordcount -w 2 > "$tmp/got"
cmp "$tmp/got" "$tmp/want_corpus" || { echo "default input differs"; exit 1; }

# A slice of the corpus with tiny batches: one line per round, 7 lines per round, 1 byte per batch
# (a batch is cut after the line that reaches it), and 10,000 lines per round.
head -n 1500 "$corpus" > "$tmp/small"
reference "$tmp/small" > "$tmp/want_small"
for w in 1 2 3; do
  for opt in "--lines-per-round 1" "--lines-per-round 7" "--batch-bytes 1" "--lines-per-round 10000"; do
    # shellcheck disable=SC2086
    "$tidal" wordcount -w "$w" $opt "$tmp/small" > "$tmp/got"
    cmp "$tmp/got" "$tmp/want_small" || { echo "W=$w $opt differs"; exit 1; }
  done
done

# Every kind of ASCII whitespace separates words; leading, trailing and repeated separators; a
# last line without newline; non-ASCII UTF-8 words; two files (lines do not join across them).
printf '  alpha\tbeta\r\ngamma\v\falpha  \n\n\nbeta  Alpha caf\xc3\xa9 caf\xc3\xa9\n' > "$tmp/a"
printf 'tail-word' > "$tmp/b"
printf 'word\n' > "$tmp/c"
cat "$tmp/a" "$tmp/b" > "$tmp/ab"; printf '\n' >> "$tmp/ab"; cat "$tmp/c" >> "$tmp/ab"
reference "$tmp/ab" > "$tmp/want_ab"
for w in 1 2 3; do
  "$tidal" wordcount -w "$w" "$tmp/a" "$tmp/b" "$tmp/c" > "$tmp/got"
  cmp "$tmp/got" "$tmp/want_ab" || { echo "W=$w whitespace/multi-file case differs"; diff "$tmp/got" "$tmp/want_ab"; exit 1; }
done
grep -q "^tail-word	1$" "$tmp/got" || { echo "tail-word joined the next file's line"; exit 1; }
echo ok
