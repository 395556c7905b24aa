//! What the fake server sends: Engine.IO / Socket.IO frames built from
//! well-formed pieces (handshakes, pings, CONNECT, CONNECT_ERROR, events, acks,
//! binary packets and their attachments), with the odd near-miss mixed in.
//! Arbitrary bytes are a separate action (see `mod.rs`); pieces get deep into
//! the state machine far sooner than random text would.

use super::input::Input;
use frappe_realtime::protocol::base64;

/// The `<namespace>,` part of a Socket.IO packet (none for `/`).
pub fn prefix(namespace: &str) -> String {
    if namespace == "/" {
        String::new()
    } else {
        format!("{namespace},")
    }
}

/// An Engine.IO open packet. `upgrade` forces the `upgrades` list; the timings
/// include zero (a ping deadline due at once) and tiny ones.
pub fn handshake(input: &mut Input, upgrade: Option<bool>) -> String {
    let sid = input.pick(&["eio1", "eio2", "a b&c"]);
    let upgrades = match upgrade {
        Some(true) => r#"["websocket"]"#,
        Some(false) => "[]",
        None => input.pick(&["[]", r#"["websocket"]"#, r#"["polling","websocket"]"#]),
    };
    let interval = input.pick(&[25_000, 0, 1, 300]);
    let timeout = input.pick(&[20_000, 0, 1, 200]);
    let max_payload = input.pick(&[
        ",\"maxPayload\":1000000",
        "",
        ",\"maxPayload\":1",
        ",\"maxPayload\":40",
    ]);
    match input.below(24) {
        0 => format!(r#"0{{"upgrades":[],"pingInterval":{interval},"pingTimeout":{timeout}}}"#),
        1 => format!(r#"0{{"sid":"{sid}","pingTimeout":{timeout}}}"#),
        _ => format!(
            r#"0{{"sid":"{sid}","upgrades":{upgrades},"pingInterval":{interval},"pingTimeout":{timeout}{max_payload}}}"#
        ),
    }
}

/// The server's CONNECT answer, with or without a connection-state-recovery pid.
pub fn connect(input: &mut Input, namespace: &str) -> String {
    let p = prefix(namespace);
    let sid = input.pick(&["s1", "s2"]);
    match input.below(6) {
        0 | 1 => format!(r#"40{p}{{"sid":"{sid}"}}"#),
        2 | 3 => format!(r#"40{p}{{"sid":"{sid}","pid":"p"}}"#),
        4 => format!(r#"40{p}{{"sid":"{sid}","pid":"q"}}"#),
        _ => format!("40{p}{{}}"),
    }
}

/// The server refusing the namespace.
pub fn connect_error(input: &mut Input, namespace: &str) -> String {
    let p = prefix(namespace);
    match input.below(4) {
        0 => format!(r#"44{p}{{"message":"Invalid origin"}}"#),
        1 => format!(r#"44{p}"old style""#),
        // Frappe's realtime server could not reach the web server: retried.
        _ => format!(r#"44{p}{{"message":"Unauthorized: 502 Bad Gateway"}}"#),
    }
}

/// An EVENT payload, `["name", …]`, sometimes ending with a recovery offset.
pub fn event_json(input: &mut Input) -> String {
    match input.below(5) {
        0 => r#"["doc_update",{"doctype":"ToDo","name":"TD-1"}]"#.into(),
        1 => r#"["list_update",{"doctype":"ToDo"},"off-1"]"#.into(),
        2 => r#"["msg"]"#.into(),
        3 => format!(
            r#"["progress",{{"percent":{}}},"off-{}"]"#,
            input.byte(),
            input.byte()
        ),
        _ => r#"[ "spaced" , [1,2] ]"#.into(),
    }
}

/// A plain EVENT frame: no ack id, no attachments (the browser driver's fast path).
pub fn plain_event(input: &mut Input, namespace: &str) -> String {
    format!("42{}{}", prefix(namespace), event_json(input))
}

/// An event with binary placeholders; `attachments` frames must follow.
pub fn binary_event(input: &mut Input, namespace: &str, attachments: u32) -> String {
    let id = if input.bool() {
        input.below(4).to_string()
    } else {
        String::new()
    };
    let mut data = String::from(r#"["bin""#);
    for k in 0..attachments {
        data.push_str(&format!(r#",{{"_placeholder":true,"num":{k}}}"#));
    }
    data.push(']');
    format!("45{attachments}-{}{id}{data}", prefix(namespace))
}

/// A binary attachment as a polling record (`b` + base64).
pub fn attachment_record(data: &[u8]) -> String {
    let mut s = String::from("b");
    base64::encode_into(&mut s, data);
    s
}

/// The ack ids the client asked for and the fuzzer may answer: its emits' still
/// waiting, and its joins' (with `join_acks`), so that acks often hit one.
#[derive(Clone, Copy)]
pub struct Asked<'a> {
    pub emits: &'a [u64],
    pub joins: &'a [u64],
}

impl Asked<'_> {
    pub fn is_empty(&self) -> bool {
        self.emits.is_empty() && self.joins.is_empty()
    }

    /// One of the ids, as `input.pick` over both lists.
    pub fn pick(&self, input: &mut Input) -> u64 {
        // Without joins, the very bytes `input.pick(emits)` read before they were asked.
        let i = input.below(self.emits.len() + self.joins.len());
        if i < self.emits.len() {
            self.emits[i]
        } else {
            self.joins[i - self.emits.len()]
        }
    }
}

/// The data of an ACK for `id`: for a join, what the companion Frappe app answers,
/// chosen by the id (taken, refused for good, or failed), no byte of input more;
/// `emit` otherwise.
pub fn ack_data(id: u64, asked: Asked, emit: &'static str) -> &'static str {
    if !asked.joins.contains(&id) {
        return emit;
    }
    match id % 4 {
        0 | 1 => "[true]",
        2 => "[false]",
        _ => r#"[{"error":"502 from /api/method/frappe.realtime.has_permission"}]"#,
    }
}

/// One Socket.IO packet inside an Engine.IO message (`4…`).
pub fn message(input: &mut Input, namespace: &str, asked: Asked) -> String {
    let namespace = if input.below(8) == 0 {
        "/other"
    } else {
        namespace
    };
    let p = prefix(namespace);
    let ack_id = |input: &mut Input| {
        if asked.is_empty() {
            input.below(4) as u64
        } else if input.below(4) != 0 {
            asked.pick(input)
        } else {
            u64::from(input.u16())
        }
    };
    match input.below(11) {
        0 => connect(input, namespace),
        1 => format!("41{p}"),
        2 | 3 => plain_event(input, namespace),
        4 => format!("42{p}{}{}", input.below(4), event_json(input)),
        5 => {
            let id = ack_id(input);
            format!("43{p}{id}{}", ack_data(id, asked, r#"[1,"ok"]"#))
        }
        6 => connect_error(input, namespace),
        7 => {
            let n = input.below(3) as u32;
            binary_event(input, namespace, n)
        }
        8 => format!(
            r#"461-{p}{}[{{"_placeholder":true,"num":0}}]"#,
            ack_id(input)
        ),
        9 => format!("40{p}{}", input.pick(&["[1]", "{", r#"{"sid":5}"#])),
        _ => (*input.pick(&[
            "42[1]",
            "42/site,[]",
            "47",
            "43/site,x",
            "45-/site,[\"b\"]",
            "42/site,99999999999999999999[\"a\"]",
            "44/site,",
            "",
        ]))
        .to_string(),
    }
}

/// One Engine.IO packet from the server.
pub fn engine_packet(input: &mut Input, namespace: &str, asked: Asked) -> String {
    match input.below(16) {
        0 => handshake(input, None),
        1 | 2 => "2".into(),
        3 => "3probe".into(),
        4 => "6".into(),
        5 => "1".into(),
        6 => "5".into(),
        7 => {
            let data = input.bytes(4).to_vec();
            attachment_record(&data)
        }
        8 => (*input.pick(&["", "9", "4{broken", "0{}", "2probe", "3", "b!!", "0"])).into(),
        _ => message(input, namespace, asked),
    }
}

/// A frame: one packet for a WebSocket, a `\x1e`-joined payload of one to three
/// packets for a polling `GET`.
pub fn frame(input: &mut Input, namespace: &str, asked: Asked, polling: bool) -> String {
    let mut text = engine_packet(input, namespace, asked);
    if polling {
        for _ in 0..input.below(3) {
            text.push('\x1e');
            text.push_str(&engine_packet(input, namespace, asked));
        }
    }
    text
}
