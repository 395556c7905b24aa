//! Command-line arguments of the benchmarks run by `cargo bench` (harness = false).

/// Whether `cargo bench` runs this target (it passes `--bench`); under `cargo test`
/// it does not, and a benchmark runs as a small smoke test.
pub fn benching() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The number after `name` on the command line (`-- --seeds 5`), if any.
pub fn arg(name: &str) -> Option<u64> {
    let mut args = std::env::args().skip_while(|a| a != name);
    args.nth(1).and_then(|v| v.parse().ok())
}
