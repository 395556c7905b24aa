//! Fuzzes the Engine.IO v4 codec: single text packets, polling payloads, binary
//! frames, the handshake and base64.
//!
//! Properties checked on every input:
//! - no decoder panics;
//! - whatever decodes re-encodes to text that decodes to an equal packet (and,
//!   for packets that carry text, to the very same text);
//! - a payload decodes exactly when each of its records does;
//! - binary data survives `b` + base64 unchanged.
//!
//! Shared by the cargo-fuzz target `fuzz/fuzz_targets/engine_codec.rs` and the stable
//! replay test `tests/fuzz_replay.rs`.

use frappe_realtime::protocol::base64;
use frappe_realtime::protocol::engine::{
    decode_payload, encode_payload, split_payload, Handshake, Packet, SEPARATOR,
};
use frappe_realtime::protocol::json;

/// Runs one input; panics when a property fails.
pub fn run(data: &[u8]) {
    // Any bytes are a valid binary WebSocket frame.
    let frame = Packet::decode_binary(data);
    let text = frame.to_text();
    assert_eq!(Packet::decode_text(&text).as_ref(), Ok(&frame));
    let mut b64 = String::new();
    base64::encode_into(&mut b64, data);
    assert_eq!(base64::decode(&b64).as_deref(), Ok(data));
    assert_eq!(b64.len(), data.len().div_ceil(3) * 4);

    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };

    // One packet (a WebSocket text frame).
    if let Ok(p) = Packet::decode_text(s) {
        let again = p.to_text();
        assert_eq!(Packet::decode_text(&again).as_ref(), Ok(&p));
        match p {
            Packet::Close | Packet::Upgrade | Packet::Noop | Packet::Binary(_) => {}
            _ => assert_eq!(again, s),
        }
    }

    // A polling payload.
    let records: Vec<&str> = split_payload(s).collect();
    assert!(records
        .iter()
        .all(|r| !r.is_empty() && !r.contains(SEPARATOR)));
    match decode_payload(s) {
        Ok(packets) => {
            assert_eq!(packets.len(), records.len());
            let texts: Vec<String> = packets.iter().map(Packet::to_text).collect();
            let joined = encode_payload(&texts);
            assert_eq!(decode_payload(&joined).as_ref(), Ok(&packets));
        }
        Err(e) => {
            let first_bad = records.iter().find_map(|r| Packet::decode_text(r).err());
            assert_eq!(first_bad, Some(e));
        }
    }

    // The handshake: only well-formed JSON objects parse.
    if let Ok(h) = Handshake::parse(s) {
        assert!(!h.sid.is_empty());
        assert_eq!(json::validate(s), Ok(()));
    }

    // base64 text: what decodes re-encodes canonically and decodes the same.
    if let Ok(bytes) = base64::decode(s) {
        let mut canonical = String::new();
        base64::encode_into(&mut canonical, &bytes);
        assert_eq!(base64::decode(&canonical), Ok(bytes));
    }
}
