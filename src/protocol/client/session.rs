//! The Engine.IO session and its transports: what goes on the network.
//!
//! # Data
//!
//! - the current session: its transport (id, kind, place in
//!   `config.transports`), the handshake (`sid`, heartbeat, `maxPayload`), the
//!   polling requests in flight and the packets queued for the next `POST`, and
//!   the WebSocket upgrade probe, if one is under way;
//! - the counters of transport ids and of polling requests (`t=`);
//! - the transmits not yet taken by the driver.
//!
//! # Invariants
//!
//! - Every transport gets a fresh id and is closed (`Transmit::Close`) exactly
//!   when it stops being the session's (or the probe's); input naming any other
//!   id is stale ([`Route::Stale`]).
//! - On polling, one `GET` is pending at all times, at most one `POST` is in
//!   flight, and nothing is POSTed before the handshake gave a `sid`; each `POST`
//!   holds at most `maxPayload` bytes (always at least one packet).
//! - An upgrade switches transports only once polling is quiet (no request in
//!   flight): packets queued meanwhile go on the WebSocket, in order.
//! - [`Timer::Ping`] is armed exactly while the session has had its handshake.
//!
//! # Checks
//!
//! A WebSocket that follows a transport which found nothing (it failed before
//! the handshake: nothing listens, or a proxy answered 502), the previous
//! attempt's or the polling it falls back from, is checked over plain HTTP
//! before it opens ([`Transmit::WebSocketOpen`]'s `check`: a `GET` of the
//! WebSocket's URL, which an Engine.IO server refuses with a 400 and no
//! session). A check that finds nothing ends the attempt without creating the
//! WebSocket, and without the polling it would fall back to (nothing answers
//! over HTTP). Why: browsers slow down WebSockets that keep failing, and
//! while the server is away every attempt (a probe every 125–375 ms) was one.
//! Chromium delays each new WebSocket of a renderer by a random 1–5 s ×
//! 2^(failed / (succeeded + 1)) / 65,536, counting the last two to four
//! minutes (services/network/websocket_throttler.cc): once about 13 have
//! failed for one that succeeded, the one made after the server is back waits
//! up to 0.6 s before it starts, past 16 up to 5 s. Firefox delays reconnects
//! to a host whose WebSockets failed (`network.websocket.delay-failed-reconnects`,
//! RFC 6455 § 7.2.3). HTTP requests are not delayed. Measured in Chromium (one
//! page, `bench/outage.js`, 3 runs): after outages of 10, 30 and 60 s the page
//! was connected 474–1,451, 42–4,178 and 453–1,833 ms after its server's
//! return without the checks, 9–237, 33–189 and 95–279 ms with them.
//!
//! The driver reports a check that found something (`handle_check_found`)
//! before it opens the WebSocket, which then has the rest of the attempt's
//! `timeout` (a node that takes a herd in may take seconds to accept it). A
//! check holds one of the page's HTTP connections to the host (six per host
//! and browser profile on HTTP/1.1, shared with the page's own requests and its
//! other tabs'), where the WebSocket it stands for would not. So it waits at
//! most [`CHECK_WAIT`] ([`Timer::Check`]): a check still unanswered then has
//! met something that holds requests (a server that is starting or loaded, or
//! a proxy waiting for one), not nothing, and the WebSocket would wait there
//! alike. The check is closed (the driver aborts it) and the WebSocket opened
//! without one, under a new transport id, in the same attempt and its `timeout`.

use super::api::{Event, Transmit, TransportId};
use super::context::Context;
use super::fifo::Fifo;
use super::timers::Timer;
use crate::protocol::config::{ClientConfig, TransportKind, ENGINE_PROTOCOL};
use crate::protocol::engine::{self, Handshake};
use crate::protocol::error::DecodeError;
use crate::protocol::socket;
use crate::protocol::time::{Duration, Instant};
use alloc::string::String;
use alloc::vec::Vec;

/// How long a check may go unanswered before its WebSocket opens anyway (see
/// "Checks"): anything that is up answers one in a round trip, plus a TLS
/// handshake on a new connection.
pub const CHECK_WAIT: Duration = Duration(1_000);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    /// The WebSocket is opening.
    Opening(TransportId),
    /// `2probe` sent, waiting for `3probe`.
    Pinged(TransportId),
    /// `3probe` received; waiting for polling to go quiet before sending `5`.
    Pausing(TransportId),
}

impl Probe {
    fn id(self) -> TransportId {
        match self {
            Probe::Opening(id) | Probe::Pinged(id) | Probe::Pausing(id) => id,
        }
    }
}

/// One Engine.IO session on its current transport.
#[derive(Debug)]
struct Session {
    id: TransportId,
    kind: TransportKind,
    /// Index in `config.transports` of `kind`, for `try_all_transports`.
    transport_index: usize,
    sid: Option<String>,
    ping_interval: Duration,
    ping_timeout: Duration,
    max_payload: Option<u64>,
    get_in_flight: bool,
    post_in_flight: bool,
    /// Encoded Engine.IO packets waiting for a POST (polling) or for an upgrade to finish.
    queue: Vec<String>,
    probe: Option<Probe>,
    /// A WebSocket whose check has not answered yet.
    checking: bool,
}

/// Whose input a transport id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Route {
    /// No transport of the session: ignore it.
    Stale,
    /// The WebSocket of the upgrade probe.
    Probe,
    /// The session's transport, of this kind.
    Current(TransportKind),
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Transports {
    current: Option<Session>,
    last_id: TransportId,
    request_counter: u64,
    transmits: Fifo<Transmit>,
}

impl Transports {
    // ----- accessors -------------------------------------------------------

    /// The next network action, if any.
    pub(super) fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The session's transport kind.
    pub(super) fn kind(&self) -> Option<TransportKind> {
        self.current.as_ref().map(|s| s.kind)
    }

    /// The session's transport.
    pub(super) fn current(&self) -> Option<TransportId> {
        self.current.as_ref().map(|s| s.id)
    }

    /// The server's `maxPayload`, once the handshake gave it.
    pub(super) fn max_payload(&self) -> Option<u64> {
        self.current.as_ref().and_then(|s| s.max_payload)
    }

    /// The session's WebSocket while no upgrade probe runs beside it.
    pub(super) fn plain_websocket(&self) -> Option<TransportId> {
        let s = self.current.as_ref()?;
        (s.kind == TransportKind::WebSocket && s.probe.is_none()).then_some(s.id)
    }

    /// Whether the session's WebSocket waits for its check: the driver
    /// reports a check that found nothing as the transport closed without
    /// error.
    pub(super) fn checking(&self) -> bool {
        self.current.as_ref().is_some_and(|s| s.checking)
    }

    /// Whether a session waits for the server's open packet.
    pub(super) fn awaiting_handshake(&self) -> bool {
        self.current.as_ref().is_some_and(|s| s.sid.is_none())
    }

    /// Whose input `transport` names.
    pub(super) fn route(&self, transport: TransportId) -> Route {
        match &self.current {
            Some(s) if s.probe.map(Probe::id) == Some(transport) => Route::Probe,
            Some(s) if s.id == transport => Route::Current(s.kind),
            _ => Route::Stale,
        }
    }

    /// The session's transport failed: when it had not even opened (no
    /// handshake), opens the next one of `config.transports` instead and
    /// returns `true` (`try_all_transports`: a blocked WebSocket → polling).
    pub(super) fn fall_back(&mut self, now: Instant, cx: &mut Context) -> bool {
        let Some(s) = &self.current else {
            return false;
        };
        let next = s.transport_index + 1;
        if s.sid.is_some() || !cx.config.try_all_transports || next >= cx.config.transports.len() {
            return false;
        }
        self.close(cx);
        // Polling found nothing: a WebSocket after it is checked (see "Checks").
        self.open(now, next, true, cx);
        true
    }

    // ----- opening and closing ---------------------------------------------

    /// Opens a session on the transport at `index` in `config.transports`, a
    /// WebSocket after a check when `check` (see "Checks"). The previous
    /// session must be closed.
    pub(super) fn open(&mut self, now: Instant, index: usize, check: bool, cx: &mut Context) {
        // `Context::new` refuses an empty list and callers pass a valid index.
        let transports = &cx.config.transports;
        let kind = transports
            .get(index.min(transports.len().saturating_sub(1)))
            .copied()
            .unwrap_or(TransportKind::Polling);
        let id = self.new_id();
        self.current = Some(Session {
            id,
            kind,
            transport_index: index,
            sid: None,
            ping_interval: Duration(0),
            ping_timeout: Duration(0),
            max_payload: None,
            get_in_flight: false,
            post_in_flight: false,
            queue: Vec::new(),
            probe: None,
            checking: check && kind == TransportKind::WebSocket,
        });
        match kind {
            TransportKind::Polling => self.pump(cx),
            TransportKind::WebSocket => {
                let url = url(&cx.config, &mut self.request_counter, kind, None);
                self.transmits.push_back(Transmit::WebSocketOpen {
                    transport: id,
                    url,
                    check,
                });
                if check {
                    cx.timers.set(Timer::Check, Some(now + CHECK_WAIT));
                }
            }
        }
    }

    /// The check before the session's WebSocket `transport` found something:
    /// the WebSocket is opening, for as long as the attempt's `timeout` allows.
    pub(super) fn check_found(&mut self, transport: TransportId, cx: &mut Context) {
        if let Some(s) = self.current.as_mut().filter(|s| s.id == transport) {
            s.checking = false;
            cx.timers.stop(Timer::Check);
        }
    }

    /// [`Timer::Check`] expired: the check has waited [`CHECK_WAIT`] for an
    /// answer. It is closed and the session's WebSocket opened again without
    /// one, under a new id (see "Checks").
    pub(super) fn check_unanswered(&mut self, now: Instant, cx: &mut Context) {
        cx.timers.stop(Timer::Check);
        if let Some(index) = self
            .current
            .as_ref()
            .filter(|s| s.checking)
            .map(|s| s.transport_index)
        {
            self.close(cx);
            self.open(now, index, false, cx);
        }
    }

    /// The server's open packet `text`, on a session waiting for it: the
    /// session takes its `sid`, heartbeat and `maxPayload`. Returns whether to
    /// probe a WebSocket upgrade (see [`Transports::start_probe`]), or why the
    /// packet is not a handshake (the session is then unchanged).
    pub(super) fn handshake(
        &mut self,
        now: Instant,
        text: &str,
        cx: &mut Context,
    ) -> Result<bool, DecodeError> {
        let hs = Handshake::parse(text)?;
        let Some(s) = &mut self.current else {
            return Ok(false);
        };
        s.ping_interval = hs.ping_interval;
        s.ping_timeout = hs.ping_timeout;
        cx.timers
            .set(Timer::Ping, Some(now + hs.ping_interval + hs.ping_timeout));
        s.max_payload = hs.max_payload;
        let probe = s.kind == TransportKind::Polling
            && cx.config.upgrade
            && cx.config.transports.contains(&TransportKind::WebSocket)
            && hs.upgrades.iter().any(|u| u == "websocket");
        s.sid = Some(hs.sid);
        Ok(probe)
    }

    /// Opens the WebSocket that probes an upgrade of a polling session.
    pub(super) fn start_probe(&mut self, cx: &mut Context) {
        let id = self.new_id();
        let Some(s) = &mut self.current else {
            return;
        };
        let url = url(
            &cx.config,
            &mut self.request_counter,
            TransportKind::WebSocket,
            s.sid.as_deref(),
        );
        s.probe = Some(Probe::Opening(id));
        self.transmits.push_back(Transmit::WebSocketOpen {
            transport: id,
            url,
            check: false,
        });
    }

    /// Sends the Engine.IO close packet after everything still queued (on
    /// polling in a last POST, even if one is in flight, since the session ends
    /// anyway). Before the handshake there is no session to close on the server.
    pub(super) fn send_close(&mut self, cx: &mut Context) {
        let Some(s) = self.current.as_mut().filter(|s| s.sid.is_some()) else {
            return;
        };
        let close = engine::Packet::Close.to_text();
        match s.kind {
            TransportKind::WebSocket => self.transmits.push_back(Transmit::WebSocketText {
                transport: s.id,
                data: close,
            }),
            TransportKind::Polling => {
                s.queue.push(close);
                let body = engine::encode_payload(&core::mem::take(&mut s.queue));
                let url = url(
                    &cx.config,
                    &mut self.request_counter,
                    TransportKind::Polling,
                    s.sid.as_deref(),
                );
                self.transmits.push_back(Transmit::PollPost {
                    transport: s.id,
                    url,
                    body,
                });
            }
        }
    }

    /// Drops the session: its transport and probe are closed.
    pub(super) fn close(&mut self, cx: &mut Context) {
        if let Some(session) = self.current.take() {
            if let Some(probe) = session.probe {
                self.transmits.push_back(Transmit::Close {
                    transport: probe.id(),
                });
            }
            self.transmits.push_back(Transmit::Close {
                transport: session.id,
            });
        }
        cx.timers.stop(Timer::Ping);
        cx.timers.stop(Timer::Check);
    }

    // ----- input -----------------------------------------------------------

    /// The server's ping: the heartbeat is renewed and answered with a bare pong, as
    /// engine.io-client does (whatever the ping carries is not echoed).
    pub(super) fn ping(&mut self, now: Instant, cx: &mut Context) {
        // Before the handshake there is no heartbeat to keep.
        let Some(s) = self.current.as_mut().filter(|s| s.sid.is_some()) else {
            return;
        };
        cx.timers
            .set(Timer::Ping, Some(now + s.ping_interval + s.ping_timeout));
        self.send(engine::Packet::Pong("").to_text(), cx);
    }

    /// A WebSocket opened: the probe's sends `2probe`. (A direct WebSocket
    /// waits for the server's open packet; nothing to do.)
    pub(super) fn opened(&mut self, transport: TransportId, cx: &mut Context) {
        let Some(s) = &mut self.current else {
            return;
        };
        if s.id == transport {
            s.checking = false;
            cx.timers.stop(Timer::Check);
        }
        if s.probe == Some(Probe::Opening(transport)) {
            s.probe = Some(Probe::Pinged(transport));
            self.transmits.push_back(Transmit::WebSocketText {
                transport,
                data: engine::Packet::Ping("probe").to_text(),
            });
        }
    }

    /// A text frame on the probe: `3probe` answers `2probe`, and the upgrade
    /// waits for polling to go quiet.
    pub(super) fn probe_text(&mut self, transport: TransportId, text: &str, cx: &mut Context) {
        let Some(s) = &mut self.current else {
            return;
        };
        if s.probe == Some(Probe::Pinged(transport))
            && engine::Packet::decode_text(text) == Ok(engine::Packet::Pong("probe"))
        {
            s.probe = Some(Probe::Pausing(transport));
            self.pump(cx);
        }
    }

    /// `transport` closed or failed. A stale one is ignored, and when the
    /// probe's WebSocket fails the session stays on polling (both `None`). When
    /// it is the session's own, returns the error socket.io-client reports for
    /// it; the session stays until the client closes it.
    pub(super) fn closed(
        &mut self,
        transport: TransportId,
        cx: &mut Context,
    ) -> Option<&'static str> {
        match self.route(transport) {
            Route::Stale => None,
            Route::Probe => {
                if let Some(s) = &mut self.current {
                    s.probe = None;
                }
                cx.events.push_back(Event::UpgradeError);
                self.pump(cx);
                None
            }
            Route::Current(TransportKind::Polling) => Some("xhr poll error"),
            Route::Current(TransportKind::WebSocket) => Some("websocket error"),
        }
    }

    /// The polling `GET` answered (its packets are handled next).
    pub(super) fn get_answered(&mut self) {
        if let Some(s) = &mut self.current {
            s.get_in_flight = false;
        }
    }

    /// A polling `POST` of `transport` finished.
    pub(super) fn sent(&mut self, transport: TransportId, cx: &mut Context) {
        match &mut self.current {
            Some(s) if s.id == transport => s.post_in_flight = false,
            _ => return,
        }
        self.pump(cx);
    }

    // ----- output ----------------------------------------------------------

    /// Sends an encoded Engine.IO packet on the session's transport.
    pub(super) fn send(&mut self, text: String, cx: &mut Context) {
        let Some(s) = &mut self.current else {
            return;
        };
        match s.kind {
            TransportKind::WebSocket => self.transmits.push_back(Transmit::WebSocketText {
                transport: s.id,
                data: text,
            }),
            TransportKind::Polling => {
                s.queue.push(text);
                self.pump(cx);
            }
        }
    }

    /// Sends the Socket.IO packet `packet` (as an Engine.IO message), then its
    /// binary `attachments`, on the session's transport.
    pub(super) fn send_message(
        &mut self,
        packet: &str,
        attachments: Vec<Vec<u8>>,
        cx: &mut Context,
    ) {
        self.send(engine::Packet::Message(packet).to_text(), cx);
        for data in attachments {
            self.send_binary(data, cx);
        }
    }

    /// Sends a binary attachment on the session's transport.
    fn send_binary(&mut self, data: Vec<u8>, cx: &mut Context) {
        let Some(s) = &mut self.current else {
            return;
        };
        match s.kind {
            TransportKind::WebSocket => self.transmits.push_back(Transmit::WebSocketBinary {
                transport: s.id,
                data,
            }),
            TransportKind::Polling => {
                s.queue.push(engine::Packet::Binary(data.into()).to_text());
                self.pump(cx);
            }
        }
    }

    /// Keeps a polling session moving: one GET always pending, queued packets
    /// POSTed in batches of at most `maxPayload` bytes, and, while an upgrade
    /// waits for polling to go quiet, the switch to the WebSocket.
    pub(super) fn pump(&mut self, cx: &mut Context) {
        let Some(s) = &mut self.current else {
            return;
        };
        if s.kind != TransportKind::Polling {
            return;
        }
        if let Some(Probe::Pausing(ws)) = s.probe {
            if s.get_in_flight || s.post_in_flight {
                return;
            }
            self.finish_upgrade(ws, cx);
            return;
        }
        let need_get = !s.get_in_flight;
        // Nothing may be POSTed before the handshake has given us a sid.
        let batch = if s.post_in_flight || s.queue.is_empty() || s.sid.is_none() {
            None
        } else {
            Some(take_batch(&mut s.queue, s.max_payload))
        };
        let kind = TransportKind::Polling;
        if need_get {
            s.get_in_flight = true;
            let url = url(
                &cx.config,
                &mut self.request_counter,
                kind,
                s.sid.as_deref(),
            );
            self.transmits.push_back(Transmit::PollGet {
                transport: s.id,
                url,
            });
        }
        if let Some(body) = batch {
            s.post_in_flight = true;
            let url = url(
                &cx.config,
                &mut self.request_counter,
                kind,
                s.sid.as_deref(),
            );
            self.transmits.push_back(Transmit::PollPost {
                transport: s.id,
                url,
                body,
            });
        }
    }

    fn finish_upgrade(&mut self, ws: TransportId, cx: &mut Context) {
        let Some(s) = &mut self.current else {
            return;
        };
        let old = s.id;
        s.id = ws;
        s.kind = TransportKind::WebSocket;
        s.probe = None;
        let queued = core::mem::take(&mut s.queue);
        self.transmits.push_back(Transmit::Close { transport: old });
        self.transmits.push_back(Transmit::WebSocketText {
            transport: ws,
            data: engine::Packet::Upgrade.to_text(),
        });
        for text in queued {
            // Binary messages were queued base64-encoded for polling; a
            // WebSocket carries them as binary frames.
            match engine::Packet::decode_text(&text) {
                Ok(engine::Packet::Binary(b)) => {
                    self.transmits.push_back(Transmit::WebSocketBinary {
                        transport: ws,
                        data: b.into_owned(),
                    })
                }
                _ => self.transmits.push_back(Transmit::WebSocketText {
                    transport: ws,
                    data: text,
                }),
            }
        }
        cx.events.push_back(Event::Upgrade);
    }

    fn new_id(&mut self) -> TransportId {
        self.last_id = self.last_id.wrapping_add(1);
        self.last_id
    }
}

/// The path and query of an Engine.IO request; polling requests count in
/// `requests`, whose value makes each URL unique.
fn url(
    config: &ClientConfig,
    requests: &mut u64,
    kind: TransportKind,
    sid: Option<&str>,
) -> String {
    let mut url = String::from(config.path.as_str());
    url.push_str("?EIO=");
    socket::push_u64(&mut url, u64::from(ENGINE_PROTOCOL));
    url.push_str("&transport=");
    url.push_str(kind.name());
    if let Some(sid) = sid {
        url.push_str("&sid=");
        push_query_value(&mut url, sid);
    }
    if !config.query.is_empty() {
        url.push('&');
        url.push_str(&config.query);
    }
    if kind == TransportKind::Polling {
        // A unique `t` defeats HTTP caches, as socket.io-client's timestampRequests.
        *requests += 1;
        url.push_str("&t=");
        socket::push_digits::<36>(&mut url, *requests);
    }
    url
}

/// Takes packets from the front of `queue` into one polling payload of at most
/// `max` bytes (always at least one packet).
fn take_batch(queue: &mut Vec<String>, max: Option<u64>) -> String {
    let max = max.unwrap_or(u64::MAX) as usize;
    let mut size = 0;
    let mut n = 0;
    for p in queue.iter() {
        let add = p.len() + usize::from(n > 0);
        if n > 0 && size + add > max {
            break;
        }
        size += add;
        n += 1;
    }
    let mut batch = core::mem::take(queue);
    for (k, p) in core::mem::take(&mut batch).into_iter().enumerate() {
        if k < n {
            batch.push(p);
        } else {
            queue.push(p);
        }
    }
    engine::encode_payload(&batch)
}

/// Appends `v` percent-encoded for a query string (RFC 3986 unreserved kept).
fn push_query_value(out: &mut String, v: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in v.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}
