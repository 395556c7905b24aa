#!/usr/bin/env bash
# Fuzzes every target in fuzz/fuzz_targets/ (or only those named as arguments), one
# after another, FUZZ_SECONDS each (default 60). Needs nightly and cargo-fuzz; installs
# them when missing. Findings land in fuzz/artifacts/<target>/.
#
# libFuzzer grows its working corpus in fuzz/corpus/<target>/ (not committed) and
# also reads the committed seeds in fuzz/seeds/<target>/, which the stable test
# tests/fuzz_replay.rs replays in CI.
#
#   npm run fuzz                      # all targets, 60 s each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh some_target
#   FUZZ_ARGS="-len_control=0" bash scripts/fuzz.sh client_machine   # extra libFuzzer flags
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$cargo_bin:"*) ;; *) export PATH="$cargo_bin:$PATH" ;; esac

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz: installing the nightly toolchain (rustup)"
    rustup toolchain install nightly --profile minimal --no-self-update
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz (cargo install, a few minutes)"
    cargo install cargo-fuzz
fi

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    shopt -s nullglob
    targets=()
    for file in fuzz/fuzz_targets/*.rs; do
        targets+=("$(basename "$file" .rs)")
    done
fi
if [[ ${#targets[@]} -eq 0 ]]; then
    echo "fuzz: no fuzz targets in fuzz/fuzz_targets/" >&2
    exit 1
fi

seconds="${FUZZ_SECONDS:-60}"
for target in "${targets[@]}"; do
    echo
    echo "==> fuzz $target (${seconds}s)"
    # Run from the crate root: cargo fuzz finds fuzz/ itself. New inputs go to the
    # first corpus directory; the seeds are only read.
    mkdir -p "fuzz/corpus/$target"
    corpora=("fuzz/corpus/$target")
    if [[ -d "fuzz/seeds/$target" ]]; then
        corpora+=("fuzz/seeds/$target")
    fi
    # shellcheck disable=SC2086 # FUZZ_ARGS holds several flags
    cargo +nightly fuzz run "$target" "${corpora[@]}" -- -max_total_time="$seconds" ${FUZZ_ARGS:-}
done
echo
echo "==> fuzzed ${#targets[@]} target(s) for ${seconds}s each: no crash"
