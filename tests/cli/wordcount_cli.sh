#!/usr/bin/env bash
# wordcount_cli.sh: `tidal wordcount` options and errors: --top N (ties broken by word), a missing
# file, a non-UTF-8 file, bad options, an empty file, stdin.
set -uo pipefail
tidal=${TIDAL_BIN:?}
src=${TIDAL_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
# The bundled corpus is found next to the binary's build folder (build/tidal -> corpus/); for a
# build folder elsewhere, point the CLI at it.
[ -f "$(dirname "$tidal")/../corpus/words.txt" ] || export TIDAL_CORPUS="$src/corpus/words.txt"
fail() { echo "FAIL: $*"; exit 1; }

# --top N: the N most frequent, count descending then word ascending.
printf 'b a c b a d d e\nc c\n' > "$tmp/t"
out=$("$tidal" wordcount --top 3 "$tmp/t") || fail "--top run failed"
[ "$out" = "$(printf 'c\t3\na\t2\nb\t2')" ] || fail "--top 3 gave: $out"
out=$("$tidal" wordcount -w 3 --top 100 "$tmp/t" | wc -l)
[ "$out" -eq 5 ] || fail "--top larger than the vocabulary printed $out lines"
# --top on the bundled corpus agrees with sort on the full output.
"$tidal" wordcount -w 2 --top 10 > "$tmp/top" || fail "--top on the corpus failed"
"$tidal" wordcount -w 1 | sort -t "$(printf '\t')" -k2,2nr -k1,1 | head -n 10 > "$tmp/top_want"
cmp "$tmp/top" "$tmp/top_want" || fail "--top 10 on the corpus differs from sort"

# stdin
out=$(printf 'x y x\n' | "$tidal" wordcount -) || fail "stdin run failed"
[ "$out" = "$(printf 'x\t2\ny\t1')" ] || fail "stdin gave: $out"

# An empty file: no output, success.
: > "$tmp/empty"
out=$("$tidal" wordcount -w 2 "$tmp/empty") || fail "empty file failed"
[ -z "$out" ] || fail "empty file printed: $out"

# Missing file: a clear message, exit 1.
"$tidal" wordcount "$tmp/nope.txt" 2> "$tmp/err" >/dev/null
rc=$?
[ $rc -eq 1 ] || fail "missing file exited $rc"
grep -q "cannot open '$tmp/nope.txt'" "$tmp/err" || fail "missing file message: $(cat "$tmp/err")"

# Not UTF-8: refused with the offset.
printf 'ok \xff bad\n' > "$tmp/bin"
"$tidal" wordcount "$tmp/bin" 2> "$tmp/err" >/dev/null
rc=$?
[ $rc -eq 1 ] || fail "non-UTF-8 file exited $rc"
grep -q "not UTF-8.*offset 3" "$tmp/err" || fail "non-UTF-8 message: $(cat "$tmp/err")"

# Bad options: usage, exit 2.
for args in "-w 0" "-w x" "--top" "--top -1" "--bogus" "--batch-bytes 0"; do
  # shellcheck disable=SC2086
  "$tidal" wordcount $args "$tmp/t" >/dev/null 2>&1
  rc=$?
  [ $rc -eq 2 ] || fail "'$args' exited $rc, expected 2"
done
echo ok
