//! The Socket.IO namespace: where the client is in its lifecycle, the socket id
//! the server gave it, and the deadline of the attempt under way.
//!
//! # Data
//!
//! - the [`Phase`] of the lifecycle drawn in the client's documentation;
//! - the socket id given by the last CONNECT;
//! - when the attempt under way started, and [`Timer::Attempt`], its deadline.
//!
//! This part decides which of the namespace's packets count ([`Namespace::receive`]),
//! frames the packets the client sends on it ([`packet`]) and reports the
//! namespace's `Connect` and `Disconnect`; the client carries out what each
//! step means for the other parts (closing the session, failing acks,
//! scheduling a retry).
//!
//! # Invariants
//!
//! - The phase moves along the lifecycle only: `Opening` when an attempt starts,
//!   `Connecting` from `Opening` (the handshake), `Connected` from `Connecting`
//!   (a CONNECT), `Failed` from `Connecting` (a CONNECT_ERROR not retried), and
//!   `Idle` from any phase.
//! - [`Timer::Attempt`] is armed exactly while the phase is `Opening` or
//!   `Connecting`, at `timeout` after the attempt started (a fall back to the
//!   next transport keeps it), and from the CONNECT on at least
//!   [`CONNECT_WAIT`] after it.
//! - The client has an Engine.IO session only in `Opening`, `Connecting` and
//!   `Connected`: it closes the session before every move to `Idle` or `Failed`
//!   (so input from a session always finds an attempt or a connection).
//! - A CONNECT or CONNECT_ERROR counts only while `Connecting` (it answers our
//!   CONNECT); a DISCONNECT, event or ack only while `Connected`; a packet of
//!   another namespace never.
//! - The socket id is told only while `Connected`.
//!
//! # The CONNECT's wait
//!
//! `timeout` bounds the transport and the Engine.IO handshake, as
//! socket.io-client's does. The CONNECT's answer then waits up to
//! [`CONNECT_WAIT`], the session's heartbeat catching a node that dies
//! meanwhile (socket.io-client waits without end): Frappe's node answers it
//! only once its web server has answered `get_user_info`, and under a herd
//! that call queues. Until stop 38 `timeout` bounded the CONNECT too: a page
//! whose call waited past 20 s gave up on it (the web server still serves it,
//! for nobody) and queued another behind the same herd, about five times
//! each for the last 1,986 of 10,000 clients on 4 workers of 10 ms (fleet
//! simulation, tests/support/fleet.rs, with Frappe's wait; every room back
//! after 151.7–176.3 s, now 113.9–114.2 s; docs/retry-policy.md, "Stop
//! 38"). The price: a node that holds a CONNECT without answering, its pings
//! on time, keeps a page 120 s where it tried again after 20 s (maybe on
//! another node behind nginx).

use super::api::{DisconnectReason, Event, State};
use super::context::Context;
use super::timers::Timer;
use crate::protocol::socket::{self, PacketType};
use crate::protocol::time::{Duration, Instant};
use alloc::string::String;

/// How long the server's answer to our CONNECT may take, from the CONNECT (at
/// least; `timeout` from the attempt's start when that is later): as long as
/// nginx waits for Frappe's calls to its web server in bench's template (its
/// `proxy_read_timeout`), after which Frappe answers `Unauthorized: …`.
pub const CONNECT_WAIT: Duration = Duration(120_000);

/// Where the client is in its lifecycle (see the client's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Not connected and not trying; or, while [`Timer::Reconnect`] is armed,
    /// waiting for the next attempt (`State::Reconnecting`).
    Idle,
    /// Waiting for the Engine.IO open packet.
    Opening,
    /// Engine open, CONNECT sent, waiting for the answer.
    Connecting,
    Connected,
    Failed,
}

/// What a Socket.IO packet that arrived means for the namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Incoming {
    /// Nothing: another namespace's, or not expected in this phase (a late
    /// CONNECT_ERROR for an attempt already given up, an event before CONNECT).
    Ignored,
    /// The server accepted our CONNECT.
    Connect,
    /// The server refused our CONNECT.
    Rejected,
    /// The server disconnected the namespace.
    Disconnect,
    /// An event or an ack, for delivery.
    Delivery,
}

/// See the module documentation.
#[derive(Debug)]
pub(super) struct Namespace {
    phase: Phase,
    /// The socket id given by the last CONNECT.
    sid: Option<String>,
    /// When the attempt under way started.
    started: Instant,
}

impl Namespace {
    /// At rest, never connected.
    pub(super) fn new() -> Namespace {
        Namespace {
            phase: Phase::Idle,
            sid: None,
            started: Instant(0),
        }
    }

    // ----- accessors -------------------------------------------------------

    /// The phase.
    pub(super) fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the namespace is connected.
    pub(super) fn connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// The socket id while connected.
    pub(super) fn id(&self) -> Option<&str> {
        self.sid.as_deref().filter(|_| self.connected())
    }

    /// The coarse state; `attempts` is the reconnect attempt counter.
    pub(super) fn state(&self, attempts: u32, cx: &Context) -> State {
        match self.phase {
            Phase::Idle => match cx.timers.get(Timer::Reconnect) {
                Some(at) => State::Reconnecting {
                    attempt: attempts,
                    at,
                },
                None => State::Idle,
            },
            Phase::Opening | Phase::Connecting => State::Connecting,
            Phase::Connected => State::Connected,
            Phase::Failed => State::Failed,
        }
    }

    // ----- the lifecycle ---------------------------------------------------

    /// An attempt starts at `now`: `Opening`, until `timeout` from now at most.
    pub(super) fn attempt_starts(&mut self, now: Instant, cx: &mut Context) {
        let deadline = now + cx.config.timeout;
        cx.timers.set(Timer::Attempt, Some(deadline));
        self.started = now;
        self.phase = Phase::Opening;
    }

    /// The Engine.IO handshake of an `Opening` attempt is done at `now` (the
    /// CONNECT goes out next): `Connecting`, its answer awaited [`CONNECT_WAIT`]
    /// at least.
    pub(super) fn handshake_done(&mut self, now: Instant, cx: &mut Context) {
        let wait = now + CONNECT_WAIT;
        if cx.timers.get(Timer::Attempt).is_some_and(|at| at < wait) {
            cx.timers.set(Timer::Attempt, Some(wait));
        }
        self.phase = Phase::Connecting;
    }

    /// How long the attempt under way has taken at `now` (the transport and the
    /// handshake, then the CONNECT's wait).
    pub(super) fn took(&self, now: Instant) -> Duration {
        now.saturating_since(self.started)
    }

    /// The server accepted our CONNECT ([`Incoming::Connect`]) with the socket
    /// id `sid`, restoring the previous session when `recovered`: `Connected`,
    /// reported.
    pub(super) fn connected_as(&mut self, sid: Option<String>, recovered: bool, cx: &mut Context) {
        self.sid = sid.clone();
        self.phase = Phase::Connected;
        cx.timers.stop(Timer::Attempt);
        cx.events.push_back(Event::Connect {
            sid: sid.unwrap_or_default(),
            recovered,
        });
    }

    /// The server refused our CONNECT ([`Incoming::Rejected`]): `Idle` when the
    /// client will `retry`, else `Failed`.
    pub(super) fn rejected(&mut self, retry: bool, cx: &mut Context) {
        self.rest(cx);
        if !retry {
            self.phase = Phase::Failed;
        }
    }

    /// The connection ended for `reason`: `Idle`, reported.
    pub(super) fn disconnected(&mut self, reason: DisconnectReason, cx: &mut Context) {
        self.rest(cx);
        cx.events.push_back(Event::Disconnect { reason });
    }

    /// No connection and no attempt: `Idle`.
    pub(super) fn rest(&mut self, cx: &mut Context) {
        cx.timers.stop(Timer::Attempt);
        self.phase = Phase::Idle;
    }

    // ----- packets ---------------------------------------------------------

    /// What the Socket.IO packet `p` means for the namespace now.
    pub(super) fn receive(&self, p: &socket::Packet<'_>, cx: &Context) -> Incoming {
        if p.namespace != cx.config.namespace {
            return Incoming::Ignored;
        }
        match (p.kind, self.phase) {
            (PacketType::Connect, Phase::Connecting) => Incoming::Connect,
            (PacketType::ConnectError, Phase::Connecting) => Incoming::Rejected,
            (PacketType::Disconnect, Phase::Connected) => Incoming::Disconnect,
            (
                PacketType::Event
                | PacketType::BinaryEvent
                | PacketType::Ack
                | PacketType::BinaryAck,
                Phase::Connected,
            ) => Incoming::Delivery,
            _ => Incoming::Ignored,
        }
    }
}

/// A Socket.IO packet of our namespace, without attachments, encoded.
pub(super) fn packet(cx: &Context, kind: PacketType, id: Option<u64>, data: &str) -> String {
    socket::Packet {
        kind,
        namespace: &cx.config.namespace,
        attachments: 0,
        id,
        data,
    }
    .to_text()
}
