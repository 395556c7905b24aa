#!/usr/bin/env bash
# Builds the script-tag file dist/frappe-realtime.js from www/script-tag.js with esbuild:
# one minified IIFE with the wasm module inlined (--loader:.wasm=binary, base64 in the
# file, handed to setWasmSource), so it works from any path and needs no fetch of a
# .wasm. On load it installs window.frappe.realtime / frappe.socketio and exposes
# window.FrappeRealtime. Needs pkg/ (npm run build runs this script at its end).
# Prints the raw, gzip and brotli sizes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ! -f pkg/frappe_realtime_bg.wasm || ! -f pkg/frappe_realtime.js ]]; then
    echo "build-dist: pkg/ is missing; run npm run build" >&2
    exit 1
fi

version="$(node -p 'require("./package.json").version')"
out=dist/frappe-realtime.js
mkdir -p dist

# Shared mode (www/shared.js, a SharedWorker script and the ESM files it imports) is not
# part of this single file: `shared: true` here falls back to a connection per tab
# (www/client.js), and the import stays out of the bundle.
# The wasm-bindgen glue has `new URL("…_bg.wasm", import.meta.url)` for the case where
# no module source is given; setWasmSource always gives the bytes here, so that branch
# never runs and esbuild's warning about an empty import.meta in an IIFE is silenced.
node_modules/.bin/esbuild www/script-tag.js \
    --bundle \
    --format=iife \
    --global-name=FrappeRealtime \
    --platform=browser \
    --target=es2020 \
    --minify \
    --loader:.wasm=binary \
    --external:./shared.js \
    --define:__FRAPPE_REALTIME_VERSION__="\"$version\"" \
    --log-override:empty-import-meta=silent \
    --legal-comments=none \
    --banner:js="/*! frappe-realtime $version | MIT | Socket.IO v4 client for Frappe, Rust/WebAssembly (inlined) */" \
    --outfile="$out" \
    --log-level=warning
# terser after esbuild, as for pkg/index.js (scripts/minify.js).
node scripts/minify.js --script --bundle "$out"

# Nothing in the file may need 'unsafe-eval' (strict CSP): no eval, no Function constructor.
if grep -Eq '(^|[^A-Za-z0-9_$.])(eval\(|new Function\(|Function\()' "$out"; then
    echo "build-dist: $out contains eval or the Function constructor" >&2
    exit 1
fi

node scripts/size-budget.js --files "$out"
