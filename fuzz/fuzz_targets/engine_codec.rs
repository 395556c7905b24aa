//! cargo-fuzz target for the Engine.IO v4 codec. The body and its properties
//! live in `fuzz/bodies/engine_codec.rs`, shared with the stable replay test
//! (`tests/fuzz_replay.rs`).

#![no_main]

#[path = "../bodies/engine_codec.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
