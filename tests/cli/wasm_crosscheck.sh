#!/usr/bin/env bash
# wasm_crosscheck.sh: the same guest on the same input bytes gives the same output bytes in tidal
# (wasm2c + tidal's runtime: `tidal wasm run --raw`) and in Node's V8 (tests/guests/run_guest.mjs),
# for every example guest and several inputs (small, empty, non-ASCII, thousands of rows). Inputs
# are encoded by the independent JavaScript codec (tests/guests/codec.mjs). For map and flat_map
# exports the row path (`tidal wasm run` over JSON through a dataflow) must also print exactly the
# rows the codec decodes from Node's output.
set -uo pipefail
tidal=${TIDAL_BIN:?}
build=${TIDAL_BUILD_DIR:?}
src=${TIDAL_SOURCE_DIR:?}
G="$build/examples/guests"
H="$src/tests/guests"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
export XDG_CACHE_HOME="$build/wasm-test-cache-cli"
fail() { echo "FAIL: $*"; exit 1; }
command -v node > /dev/null || { echo "skip: node not installed"; exit 77; }
for g in lowercase stopwords tally split_words; do
  [ -f "$G/$g.wasm" ] || { echo "skip: $G/$g.wasm not built"; exit 77; }
done

# Inputs (JSON rows) for (string, i64) and string.
printf '["Hello World", 1]\n["ABC", 2]\n["the", -3]\n' > "$tmp/small.si"
: > "$tmp/empty.si"
printf '["Ünïcödé ÀÉ", 5]\n["日本語 TEXT", 6]\n["  lead and trail  ", 7]\n["", 8]\n' > "$tmp/utf8.si"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "[\"Word%d The AND x%d\", %d]\n", i % 97, i, i - 2500 }' \
  > "$tmp/many.si"
printf '"MiXeD"\n""\n"Ünï ABC"\n' > "$tmp/small.s"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "\"ROW %d of MANY\"\n", i }' > "$tmp/many.s"

# guest export schema mode output-schema inputs...
checks=(
  "lowercase lowercase (string,i64) map (string,i64) small.si empty.si utf8.si many.si"
  "lowercase lowercase_str string map string small.s many.s"
  "stopwords stopwords (string,i64) filter bool small.si empty.si utf8.si many.si"
  "tally tally (string,i64) update:1 u64 small.si empty.si utf8.si many.si"
  "split_words split_words (string,i64) flat_map (string,i64) small.si empty.si utf8.si many.si"
)
# The hand-written SWAR guest of bench_wasm_ops (in place in its input buffer).
[ -f "$build/tests/wasm/lower_swar.wasm" ] &&
  checks+=("$build/tests/wasm/lower_swar lowercase (string,i64) map (string,i64) small.si empty.si utf8.si many.si")
[ -f "$G/tally_rs.wasm" ] && checks+=("tally_rs tally (string,i64) update:1 u64 small.si utf8.si many.si")

# One Node process encodes every input, runs every guest and decodes every output.
: > "$tmp/plan"
for c in "${checks[@]}"; do
  read -r guest export schema mode oschema inputs <<< "$c"
  case $guest in */*) wasm=$guest.wasm; guest=$(basename "$guest") ;; *) wasm=$G/$guest.wasm ;; esac
  for input in $inputs; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$wasm" "$export" "$schema" "$oschema" \
      "$tmp/$input" "$tmp/$guest.$export.$input" >> "$tmp/plan"
  done
done
node "$src/tests/cli/wasm_crosscheck_node.mjs" "$tmp/plan" || fail "the Node side failed"

# Rows printed by tidal as JSON, normalized to the codec's spacing ("[a, b]"; no input string
# above contains a comma).
norm() { sed -e 's/,/, /g' -e 's/,  /, /g' "$1"; }
n=0
for c in "${checks[@]}"; do
  read -r guest export schema mode oschema inputs <<< "$c"
  case $guest in */*) wasm=$guest.wasm; guest=$(basename "$guest") ;; *) wasm=$G/$guest.wasm ;; esac
  for input in $inputs; do
    p="$tmp/$guest.$export.$input"
    "$tidal" wasm run --raw --schema "$schema" "$wasm" "$export" < "$p.in.bin" \
      > "$p.tidal.bin" || fail "tidal --raw: $guest/$export on $input"
    cmp -s "$p.node.bin" "$p.tidal.bin" \
      || fail "$guest/$export on $input: tidal's output bytes differ from Node's"
    if [ "$mode" = map ] || [ "$mode" = flat_map ]; then
      "$tidal" wasm run --schema "$schema" --mode "$mode" --batch-rows 100000 \
        "$wasm" "$export" < "$tmp/$input" > "$p.tidal.jsonl" \
        || fail "tidal rows: $guest/$export on $input"
      cmp -s "$p.node.jsonl" <(norm "$p.tidal.jsonl") \
        || fail "$guest/$export on $input: rows differ: $(diff "$p.node.jsonl" <(norm "$p.tidal.jsonl") | head -5)"
    fi
    n=$((n + 1))
  done
done
echo "ok: $n guest/input pairs identical in tidal and Node"
