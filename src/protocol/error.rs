//! Error values of the core, split by who is at fault (as h11 does):
//!
//! - [`DecodeError`]: the peer sent bytes that are not valid Engine.IO v4 /
//!   Socket.IO v5. Never a panic; the client reports it as an event and goes on.
//!   (A server event with a reserved name is reported apart, as
//!   `Event::Refused`, with the message [`reserved_event_message`] builds: the
//!   error stays `Copy`, which keeps the shipped wasm smaller.)
//! - [`UsageError`]: the caller asked for something invalid (a reserved event
//!   name, arguments that are not a JSON array). Nothing is sent.
//!
//! Messages are static text, or built by appending strings (the name of a
//! reserved event), so the shipped wasm carries no `core::fmt`.

use alloc::string::String;

/// Why a frame from the network could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The frame was empty.
    Empty,
    /// The Engine.IO packet type is not one of `0`..=`6` (or `b` on polling).
    UnknownEnginePacket,
    /// The Socket.IO packet type is not one of `0`..=`6`.
    UnknownSocketPacket,
    /// A base64 (`b…`) message was not valid base64.
    InvalidBase64,
    /// The binary attachment count (`51-`) was missing its `-` or overflowed.
    InvalidAttachments,
    /// The ack id overflowed.
    InvalidAckId,
    /// The payload was not valid JSON.
    InvalidJson,
    /// The payload had the wrong JSON shape for its packet type.
    InvalidPayload,
    /// An EVENT's first element was not a string event name.
    InvalidEventName,
    /// The Engine.IO open packet lacked a required field.
    InvalidHandshake,
    /// A binary frame arrived when no attachment was expected.
    UnexpectedBinary,
    /// A binary packet announced more attachments than `max_attachments`
    /// (closes the connection).
    TooManyAttachments,
    /// The attachments of one binary packet held more bytes than
    /// `max_attachment_bytes` (closes the connection).
    AttachmentsTooLarge,
    /// More server ack requests were left unanswered than the client keeps:
    /// the oldest was dropped (reported once per connection).
    TooManyAckRequests,
    /// A polling response held more than [`MAX_PAYLOAD_PACKETS`] packets (closes
    /// the connection).
    ///
    /// [`MAX_PAYLOAD_PACKETS`]: crate::protocol::client::MAX_PAYLOAD_PACKETS
    TooManyPackets,
}

impl DecodeError {
    /// A short human-readable description.
    /// Whether the error closes the connection (a limit of what the client
    /// holds for the server was passed).
    pub fn closes(self) -> bool {
        matches!(
            self,
            DecodeError::TooManyAttachments
                | DecodeError::AttachmentsTooLarge
                | DecodeError::TooManyPackets
        )
    }

    pub fn message(self) -> &'static str {
        match self {
            DecodeError::Empty => "empty frame",
            DecodeError::UnknownEnginePacket => "unknown Engine.IO packet type",
            DecodeError::UnknownSocketPacket => "unknown Socket.IO packet type",
            DecodeError::InvalidBase64 => "invalid base64 in binary message",
            DecodeError::InvalidAttachments => "invalid binary attachment count",
            DecodeError::InvalidAckId => "invalid ack id",
            DecodeError::InvalidJson => "invalid JSON payload",
            DecodeError::InvalidPayload => "payload has the wrong shape for its packet type",
            DecodeError::InvalidEventName => "event name is not a string",
            DecodeError::InvalidHandshake => "invalid Engine.IO handshake",
            DecodeError::UnexpectedBinary => "binary frame without a pending attachment",
            DecodeError::TooManyAttachments => "attachments over maxAttachments",
            DecodeError::AttachmentsTooLarge => "attachment bytes over maxAttachmentBytes",
            DecodeError::TooManyAckRequests => "over 1000 ack requests unanswered, oldest dropped",
            DecodeError::TooManyPackets => "polling response over 10000 packets",
        }
    }
}

/// The message of a server event named `name` refused for its reserved name
/// ([`crate::protocol::seam::is_reserved`]):
/// `server event "<name>" has a reserved name; not delivered`.
pub fn reserved_event_message(name: &str) -> String {
    let mut message = String::from("server event \"");
    message.push_str(name);
    message.push_str("\" has a reserved name; not delivered");
    message
}

/// Why a command from the caller was refused. Nothing was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageError {
    /// The event name is reserved by Socket.IO (`connect`, `disconnect`, …).
    ReservedEventName,
    /// The event name was empty.
    EmptyEventName,
    /// The arguments were not a JSON array.
    ArgumentsNotArray,
    /// The auth payload was not a JSON object.
    AuthNotObject,
    /// A Frappe subscription was given an empty doctype, name or task id.
    EmptySubscription,
    /// The ack id is not one the server asked for.
    UnknownAck,
    /// The transports list was empty.
    NoTransports,
}

impl UsageError {
    /// A short human-readable description, suitable for a JS `TypeError`.
    pub fn message(self) -> &'static str {
        match self {
            UsageError::ReservedEventName => "event name is reserved",
            UsageError::EmptyEventName => "event name must be a non-empty string",
            UsageError::ArgumentsNotArray => "arguments must serialise to a JSON array",
            UsageError::AuthNotObject => "auth must be a JSON object",
            UsageError::EmptySubscription => "subscription arguments must be non-empty strings",
            UsageError::UnknownAck => "no pending server ack with this id",
            UsageError::NoTransports => "transports must list at least one transport",
        }
    }
}
