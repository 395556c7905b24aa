//! Fuzzes the client state machine (`protocol::client::Client`) as a whole.
//!
//! The input is read as a configuration (`config.rs`) and then up to
//! [`MAX_STEPS`] steps (`actions.rs`): commands (`connect`, `disconnect`,
//! `reconnect_now`, `emit` with and without ack and attachments, `subscribe` /
//! `unsubscribe` of every kind, `ack`), network input (a cooperative server that
//! answers the next sensible frame, frames built from well-formed pieces on any
//! transport, arbitrary bytes, opens, closes, finished POSTs) and time (small and
//! large advances, exactly to `poll_timeout()` or one millisecond either side, or
//! silently, without a call). After every step everything the client transmitted
//! and reported is drained and checked; at the end the application disconnects
//! and time runs out, and everything must have settled.
//!
//! # Invariants
//!
//! Deadlines (the core's contract with the driver's one timer):
//!
//! - **never in the past**: after any input at `now`, `poll_timeout()` is `None`
//!   or `≥ now`;
//! - **a timer at the deadline clears it**: after `handle_timeout(now)`,
//!   `poll_timeout()` is `None` or `> now`, so a driver never spins on a 0 ms
//!   timer. The same holds after every other input, except one that itself arms a
//!   zero-length deadline: an emit with a 0 ms ack timeout or a 0 ms
//!   `buffer_max_age`, or a frame on a session whose handshake said
//!   `pingInterval + pingTimeout = 0`. (This needs `timeout` and
//!   `reconnection_delay` of at least 1 ms, which `config.rs` guarantees.)
//! - **before the deadline nothing happens**: `handle_timeout(now)` with
//!   `now < poll_timeout()` transmits nothing, reports nothing and moves no
//!   deadline;
//! - **the fast path**: while `plain_event_transport()` names a transport and
//!   `now < poll_timeout()`, a plain EVENT frame on it yields exactly one
//!   `Message` (its data the frame after the prefix, no ack, no attachments) or
//!   one `Error`, transmits nothing and changes no state (the browser driver
//!   skips the core on exactly these frames), except that a malformed one
//!   (which the driver hands to the core too) may be the session's
//!   `MAX_PROTOCOL_ERRORS`-th and close it (found by a `-len_control=0` run);
//! - **reconnect schedule**: each `ReconnectScheduled` is `now + delay`, with
//!   `1 ≤ delay ≤ reconnection_delay_max`, only with `reconnection` on and within
//!   `reconnection_attempts`, not counting the quick first retry, the retries of
//!   a transient refusal and, while probes run, attempts that found nothing (no
//!   CONNECT went out on their session; the model's window starts no earlier
//!   than the client's, so it never counts one the client may leave out);
//! - **heartbeat**: a ping timeout (`Disconnect { PingTimeout }`, or a failed
//!   attempt with "ping timeout") only once `pingInterval + pingTimeout` have
//!   passed since the handshake or the last ping on the session; and a client
//!   still connected after an input at `now` has had a heartbeat within that
//!   window (the first input after a long sleep finds a dead connection dead).
//!
//! Connection:
//!
//! - `Connect` and `Disconnect` events alternate and track `connected()`
//!   exactly: the application is told of every change;
//! - `Connect { recovered }` is true exactly when the server's CONNECT carries
//!   the `pid` the client's CONNECT sent on that session;
//! - a session opens only on `connect()` or while an attempt or a reconnect is
//!   under way, never from `Idle` or `Failed` by itself;
//! - the transports rules and the wire rules of `transports.rs` and `wire.rs`
//!   (known ids, nothing after `Close`, every packet decodable), and binary
//!   attachments follow their header, byte for byte;
//! - a command refused with a `UsageError` changes nothing at all.
//!
//! Subscriptions (`rooms.rs`) and delivery (`emits.rs`), in short: when the
//! client is connected and **quiet** (on a WebSocket, or on polling with no POST
//! unfinished and no upgrade waiting, so nothing can still sit in its queue),
//! every registered subscription has been re-sent on this connection, nothing
//! unsubscribed was, the server's rooms equal the registry's, and every buffered
//! emit has been sent, once, after the subscriptions; at every step emits appear
//! on the wire at most once and in order, none larger than the session's
//! `maxPayload`, the buffer is bounded, drops name the right emit, and acks
//! settle exactly once. After the final disconnect and a long wait, every ack
//! has settled, the buffer is empty and no deadline is left.
//!
//! Acknowledged joins (`join_acks`, on a quarter of the configurations): a join
//! asks for an ack exactly when the option is on, a leave never (`wire.rs`); no
//! ack id goes to two packets, emits' and joins' alike (`Emits::join_took`);
//! the fuzzer answers the client's last joins (taken, refused for good, or
//! failed, chosen by the id: `frames::ack_data`), on time or late, on the right
//! connection or a later one, and every invariant above still holds (a join
//! re-sent after a failed answer is one of the stream's re-sent joins); and a
//! join the cooperative server answered for good, on a WebSocket (where every
//! join the client made is on the wire by the end of its step, so the model
//! knows the id the client waits on), is never sent again on that connection
//! unless its room was left meanwhile. That a failed one is sent again is
//! checked by `tests/scenario_join_acks.rs`, not here.
//!
//! Every invariant was shown to fail on a deliberately broken core: see
//! "Mutation check" in `fuzz/README.md`.

mod actions;
mod config;
mod emits;
mod frames;
mod input;
mod rooms;
mod stats;
mod timing;
mod transports;
mod wire;

use emits::Emits;
use frappe_realtime::protocol::client::{
    Client, ConnectErrorKind, DisconnectReason, Event, State, TransportId, PROBE_WINDOW,
    REFUSED_WAIT_MAX,
};
use frappe_realtime::protocol::config::{ClientConfig, TransportKind};
use frappe_realtime::protocol::error::UsageError;
use frappe_realtime::protocol::time::{Duration, Instant};
use input::Input;
use rooms::Rooms;
pub use stats::Stats;
use std::collections::{BTreeMap, VecDeque};
use transports::Transports;
use wire::{Item, RoomOp, Sent};

// Known bugs of the core that the fuzzer steps around, each reproduced by an
// ignored test in `tests/scenario_fuzz_regressions.rs`. Left unchecked, each one
// is hit within seconds and hides everything else. Set a constant to `true`
// once its test passes.

/// `connect_error_while_connected_is_ignored_or_reported_as_a_disconnect`: a
/// CONNECT_ERROR reaching a connected namespace took the client out of
/// `Connected` without a `Disconnect` event (fixed: the core ignores a
/// CONNECT_ERROR that answers no CONNECT). While `false`, the fake server never
/// sends one to a connected client.
pub const CHECK_CONNECT_ERROR_WHILE_CONNECTED: bool = true;

/// `a_leave_queued_when_the_connection_dies_is_sent_after_recovery` and
/// `a_pending_leave_lost_in_the_queue_is_sent_at_the_next_recovery`: a leave
/// (`unsubscribe`) still queued when its connection ended was forgotten, so a
/// server that recovered the session kept the room (fixed: with recovery on,
/// every leave is told again at each recovered CONNECT). While `false`, the
/// server model treats such leaves as delivered when a session is recovered.
pub const CHECK_UNSENT_LEAVES_ON_RECOVERY: bool = true;

/// Steps per input: enough for several reconnects, small enough for speed.
pub const MAX_STEPS: usize = 400;

/// How many of the client's last join ack ids the fuzzer keeps to answer.
const JOIN_IDS_KEPT: usize = 8;

/// What one step did, as far as the checks need to know.
#[derive(Debug)]
struct Step {
    /// An input or command ran its deadline checks at `now`.
    called: bool,
    /// A command refused its arguments.
    refused: bool,
    /// The step was one `handle_timeout`.
    timeout_only: bool,
    connect_called: bool,
    /// `reconnect_now` was called after the client gave up (see `gave_up`).
    revive: bool,
    /// `disconnect` was called (it may report `ReconnectFailed` for the
    /// attempt it ends, but leaves nothing for `reconnect_now` to revive).
    disconnect_called: bool,
    /// The transport a frame was delivered on.
    frame_on: Option<TransportId>,
    /// The text frame delivered, if there was one.
    plain: Option<(TransportId, String)>,
    /// More than one input was delivered.
    multi: bool,
    /// The step may arm a zero-length deadline (see the module docs).
    zero_armed: bool,
    /// `ack(id)` was called with valid arguments and answered this.
    ack: Option<(u64, Result<(), UsageError>)>,
    /// The `pid` of the server's CONNECT the client takes in this step, if any.
    connect_answer: Option<Option<String>>,
    /// The cooperative server answered this ack id for good on the connection's
    /// WebSocket (`join_acks`; see `Machine::joins_settled`).
    settles: Option<u64>,
}

/// The client as it was before a step.
struct Before {
    deadline: Option<Instant>,
    plain: Option<TransportId>,
    state: State,
    connected: bool,
    buffered: usize,
}

/// The client, the fake network and clock, and the models.
struct Machine {
    client: Client,
    config: ClientConfig,
    now: Instant,
    step: usize,
    transports: Transports,
    rooms: Rooms,
    emits: Emits,
    /// Attachments the client still owes after a binary header, per session.
    attachments: BTreeMap<u32, VecDeque<Vec<u8>>>,
    /// Ack ids the server asked for on this connection and not yet answered.
    server_asked: Vec<u64>,
    /// The ack ids of the client's last joins (`join_acks`; at most
    /// [`JOIN_IDS_KEPT`], older connections' too: their answers must be ignored),
    /// for the fuzzer to answer.
    join_ids: Vec<u64>,
    /// This connection's joins on the wire with the ack id each asked for last,
    /// and those the fuzzer's cooperative server answered for good (`true` or
    /// `false`) on a WebSocket: never sent again on this connection.
    joins_asked: Vec<(RoomOp, u64)>,
    joins_settled: Vec<RoomOp>,
    /// A handshake with `pingInterval + pingTimeout = 0` was delivered.
    zero_ping: bool,
    /// Each session's `maxPayload`, from the handshake it took.
    max_payload: BTreeMap<u32, Option<u64>>,
    /// The `pid` each session's CONNECT carried.
    sent_pid: BTreeMap<u32, Option<String>>,
    /// Each session's last heartbeat (handshake or ping): when, the window it
    /// opened (`pingInterval + pingTimeout`), and in which step.
    heartbeat: BTreeMap<u32, (Instant, Duration, usize)>,
    /// `heartbeat` as it was before the step: the client checks its deadlines
    /// before it reads the step's frames.
    heartbeat_before: BTreeMap<u32, (Instant, Duration, usize)>,
    /// The current connection was already seen quiet.
    conn_verified: bool,
    /// The attempts ran out (`ReconnectFailed`) and nothing started since:
    /// `reconnect_now` must then start them over.
    gave_up: bool,
    /// The attempt number of the last `ReconnectScheduled` (it only grows until
    /// the backoff starts over) and how many of this run's attempts are not
    /// counted against `reconnection_attempts` (the quick retry, a transient
    /// refusal's retry, one that found nothing while probes ran).
    last_attempt: u32,
    uncounted: u32,
    /// The last scheduled attempt is one of those uncounted already (the quick
    /// retry, a refusal's retry): finding nothing does not leave it out twice.
    last_uncounted: bool,
    /// Since when the client is without a connection, at the latest: set at a
    /// `Disconnect` or the first failed attempt, cleared at `Connect`,
    /// `connect`, `disconnect` and a revive (the client clears it at fewer).
    down_since: Option<Instant>,
    stats: Stats,
}

/// Runs one input; panics when an invariant fails.
pub fn run(data: &[u8]) -> Stats {
    let mut input = Input::new(data);
    let config = config::decode(&mut input);
    let client = Client::new(config.clone()).expect("the fuzzer builds valid configurations");
    let mut m = Machine {
        client,
        emits: Emits::new(&config),
        config,
        now: Instant(0),
        step: 0,
        transports: Transports::default(),
        rooms: Rooms::default(),
        attachments: BTreeMap::new(),
        server_asked: Vec::new(),
        join_ids: Vec::new(),
        joins_asked: Vec::new(),
        joins_settled: Vec::new(),
        zero_ping: false,
        max_payload: BTreeMap::new(),
        sent_pid: BTreeMap::new(),
        heartbeat: BTreeMap::new(),
        heartbeat_before: BTreeMap::new(),
        conn_verified: false,
        gave_up: false,
        last_attempt: 0,
        uncounted: 0,
        last_uncounted: false,
        down_since: None,
        stats: Stats::default(),
    };
    while !input.is_empty() && m.step < MAX_STEPS {
        let (before, mut step) = m.begin();
        m.act(&mut input, &mut step);
        m.check(&before, &step);
    }
    m.wind_down();
    m.stats.steps = m.step;
    m.stats
}

impl Machine {
    fn begin(&mut self) -> (Before, Step) {
        self.step += 1;
        self.heartbeat_before.clone_from(&self.heartbeat);
        let before = Before {
            deadline: self.client.poll_timeout(),
            plain: self.client.plain_event_transport(),
            state: self.client.state(),
            connected: self.client.connected(),
            buffered: self.client.buffered(),
        };
        let step = Step {
            called: true,
            refused: false,
            timeout_only: false,
            connect_called: false,
            revive: false,
            disconnect_called: false,
            frame_on: None,
            plain: None,
            multi: false,
            zero_armed: false,
            ack: None,
            connect_answer: None,
            settles: None,
        };
        (before, step)
    }

    /// The application leaves and time runs out: everything must settle.
    fn wind_down(&mut self) {
        let (before, step) = self.begin();
        self.client.disconnect(self.now);
        self.check(&before, &step);
        let (before, mut step) = self.begin();
        self.now = self.now + Duration(10_000_000);
        step.timeout_only = true;
        self.client.handle_timeout(self.now);
        self.check(&before, &step);
        assert_eq!(
            self.emits.open_acks(),
            Vec::<u64>::new(),
            "acks never settled"
        );
        assert_eq!(self.client.buffered(), 0);
        assert_eq!(self.client.state(), State::Idle);
        assert_eq!(
            self.client.poll_timeout(),
            None,
            "an idle client keeps a deadline"
        );
    }

    fn check(&mut self, before: &Before, step: &Step) {
        let mut transmits = Vec::new();
        while let Some(t) = self.client.poll_transmit() {
            transmits.push(t);
        }
        let mut events = Vec::new();
        while let Some(e) = self.client.poll_event() {
            events.push(e);
        }
        if step.refused {
            assert!(
                transmits.is_empty() && events.is_empty(),
                "a refused command did something: {transmits:?} {events:?}"
            );
        }
        let called = step.called && !step.refused;

        // The network side first: which transport and session each item is on.
        let mut items = Vec::new();
        let mut opened = false;
        for t in &transmits {
            let seen = self.transports.observe(t);
            if seen.new_session {
                opened = true;
                assert!(
                    step.connect_called
                        || step.revive
                        || !matches!(before.state, State::Idle | State::Failed),
                    "a session opened by itself while {:?}: {t:?}",
                    before.state
                );
            }
            items.extend(wire::items(t).into_iter().map(|i| (seen.session, i)));
        }

        for (session, item) in &items {
            if let Item::Message(text) = item {
                if let Some(pid) = wire::connect_pid(text, &self.config.namespace) {
                    self.sent_pid.insert(*session, pid);
                }
            }
        }
        let disconnected = self.events(before, step, &events);
        // (With `reconnection_attempts: 0` it gives up again at once.)
        let attempts_allowed = self.config.reconnection_attempts != Some(0);
        if step.revive && before.state == State::Idle && attempts_allowed {
            assert!(
                opened,
                "reconnect_now after ReconnectFailed did not start over: {events:?}"
            );
        }
        if step.connect_called || step.disconnect_called || opened {
            self.gave_up = false;
        }
        if events.contains(&Event::ReconnectFailed) && !step.disconnect_called {
            self.gave_up = true;
        }

        for (session, item) in items {
            self.item(session, item);
        }
        // After the step's joins: the client checks its deadlines before it reads
        // the step's frames, so a heal round may have sent the join again, with a
        // new id, before the answer came (which it then ignores, as stale).
        if let Some(ack) = step.settles {
            if let Some((op, _)) = self.joins_asked.iter().find(|(_, a)| *a == ack) {
                self.joins_settled.push(op.clone());
                self.stats.joins_settled += 1;
            }
        }
        if disconnected {
            if let Some(session) = self.rooms.session() {
                self.emits.disconnected(session);
            }
        }
        if let Some((id, result)) = step.ack {
            match self.server_asked.iter().position(|&a| a == id) {
                Some(k) => {
                    assert_eq!(result, Ok(()), "ack({id}) refused though the server asked");
                    self.server_asked.remove(k);
                }
                None => assert_eq!(result, Err(UsageError::UnknownAck), "ack({id})"),
            }
        }

        self.check_deadlines(before, step, called, &transmits, &events);
        self.rooms.check_registry(self.client.subscriptions());
        self.emits
            .check(self.now, self.step, self.client.buffered(), called);
        self.check_quiet();
    }

    /// Applies the step's events to the models; returns whether one was a `Disconnect`.
    fn events(&mut self, before: &Before, step: &Step, events: &[Event]) -> bool {
        let mut connected = before.connected;
        let mut disconnected = false;
        if step.connect_called || step.revive || step.disconnect_called {
            self.down_since = None;
            self.last_uncounted = false;
        }
        for e in events {
            match e {
                Event::Connect { recovered, .. } => {
                    assert!(!connected, "Connect while connected: {events:?}");
                    connected = true;
                    self.down_since = None;
                    let id = step.frame_on.expect("a CONNECT arrives in a frame");
                    let session = self.transports.get(id).expect("a known transport").session;
                    // Recovered exactly when the server answered with the pid sent.
                    if let (Some(answer), Some(sent)) =
                        (&step.connect_answer, self.sent_pid.get(&session))
                    {
                        assert_eq!(
                            *recovered,
                            answer.is_some() && answer == sent,
                            "recovered, with pid {sent:?} sent and {answer:?} answered"
                        );
                        self.stats.recovery_checked += 1;
                    }
                    let paced = self.client.joins_paced();
                    self.stats.paced += usize::from(paced);
                    self.rooms.connected(session, *recovered, paced);
                    self.joins_asked.clear();
                    self.joins_settled.clear();
                    self.stats.flushed += self.emits.connected(session);
                    self.server_asked.clear();
                    self.conn_verified = false;
                    self.stats.connects += 1;
                    self.stats.recovered += usize::from(*recovered);
                }
                Event::Disconnect { reason } => {
                    assert!(connected, "Disconnect while not connected: {events:?}");
                    if *reason == DisconnectReason::PingTimeout {
                        self.check_heartbeat_due(self.rooms.session());
                    }
                    connected = false;
                    disconnected = true;
                    self.down_since = Some(self.now);
                    self.server_asked.clear();
                }
                Event::Dropped { name, ack, reason } => {
                    self.stats.dropped += 1;
                    self.stats.acks_settled += usize::from(ack.is_some());
                    let session = self.rooms.session();
                    let max = self.session_max_payload(session);
                    self.emits
                        .dropped(name, *ack, *reason, self.now, session, max);
                }
                Event::AckFailed { id, reason } => {
                    self.stats.acks_settled += 1;
                    self.emits.ack_failed(*id, *reason, self.now, disconnected);
                }
                Event::Ack { id, .. } => {
                    self.stats.acks_settled += 1;
                    self.emits.acked(*id);
                }
                Event::Message { ack, .. } => {
                    self.stats.messages += 1;
                    self.server_asked.extend(ack);
                }
                Event::ReconnectScheduled { attempt, delay, at } => {
                    assert!(
                        self.config.reconnection,
                        "a reconnect with reconnection off"
                    );
                    assert_eq!(*at, self.now + *delay, "ReconnectScheduled.at");
                    // The attempt before this one found nothing while probes ran,
                    // and was not left out already.
                    let away = self.away_before(events, e) && !self.last_uncounted;
                    let mut quick_retry = false;
                    if *attempt == 1 || *attempt <= self.last_attempt {
                        // The backoff started over; after a lost connection, with a
                        // quick first retry that is not counted.
                        let c = &self.config;
                        let quick = c.first_retry_delay < c.reconnection_delay;
                        quick_retry = quick && lost_before(events, e);
                        self.uncounted = u32::from(quick_retry);
                    }
                    self.last_attempt = *attempt;
                    // A retry of Frappe's transient refusal: uncounted, and its
                    // window may grow to REFUSED_DELAY_MAX, or REFUSED_WAIT_MAX
                    // after a long wait.
                    let refused = refusal_before(events, e);
                    self.uncounted += u32::from(refused) + u32::from(away);
                    self.last_uncounted = quick_retry || refused;
                    let mut max = self
                        .config
                        .reconnection_delay_max
                        .max(self.config.reconnection_delay);
                    if refused {
                        max = max.max(REFUSED_WAIT_MAX);
                    }
                    assert!(
                        delay.0 >= 1 && *delay <= max,
                        "reconnect delay {delay:?} outside 1..={max:?}"
                    );
                    if let Some(limit) = self.config.reconnection_attempts {
                        self.stats.away_uncounted += usize::from(away);
                        let counted = attempt - self.uncounted.min(*attempt);
                        assert!(
                            counted <= limit,
                            "attempt {attempt} ({counted} counted) beyond {limit}"
                        );
                    }
                }
                Event::ConnectError { kind, message, .. } => {
                    if *kind != ConnectErrorKind::Server && self.down_since.is_none() {
                        self.down_since = Some(self.now);
                    }
                    if message == "ping timeout" {
                        self.check_heartbeat_due(Some(self.transports.newest_session()));
                    }
                }
                Event::Reconnect { .. } => self.stats.reconnects += 1,
                Event::Upgrade => self.stats.upgrades += 1,
                Event::UpgradeError => self.transports.upgrade_failed(),
                _ => {}
            }
        }
        assert_eq!(
            connected,
            self.client.connected(),
            "connected() changed without a Connect / Disconnect event: {events:?}"
        );
        disconnected
    }

    /// One item the client sent on `session`.
    fn item(&mut self, session: u32, item: Item) {
        let owed = self.attachments.entry(session).or_default();
        match item {
            Item::Control => {}
            Item::Binary(data) => {
                let want = owed
                    .pop_front()
                    .unwrap_or_else(|| panic!("a binary message nobody announced: {data:?}"));
                assert_eq!(data, want, "an attachment altered");
            }
            Item::Message(text) => {
                assert!(
                    owed.is_empty(),
                    "{text:?} sent while attachments {owed:?} were still owed"
                );
                match wire::classify(&text, &self.config.namespace, self.config.join_acks) {
                    Sent::Room(op, ack) => {
                        if let Some(id) = ack {
                            self.join_asked(&op, id);
                        }
                        self.rooms.sent(session, op);
                    }
                    Sent::Emit {
                        serial,
                        name,
                        ack,
                        attachments,
                    } => {
                        assert!(
                            self.rooms.restored(session),
                            "emit #{serial} sent before the subscriptions were restored"
                        );
                        let max = self.session_max_payload(Some(session));
                        let data = self
                            .emits
                            .sent(session, serial, &name, ack, attachments, max);
                        self.attachments.entry(session).or_default().extend(data);
                    }
                    Sent::Other => {}
                }
            }
        }
    }

    fn session_max_payload(&self, session: Option<u32>) -> Option<u64> {
        session.and_then(|s| self.max_payload.get(&s).copied().flatten())
    }

    /// A join went out asking for ack `id`: the next id of the counter emits'
    /// come from too (`Emits::join_took`), or an answer would settle the wrong one.
    fn join_asked(&mut self, op: &RoomOp, id: u64) {
        assert!(
            !self.joins_settled.contains(op),
            "{op:?} was answered for good on this connection and sent again"
        );
        self.joins_asked.retain(|(o, _)| o != op);
        self.joins_asked.push((op.clone(), id));
        self.emits.join_took(id);
        if self.join_ids.len() == JOIN_IDS_KEPT {
            self.join_ids.remove(0);
        }
        self.join_ids.push(id);
        self.stats.join_acks += 1;
    }

    /// Whether the event just before `e` in `events` is an attempt that found
    /// nothing (its transport failed and no CONNECT went out on its session)
    /// while probes run, which `e` then follows uncounted.
    fn away_before(&self, events: &[Event], e: &Event) -> bool {
        let c = &self.config;
        let probing =
            c.probe && c.first_retry_delay.0 != 0 && c.first_retry_delay < c.reconnection_delay;
        let failed = matches!(
            before(events, e).last(),
            Some(Event::ConnectError {
                kind: ConnectErrorKind::Transport,
                ..
            })
        );
        let session = self.transports.newest_session();
        let within = self
            .down_since
            .is_some_and(|down| self.now.saturating_since(down) < PROBE_WINDOW);
        probing && failed && within && !self.sent_pid.contains_key(&session)
    }

    /// When connected and nothing can be queued inside the client, the room stream
    /// and the owed emits must be complete.
    fn check_quiet(&mut self) {
        // Joins paced by the client are still to come.
        if !self.client.connected()
            || self.transports.pausing.is_some()
            || self.client.joins_paced()
        {
            return;
        }
        let session = self.rooms.session().expect("connected without a CONNECT");
        let quiet = match self.client.transport() {
            Some(TransportKind::WebSocket) => true,
            Some(TransportKind::Polling) => self.transports.polling_idle(session),
            None => panic!("connected without a transport"),
        };
        if !quiet {
            return;
        }
        let restored = self.rooms.check_quiet();
        self.emits.check_quiet();
        self.stats.quiet_checks += 1;
        if !self.conn_verified {
            self.conn_verified = true;
            if self.stats.connects > 1 && restored > 0 && self.rooms.restore_len() > 0 {
                self.stats.restores_verified += 1;
            }
        }
    }
}

/// The events of `events` before `e` (one of them).
fn before<'a>(events: &'a [Event], e: &Event) -> &'a [Event] {
    let i = events.iter().position(|x| core::ptr::eq(x, e));
    &events[..i.unwrap_or(0)]
}

/// Whether a `Disconnect` comes before `e` in `events`, after any earlier
/// `ReconnectScheduled`: `e` follows a connection that was up and is lost.
fn lost_before(events: &[Event], e: &Event) -> bool {
    before(events, e)
        .iter()
        .rev()
        .take_while(|x| !matches!(x, Event::ReconnectScheduled { .. }))
        .any(|x| matches!(x, Event::Disconnect { .. }))
}

/// Whether the event just before `e` in `events` is a transient refusal
/// (Frappe's `Unauthorized: …` CONNECT_ERROR), which `e` then retries.
fn refusal_before(events: &[Event], e: &Event) -> bool {
    matches!(before(events, e).last(), Some(Event::ConnectError { kind: ConnectErrorKind::Server, message, .. }) if message.starts_with("Unauthorized"))
}
