//! The `Client`'s room commands (`subscribe`, `unsubscribe`, the registered
//! subscriptions) and the joins it sends one at a time: the heal rounds, and
//! the first joins after a loaded CONNECT (`heal.rs`). The rooms
//! themselves are `subscriptions.rs`'s data.

use super::Client;
use crate::protocol::error::UsageError;
use crate::protocol::rooms::Subscription;
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
        let Some(join) = self.subscriptions.add(sub) else {
            return Ok(false);
        };
        if self.namespace.connected() {
            self.send_packet(PacketType::Event, None, &join);
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

    /// `Timer::Heal` is due: sends the join the round has reached (a re-sent
    /// one, or one of the CONNECT's joins paced).
    pub(super) fn send_paced_join(&mut self, now: Instant) {
        let count = self.subscriptions.count();
        let index = self.recovery.heal_step(now, count, &mut self.cx);
        if let Some(join) = self.subscriptions.join(index) {
            self.send_packet(PacketType::Event, None, &join);
        }
    }
}
