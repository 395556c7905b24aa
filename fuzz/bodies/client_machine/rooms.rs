//! The subscription model: what the registry must hold, what the client must
//! send on each connection, and which rooms the server then believes we are in.
//!
//! Invariants:
//!
//! - **registry**: `Client::subscriptions()` equals the model after every step,
//!   and `subscribe` / `unsubscribe` answer what the model expects (counted: a
//!   subscription made n times is left by the n-th `unsubscribe`);
//! - **stream** (per connection): the room events the client transmits on a
//!   connection are, in order, a prefix of: one `*_subscribe` per registered
//!   subscription at the CONNECT (the restore), then, when the server recovered
//!   the session, the leaves made while offline, then one event per effective
//!   `subscribe` / `unsubscribe` call while connected. A skipped, duplicated,
//!   reordered or resurrected (unsubscribed) event breaks the prefix at once.
//!   (The slack: in the restore of a recovered session, extra leaves of rooms
//!   not registered at the CONNECT are accepted, since repeating a leave is
//!   harmless; joins of rooms the server holds already, after the restore, are
//!   accepted ("Rooms that heal"); and when the client paces the joins of a
//!   CONNECT (`Client::joins_paced`: a loaded one, or a reconnect with more
//!   rooms than it joins at once), the restore holds only the leaves, and the
//!   joins owed come in any order with the rest, until the client says they
//!   are done: each registered room exactly once, then as a heal; the owed
//!   join of a room left meanwhile may still come, before its leave.)
//! - **complete when quiet**: once nothing can still be queued inside the client
//!   (see `quiet` in `mod.rs`), the whole expected stream has been transmitted;
//! - **server view**: replaying the transmitted room events against a server that
//!   forgets every room on a fresh connection and keeps them on a recovered one,
//!   the rooms it holds when quiet are exactly the registry's rooms. This is the
//!   property users feel: no `doc_update` lost after a reconnect, none for a
//!   document they left.
//!
//! Event names and rooms come from a table written out here (the one in the
//! documentation of `src/protocol/rooms.rs`, i.e. Frappe's room names), not from
//! `Subscription::room` / `subscribe_event`, so the model does not share the
//! core's mistakes.

use super::wire::RoomOp;
use frappe_realtime::protocol::error::UsageError;
use frappe_realtime::protocol::rooms::{Subscription, SubscriptionKind};
use std::collections::BTreeSet;

/// Every subscription kind, for lookups by event name.
const KINDS: [SubscriptionKind; 5] = [
    SubscriptionKind::Doctype,
    SubscriptionKind::Doc,
    SubscriptionKind::DocOpen,
    SubscriptionKind::Task,
    SubscriptionKind::Progress,
];

/// `(join event, leave event, room prefix, takes a document name)` per kind.
fn table(kind: SubscriptionKind) -> (&'static str, &'static str, &'static str, bool) {
    match kind {
        SubscriptionKind::Doctype => (
            "doctype_subscribe",
            "doctype_unsubscribe",
            "doctype:",
            false,
        ),
        SubscriptionKind::Doc => ("doc_subscribe", "doc_unsubscribe", "doc:", true),
        SubscriptionKind::DocOpen => ("doc_open", "doc_close", "open_doc:", true),
        SubscriptionKind::Task => (
            "task_subscribe",
            "task_unsubscribe",
            "task_progress:",
            false,
        ),
        SubscriptionKind::Progress => (
            "progress_subscribe",
            "task_unsubscribe",
            "task_progress:",
            false,
        ),
    }
}

fn args(sub: &Subscription) -> Vec<String> {
    if table(sub.kind).3 {
        vec![sub.first.clone(), sub.second.clone()]
    } else {
        vec![sub.first.clone()]
    }
}

fn room(sub: &Subscription) -> String {
    args_room(table(sub.kind).2, &args(sub))
}

fn args_room(prefix: &str, args: &[String]) -> String {
    format!("{prefix}{}", args.join("/"))
}

fn valid(sub: &Subscription) -> bool {
    !sub.first.is_empty() && (!table(sub.kind).3 || !sub.second.is_empty())
}

fn join(sub: &Subscription) -> RoomOp {
    RoomOp {
        name: table(sub.kind).0.into(),
        args: args(sub),
    }
}

fn leave(sub: &Subscription) -> RoomOp {
    RoomOp {
        name: table(sub.kind).1.into(),
        args: args(sub),
    }
}

/// `(room prefix, joins?)` of the room event `name`, if it is one (a join or a leave
/// of [`table`]).
fn lookup(name: &str) -> Option<(&'static str, bool)> {
    KINDS
        .iter()
        .map(|&k| table(k))
        .find_map(|(join, leave, prefix, _)| {
            (name == join || name == leave).then_some((prefix, name == join))
        })
}

/// `(room, joins?)` for a room event on the wire.
fn effect(op: &RoomOp) -> (String, bool) {
    let (prefix, joins) = lookup(&op.name).expect("a room event");
    (args_room(prefix, &op.args), joins)
}

/// Whether `name` is an event the core sends for subscriptions (the fuzzer never
/// emits one itself): `Some(true)` for a join, `Some(false)` for a leave.
pub(super) fn room_event(name: &str) -> Option<bool> {
    lookup(name).map(|(_, joins)| joins)
}

/// One namespace connection's room events.
#[derive(Debug)]
struct Conn {
    session: u32,
    expected: Vec<RoomOp>,
    seen: usize,
    restore: usize,
    recovered: bool,
    /// The registry's rooms at the CONNECT.
    rooms_at_connect: BTreeSet<String>,
    /// The joins of a paced CONNECT not sent yet (`Client::joins_paced`).
    owed: Vec<RoomOp>,
    /// Owed joins of rooms left since: they may still come, before the leave.
    withdrawn: Vec<RoomOp>,
}

/// The model.
#[derive(Debug, Default)]
pub struct Rooms {
    registry: Vec<Subscription>,
    /// `holders[i]`: how many subscribers hold `registry[i]`.
    holders: Vec<u32>,
    pending_leaves: Vec<Subscription>,
    conn: Option<Conn>,
    server: BTreeSet<String>,
}

impl Rooms {
    /// `subscribe(sub)` answered `result`; the client is `connected` after it.
    pub fn subscribe(
        &mut self,
        sub: &Subscription,
        result: Result<bool, UsageError>,
        connected: bool,
    ) {
        if !valid(sub) {
            assert_eq!(result, Err(UsageError::EmptySubscription), "{sub:?}");
            return;
        }
        let r = room(sub);
        self.pending_leaves.retain(|s| room(s) != r);
        let fresh = !self.registry.contains(sub);
        assert_eq!(
            result,
            Ok(fresh),
            "subscribe({sub:?}) with {:?}",
            self.registry
        );
        if let Some(i) = self.registry.iter().position(|s| s == sub) {
            self.holders[i] += 1;
        }
        if fresh {
            self.registry.push(sub.clone());
            self.holders.push(1);
            if connected {
                self.expect(join(sub));
            }
        }
    }

    /// `unsubscribe(sub)` answered `result`; the client is `connected` after it.
    pub fn unsubscribe(
        &mut self,
        sub: &Subscription,
        result: Result<bool, UsageError>,
        connected: bool,
    ) {
        if !valid(sub) {
            assert_eq!(result, Err(UsageError::EmptySubscription), "{sub:?}");
            return;
        }
        // Subscriptions are counted: while another subscriber holds `sub`,
        // one lets go and nothing is sent.
        if let Some(i) = self.registry.iter().position(|s| s == sub) {
            if self.holders[i] > 1 {
                self.holders[i] -= 1;
                assert_eq!(
                    result,
                    Ok(false),
                    "unsubscribe({sub:?}) of a room held twice"
                );
                return;
            }
        }
        let r = room(sub);
        // Every subscription to the room goes; the leave names the last one.
        let removed = self.registry.iter().rev().find(|s| room(s) == r).cloned();
        let mut i = 0;
        while i < self.registry.len() {
            if room(&self.registry[i]) == r {
                self.registry.remove(i);
                self.holders.remove(i);
            } else {
                i += 1;
            }
        }
        assert_eq!(result, Ok(removed.is_some()), "unsubscribe({sub:?})");
        if let Some(conn) = &mut self.conn {
            // A paced join of the room may have gone out already, before the leave,
            // in the step that made this call: accepted until the leave is seen.
            let (gone, kept) = conn.owed.drain(..).partition(|op| effect(op).0 == r);
            conn.owed = kept;
            if connected {
                conn.withdrawn.extend::<Vec<RoomOp>>(gone);
            }
        }
        if let Some(s) = removed {
            if connected {
                self.expect(leave(&s));
            } else {
                self.pending_leaves.push(s);
            }
        }
    }

    fn expect(&mut self, op: RoomOp) {
        let conn = self.conn.as_mut().expect("connected without a CONNECT");
        conn.expected.push(op);
    }

    /// The namespace connected on `session`; its joins are `paced` by the client.
    pub fn connected(&mut self, session: u32, recovered: bool, paced: bool) {
        if !recovered {
            self.server.clear();
        } else if !super::CHECK_UNSENT_LEAVES_ON_RECOVERY {
            // Step around the known bug (see the constant): pretend the leaves
            // the last connection never transmitted reached the server.
            if let Some(last) = &self.conn {
                for op in &last.expected[last.seen..] {
                    let (room, joins) = effect(op);
                    if !joins {
                        self.server.remove(&room);
                    }
                }
            }
        }
        let joins: Vec<RoomOp> = self.registry.iter().map(join).collect();
        let (mut expected, owed) = if paced {
            (Vec::new(), joins)
        } else {
            (joins, Vec::new())
        };
        let leaves = std::mem::take(&mut self.pending_leaves);
        if recovered {
            expected.extend(leaves.iter().map(leave));
        }
        self.conn = Some(Conn {
            session,
            restore: expected.len(),
            expected,
            seen: 0,
            recovered,
            rooms_at_connect: self.registry.iter().map(room).collect(),
            owed,
            withdrawn: Vec::new(),
        });
    }

    /// A room event went out on `session`.
    pub fn sent(&mut self, session: u32, op: RoomOp) {
        let conn = self
            .conn
            .as_mut()
            .filter(|c| c.session == session)
            .unwrap_or_else(|| {
                panic!("room event {op:?} on session {session}, which never connected")
            });
        let (room, joins) = effect(&op);
        // A recovered session may be told again to leave rooms that are not
        // registered: harmless for the server, and the way a client can make
        // sure a leave lost with an earlier connection gets through.
        let extra_leave = conn.recovered
            && !joins
            && conn.seen <= conn.restore
            && conn.expected.get(conn.seen) != Some(&op)
            && !conn.rooms_at_connect.contains(&room);
        // A paced join of the CONNECT, owed (a recovered server may hold the room).
        let owed = joins && conn.expected.get(conn.seen) != Some(&op) && conn.owed.contains(&op);
        if owed {
            conn.owed.retain(|o| *o != op);
        }
        // An owed join of a room left since, sent before its leave.
        let withdrawn = joins
            && !owed
            && conn.expected.get(conn.seen) != Some(&op)
            && conn.withdrawn.contains(&op)
            && conn.expected[conn.seen..]
                .iter()
                .any(|e| effect(e) == (room.clone(), false));
        if withdrawn {
            conn.withdrawn.retain(|o| *o != op);
        }
        // A connection made under stress re-sends its joins ("Rooms that heal"
        // in recovery.rs): a join of a room the server holds already, after the
        // joins at CONNECT.
        let rejoin = joins
            && !owed
            && self.server.contains(&room)
            && conn.seen >= conn.restore
            && conn.expected.get(conn.seen) != Some(&op);
        if !extra_leave && !rejoin && !owed && !withdrawn {
            assert_eq!(
                conn.expected.get(conn.seen),
                Some(&op),
                "room event #{} on this connection is not the expected one ({op:?}); expected stream {:?}; server rooms {:?}",
                conn.seen,
                conn.expected,
                self.server
            );
            conn.seen += 1;
        }
        if joins {
            self.server.insert(room);
        } else {
            self.server.remove(&room);
        }
    }

    /// Whether `session`'s restore has been transmitted completely.
    pub fn restored(&self, session: u32) -> bool {
        self.conn
            .as_ref()
            .is_some_and(|c| c.session == session && c.seen >= c.restore)
    }

    /// The registry must equal the model.
    pub fn check_registry<'a>(&self, client: impl Iterator<Item = &'a Subscription>) {
        let client: Vec<&Subscription> = client.collect();
        let model: Vec<&Subscription> = self.registry.iter().collect();
        assert_eq!(client, model, "the subscription registry diverged");
    }

    /// Connected and nothing queued: the stream is complete and the server's
    /// rooms are the registry's. Returns how many subscriptions were checked.
    pub fn check_quiet(&self) -> usize {
        let conn = self.conn.as_ref().expect("connected without a CONNECT");
        assert_eq!(
            conn.owed,
            Vec::new(),
            "paced joins never sent: {conn:?}, registry {:?}",
            self.registry
        );
        assert_eq!(
            conn.seen,
            conn.expected.len(),
            "room events missing on this connection: sent {:?}, missing {:?}",
            &conn.expected[..conn.seen],
            &conn.expected[conn.seen..]
        );
        let mine: BTreeSet<String> = self.registry.iter().map(room).collect();
        assert_eq!(
            self.server, mine,
            "the server's rooms differ from the registry's"
        );
        self.registry.len()
    }

    /// Room events expected in the current connection's restore.
    pub fn restore_len(&self) -> usize {
        self.conn.as_ref().map_or(0, |c| c.restore)
    }

    /// The session of the current (or last) connection.
    pub fn session(&self) -> Option<u32> {
        self.conn.as_ref().map(|c| c.session)
    }
}
