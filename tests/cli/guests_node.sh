#!/usr/bin/env bash
# guests_node.sh — runs each example guest (built by CMake into $TIDAL_BUILD_DIR/examples/guests)
# in Node's V8 through tests/guests/run_guest.mjs, on small, empty, non-ASCII, long and many-row
# batches, and checks the decoded outputs against expectations computed independently (by hand
# or by a few lines of JavaScript here), using the independent codec tests/guests/codec.mjs.
# Also checks the codec against the spec's vectors, malformed and fuzzed input being refused with
# a message (never a trap), the SDK's other paths (sdk_probe), and that the C and Rust tally guests
# give byte-identical outputs.
# Exit 77 (skipped, see SKIP_RETURN_CODE in CMakeLists.txt) if node or the guests are missing.
set -euo pipefail

command -v node >/dev/null 2>&1 || { echo "SKIP: node not found (apt-get install nodejs)"; exit 77; }
: "${TIDAL_BUILD_DIR:?}" "${TIDAL_SOURCE_DIR:?}"
G=$TIDAL_BUILD_DIR/examples/guests
H=$TIDAL_SOURCE_DIR/tests/guests
for g in lowercase stopwords tally split_words; do # sdk_probe.wasm is built along with them
  [ -f "$G/$g.wasm" ] || { echo "SKIP: $G/$g.wasm not built (no clang/wasm-ld for wasm32?)"; exit 77; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The codec must agree with the Rust crate's own bytes before it can judge anything.
if [ -n "${TIDAL_SHARED_DIR:-}" ] && [ -f "$TIDAL_SHARED_DIR/spec/vectors/columnar-vectors.jsonl" ]; then
  node "$H/codec.mjs" selftest || fail "codec.mjs disagrees with spec/vectors"
else
  echo "note: TIDAL_SHARED_DIR not set: codec not checked against the spec's vectors"
fi

# check NAME WASM EXPORT IN_SCHEMA OUT_SCHEMA INPUT.jsonl EXPECTED.jsonl
#   queues a case; run_checks runs them all in one Node process (check_guest.mjs): encode INPUT,
#   run WASM's EXPORT 3 times on one instance (arena reuse), decode, compare with EXPECTED; it
#   leaves $T/NAME.in.bin and $T/NAME.out.bin.
check() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$G/$2.wasm" "$3" "$4" "$5" "$6" "$7" >> "$T/cases.tsv"
}
run_checks() {
  node "$H/check_guest.mjs" --cases "$T/cases.tsv" --save-dir "$T" > "$T/cases.log" 2>&1 || true
  cat "$T/cases.log"
  local want ok
  want=$(wc -l < "$T/cases.tsv")
  ok=$(grep -c '^ok: ' "$T/cases.log" || true)
  [ "$ok" -eq "$want" ] || fail "$((want - ok)) of $want guest cases failed"
  # Cross-check with tidal's own host (integrator: enable once the host can run one export):
  # while IFS=$'\t' read -r name wasm export _; do "$TIDAL_BIN" wasm run "$wasm" "$export" < "$T/$name.in.bin" | cmp -s - "$T/$name.out.bin" || fail "$name: host differs"; done < "$T/cases.tsv"
}

# refuse NAME WASM EXPORT INPUT.bin PATTERN: the guest must fail with a message matching PATTERN.
refuse() {
  local name=$1 wasm=$G/$2.wasm export=$3 input=$4 pattern=$5
  if node "$H/run_guest.mjs" "$wasm" "$export" < "$input" > /dev/null 2> "$T/err"; then
    fail "$name: malformed input accepted"; return
  fi
  grep -q -- "$pattern" "$T/err" || { fail "$name: message '$(cat "$T/err")' lacks '$pattern'"; return; }
  echo "ok: $name"
}

w() { cat > "$T/$1"; } # write a jsonl file from a heredoc

# ---- lowercase (map): (string, i64) -> (string, i64), and string -> string ----------------------
w lc.in <<'E'
["HeLLo", 1]
["WORLD ÄÖ Ünïcode", -2]
["", 3]
["already lower 123 !@#[`{", 0]
E
w lc.want <<'E'
["hello", 1]
["world ÄÖ Ünïcode", -2]
["", 3]
["already lower 123 !@#[`{", 0]
E
check lowercase lowercase lowercase "(string, i64)" "(string, i64)" "$T/lc.in" "$T/lc.want"
: > "$T/empty"
check lowercase_empty lowercase lowercase "(string, i64)" "(string, i64)" "$T/empty" "$T/empty"
w lcs.in <<'E'
"MiXeD"
""
"ÀB"
E
w lcs.want <<'E'
"mixed"
""
"Àb"
E
check lowercase_str lowercase lowercase_str string string "$T/lcs.in" "$T/lcs.want"
check lowercase_str_empty lowercase lowercase_str string string "$T/empty" "$T/empty"

# Long strings and many rows, expectations by an independent ASCII-only lowercase in JavaScript.
node - "$T" <<'E'
const fs = require("fs"), T = process.argv[2];
const lower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
let seed = 12345; const rnd = (n) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
const alpha = Array.from("ABCXYZabcxyz @[`{ÉéΩ🙂\t"); // code points, not UTF-16 units
const word = (n) => Array.from({ length: n }, () => alpha[rnd(alpha.length)]).join("");
const long = [[word(100000), 7], ["Z".repeat(70000), -1]];
const many = Array.from({ length: 5000 }, (_, i) => [word(rnd(12)), i - 2500]);
for (const [name, rows] of [["long", long], ["many", many]]) {
  fs.writeFileSync(`${T}/${name}.in`, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  fs.writeFileSync(`${T}/${name}.lc`, rows.map(([s, d]) => JSON.stringify([lower(s), d]).replace(",", ", ") + "\n").join(""));
  fs.writeFileSync(`${T}/${name}.tally`, rows.map(([s, d]) => (BigInt(Buffer.byteLength(s)) + BigInt(d) + (1n << 64n)) % (1n << 64n) + "\n").join(""));
  fs.writeFileSync(`${T}/${name}.split`, rows.flatMap(([s, d]) => s.split(/[ \t\n\v\f\r]+/).filter(Boolean).map((x) => JSON.stringify([x, d]).replace(",", ", ") + "\n")).join(""));
}
E
check lowercase_long lowercase lowercase "(string, i64)" "(string, i64)" "$T/long.in" "$T/long.lc"
check lowercase_many lowercase lowercase "(string, i64)" "(string, i64)" "$T/many.in" "$T/many.lc"

# ---- stopwords (filter): (string, i64) -> bool ------------------------------------------------
w sw.in <<'E'
["dataflow", 1]
["the", 1]
["The", 1]
["a", 2]
["", 0]
["there", 5]
["theirs", 5]
E
w sw.want <<'E'
true
false
true
false
true
false
true
E
check stopwords stopwords stopwords "(string, i64)" bool "$T/sw.in" "$T/sw.want"
check stopwords_empty stopwords stopwords "(string, i64)" bool "$T/empty" "$T/empty"
# 130 rows: two full bool words plus a 2-bit tail; every third row a stopword.
for i in $(seq 0 129); do
  if [ $((i % 3)) -eq 0 ]; then echo '["and", 1]' >> "$T/sw130.in"; echo false >> "$T/sw130.want"
  else echo "[\"word$i\", 1]" >> "$T/sw130.in"; echo true >> "$T/sw130.want"; fi
done
check stopwords_130 stopwords stopwords "(string, i64)" bool "$T/sw130.in" "$T/sw130.want"

# ---- tally (column update): (string, i64) -> u64 ----------------------------------------------
w ta.in <<'E'
["abc", 5]
["", -1]
["é", 0]
["hello world", -11]
E
w ta.want <<'E'
8
18446744073709551615
2
0
E
check tally tally tally "(string, i64)" u64 "$T/ta.in" "$T/ta.want"
check tally_empty tally tally "(string, i64)" u64 "$T/empty" "$T/empty"
check tally_long tally tally "(string, i64)" u64 "$T/long.in" "$T/long.tally"
check tally_many tally tally "(string, i64)" u64 "$T/many.in" "$T/many.tally"

# ---- split_words (flat_map): (string, i64) -> (string, i64) -----------------------------------
printf '%s\n' '["a  b\tc", 2]' '["", 1]' '["   ", 4]' '["  lead trail  ", -1]' \
  '["naïve café\r\nx\u000by\fz", 3]' > "$T/sp.in"
printf '%s\n' '["a", 2]' '["b", 2]' '["c", 2]' '["lead", -1]' '["trail", -1]' \
  '["naïve", 3]' '["café", 3]' '["x", 3]' '["y", 3]' '["z", 3]' > "$T/sp.want"
check split_words split_words split_words "(string, i64)" "(string, i64)" "$T/sp.in" "$T/sp.want"
check split_words_empty split_words split_words "(string, i64)" "(string, i64)" "$T/empty" "$T/empty"
check split_words_long split_words split_words "(string, i64)" "(string, i64)" "$T/long.in" "$T/long.split"
check split_words_many split_words split_words "(string, i64)" "(string, i64)" "$T/many.in" "$T/many.split"

run_checks

# ---- module shape: no imports, and wabt (what tidal's host uses) accepts every module ----------
for f in "$G"/*.wasm; do
  n=$(node -e 'const fs = require("fs"); console.log(WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(process.argv[1]))).length)' "$f")
  [ "$n" = 0 ] || fail "$(basename "$f") has $n imports (examples must have none)"
  if command -v wasm2c > /dev/null 2>&1; then
    wasm-validate "$f" && wasm2c "$f" -o "$T/w2c.c" || fail "$(basename "$f") rejected by wabt"
  fi
done
echo "ok: module shape"

# ---- describe -----------------------------------------------------------------------------------
got=$(node "$H/run_guest.mjs" "$G/lowercase.wasm" --describe)
[ "$got" = $'lowercase: (string, i64) -> (string, i64)\nlowercase_str: string -> string' ] ||
  fail "lowercase describe: $got"
for g in stopwords:bool tally:u64 "split_words:(string, i64)"; do
  got=$(node "$H/run_guest.mjs" "$G/${g%%:*}.wasm" --describe)
  [ "$got" = "${g%%:*}: (string, i64) -> ${g#*:}" ] || fail "${g%%:*} describe: $got"
done

# ---- malformed input is refused with a message, never indexed ---------------------------------
printf 'abcdefg' > "$T/bad_len.bin"
refuse bad_length tally tally "$T/bad_len.bin" "not a multiple of 8"
printf '[1]\n[2]\n' | node "$H/codec.mjs" encode "(u64,)" > "$T/one_slice.bin"
refuse wrong_slice_count lowercase lowercase "$T/one_slice.bin" "slice count differs from schema"
# (string, i64) with decreasing bounds: bounds [5, 2], bytes "hello", diffs [1, 1].
node -e '
const b = Buffer.alloc(32 + 16 + 8 + 16);
const w = (o, v) => b.writeBigUInt64LE(BigInt(v), o);
w(0, 32); w(8, 48); w(16, 53); w(24, 72);
w(32, 5); w(40, 2); b.write("hello", 48); w(56, 1); w(64, 1);
process.stdout.write(b);' > "$T/bad_bounds.bin"
refuse bounds_decrease lowercase lowercase "$T/bad_bounds.bin" "string bounds decrease"
refuse bounds_decrease_tally tally tally "$T/bad_bounds.bin" "string bounds decrease"
# End offset beyond the buffer.
node -e '
const b = Buffer.alloc(40);
const w = (o, v) => b.writeBigUInt64LE(BigInt(v), o);
w(0, 32); w(8, 32); w(16, 4096); w(24, 32);
process.stdout.write(b);' > "$T/bad_end.bin"
refuse end_beyond_buffer split_words split_words "$T/bad_end.bin" "bad end offset of slice 1"

# ---- corrupted input: never a trap, refused unless a lenient reader accepts it ----------------
node "$H/fuzz_guests.mjs" "$G" 1000 1 && echo "ok: fuzz_guests" || fail "fuzz_guests.mjs"

# ---- the SDK's own paths, through the test guest tests/guests/sdk_probe.c --------------------
if [ -f "$TIDAL_BUILD_DIR/tests/guests/sdk_probe.wasm" ]; then
  node "$H/sdk_probe_test.mjs" "$TIDAL_BUILD_DIR/tests/guests/sdk_probe.wasm" && echo "ok: sdk_probe" ||
    fail "sdk_probe_test.mjs"
else
  fail "tests/guests/sdk_probe.wasm not built"
fi

# ---- the Rust tally (if built) gives the same bytes as the C one ------------------------------
if [ -f "$G/tally_rs.wasm" ]; then
  for f in tally tally_empty tally_long tally_many; do # encodings saved by check above
    node "$H/run_guest.mjs" "$G/tally_rs.wasm" tally --repeat 3 < "$T/$f.in.bin" > "$T/rs.out" ||
      { fail "tally_rs failed on $f"; continue; }
    cmp -s "$T/$f.out.bin" "$T/rs.out" && echo "ok: tally_rs == tally on $f" || fail "tally_rs differs on $f"
  done
  refuse bounds_decrease_rust tally_rs tally "$T/bad_bounds.bin" "string bounds"
  node "$H/fuzz_guests.mjs" "$G" 1000 2 tally=tally_rs && echo "ok: fuzz tally_rs" || fail "fuzz tally_rs"
else
  echo "note: tally_rs.wasm not built (no Debian rustc for wasm32): Rust cross-check skipped"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all guest checks passed"
