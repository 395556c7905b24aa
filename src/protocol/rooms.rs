//! Frappe's room subscriptions, remembered so they survive reconnects.
//!
//! Frappe's server re-joins a reconnected socket only to `user:`, `website` and
//! `all`. Every other room is joined by an event the client emits
//! (`doc_subscribe`, …), so a client that does not re-emit them after a
//! reconnect silently stops receiving `doc_update` and friends. The registry
//! keeps each subscription in the order it was made; the client re-emits all of
//! them right after every CONNECT, before anything buffered.
//!
//! | kind | joins | subscribe event | leave event |
//! |---|---|---|---|
//! | doctype | `doctype:<dt>` | `doctype_subscribe(dt)` | `doctype_unsubscribe(dt)` |
//! | doc | `doc:<dt>/<dn>` | `doc_subscribe(dt, dn)` | `doc_unsubscribe(dt, dn)` |
//! | doc open | `open_doc:<dt>/<dn>` | `doc_open(dt, dn)` | `doc_close(dt, dn)` |
//! | task | `task_progress:<id>` | `task_subscribe(id)` | `task_unsubscribe(id)` |
//! | progress | `task_progress:<id>` | `progress_subscribe(id)` | `task_unsubscribe(id)` |
//!
//! `task` and `progress` join the same room; leaving it removes both.
//!
//! Subscriptions are counted: each `subscribe` of one subscription adds a
//! subscriber, each `unsubscribe` lets one go, and the room is left with the
//! last. (Frappe's server keeps no count: one leave leaves. Counting here lets
//! two parts of a page share a room, e.g. Desk's form and the application.)

use crate::protocol::json;
use alloc::string::String;
use alloc::vec::Vec;

/// Which Frappe subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionKind {
    /// `doctype_subscribe(doctype)`: list updates of a doctype.
    Doctype,
    /// `doc_subscribe(doctype, name)`: updates of one document.
    Doc,
    /// `doc_open(doctype, name)`: presence on a document (`doc_viewers`).
    DocOpen,
    /// `task_subscribe(task_id)`: a background task's progress.
    Task,
    /// `progress_subscribe(task_id)`: the same room, as `frappe.realtime.subscribe` joins it.
    Progress,
}

impl SubscriptionKind {
    /// Every kind, in the order of this enum.
    pub const ALL: [SubscriptionKind; 5] = [
        SubscriptionKind::Doctype,
        SubscriptionKind::Doc,
        SubscriptionKind::DocOpen,
        SubscriptionKind::Task,
        SubscriptionKind::Progress,
    ];

    /// The name `subscribe(kind, …)` takes in JS (see `seam.rs`).
    pub fn name(self) -> &'static str {
        match self {
            SubscriptionKind::Doctype => "doctype",
            SubscriptionKind::Doc => "doc",
            SubscriptionKind::DocOpen => "doc_open",
            SubscriptionKind::Task => "task",
            SubscriptionKind::Progress => "progress",
        }
    }

    /// The kind named `name`.
    pub fn named(name: &str) -> Option<SubscriptionKind> {
        SubscriptionKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One subscription: its kind and its arguments (doctype, name or task id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// The kind of subscription.
    pub kind: SubscriptionKind,
    /// The first argument: the doctype, or the task id.
    pub first: String,
    /// The document name for `Doc` and `DocOpen`; empty otherwise.
    pub second: String,
}

impl Subscription {
    /// `doctype_subscribe(doctype)`.
    pub fn doctype(doctype: &str) -> Subscription {
        Subscription::of(SubscriptionKind::Doctype, doctype, "")
    }
    /// `doc_subscribe(doctype, name)`.
    pub fn doc(doctype: &str, name: &str) -> Subscription {
        Subscription::of(SubscriptionKind::Doc, doctype, name)
    }
    /// `doc_open(doctype, name)`.
    pub fn doc_open(doctype: &str, name: &str) -> Subscription {
        Subscription::of(SubscriptionKind::DocOpen, doctype, name)
    }
    /// `task_subscribe(task_id)`.
    pub fn task(task_id: &str) -> Subscription {
        Subscription::of(SubscriptionKind::Task, task_id, "")
    }
    /// `progress_subscribe(task_id)`.
    pub fn progress(task_id: &str) -> Subscription {
        Subscription::of(SubscriptionKind::Progress, task_id, "")
    }

    /// A subscription of `kind` with its arguments (`second` is ignored by the kinds
    /// that take one argument); see [`Subscription::is_valid`].
    pub fn of(kind: SubscriptionKind, first: &str, second: &str) -> Subscription {
        let named = matches!(kind, SubscriptionKind::Doc | SubscriptionKind::DocOpen);
        Subscription {
            kind,
            first: String::from(first),
            second: String::from(if named { second } else { "" }),
        }
    }

    fn has_name(&self) -> bool {
        matches!(self.kind, SubscriptionKind::Doc | SubscriptionKind::DocOpen)
    }

    /// Whether every argument the kind needs is non-empty.
    pub fn is_valid(&self) -> bool {
        !self.first.is_empty() && (!self.has_name() || !self.second.is_empty())
    }

    /// The event that joins the room.
    pub fn subscribe_event(&self) -> &'static str {
        match self.kind {
            SubscriptionKind::Doctype => "doctype_subscribe",
            SubscriptionKind::Doc => "doc_subscribe",
            SubscriptionKind::DocOpen => "doc_open",
            SubscriptionKind::Task => "task_subscribe",
            SubscriptionKind::Progress => "progress_subscribe",
        }
    }

    /// The event that leaves the room.
    pub fn unsubscribe_event(&self) -> &'static str {
        match self.kind {
            SubscriptionKind::Doctype => "doctype_unsubscribe",
            SubscriptionKind::Doc => "doc_unsubscribe",
            SubscriptionKind::DocOpen => "doc_close",
            SubscriptionKind::Task | SubscriptionKind::Progress => "task_unsubscribe",
        }
    }

    /// The server-side room name, e.g. `doc:ToDo/TD-0001`.
    pub fn room(&self) -> String {
        let prefix = match self.kind {
            SubscriptionKind::Doctype => "doctype:",
            SubscriptionKind::Doc => "doc:",
            SubscriptionKind::DocOpen => "open_doc:",
            SubscriptionKind::Task | SubscriptionKind::Progress => "task_progress:",
        };
        let mut room = String::from(prefix);
        room.push_str(&self.first);
        if self.has_name() {
            room.push('/');
            room.push_str(&self.second);
        }
        room
    }

    /// The JSON argument array of the (un)subscribe events, e.g. `["ToDo","TD-0001"]`.
    pub fn args_json(&self) -> String {
        let mut out = String::from("[");
        json::write_string(&mut out, &self.first);
        if self.has_name() {
            out.push(',');
            json::write_string(&mut out, &self.second);
        }
        out.push(']');
        out
    }
}

/// The subscriptions to restore after every reconnect, in the order they were
/// made, each with the number of its subscribers: a subscription made twice
/// (two components of a page, or Desk's form and the application) is left
/// only when both have let it go.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

/// A registered subscription, how many subscribers hold it (at least 1), and
/// where its join stands on the current connection.
#[derive(Clone, Debug)]
struct Entry {
    sub: Subscription,
    holders: u32,
    join: JoinState,
}

/// Where the join of a registered subscription stands on the current
/// connection, when the server answers joins (`client/join_acks.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JoinState {
    /// Not answered: not sent yet, or sent without an ack id.
    #[default]
    Unanswered,
    /// Sent with this ack id, not answered yet.
    Pending(u64),
    /// Answered for good: taken, or refused.
    Settled,
    /// Answered as failed: to be sent again.
    Failed,
}

impl Registry {
    /// Adds a subscriber of `sub`; `false` when it was already present (one
    /// more subscriber, nothing to send).
    pub fn insert(&mut self, sub: Subscription) -> bool {
        if let Some(e) = self.find(&sub) {
            e.holders = e.holders.saturating_add(1);
            return false;
        }
        self.entries.push(Entry {
            sub,
            holders: 1,
            join: JoinState::Unanswered,
        });
        true
    }

    /// Lets one subscriber of `sub` go. While others hold it, returns `None`
    /// (nothing to send). Else removes every subscription that joins the same
    /// room as `sub` and returns one of them (the leave event to send), or
    /// `None` when there was none.
    pub fn remove_room(&mut self, sub: &Subscription) -> Option<Subscription> {
        if let Some(e) = self.find(sub) {
            if e.holders > 1 {
                e.holders -= 1;
                return None;
            }
        }
        let room = sub.room();
        let mut removed = None;
        // `retain`, not `Vec::remove`: its bounds check's panic formats a message,
        // which would keep `core::fmt` code in the shipped wasm. One pass: each entry's
        // room is built once; the first of the room is the one returned.
        self.entries.retain(|e| {
            let keep = e.sub.room() != room;
            if !keep && removed.is_none() {
                removed = Some(e.sub.clone());
            }
            keep
        });
        removed
    }

    /// How many subscriptions are registered.
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// The subscription at `index` in the order of [`Registry::iter`].
    pub fn get(&self, index: usize) -> Option<&Subscription> {
        self.entries.get(index).map(|e| &e.sub)
    }

    /// The subscriptions, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Subscription> {
        self.entries.iter().map(|e| &e.sub)
    }

    /// Where the join of the subscription at `index` stands.
    pub fn join(&self, index: usize) -> JoinState {
        self.entries
            .get(index)
            .map_or(JoinState::Unanswered, |e| e.join)
    }

    /// Sets where the join of the subscription at `index` stands.
    pub fn set_join(&mut self, index: usize, join: JoinState) {
        if let Some(e) = self.entries.get_mut(index) {
            e.join = join;
        }
    }

    /// The index of the first subscription whose join stands at `join` (with
    /// `at` true), or anywhere else (with `at` false).
    pub fn find_join(&self, join: JoinState, at: bool) -> Option<usize> {
        let mut i = 0;
        while let Some(e) = self.entries.get(i) {
            if (e.join == join) == at {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// Every join unanswered (a new connection).
    pub fn forget_joins(&mut self) {
        for e in &mut self.entries {
            e.join = JoinState::Unanswered;
        }
    }

    /// The entry of `sub` (a plain loop: no iterator adapter in the binary).
    fn find(&mut self, sub: &Subscription) -> Option<&mut Entry> {
        let mut i = 0;
        while i < self.entries.len() {
            if self.entries[i].sub == *sub {
                return Some(&mut self.entries[i]);
            }
            i += 1;
        }
        None
    }
}
