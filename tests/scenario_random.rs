//! Randomised scenarios: thousands of seeded interleavings of commands, frames
//! (valid and malformed) and time, with invariants checked after every step:
//!
//! - nothing panics;
//! - after an input at `now`, no deadline is left at or before `now` (the
//!   driver's timer would spin);
//! - a transmit only ever names a transport the client opened;
//! - the subscription registry is exactly what the commands made it, whatever
//!   the network did;
//! - every emit with an ack is answered exactly once (Ack, AckFailed or
//!   Dropped) once the client is told to disconnect and time runs out.

mod support;

use frappe_realtime::protocol::client::{AckRequest, Event, Transmit};
use frappe_realtime::protocol::config::TransportKind;
use frappe_realtime::protocol::rooms::Subscription;
use frappe_realtime::protocol::time::Duration;
use std::collections::BTreeSet;
use support::rng::XorShift;
use support::*;

const FRAMES: &[&str] = &[
    HANDSHAKE,
    HANDSHAKE_UPGRADE,
    r#"40/site,{"sid":"s"}"#,
    r#"40/site,{"sid":"s","pid":"p"}"#,
    r#"44/site,{"message":"Invalid origin"}"#,
    "41/site,",
    "2",
    "3probe",
    "6",
    "1",
    r#"42/site,["doc_update",{"name":"x"},"offset"]"#,
    r#"42/site,3["ask"]"#,
    r#"43/site,0[1]"#,
    r#"43/site,1[]"#,
    r#"43/site,2[true]"#,
    r#"43/site,3[false]"#,
    r#"43/site,4[{"error":"502"}]"#,
    r#"451-/site,["bin",{"_placeholder":true,"num":0}]"#,
    "bAQID",
    "4{broken",
    "",
    "9",
    "0{}",
    "42/site,[1]",
    "\x1e\x1e42/site,[\"a\"]\x1e2",
    "44/site,\"old style\"",
];

fn subs() -> [Subscription; 4] {
    [
        Subscription::doc("ToDo", "A"),
        Subscription::doctype("ToDo"),
        Subscription::doc_open("Note", "B"),
        Subscription::task("t"),
    ]
}

/// How often the interesting states were reached, so the test cannot pass vacuously.
#[derive(Default, Debug)]
struct Reached {
    connects: u32,
    upgrades: u32,
    messages: u32,
    reconnects: u32,
    connect_errors: u32,
    acks: u32,
}

fn run(seed: u64, steps: usize, reached: &mut Reached) {
    let mut rng = XorShift(seed | 1);
    let mut c = config();
    c.jitter_seed = seed;
    c.transports = match seed % 3 {
        0 => vec![TransportKind::Polling, TransportKind::WebSocket],
        1 => vec![TransportKind::WebSocket, TransportKind::Polling],
        _ => vec![TransportKind::Polling],
    };
    c.buffer_max_count = 3;
    // Probes between the backoff's attempts on half the seeds, joins that ask for an
    // ack (the frames above answer some) on half of each half.
    c.probe = seed % 2 == 0;
    c.join_acks = seed % 4 < 2;
    let mut h = Harness::new(c);
    let mut opened: BTreeSet<u32> = BTreeSet::new();
    let mut model: Vec<Subscription> = Vec::new();
    let mut acks_open: BTreeSet<u64> = BTreeSet::new();
    let mut websockets: BTreeSet<u32> = BTreeSet::new();
    let mut ws_open: BTreeSet<u32> = BTreeSet::new();
    let mut greeted: BTreeSet<u32> = BTreeSet::new();
    let mut posts: Vec<u32> = Vec::new();
    for _ in 0..steps {
        match rng.below(12) {
            0 => h.client.connect(h.now),
            1 if rng.below(4) == 0 => h.client.disconnect(h.now),
            2 => h.client.reconnect_now(h.now),
            3 => {
                let ack = if rng.below(2) == 0 {
                    AckRequest::None
                } else {
                    AckRequest::Ack {
                        timeout: Some(Duration(1 + rng.below(30_000) as u64)),
                    }
                };
                if let Ok(Some(id)) = h.client.emit(h.now, "e", "[1]", vec![], ack) {
                    acks_open.insert(id);
                }
            }
            4 => {
                let s = subs()[rng.below(4)].clone();
                if h.client.subscribe(h.now, s.clone()).unwrap() {
                    model.push(s);
                }
            }
            5 => {
                let s = subs()[rng.below(4)].clone();
                if h.client.unsubscribe(h.now, &s).unwrap() {
                    model.retain(|m| m.room() != s.room());
                }
            }
            6..=8 if rng.below(4) != 0 => {
                // A cooperative server: the next sensible frame for one of the
                // two newest transports.
                let newest: Vec<u32> = opened.iter().rev().take(2).copied().collect();
                if newest.is_empty() {
                    continue;
                }
                let id = newest[rng.below(newest.len())];
                if websockets.contains(&id) && !ws_open.contains(&id) {
                    ws_open.insert(id);
                    h.client.handle_transport_open(h.now, id);
                } else if !greeted.contains(&id) {
                    greeted.insert(id);
                    let probe = websockets.contains(&id)
                        && h.client.transport() == Some(TransportKind::Polling);
                    let frame = if probe {
                        "3probe"
                    } else if rng.below(2) == 0 {
                        HANDSHAKE_UPGRADE
                    } else {
                        HANDSHAKE
                    };
                    h.client.handle_text(h.now, id, frame);
                } else if !h.client.connected() {
                    let frame = match rng.below(6) {
                        0 => r#"40/site,{"sid":"s","pid":"p"}"#,
                        1 => r#"44/site,{"message":"Invalid namespace"}"#,
                        _ => r#"40/site,{"sid":"s"}"#,
                    };
                    h.client.handle_text(h.now, id, frame);
                } else {
                    let ack_reply;
                    let frame = match rng.below(6) {
                        0 => "2",
                        1 => "6",
                        2 => {
                            let n = acks_open.iter().next().copied().unwrap_or(0);
                            ack_reply = format!("43/site,{n}[1]");
                            ack_reply.as_str()
                        }
                        3 => r#"451-/site,["bin",{"_placeholder":true,"num":0}]"#,
                        _ => r#"42/site,["doc_update",{"name":"x"},"off"]"#,
                    };
                    h.client.handle_text(h.now, id, frame);
                    if frame.starts_with("451-") {
                        if websockets.contains(&id) {
                            h.client.handle_binary(h.now, id, &[1, 2]);
                        } else {
                            h.client.handle_text(h.now, id, "bAQI=");
                        }
                    }
                }
            }
            6..=8 => {
                // A chaotic one: any frame, valid or not, on any transport ever opened.
                let Some(&id) = opened.iter().nth(rng.below(opened.len().max(1))) else {
                    continue;
                };
                let f = FRAMES[rng.below(FRAMES.len())];
                if rng.below(8) == 0 {
                    h.client.handle_binary(h.now, id, f.as_bytes());
                } else {
                    h.client.handle_text(h.now, id, f);
                }
            }
            9 => {
                if let Some(&id) = opened.iter().next_back() {
                    match rng.below(3) {
                        0 => h.client.handle_transport_open(h.now, id),
                        1 => h.client.handle_sent(h.now, id),
                        _ => h
                            .client
                            .handle_transport_closed(h.now, id, rng.below(2) == 0),
                    }
                }
            }
            _ => {
                h.now = h.now + Duration(rng.below(30_000) as u64);
                h.client.handle_timeout(h.now);
            }
        }
        h.pump();
        for t in h.wire.drain(..) {
            match t {
                Transmit::WebSocketOpen { transport, .. } => {
                    opened.insert(transport);
                    websockets.insert(transport);
                }
                Transmit::PollGet { transport, .. } => {
                    opened.insert(transport);
                }
                Transmit::PollPost { transport, .. } => {
                    assert!(
                        opened.contains(&transport),
                        "seed {seed}: POST on unknown transport"
                    );
                    posts.push(transport);
                }
                other => assert!(
                    opened.contains(&transport_of(&other)),
                    "seed {seed}: {other:?} names a transport never opened"
                ),
            }
        }
        // The network finishes POSTs, usually promptly.
        if rng.below(2) == 0 {
            for id in posts.drain(..) {
                h.client.handle_sent(h.now, id);
            }
            h.pump();
        }
        if let Some(t) = h.client.poll_timeout() {
            assert!(
                t > h.now,
                "seed {seed}: deadline {t:?} not after now {:?}: {:#?}",
                h.now,
                h.client
            );
        }
        let registered: Vec<Subscription> = h.client.subscriptions().cloned().collect();
        assert_eq!(registered, model, "seed {seed}: subscriptions diverged");
        for e in h.events.drain(..) {
            match e {
                Event::Connect { .. } => reached.connects += 1,
                Event::Upgrade => reached.upgrades += 1,
                Event::Message { .. } => reached.messages += 1,
                Event::Reconnect { .. } => reached.reconnects += 1,
                Event::ConnectError { .. } => reached.connect_errors += 1,
                _ => {}
            }
            match e {
                Event::Ack { id, .. } | Event::AckFailed { id, .. } => {
                    reached.acks += 1;
                    assert!(
                        acks_open.remove(&id),
                        "seed {seed}: ack {id} answered twice or never asked"
                    );
                }
                Event::Dropped { ack: Some(id), .. } => {
                    assert!(acks_open.remove(&id), "seed {seed}: dropped ack {id} twice");
                }
                _ => {}
            }
        }
    }
    // Wind down: every ack with a timeout must be settled once time passes.
    h.client.disconnect(h.now);
    h.now = h.now + Duration(120_000);
    h.client.handle_timeout(h.now);
    h.pump();
    for e in h.events.drain(..) {
        if let Event::Ack { id, .. }
        | Event::AckFailed { id, .. }
        | Event::Dropped { ack: Some(id), .. } = e
        {
            assert!(acks_open.remove(&id), "seed {seed}: ack {id} settled twice");
        }
    }
    assert!(
        acks_open.is_empty(),
        "seed {seed}: acks never settled: {acks_open:?}"
    );
}

#[test]
fn random_interleavings_keep_every_invariant() {
    let mut reached = Reached::default();
    for seed in 1..=400 {
        run(seed, 400, &mut reached);
    }
    println!("{reached:?}");
    assert!(reached.connects > 100, "{reached:?}");
    assert!(reached.upgrades > 10, "{reached:?}");
    assert!(reached.messages > 100, "{reached:?}");
    assert!(reached.reconnects > 10, "{reached:?}");
    assert!(reached.connect_errors > 100, "{reached:?}");
    assert!(reached.acks > 100, "{reached:?}");
}
