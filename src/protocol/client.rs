//! The client state machine: Engine.IO session + one Socket.IO namespace +
//! Frappe's subscriptions, driven entirely from outside.
//!
//! # Contract
//!
//! Inputs (each takes `now` and first checks every deadline, so a tab whose
//! timers were throttled still notices a dead connection on its next input):
//!
//! - [`Client::handle_transport_open`]: a WebSocket opened;
//! - [`Client::handle_text`] / [`Client::handle_binary`]: a WebSocket frame
//!   arrived, or a polling `GET` answered (its whole body, as text);
//! - [`Client::handle_sent`]: a polling `POST` finished;
//! - [`Client::handle_transport_closed`]: a transport closed or a request failed;
//! - [`Client::handle_timeout`]: the deadline from [`Client::poll_timeout`] passed.
//!
//! Commands: [`Client::connect`], [`Client::disconnect`], [`Client::reconnect_now`],
//! [`Client::emit`], [`Client::ack`], [`Client::subscribe`], [`Client::unsubscribe`].
//!
//! Outputs: [`Client::poll_transmit`] (what to do on the network),
//! [`Client::poll_event`] (what to tell the application), and
//! [`Client::poll_timeout`] (when to call `handle_timeout`).
//!
//! # Lifecycle
//!
//! ```text
//! Idle ──connect──▶ Opening ──open packet──▶ Connecting ──CONNECT──▶ Connected
//!                     │  ▲                      │                      │
//!      failure/timeout│  │backoff elapsed       │CONNECT_ERROR         │transport lost,
//!                     ▼  │ (or reconnect_now)   ▼                      │ping timeout
//!                  Reconnecting ◀───────────── Failed (terminal)       │
//!                     ▲                                                │
//!                     └────────────────────────────────────────────────┘
//! ```
//!
//! A server-side disconnect (`io server disconnect`), a client `disconnect()`,
//! and a CONNECT_ERROR (an auth rejection) do not reconnect; everything else
//! does, without limit unless `reconnection_attempts` says otherwise.
//!
//! Retries wait the [`Backoff`] delays: `reconnection_delay`, doubling up to
//! `reconnection_delay_max`, each spread by `randomization_factor`. After a
//! lost connection (Connected, then transport lost or ping timeout) one quick
//! retry comes first, after `first_retry_delay` when that is shorter (250 ms,
//! then 1000, 2000, … by default): a blip is usually over in well under a
//! second, and the spread keeps a fleet of clients from reconnecting in one
//! instant after a server restart. A failed first connection and the retries of
//! a transient rejection start from `reconnection_delay`.
//!
//! Every transport gets a fresh [`TransportId`]. Input from a transport that is
//! no longer current (a late frame after a CONNECT_ERROR, a WebSocket that closes
//! after an upgrade failed) is ignored: one mechanism that makes a late CONNECT
//! for a failed namespace harmless.
//!
//! # Delivery
//!
//! Emits made while not connected wait in a buffer bounded by count and age
//! ([`OverflowPolicy`] decides what a full buffer drops; every drop is reported
//! as [`Event::Dropped`]). After every CONNECT the client first re-emits every
//! registered subscription, then sends the buffer, each emit once.

use crate::protocol::backoff::Backoff;
use crate::protocol::config::{ClientConfig, OverflowPolicy, TransportKind, ENGINE_PROTOCOL};
use crate::protocol::engine::{self, Handshake};
use crate::protocol::error::{DecodeError, UsageError};
use crate::protocol::json;
use crate::protocol::rooms::{Registry, Subscription};
use crate::protocol::socket::{self, PacketType};
use crate::protocol::time::{Duration, Instant};
use alloc::collections::VecDeque;
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
    /// The buffer was full (see [`OverflowPolicy`]).
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
        /// The ack id when the server asked for an acknowledgement (answer with [`Client::ack`]).
        ack: Option<u64>,
        /// The binary attachments, in placeholder order.
        attachments: Vec<Vec<u8>>,
    },
    /// The server acknowledged one of our emits.
    Ack {
        /// The id returned by [`Client::emit`].
        id: u64,
        /// The ack's arguments as a JSON array text.
        data: String,
        /// The binary attachments.
        attachments: Vec<Vec<u8>>,
    },
    /// An emit's ack will never come.
    AckFailed {
        /// The id returned by [`Client::emit`].
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

/// Event names socket.io-client reserves; emitting them is an error.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Waiting for the Engine.IO open packet.
    Opening,
    /// Engine open, CONNECT sent, waiting for the answer.
    Connecting,
    Connected,
    Reconnecting {
        at: Instant,
    },
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    /// The WebSocket is opening.
    Opening(TransportId),
    /// `2probe` sent, waiting for `3probe`.
    Pinged(TransportId),
    /// `3probe` received; waiting for polling to go quiet before sending `5`.
    Pausing(TransportId),
}

impl Probe {
    fn id(self) -> TransportId {
        match self {
            Probe::Opening(id) | Probe::Pinged(id) | Probe::Pausing(id) => id,
        }
    }
}

/// One Engine.IO session on its current transport.
#[derive(Debug)]
struct Session {
    id: TransportId,
    kind: TransportKind,
    /// Index in `config.transports` of `kind`, for `try_all_transports`.
    transport_index: usize,
    sid: Option<String>,
    ping_interval: Duration,
    ping_timeout: Duration,
    ping_deadline: Option<Instant>,
    max_payload: Option<u64>,
    get_in_flight: bool,
    post_in_flight: bool,
    /// Encoded Engine.IO packets waiting for a POST (polling) or for an upgrade to finish.
    queue: Vec<String>,
    probe: Option<Probe>,
}

/// An event or ack whose binary attachments are still arriving.
#[derive(Debug)]
struct PartialBinary {
    kind: PacketType,
    id: Option<u64>,
    name: String,
    data: String,
    expected: u32,
    attachments: Vec<Vec<u8>>,
}

#[derive(Debug)]
struct PendingAck {
    id: u64,
    deadline: Option<Instant>,
    /// Sent on a connection (fails on disconnect) rather than still buffered.
    sent: bool,
}

#[derive(Debug)]
struct Buffered {
    at: Instant,
    name: String,
    ack: Option<u64>,
    packet: String,
    attachments: Vec<Vec<u8>>,
}

/// The client. See the module documentation.
#[derive(Debug)]
pub struct Client {
    config: ClientConfig,
    phase: Phase,
    /// When the current attempt (Opening / Connecting) times out.
    attempt_deadline: Option<Instant>,
    session: Option<Session>,
    backoff: Backoff,
    /// The current attempt is a reconnect (report `Reconnect` when it succeeds).
    reconnecting: bool,
    /// Transient server rejections retried since the last CONNECT (or `connect`).
    rejection_retries: u32,
    next_transport: TransportId,
    request_counter: u64,
    sid: Option<String>,
    /// Connection state recovery: the private session id and the last offset.
    pid: Option<String>,
    offset: Option<String>,
    /// The pid sent with the current CONNECT, to tell whether it recovered.
    sent_pid: Option<String>,
    partial: Option<PartialBinary>,
    acks: Vec<PendingAck>,
    next_ack: u64,
    /// Ack ids the server asked for on this connection.
    server_acks: Vec<u64>,
    buffer: VecDeque<Buffered>,
    registry: Registry,
    /// Rooms left that a recovered session may still hold: those left while
    /// disconnected, and, while the server offers connection state recovery,
    /// those left while connected (the leave may still sit in a queue, or in a
    /// frame, when the connection dies). All are told again at each recovered
    /// CONNECT — leaving a room twice is harmless — and forgotten at a fresh
    /// one, whose server holds no room of ours. One entry per room; joining the
    /// room again removes it. Without recovery (Frappe's default) only the
    /// leaves made while disconnected are kept, until the next CONNECT.
    pending_leaves: Vec<Subscription>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl Client {
    /// A client in the `Idle` state. Fails when `config.auth` is not a JSON
    /// object or `config.transports` is empty.
    pub fn new(config: ClientConfig) -> Result<Client, UsageError> {
        if config.transports.is_empty() {
            return Err(UsageError::NoTransports);
        }
        if let Some(auth) = &config.auth {
            if json::members(auth).any(|m| m.is_err()) || !auth.trim_start().starts_with('{') {
                return Err(UsageError::AuthNotObject);
            }
        }
        let backoff = Backoff::new(
            config.reconnection_delay,
            config.reconnection_delay_max,
            config.randomization_factor,
            config.jitter_seed,
        );
        Ok(Client {
            config,
            phase: Phase::Idle,
            attempt_deadline: None,
            session: None,
            backoff,
            reconnecting: false,
            rejection_retries: 0,
            next_transport: 0,
            request_counter: 0,
            sid: None,
            pid: None,
            offset: None,
            sent_pid: None,
            partial: None,
            acks: Vec::new(),
            next_ack: 0,
            server_acks: Vec::new(),
            buffer: VecDeque::new(),
            registry: Registry::default(),
            pending_leaves: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    // ----- accessors -------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The coarse connection state.
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Idle => State::Idle,
            Phase::Opening | Phase::Connecting => State::Connecting,
            Phase::Connected => State::Connected,
            Phase::Reconnecting { at } => State::Reconnecting {
                attempt: self.backoff.attempts(),
                at,
            },
            Phase::Failed => State::Failed,
        }
    }

    /// Whether the namespace is connected.
    pub fn connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// The socket id while connected.
    pub fn id(&self) -> Option<&str> {
        if self.connected() {
            self.sid.as_deref()
        } else {
            None
        }
    }

    /// The transport in use (`socket.io.engine.transport.name`).
    pub fn transport(&self) -> Option<TransportKind> {
        self.session.as_ref().map(|s| s.kind)
    }

    /// The registered subscriptions, oldest first.
    pub fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.registry.iter()
    }

    /// How many emits wait in the offline buffer.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The transport on which a plain EVENT frame would only be delivered, if any.
    ///
    /// A plain EVENT frame is `42<namespace>,[…]` (`42[…]` for `/`): no ack id, no
    /// binary attachments. While this returns `Some(id)` and `now < poll_timeout()`,
    /// `handle_text(now, id, frame)` with such a frame does nothing but push one
    /// [`Event::Message`] whose `data` is the frame after that prefix (or one
    /// [`Event::Error`] if the payload is malformed): no deadline is due, nothing
    /// is sent, no state changes. A driver may then decode such frames itself and
    /// skip the core; the browser driver parses them with `JSON.parse` in place.
    ///
    /// `None` unless the namespace is connected over a WebSocket with no upgrade
    /// probe, no binary packet waiting for attachments and no connection state
    /// recovery (which tracks the offset every event carries).
    pub fn plain_event_transport(&self) -> Option<TransportId> {
        let s = self.session.as_ref()?;
        let plain = self.phase == Phase::Connected
            && s.kind == TransportKind::WebSocket
            && s.probe.is_none()
            && self.partial.is_none()
            && self.pid.is_none();
        plain.then_some(s.id)
    }

    // ----- outputs ---------------------------------------------------------

    /// The next network action, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next application event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline: call `handle_timeout` then (or earlier).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if let Phase::Reconnecting { at } = self.phase {
            consider(Some(at));
        }
        consider(self.attempt_deadline);
        consider(self.session.as_ref().and_then(|s| s.ping_deadline));
        for ack in &self.acks {
            consider(ack.deadline);
        }
        consider(
            self.buffer
                .front()
                .map(|b| b.at + self.config.buffer_max_age),
        );
        next
    }

    // ----- commands --------------------------------------------------------

    /// Starts connecting. Does nothing while connected or connecting; while
    /// waiting to reconnect it tries now. After a `Failed` or `Idle` state the
    /// backoff starts over.
    pub fn connect(&mut self, now: Instant) {
        self.check_deadlines(now);
        match self.phase {
            Phase::Opening | Phase::Connecting | Phase::Connected => {}
            Phase::Reconnecting { .. } => self.reconnect_now(now),
            Phase::Idle | Phase::Failed => {
                self.backoff.reset();
                self.rejection_retries = 0;
                self.reconnecting = false;
                self.open(now, 0);
            }
        }
    }

    /// Tries to reconnect now instead of waiting for the backoff (the network
    /// came back, the tab became visible). While connected it only checks the
    /// deadlines, which catches a connection that died while timers slept.
    pub fn reconnect_now(&mut self, now: Instant) {
        self.check_deadlines(now);
        if let Phase::Reconnecting { .. } = self.phase {
            self.phase = Phase::Reconnecting { at: now };
            self.check_deadlines(now);
        }
    }

    /// Disconnects (`io client disconnect`) and stops reconnecting. Buffered
    /// emits stay for a later `connect`; acks of sent emits fail.
    pub fn disconnect(&mut self, now: Instant) {
        self.check_deadlines(now);
        let was_connected = self.phase == Phase::Connected;
        if was_connected {
            let packet = self.socket_packet(PacketType::Disconnect, None, "");
            self.send_engine(engine::Packet::Message(&packet).to_text());
        }
        self.say_goodbye();
        self.phase = Phase::Idle;
        if was_connected {
            self.end_connection(now, DisconnectReason::IoClientDisconnect);
        }
    }

    /// Emits `name` with `args`, the JSON text of an array (`[]` for none). With
    /// attachments, `args` holds `{"_placeholder":true,"num":n}` for each.
    /// Returns the ack id when an ack was requested. Sent at once when
    /// connected, else buffered.
    pub fn emit(
        &mut self,
        now: Instant,
        name: &str,
        args: &str,
        attachments: Vec<Vec<u8>>,
        ack: AckRequest,
    ) -> Result<Option<u64>, UsageError> {
        if name.is_empty() {
            return Err(UsageError::EmptyEventName);
        }
        if RESERVED_EVENTS.contains(&name) {
            return Err(UsageError::ReservedEventName);
        }
        check_array(args)?;
        self.check_deadlines(now);
        let id = match ack {
            AckRequest::None => None,
            AckRequest::Ack { timeout } => {
                let id = self.next_ack;
                self.next_ack += 1;
                self.acks.push(PendingAck {
                    id,
                    deadline: timeout.map(|t| now + t),
                    sent: false,
                });
                Some(id)
            }
        };
        let kind = if attachments.is_empty() {
            PacketType::Event
        } else {
            PacketType::BinaryEvent
        };
        let payload = socket::event_payload(name, args);
        let packet = socket::Packet {
            kind,
            namespace: &self.config.namespace,
            attachments: attachments.len() as u32,
            id,
            data: &payload,
        }
        .to_text();
        let item = Buffered {
            at: now,
            name: String::from(name),
            ack: id,
            packet,
            attachments,
        };
        if self.phase == Phase::Connected {
            self.send_buffered(item);
        } else {
            self.buffer_emit(item);
        }
        Ok(id)
    }

    /// Answers an event the server sent with an ack id; `args` is a JSON array text.
    pub fn ack(&mut self, now: Instant, id: u64, args: &str) -> Result<(), UsageError> {
        check_array(args)?;
        self.check_deadlines(now);
        let Some(pos) = self.server_acks.iter().position(|&a| a == id) else {
            return Err(UsageError::UnknownAck);
        };
        self.server_acks.swap_remove(pos);
        let packet = self.socket_packet(PacketType::Ack, Some(id), args);
        self.send_engine(engine::Packet::Message(&packet).to_text());
        Ok(())
    }

    /// Registers a Frappe subscription and joins its room now if connected.
    /// Returns `false` when it was already registered (nothing is sent).
    pub fn subscribe(&mut self, now: Instant, sub: Subscription) -> Result<bool, UsageError> {
        if !sub.is_valid() {
            return Err(UsageError::EmptySubscription);
        }
        self.check_deadlines(now);
        self.pending_leaves.retain(|s| s.room() != sub.room());
        if !self.registry.insert(sub.clone()) {
            return Ok(false);
        }
        if self.phase == Phase::Connected {
            self.send_event(sub.subscribe_event(), &sub.args_json());
        }
        Ok(true)
    }

    /// Forgets every subscription to the room `sub` joins and leaves the room
    /// (now if connected). Returns `false` when nothing was registered.
    pub fn unsubscribe(&mut self, now: Instant, sub: &Subscription) -> Result<bool, UsageError> {
        if !sub.is_valid() {
            return Err(UsageError::EmptySubscription);
        }
        self.check_deadlines(now);
        let Some(removed) = self.registry.remove_room(sub) else {
            return Ok(false);
        };
        let connected = self.phase == Phase::Connected;
        if connected {
            self.send_event(removed.unsubscribe_event(), &removed.args_json());
        }
        if !connected || self.pid.is_some() {
            self.pending_leaves.retain(|s| s.room() != removed.room());
            self.pending_leaves.push(removed);
        }
        Ok(true)
    }

    // ----- inputs ----------------------------------------------------------

    /// A WebSocket opened.
    pub fn handle_transport_open(&mut self, now: Instant, transport: TransportId) {
        self.check_deadlines(now);
        let Some(session) = &mut self.session else {
            return;
        };
        if session.probe == Some(Probe::Opening(transport)) {
            session.probe = Some(Probe::Pinged(transport));
            self.transmits.push_back(Transmit::WebSocketText {
                transport,
                data: engine::Packet::Ping("probe").to_text(),
            });
        }
        // A direct WebSocket waits for the server's open packet; nothing to do.
    }

    /// A text WebSocket frame, or a polling `GET`'s whole body.
    pub fn handle_text(&mut self, now: Instant, transport: TransportId, text: &str) {
        self.check_deadlines(now);
        let Some(session) = &self.session else {
            return;
        };
        if session.probe.map(Probe::id) == Some(transport) {
            self.handle_probe_text(transport, text);
            return;
        }
        if session.id != transport {
            return;
        }
        if session.kind == TransportKind::WebSocket {
            match engine::Packet::decode_text(text) {
                Ok(packet) => self.handle_engine_packet(now, packet),
                Err(error) => self.decode_failed(now, error),
            }
            return;
        }
        if let Some(s) = &mut self.session {
            s.get_in_flight = false;
        }
        for part in engine::split_payload(text) {
            // Stop as soon as a packet ended this transport (CONNECT_ERROR,
            // close): the rest of the payload belongs to a dead session.
            if self.session.as_ref().map(|s| s.id) != Some(transport) {
                return;
            }
            match engine::Packet::decode_text(part) {
                Ok(packet) => self.handle_engine_packet(now, packet),
                Err(error) => self.decode_failed(now, error),
            }
        }
        self.pump_polling();
    }

    /// A binary WebSocket frame (a binary attachment).
    pub fn handle_binary(&mut self, now: Instant, transport: TransportId, data: &[u8]) {
        self.check_deadlines(now);
        if self.session.as_ref().map(|s| s.id) == Some(transport) {
            self.handle_engine_packet(now, engine::Packet::decode_binary(data));
        }
    }

    /// A polling `POST` completed.
    pub fn handle_sent(&mut self, now: Instant, transport: TransportId) {
        self.check_deadlines(now);
        match &mut self.session {
            Some(s) if s.id == transport => s.post_in_flight = false,
            _ => return,
        }
        self.pump_polling();
    }

    /// A transport closed, failed to open, or one of its requests failed.
    pub fn handle_transport_closed(&mut self, now: Instant, transport: TransportId, error: bool) {
        self.check_deadlines(now);
        let Some(session) = &mut self.session else {
            return;
        };
        if session.probe.map(Probe::id) == Some(transport) {
            session.probe = None;
            self.events.push_back(Event::UpgradeError);
            self.pump_polling();
            return;
        }
        if session.id != transport {
            return;
        }
        let kind = session.kind;
        let index = session.transport_index;
        match self.phase {
            Phase::Opening | Phase::Connecting => {
                let next = index + 1;
                if self.phase == Phase::Opening
                    && session.sid.is_none()
                    && self.config.try_all_transports
                    && next < self.config.transports.len()
                {
                    // This transport could not even open: try the next one
                    // within the same attempt (a blocked WebSocket → polling),
                    // under the same attempt deadline.
                    let deadline = self.attempt_deadline;
                    self.close_session();
                    self.attempt_deadline = deadline;
                    self.open_transport(next);
                    return;
                }
                let message = match kind {
                    TransportKind::Polling => "xhr poll error",
                    TransportKind::WebSocket => "websocket error",
                };
                self.attempt_failed(now, ConnectErrorKind::Transport, message);
            }
            Phase::Connected => {
                let reason = if error {
                    DisconnectReason::TransportError
                } else {
                    DisconnectReason::TransportClose
                };
                self.end_connection(now, reason);
            }
            _ => {}
        }
    }

    /// A deadline passed (or may have: calling early is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.check_deadlines(now);
    }

    // ----- internals: deadlines and attempts ------------------------------

    fn check_deadlines(&mut self, now: Instant) {
        // Ping deadline first: a connection found dead must not run anything else.
        let ping_expired = self
            .session
            .as_ref()
            .and_then(|s| s.ping_deadline)
            .is_some_and(|d| now >= d);
        if ping_expired {
            if self.phase == Phase::Connected {
                self.end_connection(now, DisconnectReason::PingTimeout);
            } else {
                self.attempt_failed(now, ConnectErrorKind::Timeout, "ping timeout");
            }
        }
        if self.attempt_deadline.is_some_and(|d| now >= d) {
            self.attempt_failed(now, ConnectErrorKind::Timeout, "timeout");
        }
        self.fail_acks(AckFailure::Timeout, |a| {
            a.deadline.is_some_and(|d| now >= d)
        });
        self.expire_buffer(now);
        if let Phase::Reconnecting { at } = self.phase {
            if now >= at {
                let attempt = self.backoff.attempts();
                self.events.push_back(Event::ReconnectAttempt { attempt });
                self.reconnecting = true;
                self.open(now, 0);
            }
        }
    }

    fn expire_buffer(&mut self, now: Instant) {
        let max_age = self.config.buffer_max_age;
        while let Some(front) = self.buffer.front() {
            if now < front.at + max_age {
                break;
            }
            if let Some(item) = self.buffer.pop_front() {
                self.drop_buffered(item, DropReason::Expired);
            }
        }
    }

    /// Starts an attempt with the transport at `index` in `config.transports`.
    fn open(&mut self, now: Instant, index: usize) {
        self.close_session();
        self.attempt_deadline = Some(now + self.config.timeout);
        self.open_transport(index);
    }

    fn open_transport(&mut self, index: usize) {
        // `Client::new` refuses an empty list and callers pass a valid index.
        let kind = self
            .config
            .transports
            .get(index.min(self.config.transports.len() - 1))
            .copied()
            .unwrap_or(TransportKind::Polling);
        let id = self.new_transport_id();
        self.phase = Phase::Opening;
        self.session = Some(Session {
            id,
            kind,
            transport_index: index,
            sid: None,
            ping_interval: Duration(0),
            ping_timeout: Duration(0),
            ping_deadline: None,
            max_payload: None,
            get_in_flight: false,
            post_in_flight: false,
            queue: Vec::new(),
            probe: None,
        });
        match kind {
            TransportKind::Polling => self.pump_polling(),
            TransportKind::WebSocket => {
                let url = self.url(TransportKind::WebSocket, None);
                self.transmits
                    .push_back(Transmit::WebSocketOpen { transport: id, url });
            }
        }
    }

    fn new_transport_id(&mut self) -> TransportId {
        self.next_transport = self.next_transport.wrapping_add(1);
        self.next_transport
    }

    /// An attempt (Opening / Connecting) failed: report, clean up, retry.
    fn attempt_failed(&mut self, now: Instant, kind: ConnectErrorKind, message: &str) {
        self.close_session();
        self.phase = Phase::Idle;
        self.events.push_back(Event::ConnectError {
            kind,
            message: String::from(message),
            data: String::new(),
        });
        self.schedule_reconnect(now);
    }

    fn schedule_reconnect(&mut self, now: Instant) {
        if !self.config.reconnection {
            return;
        }
        if self
            .config
            .reconnection_attempts
            .is_some_and(|max| self.backoff.attempts() >= max)
        {
            self.events.push_back(Event::ReconnectFailed);
            return;
        }
        let delay = self.backoff.next_delay();
        let at = now + delay;
        self.phase = Phase::Reconnecting { at };
        self.events.push_back(Event::ReconnectScheduled {
            attempt: self.backoff.attempts(),
            delay,
            at,
        });
    }

    /// Closes the session politely: the Engine.IO close packet goes out after
    /// everything still queued (on polling in a last POST, even if one is in
    /// flight, since the session ends anyway), then the transport closes.
    fn say_goodbye(&mut self) {
        // Before the handshake there is no session to close on the server.
        if let Some(session) = self.session.as_mut().filter(|s| s.sid.is_some()) {
            let close = engine::Packet::Close.to_text();
            match session.kind {
                TransportKind::WebSocket => self.transmits.push_back(Transmit::WebSocketText {
                    transport: session.id,
                    data: close,
                }),
                TransportKind::Polling => {
                    session.queue.push(close);
                    let body = engine::encode_payload(&core::mem::take(&mut session.queue));
                    let (id, sid) = (session.id, session.sid.clone());
                    let url = self.url(TransportKind::Polling, sid.as_deref());
                    self.transmits.push_back(Transmit::PollPost {
                        transport: id,
                        url,
                        body,
                    });
                }
            }
        }
        self.close_session();
    }

    /// Drops the current transport(s) and everything tied to them.
    fn close_session(&mut self) {
        if let Some(session) = self.session.take() {
            if let Some(probe) = session.probe {
                self.transmits.push_back(Transmit::Close {
                    transport: probe.id(),
                });
            }
            self.transmits.push_back(Transmit::Close {
                transport: session.id,
            });
        }
        self.attempt_deadline = None;
        self.partial = None;
    }

    /// Fails and forgets every pending ack matching `pred`. An emit whose ack
    /// failed while it was still buffered is never sent.
    fn fail_acks(&mut self, reason: AckFailure, pred: impl Fn(&PendingAck) -> bool) {
        let (events, buffer) = (&mut self.events, &mut self.buffer);
        self.acks.retain(|a| {
            if !pred(a) {
                return true;
            }
            buffer.retain(|b| b.ack != Some(a.id));
            events.push_back(Event::AckFailed { id: a.id, reason });
            false
        });
    }

    /// The namespace connection ended: drop the transport, tell the
    /// application, fail the acks of emits sent on it, and reconnect unless the
    /// reason forbids it.
    fn end_connection(&mut self, now: Instant, reason: DisconnectReason) {
        self.close_session();
        self.phase = Phase::Idle;
        self.server_acks.clear();
        self.events.push_back(Event::Disconnect { reason });
        self.fail_acks(AckFailure::Disconnected, |a| a.sent);
        if reason.reconnects() {
            self.backoff
                .after_connection_lost(self.config.first_retry_delay);
            self.schedule_reconnect(now);
        }
    }

    // ----- internals: Engine.IO --------------------------------------------

    fn url(&mut self, kind: TransportKind, sid: Option<&str>) -> String {
        let mut url = String::from(self.config.path.as_str());
        url.push_str("?EIO=");
        socket::push_u64(&mut url, u64::from(ENGINE_PROTOCOL));
        url.push_str("&transport=");
        url.push_str(kind.name());
        if let Some(sid) = sid {
            url.push_str("&sid=");
            push_query_value(&mut url, sid);
        }
        for (k, v) in &self.config.query {
            url.push('&');
            push_query_value(&mut url, k);
            url.push('=');
            push_query_value(&mut url, v);
        }
        if kind == TransportKind::Polling {
            // A unique `t` defeats HTTP caches, as socket.io-client's timestampRequests.
            self.request_counter += 1;
            url.push_str("&t=");
            push_base36(&mut url, self.request_counter);
        }
        url
    }

    fn decode_failed(&mut self, now: Instant, error: DecodeError) {
        if self.phase == Phase::Opening {
            self.attempt_failed(now, ConnectErrorKind::Handshake, error.message());
        } else {
            self.events.push_back(Event::Error { error });
        }
    }

    fn handle_engine_packet(&mut self, now: Instant, packet: engine::Packet<'_>) {
        match packet {
            engine::Packet::Open(text) => self.handle_open(now, text),
            engine::Packet::Ping(data) => {
                // Before the handshake there is no heartbeat to keep.
                let Some(s) = self.session.as_mut().filter(|s| s.sid.is_some()) else {
                    return;
                };
                s.ping_deadline = Some(now + s.ping_interval + s.ping_timeout);
                self.send_engine(engine::Packet::Pong(data).to_text());
            }
            engine::Packet::Close => match self.phase {
                Phase::Connected => self.end_connection(now, DisconnectReason::TransportClose),
                _ => self.attempt_failed(now, ConnectErrorKind::Transport, "transport close"),
            },
            engine::Packet::Message(text) => match socket::Packet::decode(text) {
                Ok(p) => self.handle_socket_packet(now, p),
                Err(error) => self.events.push_back(Event::Error { error }),
            },
            engine::Packet::Binary(data) => self.handle_attachment(data.into_owned()),
            engine::Packet::Pong(_) | engine::Packet::Upgrade | engine::Packet::Noop => {}
        }
    }

    fn handle_open(&mut self, now: Instant, text: &str) {
        let Some(session) = &mut self.session else {
            return;
        };
        if self.phase != Phase::Opening || session.sid.is_some() {
            return;
        }
        let hs = match Handshake::parse(text) {
            Ok(hs) => hs,
            Err(e) => {
                self.attempt_failed(now, ConnectErrorKind::Handshake, e.message());
                return;
            }
        };
        session.ping_interval = hs.ping_interval;
        session.ping_timeout = hs.ping_timeout;
        session.ping_deadline = Some(now + hs.ping_interval + hs.ping_timeout);
        session.max_payload = hs.max_payload;
        let probe = session.kind == TransportKind::Polling
            && self.config.upgrade
            && self.config.transports.contains(&TransportKind::WebSocket)
            && hs.upgrades.iter().any(|u| u == "websocket");
        session.sid = Some(hs.sid);
        self.phase = Phase::Connecting;
        let payload = self.connect_payload();
        let packet = self.socket_packet(PacketType::Connect, None, &payload);
        self.send_engine(engine::Packet::Message(&packet).to_text());
        if probe {
            let id = self.new_transport_id();
            let sid = self.session.as_ref().and_then(|s| s.sid.clone());
            let url = self.url(TransportKind::WebSocket, sid.as_deref());
            if let Some(s) = &mut self.session {
                s.probe = Some(Probe::Opening(id));
            }
            self.transmits
                .push_back(Transmit::WebSocketOpen { transport: id, url });
        }
    }

    fn handle_probe_text(&mut self, transport: TransportId, text: &str) {
        let Some(session) = &mut self.session else {
            return;
        };
        if session.probe == Some(Probe::Pinged(transport))
            && engine::Packet::decode_text(text) == Ok(engine::Packet::Pong("probe"))
        {
            session.probe = Some(Probe::Pausing(transport));
            self.pump_polling();
        }
    }

    /// Queues an encoded Engine.IO packet on the current transport.
    fn send_engine(&mut self, text: String) {
        let Some(session) = &mut self.session else {
            return;
        };
        match session.kind {
            TransportKind::WebSocket => self.transmits.push_back(Transmit::WebSocketText {
                transport: session.id,
                data: text,
            }),
            TransportKind::Polling => {
                session.queue.push(text);
                self.pump_polling();
            }
        }
    }

    fn send_binary(&mut self, data: Vec<u8>) {
        let Some(session) = &mut self.session else {
            return;
        };
        match session.kind {
            TransportKind::WebSocket => self.transmits.push_back(Transmit::WebSocketBinary {
                transport: session.id,
                data,
            }),
            TransportKind::Polling => {
                session
                    .queue
                    .push(engine::Packet::Binary(data.into()).to_text());
                self.pump_polling();
            }
        }
    }

    /// Keeps a polling session moving: one GET always pending, queued packets
    /// POSTed in batches of at most `maxPayload` bytes, and, while an upgrade
    /// waits for polling to go quiet, the switch to the WebSocket.
    fn pump_polling(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        if session.kind != TransportKind::Polling {
            return;
        }
        if let Some(Probe::Pausing(ws)) = session.probe {
            if session.get_in_flight || session.post_in_flight {
                return;
            }
            self.finish_upgrade(ws);
            return;
        }
        let (id, sid) = (session.id, session.sid.clone());
        let need_get = !session.get_in_flight;
        // Nothing may be POSTed before the handshake has given us a sid.
        let batch = if session.post_in_flight || session.queue.is_empty() || sid.is_none() {
            None
        } else {
            Some(take_batch(&mut session.queue, session.max_payload))
        };
        if need_get {
            session.get_in_flight = true;
            let url = self.url(TransportKind::Polling, sid.as_deref());
            self.transmits
                .push_back(Transmit::PollGet { transport: id, url });
        }
        if let Some(body) = batch {
            if let Some(s) = &mut self.session {
                s.post_in_flight = true;
            }
            let url = self.url(TransportKind::Polling, sid.as_deref());
            self.transmits.push_back(Transmit::PollPost {
                transport: id,
                url,
                body,
            });
        }
    }

    fn finish_upgrade(&mut self, ws: TransportId) {
        let Some(session) = &mut self.session else {
            return;
        };
        let old = session.id;
        session.id = ws;
        session.kind = TransportKind::WebSocket;
        session.probe = None;
        let queued = core::mem::take(&mut session.queue);
        self.transmits.push_back(Transmit::Close { transport: old });
        self.transmits.push_back(Transmit::WebSocketText {
            transport: ws,
            data: engine::Packet::Upgrade.to_text(),
        });
        for text in queued {
            // Binary messages were queued base64-encoded for polling; a
            // WebSocket carries them as binary frames.
            match engine::Packet::decode_text(&text) {
                Ok(engine::Packet::Binary(b)) => {
                    self.transmits.push_back(Transmit::WebSocketBinary {
                        transport: ws,
                        data: b.into_owned(),
                    })
                }
                _ => self.transmits.push_back(Transmit::WebSocketText {
                    transport: ws,
                    data: text,
                }),
            }
        }
        self.events.push_back(Event::Upgrade);
    }

    // ----- internals: Socket.IO --------------------------------------------

    fn socket_packet(&self, kind: PacketType, id: Option<u64>, data: &str) -> String {
        socket::Packet {
            kind,
            namespace: &self.config.namespace,
            attachments: 0,
            id,
            data,
        }
        .to_text()
    }

    /// The CONNECT payload: the auth object, with `pid` and `offset` added when
    /// the server offered connection state recovery.
    fn connect_payload(&mut self) -> String {
        self.sent_pid = self.pid.clone();
        let auth_inner = self.config.auth.as_deref().map_or("", |a| {
            let a = a.trim();
            a.strip_prefix('{')
                .and_then(|a| a.strip_suffix('}'))
                .unwrap_or("")
                .trim()
        });
        let Some(pid) = &self.pid else {
            return self.config.auth.clone().unwrap_or_default();
        };
        let mut out = String::from("{\"pid\":");
        json::write_string(&mut out, pid);
        if let Some(offset) = &self.offset {
            out.push_str(",\"offset\":");
            json::write_string(&mut out, offset);
        }
        if !auth_inner.is_empty() {
            out.push(',');
            out.push_str(auth_inner);
        }
        out.push('}');
        out
    }

    fn handle_socket_packet(&mut self, now: Instant, p: socket::Packet<'_>) {
        if p.namespace != self.config.namespace {
            return;
        }
        match p.kind {
            PacketType::Connect => self.handle_connect(p.data),
            // A CONNECT_ERROR answers a CONNECT; one arriving at any other time
            // (connected, or for an attempt already given up) is ignored.
            PacketType::ConnectError if self.phase == Phase::Connecting => {
                let message = p
                    .error_message()
                    .unwrap_or_else(|| String::from("connect error"));
                // The attempt ends here, and so does the transport: anything
                // the server sends after this (Frappe's server may still
                // accept the namespace) arrives on a dead transport id.
                self.say_goodbye();
                self.phase = Phase::Failed;
                let retry = is_transient_rejection(&message)
                    && self.config.reconnection
                    && self.rejection_retries < self.config.rejection_retries;
                self.events.push_back(Event::ConnectError {
                    kind: ConnectErrorKind::Server,
                    message,
                    data: String::from(p.data),
                });
                if retry {
                    self.rejection_retries += 1;
                    self.phase = Phase::Idle;
                    self.schedule_reconnect(now);
                }
            }
            PacketType::ConnectError => {}
            PacketType::Disconnect => {
                if self.phase == Phase::Connected {
                    self.end_connection(now, DisconnectReason::IoServerDisconnect);
                }
            }
            PacketType::Event
            | PacketType::BinaryEvent
            | PacketType::Ack
            | PacketType::BinaryAck => {
                if self.phase != Phase::Connected {
                    return;
                }
                let is_event = matches!(p.kind, PacketType::Event | PacketType::BinaryEvent);
                let name = if is_event {
                    match p.event_name() {
                        Ok(n) => n,
                        Err(error) => {
                            self.events.push_back(Event::Error { error });
                            return;
                        }
                    }
                } else {
                    String::new()
                };
                if is_event && self.pid.is_some() {
                    // Connection state recovery: the server appends the
                    // packet's offset as a last string argument.
                    if let Some(Ok(last)) = json::elements(p.data).last() {
                        if last.starts_with('"') {
                            self.offset = json::decode_string(last).ok();
                        }
                    }
                }
                let partial = PartialBinary {
                    kind: p.kind,
                    id: p.id,
                    name,
                    data: String::from(p.data),
                    expected: p.attachments,
                    attachments: Vec::new(),
                };
                if p.attachments == 0 {
                    self.deliver(partial);
                } else {
                    self.partial = Some(partial);
                }
            }
        }
    }

    fn handle_connect(&mut self, data: &str) {
        if self.phase != Phase::Connecting {
            return;
        }
        let mut sid = None;
        let mut pid = None;
        for (key, value) in json::members(data).flatten() {
            match key.as_str() {
                "sid" => sid = json::decode_string(value).ok(),
                "pid" => pid = json::decode_string(value).ok(),
                _ => {}
            }
        }
        let recovered = pid.is_some() && pid == self.sent_pid;
        if pid.is_none() || !recovered {
            self.offset = None;
        }
        self.pid = pid;
        self.sid = sid.clone();
        self.phase = Phase::Connected;
        self.attempt_deadline = None;
        if self.reconnecting {
            self.events.push_back(Event::Reconnect {
                attempt: self.backoff.attempts(),
            });
            self.reconnecting = false;
        }
        self.backoff.reset();
        self.rejection_retries = 0;
        self.events.push_back(Event::Connect {
            sid: sid.unwrap_or_default(),
            recovered,
        });
        // Restore the rooms first, then what was emitted while offline.
        let subs: Vec<Subscription> = self.registry.iter().cloned().collect();
        for sub in &subs {
            self.send_event(sub.subscribe_event(), &sub.args_json());
        }
        let leaves = core::mem::take(&mut self.pending_leaves);
        if recovered {
            for sub in &leaves {
                self.send_event(sub.unsubscribe_event(), &sub.args_json());
            }
            // Sent, but maybe not received: kept for the next recovery.
            self.pending_leaves = leaves;
        }
        while let Some(item) = self.buffer.pop_front() {
            self.send_buffered(item);
        }
    }

    fn handle_attachment(&mut self, data: Vec<u8>) {
        let Some(partial) = &mut self.partial else {
            self.events.push_back(Event::Error {
                error: DecodeError::UnexpectedBinary,
            });
            return;
        };
        partial.attachments.push(data);
        if partial.attachments.len() as u32 >= partial.expected {
            if let Some(done) = self.partial.take() {
                self.deliver(done);
            }
        }
    }

    fn deliver(&mut self, p: PartialBinary) {
        match p.kind {
            PacketType::Event | PacketType::BinaryEvent => {
                if let Some(id) = p.id {
                    self.server_acks.push(id);
                }
                self.events.push_back(Event::Message {
                    name: p.name,
                    data: p.data,
                    ack: p.id,
                    attachments: p.attachments,
                });
            }
            _ => {
                let Some(id) = p.id else { return };
                if !self.acks.iter().any(|a| a.id == id) {
                    return;
                }
                self.acks.retain(|a| a.id != id);
                self.events.push_back(Event::Ack {
                    id,
                    data: p.data,
                    attachments: p.attachments,
                });
            }
        }
    }

    /// Sends an event without ack or buffering (subscriptions).
    fn send_event(&mut self, name: &str, args: &str) {
        let payload = socket::event_payload(name, args);
        let packet = self.socket_packet(PacketType::Event, None, &payload);
        self.send_engine(engine::Packet::Message(&packet).to_text());
    }

    fn send_buffered(&mut self, item: Buffered) {
        // The server closes a connection that carries a message larger than
        // its maxPayload (socket.io's maxHttpBufferSize) and the emit would be
        // lost with it: refuse the emit and keep the connection.
        let max = self
            .session
            .as_ref()
            .and_then(|s| s.max_payload)
            .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
        // "4" + packet on WebSocket; on polling binary goes as "b" + base64.
        if item.packet.len() + 1 > max
            || item
                .attachments
                .iter()
                .any(|a| a.len().div_ceil(3) * 4 + 1 > max)
        {
            self.drop_buffered(item, DropReason::TooLarge);
            return;
        }
        if let Some(id) = item.ack {
            if let Some(a) = self.acks.iter_mut().find(|a| a.id == id) {
                a.sent = true;
            }
        }
        self.send_engine(engine::Packet::Message(&item.packet).to_text());
        for data in item.attachments {
            self.send_binary(data);
        }
    }

    fn buffer_emit(&mut self, item: Buffered) {
        if self.buffer.len() >= self.config.buffer_max_count {
            let dropped = match self.config.buffer_overflow {
                OverflowPolicy::DropOldest if !self.buffer.is_empty() => {
                    let old = self.buffer.pop_front();
                    self.buffer.push_back(item);
                    old
                }
                _ => Some(item),
            };
            if let Some(d) = dropped {
                self.drop_buffered(d, DropReason::BufferFull);
            }
            return;
        }
        self.buffer.push_back(item);
    }

    fn drop_buffered(&mut self, item: Buffered, reason: DropReason) {
        if let Some(id) = item.ack {
            self.acks.retain(|a| a.id != id);
        }
        self.events.push_back(Event::Dropped {
            name: item.name,
            ack: item.ack,
            reason,
        });
    }
}

/// Whether a CONNECT_ERROR says the server could not check the credentials
/// rather than that they were wrong. Frappe's realtime server answers
/// `Unauthorized: <error>` when its `get_user_info` call to the web server
/// fails (web server down or restarting, an HTTP 500, a body that is not JSON);
/// a stale session is not one of these, it connects as Guest. Every other
/// rejection (no cookie, invalid origin or namespace) is a configuration error
/// that no retry can mend.
fn is_transient_rejection(message: &str) -> bool {
    message.starts_with("Unauthorized")
}

/// Refuses argument text that is not one well-formed JSON array.
fn check_array(args: &str) -> Result<(), UsageError> {
    if args.trim_start().starts_with('[') && json::validate(args).is_ok() {
        Ok(())
    } else {
        Err(UsageError::ArgumentsNotArray)
    }
}

/// Takes packets from the front of `queue` into one polling payload of at most
/// `max` bytes (always at least one packet).
fn take_batch(queue: &mut Vec<String>, max: Option<u64>) -> String {
    let max = max.unwrap_or(u64::MAX) as usize;
    let mut size = 0;
    let mut n = 0;
    for p in queue.iter() {
        let add = p.len() + usize::from(n > 0);
        if n > 0 && size + add > max {
            break;
        }
        size += add;
        n += 1;
    }
    let mut batch = core::mem::take(queue);
    for (k, p) in core::mem::take(&mut batch).into_iter().enumerate() {
        if k < n {
            batch.push(p);
        } else {
            queue.push(p);
        }
    }
    engine::encode_payload(&batch)
}

/// Appends `v` percent-encoded for a query string (RFC 3986 unreserved kept).
fn push_query_value(out: &mut String, v: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in v.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

fn push_base36(out: &mut String, v: u64) {
    socket::push_digits::<36>(out, v);
}
