//! Reading what the client transmits, as the server would.
//!
//! Every POST body record and WebSocket frame must decode as Engine.IO, and every
//! message in it as a Socket.IO packet of the client's namespace: a client that
//! sends something its own codec cannot read is a failure. Events are then sorted
//! into room events (the core's `*_subscribe` / `*_unsubscribe` / `doc_open` /
//! `doc_close`, which the fuzzer never emits itself) and the fuzzer's own emits,
//! which carry a serial number as their first argument.

use frappe_realtime::protocol::client::Transmit;
use frappe_realtime::protocol::engine::{self, Packet as EnginePacket};
use frappe_realtime::protocol::json;
use frappe_realtime::protocol::socket::{Packet, PacketType};

/// One unit of what the client sent on a transport.
#[derive(Debug)]
pub enum Item {
    /// A Socket.IO packet (an Engine.IO message).
    Message(String),
    /// A binary message (an attachment).
    Binary(Vec<u8>),
    /// An Engine.IO control packet: ping, pong, close, upgrade, noop.
    Control,
}

/// A room event as sent: its name and its string arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomOp {
    /// The event name (one `super::rooms::room_event` knows).
    pub name: String,
    /// The arguments (doctype, name or task id).
    pub args: Vec<String>,
}

/// A Socket.IO packet from the client, sorted.
#[derive(Debug)]
pub enum Sent {
    /// A subscription event, and the ack id a join asks for with `join_acks`.
    Room(RoomOp, Option<u64>),
    /// One of the fuzzer's emits.
    Emit {
        /// The serial number (the first argument).
        serial: usize,
        /// The event name.
        name: String,
        /// The ack id on the wire.
        ack: Option<u64>,
        /// How many attachments the header announces.
        attachments: u32,
    },
    /// Anything else: CONNECT, DISCONNECT, an ACK to the server.
    Other,
}

/// The items a transmit carries (none for opens, GETs and closes).
pub fn items(t: &Transmit) -> Vec<Item> {
    match t {
        Transmit::PollPost { body, .. } => engine::split_payload(body).map(item).collect(),
        Transmit::WebSocketText { data, .. } => vec![item(data)],
        Transmit::WebSocketBinary { data, .. } => vec![Item::Binary(data.clone())],
        _ => Vec::new(),
    }
}

fn item(text: &str) -> Item {
    match EnginePacket::decode_text(text) {
        Ok(EnginePacket::Message(m)) => Item::Message(m.to_string()),
        Ok(EnginePacket::Binary(b)) => Item::Binary(b.into_owned()),
        Ok(EnginePacket::Open(_)) => panic!("the client sent an open packet: {text:?}"),
        Ok(_) => Item::Control,
        Err(e) => panic!("the client sent {text:?}, which is not Engine.IO: {e:?}"),
    }
}

/// Decodes and sorts a Socket.IO packet the client sent on `namespace`;
/// `join_acks`: the client's joins ask for an ack (`ClientConfig::join_acks`).
pub fn classify(text: &str, namespace: &str, join_acks: bool) -> Sent {
    let p = Packet::decode(text)
        .unwrap_or_else(|e| panic!("the client sent {text:?}, which is not Socket.IO: {e:?}"));
    assert_eq!(
        p.namespace, namespace,
        "the client sent {text:?} on another namespace"
    );
    if !matches!(p.kind, PacketType::Event | PacketType::BinaryEvent) {
        return Sent::Other;
    }
    let name = p.event_name().expect("decoded events have a name");
    let mut rest = json::elements(p.data)
        .skip(1)
        .map(|e| e.expect("decoded JSON"));
    if let Some(joins) = super::rooms::room_event(&name) {
        assert_eq!(
            p.kind,
            PacketType::Event,
            "room events carry no attachment: {text:?}"
        );
        assert_eq!(
            p.id.is_some(),
            joins && join_acks,
            "a join asks for an ack exactly when join_acks is on, a leave never: {text:?}"
        );
        let args = rest
            .map(|a| {
                json::decode_string(a)
                    .unwrap_or_else(|_| panic!("{text:?}: non-string room argument"))
            })
            .collect();
        return Sent::Room(RoomOp { name, args }, p.id);
    }
    let serial = rest
        .next()
        .and_then(|a| json::parse_u64(a.trim()))
        .unwrap_or_else(|| panic!("an emit without its serial number: {text:?}"));
    Sent::Emit {
        serial: serial as usize,
        name,
        ack: p.id,
        attachments: p.attachments,
    }
}

/// The `pid` in a CONNECT packet's payload (`40<ns>,{"pid":…}`), if `text` is a
/// CONNECT of `namespace`: `Some(None)` for a CONNECT without one.
pub fn connect_pid(text: &str, namespace: &str) -> Option<Option<String>> {
    let p = Packet::decode(text).ok()?;
    if p.kind != PacketType::Connect || p.namespace != namespace {
        return None;
    }
    Some(json::members(p.data).flatten().find_map(|(k, v)| {
        if k == "pid" {
            json::decode_string(v).ok()
        } else {
            None
        }
    }))
}
