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

# --features tiny: no std in the shipped module (src/browser/tiny.rs).
cargo build --release --target wasm32-unknown-unknown --lib --features tiny
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
# --converge repeats -Oz while it still shrinks; --low-memory-unused lets it fold
# constant addresses into load/store offsets: the low 1 KB is the bottom of the stack
# (rustc lays the 1 MB stack out first), reached only by a stack overflow.
node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused "${wasm_features[@]}" --strip-producers \
    "$bg" -o "$bg.opt"
mv "$bg.opt" "$bg"

# The JS that ships from pkg/ (the wasm-bindgen glue and the glue.js snippet) is
# minified in place: esbuild, ES module kept as is (no bundling), exports unchanged.
for js in "$out/frappe_realtime.js" "$out"/snippets/*/src/browser/*.js; do
    node_modules/.bin/esbuild "$js" --minify --format=esm --legal-comments=none \
        --log-level=warning --allow-overwrite --outfile="$js"
done

size_line() {
    printf '%-32s %8d B raw %8d B gzip\n' "$1" "$(wc -c <"$1")" "$(gzip -9 -c "$1" | wc -c)"
}
echo "sizes:"
size_line "$bg"
size_line "$out/frappe_realtime.js"
# The script-tag file dist/frappe-realtime.js: one IIFE with the wasm inlined (esbuild).
bash scripts/build-dist.sh
