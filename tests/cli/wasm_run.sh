#!/usr/bin/env bash
# wasm_run.sh: `tidal wasm run` end to end with every example guest in its mode (expected rows
# written here by hand), the error paths (one clear line on stderr, exit 1, nothing on stdout), and
# `tidal wordcount --wasm` agreeing with the same counts computed by sort/uniq on lowercased words.
set -uo pipefail
tidal=${TIDAL_BIN:?}
build=${TIDAL_BUILD_DIR:?}
G="$build/examples/guests"
W="$build/tests/wasm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
export XDG_CACHE_HOME="$build/wasm-test-cache-cli"
fail() { echo "FAIL: $*"; exit 1; }
for g in lowercase stopwords tally split_words; do
  [ -f "$G/$g.wasm" ] || { echo "skip: $G/$g.wasm not built (no wasm32 clang)"; exit 77; }
done

run() { "$tidal" wasm run "$@"; }

# map: lowercase (the i64 column passes through), over several batches.
printf '["Hello World", 1]\n["ABC", 2]\n\n["Ünï", -3]\n["x", 9223372036854775807]\n' > "$tmp/in"
out=$(run "$G/lowercase.wasm" lowercase --schema '(string, i64)' --batch-rows 2 < "$tmp/in") \
  || fail "lowercase failed"
want='["hello world",1]
["abc",2]
["Ünï",-3]
["x",9223372036854775807]'
[ "$out" = "$want" ] || fail "lowercase gave: $out"
# lowercase_str on a bare string column; the schema defaults to the export's declared input.
out=$(printf '"MiXeD"\n""\n' | run "$G/lowercase.wasm" lowercase_str) || fail "lowercase_str failed"
[ "$out" = "$(printf '"mixed"\n""')" ] || fail "lowercase_str gave: $out"

# filter: stopwords keeps the rows whose bit is set.
out=$(printf '["the", 1]\n["cat", 2]\n["and", 3]\n["The", 4]\n' \
      | run "$G/stopwords.wasm" stopwords --mode filter) || fail "stopwords failed"
[ "$out" = "$(printf '["cat",2]\n["The",4]')" ] || fail "stopwords gave: $out"

# column update: tally's u64 overwrites the i64 diff (field 1): len(word) + diff.
out=$(printf '["abc", 1]\n["", -5]\n["hello", 10]\n' | run "$G/tally.wasm" tally --mode update:1) \
  || fail "tally failed"
[ "$out" = "$(printf '["abc",4]\n["",-5]\n["hello",15]')" ] || fail "tally gave: $out"

# flat_map: split_words, one batch per line.
out=$(printf '["a bb  c", 1]\n["", 2]\n["\\tdd\\n", 3]\n' \
      | run "$G/split_words.wasm" split_words --mode flat_map --batch-rows 1) || fail "split failed"
[ "$out" = "$(printf '["a",1]\n["bb",1]\n["c",1]\n["dd",3]')" ] || fail "split_words gave: $out"

# Empty input: no batches, no output, success.
out=$(run "$G/lowercase.wasm" lowercase < /dev/null) || fail "empty input failed"
[ -z "$out" ] || fail "empty input printed: $out"

# ---- errors: exit 1, one line on stderr naming what failed, nothing on stdout ----------------
expect_err() { # expect_err PATTERN ARGS... (stdin from $tmp/err_in)
  local pat=$1; shift
  if run "$@" < "$tmp/err_in" > "$tmp/out" 2> "$tmp/err"; then fail "succeeded: $*"; fi
  [ -s "$tmp/out" ] && fail "printed output on failure: $* -> $(cat "$tmp/out")"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "not one line on stderr: $(cat "$tmp/err")"
  grep -q -- "$pat" "$tmp/err" || fail "'$pat' not in: $(cat "$tmp/err")"
}
printf '1\n2\n3\n' > "$tmp/err_in"
# A trap in the second batch: earlier batches' output is not printed either.
expect_err "export 'stamp_fail2'.*at time 1.*unreachable" "$W/op_hostile.wasm" stamp_fail2 --batch-rows 1
expect_err "module '$W/op_hostile.wasm'" "$W/op_hostile.wasm" div0
expect_err "integer divide by zero" "$W/op_hostile.wasm" div0
expect_err "deadline" "$W/../wasm/traps.wasm" spin --deadline-ms 50 --schema u64
expect_err "not a valid encoding of u64" "$W/op_hostile.wasm" bad_bytes
expect_err "0 rows but the input had 3" "$W/op_hostile.wasm" zero_rows
expect_err "schema mismatch.*u64.*(string, i64)" "$G/lowercase.wasm" lowercase --schema u64
expect_err "no operator 'nope'" "$G/lowercase.wasm" nope
expect_err "import" "$W/bad_import.wasm" x
expect_err "SIMD" "$W/simd.wasm" x
head -c 30 "$G/lowercase.wasm" > "$tmp/cut.wasm"
expect_err "cut.wasm" "$tmp/cut.wasm" lowercase
printf '["a", 1]\n' > "$tmp/err_in"
# A wrong --schema is reported as a mismatch before any row is read (not as a JSON error).
expect_err "schema mismatch.*u64.*(string, i64)" "$G/stopwords.wasm" stopwords --schema u64
expect_err "needs output bool" "$G/lowercase.wasm" lowercase --schema '(string, i64)' --mode filter
expect_err "no field 'diff'" "$G/tally.wasm" tally --mode update:diff
printf '["a", 1]\n[1, 2]\n' > "$tmp/err_in"
expect_err "stdin line 2" "$G/lowercase.wasm" lowercase
printf '["a", 1]\n' > "$tmp/err_in"
expect_err "unknown mode 'sideways'" "$G/lowercase.wasm" lowercase --mode sideways

# --continue: the failing batch is dropped and reported, the others printed, exit status 1.
printf '1\n2\n3\n' > "$tmp/err_in"
if run "$W/op_hostile.wasm" stamp_fail2 --batch-rows 1 --continue < "$tmp/err_in" > "$tmp/out" 2> "$tmp/err"; then
  fail "--continue with a failed batch exited 0"
fi
[ "$(cat "$tmp/out")" = "$(printf '1\n1')" ] || fail "--continue printed: $(cat "$tmp/out")"
grep -q "1 of 3 batches failed" "$tmp/err" || fail "--continue: $(cat "$tmp/err")"

# ---- word count with a WASM stage -------------------------------------------------------------
corpus="${TIDAL_SOURCE_DIR:?}/corpus/words.txt"
tr 'A-Z' 'a-z' < "$corpus" | tr -s ' \t\r\v\f' '\n' | grep -v '^$' | sort | uniq -c \
  | awk '{print $2 "\t" $1}' | sort > "$tmp/want"
for w in 1 2; do
  "$tidal" wordcount -w $w --wasm "$G/lowercase.wasm:lowercase" "$corpus" | sort > "$tmp/got" \
    || fail "wordcount --wasm -w $w failed"
  cmp -s "$tmp/got" "$tmp/want" || fail "wordcount --wasm lowercase -w $w differs from tr|sort|uniq"
done
# The stopwords filter drops exactly the stopwords' lines of the plain count.
"$tidal" wordcount -w 2 "$corpus" > "$tmp/plain" || fail "plain wordcount failed"
"$tidal" wordcount -w 2 --wasm "$G/stopwords.wasm:stopwords:filter" "$corpus" > "$tmp/filtered" \
  || fail "wordcount --wasm stopwords failed"
grep -v -E '^(a|an|and|are|as|at|be|but|by|for|if|in|into|is|it|no|not|of|on|or|such|that|the|their|then|there|these|they|this|to|was|will|with)	' \
  "$tmp/plain" > "$tmp/want2"
cmp -s "$tmp/filtered" "$tmp/want2" || fail "wordcount --wasm stopwords:filter differs"
# A failing stage stops word count with a clear error and no output.
if "$tidal" wordcount --wasm "$W/op_hostile.wasm:div0" "$corpus" > "$tmp/out" 2> "$tmp/err"; then
  fail "wordcount with a mismatched stage succeeded"
fi
[ -s "$tmp/out" ] && fail "wordcount printed output on failure"
grep -q "schema mismatch" "$tmp/err" || fail "wordcount stage error: $(cat "$tmp/err")"
"$tidal" wordcount --wasm "$G/lowercase.wasm" "$corpus" > /dev/null 2> "$tmp/err" \
  && fail "--wasm without :EXPORT accepted"
grep -q "MODULE.wasm:EXPORT" "$tmp/err" || fail "--wasm usage: $(cat "$tmp/err")"
echo "ok"
