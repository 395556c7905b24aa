//! Acknowledged joins: the rooms the server said it took, or refused, on
//! this connection, when it answers joins (`ClientConfig::join_acks`).
//!
//! Frappe's server answers no join: a `doc_subscribe` whose permission call
//! failed is dropped without a word, and the client can only send its joins
//! again, blind, and pace them on what its own CONNECT measured
//! (`heal.rs`). A server that answers each join that asks for an ack (`true`
//! taken, `false` refused for good, anything else failed: the web server
//! refused or timed out) lets the client re-send only what failed, and send
//! a reconnect's joins as the answers come, a few at a time, however many
//! rooms the other clients of a herd hold.
//!
//! # Data
//!
//! - how many failed answers came in a row on this connection. Where each
//!   join stands (sent with an ack id and not answered yet — a join sent again
//!   replaces the id —, answered for good, answered as failed) is kept with
//!   its subscription in the registry (`rooms::JoinState`).
//!
//! # Invariants
//!
//! - A subscription left takes its join's state with it (a later join must be
//!   answered again); every join is unanswered again at each CONNECT: the
//!   server holds nothing of ours then.
//! - [`Timer::JoinRetry`](super::timers::Timer::JoinRetry) is armed while a
//!   failed join waits (the `Client` arms it, and stops it with the
//!   connection).
//!
//! # The policy
//!
//! - A reconnect sends one join at a CONNECT that found the web server loaded
//!   ([`LOADED_JOINS_AT_ONCE`](super::LOADED_JOINS_AT_ONCE); else
//!   [`JOINS_AT_ONCE`](super::JOINS_AT_ONCE)) and one more for each answered
//!   for good: each client keeps a call or so in the web server's queue, and
//!   the queue serves them in turn, whatever rooms the others hold (one
//!   rather than four: four calls each of 1,000 clients overflowed gunicorn's
//!   backlog of 2,048; docs/retry-policy.md, "Stop 41").
//!   The pace of `heal.rs` stays as the fallback, for joins no answer comes
//!   to (a server that answers some events and not others).
//! - A failed answer says the web server is overloaded: it frees no place for
//!   the next join, and the failed one is sent again after a wait anywhere in
//!   `[1, window]` ms, `window = `[`JOIN_RETRY_FIRST`]` × 1.5^(k − 1)` for the
//!   k-th failed answer in a row (each half rounded up: `backoff::grown`), capped at
//!   [`REFUSED_DELAY_MAX`](super::REFUSED_DELAY_MAX) (as the retries of a
//!   refused CONNECT, `recovery.rs`), one room at a time.
//! - The heal rounds (`heal.rs`) re-send only what was not answered for good;
//!   when every room is, they stop.

use super::REFUSED_DELAY_MAX;
use crate::protocol::backoff::grown;
use crate::protocol::rooms::{JoinState, Registry};
use crate::protocol::time::Duration;

/// The first failed answer's join waits anywhere up to this before it is sent
/// again (see "The policy").
pub const JOIN_RETRY_FIRST: Duration = Duration(2000);

/// How a join was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// Taken (`true`) or refused for good (`false`): never sent again on this
    /// connection.
    Settled,
    /// The server could not tell (its web server refused or timed out): to be
    /// sent again.
    Failed,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct JoinAcks {
    /// Failed answers in a row on this connection.
    failures: u32,
}

impl JoinAcks {
    /// The namespace connected: nothing is answered yet.
    pub(super) fn connected(&mut self, rooms: &mut Registry) {
        rooms.forget_joins();
        self.failures = 0;
    }

    /// The server answered ack `id` with the JSON array `data`. `None` when `id`
    /// is no pending join's (an emit's ack, or one for a join sent again since).
    pub(super) fn answered(&mut self, rooms: &mut Registry, id: u64, data: &str) -> Option<Answer> {
        let index = rooms.find_join(JoinState::Pending(id), true)?;
        // `[true]` or `[false]`: the first value starts with `t` or `f`.
        let mut settled = false;
        for &b in data.as_bytes() {
            if !matches!(b, b'[' | b' ' | b'\t' | b'\n' | b'\r') {
                settled = matches!(b, b't' | b'f');
                break;
            }
        }
        let (state, answer) = if settled {
            self.failures = 0;
            (JoinState::Settled, Answer::Settled)
        } else {
            self.failures = self.failures.saturating_add(1);
            (JoinState::Failed, Answer::Failed)
        };
        rooms.set_join(index, state);
        Some(answer)
    }

    /// The window of the wait before the next failed join goes again (see
    /// "The policy").
    pub(super) fn retry_window(&self) -> Duration {
        let k = self.failures.saturating_sub(1);
        Duration(grown(JOIN_RETRY_FIRST.0, k, false, REFUSED_DELAY_MAX.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::rooms::Subscription;

    fn two_rooms() -> Registry {
        let mut r = Registry::default();
        r.insert(Subscription::doc("ToDo", "A"));
        r.insert(Subscription::doc("ToDo", "B"));
        r
    }

    #[test]
    fn an_answer_settles_its_join_once_and_a_failure_does_not() {
        let mut a = JoinAcks::default();
        let mut r = two_rooms();
        r.set_join(0, JoinState::Pending(1));
        r.set_join(1, JoinState::Pending(3));
        // The first join of B was sent again (id 3): the answer to 2 is nobody's.
        assert_eq!(a.answered(&mut r, 2, "[true]"), None);
        assert_eq!(a.answered(&mut r, 1, "[ true ]"), Some(Answer::Settled));
        assert_eq!(a.answered(&mut r, 1, "[true]"), None);
        assert_eq!(
            a.answered(&mut r, 3, r#"[{"error":"502"}]"#),
            Some(Answer::Failed)
        );
        assert_eq!(
            (r.join(0), r.join(1)),
            (JoinState::Settled, JoinState::Failed)
        );
        assert_eq!(a.retry_window(), JOIN_RETRY_FIRST);
        r.set_join(1, JoinState::Pending(4));
        assert_eq!(a.answered(&mut r, 4, "[false]"), Some(Answer::Settled));
        a.connected(&mut r);
        assert_eq!(r.find_join(JoinState::Unanswered, false), None);
    }

    #[test]
    fn the_retry_window_grows_by_half_with_failures_in_a_row_to_a_cap() {
        let mut a = JoinAcks::default();
        let mut r = two_rooms();
        let mut windows = Vec::new();
        for id in 0..12 {
            r.set_join(0, JoinState::Pending(id));
            a.answered(&mut r, id, "[]");
            windows.push(a.retry_window().0);
        }
        assert_eq!(&windows[..4], &[2000, 3000, 4500, 6750]);
        assert_eq!(windows[11], REFUSED_DELAY_MAX.0);
        r.set_join(0, JoinState::Pending(12));
        a.answered(&mut r, 12, "[true]");
        assert_eq!(a.retry_window(), JOIN_RETRY_FIRST);
    }
}
