//! Decoding one step of the input into calls on the client: commands, network
//! input (a cooperative server, or frames from pieces on any transport, or
//! arbitrary bytes), and time.

use super::emits::{Emit, Where};
use super::frames::{self, Asked};
use super::input::Input;
use super::{wire, Machine, Step};
use frappe_realtime::protocol::client::{AckRequest, TransportId};
use frappe_realtime::protocol::config::TransportKind;
use frappe_realtime::protocol::engine::{self, Handshake};
use frappe_realtime::protocol::error::UsageError;
use frappe_realtime::protocol::rooms::Subscription;
use frappe_realtime::protocol::socket::{self, PacketType};
use frappe_realtime::protocol::time::{Duration, Instant};

/// Event names the fuzzer emits: never a room event, so the wire can tell them apart.
const NAMES: [&str; 3] = ["e", "chat message", "ünï \"q\""];
const RESERVED: [&str; 3] = ["connect", "disconnecting", "newListener"];
/// Argument texts that are not one JSON array.
const BAD_ARGS: [&str; 5] = [r#"{"a":1}"#, "[1", "\"x\"", "", "[1]]"];
const FIRSTS: [&str; 5] = ["ToDo", "Note", "a/b", "a", ""];
const SECONDS: [&str; 4] = ["A", "b/c", "B", ""];
const ADVANCES: [u64; 12] = [
    1, 10, 100, 999, 1000, 1000, 5000, 5000, 20_000, 45_000, 60_000, 120_000,
];

impl Machine {
    /// Performs one step chosen by the input.
    pub(super) fn act(&mut self, input: &mut Input, step: &mut Step) {
        let now = self.now;
        match input.byte() % 40 {
            0 | 1 => {
                step.connect_called = true;
                self.client.connect(now);
            }
            2 => {
                step.disconnect_called = true;
                self.client.disconnect(now);
            }
            3 => {
                step.revive = self.gave_up;
                self.client.reconnect_now(now);
            }
            4..=6 => self.emit(input, step),
            7 | 8 => self.subscribe(input, step, true),
            9 => self.subscribe(input, step, false),
            10 => self.ack(input, step),
            11 => {
                let id = self.transports.pick(input);
                self.transports.delivered_open(id);
                self.client.handle_transport_open(now, id);
            }
            12 => {
                let id = self.transports.pick(input);
                self.transports.delivered_sent(id);
                self.client.handle_sent(now, id);
            }
            13 => {
                let id = self.transports.pick(input);
                self.transports.delivered_closed(id);
                self.client.handle_transport_closed(now, id, input.bool());
            }
            14..=27 => self.cooperate(input, step),
            28 | 29 => step.called = self.settle(),
            30 | 31 => {
                let id = self.transports.pick(input);
                let polling = self.kind(id) == Some(TransportKind::Polling);
                let acks = self.emits.open_acks();
                let joins = self.join_ids.clone();
                let asked = Asked {
                    emits: &acks,
                    joins: &joins,
                };
                let text = frames::frame(input, &self.config.namespace, asked, polling);
                self.text(step, id, &text);
            }
            32 => {
                let id = self.transports.pick(input);
                let data = input.bytes(6);
                step.frame_on = Some(id);
                self.client.handle_binary(now, id, data);
            }
            33 => {
                let id = self.transports.pick(input);
                let text = String::from_utf8_lossy(input.bytes(48)).into_owned();
                self.text(step, id, &text);
            }
            34 | 35 => {
                self.now = now + Duration(*input.pick(&ADVANCES) + u64::from(input.byte()));
                self.timeout(step);
            }
            36 | 37 => {
                if let Some(d) = self.client.poll_timeout() {
                    // Exactly at the deadline, or one millisecond either side.
                    let d = match input.below(4) {
                        0 => Instant(d.0.saturating_sub(1)),
                        1 => d + Duration(1),
                        _ => d,
                    };
                    self.now = self.now.max(d);
                }
                self.timeout(step);
            }
            // Time passes with no call: the next input must notice what is due.
            38 => {
                step.called = false;
                self.now = now + Duration(*input.pick(&ADVANCES));
            }
            _ => self.timeout(step),
        }
    }

    fn kind(&self, id: TransportId) -> Option<TransportKind> {
        self.transports.get(id).map(|i| i.kind)
    }

    fn timeout(&mut self, step: &mut Step) {
        step.timeout_only = true;
        self.client.handle_timeout(self.now);
    }

    /// Delivers `text` on `id` (a `GET` answer or a WebSocket text frame).
    fn text(&mut self, step: &mut Step, id: TransportId, text: &str) {
        let packets = self.packets(id, text);
        if !super::CHECK_CONNECT_ERROR_WHILE_CONNECTED && self.refused_while_connected(&packets) {
            step.called = false;
            return;
        }
        self.transports.delivered_text(id, text);
        // Answers to the client's joins (`join_acks`), counted for the replay.
        for p in &packets {
            let answer = p
                .strip_prefix('4')
                .and_then(|m| socket::Packet::decode(m).ok());
            if answer.is_some_and(|a| {
                a.kind == PacketType::Ack && a.id.is_some_and(|i| self.join_ids.contains(&i))
            }) {
                self.stats.join_answers += 1;
            }
        }
        // A handshake with pingInterval + pingTimeout = 0 arms the ping deadline
        // at the very instant it arrives, which the strict deadline check allows.
        let zero_ping = |p: &str| {
            p.strip_prefix('0')
                .and_then(|h| Handshake::parse(h).ok())
                .is_some_and(|h| (h.ping_interval + h.ping_timeout).0 == 0)
        };
        if packets.iter().any(|p| zero_ping(p)) {
            self.zero_ping = true;
        }
        // The CONNECT answer the client will take, if any: the first one for our
        // namespace once the session has its handshake.
        if let Some(session) = self
            .transports
            .get(id)
            .filter(|i| i.main)
            .map(|i| i.session)
        {
            let mut open = self.max_payload.contains_key(&session);
            for p in &packets {
                if p.starts_with('0') {
                    open = true;
                } else if let (true, Some(m)) = (open, p.strip_prefix('4')) {
                    if let Some(pid) = wire::connect_pid(m, &self.config.namespace) {
                        step.connect_answer = Some(pid);
                        break;
                    }
                }
            }
        }
        // What the session's handshake and pings promise (its first open packet
        // is the one the client takes, or dies of; pings before it are ignored).
        if let Some(session) = self
            .transports
            .get(id)
            .filter(|i| i.main)
            .map(|i| i.session)
        {
            for p in &packets {
                if let Some(open) = p.strip_prefix('0') {
                    if self.max_payload.contains_key(&session) {
                        continue;
                    }
                    let handshake = Handshake::parse(open).ok();
                    let max = handshake.as_ref().and_then(|h| h.max_payload);
                    self.max_payload.insert(session, max);
                    if let Some(h) = handshake {
                        let window = h.ping_interval + h.ping_timeout;
                        self.heartbeat
                            .insert(session, (self.now, window, self.step));
                    }
                } else if p.starts_with('2') {
                    if let Some(beat) = self.heartbeat.get_mut(&session) {
                        (beat.0, beat.2) = (self.now, self.step);
                    }
                }
            }
        }
        step.frame_on = Some(id);
        step.multi |= step.plain.is_some();
        step.plain = Some((id, text.to_string()));
        // Half the frames are given away (the browser driver's way): the payload that
        // ends one is taken from it, not copied; every invariant holds either way.
        if text.len() % 2 == 0 {
            if self.kind(id) == Some(TransportKind::Polling) {
                let parts = engine::split_payload(text).map(String::from).collect();
                self.client.handle_poll_response(self.now, id, parts);
            } else {
                self.client
                    .handle_text_owned(self.now, id, text.to_string());
            }
        } else {
            self.client.handle_text(self.now, id, text);
        }
    }

    /// The Engine.IO packets in `text` as delivered on `id`: a polling payload is
    /// split at its separators, a WebSocket frame is one packet.
    fn packets<'t>(&self, id: TransportId, text: &'t str) -> Vec<&'t str> {
        if self.kind(id) == Some(TransportKind::Polling) {
            engine::split_payload(text).collect()
        } else {
            vec![text]
        }
    }

    /// Whether `packets` carry a CONNECT_ERROR for our namespace that would reach
    /// a connected client (see `CHECK_CONNECT_ERROR_WHILE_CONNECTED`).
    fn refused_while_connected(&self, packets: &[&str]) -> bool {
        let mut connected = self.client.connected();
        for &p in packets {
            let Some(m) = p.strip_prefix('4') else {
                continue;
            };
            match socket::Packet::decode(m) {
                Ok(s) if s.namespace == self.config.namespace => match s.kind {
                    PacketType::Connect => connected = true,
                    PacketType::ConnectError if connected => return true,
                    _ => {}
                },
                _ => {}
            }
        }
        false
    }

    fn emit(&mut self, input: &mut Input, step: &mut Step) {
        let serial = self.emits.next_serial();
        // A valid name carries the serial number, so a `Dropped` event names
        // exactly one emit.
        let name = match input.below(16) {
            0 => String::new(),
            1 => (*input.pick(&RESERVED)).to_string(),
            _ => format!("{} {serial}", input.pick(&NAMES)),
        };
        let name = name.as_str();
        let attachments: Vec<Vec<u8>> = (0..[0, 0, 0, 1, 2][input.below(5)])
            .map(|_| input.bytes(3).to_vec())
            .collect();
        let mut args = format!("[{serial}");
        for k in 0..attachments.len() {
            args.push_str(&format!(r#",{{"_placeholder":true,"num":{k}}}"#));
        }
        let tail = *input.pick(&["]", r#",{"a":[1,2]}]"#, " , \"s\" ] "]);
        args.push_str(tail);
        let bad_args = input.below(12) == 0;
        if bad_args {
            args = (*input.pick(&BAD_ARGS)).into();
        }
        let timeout = match input.below(4) {
            0 | 1 => None,
            2 => Some(None),
            _ => Some(Some(Duration(*input.pick(&[0, 1, 100, 5000, 30_000])))),
        };
        let request = match timeout {
            None => AckRequest::None,
            Some(timeout) => AckRequest::Ack { timeout },
        };
        let result = self
            .client
            .emit(self.now, name, &args, attachments.clone(), request);
        let expected_error = if name.is_empty() {
            Some(UsageError::EmptyEventName)
        } else if RESERVED.contains(&name) {
            Some(UsageError::ReservedEventName)
        } else if bad_args {
            Some(UsageError::ArgumentsNotArray)
        } else {
            None
        };
        let mut e = Emit {
            name: name.into(),
            ack: None,
            attachments,
            at: self.now,
            step: self.step,
            timeout: timeout.flatten(),
            state: Where::Unsent,
            packet_len: 0,
        };
        match (expected_error, result) {
            (Some(want), got) => {
                assert_eq!(got, Err(want), "emit({name:?}, {args:?})");
                step.refused = true;
                self.emits.refused(e);
            }
            (None, Ok(id)) => {
                step.called = true;
                step.zero_armed |=
                    e.timeout == Some(Duration(0)) || self.config.buffer_max_age == Duration(0);
                e.ack = id;
                e.packet_len = socket::Packet {
                    kind: if e.attachments.is_empty() {
                        PacketType::Event
                    } else {
                        PacketType::BinaryEvent
                    },
                    namespace: &self.config.namespace,
                    attachments: e.attachments.len() as u32,
                    id,
                    data: &socket::event_payload(name, &args),
                }
                .to_text()
                .len();
                let session = self
                    .client
                    .connected()
                    .then(|| self.rooms.session().expect("connected without a CONNECT"));
                self.emits.emitted(e, timeout.is_some(), session);
            }
            (None, Err(error)) => panic!("emit({name:?}, {args:?}) refused: {error:?}"),
        }
    }

    fn subscribe(&mut self, input: &mut Input, step: &mut Step, join: bool) {
        let first = *input.pick(&FIRSTS);
        let second = *input.pick(&SECONDS);
        let sub = match input.below(5) {
            0 => Subscription::doctype(first),
            1 => Subscription::doc(first, second),
            2 => Subscription::doc_open(first, second),
            3 => Subscription::task(first),
            _ => Subscription::progress(first),
        };
        let result = if join {
            self.client.subscribe(self.now, sub.clone())
        } else {
            self.client.unsubscribe(self.now, &sub)
        };
        if result.is_err() {
            step.refused = true;
        } else {
            step.called = true;
        }
        let connected = self.client.connected();
        if join {
            self.rooms.subscribe(&sub, result, connected);
        } else {
            self.rooms.unsubscribe(&sub, result, connected);
            // A room left may be joined again, and must then be answered again.
            self.joins_settled.clear();
        }
    }

    fn ack(&mut self, input: &mut Input, step: &mut Step) {
        let id = match self.server_asked.as_slice() {
            ids if !ids.is_empty() && input.below(4) != 0 => *input.pick(ids),
            _ => input.below(8) as u64,
        };
        let good = input.below(8) != 0;
        let result = self
            .client
            .ack(self.now, id, if good { "[1]" } else { "x" });
        if good {
            step.called = true;
            step.ack = Some((id, result));
        } else {
            assert_eq!(result, Err(UsageError::ArgumentsNotArray));
            step.refused = true;
        }
    }

    /// Finishes every `POST` the client is waiting on; `false` when there was none.
    pub(super) fn settle(&mut self) -> bool {
        let pending = self.transports.posts_pending();
        for &id in &pending {
            self.transports.delivered_sent(id);
            self.client.handle_sent(self.now, id);
        }
        !pending.is_empty()
    }

    /// Whether `data`, sent on transport `id`, is an answer for good (`true` or
    /// `false`) on the connection's WebSocket, where every join the client made
    /// is on the wire by the end of its step (see "Acknowledged joins" in `mod.rs`).
    fn answers_for_good(&self, id: TransportId, data: &str) -> bool {
        let on_main_websocket = self.transports.get(id).is_some_and(|i| {
            i.main && i.kind == TransportKind::WebSocket && Some(i.session) == self.rooms.session()
        });
        on_main_websocket && self.client.connected() && matches!(data, "[true]" | "[false]")
    }

    /// A well-behaved server and network: the next sensible input for one of the
    /// two newest live transports.
    fn cooperate(&mut self, input: &mut Input, step: &mut Step) {
        let live = self.transports.live(2);
        if live.is_empty() {
            step.called = false;
            return;
        }
        let id = live[input.below(live.len())];
        let info = self.transports.get(id).expect("live");
        let (kind, probe, opened, pinged, greeted) = (
            info.kind,
            info.probe,
            info.opened,
            info.pinged,
            info.greeted,
        );
        let (get_pending, post_pending) = (info.get_pending, info.post_pending);
        let ns = self.config.namespace.clone();
        let p = frames::prefix(&ns);
        let now = self.now;
        if kind == TransportKind::WebSocket && !opened {
            self.transports.delivered_open(id);
            self.client.handle_transport_open(now, id);
            return;
        }
        if probe {
            if pinged && !greeted {
                self.text(step, id, "3probe");
            } else {
                step.called = self.settle();
            }
            return;
        }
        if kind == TransportKind::Polling && post_pending && input.bool() {
            self.transports.delivered_sent(id);
            self.client.handle_sent(now, id);
            return;
        }
        if kind == TransportKind::Polling && !get_pending {
            step.called = self.settle();
            return;
        }
        if !greeted {
            self.transports.greeted(id);
            let upgrade = input.bool();
            let mut h = frames::handshake(input, Some(upgrade));
            if input.below(8) != 0 {
                // Mostly the real server's timings, so connections last.
                h = format!(
                    r#"0{{"sid":"eio{id}","upgrades":{},"pingInterval":25000,"pingTimeout":20000,"maxPayload":{}}}"#,
                    if upgrade { r#"["websocket"]"# } else { "[]" },
                    input.pick(&[1_000_000, 64])
                );
            }
            self.text(step, id, &h);
            return;
        }
        if !self.client.connected() {
            let frame = if input.below(10) == 0 {
                frames::connect_error(input, &ns)
            } else {
                frames::connect(input, &ns)
            };
            self.text(step, id, &frame);
            return;
        }
        let acks = self.emits.open_acks();
        let joins = self.join_ids.clone();
        let asked = Asked {
            emits: &acks,
            joins: &joins,
        };
        let polling = kind == TransportKind::Polling;
        match input.below(9) {
            0 => self.text(step, id, "2"),
            1 if polling => self.text(step, id, "6"),
            2 if !asked.is_empty() => {
                let ack = asked.pick(input);
                let data = frames::ack_data(ack, asked, r#"["ok"]"#);
                let frame = format!("43{p}{ack}{data}");
                self.text(step, id, &frame);
                if self.answers_for_good(id, data) {
                    step.settles = Some(ack);
                }
            }
            3 => {
                let frame = format!("42{p}{}[\"ask\",1]", input.below(4));
                self.text(step, id, &frame);
            }
            4 => {
                let n = 1 + input.below(2) as u32;
                let header = frames::binary_event(input, &ns, n);
                let data: Vec<Vec<u8>> = (0..n).map(|_| input.bytes(3).to_vec()).collect();
                if polling {
                    let mut payload = header;
                    for d in &data {
                        payload.push('\x1e');
                        payload.push_str(&frames::attachment_record(d));
                    }
                    self.text(step, id, &payload);
                } else {
                    self.text(step, id, &header);
                    step.multi = true;
                    for d in &data {
                        self.client.handle_binary(now, id, d);
                    }
                }
            }
            5 if polling => {
                let frame = format!("2\x1e{}", frames::plain_event(input, &ns));
                self.text(step, id, &frame);
            }
            _ => {
                let frame = frames::plain_event(input, &ns);
                self.text(step, id, &frame);
            }
        }
    }
}
