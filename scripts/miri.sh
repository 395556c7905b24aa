#!/usr/bin/env bash
# Runs the shipped allocator's host tests (src/sizeclass/tests.rs) under Miri, which
# checks every memory access for bounds, alignment, aliasing (Stacked Borrows) and
# provenance (-Zmiri-strict-provenance: no pointer made from an integer is usable).
# ~15 s once Miri's sysroot is built (`cargo miri setup`, run by `cargo miri test`
# itself the first time: ~1 min, offline, from the rust-src component).
#
# Needs the nightly toolchain with the miri and rust-src components
# (`rustup component add --toolchain nightly miri rust-src`); without them it says
# so and exits 0, so a machine without nightly can still run the rest of the checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "miri: SKIPPED: 'cargo +nightly miri --version' fails (no nightly toolchain, or no" \
        "miri component: rustup component add --toolchain nightly miri rust-src)"
    exit 0
fi

MIRIFLAGS="-Zmiri-strict-provenance ${MIRIFLAGS:-}" cargo +nightly miri test --lib sizeclass
