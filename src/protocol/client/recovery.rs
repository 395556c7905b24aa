//! Recovery: getting the connection back after it failed or was lost.
//!
//! # Data
//!
//! - the [`Backoff`] (delays and the attempt counter) and whether the current
//!   attempt is a reconnect (so that its success is reported as `Reconnect`);
//! - how many transient server rejections were retried in a row;
//! - connection state recovery: the server's private session id (`pid`), the
//!   offset of the last event received, and the `pid` sent with the current
//!   CONNECT (to tell whether the server restored the session).
//!
//! # Invariants
//!
//! - [`Timer::Reconnect`] is armed only here, and exactly while the client waits
//!   for its next attempt (its phase is then `Idle`); the attempt counter is the
//!   number of delays handed out since the last reset, and resets when a
//!   connection that stayed up [`HEALTHY`] is lost and at every `connect()`
//!   from rest.
//! - No attempt is scheduled with `reconnection` off or beyond
//!   `reconnection_attempts` (then `ReconnectFailed` is reported once), until
//!   `connect()`, or `revive` when the page tells the network or the tab is
//!   back (socket.io-client stays down until the page reloads). Retries of a
//!   transient refusal are not counted against `reconnection_attempts`.
//! - `offset` is only kept while the server offers recovery (`pid` set), and is
//!   forgotten at a CONNECT that did not restore the session.
//!
//! # The retry policy (issue 16; docs/architecture.md, "Retry policy")
//!
//! - **Healthy before reset.** The backoff starts over only once a connection
//!   has stayed up [`HEALTHY`] (checked when it is lost), not at its CONNECT: a
//!   server that accepts and drops at once sees the delays grow to the cap
//!   (0.2 attempts/s with the defaults) instead of a quick retry after every
//!   short-lived connection (3.7 attempts/s before). A connection lost while
//!   the backoff is still fresh (the first loss after `connect()`, e.g. a
//!   server restarted in a page's first seconds) gets the quick retry too: one
//!   per start over, not one per connection (without it the benchmark's
//!   page, killed 2 s after it connected, came back after 1,063 ms instead of
//!   254).
//! - **Transient refusals never stop the client, and spread a herd.**
//!   Frappe's `Unauthorized: …` (its web server call failed: restart, 502,
//!   overload, its own timeout) is retried without end, not counted against
//!   `reconnection_attempts`. The k-th refusal in a row waits anywhere in
//!   `[1, window]` ms, uniformly ("full jitter"), with `window = max(2 ×
//!   reconnection_delay, the refused attempt's time) × 1.5^(k−1)`, capped at
//!   [`REFUSED_DELAY_MAX`]; after an attempt that took [`SLOW_CONNECT`] or
//!   more (the web server queues, and a call past the realtime server's wait
//!   is work it does for nobody) the window doubles instead, capped at
//!   [`REFUSED_WAIT_MAX`]. One page waits on average what the backoff would
//!   at first (the window's middle is the delay); a herd turned away in one
//!   instant comes back spread over the whole window, where a ±50 % jitter
//!   keeps it in a band. A quick refusal cost the web server nothing, so its
//!   window grows by half, not double: each is then about half the time the
//!   client was refused so far, and a herd's last clients come back soon after
//!   the web server has room. Fleet simulation (tests/support/fleet.rs; 3
//!   seeds, worst, doubling → by half): 1,000 clients in 3 rooms, 4 workers
//!   refusing when busy, every client connected 57.2 → 21.8 s after the
//!   node's return on 10 ms calls, 130.8 → 108.3 s on 25 ms; 10,000 on 40
//!   workers with gunicorn's backlog 33.6 → 17.4 s; ~10 % more calls
//!   refused (docs/architecture.md, "Retry policy"). The page's `online` /
//!   visible tab brings the next attempt forward (`retry_now`, as for every
//!   wait). Configuration refusals still stop at once.
//! - **Probes while the server cannot be reached.** The backoff's attempts
//!   stay as they are (counted, reported as `reconnect_attempt` and
//!   `connect_error`), but while the last failure was *unreachable* (the
//!   transport failed before the Engine.IO handshake: nothing listens, the
//!   proxy answers 502) and the client has been down less than
//!   [`PROBE_WINDOW`], it also tries in between, every `first_retry_delay`
//!   (jittered like a delay). A probe is an attempt like any other on the
//!   wire; one that finds the server still away is silent and not counted
//!   (no event), one that gets further is reported as the attempt it then is.
//!   A restart of 1 to 60 s is then noticed within `first_retry_delay` ×
//!   (1 + factor) of the server's return (375 ms with the defaults), where the
//!   backoff alone waited up to 7.5 s; reaching nothing costs the server
//!   nothing (no web server call). Off when `first_retry_delay ≥
//!   reconnection_delay` (socket.io-client's timing).
//! - **Rooms that heal, paced.** Frappe's server drops a `doc_subscribe` (and
//!   `doctype_subscribe`, `doc_open`) whose permission call to the web server
//!   failed, without a word to the client; under a reconnect herd the web
//!   server refuses or times out exactly then, for whichever client's join
//!   comes at the wrong moment (a client that connected quickly loses joins
//!   too, so its own connect time tells nothing). A reconnect, or a first
//!   connection made under stress — its run saw a transient refusal, or the
//!   attempt took [`SLOW_CONNECT`] or more (the web server's queue) — re-sends
//!   its joins in [`HEAL_ROUNDS`] rounds. Each re-sent join is one more
//!   permission call, so the rounds wait until the herd is likely over, then
//!   trickle: a round starts anywhere in `[G, 3G]` after the CONNECT (or the
//!   previous round), `G = max(`[`HEAL_FIRST`]`, `[`HEAL_AFTER_SLOW`]` × the
//!   attempt's time)` (a herd of N clients in R rooms is N × (1 + R) calls:
//!   10 s of work for 1,000 clients in 3 rooms on 4 workers of 10 ms),
//!   doubling at every round; within a round each join waits anywhere in
//!   `[1, G / rooms]` after the previous one (one call at a time per client).
//!   Fleet simulation (as above; 3 seeds, 300 s), against rounds at 2, 6 and
//!   14 s with every join at once: a queueing web server of 10 ms calls had
//!   every room back after 10.0 s with no call timed out (12.7 s, 3,092–3,452
//!   timed out), one of 25 ms calls after 82–86 s (1,817–1,883 of 3,000 rooms
//!   after 300 s: the re-sent joins kept its queue past the realtime server's
//!   timeout), a refusing one of 10 ms calls after 93–149 s (2,722–2,751).
//!   Joining a room held already changes nothing on the server. A page's first,
//!   quick connection re-sends nothing. Five rounds, not three (the count
//!   before stop 25): a herd that outlasts a client's rounds has its joins
//!   refused or timed out in every one of them, and such a room stays lost
//!   while the page believes it holds it; with three, 1,000 clients on a
//!   refusing web server of 4 workers of 50 ms had 2,990–2,994 of 3,000 rooms
//!   back after 1,200 s, with five every room of every fleet came back
//!   (docs/architecture.md, "Rooms that heal, paced", has the rows). The two
//!   more rounds come 80–240 s and 160–480 s after the one before (with `G` at
//!   10 s), a trickle, at a price: 2 × R more calls per client over those
//!   minutes (1,000 clients in 3 rooms: 19,000 calls instead of 13,000 on a
//!   web server that keeps up).
//! - **Joins after a loaded CONNECT, no faster than the web server serves
//!   them.** The CONNECT's round trip (sent to answered) is the web server's
//!   `get_user_info` and the realtime node's own time. The transport and the
//!   Engine.IO handshake before it do not reach the web server, so their time
//!   is taken off the round trip as the node's share, but never more than
//!   half of it: a node that takes connections in late (a backlog) delays the
//!   handshake and not the CONNECT, and taking the handshake off whole then
//!   calls a real queue none. What is left is the CONNECT's wait, and the
//!   quickest wait a client has had is its measure of that web server idle. A
//!   reconnect whose CONNECT waited more than [`LOADED_FACTOR`] times that, and
//!   more than [`LOADED_MIN`], found a queue, and its joins would go to the end
//!   of it in one block with everyone else's. They go from `rooms − 1` waits
//!   after the CONNECT on, one at a time, each anywhere in `[1, wait / rooms]`
//!   after the previous one. In a herd each client's wait is one
//!   `get_user_info` call longer than the one before it, so the joins of all
//!   reach the web server a little slower than it serves them (on average
//!   `rooms` joins in the time of `rooms + (rooms + 1) / (4 × rooms)` of its
//!   calls): its queue shrinks from the herd's burst instead of growing, and
//!   times out no join unless that burst alone outlasts the realtime server's
//!   wait. The client's measure of the
//!   herd's work is `(rooms + 1) × the wait`, and a client anywhere in a herd
//!   has seen on average half of it: the heal rounds wait at least twice that
//!   (`G = max(HEAL_FIRST, HEAL_AFTER_SLOW × the attempt's time,
//!   HEAL_AFTER_LOADED × (rooms + 1) × the wait)`), so no round re-sends a join
//!   while the herd may still be queued.
//!
//!   Until stop 30 the joins aimed at the middle of that measure (from
//!   `(rooms − 1) / 2` waits on, over two waits), the heal rounds waited it once:
//!   with more than 3 rooms the joins came faster than the web server served
//!   them and the queue outgrew the realtime server's wait. Fleet simulation
//!   (1,000 clients on 4 workers, queueing, worst of 3 seeds, stop 30 → 31):
//!   25 ms calls and 5 rooms 159.7 → 43.1 s (3,829 → 0 calls timed out), 20 ms
//!   and 5 rooms 128.6 → 33.6 s, 25 ms and 3 rooms 28.3 → 27.4 s, 1 room 18.4 →
//!   12.7 s; where the burst itself outlasts the wait (50 ms calls, 10,000
//!   clients on 4 workers) it comes back later (226.7 → 311.7 s, 603.8 →
//!   635.7 s). docs/architecture.md has every row, and what was tried.
//!
//!   Emits buffered offline go out at the CONNECT, before paced joins. A page
//!   on an idle web server sends its joins at once.

use super::api::{ConnectErrorKind, Event};
use super::context::Context;
use super::timers::Timer;
use crate::protocol::backoff::{self, Backoff};
use crate::protocol::config::ClientConfig;
use crate::protocol::json;
use crate::protocol::time::{Duration, Instant};
use alloc::string::String;

/// How long a connection must stay up before its loss starts the backoff over
/// (with the quick first retry); one lost sooner goes on with the next delay.
pub const HEALTHY: Duration = Duration(5000);

/// The cap on the window of a transient refusal's retry (see the module
/// documentation), unless the refusal came after a long wait.
pub const REFUSED_DELAY_MAX: Duration = Duration(60_000);

/// The cap on that window when the refused attempt took [`SLOW_CONNECT`] or
/// more: the web server queues, perhaps past the realtime server's timeout,
/// and a call that waits that long is wasted work for it.
pub const REFUSED_WAIT_MAX: Duration = Duration(120_000);

/// The shortest attempt (transport to CONNECT) that counts as made under
/// stress: the web server answered `get_user_info` slowly.
pub const SLOW_CONNECT: Duration = Duration(1000);

/// How many rounds of re-sent joins a reconnect, or a connection made under
/// stress, makes (see "Rooms that heal, paced").
pub const HEAL_ROUNDS: u32 = 5;

/// The shortest gap before the first round of re-sent joins: past the herd's
/// burst of calls (the later rounds double it).
pub const HEAL_FIRST: Duration = Duration(10_000);

/// The first round's gap is at least this many times the attempt's time.
pub const HEAL_AFTER_SLOW: u64 = 2;

/// A reconnect whose CONNECT waited more than this many times the quickest
/// CONNECT the client has had found the web server loaded (see "Joins after
/// a loaded CONNECT").
pub const LOADED_FACTOR: u64 = 4;

/// ... and at least this long: a few ms more on a quick web server say nothing
/// (and a short wait paces the joins over as short a time).
pub const LOADED_MIN: Duration = Duration(25);

/// The heal rounds after a loaded CONNECT wait at least this many times the
/// client's measure of the herd's work: a client anywhere in the herd has seen
/// on average half of the queue ahead of the last one.
pub const HEAL_AFTER_LOADED: u64 = 2;

/// How long after the connection was lost (or the first attempt failed)
/// probes go on while the server cannot be reached: past the 60 s of outage
/// the policy promises to notice at once, then the backoff alone.
pub const PROBE_WINDOW: Duration = Duration(90_000);

/// See the module documentation.
#[derive(Debug)]
pub(super) struct Recovery {
    backoff: Backoff,
    /// The current attempt is a reconnect (report `Reconnect` when it succeeds).
    reconnecting: bool,
    /// Transient refusals in a row since the last CONNECT (or `connect`).
    refusals: u32,
    /// Delays handed out for transient rejections since the backoff's reset:
    /// not counted against `reconnection_attempts`.
    uncounted: u32,
    /// When the namespace connected, while it is.
    up_since: Option<Instant>,
    /// Since when the client is without a connection (lost, or its first
    /// attempt failed); `None` while connected or at rest.
    down_since: Option<Instant>,
    /// Rounds of re-sent joins left on this connection, and the gap before
    /// the next one.
    heal_left: u32,
    heal_gap: Duration,
    /// The join of the current round to re-send next.
    heal_index: usize,
    /// While the joins of a loaded CONNECT are sent (the first round): the
    /// window their pace divides.
    first_round: Option<Duration>,
    /// When the current attempt sent its CONNECT, and how long the attempt had
    /// taken until then (the transport and the Engine.IO handshake).
    connect_sent: Instant,
    handshake: Duration,
    /// The quickest CONNECT's wait the client has had (`u64::MAX` before the
    /// first).
    quickest: Duration,
    /// When the next counted attempt is due, while probes may come before it;
    /// `None` once it started. An attempt under way is a probe while this is
    /// still ahead.
    counted_at: Option<Instant>,
    /// The attempts ran out (`ReconnectFailed` was reported) and nothing
    /// started again since: `revive` may.
    gave_up: bool,
    /// Connection state recovery: the private session id and the last offset.
    pid: Option<String>,
    offset: Option<String>,
    /// The pid sent with the current CONNECT, to tell whether it recovered.
    sent_pid: Option<String>,
}

impl Recovery {
    /// Nothing to recover yet.
    pub(super) fn new(config: &ClientConfig) -> Recovery {
        Recovery {
            backoff: Backoff::new(
                config.reconnection_delay,
                config.reconnection_delay_max,
                config.randomization_factor,
                config.jitter_seed,
            ),
            reconnecting: false,
            refusals: 0,
            uncounted: 0,
            up_since: None,
            down_since: None,
            counted_at: None,
            heal_left: 0,
            heal_gap: Duration(0),
            heal_index: 0,
            first_round: None,
            connect_sent: Instant(0),
            handshake: Duration(0),
            quickest: Duration(u64::MAX),
            gave_up: false,
            pid: None,
            offset: None,
            sent_pid: None,
        }
    }

    /// The attempt counter (the number of the next or current reconnect attempt).
    pub(super) fn attempts(&self) -> u32 {
        self.backoff.attempts()
    }

    /// Whether the server offers connection state recovery on this connection.
    pub(super) fn offered(&self) -> bool {
        self.pid.is_some()
    }

    // ----- attempts --------------------------------------------------------

    /// `connect()` from rest: the backoff starts over.
    pub(super) fn start_over(&mut self) {
        self.backoff.reset();
        self.uncounted = 0;
        self.up_since = None;
        self.down_since = None;
        self.counted_at = None;
        self.refusals = 0;
        self.reconnecting = false;
        self.gave_up = false;
    }

    /// After the attempts ran out, the page says the network or the tab is
    /// back: the backoff starts over with an attempt due `now` (reported as a
    /// reconnect, like any other). `false` (nothing done) unless the client
    /// gave up that way: a `disconnect()` or a refusal is not undone.
    pub(super) fn revive(&mut self, now: Instant, cx: &mut Context) -> bool {
        if !self.gave_up {
            return false;
        }
        self.start_over();
        self.schedule(now, cx);
        self.retry_now(now, cx)
    }

    /// Schedules the next attempt (arms [`Timer::Reconnect`]), unless
    /// reconnection is off or the attempts ran out.
    pub(super) fn schedule(&mut self, now: Instant, cx: &mut Context) {
        // No counted attempt ahead (`arm` sets the next), so no probe either.
        self.counted_at = None;
        if !cx.config.reconnection {
            return;
        }
        let counted = self.backoff.attempts().saturating_sub(self.uncounted);
        if cx
            .config
            .reconnection_attempts
            .is_some_and(|max| counted >= max)
        {
            self.gave_up = true;
            cx.events.push_back(Event::ReconnectFailed);
            return;
        }
        let delay = self.backoff.next_delay();
        self.arm(now, delay, cx);
    }

    /// Arms [`Timer::Reconnect`] `delay` after `now` for the next counted
    /// attempt and reports it.
    fn arm(&mut self, now: Instant, delay: Duration, cx: &mut Context) {
        let at = now + delay;
        self.counted_at = Some(at);
        cx.timers.set(Timer::Reconnect, Some(at));
        cx.events.push_back(Event::ReconnectScheduled {
            attempt: self.backoff.attempts(),
            delay,
            at,
        });
    }

    /// A connection that was up is lost. Up [`HEALTHY`] or longer, or the
    /// backoff still fresh (no delay handed out since `connect()` or its last
    /// start over): after one quick first retry (see `first_retry_delay`) the
    /// backoff goes on from the start. Lost sooner: the backoff goes on where
    /// it was, so a server that keeps dropping gets one quick retry per start
    /// over, not one per connection.
    pub(super) fn connection_lost(&mut self, now: Instant, cx: &mut Context) {
        self.down_since = Some(now);
        let up = self.up_since.take();
        if self.backoff.attempts() == 0 || up.is_some_and(|t| now.saturating_since(t) >= HEALTHY) {
            self.backoff
                .after_connection_lost(cx.config.first_retry_delay);
            self.uncounted = 0;
        }
        self.schedule(now, cx);
    }

    /// While waiting to reconnect, moves the attempt to `now`; `false` when
    /// not waiting.
    pub(super) fn retry_now(&mut self, now: Instant, cx: &mut Context) -> bool {
        if cx.timers.get(Timer::Reconnect).is_none() {
            return false;
        }
        // The page asked: a counted attempt, not a probe.
        self.counted_at = Some(now);
        cx.timers.set(Timer::Reconnect, Some(now));
        true
    }

    /// After an unreachable failure, arms a probe `first_retry_delay`
    /// (jittered) from `now` when that comes before the counted attempt and
    /// the client has been down less than [`PROBE_WINDOW`].
    fn probe_later(&mut self, now: Instant, cx: &mut Context) {
        let interval = cx.config.first_retry_delay;
        let (Some(down), Some(counted)) = (self.down_since, self.counted_at) else {
            return;
        };
        if !cx.config.probe
            || interval.0 == 0
            || interval >= cx.config.reconnection_delay
            || now.saturating_since(down) >= PROBE_WINDOW
        {
            return;
        }
        let at = now + self.backoff.spread(interval);
        cx.timers.set(Timer::Reconnect, Some(at.min(counted)));
    }

    /// No more attempts (`disconnect()`), not even by `revive`.
    pub(super) fn cancel(&mut self, cx: &mut Context) {
        self.gave_up = false;
        self.up_since = None;
        self.down_since = None;
        self.counted_at = None;
        cx.timers.stop(Timer::Reconnect);
    }

    /// [`Timer::Reconnect`] fired: the attempt starts now.
    pub(super) fn attempt_starts(&mut self, now: Instant, cx: &mut Context) {
        cx.timers.stop(Timer::Reconnect);
        if !self.counted_at.is_some_and(|at| now < at) {
            self.counted_at = None;
            cx.events.push_back(Event::ReconnectAttempt {
                attempt: self.backoff.attempts(),
            });
        }
        self.reconnecting = true;
    }

    /// An attempt failed on our side (`kind`, `message`; `unreachable`: its
    /// transport failed before the Engine.IO handshake). A probe that found
    /// the server still away is silent: the next probe or the counted attempt
    /// follows. Anything else is reported and the next counted attempt
    /// scheduled (after a probe, the one already due), with probes before it
    /// when the server could not be reached.
    pub(super) fn attempt_failed(
        &mut self,
        now: Instant,
        kind: ConnectErrorKind,
        message: &str,
        unreachable: bool,
        cx: &mut Context,
    ) {
        // A probe that outlived the counted attempt's time stands for it.
        let probe = self.counted_at.is_some_and(|at| at > now);
        if self.down_since.is_none() {
            self.down_since = Some(now);
        }
        if !(probe && unreachable) {
            cx.events.push_back(Event::ConnectError {
                kind,
                message: String::from(message),
                data: String::new(),
            });
        }
        match self.counted_at {
            // After a probe, the counted attempt stays where it was.
            Some(at) if probe => cx.timers.set(Timer::Reconnect, Some(at)),
            _ => self.schedule(now, cx),
        }
        if unreachable {
            self.probe_later(now, cx);
        }
    }

    /// The server refused the namespace (CONNECT_ERROR with `message`, if it
    /// has one, and the payload `data`): reported, and retried (returns `true`)
    /// only when the rejection is transient, after a wait drawn from a window
    /// that grows with every refusal in a row (see the module documentation).
    pub(super) fn rejected(
        &mut self,
        now: Instant,
        message: Option<String>,
        data: &str,
        cx: &mut Context,
    ) -> bool {
        let message = message.unwrap_or_else(|| String::from("connect error"));
        let retry = is_transient_rejection(&message) && cx.config.reconnection;
        cx.events.push_back(Event::ConnectError {
            kind: ConnectErrorKind::Server,
            message,
            data: String::from(data),
        });
        if retry {
            // Not an attempt that ran out: the server could not check us yet.
            self.uncounted = self.uncounted.saturating_add(1);
            // After a slow attempt (the web server queued it) the window doubles, up
            // to the longer cap; after a quick one it grows by half.
            let took = attempt_took(now, cx).0;
            let slow = took >= SLOW_CONNECT.0;
            let cap = if slow {
                REFUSED_WAIT_MAX
            } else {
                REFUSED_DELAY_MAX
            };
            let first = (cx.config.reconnection_delay.0.saturating_mul(2)).max(took);
            let window = backoff::grown(first, self.refusals, slow, cap.0);
            let delay = self.backoff.within(Duration(window));
            self.backoff.count();
            self.refusals = self.refusals.saturating_add(1);
            self.arm(now, delay, cx);
        }
        retry
    }

    /// Arms [`Timer::Heal`] for the next round of re-sent joins, if any is left.
    fn heal_next(&mut self, now: Instant, cx: &mut Context) {
        let gap = self.heal_gap;
        self.heal_index = 0;
        let at = (self.heal_left > 0)
            .then(|| now + gap + self.backoff.within(Duration(gap.0.saturating_mul(2))));
        cx.timers.set(Timer::Heal, at);
    }

    /// [`Timer::Heal`] is due: returns which of the `count` joins to re-send
    /// now (the caller sends it; none when out of range) and arms the next.
    pub(super) fn heal_step(&mut self, now: Instant, count: usize, cx: &mut Context) -> usize {
        let index = self.heal_index;
        if index + 1 >= count {
            // The first joins of a loaded CONNECT are not a heal round.
            if self.first_round.take().is_none() {
                self.heal_left = self.heal_left.saturating_sub(1);
                self.heal_gap = Duration(self.heal_gap.0.saturating_mul(2));
            }
            self.heal_next(now, cx);
        } else {
            // One call at a time: the next join of this round.
            self.heal_index = index + 1;
            self.pace_join(now, count, cx);
        }
        index
    }

    /// Whether the joins of a loaded CONNECT are still being sent, one at a
    /// time (see "Joins after a loaded CONNECT").
    pub(super) fn joins_paced(&self) -> bool {
        self.first_round.is_some()
    }

    /// A room was left: while the first joins of a loaded CONNECT are still
    /// being sent, they start over on the rooms left (the indices moved, and
    /// a join not yet sent must not be skipped; one sent twice is harmless).
    pub(super) fn room_left(&mut self) {
        if self.first_round.is_some() {
            self.heal_index = 0;
        }
    }

    /// Arms [`Timer::Heal`] for the next join of the round, anywhere in
    /// `[1, window / count]` from `now`.
    fn pace_join(&mut self, now: Instant, count: usize, cx: &mut Context) {
        let window = self.first_round.unwrap_or(self.heal_gap);
        let pace = Duration(window.0 / count.max(1) as u64);
        cx.timers
            .set(Timer::Heal, Some(now + self.backoff.within(pace)));
    }

    // ----- the namespace's CONNECT -----------------------------------------

    /// The CONNECT payload: the `auth` object, with `pid` and `offset` added
    /// when the server offered connection state recovery.
    pub(super) fn connect_payload(&mut self, now: Instant, cx: &Context) -> String {
        // The CONNECT's round trip (the part of the attempt that waits for the web
        // server's `get_user_info`) will be measured from here, and the time the
        // transport and the Engine.IO handshake took before it (the realtime node's
        // and the network's) taken off (see "Joins after a loaded CONNECT").
        self.connect_sent = now;
        self.handshake = attempt_took(now, cx);
        let auth = cx.config.auth.as_deref();
        self.sent_pid = self.pid.clone();
        let auth_inner = auth.map_or("", |a| {
            let a = json::trim_ws(a);
            json::trim_ws(
                a.strip_prefix('{')
                    .and_then(|a| a.strip_suffix('}'))
                    .unwrap_or(""),
            )
        });
        let Some(pid) = &self.pid else {
            return String::from(auth.unwrap_or_default());
        };
        let mut out = String::from("{\"pid\":");
        json::write_string(&mut out, pid);
        if let Some(offset) = &self.offset {
            out.push_str(",\"offset\":");
            json::write_string(&mut out, offset);
        }
        if !auth_inner.is_empty() {
            out.push(',');
            out.push_str(auth_inner);
        }
        out.push('}');
        out
    }

    /// The namespace connected with the server's CONNECT payload `data`, the
    /// client holding `rooms` joins: reports a successful reconnect, and
    /// returns the socket id in `data`, whether the server restored the
    /// previous session, and whether the joins are to be sent now (`false`:
    /// the heal steps send them, paced, after a loaded CONNECT).
    pub(super) fn connected(
        &mut self,
        now: Instant,
        data: &str,
        rooms: usize,
        cx: &mut Context,
    ) -> (Option<String>, bool, bool) {
        let mut sid = None;
        let mut pid = None;
        for m in json::members(data) {
            let Ok((key, value)) = m else { continue };
            match key.as_str() {
                "sid" => sid = json::decode_string(value).ok(),
                "pid" => pid = json::decode_string(value).ok(),
                _ => {}
            }
        }
        let recovered = pid.is_some() && pid == self.sent_pid;
        if pid.is_none() || !recovered {
            self.offset = None;
        }
        self.pid = pid;
        let reconnect = self.reconnecting;
        if reconnect {
            cx.events.push_back(Event::Reconnect {
                attempt: self.backoff.attempts(),
            });
            self.reconnecting = false;
        }
        // A reconnect, or made under stress: its joins will be re-sent (`heal_step`),
        // after the first ones paced when the web server was loaded.
        let took = attempt_took(now, cx);
        // The CONNECT's wait: its round trip less the handshake's time, and at least
        // half the round trip (see the module docs). This one counts: a first
        // CONNECT is never loaded by this measure.
        let rtt = now.saturating_since(self.connect_sent).0;
        let wait = Duration(rtt.saturating_sub(self.handshake.0).max(rtt / 2));
        self.quickest = self.quickest.min(wait);
        self.first_round = None;
        if reconnect || self.refusals > 0 || took >= SLOW_CONNECT {
            self.heal_left = HEAL_ROUNDS;
            // `took` is real time (ms): these products cannot overflow.
            self.heal_gap = Duration((took.0 * HEAL_AFTER_SLOW).max(HEAL_FIRST.0));
            if wait.0
                > self
                    .quickest
                    .0
                    .saturating_mul(LOADED_FACTOR)
                    .max(LOADED_MIN.0)
            {
                // The herd's work as this client measured it: the heal rounds wait
                // twice all of it; the joins go from `rooms − 1` waits on, each within
                // a wait / rooms of the previous (see the module docs).
                let r = rooms as u64;
                let window = wait.0 * (r + 1) * HEAL_AFTER_LOADED;
                self.heal_gap = self.heal_gap.max(Duration(window));
                self.first_round = Some(wait);
                self.heal_index = 0;
                let lead = Duration(wait.0 * r.saturating_sub(1));
                self.pace_join(now + lead, rooms, cx);
            } else {
                self.heal_next(now, cx);
            }
        }
        // The backoff starts over once this connection proves healthy
        // (`connection_lost`).
        self.up_since = Some(now);
        self.down_since = None;
        self.counted_at = None;
        self.refusals = 0;
        (sid, recovered, self.first_round.is_none())
    }

    /// An event arrived with the JSON array `data`: while the server offers
    /// recovery, it appends the packet's offset as a last string argument.
    pub(super) fn event_received(&mut self, data: &str) {
        if self.pid.is_none() {
            return;
        }
        if let Some(Ok(last)) = json::elements(data).last() {
            if last.starts_with('"') {
                self.offset = json::decode_string(last).ok();
            }
        }
    }
}

/// How long the attempt under way has taken at `now` (from the start of its
/// `timeout`).
fn attempt_took(now: Instant, cx: &Context) -> Duration {
    cx.timers
        .get(Timer::Attempt)
        .map_or(Duration(0), |deadline| {
            now.saturating_since(Instant(deadline.0.saturating_sub(cx.config.timeout.0)))
        })
}

/// Whether a CONNECT_ERROR says the server could not check the credentials
/// rather than that they were wrong. Frappe's realtime server answers
/// `Unauthorized: <error>` when its `get_user_info` call to the web server
/// fails (web server down or restarting, an HTTP 500, a body that is not JSON);
/// a stale session is not one of these, it connects as Guest. Every other
/// rejection (no cookie, invalid origin or namespace) is a configuration error
/// that no retry can mend.
fn is_transient_rejection(message: &str) -> bool {
    message.starts_with("Unauthorized")
}
