//! A fleet on virtual time: N cores of the client, each in R document rooms,
//! against one simulated Frappe realtime node that is killed and comes back,
//! and a web server of bounded capacity behind it (the reconnect herd of
//! docs/scale.md, at sizes Chromium on this machine cannot hold).
//!
//! # What is simulated, and how
//!
//! - **The clients** are the real core ([`Client`]), default options except
//!   `transports: [WebSocket]` (the default's first choice; the simulated proxy
//!   carries WebSocket only) and a seed per client. Every transmit reaches the
//!   other side [`LATENCY`] later.
//! - **The realtime node** answers the Engine.IO handshake at once, pings every
//!   25 s, and does what Frappe's does with the web server: a namespace CONNECT
//!   costs one `get_user_info` call (refused: `44` with `Unauthorized: …`), a
//!   `doc_subscribe` one permission call (refused: the join is dropped without
//!   a word; one sent with an ack id is answered, `true` or an error, as Frappe's
//!   node does with the companion app of frappe-app/). Rooms belong to the
//!   connection and go with it. Killed, it closes every connection; while down,
//!   a WebSocket open fails. With
//!   [`Fleet::node_tick_ms`] it handles what the clients sent in batches, as a
//!   Node.js event loop busy with a herd's sockets does.
//! - **The web server** ([`Web`]) is tests/server/capacity.js: `workers` calls
//!   at a time, each holding its worker `service_ms`; beyond, up to `queue`
//!   wait in arrival order, more are refused at once (502). The realtime node
//!   gives up on a call after [`Fleet::call_timeout_ms`] ([`CALL_TIMEOUT`],
//!   the test server's, unless set; Frappe's own waits longer:
//!   [`FRAPPE_WAIT`]); a worker still serves it when its turn comes (gunicorn
//!   does not know). A call reaches the web server, and its answer the node,
//!   [`Fleet::web_transit_ms`] later (0 unless set: at once). With
//!   [`Fleet::web_start_ms`] its workers take no call until that long after
//!   the node's return, the calls waiting meanwhile (gunicorn restarted with
//!   the realtime server: listening at once, its workers still starting).
//! - **The companion app's admission** ([`Fleet::admission`]; admission.rs,
//!   a model of frappe-app/realtime/admission.js): the node's calls go through
//!   its window, which a refusal shrinks and served calls grow; a refused call
//!   goes again, until 60 s after it was made.
//!
//! Times in the [`Report`] are from the node's return. Deterministic: the same
//! [`Fleet`] gives the same report.

#![allow(dead_code)]

#[path = "admission.rs"]
pub mod admission;

use admission::{Gate, GateStats, MAX_WAIT_MS};
use frappe_realtime::protocol::client::{
    Client, ConnectErrorKind, Event, Transmit, TransportId, CONNECT_WAIT,
};
use frappe_realtime::protocol::config::{ClientConfig, TransportKind};
use frappe_realtime::protocol::rooms::Subscription;
use frappe_realtime::protocol::time::Instant;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};

/// One way, client to node or back.
pub const LATENCY: u64 = 1;
/// How long the test server's realtime node waits for the web server
/// (tests/server/realtime.js, `authTimeoutMs`): the fleet's default.
pub const CALL_TIMEOUT: u64 = 10_000;
/// How long Frappe's realtime node waits for the web server: it sets no timeout
/// of its own (realtime/middlewares/authenticate.js calls `fetch` without one),
/// and its calls go to the site's origin, through nginx, whose
/// `proxy_read_timeout` in bench's template is 120 s.
pub const FRAPPE_WAIT: u64 = 120_000;
/// Width of the histogram bins.
pub const BIN: u64 = 100;
/// Issue 16's target for one page: back within this of its server's return.
pub const ONE_PAGE_MS: u64 = 400;
/// Rooms per client in [`Fleet::herd`] (the browser herd's, docs/scale.md).
pub const ROOMS: usize = 3;
const PING_INTERVAL: u64 = 25_000;
const HANDSHAKE: &str =
    r#"0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// The web server's capacity (tests/server/capacity.js).
#[derive(Clone, Copy, Debug)]
pub struct Web {
    pub workers: usize,
    pub service_ms: u64,
    /// The most calls waiting; `usize::MAX` queues without bound, 0 refuses
    /// whenever every worker is busy.
    pub queue: usize,
}

impl Web {
    pub fn queueing(workers: usize, service_ms: u64) -> Web {
        Web {
            workers,
            service_ms,
            queue: usize::MAX,
        }
    }
    pub fn refusing(workers: usize, service_ms: u64) -> Web {
        Web {
            workers,
            service_ms,
            queue: 0,
        }
    }
    /// Calls per second at full use.
    pub fn per_second(&self) -> f64 {
        self.workers as f64 * 1000.0 / self.service_ms as f64
    }
}

/// One run: `clients` clients in `rooms` rooms each (some in more: `heavy`), the
/// node down `down_ms`.
#[derive(Clone, Debug)]
pub struct Fleet {
    pub clients: usize,
    pub rooms: usize,
    /// `(k, rooms)`: every k-th client (the first, the k+1-th, …) holds that many
    /// rooms instead, as a connection shared by a browser's tabs holds all their
    /// rooms among pages that hold a few.
    pub heavy: Option<(usize, usize)>,
    pub down_ms: u64,
    pub web: Web,
    /// The realtime node's own time per WebSocket open, one at a time (0: none):
    /// a node whose CPU takes the herd's connections in over seconds, as the
    /// browser herd's does on this 2-core machine (docs/scale.md), so that its
    /// `get_user_info` calls reach the web server as a trickle, not a burst.
    pub open_ms: u64,
    /// The realtime node handles the messages the clients sent once every
    /// `node_tick_ms`, all that came since together (0: each as it comes): an
    /// event loop that a herd keeps busy, so that the web server calls of
    /// clients that sent at different times go out in one burst. The browser
    /// herd's refusing web server refused 5.7 % of the calls that reached it
    /// from 60 to 90 s after the node's return, at a sixth of its capacity,
    /// where calls coming one by one would be refused 0.5 % of the time
    /// (Erlang's B formula; docs/retry-policy.md, "Stop 37").
    pub node_tick_ms: u64,
    /// How long the realtime node waits for a web server call before it gives up
    /// on it ([`CALL_TIMEOUT`] by default; [`FRAPPE_WAIT`] for Frappe's). A client
    /// gives up on its CONNECT's answer after [`CONNECT_WAIT`] too.
    pub call_timeout_ms: u64,
    /// The node's calls go through the companion app's admission (its window of
    /// calls in flight, admission.rs), created when the node comes back.
    pub admission: bool,
    /// One way, node to web server or back (0: the call and its answer arrive at
    /// once).
    pub web_transit_ms: u64,
    /// The web server's workers take no call until this long after the node's
    /// return (0: they serve throughout); calls wait meanwhile, as far as its
    /// queue allows. A `bench restart`: gunicorn listens at once and its
    /// workers answer 2.3–2.9 s after the realtime server does (runs `1000-bf`
    /// and `1000-bg` of docs/bench/bench-herd.jsonl, `webBackMs`).
    pub web_start_ms: u64,
    /// How long after the node's return the run goes on.
    pub limit_ms: u64,
    /// Mixed into every client's jitter seed: another fleet of the same size.
    pub seed: u64,
    /// Options of client `i` (before the seed and transports are set).
    pub config: fn(usize) -> ClientConfig,
}

/// What a run measured (times in ms from the node's return).
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub connected_at: Option<u64>,
    pub rooms_at: Option<u64>,
    pub rooms_back: usize,
    pub rooms_total: usize,
    pub peak_user_info: u32,
    pub peak_permission: u32,
    /// Calls refused (502) or given up by the realtime node (its timeout).
    pub failed_calls: u32,
    /// Bins (of [`BIN`] ms) in which a call failed, and the longest run of them.
    pub overflow_bins: u32,
    pub longest_overflow_ms: u64,
    pub calls: u32,
    pub given_up: usize,
    pub refusals: u32,
    /// Web server calls per bin from the return: get_user_info, permission,
    /// and those refused or timed out.
    pub user_info: Vec<u32>,
    pub permission: Vec<u32>,
    pub failed: Vec<u32>,
    /// The node's admission, when on: its window's counters.
    pub admission: Option<GateStats>,
}

#[derive(Debug)]
enum Action {
    Wake(usize),
    /// The node sees a WebSocket open.
    Open {
        client: usize,
        transport: TransportId,
    },
    /// The node sees the HTTP check before a WebSocket (`WebSocketOpen`'s
    /// `check`): answered while it is up, and the WebSocket follows.
    Check {
        client: usize,
        transport: TransportId,
    },
    /// The client learns its check found the node, and opens the WebSocket.
    Found {
        client: usize,
        transport: TransportId,
    },
    /// The client learns its transport opened (`conn`) or failed (`None`).
    Opened {
        client: usize,
        transport: TransportId,
        conn: Option<usize>,
    },
    ToNode {
        conn: usize,
        text: String,
    },
    ToClient {
        conn: usize,
        text: String,
    },
    /// The client learns the node closed its connection (`error`), or that
    /// its check found nothing (reported as a close without error).
    Closed {
        client: usize,
        transport: TransportId,
        error: bool,
    },
    /// The web server is done with call `id`.
    CallDone(usize),
    /// Call `id` reaches the web server.
    WebArrive(usize),
    /// The node hears the web server's answer to call `id`: served, or refused.
    Answer(usize, bool),
    /// The node's own wait for attempt `.1` of call `id` is over.
    CallTimeout(usize, u32),
    /// The admission's pause ends.
    Unpause,
    /// The web server's workers start (see [`Fleet::web_start_ms`]).
    WebStart,
    Ping(usize),
    Kill,
    Back,
}

struct Conn {
    client: usize,
    transport: TransportId,
    alive: bool,
    joined: bool,
    rooms: HashSet<String>,
}

enum CallKind {
    UserInfo,
    /// The join's arguments, and its ack id when it asked for one (the node
    /// then answers it, as a server with acknowledged joins does).
    Permission(String, Option<u64>),
}

struct Call {
    conn: usize,
    kind: CallKind,
    settled: bool,
    /// When the node first made it (the admission makes it again until
    /// `MAX_WAIT_MS` after).
    at: u64,
    /// Its attempts so far, and whether the node waits for the last one's answer.
    attempt: u32,
    pending: bool,
    /// The calls in flight, this one counted, when the admission let it go.
    nth: usize,
}

struct Sim {
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    actions: Vec<Option<Action>>,
    clients: Vec<Client>,
    conns: Vec<Conn>,
    calls: Vec<Call>,
    up: bool,
    /// When the node is free to take the next WebSocket open, and its time per open.
    accept_free: u64,
    open_ms: u64,
    /// See [`Fleet::node_tick_ms`].
    node_tick_ms: u64,
    /// See [`Fleet::call_timeout_ms`].
    call_timeout: u64,
    web: Option<Web>,
    web_transit: u64,
    /// When the web server's workers start taking calls (see [`Fleet::web_start_ms`]).
    web_from: u64,
    gate: Option<Gate>,
    busy: usize,
    waiting: VecDeque<usize>,
    connected: usize,
    rooms: usize,
    back_at: u64,
    report: Report,
}

impl Sim {
    fn at(&mut self, t: u64, a: Action) {
        let seq = self.seq;
        self.seq += 1;
        self.actions.push(Some(a));
        self.queue.push(Reverse((t, seq)));
    }

    fn bin(&self) -> Option<usize> {
        (self.now >= self.back_at).then(|| ((self.now - self.back_at) / BIN) as usize)
    }

    fn count(v: &mut Vec<u32>, bin: usize) {
        if v.len() <= bin {
            v.resize(bin + 1, 0);
        }
        v[bin] += 1;
    }

    /// Client `client` learns, a network hop from now, that `transport` closed.
    fn closed_later(&mut self, client: usize, transport: TransportId, error: bool) {
        let closed = Action::Closed {
            client,
            transport,
            error,
        };
        self.at(self.now + LATENCY, closed);
    }

    /// Runs what client `i` asked for and reported, and its next deadline.
    fn drain(&mut self, i: usize) {
        while let Some(t) = self.clients[i].poll_transmit() {
            match t {
                Transmit::WebSocketOpen {
                    transport, check, ..
                } => self.at(
                    self.now + LATENCY,
                    if check {
                        Action::Check {
                            client: i,
                            transport,
                        }
                    } else {
                        Action::Open {
                            client: i,
                            transport,
                        }
                    },
                ),
                Transmit::WebSocketText { transport, data } => {
                    if let Some(conn) = self.conn_of(i, transport) {
                        let tick = self.node_tick_ms.max(1);
                        let at = (self.now + LATENCY).div_ceil(tick) * tick;
                        self.at(at, Action::ToNode { conn, text: data });
                    }
                }
                Transmit::Close { transport } => {
                    if let Some(conn) = self.conn_of(i, transport) {
                        self.drop_conn(conn);
                    }
                }
                other => panic!("the fleet runs WebSocket only: {other:?}"),
            }
        }
        while let Some(e) = self.clients[i].poll_event() {
            match e {
                Event::ReconnectFailed => self.report.given_up += 1,
                Event::ConnectError {
                    kind: ConnectErrorKind::Server,
                    ..
                } if self.now >= self.back_at => self.report.refusals += 1,
                _ => {}
            }
        }
        if let Some(t) = self.clients[i].poll_timeout() {
            self.at(t.0.max(self.now), Action::Wake(i));
        }
    }

    fn conn_of(&self, client: usize, transport: TransportId) -> Option<usize> {
        self.conns
            .iter()
            .rposition(|c| c.client == client && c.transport == transport && c.alive)
    }

    fn drop_conn(&mut self, conn: usize) {
        let c = &mut self.conns[conn];
        if !c.alive {
            return;
        }
        c.alive = false;
        if c.joined {
            self.connected -= 1;
        }
        self.rooms -= c.rooms.len();
        c.rooms.clear();
    }

    fn send(&mut self, conn: usize, text: String) {
        self.at(self.now + LATENCY, Action::ToClient { conn, text });
    }

    /// The node calls the web server for `conn`: through its admission when on,
    /// else at once.
    fn call(&mut self, conn: usize, kind: CallKind) {
        let id = self.calls.len();
        self.calls.push(Call {
            conn,
            kind,
            settled: false,
            at: self.now,
            attempt: 0,
            pending: false,
            nth: 0,
        });
        if self.web.is_none() {
            return self.settle(id, true);
        }
        if self.gate.is_some() {
            let go = self.turn(id, false);
            self.make(go);
        } else {
            self.make(vec![(id, 0)]);
        }
    }

    /// Call `id` waits for its turn at the admission; returns the calls that go.
    fn turn(&mut self, id: usize, first: bool) -> Vec<(usize, usize)> {
        let gate = self.gate.as_mut().expect("admission on");
        gate.turn(id, first, gone(&self.conns, &self.calls))
    }

    /// Makes each call `(id, nth)`: it reaches the web server a transit later,
    /// and the node waits for it until its own timeout.
    fn make(&mut self, go: Vec<(usize, usize)>) {
        for (id, nth) in go {
            let call = &mut self.calls[id];
            call.attempt += 1;
            call.pending = true;
            call.nth = nth;
            let attempt = call.attempt;
            self.at(
                self.now + self.call_timeout,
                Action::CallTimeout(id, attempt),
            );
            if self.web_transit == 0 {
                self.web_arrive(id);
            } else {
                self.at(self.now + self.web_transit, Action::WebArrive(id));
            }
        }
    }

    /// Call `id` at the web server: a worker takes it, it waits, or it is refused.
    fn web_arrive(&mut self, id: usize) {
        let web = self.web.expect("a web server");
        if let Some(bin) = self.bin() {
            self.report.calls += 1;
            match self.calls[id].kind {
                CallKind::UserInfo => Self::count(&mut self.report.user_info, bin),
                CallKind::Permission(..) => Self::count(&mut self.report.permission, bin),
            }
        }
        if self.busy < web.workers && self.now >= self.web_from {
            self.busy += 1;
            self.at(self.now + web.service_ms, Action::CallDone(id));
        } else if self.waiting.len() >= web.queue {
            self.failed();
            self.answer(id, false);
        } else {
            self.waiting.push_back(id);
        }
    }

    /// Idle workers take the calls waiting, in arrival order.
    fn serve_waiting(&mut self) {
        let Some(web) = self.web else { return };
        while self.busy < web.workers {
            let Some(next) = self.waiting.pop_front() else {
                break;
            };
            self.busy += 1;
            self.at(self.now + web.service_ms, Action::CallDone(next));
        }
    }

    /// The web server answered call `id` (`served`, or refused): the node hears
    /// it a transit later.
    fn answer(&mut self, id: usize, served: bool) {
        if self.web_transit == 0 {
            self.node_hears(id, served);
        } else {
            self.at(self.now + self.web_transit, Action::Answer(id, served));
        }
    }

    /// One call failed at the web server or the node's timeout: counted per bin.
    fn failed(&mut self) {
        if let Some(bin) = self.bin() {
            self.report.failed_calls += 1;
            Self::count(&mut self.report.failed, bin);
        }
    }

    /// The node hears the answer to call `id`. With the admission, a refused
    /// call goes again first, until `MAX_WAIT_MS` after it was made.
    fn node_hears(&mut self, id: usize, served: bool) {
        if !self.calls[id].pending {
            return; // its caller's timeout came first
        }
        self.calls[id].pending = false;
        let Some(gate) = self.gate.as_mut() else {
            return self.settle(id, served);
        };
        let (now, nth) = (self.now, self.calls[id].nth);
        let gone = gone(&self.conns, &self.calls);
        let was_paused = gate.paused_until.is_some();
        let mut go = if served {
            gate.served(now, gone)
        } else {
            gate.refused(now, nth, gone)
        };
        if let Some(until) = gate.paused_until.filter(|_| !was_paused) {
            self.at(until, Action::Unpause);
        }
        if served || now >= self.calls[id].at + MAX_WAIT_MS {
            self.settle(id, served);
        } else {
            go.extend(self.turn(id, true));
        }
        self.make(go);
    }

    /// The node's own wait for attempt `attempt` of call `id` is over: the
    /// failure is its caller's (no attempt again), its place in the window free.
    fn node_timeout(&mut self, id: usize, attempt: u32) {
        let call = &self.calls[id];
        if !call.pending || call.attempt != attempt {
            return;
        }
        self.calls[id].pending = false;
        self.failed();
        let go = match self.gate.as_mut() {
            Some(gate) => gate.release(gone(&self.conns, &self.calls)),
            None => Vec::new(),
        };
        self.settle(id, false);
        self.make(go);
    }

    fn settle(&mut self, id: usize, ok: bool) {
        if self.calls[id].settled {
            return;
        }
        self.calls[id].settled = true;
        let conn = self.calls[id].conn;
        if !self.conns[conn].alive {
            return;
        }
        match std::mem::replace(&mut self.calls[id].kind, CallKind::UserInfo) {
            CallKind::UserInfo if ok => {
                self.conns[conn].joined = true;
                self.connected += 1;
                self.send(conn, format!(r#"40/site,{{"sid":"s{conn}"}}"#));
            }
            CallKind::UserInfo => self.send(
                conn,
                String::from(r#"44/site,{"message":"Unauthorized: Error: 502 Bad Gateway"}"#),
            ),
            CallKind::Permission(room, ack) => {
                if ok && self.conns[conn].rooms.insert(room) {
                    self.rooms += 1;
                }
                if let Some(id) = ack {
                    let answer = if ok { "true" } else { r#"{"error":"502"}"# };
                    self.send(conn, format!("43/site,{id}[{answer}]"));
                }
            }
        }
    }

    fn node_receives(&mut self, conn: usize, text: &str) {
        if !self.conns[conn].alive {
            return;
        }
        if text.starts_with("40/site") {
            self.call(conn, CallKind::UserInfo);
        } else if let Some(rest) = text.strip_prefix("42/site,") {
            let args = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            let ack = rest[..rest.len() - args.len()].parse().ok();
            if self.conns[conn].joined && args.starts_with(r#"["doc_subscribe""#) {
                self.call(conn, CallKind::Permission(String::from(args), ack));
            }
        }
    }

    fn step(&mut self, a: Action, all: u64) {
        match a {
            Action::Wake(i) => {
                if self.clients[i]
                    .poll_timeout()
                    .is_some_and(|t| t.0 <= self.now)
                {
                    self.clients[i].handle_timeout(Instant(self.now));
                    self.drain(i);
                }
            }
            Action::Open { client, transport } => {
                let conn = self.up.then(|| {
                    self.conns.push(Conn {
                        client,
                        transport,
                        alive: true,
                        joined: false,
                        rooms: HashSet::new(),
                    });
                    self.conns.len() - 1
                });
                let mut open_at = self.now;
                if let Some(c) = conn {
                    self.at(self.now + PING_INTERVAL, Action::Ping(c));
                    open_at = open_at.max(self.accept_free);
                    self.accept_free = open_at + self.open_ms;
                }
                self.at(
                    open_at + LATENCY,
                    Action::Opened {
                        client,
                        transport,
                        conn,
                    },
                );
            }
            Action::Check { client, transport } => {
                if self.up {
                    // The answer back, then the WebSocket to the node.
                    self.at(self.now + LATENCY, Action::Found { client, transport });
                } else {
                    self.closed_later(client, transport, false); // found nothing
                }
            }
            Action::Found { client, transport } => {
                self.clients[client].handle_check_found(Instant(self.now), transport);
                self.drain(client);
                self.at(self.now + LATENCY, Action::Open { client, transport });
            }
            Action::Opened {
                client,
                transport,
                conn,
            } => {
                let now = Instant(self.now);
                match conn {
                    Some(c) if self.conns[c].alive => {
                        self.clients[client].handle_transport_open(now, transport);
                        self.clients[client].handle_text(now, transport, HANDSHAKE);
                    }
                    _ => self.clients[client].handle_transport_closed(now, transport, true),
                }
                self.drain(client);
            }
            Action::ToNode { conn, text } => self.node_receives(conn, &text),
            Action::ToClient { conn, text } => {
                if self.conns[conn].alive {
                    let (client, transport) = (self.conns[conn].client, self.conns[conn].transport);
                    self.clients[client].handle_text(Instant(self.now), transport, &text);
                    self.drain(client);
                }
            }
            Action::Closed {
                client,
                transport,
                error,
            } => {
                self.clients[client].handle_transport_closed(Instant(self.now), transport, error);
                self.drain(client);
            }
            Action::CallDone(id) => {
                // The worker takes the next waiting call before the answer goes:
                // with no transit, the answer's next call arrives at once.
                self.busy -= 1;
                self.serve_waiting();
                self.answer(id, true);
            }
            Action::WebArrive(id) => self.web_arrive(id),
            Action::WebStart => self.serve_waiting(),
            Action::Answer(id, served) => self.node_hears(id, served),
            Action::CallTimeout(id, attempt) => self.node_timeout(id, attempt),
            Action::Unpause => {
                if let Some(gate) = self.gate.as_mut() {
                    let go = gate.unpause(self.now, gone(&self.conns, &self.calls));
                    self.make(go);
                }
            }
            Action::Ping(c) => {
                if self.conns[c].alive {
                    self.send(c, String::from("2"));
                    self.at(self.now + PING_INTERVAL, Action::Ping(c));
                }
            }
            Action::Kill => {
                self.up = false;
                for c in 0..self.conns.len() {
                    if self.conns[c].alive {
                        let (client, transport) = (self.conns[c].client, self.conns[c].transport);
                        self.drop_conn(c);
                        self.closed_later(client, transport, true);
                    }
                }
            }
            Action::Back => self.up = true,
        }
        if self.now >= self.back_at && self.now <= self.back_at + all {
            let since = self.now - self.back_at;
            let n = self.clients.len();
            if self.report.connected_at.is_none() && self.connected == n {
                self.report.connected_at = Some(since);
            }
            if self.report.rooms_at.is_none() && self.rooms == self.report.rooms_total {
                self.report.rooms_at = Some(since);
            }
        }
    }
}

/// Whether call `c`'s client has gone (its connection closed): the admission then
/// does not make it.
fn gone<'a>(conns: &'a [Conn], calls: &'a [Call]) -> impl Fn(usize) -> bool + 'a {
    move |c| !conns[calls[c].conn].alive
}

/// Default options (for [`Fleet::config`]; [`Fleet::herd`]'s).
pub fn default_options(_: usize) -> ClientConfig {
    ClientConfig::new("/site")
}

/// Options of a client with `join_acks` on (for [`Fleet::config`]): the node
/// answers every join that asks, as Frappe's does with the companion app of
/// frappe-app/ (src/protocol/client/join_acks.rs).
pub fn answered_joins(i: usize) -> ClientConfig {
    let mut c = default_options(i);
    c.join_acks = true;
    c
}

impl Fleet {
    /// The herd of docs/scale.md: `clients` clients with default options in
    /// [`ROOMS`] rooms each, the node down 2 s, seed 1, a 300 s limit.
    pub fn herd(clients: usize, web: Web) -> Fleet {
        Fleet {
            clients,
            rooms: ROOMS,
            heavy: None,
            down_ms: 2000,
            web,
            open_ms: 0,
            node_tick_ms: 0,
            call_timeout_ms: CALL_TIMEOUT,
            admission: false,
            web_transit_ms: 0,
            web_start_ms: 0,
            limit_ms: 300_000,
            seed: 1,
            config: default_options,
        }
    }

    /// The rooms client `i` holds.
    pub fn rooms_of(&self, i: usize) -> usize {
        match self.heavy {
            Some((k, rooms)) if i % k.max(1) == 0 => rooms,
            _ => self.rooms,
        }
    }

    /// The rooms the whole fleet holds: the herd's permission calls.
    pub fn total_rooms(&self) -> usize {
        (0..self.clients).map(|i| self.rooms_of(i)).sum()
    }

    /// The least time from the node's return in which any client policy that
    /// also meets the one-page target could have every room back: a bound
    /// computed from the fleet's figures, not a run (ms).
    ///
    /// A client alone is back within [`ONE_PAGE_MS`] of its server's return,
    /// and before its CONNECT it learns nothing of how many others there are
    /// (the node answers the Engine.IO handshake at once, which costs the web
    /// server nothing): every client of the fleet sends its CONNECT within that
    /// time, N `get_user_info` calls at once. The web server takes at least
    /// `min(N, workers + queue)` of them and completes at most `(wait +
    /// ONE_PAGE_MS) × workers / service_ms` calls by the time the last of their
    /// deadlines has passed, the wait being the realtime node's
    /// ([`Fleet::call_timeout_ms`]) or the client's own for the CONNECT's answer
    /// ([`CONNECT_WAIT`], or its `timeout` when longer), whichever is shorter; the
    /// others it took finish after their caller gave up on them, served for
    /// nobody, and their clients call again. Each
    /// call holds a worker `service_ms`, so the herd's `N × (1 + rooms)` calls (its
    /// clients' rooms summed, with [`Fleet::heavy`])
    /// and the wasted ones take at least their work over the workers. Network
    /// and node time are left out (a lower bound still).
    pub fn least_rooms_ms(&self) -> u64 {
        let w = &self.web;
        let (workers, ms) = (w.workers as u64, w.service_ms);
        let client = CONNECT_WAIT.0.max((self.config)(0).timeout.0);
        let wait = self.call_timeout_ms.min(client);
        let in_time = (wait + ONE_PAGE_MS) * workers / ms;
        let taken = self.clients.min(w.workers.saturating_add(w.queue)) as u64;
        let calls = (self.clients + self.total_rooms()) as u64 + taken.saturating_sub(in_time);
        (calls * ms).div_ceil(workers)
    }

    /// On a web server that refuses when busy (`queue` 0; `None` for one that
    /// queues), the least time from the node's return to every room back, in
    /// ms, for a policy that never learns whether a join was taken: computed
    /// on a model of the web server, not run, and not a proof.
    ///
    /// Frappe's server drops a join whose permission call was refused without a
    /// word, so a client can only send each join again, blind. Clients that
    /// know nothing of one another's schedules reach the web server as many
    /// independent streams, together a Poisson stream (the Palm–Khintchine
    /// theorem), and a Poisson stream offering `A` workers' worth of calls finds
    /// every worker busy at a share [`erlang_b`] of its calls, whatever their
    /// duration; copies of one join sent seconds apart are refused independently.
    /// The CONNECTs' refusals are seen and retried, so they may come at any
    /// rate: at least their work, `N × service_ms / workers`, apart from the
    /// joins (sent among them, joins would be refused as often). With each join
    /// sent `k` times at a steady load `A`, all `N × rooms` are taken with a
    /// chance of one half when `(1 − B^k)^(N × rooms) = 1/2`, in `k × N × rooms
    /// × service_ms / A`; the least over `k` and `A` is added. (Joins at two
    /// loads instead of one came out no quicker for these rows, checked by
    /// search.) Only a policy that saw when workers are free could do better,
    /// and nothing shows a client that.
    pub fn least_unseen_ms(&self) -> Option<u64> {
        let w = &self.web;
        if w.queue != 0 {
            return None;
        }
        let (n, ms) = (self.clients as f64, w.service_ms as f64);
        let joins = self.total_rooms() as f64;
        let lost = lost_allowed(joins);
        let mut least = f64::INFINITY;
        for k in 1..=32 {
            let b = lost.powf(1.0 / f64::from(k));
            least = least.min(copies_ms(w.workers, ms, joins, k, b));
        }
        Some((n * ms / w.workers as f64 + least).ceil() as u64)
    }

    /// Runs the fleet: connects every client (spread over the first seconds, a
    /// web server without bound), kills the node, brings it back `down_ms`
    /// later with the web server of [`Fleet::web`], and measures.
    pub fn run(&self) -> Report {
        const WARMUP: u64 = 20_000;
        let mut sim = Sim {
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            actions: Vec::new(),
            clients: Vec::new(),
            conns: Vec::new(),
            calls: Vec::new(),
            up: true,
            accept_free: 0,
            open_ms: 0,
            node_tick_ms: self.node_tick_ms,
            call_timeout: self.call_timeout_ms,
            web: None,
            web_transit: self.web_transit_ms,
            web_from: 0,
            gate: None,
            busy: 0,
            waiting: VecDeque::new(),
            connected: 0,
            rooms: 0,
            back_at: u64::MAX,
            report: Report {
                rooms_total: self.total_rooms(),
                ..Report::default()
            },
        };
        for i in 0..self.clients {
            let mut config = (self.config)(i);
            config.transports = vec![TransportKind::WebSocket];
            config.jitter_seed = self.seed ^ (i as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D);
            let mut client = Client::new(config).expect("valid options");
            for r in 0..self.rooms_of(i) {
                client
                    .subscribe(Instant(0), Subscription::doc("ToDo", &format!("T-{i}-{r}")))
                    .expect("a valid room");
            }
            sim.clients.push(client);
        }
        let spread = WARMUP / 4;
        for i in 0..self.clients {
            let t = (i as u64 * spread) / self.clients.max(1) as u64;
            sim.at(t, Action::Wake(i));
        }
        // `Wake` of a client that never connected: connect it instead.
        let mut started = vec![false; self.clients];
        let kill = WARMUP;
        let back = kill + self.down_ms;
        sim.at(kill, Action::Kill);
        sim.at(back, Action::Back);
        if self.web_start_ms > 0 {
            sim.web_from = back + self.web_start_ms;
            sim.at(sim.web_from, Action::WebStart);
        }
        let end = back + self.limit_ms;
        let mut warm = false;
        while let Some(Reverse((t, seq))) = sim.queue.pop() {
            if t > end {
                break;
            }
            sim.now = t;
            if !warm && t >= kill {
                warm = true;
                assert_eq!(
                    sim.connected, self.clients,
                    "every client connected before the kill"
                );
                assert_eq!(
                    sim.rooms, sim.report.rooms_total,
                    "every room held before the kill"
                );
                sim.web = Some(self.web);
                sim.gate = self.admission.then(Gate::default);
                sim.open_ms = self.open_ms;
                sim.back_at = back;
            }
            let Some(action) = sim.actions[seq as usize].take() else {
                continue;
            };
            if let Action::Wake(i) = action {
                if !started[i] {
                    started[i] = true;
                    sim.clients[i].connect(Instant(t));
                    sim.drain(i);
                    continue;
                }
            }
            sim.step(action, self.limit_ms);
        }
        let mut r = sim.report;
        r.admission = sim.gate.map(|g| g.stats);
        r.rooms_back = sim.rooms;
        r.peak_user_info = r.user_info.iter().copied().max().unwrap_or(0);
        r.peak_permission = r.permission.iter().copied().max().unwrap_or(0);
        r.overflow_bins = r.failed.iter().filter(|b| **b > 0).count() as u32;
        let mut run = 0;
        for b in &r.failed {
            run = if *b > 0 { run + 1 } else { 0 };
            r.longest_overflow_ms = r.longest_overflow_ms.max(run * BIN);
        }
        r
    }
}

/// Erlang's B formula: the share of calls refused by `workers` that take no
/// queue, under a Poisson stream offering `load` workers' worth of calls.
pub fn erlang_b(workers: usize, load: f64) -> f64 {
    (1..=workers).fold(1.0, |b, k| load * b / (k as f64 + load * b))
}

/// The highest load (in workers' worth of calls) at which `workers` without a
/// queue refuse at most the share `refused` of a Poisson stream's calls.
pub fn highest_load(workers: usize, refused: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 64.0 * workers as f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if erlang_b(workers, mid) <= refused {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The share of each of `joins` joins that may stay lost (every copy refused)
/// while every one is taken in half of all runs: `1 − 1/2^(1/joins)`.
pub fn lost_allowed(joins: f64) -> f64 {
    -(-(2f64.ln()) / joins).exp_m1()
}

/// How long `copies` copies of each of `joins` joins take on `workers` of `ms`
/// per call, at the highest load at which a copy is refused at most `refused`
/// of the time (ms).
pub fn copies_ms(workers: usize, ms: f64, joins: f64, copies: u32, refused: f64) -> f64 {
    f64::from(copies) * joins * ms / highest_load(workers, refused)
}
