#!/usr/bin/env bash
# deps.sh: install the Debian packages tidal needs to build, test and run WASM operators.
# As root it runs apt-get for what is missing; otherwise it prints the exact line to run.
set -euo pipefail
pkgs=(
  gcc make cmake ninja-build pkg-config python3   # build
  libxxhash-dev                                   # exchange hashing (xxh3)
  wabt                                            # wasm2c, wasm-validate, wat2wasm (WASM host)
  clang lld wasi-libc libclang-rt-14-dev libclang-rt-14-dev-wasm32  # guests, fuzzing
  nodejs                                          # V8 cross-check of guest output
  rustc libstd-rust-dev-wasm32                    # the Rust example guest (Debian rustc 1.63)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "deps: missing packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
