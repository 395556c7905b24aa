//! Socket.IO protocol v5 packets (carried inside Engine.IO `message`s).
//!
//! Spec: <https://github.com/socketio/socket.io-protocol> (v5), "Packet format":
//!
//! ```text
//! <packet type>[<# of binary attachments>-][<namespace>,][<acknowledgment id>][JSON-stringified payload]
//! ```
//!
//! The decoder reads the header and checks that the payload is well-formed JSON
//! of the right shape for its type, but keeps the payload as text: the event
//! name is the only value it decodes. `{"_placeholder":true,"num":n}` objects in
//! BINARY_EVENT / BINARY_ACK payloads are left in place for the consumer to
//! replace with the attachments, which follow as separate binary messages.

use crate::protocol::error::DecodeError;
use crate::protocol::json;
use alloc::string::String;

/// Socket.IO packet types, in spec order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketType {
    /// `0`: connect to a namespace (client → server with optional auth;
    /// server → client with `{"sid":…}`).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event, `["name", …args]`.
    Event,
    /// `3`: an acknowledgement, `[…args]`.
    Ack,
    /// `4`: the server refused the namespace connection, `{"message":…}`.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck,
}

impl PacketType {
    fn from_digit(c: u8) -> Option<PacketType> {
        Some(match c {
            b'0' => PacketType::Connect,
            b'1' => PacketType::Disconnect,
            b'2' => PacketType::Event,
            b'3' => PacketType::Ack,
            b'4' => PacketType::ConnectError,
            b'5' => PacketType::BinaryEvent,
            b'6' => PacketType::BinaryAck,
            _ => return None,
        })
    }

    fn digit(self) -> char {
        match self {
            PacketType::Connect => '0',
            PacketType::Disconnect => '1',
            PacketType::Event => '2',
            PacketType::Ack => '3',
            PacketType::ConnectError => '4',
            PacketType::BinaryEvent => '5',
            PacketType::BinaryAck => '6',
        }
    }

    /// Whether binary attachments follow this packet.
    pub fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }
}

/// One Socket.IO packet; `data` is the raw JSON payload text (`""` when absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The packet type.
    pub kind: PacketType,
    /// The namespace, `/` when the packet names none.
    pub namespace: &'a str,
    /// How many binary attachments follow (BINARY_EVENT / BINARY_ACK only).
    pub attachments: u32,
    /// The acknowledgement id, if any.
    pub id: Option<u64>,
    /// The payload as JSON text, or `""`.
    pub data: &'a str,
}

fn digits(b: &[u8], mut i: usize) -> (Option<u64>, usize, bool) {
    let start = i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while let Some(&c @ b'0'..=b'9') = b.get(i) {
        match json::push_digit(v, c - b'0') {
            Some(n) => v = n,
            None => overflow = true,
        }
        i += 1;
    }
    ((i > start).then_some(v), i, overflow)
}

impl<'a> Packet<'a> {
    /// Decodes a Socket.IO packet from the text of an Engine.IO message.
    pub fn decode(s: &'a str) -> Result<Packet<'a>, DecodeError> {
        let b = s.as_bytes();
        let kind = PacketType::from_digit(*b.first().ok_or(DecodeError::Empty)?)
            .ok_or(DecodeError::UnknownSocketPacket)?;
        let mut i = 1;
        let mut attachments = 0;
        if kind.is_binary() {
            let (n, end, overflow) = digits(b, i);
            match (n, b.get(end)) {
                (Some(n), Some(b'-')) if !overflow && n <= u64::from(u32::MAX) => {
                    attachments = n as u32;
                    i = end + 1;
                }
                _ => return Err(DecodeError::InvalidAttachments),
            }
        }
        let mut namespace = "/";
        if b.get(i) == Some(&b'/') {
            let end = b
                .iter()
                .skip(i)
                .position(|&c| c == b',')
                .map_or(s.len(), |k| i + k);
            namespace = s.get(i..end).unwrap_or("/");
            i = (end + 1).min(s.len());
        }
        let (id, end, overflow) = digits(b, i);
        if overflow || id.is_some_and(|v| v > MAX_SAFE_INTEGER) {
            return Err(DecodeError::InvalidAckId);
        }
        let data = s.get(end..).unwrap_or_default();
        let packet = Packet {
            kind,
            namespace,
            attachments,
            id,
            data,
        };
        packet.check_payload()?;
        Ok(packet)
    }

    /// Checks the payload's JSON shape against the packet type (as the
    /// reference parser's `isPayloadValid` does).
    fn check_payload(&self) -> Result<(), DecodeError> {
        let first = json::skip_ws(self.data.as_bytes(), 0);
        let opens = |c: u8| self.data.as_bytes().get(first) == Some(&c);
        let empty = first == self.data.len();
        if !empty {
            json::validate(self.data)?;
        }
        let ok = match self.kind {
            PacketType::Connect => empty || opens(b'{'),
            PacketType::Disconnect => empty,
            PacketType::ConnectError => opens(b'{') || opens(b'"'),
            PacketType::Ack | PacketType::BinaryAck => opens(b'['),
            PacketType::Event | PacketType::BinaryEvent => {
                return self.event_name().map(|_| ());
            }
        };
        if ok {
            Ok(())
        } else {
            Err(DecodeError::InvalidPayload)
        }
    }

    /// The event name: the first element of an EVENT / BINARY_EVENT payload.
    ///
    /// A payload that is missing or not an array (`2`, `2{"a":1}`) is
    /// [`DecodeError::InvalidPayload`], an empty array too (the spec requires a
    /// non-empty one); a first element that is not a string is
    /// [`DecodeError::InvalidEventName`].
    pub fn event_name(&self) -> Result<String, DecodeError> {
        let b = self.data.as_bytes();
        if b.get(json::skip_ws(b, 0)) != Some(&b'[') {
            return Err(DecodeError::InvalidPayload);
        }
        match json::elements(self.data).next() {
            Some(Ok(first)) if first.starts_with('"') => json::decode_string(first),
            Some(Ok(_)) => Err(DecodeError::InvalidEventName),
            Some(Err(_)) => Err(DecodeError::InvalidJson),
            None => Err(DecodeError::InvalidPayload),
        }
    }

    /// The `message` of a CONNECT_ERROR payload: `{"message":"…"}` in v5, or a
    /// bare string from older servers.
    pub fn error_message(&self) -> Option<String> {
        if json::trim_ws(self.data).starts_with('"') {
            return json::decode_string(self.data).ok();
        }
        json::members(self.data).find_map(|m| match m {
            Ok((k, v)) if k == "message" => json::decode_string(v).ok(),
            _ => None,
        })
    }

    /// Appends the encoded packet to `out`.
    pub fn encode(&self, out: &mut String) {
        out.push(self.kind.digit());
        if self.kind.is_binary() {
            push_u64(out, u64::from(self.attachments));
            out.push('-');
        }
        if self.namespace != "/" && !self.namespace.is_empty() {
            out.push_str(self.namespace);
            out.push(',');
        }
        if let Some(id) = self.id {
            push_u64(out, id);
        }
        out.push_str(self.data);
    }

    /// The encoded packet as a new string.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        self.encode(&mut s);
        s
    }
}

/// The largest ack id a JavaScript peer can represent exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Appends `v` in decimal without `core::fmt`.
pub fn push_u64(out: &mut String, v: u64) {
    push_digits::<10>(out, v);
}

/// Appends `v` in base `RADIX` (2 to 36, lowercase), without `core::fmt` or a
/// panicking index.
pub fn push_digits<const RADIX: u64>(out: &mut String, mut v: u64) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 64];
    let mut n = 0;
    loop {
        if let Some(d) = buf.get_mut(n) {
            *d = DIGITS[(v % RADIX % 36) as usize];
        }
        n += 1;
        v /= RADIX;
        if v == 0 {
            break;
        }
    }
    // Least significant digit first in `buf`.
    for &c in buf.iter().take(n).rev() {
        out.push(char::from(c));
    }
}

/// Builds the payload of an EVENT, `["name",…args]`, from the event name and the
/// JSON text of the argument array (`[]`, `[1,{"a":2}]`, …), which must already
/// be validated as an array.
pub fn event_payload(name: &str, args: &str) -> String {
    let inner = json::trim_ws(args);
    let inner = inner
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or("");
    let mut out = String::with_capacity(name.len() + inner.len() + 5);
    out.push('[');
    json::write_string(&mut out, name);
    if !json::trim_ws(inner).is_empty() {
        out.push(',');
        out.push_str(inner);
    }
    out.push(']');
    out
}
