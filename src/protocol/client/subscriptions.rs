//! The application's Frappe subscriptions, and the rooms it left that the
//! server may still hold.
//!
//! # Data
//!
//! - the registry: every subscription, oldest first, with its number of
//!   subscribers and where its join stands on this connection (`join_acks.rs`),
//!   joined again at each CONNECT;
//! - the pending leaves: rooms left that a recovered session may still hold.
//!   Those left while disconnected, and, while the server offers connection
//!   state recovery, those left while connected (the leave may still sit in a
//!   queue, or in a frame, when the connection dies). All are told again at each
//!   recovered CONNECT — leaving a room twice is harmless — and forgotten at a
//!   fresh one, whose server holds no room of ours. Without recovery (Frappe's
//!   default) only the leaves made while disconnected are kept, until the next
//!   CONNECT.
//!
//! # Invariants
//!
//! One pending leave per room, and none for a room registered again: joining a
//! room removes its pending leave.

use crate::protocol::rooms::{Registry, Subscription};
use crate::protocol::socket;
use alloc::string::String;
use alloc::vec::Vec;

/// A Socket.IO event to send: its payload, the JSON array of its name and
/// arguments.
pub(super) type Message = String;

/// The event `name` (a join or a leave) with the arguments of `sub`.
fn message(name: &str, sub: &Subscription) -> Message {
    socket::event_payload(name, &sub.args_json())
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Subscriptions {
    registry: Registry,
    /// (A registry too: one entry per room, never held twice.)
    pending_leaves: Registry,
}

impl Subscriptions {
    /// The registered subscriptions, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Subscription> {
        self.registry.iter()
    }

    /// Registers `sub`, last; `false` when it was already registered (it then
    /// has one more subscriber).
    pub(super) fn add(&mut self, sub: Subscription) -> bool {
        self.pending_leaves.remove_room(&sub);
        self.registry.insert(sub)
    }

    /// Lets one subscriber of `sub` go; the last one forgets every
    /// subscription to the room `sub` joins and returns the message that
    /// leaves it. `None` when nothing was registered or others hold it. With
    /// `keep_leave` (the server may hold the room after a recovery) the leave
    /// is kept to be told again.
    pub(super) fn remove(&mut self, sub: &Subscription, keep_leave: bool) -> Option<Message> {
        let removed = self.registry.remove_room(sub)?;
        let leave = message(removed.unsubscribe_event(), &removed);
        if keep_leave {
            self.pending_leaves.remove_room(&removed);
            self.pending_leaves.insert(removed);
        }
        Some(leave)
    }

    /// How many rooms are registered.
    pub(super) fn count(&self) -> usize {
        self.registry.count()
    }

    /// The message that joins the registered room at `index` (oldest first).
    pub(super) fn join(&self, index: usize) -> Option<Message> {
        let s = self.registry.get(index)?;
        Some(message(s.subscribe_event(), s))
    }

    /// The registry, where each join's answer is kept (`join_acks.rs`).
    pub(super) fn registry(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The namespace connected: when the server `recovered` the previous
    /// session, the messages that leave the rooms it may still hold (kept for
    /// the next recovery); a fresh session forgets them. (The joins go out
    /// one by one: [`Subscriptions::join`].)
    pub(super) fn on_connect(&mut self, recovered: bool) -> Vec<Message> {
        if recovered {
            let leaves = self.pending_leaves.iter();
            leaves.map(|s| message(s.unsubscribe_event(), s)).collect()
        } else {
            self.pending_leaves = Registry::default();
            Vec::new()
        }
    }
}
