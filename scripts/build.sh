#!/usr/bin/env bash
# Builds the npm package in pkg/: the wasm module (release profile), its JS glue and
# TypeScript declarations (wasm-bindgen --target web), then shrinks the module with
# wasm-opt -Oz. Prints the raw and gzip sizes of what ships.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Quiet when everything is installed; makes `npm run build` work on a fresh clone.
bash scripts/setup.sh

target_dir="${CARGO_TARGET_DIR:-target}"
wasm="$target_dir/wasm32-unknown-unknown/release/frappe_realtime.wasm"
out=pkg

cargo build --release --target wasm32-unknown-unknown --lib
wasm-bindgen --target web --out-dir "$out" "$wasm"

# The features rustc emits for wasm32 (see docs/toolchain.md); without them wasm-opt
# rejects the module.
wasm_features=(
    --enable-bulk-memory
    --enable-nontrapping-float-to-int
    --enable-sign-ext
    --enable-mutable-globals
    --enable-reference-types
    --enable-multivalue
)
bg="$out/frappe_realtime_bg.wasm"
# --strip-producers drops the toolchain-version section (~110 B); no debug info survives -Oz.
node_modules/.bin/wasm-opt -Oz "${wasm_features[@]}" --strip-producers "$bg" -o "$bg.opt"
mv "$bg.opt" "$bg"

size_line() {
    printf '%-32s %8d B raw %8d B gzip\n' "$1" "$(wc -c <"$1")" "$(gzip -9 -c "$1" | wc -c)"
}
echo "sizes:"
size_line "$bg"
size_line "$out/frappe_realtime.js"
# The script-tag file dist/frappe-realtime.js: one IIFE with the wasm inlined (esbuild).
bash scripts/build-dist.sh
