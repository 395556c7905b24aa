//! Spec-derived tests for the Socket.IO v5 codec (`protocol::socket`).
//!
//! Every wire string comes from a protocol document; the comment above each test
//! names the section. Documents and the revisions read:
//!
//! - `SIO` = socketio/socket.io-protocol `Readme.md` at 4f633dd (current, v5):
//!   "Packet encoding › Examples" and "Sample session".
//! - `SIO@c814ce2` = the same file at c814ce2 (2022-06-12, also v5), whose
//!   "Encoding format › Examples" listed more packets (auth payloads, ack ids
//!   with namespaces).
//! - `SIO@d389bb9` = the same file at d389bb9 (2020-10-02), protocol v4, for the
//!   older string-payload `ERROR` packet.
//!
//! Note: a Socket.IO packet travels inside an Engine.IO message, so on the wire
//! it is prefixed with `4` ("Packet encoding": `42["foo"]`). The decoder here
//! takes the text after that prefix.

use frappe_realtime::protocol::engine;
use frappe_realtime::protocol::error::DecodeError;
use frappe_realtime::protocol::socket::{
    event_payload, push_u64, Packet, PacketType, MAX_SAFE_INTEGER,
};

fn decode(s: &str) -> Packet<'_> {
    match Packet::decode(s) {
        Ok(p) => p,
        Err(e) => panic!("{s:?} did not decode: {e:?}"),
    }
}

fn packet<'a>(
    kind: PacketType,
    namespace: &'a str,
    attachments: u32,
    id: Option<u64>,
    data: &'a str,
) -> Packet<'a> {
    Packet {
        kind,
        namespace,
        attachments,
        id,
        data,
    }
}

/// Decodes, checks every field, re-encodes and checks the exact text.
fn both_ways(wire: &str, expected: Packet<'_>) {
    let p = decode(wire);
    assert_eq!(p.kind, expected.kind, "kind of {wire:?}");
    assert_eq!(p.namespace, expected.namespace, "namespace of {wire:?}");
    assert_eq!(
        p.attachments, expected.attachments,
        "attachments of {wire:?}"
    );
    assert_eq!(p.id, expected.id, "id of {wire:?}");
    assert_eq!(p.data, expected.data, "data of {wire:?}");
    assert_eq!(expected.to_text(), wire, "encoding {expected:?}");
    assert_eq!(decode(&p.to_text()), p, "round trip of {wire:?}");
}

fn err(s: &str) -> DecodeError {
    match Packet::decode(s) {
        Ok(p) => panic!("{s:?} decoded to {p:?}"),
        Err(e) => e,
    }
}

use PacketType::*;

// ---------------------------------------------------------------------------
// CONNECT
// ---------------------------------------------------------------------------

// SIO "Packet encoding › Examples › Connection to a namespace": `0` and
// `0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`.
#[test]
fn connect_examples() {
    both_ways("0", packet(Connect, "/", 0, None, ""));
    both_ways(
        r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
        packet(
            Connect,
            "/admin",
            0,
            None,
            r#"{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
        ),
    );
}

// SIO@c814ce2 "Examples": CONNECT with an auth payload, `0{"token":"123"}` and
// `0/admin,{"token":"123"}`.
#[test]
fn connect_with_auth() {
    both_ways(
        r#"0{"token":"123"}"#,
        packet(Connect, "/", 0, None, r#"{"token":"123"}"#),
    );
    both_ways(
        r#"0/admin,{"token":"123"}"#,
        packet(Connect, "/admin", 0, None, r#"{"token":"123"}"#),
    );
}

// SIO "Sample session": `40`, `40{"sid":"wZX3oN0bSVIhsaknAAAI"}`, `40/admin,`
// and `40/admin,{"sid":"-G5j-67EZFp-q59rADQM"}` (Engine.IO message + Socket.IO).
#[test]
fn connect_in_sample_session() {
    let cases: [(&str, Packet<'_>); 4] = [
        ("40", packet(Connect, "/", 0, None, "")),
        (
            r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
            packet(Connect, "/", 0, None, r#"{"sid":"wZX3oN0bSVIhsaknAAAI"}"#),
        ),
        ("40/admin,", packet(Connect, "/admin", 0, None, "")),
        (
            r#"40/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#,
            packet(
                Connect,
                "/admin",
                0,
                None,
                r#"{"sid":"-G5j-67EZFp-q59rADQM"}"#,
            ),
        ),
    ];
    for (wire, expected) in cases {
        let Ok(engine::Packet::Message(inner)) = engine::Packet::decode_text(wire) else {
            panic!("{wire:?} is not an Engine.IO message")
        };
        both_ways(inner, expected);
        let mut out = String::from("4");
        expected.encode(&mut out);
        assert_eq!(out, wire);
    }
}

// ---------------------------------------------------------------------------
// DISCONNECT
// ---------------------------------------------------------------------------

// SIO "Packet encoding › Examples › Disconnection from a namespace": `1` and
// `1/admin,`.
#[test]
fn disconnect_examples() {
    both_ways("1", packet(Disconnect, "/", 0, None, ""));
    both_ways("1/admin,", packet(Disconnect, "/admin", 0, None, ""));
}

// ---------------------------------------------------------------------------
// EVENT
// ---------------------------------------------------------------------------

// SIO "Packet encoding › Examples › Sending and receiving data": `2["foo"]`,
// `2/admin,["bar"]`; "Packet encoding": sent as `42["foo"]`.
#[test]
fn event_examples() {
    both_ways(r#"2["foo"]"#, packet(Event, "/", 0, None, r#"["foo"]"#));
    both_ways(
        r#"2/admin,["bar"]"#,
        packet(Event, "/admin", 0, None, r#"["bar"]"#),
    );
    assert_eq!(decode(r#"2["foo"]"#).event_name(), Ok("foo".into()));
    assert_eq!(decode(r#"2/admin,["bar"]"#).event_name(), Ok("bar".into()));
    let wire =
        engine::Packet::Message(&packet(Event, "/", 0, None, r#"["foo"]"#).to_text()).to_text();
    assert_eq!(wire, r#"42["foo"]"#);
}

// SIO "Packet encoding › Examples › Acknowledgement": `212["foo"]` (EVENT with
// ack id 12).
#[test]
fn event_with_ack_id() {
    both_ways(
        r#"212["foo"]"#,
        packet(Event, "/", 0, Some(12), r#"["foo"]"#),
    );
    assert_eq!(decode(r#"212["foo"]"#).event_name(), Ok("foo".into()));
}

// SIO@c814ce2 "Examples": `2["hello",1]` and `2/admin,456["project:delete",123]`.
#[test]
fn event_examples_with_arguments() {
    both_ways(
        r#"2["hello",1]"#,
        packet(Event, "/", 0, None, r#"["hello",1]"#),
    );
    both_ways(
        r#"2/admin,456["project:delete",123]"#,
        packet(Event, "/admin", 0, Some(456), r#"["project:delete",123]"#),
    );
    assert_eq!(
        decode(r#"2/admin,456["project:delete",123]"#).event_name(),
        Ok("project:delete".into())
    );
}

// SIO "Sample session": `42["hey","Jude"]`, `42/admin,1["tellme"]`, and the
// payload `42["hello"]\x1e42["world"]`.
#[test]
fn events_in_sample_session() {
    let Ok(engine::Packet::Message(inner)) = engine::Packet::decode_text(r#"42["hey","Jude"]"#)
    else {
        panic!("not a message")
    };
    both_ways(inner, packet(Event, "/", 0, None, r#"["hey","Jude"]"#));
    assert_eq!(decode(inner).event_name(), Ok("hey".into()));

    let Ok(engine::Packet::Message(inner)) = engine::Packet::decode_text(r#"42/admin,1["tellme"]"#)
    else {
        panic!("not a message")
    };
    both_ways(inner, packet(Event, "/admin", 0, Some(1), r#"["tellme"]"#));

    let payload = engine::decode_payload("42[\"hello\"]\x1e42[\"world\"]").unwrap();
    let names: Vec<String> = payload
        .iter()
        .map(|p| match p {
            engine::Packet::Message(m) => decode(m).event_name().unwrap(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(names, ["hello", "world"]);
}

// ---------------------------------------------------------------------------
// ACK
// ---------------------------------------------------------------------------

// SIO "Packet encoding › Examples › Acknowledgement": `3/admin,13["bar"]`. (The
// document prints a stray backtick after it: `3/admin,13["bar"]`` — see
// `malformed_*` below.)
#[test]
fn ack_examples() {
    both_ways(
        r#"3/admin,13["bar"]"#,
        packet(Ack, "/admin", 0, Some(13), r#"["bar"]"#),
    );
}

// SIO@c814ce2 "Examples": `3/admin,456[]` (an ACK payload may be empty, SIO
// "Acknowledgement": "MUST be an array (possibly empty)").
#[test]
fn ack_with_empty_array() {
    both_ways("3/admin,456[]", packet(Ack, "/admin", 0, Some(456), "[]"));
    both_ways("312[]", packet(Ack, "/", 0, Some(12), "[]"));
}

// ---------------------------------------------------------------------------
// CONNECT_ERROR
// ---------------------------------------------------------------------------

// SIO "Packet encoding › Examples › Connection to a namespace":
// `4{"message":"Not authorized"}`; SIO@c814ce2 "Examples":
// `4/admin,{"message":"Not authorized"}`.
#[test]
fn connect_error_examples() {
    both_ways(
        r#"4{"message":"Not authorized"}"#,
        packet(
            ConnectError,
            "/",
            0,
            None,
            r#"{"message":"Not authorized"}"#,
        ),
    );
    both_ways(
        r#"4/admin,{"message":"Not authorized"}"#,
        packet(
            ConnectError,
            "/admin",
            0,
            None,
            r#"{"message":"Not authorized"}"#,
        ),
    );
    assert_eq!(
        decode(r#"4{"message":"Not authorized"}"#).error_message(),
        Some("Not authorized".into())
    );
    // On the wire it is wrapped in an Engine.IO message: `44/admin,{…}`.
    let Ok(engine::Packet::Message(inner)) =
        engine::Packet::decode_text(r#"44/admin,{"message":"Not authorized"}"#)
    else {
        panic!("not a message")
    };
    assert_eq!(decode(inner).error_message(), Some("Not authorized".into()));
}

// SIO@d389bb9 (protocol v4) "Packet encoding": the ERROR packet carried a bare
// string, `4/admin,"Not authorized"`.
#[test]
fn connect_error_bare_string() {
    both_ways(
        r#"4/admin,"Not authorized""#,
        packet(ConnectError, "/admin", 0, None, r#""Not authorized""#),
    );
    assert_eq!(
        decode(r#"4/admin,"Not authorized""#).error_message(),
        Some("Not authorized".into())
    );
}

#[test]
fn connect_error_message_variants() {
    // Extra fields (socket.io servers add `data`), escapes, key order.
    let p = decode(r#"4{"data":{"code":1},"message":"Not \"authorized\"\n"}"#);
    assert_eq!(p.error_message(), Some("Not \"authorized\"\n".into()));
    assert_eq!(decode(r#"4{"data":1}"#).error_message(), None);
    assert_eq!(decode(r#"4{"message":1}"#).error_message(), None);
    assert_eq!(decode(r#"4{}"#).error_message(), None);
}

// ---------------------------------------------------------------------------
// BINARY_EVENT / BINARY_ACK: attachment counts, placeholders left in place.
// ---------------------------------------------------------------------------

// SIO "Packet encoding › Examples › Sending and receiving data":
// `51-["baz",{"_placeholder":true,"num":0}]` and
// `52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`.
#[test]
fn binary_event_examples() {
    both_ways(
        r#"51-["baz",{"_placeholder":true,"num":0}]"#,
        packet(
            BinaryEvent,
            "/",
            1,
            None,
            r#"["baz",{"_placeholder":true,"num":0}]"#,
        ),
    );
    both_ways(
        r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
        packet(
            BinaryEvent,
            "/admin",
            2,
            None,
            r#"["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
        ),
    );
    let p = decode(r#"51-["baz",{"_placeholder":true,"num":0}]"#);
    assert_eq!(p.event_name(), Ok("baz".into()));
    assert!(p.kind.is_binary());
}

// SIO@c814ce2 "Examples": `51-["hello",{"_placeholder":true,"num":0}]`,
// `51-/admin,456["project:delete",{"_placeholder":true,"num":0}]`.
#[test]
fn binary_event_with_ack_id() {
    both_ways(
        r#"51-["hello",{"_placeholder":true,"num":0}]"#,
        packet(
            BinaryEvent,
            "/",
            1,
            None,
            r#"["hello",{"_placeholder":true,"num":0}]"#,
        ),
    );
    both_ways(
        r#"51-/admin,456["project:delete",{"_placeholder":true,"num":0}]"#,
        packet(
            BinaryEvent,
            "/admin",
            1,
            Some(456),
            r#"["project:delete",{"_placeholder":true,"num":0}]"#,
        ),
    );
}

// SIO "Packet encoding › Examples › Acknowledgement":
// `61-15["bar",{"_placeholder":true,"num":0}]`; SIO "Sample session":
// `461-/admin,1[{"_placeholder":true,"num":0}]`; SIO@c814ce2 "Examples":
// `61-/admin,456[{"_placeholder":true,"num":0}]`.
#[test]
fn binary_ack_examples() {
    both_ways(
        r#"61-15["bar",{"_placeholder":true,"num":0}]"#,
        packet(
            BinaryAck,
            "/",
            1,
            Some(15),
            r#"["bar",{"_placeholder":true,"num":0}]"#,
        ),
    );
    both_ways(
        r#"61-/admin,1[{"_placeholder":true,"num":0}]"#,
        packet(
            BinaryAck,
            "/admin",
            1,
            Some(1),
            r#"[{"_placeholder":true,"num":0}]"#,
        ),
    );
    both_ways(
        r#"61-/admin,456[{"_placeholder":true,"num":0}]"#,
        packet(
            BinaryAck,
            "/admin",
            1,
            Some(456),
            r#"[{"_placeholder":true,"num":0}]"#,
        ),
    );
}

#[test]
fn attachment_count_limits() {
    both_ways(r#"50-["a"]"#, packet(BinaryEvent, "/", 0, None, r#"["a"]"#));
    both_ways(
        r#"64294967295-[]"#,
        packet(BinaryAck, "/", u32::MAX, None, "[]"),
    );
    assert_eq!(err(r#"54294967296-["a"]"#), DecodeError::InvalidAttachments);
    assert_eq!(
        err(r#"5123456789012345678901234567890-["a"]"#),
        DecodeError::InvalidAttachments
    );
    // Leading zeros are read as the number; the encoder writes it plainly.
    let p = decode(r#"5001-["a"]"#);
    assert_eq!(p.attachments, 1);
    assert_eq!(p.to_text(), r#"51-["a"]"#);
}

// ---------------------------------------------------------------------------
// Headers: namespaces, ack ids, encoding rules.
// ---------------------------------------------------------------------------

// SIO "Packet encoding › Format": "the namespace is only included if it is
// different from the main namespace (`/`)".
#[test]
fn main_namespace_is_omitted() {
    assert_eq!(
        packet(Event, "/", 0, None, r#"["a"]"#).to_text(),
        r#"2["a"]"#
    );
    assert_eq!(
        packet(Event, "", 0, None, r#"["a"]"#).to_text(),
        r#"2["a"]"#
    );
    // An explicit `/,` decodes to the main namespace.
    let p = decode(r#"2/,["a"]"#);
    assert_eq!(p.namespace, "/");
    assert_eq!(p.to_text(), r#"2["a"]"#);
}

#[test]
fn namespaces() {
    // Nested paths and digits in the namespace are not the ack id.
    both_ways(
        r#"2/a/b-1,7["x"]"#,
        packet(Event, "/a/b-1", 0, Some(7), r#"["x"]"#),
    );
    both_ways(r#"2/€,["x"]"#, packet(Event, "/€", 0, None, r#"["x"]"#));
    // Without the trailing comma, a namespace that ends the packet is accepted
    // for packets that need no payload, as the reference parser reads to the end.
    let p = decode("1/admin");
    assert_eq!((p.kind, p.namespace, p.data), (Disconnect, "/admin", ""));
    assert_eq!(p.to_text(), "1/admin,");
    let p = decode("0/admin");
    assert_eq!((p.kind, p.namespace, p.data), (Connect, "/admin", ""));
}

#[test]
fn ack_ids() {
    both_ways(r#"20["a"]"#, packet(Event, "/", 0, Some(0), r#"["a"]"#));
    both_ways(
        r#"29007199254740991["a"]"#,
        packet(Event, "/", 0, Some(MAX_SAFE_INTEGER), r#"["a"]"#),
    );
    assert_eq!(MAX_SAFE_INTEGER, 9_007_199_254_740_991);
    assert_eq!(err(r#"29007199254740992["a"]"#), DecodeError::InvalidAckId);
    // `2` followed by 25 digits overflows u64.
    let wire = String::from("2") + &"9".repeat(25) + r#"["foo"]"#;
    assert_eq!(err(&wire), DecodeError::InvalidAckId);
    assert_eq!(err(&"1".repeat(26)), DecodeError::InvalidAckId);
    // Leading zeros.
    let p = decode(r#"3007[]"#);
    assert_eq!(p.id, Some(7));
    assert_eq!(p.to_text(), "37[]");
}

#[test]
fn whitespace_around_payloads() {
    // JSON allows whitespace around a value.
    let p = decode("2 [\"a\" , 1 ] ");
    assert_eq!(p.event_name(), Ok("a".into()));
    assert_eq!(p.to_text(), "2 [\"a\" , 1 ] ");
    assert_eq!(decode("1 ").kind, Disconnect);
    assert_eq!(decode("0 { } ").data, " { } ");
}

#[test]
fn encode_appends() {
    let mut out = String::from("4");
    packet(Ack, "/admin", 0, Some(13), r#"["bar"]"#).encode(&mut out);
    assert_eq!(out, r#"43/admin,13["bar"]"#);
}

#[test]
fn is_binary() {
    for (kind, binary) in [
        (Connect, false),
        (Disconnect, false),
        (Event, false),
        (Ack, false),
        (ConnectError, false),
        (BinaryEvent, true),
        (BinaryAck, true),
    ] {
        assert_eq!(kind.is_binary(), binary, "{kind:?}");
    }
}

// ---------------------------------------------------------------------------
// Malformed packets: a specific error, never a panic.
// ---------------------------------------------------------------------------

#[test]
fn malformed_type() {
    assert_eq!(err(""), DecodeError::Empty);
    for s in ["7", "8[]", "9", "x", "€", " 2[\"a\"]", "-1", "/admin,0"] {
        assert_eq!(err(s), DecodeError::UnknownSocketPacket, "{s:?}");
    }
}

// SIO "Packet encoding › Format": `<packet type>[<# of binary attachments>-]…`.
#[test]
fn malformed_attachments() {
    for s in [
        r#"5-["baz",{"_placeholder":true,"num":0}]"#,
        "5x-",
        r#"51["baz"]"#,
        "5",
        "6",
        "6-[]",
        r#"5/admin,1-["a"]"#,
    ] {
        assert_eq!(err(s), DecodeError::InvalidAttachments, "{s:?}");
    }
}

// SIO "Sending and receiving data": "The payload is mandatory and MUST be a
// non-empty array"; SIO "Acknowledgement": "The payload is mandatory and MUST
// be an array (possibly empty)".
#[test]
fn malformed_event_payloads() {
    for s in [
        "2",
        "2/admin",
        "2/admin,",
        "212",
        r#"2{"a":1}"#,
        r#"2"foo""#,
        "2null",
        "21",
        "2[]",
        "2 [ ] ",
        "51-",
        r#"51-{"a":1}"#,
    ] {
        assert_eq!(err(s), DecodeError::InvalidPayload, "{s:?}");
    }
    for s in [
        "2[1]",
        "2[null]",
        r#"2[["foo"]]"#,
        r#"2[{"a":"b"}]"#,
        "51-[true]",
    ] {
        assert_eq!(err(s), DecodeError::InvalidEventName, "{s:?}");
    }
    for s in [
        r#"2["foo""#,
        r#"2["foo"]x"#,
        r#"2["foo",]"#,
        r#"2["foo" "bar"]"#,
        r#"2['foo']"#,
        r#"2["foo\x"]"#,
        "2[\"fo\no\"]",
        r#"2/admin,["bar""#,
        r#"2{"a":}"#,
    ] {
        assert_eq!(err(s), DecodeError::InvalidJson, "{s:?}");
    }
}

#[test]
fn malformed_other_payloads() {
    // ACK needs an array.
    for s in [
        "3",
        "3/admin,13",
        r#"3{}"#,
        r#"3"bar""#,
        "61-15",
        r#"61-15{"a":1}"#,
    ] {
        assert_eq!(err(s), DecodeError::InvalidPayload, "{s:?}");
    }
    // The document's stray backtick after `3/admin,13["bar"]` is trailing garbage.
    assert_eq!(err(r#"3/admin,13["bar"]`"#), DecodeError::InvalidJson);
    // CONNECT takes an object or nothing.
    for s in ["0[]", r#"0"x""#, "0/admin,[]", "0true"] {
        assert_eq!(err(s), DecodeError::InvalidPayload, "{s:?}");
    }
    assert_eq!(err("0{"), DecodeError::InvalidJson);
    assert_eq!(err(r#"0{"sid":"a",}"#), DecodeError::InvalidJson);
    // DISCONNECT takes nothing.
    for s in ["1{}", r#"1/admin,["a"]"#, "1null"] {
        assert_eq!(err(s), DecodeError::InvalidPayload, "{s:?}");
    }
    // CONNECT_ERROR takes an object or a string.
    for s in ["4", "4[]", "4/admin,", "41"] {
        assert_eq!(err(s), DecodeError::InvalidPayload, "{s:?}");
    }
    assert_eq!(err(r#"4{"message":"x""#), DecodeError::InvalidJson);
}

// ---------------------------------------------------------------------------
// event_name, event_payload, push_u64.
// ---------------------------------------------------------------------------

#[test]
fn event_names_with_escapes() {
    let cases = [
        (r#"2["a\"b"]"#, "a\"b"),
        (r#"2["a\\b"]"#, "a\\b"),
        (r#"2["\u20ac\n"]"#, "€\n"),
        (r#"2["\ud83d\ude00"]"#, "😀"),
        (r#"2["\ud800"]"#, "\u{fffd}"),
        (r#"2 [ "spaced" , 1 ]"#, "spaced"),
        (r#"2[""]"#, ""),
    ];
    for (wire, name) in cases {
        assert_eq!(decode(wire).event_name(), Ok(name.into()), "{wire:?}");
    }
}

#[test]
fn event_name_on_hand_built_packets() {
    assert_eq!(
        packet(Event, "/", 0, None, r#"{"a":1}"#).event_name(),
        Err(DecodeError::InvalidPayload)
    );
    assert_eq!(
        packet(Event, "/", 0, None, "").event_name(),
        Err(DecodeError::InvalidPayload)
    );
    assert_eq!(
        packet(Event, "/", 0, None, "[]").event_name(),
        Err(DecodeError::InvalidPayload)
    );
    assert_eq!(
        packet(Event, "/", 0, None, "[1]").event_name(),
        Err(DecodeError::InvalidEventName)
    );
    assert_eq!(
        packet(Event, "/", 0, None, "[x").event_name(),
        Err(DecodeError::InvalidJson)
    );
}

// SIO "Sample session": `socket.emit('hey', 'Jude')` is sent as
// `42["hey","Jude"]`; SIO "Sending and receiving data": `["foo"]`.
#[test]
fn event_payload_examples() {
    assert_eq!(event_payload("hey", r#"["Jude"]"#), r#"["hey","Jude"]"#);
    assert_eq!(event_payload("foo", "[]"), r#"["foo"]"#);
    assert_eq!(event_payload("foo", " [ ] "), r#"["foo"]"#);
    assert_eq!(
        event_payload("project:delete", "[123]"),
        r#"["project:delete",123]"#
    );
    assert_eq!(
        event_payload("x", r#"[1,{"a":[2,"]"]}]"#),
        r#"["x",1,{"a":[2,"]"]}]"#
    );
    let wire = packet(Event, "/", 0, None, &event_payload("hey", r#"["Jude"]"#)).to_text();
    assert_eq!(
        engine::Packet::Message(&wire).to_text(),
        r#"42["hey","Jude"]"#
    );
}

#[test]
fn event_payload_escapes_names() {
    let cases = [
        ("a\"b", r#"["a\"b"]"#),
        ("a\\b", r#"["a\\b"]"#),
        ("line\nbreak\r\t", r#"["line\nbreak\r\t"]"#),
        ("\u{1}\u{1f}", r#"["\u0001\u001f"]"#),
        ("€😀", r#"["€😀"]"#),
        ("a/b", r#"["a/b"]"#),
    ];
    for (name, expected) in cases {
        assert_eq!(event_payload(name, "[]"), expected, "{name:?}");
    }
    // Every such name survives an encode/decode trip.
    let names = [
        "",
        "a\"b\\c",
        "\u{0}\u{8}\u{c}\u{1b}\u{7f}",
        "\u{2028}\u{2029}",
        "日本語",
        "😀",
        "]",
        "\",\"x",
    ];
    for name in names {
        let data = event_payload(name, r#"[1,"two"]"#);
        let wire = packet(Event, "/chat", 0, Some(3), &data).to_text();
        let p = decode(&wire);
        assert_eq!(p.event_name(), Ok(name.into()), "{name:?}");
        assert_eq!(p.namespace, "/chat");
        assert_eq!(p.id, Some(3));
    }
}

#[test]
fn push_u64_values() {
    for (v, text) in [
        (0, "0"),
        (7, "7"),
        (10, "10"),
        (12, "12"),
        (MAX_SAFE_INTEGER, "9007199254740991"),
        (u64::MAX, "18446744073709551615"),
    ] {
        let mut out = String::from("x");
        push_u64(&mut out, v);
        assert_eq!(out, String::from("x") + text);
    }
}

// ---------------------------------------------------------------------------
// Property-style: pseudo-random input never panics; what decodes re-encodes to
// text that decodes to an equal packet.
// ---------------------------------------------------------------------------

#[path = "support/rng.rs"]
mod rng;
use rng::XorShift;

const HEADS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "51-",
    "52-",
    "61-",
    "5-",
    "0/admin,",
    "/admin,",
    "/a",
    ",",
    "12",
    "9007199254740992",
    "",
];

const BODY: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "\"foo\"",
    "\"message\"",
    "1",
    "-2.5e3",
    "true",
    "null",
    " ",
    "\\",
    "\\u",
    "d800",
    "\\n",
    "{\"_placeholder\":true,\"num\":0}",
    "€",
    "/",
];

fn random_packet_text(rng: &mut XorShift) -> String {
    let mut s = String::new();
    for _ in 0..1 + rng.below(2) {
        s.push_str(HEADS[rng.below(HEADS.len())]);
    }
    for _ in 0..rng.below(10) {
        if rng.below(8) == 0 {
            s.push(char::from(rng.next() as u8 & 0x7f));
        } else {
            s.push_str(BODY[rng.below(BODY.len())]);
        }
    }
    s
}

#[test]
fn random_packets_round_trip() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut decoded = 0;
    for _ in 0..20_000 {
        let text = random_packet_text(&mut rng);
        let Ok(p) = Packet::decode(&text) else {
            continue;
        };
        decoded += 1;
        let again = p.to_text();
        let q = match Packet::decode(&again) {
            Ok(q) => q,
            Err(e) => panic!("{text:?} re-encoded to {again:?}, which fails: {e:?}"),
        };
        assert_eq!(q, p, "{text:?} -> {again:?}");
        assert_eq!(q.to_text(), again);
        if matches!(p.kind, Event | BinaryEvent) {
            assert!(p.event_name().is_ok(), "{text:?}");
        }
        if p.kind == ConnectError {
            let _ = p.error_message();
        }
    }
    assert!(decoded > 300, "only {decoded} inputs decoded");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0xdead_beef_cafe_f00d);
    for _ in 0..5000 {
        let bytes: Vec<u8> = (0..rng.below(30)).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(p) = Packet::decode(&text) {
            assert_eq!(Packet::decode(&p.to_text()), Ok(p));
        }
    }
}
