//! Native throughput of the codecs and of the client's input path (`npm run bench`
//! runs `cargo bench --bench codec -- --json`). No benchmark framework: each case runs
//! for ~0.25 s, five times; the median rate is reported.
//!
//! Under `cargo test` (no `--bench` argument) every case runs once as a smoke test.

use frappe_realtime::protocol::client::{Client, Event, Transmit};
use frappe_realtime::protocol::config::{ClientConfig, TransportKind};
use frappe_realtime::protocol::engine;
use frappe_realtime::protocol::socket::{self, PacketType};
use frappe_realtime::protocol::time::Instant;
use std::hint::black_box;
use std::time::{Duration, Instant as Clock};

const NAMESPACE: &str = "/site1";

/// A `doc_update`-like payload (~130 B) or a ~4 KB document, as bench/server.js sends.
fn doc(large: bool, seq: u32) -> String {
    let mut s = String::from(
        r#"{"doctype":"ToDo","name":"TD-0001","modified":"2025-01-01 12:00:00.000000","modified_by":"josé@example.com","seq":"#,
    );
    s.push_str(&seq.to_string());
    if large {
        s.push_str(r#","owner":"alice@example.com","status":"Open","priority":"Medium""#);
        let words = [
            "lorem", "ipsum", "dolor", "café", "Müller", "naïve", "déjà", "Frappé",
        ];
        for k in 0..20 {
            s.push_str(&format!(r#","field_{k}":""#));
            let mut field = String::new();
            let mut i = k;
            while field.chars().count() < 120 {
                field.push_str(words[i % words.len()]);
                field.push(' ');
                i = (i * 7 + 3) % 101;
            }
            s.push_str(&field);
            s.push('"');
        }
        s.push_str(r#","description":""#);
        s.push_str(&"lorem ipsum dolor sit amet ".repeat(45));
        s.push('"');
    }
    s.push('}');
    s
}

/// The WebSocket frame of a `doc_update` event with the arguments `args` (a JSON array).
fn encode(args: &str) -> String {
    let payload = socket::event_payload("doc_update", args);
    let packet = socket::Packet {
        kind: PacketType::Event,
        namespace: NAMESPACE,
        attachments: 0,
        id: None,
        data: &payload,
    }
    .to_text();
    engine::Packet::Message(&packet).to_text()
}

fn decode(frame: &str) -> usize {
    match engine::Packet::decode_text(frame) {
        Ok(engine::Packet::Message(text)) => {
            let p = socket::Packet::decode(text).expect("valid packet");
            p.event_name().expect("event name").len() + p.data.len()
        }
        _ => panic!("not a message"),
    }
}

/// A client connected over a WebSocket, as the browser driver holds it.
fn connected_client() -> (Client, u32) {
    let mut config = ClientConfig::new(NAMESPACE);
    config.transports = vec![TransportKind::WebSocket];
    let mut c = Client::new(config).expect("config");
    let now = Instant(1);
    c.connect(now);
    let Some(Transmit::WebSocketOpen { transport, .. }) = c.poll_transmit() else {
        panic!("expected a WebSocket open");
    };
    c.handle_transport_open(now, transport);
    c.handle_text(
        now,
        transport,
        r#"0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
    );
    c.handle_text(now, transport, r#"40/site1,{"sid":"x1"}"#);
    while c.poll_transmit().is_some() {}
    while c.poll_event().is_some() {}
    assert!(c.connected());
    (c, transport)
}

fn rate(iterations_per_round: usize, mut f: impl FnMut()) -> f64 {
    let mut rates = Vec::new();
    for _ in 0..5 {
        let start = Clock::now();
        let mut n = 0usize;
        while start.elapsed() < Duration::from_millis(250) {
            for _ in 0..iterations_per_round {
                f();
            }
            n += iterations_per_round;
        }
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    rates[rates.len() / 2]
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let json = std::env::args().any(|a| a == "--json");
    let mut cases = Vec::new();
    for (label, large) in [("small", false), ("4 KB", true)] {
        let args = format!("[{}]", doc(large, 12345));
        let frame = encode(&args);
        let (mut client, transport) = connected_client();
        let mut client_step = || {
            client.handle_text(Instant(2), transport, black_box(&frame));
            match client.poll_event() {
                Some(Event::Message { data, .. }) => {
                    black_box(data);
                }
                other => panic!("expected a message, got {other:?}"),
            }
        };
        if !bench {
            // Smoke test under `cargo test`: the exact wire string, and its decoded size.
            assert_eq!(encode(r#"[{"a":1}]"#), r#"42/site1,["doc_update",{"a":1}]"#);
            assert_eq!(
                decode(&frame),
                "doc_update".len() + frame.len() - 2 - NAMESPACE.len() - 1
            );
            client_step();
            continue;
        }
        let bytes = frame.len();
        let e = rate(1000, || {
            black_box(encode(black_box(&args)));
        });
        let d = rate(1000, || {
            black_box(decode(black_box(&frame)));
        });
        let c = rate(1000, &mut client_step);
        cases.push((format!("encode {label} event"), bytes, e));
        cases.push((format!("decode {label} event"), bytes, d));
        cases.push((
            format!("client.handle_text + poll_event, {label} event"),
            bytes,
            c,
        ));
    }
    if !bench {
        println!("codec bench: smoke test passed (run `cargo bench --bench codec` to measure)");
        return;
    }
    if json {
        let items: Vec<String> = cases
            .iter()
            .map(|(name, bytes, r)| {
                format!(r#"{{"name":"{name}","bytes":{bytes},"packetsPerSec":{r:.0}}}"#)
            })
            .collect();
        println!(r#"{{"cases":[{}]}}"#, items.join(","));
    } else {
        for (name, bytes, r) in &cases {
            println!(
                "{name:<48} {bytes:>5} B  {:>8.2} M packets/s  {:>6.0} MB/s",
                r / 1e6,
                r * *bytes as f64 / 1e6
            );
        }
    }
}
