//! Spec-derived tests for the Engine.IO v4 codec (`protocol::engine`) and the
//! base64 used for binary messages on the polling transport (`protocol::base64`).
//!
//! Every wire string comes from a protocol document; the comment above each test
//! names the section. Documents and the revisions read:
//!
//! - `EIO` = socketio/engine.io-protocol `README.md` at f21de7b (current, v4).
//! - `EIO@ddf922a` = the same file at ddf922a (2022-10-11, also v4), whose
//!   "Sample session" and "Payload" sections had more examples.
//! - `SIO` = socketio/socket.io-protocol `Readme.md` at 4f633dd (v5), whose
//!   "Sample session" shows Engine.IO frames carrying Socket.IO packets.
//! - `RFC 4648` = "The Base16, Base32, and Base64 Data Encodings".

use frappe_realtime::protocol::base64;
use frappe_realtime::protocol::engine::{
    decode_payload, encode_payload, split_payload, Handshake, Packet, SEPARATOR,
};
use frappe_realtime::protocol::error::DecodeError;
use frappe_realtime::protocol::time::Duration;
use std::borrow::Cow;

fn decode(s: &str) -> Packet<'_> {
    match Packet::decode_text(s) {
        Ok(p) => p,
        Err(e) => panic!("{s:?} did not decode: {e:?}"),
    }
}

fn binary(bytes: &[u8]) -> Packet<'_> {
    Packet::Binary(Cow::Borrowed(bytes))
}

/// Decodes, checks the packet, re-encodes and checks the exact text.
fn both_ways(wire: &str, packet: Packet<'_>) {
    assert_eq!(decode(wire), packet, "decoding {wire:?}");
    assert_eq!(packet.to_text(), wire, "encoding {packet:?}");
    assert_eq!(decode(&packet.to_text()), packet, "round trip of {wire:?}");
}

// ---------------------------------------------------------------------------
// Single packets, every type, both directions.
// ---------------------------------------------------------------------------

// EIO "Protocol" (packet type table: open 0 … noop 6) and EIO@ddf922a "Sample
// session" (request n°1): the open packet carries the handshake JSON.
#[test]
fn open_packet() {
    let wire = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#;
    both_ways(
        wire,
        Packet::Open(
            r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#,
        ),
    );
}

// EIO@ddf922a "Sample session" (WebSocket frames: `> 1 => "close" packet type`).
#[test]
fn close_packet() {
    both_ways("1", Packet::Close);
}

// EIO "Heartbeat" (`2` = ping packet, `3` = pong packet).
#[test]
fn ping_and_pong_packets() {
    both_ways("2", Packet::Ping(""));
    both_ways("3", Packet::Pong(""));
}

// EIO "Upgrade": the client sends `2probe`, the server answers `3probe`, then
// the client sends `5`; the server sends `6` (noop) to a pending GET.
#[test]
fn upgrade_sequence() {
    both_ways("2probe", Packet::Ping("probe"));
    both_ways("3probe", Packet::Pong("probe"));
    both_ways("5", Packet::Upgrade);
    both_ways("6", Packet::Noop);
    // The pong echoes the ping's data.
    let Packet::Ping(data) = decode("2probe") else {
        panic!("not a ping")
    };
    assert_eq!(Packet::Pong(data).to_text(), "3probe");
}

// EIO "Packet encoding" › "WebSocket": `4hello` (message type + UTF-8 payload);
// EIO@ddf922a "4 message" examples: `4HelloWorld`; EIO@ddf922a "Payload": `4€`.
#[test]
fn message_packets() {
    both_ways("4hello", Packet::Message("hello"));
    both_ways("4HelloWorld", Packet::Message("HelloWorld"));
    both_ways("4€", Packet::Message("€"));
    // EIO@ddf922a "Sample session": `4hey`.
    both_ways("4hey", Packet::Message("hey"));
    // An empty message is still a message.
    both_ways("4", Packet::Message(""));
}

// SIO "Sample session": Socket.IO packets travel inside Engine.IO messages.
#[test]
fn messages_carrying_socket_io_packets() {
    both_ways("40", Packet::Message("0"));
    both_ways(
        r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
        Packet::Message(r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#),
    );
    both_ways(r#"42["hey","Jude"]"#, Packet::Message(r#"2["hey","Jude"]"#));
    both_ways("40/admin,", Packet::Message("0/admin,"));
    both_ways(
        r#"461-/admin,1[{"_placeholder":true,"num":0}]"#,
        Packet::Message(r#"61-/admin,1[{"_placeholder":true,"num":0}]"#),
    );
}

// EIO "Packet encoding" › "HTTP long-polling": `b` + base64, `AQIDBA==` is the
// buffer <01 02 03 04>.
#[test]
fn base64_binary_packet() {
    let p = decode("bAQIDBA==");
    assert_eq!(p, binary(&[1, 2, 3, 4]));
    assert!(matches!(p, Packet::Binary(Cow::Owned(_))));
    assert_eq!(binary(&[1, 2, 3, 4]).to_text(), "bAQIDBA==");
    // An empty buffer is `b` with no base64.
    both_ways("b", binary(&[]));
}

// EIO "Packet encoding" › "WebSocket": "Binary payloads are sent as is, without
// modification." A binary frame is a binary message, borrowed.
#[test]
fn binary_frames() {
    let frame = [1u8, 2, 3, 4];
    let p = Packet::decode_binary(&frame);
    assert_eq!(p, binary(&frame));
    assert!(matches!(p, Packet::Binary(Cow::Borrowed(_))));
    // Re-sent on polling, it becomes `b` + base64.
    assert_eq!(p.to_text(), "bAQIDBA==");
    // Every byte value survives the base64 trip.
    let all: Vec<u8> = (0..=255u8).collect();
    let text = Packet::decode_binary(&all).to_text();
    assert_eq!(decode(&text), binary(&all));
    assert_eq!(Packet::decode_binary(&[]), binary(&[]));
}

#[test]
fn encode_text_appends() {
    let mut out = String::from("x");
    Packet::Message("hello").encode_text(&mut out);
    Packet::Noop.encode_text(&mut out);
    binary(&[1, 2, 3, 4]).encode_text(&mut out);
    assert_eq!(out, "x4hello6bAQIDBA==");
}

// EIO "Protocol" table: only 0..=6 exist (and `b` on polling).
#[test]
fn malformed_packets() {
    assert_eq!(Packet::decode_text(""), Err(DecodeError::Empty));
    for bad in [
        "7",
        "8",
        "9",
        "x",
        "B",
        "a",
        "-1",
        " 4hello",
        "€",
        "\u{1e}4hello",
        "{}",
    ] {
        assert_eq!(
            Packet::decode_text(bad),
            Err(DecodeError::UnknownEnginePacket),
            "{bad:?}"
        );
    }
    for bad in [
        "b!!!",
        "bA",
        "bAQIDBA=",
        "bAQIDBA===",
        "b====",
        "bAQ ID",
        "bAQ-_",
    ] {
        assert_eq!(
            Packet::decode_text(bad),
            Err(DecodeError::InvalidBase64),
            "{bad:?}"
        );
    }
}

// Packets that carry no data (close, upgrade, noop) ignore trailing text: what
// they decode to still re-encodes to a packet that decodes the same.
#[test]
fn dataless_packets_ignore_trailing_text() {
    assert_eq!(decode("1bye"), Packet::Close);
    assert_eq!(decode("5x"), Packet::Upgrade);
    assert_eq!(decode("6noop"), Packet::Noop);
}

// ---------------------------------------------------------------------------
// Payloads (HTTP long-polling).
// ---------------------------------------------------------------------------

// EIO "Packet encoding" › "HTTP long-polling": `4hello\x1e2\x1e4world`.
#[test]
fn payload_of_three_packets() {
    let wire = "4hello\x1e2\x1e4world";
    assert_eq!(SEPARATOR, '\x1e');
    assert_eq!(
        split_payload(wire).collect::<Vec<_>>(),
        ["4hello", "2", "4world"]
    );
    assert_eq!(
        decode_payload(wire),
        Ok(vec![
            Packet::Message("hello"),
            Packet::Ping(""),
            Packet::Message("world")
        ])
    );
    assert_eq!(encode_payload(&["4hello", "2", "4world"]), wire);
}

// EIO "Packet encoding" › "HTTP long-polling": `4hello\x1ebAQIDBA==`.
#[test]
fn payload_with_binary() {
    let wire = "4hello\x1ebAQIDBA==";
    assert_eq!(
        decode_payload(wire),
        Ok(vec![Packet::Message("hello"), binary(&[1, 2, 3, 4])])
    );
    let texts = [
        Packet::Message("hello").to_text(),
        binary(&[1, 2, 3, 4]).to_text(),
    ];
    assert_eq!(encode_payload(&texts), wire);
}

// EIO@ddf922a "Payload": `4hello\x1e4€` and `4€\x1ebAQIDBA==`.
#[test]
fn payloads_with_non_ascii() {
    assert_eq!(
        decode_payload("4hello\x1e4€"),
        Ok(vec![Packet::Message("hello"), Packet::Message("€")])
    );
    assert_eq!(encode_payload(&["4hello", "4€"]), "4hello\x1e4€");
    let wire = "4€\x1ebAQIDBA==";
    assert_eq!(
        decode_payload(wire),
        Ok(vec![Packet::Message("€"), binary(&[1, 2, 3, 4])])
    );
    assert_eq!(encode_payload(&["4€", "bAQIDBA=="]), wire);
    // The same with the brief's combined form.
    assert_eq!(
        decode_payload("4hello\x1e4€\x1ebAQIDBA=="),
        Ok(vec![
            Packet::Message("hello"),
            Packet::Message("€"),
            binary(&[1, 2, 3, 4])
        ])
    );
}

// EIO "Test suite" (test-suite.js, "message › HTTP long-polling › sends and
// receives a payload containing several plain text packets"):
// `4test1\x1e4test2\x1e4test3`; SIO "Sample session" (request n°5):
// `42["hello"]\x1e42["world"]`.
#[test]
fn more_spec_payloads() {
    let wire = "4test1\x1e4test2\x1e4test3";
    let packets = decode_payload(wire).unwrap();
    assert_eq!(
        packets,
        [
            Packet::Message("test1"),
            Packet::Message("test2"),
            Packet::Message("test3")
        ]
    );
    let texts: Vec<String> = packets.iter().map(Packet::to_text).collect();
    assert_eq!(encode_payload(&texts), wire);

    let wire = "42[\"hello\"]\x1e42[\"world\"]";
    assert_eq!(
        decode_payload(wire),
        Ok(vec![
            Packet::Message(r#"2["hello"]"#),
            Packet::Message(r#"2["world"]"#)
        ])
    );
    assert_eq!(encode_payload(&[r#"42["hello"]"#, r#"42["world"]"#]), wire);
}

// EIO "Packet encoding": a payload of one packet has no separator.
#[test]
fn single_packet_payload() {
    assert_eq!(split_payload("4hello").collect::<Vec<_>>(), ["4hello"]);
    assert_eq!(encode_payload(&["4hello"]), "4hello");
    assert_eq!(decode_payload("6"), Ok(vec![Packet::Noop]));
}

// The crate documents that an empty payload has no packets (and so empty
// records between separators are skipped).
#[test]
fn empty_payloads() {
    assert_eq!(split_payload("").count(), 0);
    assert_eq!(decode_payload(""), Ok(vec![]));
    assert_eq!(encode_payload::<&str>(&[]), "");
    assert_eq!(split_payload("\x1e\x1e").count(), 0);
    assert_eq!(
        decode_payload("4a\x1e\x1e4b"),
        Ok(vec![Packet::Message("a"), Packet::Message("b")])
    );
}

// The first malformed packet fails the whole payload.
#[test]
fn malformed_payloads() {
    assert_eq!(
        decode_payload("4hello\x1e9"),
        Err(DecodeError::UnknownEnginePacket)
    );
    assert_eq!(
        decode_payload("4hello\x1eb!!!"),
        Err(DecodeError::InvalidBase64)
    );
    assert_eq!(
        decode_payload("x\x1e4hello"),
        Err(DecodeError::UnknownEnginePacket)
    );
}

// ---------------------------------------------------------------------------
// Handshake.
// ---------------------------------------------------------------------------

fn handshake(text: &str) -> Handshake {
    match Handshake::parse(text) {
        Ok(h) => h,
        Err(e) => panic!("{text:?} did not parse: {e:?}"),
    }
}

// EIO "Handshake": the example payload of the open packet, exactly as printed
// (pretty JSON with newlines and indentation).
#[test]
fn handshake_example_as_printed() {
    let text = "{\n  \"sid\": \"lv_VI97HAXpY6yYWAAAC\",\n  \"upgrades\": [\"websocket\"],\n  \"pingInterval\": 25000,\n  \"pingTimeout\": 20000,\n  \"maxPayload\": 1000000\n}";
    assert_eq!(
        handshake(text),
        Handshake {
            sid: "lv_VI97HAXpY6yYWAAAC".into(),
            upgrades: vec!["websocket".into()],
            ping_interval: Duration(25000),
            ping_timeout: Duration(20000),
            max_payload: Some(1_000_000),
        }
    );
}

// The same example as a real server sends it (compact), inside its open packet.
#[test]
fn handshake_compact_open_packet() {
    let wire = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    let Packet::Open(json) = decode(wire) else {
        panic!("not an open packet")
    };
    let h = handshake(json);
    assert_eq!(h.sid, "lv_VI97HAXpY6yYWAAAC");
    assert_eq!(h.upgrades, ["websocket"]);
    assert_eq!(h.ping_interval, Duration::from_millis(25000));
    assert_eq!(h.ping_timeout, Duration::from_millis(20000));
    assert_eq!(h.max_payload, Some(1_000_000));
}

// SIO "Sample session" (request n°1) and EIO@ddf922a "Sample session":
// pingTimeout 5000.
#[test]
fn handshake_sample_session() {
    let wire = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#;
    let Packet::Open(json) = decode(wire) else {
        panic!("not an open packet")
    };
    let h = handshake(json);
    assert_eq!(h.ping_timeout, Duration(5000));
    assert_eq!(h.ping_interval, Duration(25000));
}

// EIO "Test suite" (test-suite.js, "handshake › WebSocket › successfully opens
// a session"): a WebSocket-only session lists no upgrades
// (`upgrades` eql `[]`); fields in any order, unknown fields ignored.
#[test]
fn handshake_variants() {
    let h = handshake(
        r#"{"maxPayload":1000000,"pingTimeout":200,"pingInterval":300,"upgrades":[],"sid":"abc"}"#,
    );
    assert_eq!(h.upgrades, Vec::<String>::new());
    assert_eq!(h.ping_interval, Duration(300));
    assert_eq!(h.ping_timeout, Duration(200));

    // Without upgrades and maxPayload (older servers), plus unknown fields.
    let h = handshake(
        r#"{"sid":"a\/b\u0041","pingInterval":1,"pingTimeout":2,"extra":{"x":[1,{"y":null}]},"z":true}"#,
    );
    assert_eq!(h.sid, "a/bA");
    assert!(h.upgrades.is_empty());
    assert_eq!(h.max_payload, None);

    // Several upgrades, whitespace everywhere.
    let h = handshake(
        " { \"sid\" : \"s\" , \"upgrades\" : [ \"websocket\" , \"webtransport\" ] , \"pingInterval\" : 25000 , \"pingTimeout\" : 20000 } ",
    );
    assert_eq!(h.upgrades, ["websocket", "webtransport"]);
}

// EIO "Handshake": `sid`, `pingInterval` and `pingTimeout` are needed to run
// the session; anything missing or of the wrong type is an invalid handshake.
#[test]
fn handshake_errors() {
    let bad = [
        "",
        "{}",
        "[]",
        "null",
        r#""sid""#,
        // Missing each required field in turn.
        r#"{"upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
        r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingTimeout":20000,"maxPayload":1000000}"#,
        r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"maxPayload":1000000}"#,
        // Wrong types.
        r#"{"sid":42,"pingInterval":25000,"pingTimeout":20000}"#,
        r#"{"sid":"","pingInterval":25000,"pingTimeout":20000}"#,
        r#"{"sid":"s","pingInterval":"25000","pingTimeout":20000}"#,
        r#"{"sid":"s","pingInterval":-1,"pingTimeout":20000}"#,
        r#"{"sid":"s","pingInterval":25000,"pingTimeout":2.5}"#,
        r#"{"sid":"s","upgrades":"websocket","pingInterval":25000,"pingTimeout":20000}"#,
        r#"{"sid":"s","upgrades":[1],"pingInterval":25000,"pingTimeout":20000}"#,
        // Malformed JSON.
        r#"{"sid":"s","pingInterval":25000,"pingTimeout":20000"#,
        r#"{"sid":"s","pingInterval":25000,"pingTimeout":20000,}"#,
        r#"{"sid":"s" "pingInterval":25000,"pingTimeout":20000}"#,
        // EIO@ddf922a "Sample session with WebSocket only" printed the
        // handshake with a stray `}`: `{"sid":…,"maxPayload":1000000}}`.
        r#"{"sid":"lv_VI97HAXpY6yYWAAAC","pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}}"#,
    ];
    for text in bad {
        assert_eq!(
            Handshake::parse(text),
            Err(DecodeError::InvalidHandshake),
            "{text:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Base64.
// ---------------------------------------------------------------------------

// RFC 4648 §10 "Test Vectors" (BASE64).
#[test]
fn base64_rfc4648_vectors() {
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in vectors {
        let mut out = String::new();
        base64::encode_into(&mut out, plain.as_bytes());
        assert_eq!(out, encoded);
        assert_eq!(base64::decode(encoded), Ok(plain.as_bytes().to_vec()));
    }
}

// RFC 4648 §4 alphabet; round trips of every length 0..=10 with several byte
// patterns (all zeros, all ones, counting, and the high bit).
#[test]
fn base64_round_trips_all_lengths() {
    let patterns: [fn(usize) -> u8; 5] = [
        |_| 0x00,
        |_| 0xff,
        |k| k as u8,
        |k| (k as u8).wrapping_mul(37).wrapping_add(0x80),
        |k| if k % 2 == 0 { 0xfb } else { 0xef },
    ];
    for len in 0..=10usize {
        for pattern in patterns {
            let data: Vec<u8> = (0..len).map(pattern).collect();
            let mut text = String::new();
            base64::encode_into(&mut text, &data);
            assert_eq!(text.len(), len.div_ceil(3) * 4, "length of {data:?}");
            assert!(text
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='));
            assert_eq!(base64::decode(&text), Ok(data.clone()), "{text:?}");
            // Padding is optional on input.
            let bare = text.trim_end_matches('=');
            assert_eq!(base64::decode(bare), Ok(data.clone()), "{bare:?}");
        }
    }
    // `+` and `/` are the last two symbols.
    let mut out = String::new();
    base64::encode_into(&mut out, &[0xfb, 0xff, 0xbf]);
    assert_eq!(out, "+/+/");
    assert_eq!(base64::decode("+/+/"), Ok(vec![0xfb, 0xff, 0xbf]));
}

#[test]
fn base64_encode_appends() {
    let mut out = String::from("b");
    base64::encode_into(&mut out, &[1, 2, 3, 4]);
    assert_eq!(out, "bAQIDBA==");
}

// RFC 4648 §3.3: characters outside the alphabet are rejected; a lone final
// symbol cannot carry a whole byte.
#[test]
fn base64_invalid_input() {
    let bad = [
        "!!!",
        "A",
        "AQIDB",
        "=",
        "==",
        "===",
        "====",
        "A===",
        "Zg=",
        "Zg===",
        "Zm9v=",
        "Zg==Zg==",
        "Zm 9v",
        "Zm9v\n",
        " Zm9v",
        "Zm-_",
        "Zm9€",
        "Zg=A",
        "QQ==\u{0}",
    ];
    for text in bad {
        assert_eq!(
            base64::decode(text),
            Err(DecodeError::InvalidBase64),
            "{text:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Property-style: pseudo-random input never panics, and what decodes
// re-encodes to text that decodes to an equal packet.
// ---------------------------------------------------------------------------

#[path = "support/rng.rs"]
mod rng;
use rng::XorShift;

/// Pieces that make random text likely to hit every branch of the decoder.
const PIECES: &[&str] = &[
    "0", "1", "2", "3", "4", "5", "6", "7", "b", "B", "\x1e", "\x1e", "probe", "hello", "€", "=",
    "==", "A", "Q", "AQIDBA", "+", "/", "!", " ", "{", "}", "\"", "\u{0}", "é", "😀",
];

fn random_text(rng: &mut XorShift) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(12) {
        if rng.below(4) == 0 {
            // A random scalar value, to reach non-ASCII paths.
            let c = char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{fffd}');
            s.push(c);
        } else {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    s
}

#[test]
fn random_packets_round_trip() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut decoded = 0;
    for _ in 0..5000 {
        let text = random_text(&mut rng);
        if let Ok(p) = Packet::decode_text(&text) {
            decoded += 1;
            let again = p.to_text();
            assert_eq!(Packet::decode_text(&again).as_ref(), Ok(&p), "{text:?}");
            // Text packets keep their data exactly.
            if !matches!(
                p,
                Packet::Close | Packet::Upgrade | Packet::Noop | Packet::Binary(_)
            ) {
                assert_eq!(again, text);
            }
        }
        if let Ok(packets) = decode_payload(&text) {
            let texts: Vec<String> = packets.iter().map(Packet::to_text).collect();
            let joined = encode_payload(&texts);
            assert_eq!(decode_payload(&joined), Ok(packets.clone()), "{text:?}");
        }
    }
    assert!(decoded > 500, "only {decoded} inputs decoded");
}

#[test]
fn random_bytes_round_trip() {
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    for _ in 0..3000 {
        let data: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
        let p = Packet::decode_binary(&data);
        let text = p.to_text();
        assert_eq!(Packet::decode_text(&text), Ok(binary(&data)));
        // Arbitrary bytes as (lossy) text never panic the text decoders.
        let lossy = String::from_utf8_lossy(&data);
        let _ = Packet::decode_text(&lossy);
        let _ = decode_payload(&lossy);
        let _ = Handshake::parse(&lossy);
        let _ = base64::decode(&lossy);
    }
}
