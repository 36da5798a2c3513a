#!/usr/bin/env bash
# wasm.sh: `tidal wasm compile|inspect` end to end: compile fills the cache, a second compile
# compiles nothing, inspect shows the operators, bad modules fail with a clear message.
set -euo pipefail
bin=${TIDAL_BIN:?}
mods=${TIDAL_BUILD_DIR:?}/tests/wasm
if [ ! -d "$mods" ]; then echo "skipped: built without WASM (TIDAL_ENABLE_WASM=OFF)"; exit 77; fi
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

out=$("$bin" wasm compile --cache-dir "$cache" "$mods/ok.wasm")
echo "$out" | grep -q "^$cache/wasm-v1/[0-9a-f]\{32\}\.so$" || { echo "no cache path: $out"; exit 1; }
echo "$out" | grep -q "^compiled in" || { echo "first compile did not compile: $out"; exit 1; }
so=$(echo "$out" | head -1)
test -f "$so"

out=$("$bin" wasm compile --cache-dir "$cache" "$mods/ok.wasm")
echo "$out" | grep -q "cached (nothing compiled)" || { echo "second compile recompiled: $out"; exit 1; }

out=$("$bin" wasm inspect --cache-dir "$cache" "$mods/ok.wasm")
for want in "abi:        tidal 1" "operators:  7" "  echo: (string, i64) -> (string, i64)" \
            "imports:    tidal.log" "1 pages initial, 256 maximum" "(hit)"; do
  echo "$out" | grep -qF -- "$want" || { echo "inspect lacks '$want':"; echo "$out"; exit 1; }
done

# XDG_CACHE_HOME is where the CLI puts the cache by default.
XDG_CACHE_HOME="$cache/xdg" "$bin" wasm compile "$mods/ok.wasm" | grep -q "^$cache/xdg/tidal/wasm-v1/"

set +e
err=$("$bin" wasm inspect --cache-dir "$cache" "$mods/bad_import.wasm" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "bad_import: exit $rc"; exit 1; }
echo "$err" | grep -q "env.system" || { echo "bad_import message: $err"; exit 1; }

printf 'garbage' > "$cache/garbage.wasm"
set +e
err=$("$bin" wasm compile --cache-dir "$cache" "$cache/garbage.wasm" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && echo "$err" | grep -q "not a WebAssembly module" || { echo "garbage: $rc $err"; exit 1; }

set +e
"$bin" wasm run >/dev/null 2>&1; rc=$?
set -e
[ "$rc" -eq 2 ]
echo "ok"
