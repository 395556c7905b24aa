//! The deadline table: every point in time the client waits for, in one place.
//!
//! # Data
//!
//! One `Option<Instant>` per [`Timer`] (after quinn-proto's `TimerTable`).
//! `Client::poll_timeout` is the earliest armed entry and `Client::check_deadlines`
//! handles each entry that is due, in the order of [`Timer`]; no other deadline
//! exists, so the two can never disagree.
//!
//! # Invariants
//!
//! Each entry is kept by the part that owns the state it times:
//!
//! - [`Timer::Ping`] (the session): armed exactly while a session has had its
//!   handshake, at `pingInterval + pingTimeout` after the handshake or the last ping;
//! - [`Timer::Check`] (the session): armed exactly while the session's WebSocket
//!   waits for its check (`session.rs`, "Checks"), at [`CHECK_WAIT`] after it;
//! - [`Timer::Attempt`] (the namespace): armed exactly while an attempt is under way
//!   (opening the transport, or waiting for the namespace's CONNECT);
//! - [`Timer::Ack`] (delivery): the earliest deadline of the emits waiting for an ack;
//! - [`Timer::Buffer`] (delivery): when the oldest buffered emit expires;
//! - [`Timer::Heal`] (heal): armed while a connection made under stress has
//!   rounds of re-sent joins left (see "Rooms that heal" in `heal.rs`);
//! - [`Timer::JoinRetry`] (join acks): armed while joins the server answered as
//!   failed wait to be sent again (`join_acks.rs`);
//! - [`Timer::Reconnect`] (recovery): armed exactly while waiting to reconnect,
//!   at the time the next attempt starts.

#[cfg(doc)]
use super::session::CHECK_WAIT;
use crate::protocol::time::Instant;

/// What a deadline is for; also the order in which due deadlines are handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timer {
    /// No ping from the server within `pingInterval + pingTimeout`: the session is dead.
    Ping,
    /// The check before the session's WebSocket went unanswered for `CHECK_WAIT`.
    Check,
    /// The current connection attempt took longer than `timeout`.
    Attempt,
    /// An emit's ack did not come within its timeout.
    Ack,
    /// The oldest buffered emit is older than `buffer_max_age`.
    Buffer,
    /// A connection made under stress re-sends its permission-checked joins.
    Heal,
    /// A join the server answered as failed is sent again.
    JoinRetry,
    /// The next reconnect attempt starts.
    Reconnect,
}

impl Timer {
    /// How many timers there are.
    const COUNT: usize = 8;
}

/// The deadline of every [`Timer`]. See the module documentation.
#[derive(Debug, Default)]
pub(super) struct TimerTable {
    at: [Option<Instant>; Timer::COUNT],
}

impl TimerTable {
    /// When `timer` expires, if it is armed.
    pub(super) fn get(&self, timer: Timer) -> Option<Instant> {
        self.at.get(timer as usize).copied().flatten()
    }

    /// Arms `timer` at `at`, or stops it with `None`.
    pub(super) fn set(&mut self, timer: Timer, at: Option<Instant>) {
        if let Some(slot) = self.at.get_mut(timer as usize) {
            *slot = at;
        }
    }

    /// Stops `timer`.
    pub(super) fn stop(&mut self, timer: Timer) {
        self.set(timer, None);
    }

    /// Whether `timer` is armed and its time has come at `now`.
    pub(super) fn is_due(&self, timer: Timer, now: Instant) -> bool {
        self.get(timer).is_some_and(|at| now >= at)
    }

    /// The earliest armed deadline.
    pub(super) fn next(&self) -> Option<Instant> {
        self.at.iter().flatten().min().copied()
    }
}
