//! Scenarios: the polling → WebSocket upgrade (`2probe` / `3probe` / `5`),
//! falling back when the WebSocket fails, WebSocket-only, binary attachments,
//! and polling batches bounded by maxPayload.

mod support;

use frappe_realtime::protocol::client::{AckRequest, ConnectErrorKind, Event, Transmit};
use frappe_realtime::protocol::config::{ClientConfig, TransportKind};
use support::*;

fn upgrade_config() -> frappe_realtime::protocol::config::ClientConfig {
    let mut c = config();
    c.transports = vec![TransportKind::Polling, TransportKind::WebSocket];
    c
}

/// Connects over polling with the upgrade offered; returns (polling id, ws id).
fn connected_with_probe(h: &mut Harness) -> (u32, u32) {
    let poll = h.open_polling(HANDSHAKE_UPGRADE);
    let wire = h.take_wire();
    let ws = wire
        .iter()
        .find_map(|t| match t {
            Transmit::WebSocketOpen {
                transport,
                url,
                check,
            } => {
                assert_eq!(url, "/socket.io/?EIO=4&transport=websocket&sid=eio1");
                assert!(
                    !check,
                    "an upgrade probe follows the server's handshake: no check"
                );
                Some(*transport)
            }
            _ => None,
        })
        .expect("a WebSocket probe");
    // Put the polling requests back for the fake server to answer.
    h.wire = wire
        .into_iter()
        .filter(|t| !matches!(t, Transmit::WebSocketOpen { .. }))
        .collect();
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.reply_get(poll, r#"40/site,{"sid":"s"}"#);
    h.take_events();
    (poll, ws)
}

#[test]
fn upgrade_probes_then_switches_after_polling_goes_quiet() {
    let mut h = Harness::new(upgrade_config());
    let (poll, ws) = connected_with_probe(&mut h);
    assert_eq!(h.client.transport(), Some(TransportKind::Polling));
    h.client.handle_transport_open(h.now, ws);
    h.pump();
    let probe_frames: Vec<Transmit> = h
        .wire
        .iter()
        .filter(|t| matches!(t, Transmit::WebSocketText { .. }))
        .cloned()
        .collect();
    assert_eq!(
        probe_frames,
        vec![Transmit::WebSocketText {
            transport: ws,
            data: "2probe".into()
        }]
    );
    h.wire
        .retain(|t| !matches!(t, Transmit::WebSocketText { .. }));
    // The GET issued after the CONNECT is still pending on polling.
    h.client.handle_text(h.now, ws, "3probe");
    h.pump();
    assert!(
        !h.wire
            .iter()
            .any(|t| matches!(t, Transmit::WebSocketText { data, .. } if data == "5")),
        "no upgrade while a poll is pending"
    );
    // Emits made now wait for the switch.
    h.client
        .emit(h.now, "hello", "[1]", vec![], AckRequest::None)
        .unwrap();
    h.pump();
    assert!(!h
        .wire
        .iter()
        .any(|t| matches!(t, Transmit::PollPost { .. })));
    // The server ends the pending poll with a noop.
    h.reply_get(poll, "6");
    let wire = h.take_wire();
    assert_eq!(
        wire,
        vec![
            Transmit::Close { transport: poll },
            Transmit::WebSocketText {
                transport: ws,
                data: "5".into()
            },
            Transmit::WebSocketText {
                transport: ws,
                data: r#"42/site,["hello",1]"#.into()
            },
        ]
    );
    assert_eq!(h.take_events(), vec![Event::Upgrade]);
    assert_eq!(h.client.transport(), Some(TransportKind::WebSocket));
    // From now on, one packet per frame on the WebSocket; no more GETs.
    h.client
        .handle_text(h.now, ws, r#"42/site,["doc_update",{"name":"x"}]"#);
    h.client.handle_text(h.now, ws, "2");
    assert_eq!(h.sent(), vec!["3"]);
    assert!(h.pending_get().is_none());
    assert!(matches!(&h.take_events()[0], Event::Message { name, .. } if name == "doc_update"));
}

#[test]
fn failed_probe_keeps_the_session_on_polling() {
    let mut h = Harness::new(upgrade_config());
    let (poll, ws) = connected_with_probe(&mut h);
    h.client.handle_transport_closed(h.now, ws, true);
    assert_eq!(h.take_events(), vec![Event::UpgradeError]);
    assert!(h.client.connected());
    assert_eq!(h.client.transport(), Some(TransportKind::Polling));
    h.client
        .emit(h.now, "still", "[]", vec![], AckRequest::None)
        .unwrap();
    assert_eq!(h.sent(), vec![r#"42/site,["still"]"#]);
    h.reply_get(poll, r#"42/site,["fine"]"#);
    assert!(h.pending_get().is_some(), "polling goes on");
}

#[test]
fn probe_failing_after_3probe_resumes_polling() {
    let mut h = Harness::new(upgrade_config());
    let (poll, ws) = connected_with_probe(&mut h);
    h.client.handle_transport_open(h.now, ws);
    h.client.handle_text(h.now, ws, "3probe");
    // Polling is pausing (waiting for its GET) when the WebSocket dies.
    h.client.handle_transport_closed(h.now, ws, true);
    assert_eq!(h.take_events(), vec![Event::UpgradeError]);
    h.reply_get(poll, "6");
    assert!(
        h.pending_get().is_some(),
        "a new poll after the failed switch"
    );
    assert!(h.client.connected());
    assert_eq!(h.client.transport(), Some(TransportKind::Polling));
    assert!(!h
        .take_wire()
        .iter()
        .any(|t| matches!(t, Transmit::WebSocketText { data, .. } if data == "5")));
}

#[test]
fn no_probe_when_upgrade_is_disabled_or_not_offered() {
    let mut c = upgrade_config();
    c.upgrade = false;
    let mut h = Harness::new(c);
    h.open_polling(HANDSHAKE_UPGRADE);
    assert!(!h
        .take_wire()
        .iter()
        .any(|t| matches!(t, Transmit::WebSocketOpen { .. })));
    let mut h = Harness::new(upgrade_config());
    h.open_polling(HANDSHAKE);
    assert!(!h
        .take_wire()
        .iter()
        .any(|t| matches!(t, Transmit::WebSocketOpen { .. })));
}

#[test]
fn websocket_only_connects_directly_and_never_polls() {
    let mut c = config();
    c.transports = vec![TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connect();
    assert_eq!(
        h.take_wire(),
        vec![Transmit::WebSocketOpen {
            transport: 1,
            url: "/socket.io/?EIO=4&transport=websocket".into(),
            check: false,
        }]
    );
    h.client.handle_transport_open(h.now, 1);
    h.client.handle_text(h.now, 1, HANDSHAKE_UPGRADE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.client.handle_text(h.now, 1, r#"40/site,{"sid":"w"}"#);
    assert!(h.client.connected());
    assert_eq!(h.client.transport(), Some(TransportKind::WebSocket));
    // When the WebSocket cannot open, there is no polling fallback.
    let mut c = config();
    c.transports = vec![TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connect();
    h.take_wire();
    h.client.handle_transport_closed(h.now, 1, true);
    let events = h.take_events();
    assert_eq!(
        events[0],
        Event::ConnectError {
            kind: ConnectErrorKind::Transport,
            message: "websocket error".into(),
            data: String::new()
        }
    );
    assert!(!h
        .take_wire()
        .iter()
        .any(|t| matches!(t, Transmit::PollGet { .. })));
}

#[test]
fn blocked_websocket_falls_back_to_polling_in_the_same_attempt() {
    // The default transports: WebSocket first (no session to lose between nodes
    // behind a load balancer), polling when it cannot open.
    let mut h = Harness::new(ClientConfig::new(NS));
    h.connect();
    let wire = h.take_wire();
    assert_eq!(
        wire,
        vec![Transmit::WebSocketOpen {
            transport: 1,
            url: "/socket.io/?EIO=4&transport=websocket".into(),
            check: false,
        }],
        "the first attempt opens a WebSocket"
    );
    h.client.handle_transport_closed(h.now, 1, true);
    assert!(h.take_events().is_empty(), "not a failed attempt yet");
    let poll = h.pending_get().expect("polling fallback");
    // The fallback runs under the attempt's own deadline.
    assert_eq!(
        h.client.poll_timeout(),
        Some(frappe_realtime::protocol::time::Instant(20_000))
    );
    h.reply_get(poll, HANDSHAKE_UPGRADE);
    // The server offers the upgrade, so the polling session probes again
    // (a WebSocket blocked for good just fails that probe).
    h.sent();
    h.reply_get(poll, r#"40/site,{"sid":"p"}"#);
    assert!(h.client.connected());
    assert_eq!(h.client.transport(), Some(TransportKind::Polling));
}

#[test]
fn polling_posts_are_batched_within_max_payload() {
    let mut h = Harness::new(config());
    let poll = h.open_polling(
        r#"0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":40}"#,
    );
    h.sent();
    h.reply_get(poll, r#"40/site,{"sid":"s"}"#);
    // A POST is in flight: further packets queue.
    h.client
        .emit(h.now, "a", "[1]", vec![], AckRequest::None)
        .unwrap();
    for name in ["b", "c", "d"] {
        h.client
            .emit(h.now, name, "[1]", vec![], AckRequest::None)
            .unwrap();
    }
    let posts = h.take_post_bodies();
    assert_eq!(posts, vec![r#"42/site,["a",1]"#]);
    h.client.handle_sent(h.now, poll);
    let posts = h.take_post_bodies();
    // Each packet is 17 bytes; two plus a separator (35) fit in 40, three do not.
    assert_eq!(
        posts,
        vec!["42/site,[\"b\",1]\x1e42/site,[\"c\",1]".to_string()]
    );
    h.client.handle_sent(h.now, poll);
    assert_eq!(h.sent(), vec![r#"42/site,["d",1]"#]);
}

#[test]
fn binary_event_is_reassembled_from_its_attachments_on_websocket() {
    let mut c = config();
    c.transports = vec![TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connected_websocket("w");
    h.client.handle_text(
        h.now,
        1,
        r#"452-/site,["file",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    );
    h.client.handle_binary(h.now, 1, &[1, 2, 3]);
    assert!(
        h.take_events().is_empty(),
        "waits for the second attachment"
    );
    h.client.handle_binary(h.now, 1, &[4]);
    assert_eq!(
        h.take_events(),
        vec![Event::Message {
            name: "file".into(),
            data: r#"["file",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#.into(),
            ack: None,
            attachments: vec![vec![1, 2, 3], vec![4]],
        }]
    );
    // A stray binary frame is an error, not a crash.
    h.client.handle_binary(h.now, 1, &[9]);
    assert!(matches!(h.take_events()[0], Event::Error { .. }));
    // Emitting binary: a BINARY_EVENT header then one binary frame per attachment.
    h.client
        .emit(
            h.now,
            "upload",
            r#"[{"_placeholder":true,"num":0}]"#,
            vec![vec![0xde, 0xad]],
            AckRequest::None,
        )
        .unwrap();
    let wire = h.take_wire();
    assert_eq!(
        wire,
        vec![
            Transmit::WebSocketText {
                transport: 1,
                data: r#"451-/site,["upload",{"_placeholder":true,"num":0}]"#.into()
            },
            Transmit::WebSocketBinary {
                transport: 1,
                data: vec![0xde, 0xad]
            }
        ]
    );
}

#[test]
fn binary_over_polling_uses_base64_messages() {
    let mut h = Harness::new(config());
    let poll = h.connected("s");
    h.reply_get(
        poll,
        "451-/site,[\"blob\",{\"_placeholder\":true,\"num\":0}]\x1ebAQIDBA==",
    );
    assert!(matches!(
        &h.take_events()[0],
        Event::Message { name, attachments, .. } if name == "blob" && attachments == &vec![vec![1, 2, 3, 4]]
    ));
    h.client
        .emit(
            h.now,
            "up",
            r#"[{"_placeholder":true,"num":0}]"#,
            vec![vec![1, 2, 3, 4]],
            AckRequest::None,
        )
        .unwrap();
    assert_eq!(
        h.sent(),
        vec![
            r#"451-/site,["up",{"_placeholder":true,"num":0}]"#,
            "bAQIDBA=="
        ]
    );
}
