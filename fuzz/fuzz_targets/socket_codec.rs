//! cargo-fuzz target for the Socket.IO v5 codec and the JSON scanner. The body
//! and its properties live in `fuzz/bodies/socket_codec.rs`, shared with the
//! stable replay test (`tests/fuzz_replay.rs`).

#![no_main]

#[path = "../bodies/socket_codec.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
