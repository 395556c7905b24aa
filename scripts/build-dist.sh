#!/usr/bin/env bash
# Builds the script-tag file dist/frappe-realtime.js from www/script-tag.js with esbuild
# (scripts/script-bundle.js): one minified IIFE with the wasm module inlined (base64 in
# the file, handed to setWasmSource), so it works from any path and needs no fetch of a
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

# esbuild's options shared with tests/upstream/bench-herd.js's alias bundle (see there).
node scripts/script-bundle.js www/script-tag.js FrappeRealtime "$out" \
    "/*! frappe-realtime $version | MIT | Socket.IO v4 client for Frappe, Rust/WebAssembly (inlined) */"
# terser after esbuild, as for pkg/index.js (scripts/minify.js).
node scripts/minify.js --script --bundle "$out"

# Nothing in the file may need 'unsafe-eval' (strict CSP): no eval, no Function constructor.
if grep -Eq '(^|[^A-Za-z0-9_$.])(eval\(|new Function\(|Function\()' "$out"; then
    echo "build-dist: $out contains eval or the Function constructor" >&2
    exit 1
fi

node scripts/size-budget.js --files "$out"
