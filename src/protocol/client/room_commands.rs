//! The `Client`'s room commands (`subscribe`, `unsubscribe`, the registered
//! subscriptions) and the joins it sends one at a time: the heal rounds, and
//! the first joins after a loaded CONNECT (`heal.rs`). The rooms
//! themselves are `subscriptions.rs`'s data.

use super::join_acks::Answer;
use super::timers::Timer;
use super::Client;
use crate::protocol::error::UsageError;
use crate::protocol::rooms::{JoinState, Subscription};
use crate::protocol::socket::PacketType;
use crate::protocol::time::Instant;

impl Client {
    /// The registered subscriptions, oldest first.
    pub fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.iter()
    }

    /// Whether the joins of this connection's CONNECT are still being sent one
    /// at a time (the attempt found the web server loaded, or a reconnect holds
    /// more rooms than it joins at once: see "Joins after a loaded CONNECT" and
    /// "Joins paced after a reconnect" in `client/heal.rs`).
    pub fn joins_paced(&self) -> bool {
        // (The pace ends with the connection: its timer stops there.)
        self.namespace.connected() && self.recovery.joins_paced()
    }

    /// Registers a Frappe subscription and joins its room now if connected.
    /// Returns `false` when it was already registered: nothing is sent, but it
    /// has one more subscriber (see `unsubscribe`).
    pub fn subscribe(&mut self, now: Instant, sub: Subscription) -> Result<bool, UsageError> {
        if !sub.is_valid() {
            return Err(UsageError::EmptySubscription);
        }
        self.check_deadlines(now);
        if !self.subscriptions.add(sub) {
            return Ok(false);
        }
        if self.namespace.connected() {
            self.send_join_at(self.subscriptions.count() - 1);
        }
        Ok(true)
    }

    /// Lets one subscriber of `sub` go. The last one forgets every
    /// subscription to the room `sub` joins and leaves the room (now if
    /// connected). Returns `false` when nothing was sent: `sub` was not
    /// registered, or other subscribers still hold it.
    pub fn unsubscribe(&mut self, now: Instant, sub: &Subscription) -> Result<bool, UsageError> {
        if !sub.is_valid() {
            return Err(UsageError::EmptySubscription);
        }
        self.check_deadlines(now);
        let connected = self.namespace.connected();
        let keep_leave = !connected || self.recovery.offered();
        let Some(leave) = self.subscriptions.remove(sub, keep_leave) else {
            return Ok(false);
        };
        self.recovery.room_left();
        if connected {
            self.send_packet(PacketType::Event, None, &leave);
        }
        Ok(true)
    }

    /// `Timer::Heal` is due, or (`answered`) a join was answered while the
    /// CONNECT's joins are paced: sends the join the round has reached (a
    /// re-sent one, or one of the CONNECT's joins paced), unless the server
    /// answered it for good on this connection.
    pub(super) fn send_paced_join(&mut self, now: Instant, answered: bool) {
        let count = self.subscriptions.count();
        let index = self.recovery.heal_step(now, count, answered, &mut self.cx);
        self.send_join_at(index);
    }

    /// Sends the join of the registered room at `index`, unless the server
    /// answered it for good on this connection; asks for an ack when the server
    /// answers joins (`join_acks.rs`).
    pub(super) fn send_join_at(&mut self, index: usize) {
        // Settled first: a heal round's step lands on every room, answered or not.
        if self.subscriptions.registry().join(index) == JoinState::Settled {
            return;
        }
        let Some(join) = self.subscriptions.join(index) else {
            return;
        };
        let mut id = None;
        if self.cx.config.join_acks {
            let next = self.delivery.next_id();
            let rooms = self.subscriptions.registry();
            rooms.set_join(index, JoinState::Pending(next));
            id = Some(next);
        }
        self.send_packet(PacketType::Event, id, &join);
    }

    /// The server answered a join: settled or failed (see `join_acks.rs`).
    pub(super) fn join_answered(&mut self, now: Instant, answer: Answer) {
        let rooms = self.subscriptions.registry();
        if answer == Answer::Failed {
            if self.cx.timers.get(Timer::JoinRetry).is_none() {
                self.arm_join_retry(now);
            }
        } else if rooms.find_join(JoinState::Settled, false).is_none() {
            self.recovery.joins_settled(&mut self.cx);
        } else if self.recovery.joins_paced() {
            // The answers pace the CONNECT's joins: one more goes out for each.
            self.send_paced_join(now, true);
        }
    }

    /// `Timer::JoinRetry` is due: sends the oldest join answered as failed
    /// again, and waits again if more are left.
    pub(super) fn retry_failed_join(&mut self, now: Instant) {
        self.cx.timers.stop(Timer::JoinRetry);
        if let Some(index) = self
            .subscriptions
            .registry()
            .find_join(JoinState::Failed, true)
        {
            self.send_join_at(index);
        }
        if self
            .subscriptions
            .registry()
            .find_join(JoinState::Failed, true)
            .is_some()
        {
            self.arm_join_retry(now);
        }
    }

    fn arm_join_retry(&mut self, now: Instant) {
        let wait = self.recovery.jitter(self.join_acks.retry_window());
        self.cx.timers.set(Timer::JoinRetry, Some(now + wait));
    }
}
