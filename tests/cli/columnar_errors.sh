#!/usr/bin/env bash
# columnar_errors.sh: malformed input to `tidal columnar` (bad JSON, values that do not fit the
# schema, bad hex, short or corrupt bytes, a bad schema, a missing file, a full disk, a closed pipe)
# must exit non-zero with exactly one stderr line naming the problem and where, and write nothing
# to stdout. Also checks the documented input conventions (blank lines, CRLF, stdin '-').
set -uo pipefail
: "${TIDAL_BIN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_fail CODE REGEX INPUT -- ARGS...: run with INPUT on stdin; check code, one stderr line
# matching REGEX, empty stdout.
expect_fail() {
  local code=$1 re=$2 input=$3; shift 4
  printf '%s' "$input" | "$TIDAL_BIN" columnar "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  local lines; lines=$(wc -l <"$T/err")
  if [ "$rc" -ne "$code" ]; then bad "$* : exit $rc, expected $code ($(cat "$T/err"))"; return; fi
  if [ -s "$T/out" ]; then bad "$* : wrote $(wc -c <"$T/out") bytes to stdout on failure"; fi
  if [ "$code" -eq 1 ] && [ "$lines" -ne 1 ]; then bad "$* : $lines stderr lines: $(cat "$T/err")"; fi
  if ! grep -Eq -- "$re" "$T/err"; then bad "$* : stderr '$(cat "$T/err")' does not match /$re/"; fi
}
expect_ok() {
  local want=$1 input=$2; shift 3
  local got; got=$(printf '%s' "$input" | "$TIDAL_BIN" columnar "$@" 2>"$T/err")
  local rc=$?
  if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
    bad "$* : exit $rc, got '$got', expected '$want' ($(cat "$T/err"))"
  fi
}

U64_HEX=10000000000000002800000000000000010000000000000002000000000000000300000000000000

# ---- JSON input -------------------------------------------------------------------------------
expect_fail 1 '<stdin>:3:' $'1\n2\nxx\n' -- encode --schema u64
expect_fail 1 '<stdin>:2:' $'1\n300\n' -- encode --schema u8
expect_fail 1 '<stdin>:1:' $'-1\n' -- encode --schema u64
expect_fail 1 '<stdin>:1:' $'"a"\n' -- encode --schema u64
expect_fail 1 '<stdin>:1:' $'["x"]\n' -- encode --schema '(string, i64)'
expect_fail 1 '<stdin>:1:' $'["x", 1, 2]\n' -- encode --schema '(string, i64)'
expect_fail 1 '<stdin>:2:' $'{"text": "a", "diff": 1}\n{"text": "a"}\n' -- encode --schema '{text: string, diff: i64}'
expect_fail 1 '<stdin>:1:' $'"Purple"\n' -- encode --schema 'enum{Red, Green, Blue}'
expect_fail 1 '<stdin>:1:' $'1 2\n' -- encode --schema u64
expect_fail 1 '<stdin>:4:' $'1\n\n2\n{\n' -- encode --schema u64
printf '1\n2\n[1,\n' >"$T/bad.jsonl"
expect_fail 1 'bad\.jsonl:3:' '' -- encode --schema u64 "$T/bad.jsonl"

# ---- schema, files, usage ---------------------------------------------------------------------
expect_fail 1 'bad schema' $'1\n' -- encode --schema 'vec<u8'
expect_fail 1 'bad schema' $'1\n' -- encode --schema 'u65'
expect_fail 1 'bad schema' '' -- decode --schema '' --hex
expect_fail 1 "cannot open '$T/nope'" '' -- decode --schema u64 "$T/nope"
expect_fail 1 "cannot read '$T': Is a directory" '' -- decode --schema u64 "$T"
expect_fail 2 'schema is required' '' -- encode
expect_fail 2 'unknown subcommand' '' -- frobnicate --schema u64
expect_fail 2 'unknown option' '' -- encode --schema u64 --bogus
expect_fail 2 'more than one input' '' -- encode --schema u64 a b

# ---- hex and bytes ----------------------------------------------------------------------------
expect_fail 1 "bad hex: character 'z' at offset 2" 'a0zz' -- decode --schema u64 --hex
expect_fail 1 'bad hex: odd number of digits' 'a0b' -- decode --schema u64 --hex
expect_fail 1 'empty input' '' -- decode --schema u64 --hex
expect_fail 1 'invalid batch' '10000000000000' -- decode --schema u64 --hex
expect_fail 1 'invalid batch' "${U64_HEX:0:64}" -- decode --schema u64 --hex
# the header's end offset of slice 0 points past the end (0x28 -> 0x30)
expect_fail 1 'invalid batch.*slice 0' "${U64_HEX:0:16}3000000000000000${U64_HEX:32}" -- decode --schema u64 --hex
# a u64 batch read as (string, i64): wrong slice count
expect_fail 1 'invalid batch' "$U64_HEX" -- decode --schema '(string, i64)' --hex
expect_fail 1 'invalid batch' "$U64_HEX" -- inspect --schema 'vec<u8>' --hex
printf '\x10\x00\x00' >"$T/short.bin"
expect_fail 1 'short\.bin: invalid batch' '' -- decode --schema u64 "$T/short.bin"

# ---- conventions that succeed -----------------------------------------------------------------
expect_ok "$U64_HEX" $'1\n\n  \n2\r\n3' -- encode --schema u64 --hex
expect_ok "$U64_HEX" $'1\n2\n3\n' -- encode --schema u64 --hex -
expect_ok $'1\n2\n3' "$U64_HEX" -- decode --schema u64 --hex
expect_ok $'1\n2\n3' "${U64_HEX^^}"$'\n\n' -- decode --schema u64 --hex
expect_ok "10000000000000001000000000000000" '' -- encode --schema u64 --hex

# ---- write errors: a full disk and a closed pipe ----------------------------------------------
if [ -w /dev/full ]; then
  printf '1\n2\n' | "$TIDAL_BIN" columnar encode --schema u64 >/dev/full 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q 'error writing output: No space left on device' "$T/err" ||
    bad "/dev/full encode: exit $rc, stderr '$(cat "$T/err")'"
  printf '%s' "$U64_HEX" | "$TIDAL_BIN" columnar decode --schema u64 --hex >/dev/full 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q 'No space left' "$T/err" || bad "/dev/full decode: exit $rc"
fi
# ~2 MB of output into a pipe whose reader leaves after one byte: EPIPE must be reported.
python3 -c 'import sys; sys.stdout.write("".join("%d\n" % i for i in range(200000)))' >"$T/many.jsonl"
"$TIDAL_BIN" columnar encode --schema u64 --hex "$T/many.jsonl" 2>"$T/err" | head -c 1 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 1 ] && grep -q 'error writing output: Broken pipe' "$T/err" ||
  bad "closed pipe: exit $rc, stderr '$(cat "$T/err")'"

# ---- inspect shows the slice plan -------------------------------------------------------------
out=$(printf '["hello", 1]\n["world", -2]\n' | "$TIDAL_BIN" columnar encode --schema '(string, i64)' |
      "$TIDAL_BIN" columnar inspect --schema '(string, i64)')
for want in 'rows: 2' 'slices: 3' 'bounds' 'bytes' 'values' '\["hello",1\]|\["hello", 1\]'; do
  grep -Eq -- "$want" <<<"$out" || bad "inspect output lacks /$want/: $out"
done
# a valid but non-canonical batch: string bounds [1] over the bytes "ab" (one byte unreferenced)
out=$(printf '%s' 18000000000000002000000000000000220000000000000001000000000000006162000000000000 |
      "$TIDAL_BIN" columnar inspect --schema string --hex)
grep -q 'canonical: no' <<<"$out" && grep -q '0: "a"' <<<"$out" || bad "non-canonical inspect: $out"
out=$(printf '1\n2\n3\n' | "$TIDAL_BIN" columnar encode --schema u64 | "$TIDAL_BIN" columnar inspect --schema u64 --rows 1)
grep -q "canonical: yes" <<<"$out" || bad "inspect canonical: $out"
grep -q "first 1 rows" <<<"$out" || bad "inspect --rows 1: $out"

echo "$fails failures"
[ "$fails" -eq 0 ]
