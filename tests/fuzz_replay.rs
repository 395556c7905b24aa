//! The fuzz bodies on the stable toolchain.
//!
//! CI has neither nightly nor cargo-fuzz, so the body of every cargo-fuzz target
//! lives in `fuzz/bodies/` and is compiled here as well, with the same
//! properties. Each test runs one body over
//!
//! - the committed seeds in `fuzz/seeds/<target>/` (small inputs that reach the
//!   interesting states; `fuzz/corpus/` is libFuzzer's local working corpus and
//!   is not committed),
//! - with `FUZZ_REPLAY_CORPUS=1`, also the local `fuzz/corpus/<target>/` and
//!   `fuzz/artifacts/<target>/` (to re-check a corpus or a crash on stable),
//! - and a fixed number of pseudo-random inputs from a fixed seed (xorshift, so
//!   every run is the same).
//!
//! A failing input is written to the temporary directory, ready for
//! `cargo +nightly fuzz run <target> <file>`.

#[path = "../fuzz/bodies/client_machine/mod.rs"]
mod client_machine;
#[path = "../fuzz/bodies/engine_codec.rs"]
mod engine_codec;
#[path = "support/rng.rs"]
mod rng;
#[path = "../fuzz/bodies/socket_codec.rs"]
mod socket_codec;

use rng::XorShift;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Pieces of Engine.IO / Socket.IO / JSON text, so random inputs for the codec
/// bodies are mostly near-valid packets rather than noise.
const TOKENS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "b",
    "40",
    "42",
    "43",
    "451-",
    "/site,",
    ",",
    "[",
    "]",
    "{",
    "}",
    "\"",
    ":",
    "-",
    "7",
    "\x1e",
    "\"a\"",
    "true",
    "null",
    "1e3",
    "\\u00e9",
    "\\n",
    " ",
    "é",
    "AQID",
    "==",
    "probe",
    "\"sid\"",
    "\"pingInterval\"",
    "25000",
];

/// The committed seeds (and, on request, the local corpus and crashes) of `target`.
fn stored_inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut dirs = vec![root.join("seeds").join(target)];
    if std::env::var_os("FUZZ_REPLAY_CORPUS").is_some() {
        dirs.push(root.join("corpus").join(target));
        dirs.push(root.join("artifacts").join(target));
    }
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let data = std::fs::read(&path).expect("readable seed");
            out.push((path, data));
        }
    }
    out
}

/// `count` pseudo-random inputs of up to `max_len` bytes: raw bytes, or (with
/// `tokens`) mostly protocol pieces.
fn random_inputs(seed: u64, count: usize, max_len: usize, tokens: bool) -> Vec<Vec<u8>> {
    let mut rng = XorShift(seed);
    (0..count)
        .map(|_| {
            let len = rng.below(max_len + 1);
            let mut data = Vec::with_capacity(len);
            while data.len() < len {
                if tokens && rng.below(4) != 0 {
                    data.extend_from_slice(TOKENS[rng.below(TOKENS.len())].as_bytes());
                } else {
                    data.push(rng.next() as u8);
                }
            }
            data
        })
        .collect()
}

/// Runs `body` on `data`; on a panic, saves the input and says where.
fn replay<T>(target: &str, origin: &str, data: &[u8], body: impl Fn(&[u8]) -> T) -> T {
    match catch_unwind(AssertUnwindSafe(|| body(data))) {
        Ok(v) => v,
        Err(panic) => {
            let file = std::env::temp_dir().join(format!("fuzz-replay-{target}.bin"));
            let _ = std::fs::write(&file, data);
            eprintln!(
                "{target}: input {origin} failed; saved to {} (replay with \
                 `cargo +nightly fuzz run {target} {}`)",
                file.display(),
                file.display()
            );
            resume_unwind(panic)
        }
    }
}

fn replay_all<T>(
    target: &str,
    random: Vec<Vec<u8>>,
    body: impl Fn(&[u8]) -> T,
    mut each: impl FnMut(T),
) -> usize {
    let stored = stored_inputs(target);
    for (path, data) in &stored {
        each(replay(target, &path.display().to_string(), data, &body));
    }
    for (k, data) in random.iter().enumerate() {
        each(replay(target, &format!("random #{k}"), data, &body));
    }
    stored.len()
}

#[test]
fn engine_codec_body_on_seeds_and_random_inputs() {
    let random = random_inputs(0x0E61_11E0, 30_000, 96, true);
    replay_all("engine_codec", random, engine_codec::run, |()| {});
}

#[test]
fn socket_codec_body_on_seeds_and_random_inputs() {
    let random = random_inputs(0x50C4_E710, 30_000, 96, true);
    replay_all("socket_codec", random, socket_codec::run, |()| {});
}

/// Random inputs for `client_machine`: a second or two in a debug build.
const RANDOM_RUNS: usize = 1000;

#[test]
fn client_machine_body_on_seeds_and_random_inputs() {
    let random = random_inputs(0xC11E_4171, RANDOM_RUNS, 1600, false);
    let mut total = client_machine::Stats::default();
    let seeds = replay_all("client_machine", random, client_machine::run, |s| {
        total.add(&s)
    });
    println!("client_machine: {seeds} seeds + {RANDOM_RUNS} random inputs: {total:?}");
    // The checks must have had something to check (about half of what this
    // fixed set reaches today, so a change that makes the inputs shallow fails).
    assert!(total.connects > 1900, "{total:?}");
    assert!(total.recovery_checked > 1900, "{total:?}");
    assert!(total.reconnects > 800, "{total:?}");
    assert!(total.recovered > 200, "{total:?}");
    assert!(total.upgrades > 80, "{total:?}");
    assert!(total.quiet_checks > 10_000, "{total:?}");
    assert!(total.restores_verified > 800, "{total:?}");
    assert!(total.flushed > 900, "{total:?}");
    assert!(total.dropped > 5000, "{total:?}");
    assert!(total.plain_frames > 1000, "{total:?}");
    assert!(total.idle_timeouts > 8000, "{total:?}");
    assert!(total.paced > 100, "{total:?}");
    assert!(total.join_acks > 1500, "{total:?}");
    assert!(total.join_answers > 200, "{total:?}");
    assert!(total.joins_settled > 50, "{total:?}");
    assert!(total.away_uncounted > 0, "{total:?}");
}
