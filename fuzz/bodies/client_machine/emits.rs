//! The delivery model: every emit the fuzzer makes, followed from the call to the
//! wire or to the event that ends it.
//!
//! An emit is `Buffered` (made while not connected), `Assigned` to a connection
//! (made while connected, or flushed at a CONNECT: the client owes it to that
//! connection), on the `Wire`, or ended without being sent: `Dropped` (reported
//! by `Event::Dropped`), `Unsent` (its ack timed out while buffered) or `Lost`
//! (still queued inside the client when its connection ended; socket.io-client
//! loses these too, and their acks fail).
//!
//! Invariants:
//!
//! - **at most once, in order**: the serial numbers on the wire strictly
//!   increase, so no emit is sent twice (on one connection or across
//!   reconnects) and none overtakes an older one; only an `Assigned` emit may
//!   appear, on its own connection, with its own ack id and attachment count;
//! - **bounded buffer**: `Client::buffered()` equals the number of `Buffered`
//!   emits and never exceeds `buffer_max_count`; after any input, no emit made
//!   in an earlier step is older than `buffer_max_age`;
//! - **drops are honest**: a `Dropped` event names a buffered emit (the oldest
//!   or the newest, as the overflow policy says, and only when the buffer was
//!   over its bound; the oldest, and only when due, for expiry), or, for
//!   `TooLarge`, an emit being sent whose packet or attachment exceeds the
//!   session's `maxPayload`; no emit that exceeds it ever reaches the wire;
//! - **acks**: ids count from 0; every ack id is settled at most once (`Ack`,
//!   `AckFailed` or `Dropped`), `Timeout` only once due and always by then,
//!   `Disconnected` only for emits that left the buffer and only at a disconnect,
//!   and an `Ack` never for an emit still buffered;
//! - **flushed when quiet**: once nothing can be queued inside the client, no
//!   emit is still owed to the connection.

use frappe_realtime::protocol::client::{AckFailure, DropReason};
use frappe_realtime::protocol::config::{ClientConfig, OverflowPolicy};
use frappe_realtime::protocol::time::{Duration, Instant};
use std::collections::{BTreeMap, BTreeSet};

/// Where an emit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    Buffered,
    Assigned(u32),
    Wire,
    Dropped,
    Unsent,
    Lost,
}

/// One emit.
#[derive(Debug)]
pub struct Emit {
    pub name: String,
    pub ack: Option<u64>,
    pub attachments: Vec<Vec<u8>>,
    pub at: Instant,
    /// The step that made it.
    pub step: usize,
    pub timeout: Option<Duration>,
    pub state: Where,
    /// The length of its Socket.IO packet.
    pub packet_len: usize,
}

impl Emit {
    /// Whether the server's `maxPayload` forbids it: its packet with the
    /// Engine.IO type, or an attachment as `b` + base64, is larger.
    pub fn too_large(&self, max_payload: Option<u64>) -> bool {
        let largest = self
            .attachments
            .iter()
            .map(|a| a.len().div_ceil(3) * 4)
            .chain([self.packet_len])
            .max()
            .unwrap_or(0);
        max_payload.is_some_and(|m| largest as u64 + 1 > m)
    }
}

/// Every emit so far, indexed by serial number.
#[derive(Debug)]
pub struct Emits {
    list: Vec<Emit>,
    last_wire: Option<usize>,
    /// Ack id → serial, for acks not yet settled.
    open: BTreeMap<u64, usize>,
    /// The next ack id not seen yet, on an emit or a join.
    acks_issued: u64,
    /// With `join_acks`, joins take ids from the same counter: the ids below
    /// `acks_issued` that no emit took and no join was seen with (joins not on
    /// the wire yet, or lost with their connection before they got there).
    skipped: BTreeSet<u64>,
    join_acks: bool,
    max_count: usize,
    max_age: Duration,
    policy: OverflowPolicy,
}

impl Emits {
    pub fn new(config: &ClientConfig) -> Emits {
        Emits {
            list: Vec::new(),
            last_wire: None,
            open: BTreeMap::new(),
            acks_issued: 0,
            skipped: BTreeSet::new(),
            join_acks: config.join_acks,
            max_count: config.buffer_max_count,
            max_age: config.buffer_max_age,
            policy: config.buffer_overflow,
        }
    }

    /// The serial number the next emit will carry.
    pub fn next_serial(&self) -> usize {
        self.list.len()
    }

    /// `emit` accepted `e` (whose `ack` is the id it returned). `session` is the
    /// connection the client is on after the call, if connected.
    pub fn emitted(&mut self, mut e: Emit, wants_ack: bool, session: Option<u32>) {
        assert_eq!(e.ack.is_some(), wants_ack, "emit answered {:?}", e.ack);
        if let Some(id) = e.ack {
            // Dense from 0; with `join_acks`, joins not seen on the wire may have
            // taken the ids between. Never one taken before.
            if !self.join_acks || id < self.acks_issued {
                assert_eq!(id, self.acks_issued, "ack ids count from 0");
            }
            self.skipped.extend(self.acks_issued..id);
            self.acks_issued = id + 1;
            self.open.insert(id, self.list.len());
        }
        e.state = match session {
            Some(s) => Where::Assigned(s),
            None => Where::Buffered,
        };
        self.list.push(e);
    }

    /// A join asked for ack `id` (`join_acks`): joins and emits take their ids
    /// from one counter, and no id may go to two of them (or an answer would
    /// settle the wrong one).
    pub fn join_took(&mut self, id: u64) {
        if id >= self.acks_issued {
            self.skipped.extend(self.acks_issued..id);
            self.acks_issued = id + 1;
        } else {
            assert!(
                self.skipped.remove(&id),
                "a join's ack id {id} was taken before (by an emit or a join; next {})",
                self.acks_issued
            );
        }
    }

    /// A serial number was used by a refused emit: keep numbering dense.
    pub fn refused(&mut self, e: Emit) {
        let mut e = e;
        e.state = Where::Unsent;
        self.list.push(e);
    }

    fn buffered(&self) -> impl Iterator<Item = (usize, &Emit)> {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, e)| e.state == Where::Buffered)
    }

    /// The namespace connected on `session`: the buffer is owed to it.
    pub fn connected(&mut self, session: u32) -> usize {
        let mut n = 0;
        for e in &mut self.list {
            if e.state == Where::Buffered {
                e.state = Where::Assigned(session);
                n += 1;
            }
        }
        n
    }

    /// `Event::Dropped`. Emit names carry their serial number, so the event
    /// names its emit exactly. `session` / `max_payload` are the current
    /// connection's, for `TooLarge`.
    pub fn dropped(
        &mut self,
        name: &str,
        ack: Option<u64>,
        reason: DropReason,
        now: Instant,
        session: Option<u32>,
        max_payload: Option<u64>,
    ) {
        let k = self
            .list
            .iter()
            .position(|e| e.name == name && e.state != Where::Unsent)
            .unwrap_or_else(|| panic!("Dropped {name:?}, which was never emitted"));
        let buffered: Vec<usize> = self.buffered().map(|(k, _)| k).collect();
        let e = &self.list[k];
        assert_eq!(e.ack, ack, "Dropped {name:?} with the wrong ack id");
        match reason {
            DropReason::BufferFull => {
                assert_eq!(e.state, Where::Buffered, "{name:?} dropped as BufferFull");
                assert_eq!(
                    buffered.len(),
                    self.max_count + 1,
                    "BufferFull drop while the buffer was not over its bound"
                );
                let victim = match self.policy {
                    OverflowPolicy::DropOldest => buffered.first(),
                    OverflowPolicy::DropNewest => buffered.last(),
                };
                assert_eq!(victim, Some(&k), "{:?} dropped the wrong emit", self.policy);
            }
            DropReason::Expired => {
                assert_eq!(
                    buffered.first(),
                    Some(&k),
                    "{name:?} expired before older emits"
                );
                assert!(e.at + self.max_age <= now, "{name:?} expired early");
            }
            DropReason::TooLarge => {
                assert_eq!(
                    Some(e.state),
                    session.map(Where::Assigned),
                    "{name:?} dropped as TooLarge"
                );
                assert!(
                    e.too_large(max_payload),
                    "{name:?} ({} bytes) dropped as TooLarge under maxPayload {max_payload:?}",
                    e.packet_len
                );
            }
        }
        self.list[k].state = Where::Dropped;
        if let Some(id) = ack {
            assert!(self.open.remove(&id).is_some(), "ack {id} settled twice");
        }
    }

    /// `Event::AckFailed`; `disconnected` says whether this step reported a
    /// `Disconnect` before it.
    pub fn ack_failed(&mut self, id: u64, reason: AckFailure, now: Instant, disconnected: bool) {
        let k = self
            .open
            .remove(&id)
            .unwrap_or_else(|| panic!("AckFailed for ack {id}, settled already or never asked"));
        let e = &mut self.list[k];
        match reason {
            AckFailure::Timeout => {
                let due = e.timeout.map(|t| e.at + t);
                assert!(
                    due.is_some_and(|d| d <= now),
                    "ack {id} timed out early ({due:?})"
                );
                if e.state == Where::Buffered {
                    e.state = Where::Unsent;
                }
            }
            AckFailure::Disconnected => {
                assert!(
                    disconnected,
                    "ack {id} failed as disconnected without a Disconnect"
                );
                assert!(
                    matches!(e.state, Where::Assigned(_) | Where::Wire),
                    "ack {id} failed at a disconnect while its emit was {:?}",
                    e.state
                );
            }
        }
    }

    /// `Event::Ack`.
    pub fn acked(&mut self, id: u64) {
        let k = self
            .open
            .remove(&id)
            .unwrap_or_else(|| panic!("Ack for ack {id}, settled already or never asked"));
        assert_ne!(
            self.list[k].state,
            Where::Buffered,
            "ack {id} for an emit still buffered"
        );
    }

    /// An emit header went out on `session`: returns the attachments that must follow.
    pub fn sent(
        &mut self,
        session: u32,
        serial: usize,
        name: &str,
        ack: Option<u64>,
        attachments: u32,
        max_payload: Option<u64>,
    ) -> Vec<Vec<u8>> {
        assert!(
            !self.last_wire.is_some_and(|last| serial <= last),
            "emit #{serial} sent after emit #{:?}: duplicated or reordered",
            self.last_wire
        );
        self.last_wire = Some(serial);
        let e = self
            .list
            .get_mut(serial)
            .unwrap_or_else(|| panic!("emit #{serial} was never made"));
        assert_eq!(
            e.state,
            Where::Assigned(session),
            "emit #{serial} sent on session {session}"
        );
        assert_eq!(
            (e.name.as_str(), e.ack),
            (name, ack),
            "emit #{serial} altered"
        );
        assert_eq!(
            e.attachments.len(),
            attachments as usize,
            "emit #{serial}: attachment count"
        );
        assert!(
            !e.too_large(max_payload),
            "emit #{serial} sent though larger than maxPayload {max_payload:?}"
        );
        e.state = Where::Wire;
        e.attachments.clone()
    }

    /// The connection on `session` ended: what it still owed is lost.
    pub fn disconnected(&mut self, session: u32) {
        for e in &mut self.list {
            if e.state == Where::Assigned(session) {
                e.state = Where::Lost;
            }
        }
    }

    /// After every step: the buffer count and bound, and, after an input at
    /// `now` (`checked`), that nothing due in an earlier step is left.
    pub fn check(&self, now: Instant, step: usize, client_buffered: usize, checked: bool) {
        let n = self.buffered().count();
        assert_eq!(client_buffered, n, "buffered() disagrees with the model");
        assert!(
            n <= self.max_count,
            "{n} emits buffered, bound {}",
            self.max_count
        );
        if !checked {
            return;
        }
        for (k, e) in self.buffered() {
            assert!(
                e.step == step || now < e.at + self.max_age,
                "emit #{k} outlived buffer_max_age"
            );
        }
        for (&id, &k) in &self.open {
            let e = &self.list[k];
            let due = e.timeout.map(|t| e.at + t);
            assert!(
                e.step == step || !due.is_some_and(|d| d <= now),
                "ack {id} is past its timeout and not failed"
            );
        }
    }

    /// Connected and nothing queued: every emit owed has been sent.
    pub fn check_quiet(&self) {
        if let Some((k, e)) = self
            .list
            .iter()
            .enumerate()
            .find(|(_, e)| matches!(e.state, Where::Assigned(_)))
        {
            panic!("emit #{k} is owed to the connection but was not sent: {e:?}");
        }
    }

    /// Ack ids not yet settled.
    pub fn open_acks(&self) -> Vec<u64> {
        self.open.keys().copied().collect()
    }
}
