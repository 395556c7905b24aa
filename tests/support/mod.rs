//! A scripted fake server for scenario tests of the core on virtual time.
//!
//! The test plays the server with exact wire strings: it answers the client's
//! `GET`s, reads what the client `POST`ed or wrote on a WebSocket, and moves the
//! clock. Nothing sleeps and nothing touches a socket.

#![allow(dead_code)]

pub mod fleet;
pub mod rng;

use frappe_realtime::protocol::client::{Client, Event, Transmit, TransportId};
use frappe_realtime::protocol::config::{ClientConfig, TransportKind};
use frappe_realtime::protocol::time::{Duration, Instant};

/// The namespace every scenario connects to (a Frappe site).
pub const NS: &str = "/site";

/// The real server's handshake, without upgrades.
pub const HANDSHAKE: &str = r#"0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// The real server's handshake, offering the WebSocket upgrade.
pub const HANDSHAKE_UPGRADE: &str = r#"0{"sid":"eio1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// The server's handshake with pings an hour apart: for scenarios that span
/// minutes of heal rounds and retries and play no pings.
pub const SLOW_PINGS: &str = r#"0{"sid":"eio1","upgrades":[],"pingInterval":3600000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// A client, the clock, and everything it has asked for or reported so far.
pub struct Harness {
    pub client: Client,
    pub now: Instant,
    /// Transmits not yet consumed by the test.
    pub wire: Vec<Transmit>,
    /// Events not yet consumed by the test.
    pub events: Vec<Event>,
}

/// Defaults for scenarios: namespace `/site`, polling only unless a test says
/// otherwise, and no probes between the backoff's attempts (their own tests,
/// tests/scenario_probe.rs and tests/scenario_random.rs, turn them on), so that
/// a failed transport is followed by the counted attempts alone.
pub fn config() -> ClientConfig {
    let mut c = ClientConfig::new(NS);
    c.transports = vec![TransportKind::Polling];
    c.probe = false;
    c
}

impl Harness {
    pub fn new(config: ClientConfig) -> Harness {
        Harness {
            client: Client::new(config).expect("valid config"),
            now: Instant(0),
            wire: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Collects every pending transmit and event.
    pub fn pump(&mut self) {
        while let Some(t) = self.client.poll_transmit() {
            self.wire.push(t);
        }
        while let Some(e) = self.client.poll_event() {
            self.events.push(e);
        }
    }

    /// Moves the clock by `ms` and lets the client check its deadlines.
    pub fn advance(&mut self, ms: u64) {
        self.now = self.now + Duration(ms);
        self.client.handle_timeout(self.now);
        self.pump();
    }

    /// Moves the clock to the client's next deadline.
    pub fn advance_to_deadline(&mut self) -> Instant {
        let at = self.client.poll_timeout().expect("a deadline");
        self.now = at;
        self.client.handle_timeout(at);
        self.pump();
        at
    }

    pub fn connect(&mut self) {
        self.client.connect(self.now);
        self.pump();
    }

    /// Takes every event reported so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.pump();
        std::mem::take(&mut self.events)
    }

    /// Takes every transmit so far.
    pub fn take_wire(&mut self) -> Vec<Transmit> {
        self.pump();
        std::mem::take(&mut self.wire)
    }

    /// Takes every transmit so far and returns the POST bodies among them, whole.
    pub fn take_post_bodies(&mut self) -> Vec<String> {
        self.take_wire()
            .into_iter()
            .filter_map(|t| match t {
                Transmit::PollPost { body, .. } => Some(body),
                _ => None,
            })
            .collect()
    }

    /// Takes the pending `GET` of `transport` (panics if there is none) and returns its URL.
    pub fn take_get(&mut self, transport: TransportId) -> String {
        self.pump();
        let pos = self
            .wire
            .iter()
            .position(|t| matches!(t, Transmit::PollGet { transport: id, .. } if *id == transport))
            .unwrap_or_else(|| panic!("no GET for transport {transport}: {:?}", self.wire));
        match self.wire.remove(pos) {
            Transmit::PollGet { url, .. } => url,
            _ => unreachable!(),
        }
    }

    /// The transport of the first pending `GET`.
    pub fn pending_get(&mut self) -> Option<TransportId> {
        self.pump();
        self.wire.iter().find_map(|t| match t {
            Transmit::PollGet { transport, .. } => Some(*transport),
            _ => None,
        })
    }

    /// Answers the pending GET of `transport` with `body` (packets joined by \x1e).
    pub fn reply_get(&mut self, transport: TransportId, body: &str) {
        self.take_get(transport);
        self.client.handle_text(self.now, transport, body);
        self.pump();
    }

    /// Every packet the client sent so far (POST bodies split on \x1e, WebSocket
    /// text frames), in order; completes the POSTs. Other transmits stay.
    pub fn sent(&mut self) -> Vec<String> {
        self.pump();
        let mut out = Vec::new();
        let mut keep = Vec::new();
        let mut done = Vec::new();
        for t in std::mem::take(&mut self.wire) {
            match t {
                Transmit::PollPost {
                    transport, body, ..
                } => {
                    out.extend(body.split('\x1e').map(String::from));
                    done.push(transport);
                }
                Transmit::WebSocketText { data, .. } => out.push(data),
                other => keep.push(other),
            }
        }
        self.wire = keep;
        for transport in done {
            self.client.handle_sent(self.now, transport);
        }
        self.pump();
        // Completing a POST may release more queued packets.
        if self
            .wire
            .iter()
            .any(|t| matches!(t, Transmit::PollPost { .. }))
        {
            out.extend(self.sent());
        }
        out
    }

    /// What goes out until `until` ms from now, with when (ms from now), the
    /// clock moved from deadline to deadline.
    pub fn sent_until(&mut self, until: u64) -> Vec<(u64, Vec<String>)> {
        let start = self.now.0;
        let mut out = Vec::new();
        while self
            .client
            .poll_timeout()
            .is_some_and(|t| t.0 <= start + until)
        {
            self.advance_to_deadline();
            let sent = self.sent();
            if !sent.is_empty() {
                out.push((self.now.0 - start, sent));
            }
        }
        out
    }

    /// Opens a polling session: connect, answer the first GET with `handshake`.
    /// Returns the transport id.
    pub fn open_polling(&mut self, handshake: &str) -> TransportId {
        if self.pending_get().is_none() {
            self.connect();
        }
        let id = self.pending_get().expect("first GET");
        self.reply_get(id, handshake);
        id
    }

    /// Opens a polling session and connects the namespace with socket id `sid`.
    pub fn connected(&mut self, sid: &str) -> TransportId {
        let id = self.open_polling(HANDSHAKE);
        let sent = self.sent();
        assert_eq!(sent, vec!["40/site,".to_string()]);
        self.reply_get(id, &format!("40/site,{{\"sid\":\"{sid}\"}}"));
        let events = self.take_events();
        assert!(
            matches!(events.last(), Some(Event::Connect { sid: s, .. }) if s == sid),
            "{events:?}"
        );
        id
    }

    /// Connects the namespace over WebSocket transport 1 with socket id `sid`
    /// (the config lists only WebSocket); the events and wire so far are taken.
    pub fn connected_websocket(&mut self, sid: &str) {
        self.connect();
        self.client.handle_transport_open(self.now, 1);
        self.client.handle_text(self.now, 1, HANDSHAKE);
        self.client
            .handle_text(self.now, 1, &format!("40/site,{{\"sid\":\"{sid}\"}}"));
        self.take_events();
        self.take_wire();
    }

    /// Kills the polling transport as a network failure would.
    /// Its pending requests are dropped from the wire, as the driver would.
    pub fn fail_transport(&mut self, transport: TransportId) {
        self.pump();
        self.wire.retain(|t| transport_of(t) != transport);
        self.client
            .handle_transport_closed(self.now, transport, true);
        self.pump();
    }

    /// The numbers of the reconnect attempts reported so far, in order.
    pub fn reconnect_attempts(&self) -> Vec<u32> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::ReconnectAttempt { attempt } => Some(*attempt),
                _ => None,
            })
            .collect()
    }

    /// The reconnect delays scheduled so far, in order.
    pub fn scheduled_delays(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::ReconnectScheduled { delay, .. } => Some(delay.as_millis()),
                _ => None,
            })
            .collect()
    }
}

/// Whether `events` holds an event matching `pred`.
pub fn has(events: &[Event], pred: impl Fn(&Event) -> bool) -> bool {
    events.iter().any(pred)
}

/// The transport a transmit is for.
pub fn transport_of(t: &Transmit) -> TransportId {
    match t {
        Transmit::WebSocketOpen { transport, .. }
        | Transmit::WebSocketText { transport, .. }
        | Transmit::WebSocketBinary { transport, .. }
        | Transmit::PollGet { transport, .. }
        | Transmit::PollPost { transport, .. }
        | Transmit::Close { transport } => *transport,
    }
}
