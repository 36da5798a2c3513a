#!/usr/bin/env bash
# fuzz.sh: build the libFuzzer targets (clang, ASan+UBSan, like `make fuzz`) and run the columnar
# view target for N seconds (default 60) on a corpus seeded from the spec vectors.
#
#   scripts/fuzz.sh [SECONDS] [libFuzzer args...]
#   FUZZ_BUILD_DIR=dir  build folder (default build-fuzz); corpus in $FUZZ_BUILD_DIR/corpus,
#                       crashes in $FUZZ_BUILD_DIR/artifacts
#   FUZZ_JOBS=n         parallel fuzzing jobs (default 1; the CI machine has 2 cores)
#   FUZZ_CFLAGS=...     extra compiler flags, e.g. -fno-sanitize=pointer-overflow to fuzz past a
#                       known finding (docs/columnar-cli.md)
#
# Exit status: 0 when the run ends without a finding, non-zero (libFuzzer's) otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
build=${FUZZ_BUILD_DIR:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz.sh: clang not found (apt-get install clang)" >&2; exit 1; }

CC=clang cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTIDAL_FUZZ=ON \
  -DTIDAL_SANITIZE=address -DTIDAL_FUZZ_CFLAGS="${FUZZ_CFLAGS:-}" >/dev/null
cmake --build "$build" --target fuzz_columnar_view tidal -j "${FUZZ_BUILD_JOBS:-2}" >/dev/null

# Seeds: one file per spec vector and one empty batch per schema of the target's list (the list is
# read from the target's source so the byte-to-schema map has a single home).
seeds="$build/seeds/columnar_view"
corpus="$build/corpus/columnar_view"
artifacts="$build/artifacts/"
mkdir -p "$seeds" "$corpus" "$artifacts"
python3 - fuzz/columnar_view.c "${TIDAL_SHARED_DIR:-../shared}/spec/vectors/columnar-vectors.jsonl" \
  "$build/tidal" "$seeds" <<'PY'
import json, os, re, subprocess, sys
src, vectors, tidal, out = sys.argv[1:5]
text = open(src).read()
body = text[text.index("schemas[] = {"):text.index("};", text.index("schemas[] = {"))]
schemas = [json.loads('"%s"' % s) for s in re.findall(r'^\s*"((?:[^"\\]|\\.)*)",', body, re.M)]
def seed(i, raw, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([i]) + raw)
n = 0
if os.path.exists(vectors):
    for k, line in enumerate(open(vectors)):
        case = json.loads(line)
        if case["schema"] in schemas:
            i, raw = schemas.index(case["schema"]), bytes.fromhex(case["hex"])
            seed(i, raw, "vector-%02d" % k); n += 1
            # The same batch in the target's framed form: element counts, then the slices' bytes.
            words = [int.from_bytes(raw[8*j:8*j+8], "little") for j in range(raw[0] // 8)]
            starts = [words[0]] + [(e + 7) & ~7 for e in words[1:-1]]
            sl = [raw[a:b] for a, b in zip(starts, words[1:])]
            p = subprocess.run([tidal, "columnar", "inspect", "--schema", case["schema"], "--rows", "0"],
                               input=raw, capture_output=True).stdout.decode()
            sizes = [int(m) for m in re.findall(r"^\s+\d+\s+\D+?\s+(\d+)\s+\d+\s", p, re.M)]
            if len(sizes) == len(sl) and all(len(x) // z < 256 for x, z in zip(sl, sizes)):
                seed(0x80 | i, bytes(len(x) // z for x, z in zip(sl, sizes)) + b"".join(sl),
                     "framed-%02d" % k); n += 1
for i, s in enumerate(schemas):
    p = subprocess.run([tidal, "columnar", "encode", "--schema", s], input=b"", capture_output=True)
    if p.returncode == 0:
        seed(i, p.stdout, "empty-%02d" % i); n += 1
print(f"fuzz.sh: {len(schemas)} schemas, {n} seeds", file=sys.stderr)
PY

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
par=()
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then par=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS"); fi
exec "$build/fuzz_columnar_view" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts" "${par[@]}" "$@" "$corpus" "$seeds"
