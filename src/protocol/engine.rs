//! Engine.IO protocol v4 packets and polling payloads.
//!
//! Spec: <https://github.com/socketio/engine.io-protocol> (v4), sections
//! "Packet encoding" and "Payload encoding". A text packet is one type digit
//! followed by its data:
//!
//! | type | digit | data |
//! |---|---|---|
//! | open | `0` | the handshake JSON (see [`Handshake`]) |
//! | close | `1` | – |
//! | ping | `2` | optional, `probe` during an upgrade |
//! | pong | `3` | echoes the ping's data |
//! | message | `4` | the application data (a Socket.IO packet) |
//! | upgrade | `5` | – |
//! | noop | `6` | – |
//!
//! Binary messages travel as raw binary WebSocket frames, and on HTTP
//! long-polling as `b` + base64 inside the text payload. A polling payload joins
//! packets with the record separator `\x1e`.

use crate::protocol::base64;
use crate::protocol::error::DecodeError;
use crate::protocol::json;
use crate::protocol::time::Duration;
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// The separator between packets of a polling payload.
pub const SEPARATOR: char = '\x1e';

/// One Engine.IO packet, borrowing from the frame it was decoded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    /// `0`: the server's handshake, as JSON text.
    Open(&'a str),
    /// `1`: the transport is closing.
    Close,
    /// `2`: heartbeat (or `2probe` during an upgrade).
    Ping(&'a str),
    /// `3`: heartbeat answer (or `3probe`).
    Pong(&'a str),
    /// `4`: a text message.
    Message(&'a str),
    /// A binary message: a binary frame, or `b` + base64 on polling.
    Binary(Cow<'a, [u8]>),
    /// `5`: switch to the probed transport.
    Upgrade,
    /// `6`: no operation (ends a pending poll during an upgrade).
    Noop,
}

impl<'a> Packet<'a> {
    /// Decodes one text packet (a WebSocket text frame, or one packet of a
    /// polling payload).
    pub fn decode_text(s: &'a str) -> Result<Packet<'a>, DecodeError> {
        let kind = *s.as_bytes().first().ok_or(DecodeError::Empty)?;
        // Every packet type is one ASCII byte; after any other first byte (a UTF-8
        // lead byte included) `get` finds no boundary, and the match refuses it anyway.
        let data = s.get(1..).unwrap_or_default();
        Ok(match kind {
            b'0' => Packet::Open(data),
            b'1' => Packet::Close,
            b'2' => Packet::Ping(data),
            b'3' => Packet::Pong(data),
            b'4' => Packet::Message(data),
            b'5' => Packet::Upgrade,
            b'6' => Packet::Noop,
            b'b' => Packet::Binary(Cow::Owned(base64::decode(data)?)),
            _ => return Err(DecodeError::UnknownEnginePacket),
        })
    }

    /// Decodes a binary WebSocket frame: always a message in Engine.IO v4.
    pub fn decode_binary(b: &'a [u8]) -> Packet<'a> {
        Packet::Binary(Cow::Borrowed(b))
    }

    /// Appends the text encoding of the packet to `out`; binary messages become
    /// `b` + base64, as on the polling transport.
    pub fn encode_text(&self, out: &mut String) {
        match self {
            Packet::Open(d) => {
                out.push('0');
                out.push_str(d);
            }
            Packet::Close => out.push('1'),
            Packet::Ping(d) => {
                out.push('2');
                out.push_str(d);
            }
            Packet::Pong(d) => {
                out.push('3');
                out.push_str(d);
            }
            Packet::Message(d) => {
                out.push('4');
                out.push_str(d);
            }
            Packet::Binary(b) => {
                out.push('b');
                base64::encode_into(out, b);
            }
            Packet::Upgrade => out.push('5'),
            Packet::Noop => out.push('6'),
        }
    }

    /// The text encoding as a new string.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        self.encode_text(&mut s);
        s
    }
}

/// Splits a polling payload into its packets' texts. An empty payload has no
/// packets.
pub fn split_payload(payload: &str) -> impl Iterator<Item = &str> {
    // Bytes, not `str::split`: its searchers would bring their code (and a `char`
    // searcher's panic formatting) into the shipped wasm. The separator is ASCII,
    // so every cut is a char boundary.
    let mut rest = Some(payload);
    core::iter::from_fn(move || loop {
        let s = rest?;
        let (part, next) = match s.bytes().position(|c| c == SEPARATOR as u8) {
            Some(i) => (s.get(..i), s.get(i + 1..)),
            None => (Some(s), None),
        };
        rest = next;
        if let Some(p) = part.filter(|p| !p.is_empty()) {
            return Some(p);
        }
    })
}

/// Decodes every packet of a polling payload; the first malformed packet is an
/// error for the whole payload, as in the reference implementation.
pub fn decode_payload(payload: &str) -> Result<Vec<Packet<'_>>, DecodeError> {
    split_payload(payload).map(Packet::decode_text).collect()
}

/// Joins already-encoded packets into one polling payload.
pub fn encode_payload<S: AsRef<str>>(packets: &[S]) -> String {
    let mut out = String::with_capacity(packets.iter().map(|p| p.as_ref().len() + 1).sum());
    for (k, p) in packets.iter().enumerate() {
        if k > 0 {
            out.push(SEPARATOR);
        }
        out.push_str(p.as_ref());
    }
    out
}

/// The server's open packet: `0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// The session id, sent back as `sid=` on every later request.
    pub sid: String,
    /// Transports the session may upgrade to (`websocket`).
    pub upgrades: Vec<String>,
    /// How often the server sends a ping.
    pub ping_interval: Duration,
    /// How long the server waits for the pong; the client allows
    /// `ping_interval + ping_timeout` between pings before giving up.
    pub ping_timeout: Duration,
    /// The largest polling payload the server accepts, in bytes (none when absent).
    pub max_payload: Option<u64>,
}

impl Handshake {
    /// Parses the handshake JSON. `sid`, `pingInterval` and `pingTimeout` are
    /// required; unknown fields are ignored.
    pub fn parse(text: &str) -> Result<Handshake, DecodeError> {
        let mut sid = None;
        let mut upgrades = Vec::new();
        let mut ping_interval = None;
        let mut ping_timeout = None;
        let mut max_payload = None;
        for member in json::members(text) {
            let (key, value) = member.map_err(|_| DecodeError::InvalidHandshake)?;
            let bad = |_| DecodeError::InvalidHandshake;
            match key.as_str() {
                "sid" => sid = Some(json::decode_string(value).map_err(bad)?),
                "upgrades" => {
                    for u in json::elements(value) {
                        upgrades.push(json::decode_string(u.map_err(bad)?).map_err(bad)?);
                    }
                }
                "pingInterval" => ping_interval = json::parse_u64(value),
                "pingTimeout" => ping_timeout = json::parse_u64(value),
                "maxPayload" => max_payload = json::parse_u64(value),
                _ => {}
            }
        }
        match (sid, ping_interval, ping_timeout) {
            (Some(sid), Some(pi), Some(pt)) if !sid.is_empty() => Ok(Handshake {
                sid,
                upgrades,
                ping_interval: Duration(pi),
                ping_timeout: Duration(pt),
                max_payload,
            }),
            _ => Err(DecodeError::InvalidHandshake),
        }
    }
}
