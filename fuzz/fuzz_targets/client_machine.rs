//! cargo-fuzz target for the client state machine. The input decoding, the
//! fake network and every invariant live in `fuzz/bodies/client_machine/`,
//! shared with the stable replay test (`tests/fuzz_replay.rs`).

#![no_main]

// The statistics it returns are read by the replay test only.
#[allow(dead_code)]
#[path = "../bodies/client_machine/mod.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    body::run(data);
});
