//! Recovery: getting the connection back after it failed or was lost.
//!
//! # Data
//!
//! - the [`Backoff`] (delays and the attempt counter) and whether the current
//!   attempt is a reconnect (so that its success is reported as `Reconnect`);
//! - how many transient server rejections were retried in a row;
//! - the [`Heal`] of the connection (its joins re-sent, paced);
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
//!   transient refusal, probes, the quick first retry and attempts that found
//!   nothing while probes run are not counted against `reconnection_attempts`.
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
//! - **Quick retry, not counted.** The quick first retry after a start over is
//!   this client's own: it is not counted against `reconnection_attempts`, so
//!   an application's limit spans socket.io-client's delays after it (CRM's
//!   and Helpdesk's 5: the last attempt 17.25 s after the loss, not 12.25 s).
//!   On a real bench a `bench restart` under 1,000 clients kept the realtime
//!   server away 12–20 s, and clients with that limit ran out before it was
//!   back (docs/retry-policy.md, "Stop 52").
//! - **Away, not counted.** A counted attempt that found nothing (see
//!   "Probes" below: the transport failed before the Engine.IO handshake)
//!   while probes run, within [`PROBE_WINDOW`] of the loss, is not counted
//!   against `reconnection_attempts` either: the limit counts attempts at a
//!   server that is there (refused, timed out, dropped after its handshake),
//!   and a server that stays away ends the client after the window and the
//!   limit's attempts (112 s after the loss with CRM's and Helpdesk's 5 and
//!   the default delays), not at 17 s. A
//!   `bench restart` under 1,000 clients kept the realtime server away 12–20 s
//!   on a real bench; with that limit 4 of 1,000 clients of an SPA gave up
//!   before it was back, every one after attempts that found nothing
//!   (docs/retry-policy.md, "Stop 52"); with this rule none of 1,000, with a
//!   limit of 5 or of 3 ("Stop 53"). Still reported as `reconnect_attempt`
//!   and `connect_error`, numbered as before.
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
//! - **Rooms that heal, paced**, and **joins after a loaded CONNECT**: the
//!   connection's joins, sent one at a time and again (`heal.rs`, whose data
//!   this part holds; it reports here whether the attempt was made under
//!   stress, and lends it the backoff's jitter).

use super::api::{ConnectErrorKind, Event};
use super::context::Context;
use super::heal::Heal;
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
    /// Delays handed out since the backoff's reset that are not counted
    /// against `reconnection_attempts`: the quick first retry, one per
    /// transient rejection, and one per attempt that found nothing while
    /// probes run.
    uncounted: u32,
    /// The attempt under way (or the last one) is one of those already (the
    /// quick retry, a refusal's retry): if it finds nothing, it is not left out
    /// twice.
    last_uncounted: bool,
    /// When the namespace connected, while it is.
    up_since: Option<Instant>,
    /// The last attempt failed before the server's handshake: nothing
    /// answered (the next one checks first, `session.rs` "Checks").
    found_nothing: bool,
    /// Since when the client is without a connection (lost, or its first
    /// attempt failed); `None` while connected or at rest.
    down_since: Option<Instant>,
    /// The connection's joins, re-sent and paced.
    heal: Heal,
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
            last_uncounted: false,
            up_since: None,
            found_nothing: false,
            down_since: None,
            counted_at: None,
            heal: Heal::new(),
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
        self.last_uncounted = false;
        self.up_since = None;
        self.down_since = None;
        self.found_nothing = false;
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
        self.last_uncounted = false;
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
        self.found_nothing = false;
        let up = self.up_since.take();
        let mut quick = false;
        if self.backoff.attempts() == 0 || up.is_some_and(|t| now.saturating_since(t) >= HEALTHY) {
            // The quick first retry is this client's own: not counted against
            // `reconnection_attempts`, whose attempts then span socket.io-client's
            // delays (see "Quick retry, not counted").
            quick = self
                .backoff
                .after_connection_lost(cx.config.first_retry_delay);
            self.uncounted = u32::from(quick);
        }
        self.schedule(now, cx);
        self.last_uncounted = quick;
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
        let Some(counted) = self.counted_at else {
            return;
        };
        if !self.probing(now, cx) {
            return;
        }
        let at = now + self.backoff.spread(cx.config.first_retry_delay);
        cx.timers.set(Timer::Reconnect, Some(at.min(counted)));
    }

    /// Whether probes run `now`: they are on (`probe`, with a
    /// `first_retry_delay` shorter than `reconnection_delay`) and the client has
    /// been down less than [`PROBE_WINDOW`].
    fn probing(&self, now: Instant, cx: &Context) -> bool {
        let interval = cx.config.first_retry_delay;
        cx.config.probe
            && interval.0 != 0
            && interval < cx.config.reconnection_delay
            && self
                .down_since
                .is_some_and(|down| now.saturating_since(down) < PROBE_WINDOW)
    }

    /// Whether the last attempt found nothing (its transport failed before
    /// the server's handshake): the next one checks first.
    pub(super) fn found_nothing(&self) -> bool {
        self.found_nothing
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
        self.found_nothing = unreachable;
        if unreachable && !probe && !self.last_uncounted && self.probing(now, cx) {
            // The server is away, not failing: not counted (see "Away, not
            // counted").
            self.uncounted = self.uncounted.saturating_add(1);
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
    /// has one, and the payload `data`), the attempt having taken `took`:
    /// reported, and retried (returns `true`) only when the rejection is
    /// transient, after a wait drawn from a window that grows with every
    /// refusal in a row (see the module documentation).
    pub(super) fn rejected(
        &mut self,
        now: Instant,
        took: Duration,
        message: Option<String>,
        data: &str,
        cx: &mut Context,
    ) -> bool {
        self.found_nothing = false;
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
            let slow = took >= SLOW_CONNECT;
            let cap = if slow {
                REFUSED_WAIT_MAX
            } else {
                REFUSED_DELAY_MAX
            };
            let first = (cx.config.reconnection_delay.0.saturating_mul(2)).max(took.0);
            let window = backoff::grown(first, self.refusals, slow, cap.0);
            let delay = self.backoff.within(Duration(window));
            self.backoff.count();
            self.refusals = self.refusals.saturating_add(1);
            self.arm(now, delay, cx);
            self.last_uncounted = true;
        }
        retry
    }

    /// [`Timer::Heal`] is due, or a join was `answered` while the CONNECT's
    /// joins are paced: returns which of the `count` joins to send now (the
    /// caller sends it; none when out of range) and arms the next.
    pub(super) fn heal_step(
        &mut self,
        now: Instant,
        count: usize,
        answered: bool,
        cx: &mut Context,
    ) -> usize {
        self.heal.step(now, count, answered, &mut self.backoff, cx)
    }

    /// A wait anywhere in `[1, window]`, drawn from the backoff's jitter.
    pub(super) fn jitter(&mut self, window: Duration) -> Duration {
        self.backoff.within(window)
    }

    /// Every join was answered for good (see [`Heal::settled`]).
    pub(super) fn joins_settled(&mut self, cx: &mut Context) {
        self.heal.settled(cx);
    }

    /// Whether the joins of a loaded CONNECT are still being sent, one at a
    /// time.
    pub(super) fn joins_paced(&self) -> bool {
        self.heal.joins_paced()
    }

    /// A room was left (see [`Heal::room_left`]).
    pub(super) fn room_left(&mut self) {
        self.heal.room_left();
    }

    // ----- the namespace's CONNECT -----------------------------------------

    /// The CONNECT payload, sent `now`, the attempt having taken `took` (the
    /// transport and the Engine.IO handshake): the `auth` object, with `pid` and
    /// `offset` added when the server offered connection state recovery.
    pub(super) fn connect_payload(&mut self, now: Instant, took: Duration, cx: &Context) -> String {
        self.heal.connect_sent(now, took);
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
    /// attempt having taken `took` and the client holding `rooms` joins:
    /// reports a successful reconnect, and returns the socket id in `data`,
    /// whether the server restored the previous session, and how many of the
    /// joins (the first ones) are to be sent now: the heal steps send the
    /// others, paced (see "Joins paced after a reconnect" in `heal.rs`).
    pub(super) fn connected(
        &mut self,
        now: Instant,
        took: Duration,
        data: &str,
        rooms: usize,
        cx: &mut Context,
    ) -> (Option<String>, bool, usize) {
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
        // after the first ones, paced past the first few (all of them when the
        // web server was loaded).
        let stressed = reconnect || self.refusals > 0 || took >= SLOW_CONNECT;
        let joins_now = self
            .heal
            .connected(now, stressed, rooms, &mut self.backoff, cx);
        // The backoff starts over once this connection proves healthy
        // (`connection_lost`).
        self.up_since = Some(now);
        self.down_since = None;
        self.found_nothing = false;
        self.counted_at = None;
        self.refusals = 0;
        (sid, recovered, joins_now)
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
