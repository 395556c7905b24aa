//! What the fuzzer knows about every transport the client asked for.
//!
//! Transports are grouped into sessions: a `WebSocketOpen` or first `PollGet`
//! without `sid=` starts a new Engine.IO session; a WebSocket opened with
//! `sid=` is the upgrade probe of the newest session. Invariants checked here:
//!
//! - every transmit names a transport the client opened, of the right kind;
//! - an id is opened once, closed at most once, and nothing is sent on it after
//!   its `Close` (the driver is told "report nothing more for it").
//!
//! It also tracks what the fuzzer's fake network still owes the client (a
//! pending `GET`, an unfinished `POST`) and whether an upgrade may be waiting
//! for polling to go quiet, which together say when everything the client
//! queued must already be on the wire (`quiet` in `mod.rs`).

use super::input::Input;
use frappe_realtime::protocol::client::{Transmit, TransportId};
use frappe_realtime::protocol::config::TransportKind;
use std::collections::BTreeMap;

/// One transport.
#[derive(Debug)]
pub struct Info {
    pub kind: TransportKind,
    pub session: u32,
    /// A WebSocket opened with `sid=`: an upgrade probe.
    pub probe: bool,
    /// The transport the session's packets arrive on: the first one, or the
    /// probe once the client sent `5` on it.
    pub main: bool,
    /// The client sent `Close` for it.
    pub closed: bool,
    /// The fuzzer reported it closed or failed.
    pub dead: bool,
    pub get_pending: bool,
    pub post_pending: bool,
    /// `handle_transport_open` was reported (WebSockets).
    pub opened: bool,
    /// The client sent `2probe` on it.
    pub pinged: bool,
    /// It received its handshake (or `3probe`, for a probe).
    pub greeted: bool,
}

/// Every transport so far.
#[derive(Debug, Default)]
pub struct Transports {
    info: BTreeMap<TransportId, Info>,
    order: Vec<TransportId>,
    sessions: u32,
    /// A probe that was answered `3probe`: the client may hold packets until
    /// polling goes quiet and it switches.
    pub pausing: Option<TransportId>,
}

/// What one transmit did to the transports.
pub struct Observed {
    /// The session of the transport it names.
    pub session: u32,
    /// It started a new session.
    pub new_session: bool,
}

impl Transports {
    pub fn get(&self, id: TransportId) -> Option<&Info> {
        self.info.get(&id)
    }

    fn get_mut(&mut self, id: TransportId) -> Option<&mut Info> {
        self.info.get_mut(&id)
    }

    /// Records a transmit and checks that it names a known, open transport.
    pub fn observe(&mut self, t: &Transmit) -> Observed {
        let (id, kind, url) = match t {
            Transmit::WebSocketOpen { transport, url, .. } => {
                (*transport, TransportKind::WebSocket, Some(url))
            }
            Transmit::PollGet { transport, url } => (*transport, TransportKind::Polling, Some(url)),
            Transmit::PollPost { transport, .. } => (*transport, TransportKind::Polling, None),
            Transmit::WebSocketText { transport, .. }
            | Transmit::WebSocketBinary { transport, .. } => {
                (*transport, TransportKind::WebSocket, None)
            }
            Transmit::Close { transport } => {
                let info = self
                    .get_mut(*transport)
                    .unwrap_or_else(|| panic!("Close of transport {transport}, never opened"));
                assert!(!info.closed, "transport {transport} closed twice");
                info.closed = true;
                let session = info.session;
                if self.pausing == Some(*transport) {
                    self.pausing = None;
                }
                return Observed {
                    session,
                    new_session: false,
                };
            }
        };
        let is_open = matches!(t, Transmit::WebSocketOpen { .. });
        let mut new_session = false;
        if !self.info.contains_key(&id) {
            assert!(
                url.is_some(),
                "{t:?} names transport {id}, which was never opened"
            );
            let probe = url.is_some_and(|u| u.contains("&sid="));
            assert!(!probe || is_open, "a first GET with a sid: {t:?}");
            if !probe {
                self.sessions += 1;
                new_session = true;
            }
            self.order.push(id);
            self.info.insert(
                id,
                Info {
                    kind,
                    session: self.sessions,
                    probe,
                    main: !probe,
                    closed: false,
                    dead: false,
                    get_pending: false,
                    post_pending: false,
                    opened: false,
                    pinged: false,
                    greeted: false,
                },
            );
        } else {
            assert!(!is_open, "transport {id} opened twice");
        }
        let info = self.info.get_mut(&id).expect("recorded above");
        assert_eq!(info.kind, kind, "{t:?} on a transport of another kind");
        assert!(!info.closed, "{t:?} after the client closed transport {id}");
        match t {
            Transmit::PollGet { .. } => info.get_pending = true,
            Transmit::PollPost { .. } => info.post_pending = true,
            Transmit::WebSocketText { data, .. } if data == "2probe" => info.pinged = true,
            Transmit::WebSocketText { data, .. } if data == "5" => info.probe = false,
            _ => {}
        }
        let session = info.session;
        if matches!(t, Transmit::WebSocketText { data, .. } if data == "5") {
            // The upgrade is done: the probe carries the session from now on.
            for (&other, info) in self.info.iter_mut() {
                if info.session == session {
                    info.main = other == id;
                }
            }
            if self.pausing == Some(id) {
                self.pausing = None;
            }
        }
        Observed {
            session,
            new_session,
        }
    }

    /// The newest session.
    pub fn newest_session(&self) -> u32 {
        self.sessions
    }

    /// The fuzzer delivers `text` on `id` (a polling `GET` answer or a WebSocket frame).
    pub fn delivered_text(&mut self, id: TransportId, text: &str) {
        if let Some(info) = self.get_mut(id) {
            info.get_pending = false;
            if info.pinged && !info.closed && !info.dead && text == "3probe" {
                info.greeted = true;
                self.pausing = Some(id);
            }
        }
    }

    /// The fuzzer reports a `POST` on `id` done.
    pub fn delivered_sent(&mut self, id: TransportId) {
        if let Some(info) = self.get_mut(id) {
            info.post_pending = false;
        }
    }

    /// The fuzzer reports `id` closed or failed.
    pub fn delivered_closed(&mut self, id: TransportId) {
        if let Some(info) = self.get_mut(id) {
            info.dead = true;
        }
        if self.pausing == Some(id) {
            self.pausing = None;
        }
    }

    /// The fuzzer reports `id` open.
    pub fn delivered_open(&mut self, id: TransportId) {
        if let Some(info) = self.get_mut(id) {
            info.opened = true;
        }
    }

    /// The fuzzer delivered a handshake on `id`.
    pub fn greeted(&mut self, id: TransportId) {
        if let Some(info) = self.get_mut(id) {
            info.greeted = true;
        }
    }

    /// The client gave up its probe (`Event::UpgradeError`).
    pub fn upgrade_failed(&mut self) {
        self.pausing = None;
    }

    /// Transports with a `POST` the fuzzer has not finished.
    pub fn posts_pending(&self) -> Vec<TransportId> {
        self.order
            .iter()
            .copied()
            .filter(|id| self.info[id].post_pending && !self.info[id].closed)
            .collect()
    }

    /// Whether the polling transport of `session` has no unfinished `POST`.
    pub fn polling_idle(&self, session: u32) -> bool {
        self.info
            .values()
            .filter(|i| i.session == session && i.kind == TransportKind::Polling)
            .all(|i| !i.post_pending)
    }

    /// The newest transports neither side has closed, newest first.
    pub fn live(&self, n: usize) -> Vec<TransportId> {
        self.order
            .iter()
            .rev()
            .copied()
            .filter(|id| !self.info[id].closed && !self.info[id].dead)
            .take(n)
            .collect()
    }

    /// A transport for a chaotic input: usually a recent one, sometimes an old,
    /// closed or never-opened id.
    pub fn pick(&self, input: &mut Input) -> TransportId {
        let n = self.order.len();
        match input.below(8) {
            _ if n == 0 => 1,
            0 => self.order[input.below(n)],
            1 => *input.pick(&[0, 1, 2, 9999, TransportId::MAX]),
            k => self.order[n - 1 - (k % 2).min(n - 1)],
        }
    }
}
