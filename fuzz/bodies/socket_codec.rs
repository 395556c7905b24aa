//! Fuzzes the Socket.IO v5 codec and the JSON scanner it relies on.
//!
//! Properties checked on every input:
//! - no decoder or scanner panics;
//! - a decoded packet re-encodes to text that decodes to equal fields, and
//!   encoding is then stable;
//! - EVENT / BINARY_EVENT packets that decode have a string event name;
//! - `json::elements` / `json::members` / `json::decode_string` accept exactly
//!   the valid arrays / objects / strings, and every slice they return is valid;
//! - any text used as an event name survives `event_payload` → encode → decode.
//!
//! Shared by the cargo-fuzz target `fuzz/fuzz_targets/socket_codec.rs` and the stable
//! replay test `tests/fuzz_replay.rs`.

use frappe_realtime::protocol::json;
use frappe_realtime::protocol::socket::{event_payload, Packet, PacketType};

/// Runs one input; panics when a property fails.
pub fn run(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };

    // The Socket.IO packet codec.
    if let Ok(p) = Packet::decode(s) {
        let again = p.to_text();
        let q = match Packet::decode(&again) {
            Ok(q) => q,
            Err(e) => panic!("{s:?} re-encoded to {again:?}, which fails with {e:?}"),
        };
        assert_eq!(q.kind, p.kind);
        assert_eq!(q.namespace, p.namespace);
        assert_eq!(q.attachments, p.attachments);
        assert_eq!(q.id, p.id);
        assert_eq!(q.data, p.data);
        assert_eq!(q.to_text(), again);
        assert!(p.namespace.starts_with('/'));
        if !p.kind.is_binary() {
            assert_eq!(p.attachments, 0);
        }
        match p.kind {
            PacketType::Event | PacketType::BinaryEvent => {
                let name = p.event_name();
                assert!(name.is_ok(), "{s:?}: {name:?}");
            }
            PacketType::ConnectError => {
                let _ = p.error_message();
            }
            _ => {}
        }
    }

    // The JSON scanner.
    let valid = json::validate(s).is_ok();
    let b = s.as_bytes();
    let first = b.get(json::skip_ws(b, 0)).copied();
    let elements: Vec<_> = json::elements(s).collect();
    assert_eq!(
        elements.iter().all(Result::is_ok),
        valid && first == Some(b'['),
        "{s:?}"
    );
    for e in elements.iter().flatten() {
        assert_eq!(json::validate(e), Ok(()));
    }
    let members: Vec<_> = json::members(s).collect();
    assert_eq!(
        members.iter().all(Result::is_ok),
        valid && first == Some(b'{'),
        "{s:?}"
    );
    for (_, v) in members.iter().flatten() {
        assert_eq!(json::validate(v), Ok(()));
    }
    match json::decode_string(s) {
        Ok(text) => {
            assert!(valid && first == Some(b'"'));
            let mut again = String::new();
            json::write_string(&mut again, &text);
            assert_eq!(json::decode_string(&again), Ok(text));
        }
        Err(_) => assert!(!(valid && first == Some(b'"'))),
    }
    if let Ok(end) = json::skip_value(b, 0) {
        assert!(end <= b.len());
        assert_eq!(json::validate(&s[..end]), Ok(()));
    }
    let _ = json::parse_u64(s);

    // Arbitrary text as an event name.
    let payload = event_payload(s, r#"[1,{"a":"b"}]"#);
    let built = Packet {
        kind: PacketType::Event,
        namespace: "/fuzz",
        attachments: 0,
        id: Some(7),
        data: &payload,
    };
    let wire = built.to_text();
    let decoded = Packet::decode(&wire).expect("an event built by event_payload decodes");
    assert_eq!(decoded, built);
    assert_eq!(decoded.event_name().as_deref(), Ok(s));
}
