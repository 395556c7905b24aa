#!/usr/bin/env bash
# Builds the npm package in pkg/: the wasm module (release profile), its JS glue and
# TypeScript declarations (wasm-bindgen --target web); shortens the names the two share
# (scripts/short-names.js), shrinks the module with wasm-opt -Oz, and bundles the glue
# with the driver's glue.js into one minified pkg/frappe_realtime.js (no snippets left), and
# bundles the package's ESM entry pkg/index.js (scripts/bundle-esm.js).
# Prints the raw and gzip sizes of what ships.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Quiet when everything is installed; makes `npm run build` work on a fresh clone.
bash scripts/setup.sh

target_dir="${CARGO_TARGET_DIR:-target}"
wasm="$target_dir/wasm32-unknown-unknown/release/frappe_realtime.wasm"
out=pkg

# --features tiny: no std in the shipped module (src/browser/tiny.rs).
# --emit-relocs: the linker keeps its symbol table and relocations in the module, for
# scripts/dead-data.js; wasm-bindgen gets a copy without them (scripts/unlinked.js).
cargo rustc --release --target wasm32-unknown-unknown --lib --features tiny -- -C link-arg=--emit-relocs
unlinked="$target_dir/unlinked/frappe_realtime.wasm"
node scripts/unlinked.js "$wasm" "$unlinked"
rm -rf "$out/snippets"
wasm-bindgen --target web --out-dir "$out" "$unlinked"
# Without the glue's code that never runs for this module (see the script).
node scripts/glue-unused.js "$out"
# Import and export names `a`, `b`, … in the module and the glue alike (~2.5 KB gzip).
node scripts/short-names.js "$out"
# The glue's state in a function, so that a trap can be followed by a fresh instance
# (scripts/glue-generations.js; www/client.js `renew`).
node scripts/glue-generations.js "$out"

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
# Functions that can only trap (core's panic functions, which build the message first)
# reduced to `unreachable`, so that wasm-opt drops what their callers pass them.
node scripts/trap-only.js "$bg"
# --strip-producers and --strip-target-features drop the toolchain-version and feature
# sections (~230 B; wasm-bindgen, which reads the features, has run); no debug info
# survives -Oz.
# --converge repeats -Oz while it still shrinks; --low-memory-unused lets it fold
# constant addresses into load/store offsets: the low 1 KB is the bottom of the stack
# (rustc lays the 1 MB stack out first), reached only by a stack overflow.
# --one-caller-inline-max-function-size 22: a function called from one place is inlined
# only when small (wasm-opt's default inlines every such function). The bigger ones stay
# functions of their own: ~1.4 KB more raw bytes but ~830 B less gzip (measured: limits
# 15 to 30 within 40 B of each other; 0, 100 and the default are worse).
# --flatten --rereloop -Oz, after the first -Oz: rebuilds each function's control flow
# and shrinks it again (~105 B less gzip). --reorder-functions-by-name then lays the
# functions out by name (~135 B less gzip when they were their Rust paths; since
# trap-only.js, which writes no names section, by binaryen's index names). The order it
# leaves is only where order-functions.js starts, whose result moves within ±70 B with
# its start: 30,442 B as is, 30,508 with the Rust names kept, 30,492 without this flag
# (docs/benchmarks.md, tenth round).
# --dae-optimizing -Oz once more after the rebuilt control flow: the arguments that the
# rereloop left constant or unused go, and their callers shrink (−71 B gzip; before the
# rereloop it finds nothing, and a second round 8 B more).
node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --one-caller-inline-max-function-size 22 --flatten --rereloop -Oz --dae-optimizing -Oz --reorder-functions-by-name "${wasm_features[@]}" --strip-producers --strip-target-features \
    "$bg" -o "$bg.opt"
mv "$bg.opt" "$bg"
# Exported functions last, at consecutive indices: keeps V8's number-to-string cache at
# its initial size when the module is instantiated (64 KB of JS heap; see the script).
node scripts/exports-last.js "$bg"
# Functions that share byte sequences side by side, where gzip finds the repeats
# (scripts/order-functions.js; ~580 B less gzip; the order is cached under the target dir).
node scripts/order-functions.js "$bg" "$target_dir/order-functions"
# The read-only data nothing refers to any more (panic messages and locations, core::fmt's
# digit pairs) zeroed, from the linker's symbols and relocations (~450 B less gzip).
node scripts/dead-data.js "$wasm" "$bg"

# RealtimeClient opens a client's first WebSocket while the wasm module still loads
# (glue.js `preopen`): the glue re-exports it, so that www/client.js reaches it through
# pkg/frappe_realtime.js like the rest; likewise `onCrash` and `detachAll` (its recovery
# from a trap).
snippet="$(grep -o "\./snippets/[^\"']*/src/browser/glue\.js" "$out/frappe_realtime.js" | head -n 1)"
[[ -n "$snippet" ]] || { echo "build: the glue does not import src/browser/glue.js" >&2; exit 1; }
printf '\nexport { preopen, onCrash, detachAll, urlParts } from "%s";\n' "$snippet" >>"$out/frappe_realtime.js"

# The JS that ships from pkg/ is one file: esbuild bundles the wasm-bindgen glue with the
# glue.js snippet it imports (one module fetch less before the wasm can load) and
# minifies it; ES module, exports unchanged. terser then minifies each of the two JS
# files once more (scripts/minify.js: pkg/index.js −414 B gzip).
node_modules/.bin/esbuild "$out/frappe_realtime.js" --bundle --minify --format=esm \
    --legal-comments=none --log-level=warning --allow-overwrite --outfile="$out/frappe_realtime.js"
node scripts/minify.js --module "$out/frappe_realtime.js"
rm -rf "$out/snippets"
# The package's ESM entry pkg/index.js: the facade, RealtimeClient and that glue in one
# minified module (scripts/bundle-esm.js).
node scripts/bundle-esm.js
node scripts/minify.js --module --bundle "$out/index.js"

echo "sizes:"
node scripts/size-budget.js --files "$bg" "$out/frappe_realtime.js" "$out/index.js"
# The script-tag file dist/frappe-realtime.js: one IIFE with the wasm inlined (esbuild).
bash scripts/build-dist.sh
