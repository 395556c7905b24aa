#!/usr/bin/env bash
# The whole check, as CI runs it (`npm test`, `.ci/run`): setup, format, lints for the
# host and for wasm32, tests (unit, integration, doc), then the package build.
# Stops at the first failing step; prints how long each step took.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

summary=()

print_summary() {
    echo
    echo "==> summary"
    printf '%s\n' "${summary[@]}"
    echo "    total: ${SECONDS}s"
}

# step NAME CMD...: run one step with a header line; on failure print the summary and stop.
step() {
    local name=$1
    shift
    echo
    echo "==> $name: $*"
    local start=$SECONDS
    if "$@"; then
        summary+=("$(printf '    %-28s ok     %5ss' "$name" $((SECONDS - start)))")
    else
        local rc=$?
        summary+=("$(printf '    %-28s FAILED %5ss (exit %s)' "$name" $((SECONDS - start)) "$rc")")
        print_summary
        echo "==> FAILED: $name" >&2
        exit "$rc"
    fi
}

step "setup" bash scripts/setup.sh
step "fmt" cargo fmt --all --check
step "fmt (fuzz targets)" cargo fmt --manifest-path fuzz/Cargo.toml --all --check
step "clippy (host)" cargo clippy --all-targets -- -D warnings
step "clippy (wasm32)" cargo clippy --lib --tests --target wasm32-unknown-unknown -- -D warnings
# The shipped build's configuration (no_std allocator and panic handler, src/browser/tiny.rs).
step "clippy (wasm32, tiny)" cargo clippy --lib --target wasm32-unknown-unknown --release --features tiny -- -D warnings
# The fuzz targets are a separate workspace run with nightly (`npm run fuzz`); lint them on
# stable here so they cannot silently stop compiling.
step "clippy (fuzz targets)" cargo clippy --manifest-path fuzz/Cargo.toml --bins -- -D warnings
step "test" cargo test --all-targets
step "doc tests" cargo test --doc
# The allocator's host tests under Miri with strict provenance (skips, exit 0, without
# a nightly toolchain with Miri).
step "miri (allocator)" bash scripts/miri.sh
# The driver's browser tests: wasm-bindgen-test-runner drives headless Chromium through
# chromedriver (flags in webdriver.json; runner set in .cargo/config.toml).
step "browser tests (driver)" env CHROMEDRIVER=/usr/bin/chromedriver \
    cargo test --target wasm32-unknown-unknown --test browser_driver
# The package's TypeScript declarations (www/*.d.ts) against a usage file, strict.
step "types (tsc --strict)" node_modules/.bin/tsc -p tests/packaging/tsconfig.json
# Node unit tests (no browser): the build's post-processing scripts against well- and
# mis-shaped inputs, shared mode's hub and the emit/room/buffer rules.
step "unit (node)" node --test tests/unit/
step "build" bash scripts/build.sh
# The hand-written JS (www/*.js, the driver's glue.js) against the hand-written .d.ts,
# strict (after the build: it reads pkg/frappe_realtime.d.ts).
step "types (hand JS, checkJs)" node_modules/.bin/tsc -p tests/types/tsconfig.json
# The gzip total of the shipped files against size-budget.json.
step "size budget" node scripts/size-budget.js
# The built package in headless Chromium against the Frappe-compatible servers
# (tests/server: socket.io realtime server, stub web server, a real redis-server).
step "end-to-end (Chromium)" node --test tests/e2e/
# The npm tarball installed into fixtures (types, Node import, esbuild bundles in Chromium)
# and the Vue / React examples built with Vite (needs the npm registry).
step "packaging + examples" node --test tests/packaging/

print_summary
echo "==> all steps passed"
