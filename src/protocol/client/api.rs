//! The values that cross the client's API: what the driver must do
//! ([`Transmit`]), what the application hears ([`Event`] and the reasons it
//! carries), how an emit asks for an ack ([`AckRequest`]) and the coarse
//! [`State`]. All are re-exported by `protocol::client`, their public home.
//!
//! Data only: no state of the client lives here, and nothing here depends on
//! the client or its parts.

use crate::protocol::error::DecodeError;
use crate::protocol::time::{Duration, Instant};
use alloc::string::String;
use alloc::vec::Vec;

/// Identifies one transport (one WebSocket, or one polling session's requests).
pub type TransportId = u32;

/// Something the driver must do on the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmit {
    /// Open a WebSocket to `url` (path and query, relative to the server's
    /// origin; the driver picks `ws:` / `wss:`), then report
    /// `handle_transport_open` or `handle_transport_closed`.
    WebSocketOpen {
        /// The new transport.
        transport: TransportId,
        /// Path and query.
        url: String,
        /// First ask over plain HTTP (a `GET` of `url`) whether anything
        /// answers, and open the WebSocket only if a response came that is not
        /// a proxy's 502, 503 or 504; else report the transport closed without
        /// error (`session.rs`, "Checks").
        check: bool,
    },
    /// Send a text frame on an open WebSocket.
    WebSocketText {
        /// The WebSocket.
        transport: TransportId,
        /// The frame.
        data: String,
    },
    /// Send a binary frame on an open WebSocket.
    WebSocketBinary {
        /// The WebSocket.
        transport: TransportId,
        /// The frame.
        data: Vec<u8>,
    },
    /// Issue a long-polling `GET`; report its body with `handle_text`.
    PollGet {
        /// The polling transport.
        transport: TransportId,
        /// Path and query.
        url: String,
    },
    /// Issue a long-polling `POST` of `body`; report its end with `handle_sent`.
    PollPost {
        /// The polling transport.
        transport: TransportId,
        /// Path and query.
        url: String,
        /// The payload (packets joined by `\x1e`).
        body: String,
    },
    /// Close the transport once the frames already handed over are sent;
    /// abort a pending `GET`. Report nothing more for it.
    Close {
        /// The transport.
        transport: TransportId,
    },
}

/// Why the connection ended; `as_str` gives socket.io-client's reason strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The server disconnected the socket (`socket.disconnect()`); no reconnect.
    IoServerDisconnect,
    /// The application called `disconnect()`; no reconnect.
    IoClientDisconnect,
    /// No ping within `pingInterval + pingTimeout`.
    PingTimeout,
    /// The transport closed (or the server sent an Engine.IO close).
    TransportClose,
    /// The transport failed.
    TransportError,
    /// The server sent what the client refuses to hold (a limit passed) or too
    /// many malformed packets on one connection.
    ParseError,
}

impl DisconnectReason {
    /// socket.io-client's string for this reason.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::IoServerDisconnect => "io server disconnect",
            DisconnectReason::IoClientDisconnect => "io client disconnect",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ParseError => "parse error",
        }
    }

    /// Whether the client reconnects after this reason.
    pub fn reconnects(self) -> bool {
        !matches!(
            self,
            DisconnectReason::IoServerDisconnect | DisconnectReason::IoClientDisconnect
        )
    }
}

/// Who refused a connection attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectErrorKind {
    /// The server answered CONNECT_ERROR (auth, origin, namespace); terminal.
    Server,
    /// The transport failed before the namespace connected; retried.
    Transport,
    /// The attempt took longer than `timeout`; retried.
    Timeout,
    /// The server's handshake could not be decoded; retried.
    Handshake,
}

/// Why an emit with an ack will never be acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckFailure {
    /// No answer within the emit's timeout.
    Timeout,
    /// The connection ended after the emit was sent.
    Disconnected,
}

/// Why the offline buffer dropped an emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// The buffer was full (see [`OverflowPolicy`](crate::protocol::config::OverflowPolicy)).
    BufferFull,
    /// The emit waited longer than `buffer_max_age`.
    Expired,
    /// The packet is larger than the server's `maxPayload`, which would close
    /// the connection; it was not sent.
    TooLarge,
}

/// What the application should hear about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The namespace connected (`connect`).
    Connect {
        /// The socket id.
        sid: String,
        /// Whether the server restored the previous session (connection state
        /// recovery): rooms kept and missed packets replayed.
        recovered: bool,
    },
    /// A connection attempt failed (`connect_error`).
    ConnectError {
        /// Who failed.
        kind: ConnectErrorKind,
        /// The server's message, or socket.io-client's (`timeout`, `xhr poll error`, `websocket error`).
        message: String,
        /// The CONNECT_ERROR payload as JSON text (`""` for local failures).
        data: String,
    },
    /// The connection ended (`disconnect`).
    Disconnect {
        /// Why.
        reason: DisconnectReason,
    },
    /// A reconnect attempt is scheduled (for a "retrying in N s" indicator).
    ReconnectScheduled {
        /// The attempt number, from 1.
        attempt: u32,
        /// The backoff delay.
        delay: Duration,
        /// When the attempt starts.
        at: Instant,
    },
    /// A reconnect attempt starts (`reconnect_attempt`).
    ReconnectAttempt {
        /// The attempt number, from 1.
        attempt: u32,
    },
    /// A reconnect attempt succeeded (`reconnect`), just before `Connect`.
    Reconnect {
        /// The attempt that succeeded.
        attempt: u32,
    },
    /// `reconnection_attempts` were used up (`reconnect_failed`).
    ReconnectFailed,
    /// The transport upgraded from polling to WebSocket.
    Upgrade,
    /// The WebSocket probe failed; the session stays on polling.
    UpgradeError,
    /// An event from the server.
    Message {
        /// The event name.
        name: String,
        /// The whole payload as JSON text, `["name", …args]`; binary
        /// placeholders left in place.
        data: String,
        /// The ack id when the server asked for an acknowledgement (answer with [`Client::ack`](crate::protocol::client::Client::ack)).
        ack: Option<u64>,
        /// The binary attachments, in placeholder order.
        attachments: Vec<Vec<u8>>,
    },
    /// The server acknowledged one of our emits.
    Ack {
        /// The id returned by [`Client::emit`](crate::protocol::client::Client::emit).
        id: u64,
        /// The ack's arguments as a JSON array text.
        data: String,
        /// The binary attachments.
        attachments: Vec<Vec<u8>>,
    },
    /// An emit's ack will never come.
    AckFailed {
        /// The id returned by [`Client::emit`](crate::protocol::client::Client::emit).
        id: u64,
        /// Why.
        reason: AckFailure,
    },
    /// An emit was dropped (offline buffer full or expired, or too large);
    /// it was never sent.
    Dropped {
        /// The event name.
        name: String,
        /// Its ack id, if it had one (its ack will never come).
        ack: Option<u64>,
        /// Why.
        reason: DropReason,
    },
    /// A malformed frame was ignored; the connection goes on.
    Error {
        /// What was wrong with it.
        error: DecodeError,
    },
    /// A server event with a reserved name
    /// ([`crate::protocol::seam::is_reserved`]) was not delivered (nor its ack
    /// request answered); the connection goes on. Reported like [`Event::Error`],
    /// with the message
    /// [`reserved_event_message`](crate::protocol::error::reserved_event_message).
    Refused {
        /// The event's name.
        name: String,
    },
}

/// Whether an emit asks the server for an acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckRequest {
    /// Fire and forget.
    None,
    /// Expect an ack; `timeout` (if any) counts from the emit, buffering included.
    Ack {
        /// How long to wait for it.
        timeout: Option<Duration>,
    },
}

/// A coarse view of the connection, for indicators and `connected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not connected and not trying (before `connect`, after `disconnect`,
    /// after a server disconnect or when attempts ran out).
    Idle,
    /// An attempt is under way.
    Connecting,
    /// The namespace is connected.
    Connected,
    /// Waiting for the next attempt.
    Reconnecting {
        /// The attempt that will start.
        attempt: u32,
        /// When.
        at: Instant,
    },
    /// The server refused the namespace (CONNECT_ERROR); `connect` tries again.
    Failed,
}
