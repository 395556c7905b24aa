#!/usr/bin/env bash
# Installs what the build and the tests need, and nothing that is already there.
# Idempotent: silent when everything is present, one line per thing it installs.
#
#   rustup target wasm32-unknown-unknown (+ rustfmt, clippy if the profile lacked them)
#   wasm-bindgen-cli, at the version of the `wasm-bindgen` crate pinned in Cargo.toml
#   node_modules (npm ci), which provides wasm-opt (npm `binaryen`)
#   chromium, chromium-driver, redis-server, nginx-light (apt; only as root, see below)
#
# FRAPPE_REALTIME_REQUIRE_BROWSER=1 turns a missing browser (when we cannot install
# it because we are not root) from a warning into a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$cargo_bin:"*) ;; *) export PATH="$cargo_bin:$PATH" ;; esac

log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT

# run_quiet NAME CMD...: run CMD with its output in a log; show the log only on failure.
run_quiet() {
    local name=$1
    shift
    if ! "$@" >"$log_dir/$name.log" 2>&1; then
        echo "setup: FAILED: $*" >&2
        tail -n 40 "$log_dir/$name.log" >&2
        exit 1
    fi
}

# --- Rust: wasm target and the components the tests use ---------------------------
# RUSTUP_AUTO_INSTALL=0 on these machines: nothing is installed implicitly.
# (`rustup target add` does not take --no-self-update.)
if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    echo "setup: installing rust target wasm32-unknown-unknown"
    run_quiet rustup-target rustup target add wasm32-unknown-unknown
fi
installed_components="$(rustup component list --installed)"
for component in rustfmt clippy; do
    if ! grep -q "^$component" <<<"$installed_components"; then
        echo "setup: installing rust component $component"
        run_quiet "rustup-$component" rustup component add "$component"
    fi
done

# --- Miri (optional): the allocator's tests under Miri (scripts/miri.sh) -------------
# Only where a nightly toolchain is installed; best effort: scripts/miri.sh says it
# skipped when Miri is missing.
if rustup toolchain list | grep -q '^nightly' && ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "setup: installing miri and rust-src on the nightly toolchain (optional)"
    if ! timeout 300 rustup component add --toolchain nightly miri rust-src >"$log_dir/miri.log" 2>&1; then
        echo "setup: WARNING: could not install miri (scripts/miri.sh will skip):" \
            "$(tail -n 1 "$log_dir/miri.log")" >&2
    fi
fi

# --- wasm-bindgen-cli, same version as the crate ---------------------------------
# The pin lives in Cargo.toml only: `wasm-bindgen = "=X"` (or `version = "=X"`).
wbg_version="$(sed -nE 's/^wasm-bindgen[[:space:]]*=.*"=([0-9][^"]*)".*/\1/p' Cargo.toml | head -n 1)"
if [[ -z "$wbg_version" ]]; then
    echo "setup: cannot read the wasm-bindgen pin (wasm-bindgen = \"=X.Y.Z\") from Cargo.toml" >&2
    exit 1
fi
wbg_installed() {
    [[ "$(wasm-bindgen --version 2>/dev/null || true)" == "wasm-bindgen $wbg_version" ]]
}
# Another process may be installing it right now; a second concurrent install would
# only fight over the same files. Wait for it, then look again.
wbg_install_running() {
    command -v pgrep >/dev/null && pgrep -f "cargo install wasm-bindgen-cli" >/dev/null
}
if ! wbg_installed && wbg_install_running; then
    echo "setup: waiting for a running 'cargo install wasm-bindgen-cli' to finish"
    while wbg_install_running; do sleep 5; done
fi
if ! wbg_installed; then
    echo "setup: installing wasm-bindgen-cli $wbg_version (cargo install, ~4 min on 2 cores)"
    # No --locked: the CLI's own lock file pins a crate version the registry here lacks.
    run_quiet wasm-bindgen-cli cargo install wasm-bindgen-cli --version "$wbg_version"
    if ! wbg_installed; then
        echo "setup: installed wasm-bindgen-cli, but 'wasm-bindgen --version' says:" \
            "$(wasm-bindgen --version 2>&1 || true) (is $cargo_bin first on PATH?)" >&2
        exit 1
    fi
fi

# --- node_modules -----------------------------------------------------------------
# npm writes node_modules/.package-lock.json at the end of every install: missing means
# never (fully) installed, older than package-lock.json means stale.
if [[ ! -f node_modules/.package-lock.json ]] ||
    [[ -f package-lock.json && package-lock.json -nt node_modules/.package-lock.json ]]; then
    if [[ -f package-lock.json ]]; then
        echo "setup: installing node_modules (npm ci)"
        run_quiet npm npm ci --no-audit --no-fund
    else
        echo "setup: installing node_modules (npm install; no package-lock.json)"
        run_quiet npm npm install --no-audit --no-fund
    fi
    touch node_modules/.package-lock.json
fi

# --- Chromium, chromedriver, redis, nginx (browser and integration tests) ----------
# nginx: the multi-node tests put Debian's nginx in front of several realtime nodes
# (tests/server/nginx.js); nginx-light is the package with the modules they use.
apt_packages="chromium chromium-driver redis-server nginx-light"
apt_command="apt-get update && apt-get install -y $apt_packages"
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver || ! -x /usr/sbin/nginx ]] || ! command -v redis-server >/dev/null; then
    if [[ "$(id -u)" -eq 0 ]]; then
        echo "setup: installing $apt_packages (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        run_quiet apt-update apt-get update
        # shellcheck disable=SC2086 # word splitting of the package list is intended
        run_quiet apt-install apt-get install -y $apt_packages
    elif [[ "${FRAPPE_REALTIME_REQUIRE_BROWSER:-0}" == 1 ]]; then
        echo "setup: ERROR: chromium, chromedriver, redis-server or nginx is missing and" \
            "FRAPPE_REALTIME_REQUIRE_BROWSER=1. Install them as root:" >&2
        echo "    sudo sh -c '$apt_command'" >&2
        exit 1
    else
        echo "setup: WARNING: chromium, chromedriver, redis-server or nginx is missing, and" \
            "installing them needs root. Browser tests will be skipped. Run:" >&2
        echo "    sudo sh -c '$apt_command'" >&2
    fi
fi
