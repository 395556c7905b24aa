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
//! does, without limit unless `reconnection_attempts` says otherwise. When
//! those run out, `reconnect_now` (the page's `online`, `pageshow`, a tab
//! made visible) starts them over: a client is never stopped for good by a
//! network that went away for a while.
//!
//! Retries wait the [`Backoff`](crate::protocol::backoff::Backoff) delays:
//! `reconnection_delay`, doubling up to `reconnection_delay_max`, spread by
//! `randomization_factor`; after a lost connection one quick retry comes first
//! (`first_retry_delay`: 250 ms, then 1000, 2000, … by default).
//!
//! Every transport gets a fresh [`TransportId`]. Input from a transport that is
//! no longer current (a late frame after a CONNECT_ERROR, a WebSocket that closes
//! after an upgrade failed) is ignored: one mechanism that makes a late CONNECT
//! for a failed namespace harmless.
//!
//! # Delivery
//!
//! Emits made while not connected wait in a buffer bounded by count and age
//! ([`OverflowPolicy`](crate::protocol::config::OverflowPolicy) decides what a full buffer drops; every drop is reported
//! as [`Event::Dropped`]). After every CONNECT the client first re-emits every
//! registered subscription, then sends the buffer, each emit once.
//!
//! A server event whose name is reserved ([`crate::protocol::seam::is_reserved`]:
//! `connect`, `disconnect`, `error`, `reconnect`, …) is never delivered as a
//! [`Event::Message`]: the client reports it as an [`Event::Refused`] and leaves
//! its ack request, if any, unanswered.
//!
//! # Layout
//!
//! `Client` only coordinates. Each group of state is a part in its own module,
//! with the methods that own that data (see each module's documentation):
//!
//! - `namespace`: the phase above, the socket id and the attempt deadline;
//!   which Socket.IO packets count in each phase;
//! - `session`: the Engine.IO session and transports (handshake, heartbeat,
//!   polling pump, upgrade probe, transport ids, transmits);
//! - `delivery`: the offline buffer, pending acks, binary reassembly;
//! - `recovery`: reconnect scheduling, connection state recovery; it holds
//!   `heal`, the connection's joins re-sent and paced after a stressed
//!   attempt;
//! - `subscriptions`: the Frappe rooms joined and left (the `Client`'s room
//!   commands, and the joins it paces, are in `room_commands`);
//! - `timers`: the one deadline table, read by [`Client::poll_timeout`] and by
//!   the deadline check that starts every input;
//! - `context`: what the parts share; `api`: the public values, re-exported here.
//!
//! `Client`'s own methods are split alike: its inputs (here) find which
//! transport a text or frame came from; what the server's packet then does is
//! in `incoming`, and the room commands are in `room_commands`.
//!
//! No part calls back into `Client`: what passes between parts goes through it.

mod api;
mod context;
mod delivery;
mod fifo;
mod heal;
mod incoming;
mod join_acks;
mod namespace;
mod recovery;
mod room_commands;
mod session;
mod subscriptions;
mod timers;

pub use self::api::{
    AckFailure, AckRequest, ConnectErrorKind, DisconnectReason, DropReason, Event, State, Transmit,
    TransportId,
};
pub use self::heal::{
    HANDSHAKE_PART, HEAL_AFTER_LOADED, HEAL_AFTER_SLOW, HEAL_FIRST, HEAL_ROUNDS, JOINS_AT_ONCE,
    LOADED_FACTOR, LOADED_JOINS_AT_ONCE, LOADED_MIN,
};
pub use self::join_acks::JOIN_RETRY_FIRST;
pub use self::namespace::CONNECT_WAIT;
pub use self::recovery::{
    HEALTHY, PROBE_WINDOW, REFUSED_DELAY_MAX, REFUSED_WAIT_MAX, SLOW_CONNECT,
};
pub use self::session::CHECK_WAIT;
/// Event names socket.io-client reserves; emitting them is an error.
pub use crate::protocol::seam::EMIT_RESERVED as RESERVED_EVENTS;

use self::context::Context;
use self::delivery::{Buffered, Delivery};
use self::join_acks::JoinAcks;
use self::namespace::{Namespace, Phase};
use self::recovery::Recovery;
use self::session::{Route, Transports};
use self::subscriptions::Subscriptions;
use self::timers::Timer;
use crate::protocol::config::{ClientConfig, TransportKind};
use crate::protocol::engine;
use crate::protocol::error::{DecodeError, UsageError};
use crate::protocol::socket::PacketType;
use crate::protocol::time::Instant;
use alloc::string::String;
use alloc::vec::Vec;

/// The client. See the module documentation.
#[derive(Debug)]
pub struct Client {
    /// The configuration, the event queue and the deadline table.
    cx: Context,
    namespace: Namespace,
    transports: Transports,
    delivery: Delivery,
    recovery: Recovery,
    subscriptions: Subscriptions,
    join_acks: JoinAcks,
    /// Malformed or refused packets reported on the current session.
    protocol_errors: u32,
}

/// The malformed packets one session may send before the client closes it
/// (`parse error`); each is reported as an [`Event::Error`] first.
pub const MAX_PROTOCOL_ERRORS: u32 = 10;

/// The most packets one polling response may hold: socket.io's server sends what
/// queued since the last `GET` (a burst of hundreds at most); past this the response
/// is a broken server's, and the connection is closed with a `ProtocolError`.
pub const MAX_PAYLOAD_PACKETS: usize = 10_000;

impl Client {
    /// A client in the `Idle` state. Fails when `config.auth` is not a JSON
    /// object or `config.transports` is empty.
    pub fn new(config: ClientConfig) -> Result<Client, UsageError> {
        let cx = Context::new(config)?;
        Ok(Client {
            recovery: Recovery::new(&cx.config),
            cx,
            namespace: Namespace::new(),
            transports: Transports::default(),
            delivery: Delivery::default(),
            subscriptions: Subscriptions::default(),
            join_acks: JoinAcks::default(),
            protocol_errors: 0,
        })
    }

    // ----- accessors -------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.cx.config
    }

    /// The coarse connection state.
    pub fn state(&self) -> State {
        self.namespace.state(self.recovery.attempts(), &self.cx)
    }

    /// Whether the namespace is connected.
    pub fn connected(&self) -> bool {
        self.namespace.connected()
    }

    /// The socket id while connected.
    pub fn id(&self) -> Option<&str> {
        self.namespace.id()
    }

    /// The transport in use (`socket.io.engine.transport.name`).
    pub fn transport(&self) -> Option<TransportKind> {
        self.transports.kind()
    }

    /// How many emits wait in the offline buffer.
    pub fn buffered(&self) -> usize {
        self.delivery.buffered()
    }

    /// The transport on which a plain EVENT frame would only be delivered, if any.
    ///
    /// A plain EVENT frame is `42<namespace>,[…]` (`42[…]` for `/`): no ack id, no
    /// binary attachments. While this returns `Some(id)` and `now < poll_timeout()`,
    /// `handle_text(now, id, frame)` with such a frame does nothing but push one
    /// [`Event::Message`] whose `data` is the frame after that prefix, or
    /// [`Event::Refused`] if the event name is reserved
    /// ([`crate::protocol::seam::is_reserved`]): no deadline is due, nothing is
    /// sent, no state changes. A driver may then decode such frames itself and
    /// skip the core, refusing the same reserved names; the browser driver
    /// parses them with `JSON.parse` in place. A malformed payload must still
    /// reach the core: it is counted, and the [`MAX_PROTOCOL_ERRORS`]-th of a
    /// session closes it.
    ///
    /// `None` unless the namespace is connected over a WebSocket with no upgrade
    /// probe, no binary packet waiting for attachments and no connection state
    /// recovery (which tracks the offset every event carries).
    pub fn plain_event_transport(&self) -> Option<TransportId> {
        let plain =
            self.namespace.connected() && !self.delivery.reassembling() && !self.recovery.offered();
        self.transports.plain_websocket().filter(|_| plain)
    }

    // ----- outputs ---------------------------------------------------------

    /// The next network action, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transports.poll_transmit()
    }

    /// The next application event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.cx.events.pop_front()
    }

    /// The earliest deadline: call `handle_timeout` then (or earlier).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.cx.timers.next()
    }

    // ----- commands --------------------------------------------------------

    /// Starts connecting. Does nothing while connected or connecting; while
    /// waiting to reconnect it tries now. After a `Failed` or `Idle` state the
    /// backoff starts over.
    pub fn connect(&mut self, now: Instant) {
        self.check_deadlines(now);
        match self.namespace.phase() {
            Phase::Opening | Phase::Connecting | Phase::Connected => {}
            Phase::Idle if self.cx.timers.get(Timer::Reconnect).is_some() => {
                self.reconnect_now(now)
            }
            Phase::Idle | Phase::Failed => {
                self.recovery.start_over();
                self.open(now, 0);
            }
        }
    }

    /// Tries to reconnect now instead of waiting for the backoff (the network
    /// came back, the tab became visible); after `reconnection_attempts` ran
    /// out, starts them over. While connected it only checks the deadlines,
    /// which catches a connection that died while timers slept.
    pub fn reconnect_now(&mut self, now: Instant) {
        self.check_deadlines(now);
        let idle = self.namespace.phase() == Phase::Idle;
        if self.recovery.retry_now(now, &mut self.cx)
            || (idle && self.recovery.revive(now, &mut self.cx))
        {
            self.check_deadlines(now);
        }
    }

    /// Disconnects (`io client disconnect`) and stops reconnecting. Buffered
    /// emits stay for a later `connect`; acks of sent emits fail.
    pub fn disconnect(&mut self, now: Instant) {
        self.check_deadlines(now);
        let was_connected = self.namespace.connected();
        if was_connected {
            self.send_packet(PacketType::Disconnect, None, "");
        }
        self.say_goodbye();
        self.namespace.rest(&mut self.cx);
        self.recovery.cancel(&mut self.cx);
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
        delivery::check_emit(name, args)?;
        self.check_deadlines(now);
        let id = match ack {
            AckRequest::None => None,
            AckRequest::Ack { timeout } => {
                Some(self.delivery.expect_ack(now, timeout, &mut self.cx))
            }
        };
        let namespace = &self.cx.config.namespace;
        let item = Buffered::event(now, namespace, name, args, id, attachments);
        if self.namespace.connected() {
            self.send_buffered(item);
        } else {
            self.delivery.hold(item, &mut self.cx);
        }
        Ok(id)
    }

    /// Answers an event the server sent with an ack id; `args` is a JSON array text.
    pub fn ack(&mut self, now: Instant, id: u64, args: &str) -> Result<(), UsageError> {
        delivery::check_args(args)?;
        self.check_deadlines(now);
        if !self.delivery.take_server_ack(id) {
            return Err(UsageError::UnknownAck);
        }
        self.send_packet(PacketType::Ack, Some(id), args);
        Ok(())
    }

    // ----- inputs ----------------------------------------------------------

    /// A WebSocket opened.
    pub fn handle_transport_open(&mut self, now: Instant, transport: TransportId) {
        self.check_deadlines(now);
        self.transports.opened(transport, &mut self.cx);
    }

    /// The check before WebSocket `transport` found something there: the
    /// WebSocket is being opened (session.rs, "Checks").
    pub fn handle_check_found(&mut self, now: Instant, transport: TransportId) {
        self.check_deadlines(now);
        self.transports.check_found(transport, &mut self.cx);
    }

    /// A text WebSocket frame, or a polling `GET`'s whole body.
    pub fn handle_text(&mut self, now: Instant, transport: TransportId, text: &str) {
        self.check_deadlines(now);
        match self.transports.route(transport) {
            Route::Stale => {}
            Route::Probe => self.transports.probe_text(transport, text, &mut self.cx),
            Route::Current(TransportKind::WebSocket) => self.handle_engine_text(now, text),
            Route::Current(TransportKind::Polling) => {
                let parts = engine::split_payload(text).map(String::from).collect();
                self.poll_response(now, transport, parts);
            }
        }
    }

    /// A polling `GET`'s response already split into its packets (at `\x1e`), each
    /// given away as in [`Client::handle_text_owned`]: what the browser driver
    /// passes, so that the payload of every packet, not only the last, is taken
    /// rather than copied. Otherwise as [`Client::handle_text`] with the joined text.
    pub fn handle_poll_response(
        &mut self,
        now: Instant,
        transport: TransportId,
        parts: Vec<String>,
    ) {
        self.check_deadlines(now);
        if self.transports.route(transport) == Route::Current(TransportKind::Polling) {
            self.poll_response(now, transport, parts);
        }
    }

    fn poll_response(&mut self, now: Instant, transport: TransportId, parts: Vec<String>) {
        self.transports.get_answered();
        // An empty payload has no packets (`engine::split_payload`).
        for (n, part) in parts.into_iter().filter(|p| !p.is_empty()).enumerate() {
            // Stop as soon as a packet ended this transport (CONNECT_ERROR,
            // close): the rest of the payload belongs to a dead session.
            if self.transports.current() != Some(transport) {
                return;
            }
            if n == MAX_PAYLOAD_PACKETS {
                self.protocol_error(now, DecodeError::TooManyPackets);
                return;
            }
            self.engine_text_owned(now, part);
        }
        self.transports.pump(&mut self.cx);
    }

    /// [`Client::handle_text`] for a text the caller gives away (the browser driver
    /// does): a payload that ends it — an EVENT's or ACK's JSON, the bulk of a large
    /// message — becomes that very `String`, its head removed in place, where
    /// `handle_text` copies it. A large message is then held once in memory, not
    /// twice. Same events, same wire.
    pub fn handle_text_owned(&mut self, now: Instant, transport: TransportId, text: String) {
        self.check_deadlines(now);
        if self.transports.route(transport) == Route::Current(TransportKind::WebSocket) {
            self.engine_text_owned(now, text);
        } else {
            // Probe, stale, or a polling response in one piece.
            self.handle_text(now, transport, &text);
        }
    }

    /// One Engine.IO packet in a text given away (see [`Client::handle_text_owned`]).
    fn engine_text_owned(&mut self, now: Instant, mut text: String) {
        let start = text.as_ptr() as usize;
        self.delivery.give(start + text.len());
        self.handle_engine_text(now, &text);
        if let Some(at) = self.delivery.taken_at() {
            // The head removed in place (the payload starts after ASCII header bytes).
            text.drain(..at - start);
            self.delivery.fill(text, &mut self.cx);
        }
    }

    /// A binary WebSocket frame (a binary attachment).
    pub fn handle_binary(&mut self, now: Instant, transport: TransportId, data: &[u8]) {
        self.handle_binary_owned(now, transport, Vec::from(data));
    }

    /// [`Client::handle_binary`] for bytes the caller gives away: an attachment is
    /// kept as they are, not copied.
    pub fn handle_binary_owned(&mut self, now: Instant, transport: TransportId, data: Vec<u8>) {
        self.check_deadlines(now);
        if self.transports.current() == Some(transport) {
            self.handle_engine_packet(now, engine::Packet::Binary(data.into()));
        }
    }

    /// A polling `POST` completed.
    pub fn handle_sent(&mut self, now: Instant, transport: TransportId) {
        self.check_deadlines(now);
        self.transports.sent(transport, &mut self.cx);
    }

    /// A transport closed, failed to open, or one of its requests failed.
    pub fn handle_transport_closed(&mut self, now: Instant, transport: TransportId, error: bool) {
        self.check_deadlines(now);
        // A checked WebSocket closed without error before it opened: its check
        // found nothing (session.rs, "Checks"), and polling would find nothing either.
        let found_nothing = !error && self.transports.checking();
        // Stale, or the upgrade probe (the session stays on polling): done.
        let Some(message) = self.transports.closed(transport, &mut self.cx) else {
            return;
        };
        // Opening: the next transport, under the same attempt and its deadline.
        if self.namespace.phase() == Phase::Opening
            && !found_nothing
            && self.transports.fall_back(now, &mut self.cx)
        {
            return;
        }
        let reason = if error {
            DisconnectReason::TransportError
        } else {
            DisconnectReason::TransportClose
        };
        self.session_lost(now, reason, ConnectErrorKind::Transport, message);
    }

    /// A deadline passed (or may have: calling early is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.check_deadlines(now);
    }

    // ----- internals: deadlines and attempts ------------------------------

    /// Handles every deadline of the table that is due at `now`, in the order
    /// of [`Timer`].
    fn check_deadlines(&mut self, now: Instant) {
        // Ping deadline first: a connection found dead must not run anything else.
        if self.cx.timers.is_due(Timer::Ping, now) {
            let (reason, kind) = (DisconnectReason::PingTimeout, ConnectErrorKind::Timeout);
            self.session_lost(now, reason, kind, "ping timeout");
        }
        if self.cx.timers.is_due(Timer::Check, now) {
            self.transports.check_unanswered(now, &mut self.cx);
        }
        if self.cx.timers.is_due(Timer::Attempt, now) {
            self.attempt_failed(now, ConnectErrorKind::Timeout, "timeout");
        }
        if self.cx.timers.is_due(Timer::Ack, now) {
            self.delivery.time_out_acks(now, &mut self.cx);
        }
        if self.cx.timers.is_due(Timer::Buffer, now) {
            self.delivery.expire(now, &mut self.cx);
        }
        if self.cx.timers.is_due(Timer::Heal, now) {
            self.send_paced_join(now, false);
        }
        if self.cx.timers.is_due(Timer::JoinRetry, now) {
            self.retry_failed_join(now);
        }
        if self.cx.timers.is_due(Timer::Reconnect, now) {
            self.recovery.attempt_starts(now, &mut self.cx);
            self.open(now, 0);
        }
    }

    /// Starts an attempt with the transport at `index` in `config.transports`
    /// (a WebSocket after a check when the last attempt found nothing).
    fn open(&mut self, now: Instant, index: usize) {
        self.close_session();
        self.namespace.attempt_starts(now, &mut self.cx);
        let check = self.recovery.found_nothing();
        self.transports.open(now, index, check, &mut self.cx);
    }

    /// An attempt (Opening / Connecting) failed: report, clean up, retry.
    fn attempt_failed(&mut self, now: Instant, kind: ConnectErrorKind, message: &str) {
        // The transport failed before the server's handshake: nothing answered.
        let unreachable =
            kind == ConnectErrorKind::Transport && self.transports.awaiting_handshake();
        self.close_session();
        self.namespace.rest(&mut self.cx);
        self.recovery
            .attempt_failed(now, kind, message, unreachable, &mut self.cx);
    }

    /// The session died: the connection ends for `reason` if the namespace was
    /// connected, else the attempt under way fails (`kind`, `msg`).
    fn session_lost(
        &mut self,
        now: Instant,
        reason: DisconnectReason,
        kind: ConnectErrorKind,
        msg: &str,
    ) {
        if self.namespace.connected() {
            self.end_connection(now, reason);
        } else {
            self.attempt_failed(now, kind, msg);
        }
    }

    /// Reports a malformed or refused packet from the server. One past a
    /// limit ([`DecodeError::closes`]), or the [`MAX_PROTOCOL_ERRORS`]-th on
    /// one session, closes the connection (`parse error`; socket.io-client
    /// closes at the first): a broken server gets a bounded number of reports,
    /// then the reconnect's backoff.
    fn protocol_error(&mut self, now: Instant, error: DecodeError) {
        self.cx.events.push_back(Event::Error { error });
        self.protocol_errors += 1;
        if error.closes() || self.protocol_errors >= MAX_PROTOCOL_ERRORS {
            let reason = DisconnectReason::ParseError;
            self.session_lost(now, reason, ConnectErrorKind::Transport, "parse error");
        }
    }

    /// Closes the session politely (the Engine.IO close packet first), then
    /// drops it.
    fn say_goodbye(&mut self) {
        self.transports.send_close(&mut self.cx);
        self.close_session();
    }

    /// Drops the current transport(s) and everything tied to them (the
    /// namespace moves on next).
    fn close_session(&mut self) {
        self.protocol_errors = 0;
        // Joins are re-sent on the connection they were meant for only.
        self.cx.timers.stop(Timer::Heal);
        self.cx.timers.stop(Timer::JoinRetry);
        self.transports.close(&mut self.cx);
        self.delivery.forget_partial();
    }

    /// The namespace connection ended: drop the transport, tell the
    /// application, fail the acks of emits sent on it, and reconnect unless the
    /// reason forbids it.
    fn end_connection(&mut self, now: Instant, reason: DisconnectReason) {
        self.close_session();
        self.namespace.disconnected(reason, &mut self.cx);
        self.delivery.connection_ended(&mut self.cx);
        if reason.reconnects() {
            self.recovery.connection_lost(now, &mut self.cx);
        }
    }

    // ----- internals: Socket.IO --------------------------------------------

    /// Sends a Socket.IO packet of our namespace, without attachments.
    fn send_packet(&mut self, kind: PacketType, id: Option<u64>, data: &str) {
        let packet = namespace::packet(&self.cx, kind, id, data);
        self.transports
            .send_message(&packet, Vec::new(), &mut self.cx);
    }

    /// Sends an emit now, unless it is too large for the session.
    fn send_buffered(&mut self, item: Buffered) {
        let max_payload = self.transports.max_payload();
        if let Some(item) = self.delivery.release(item, max_payload, &mut self.cx) {
            self.transports
                .send_message(&item.packet, item.attachments, &mut self.cx);
        }
    }
}
