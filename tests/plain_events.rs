//! The contract of `Client::plain_event_transport`, on which the browser
//! driver's hot path rests: while it names a transport and no deadline is due,
//! a plain EVENT frame (`42<namespace>,[…]`) on that transport does nothing but
//! push one `Event::Message` (data = the frame after the prefix) or one
//! `Event::Error` (or `Event::Refused`, a reserved name): nothing sent, no deadline moved, no state changed. Outside
//! those states it is `None`.

mod support;

use frappe_realtime::protocol::client::{Client, DisconnectReason, Event, State};
use frappe_realtime::protocol::config::{ClientConfig, TransportKind};
use frappe_realtime::protocol::time::{Duration, Instant};
use support::*;

/// Frames that start with the plain prefix and `[`: valid events, and payloads
/// the core refuses (the driver hands those to the core, which reports them).
const FRAMES: &[&str] = &[
    r#"42/site,["doc_update",{"doctype":"ToDo","name":"TD-0001","modified_by":"josé@example.com"}]"#,
    r#"42/site,["list_update",{"doctype":"ToDo","name":"TD-0002"},"extra",1,2.5e3,null,true]"#,
    r#"42/site,["emoji 🎉",{"text":"naïve café \u00e9\ud83c\udf89"}]"#,
    r#"42/site,["no_args"]"#,
    r#"42/site,[ "spaced" , { "a" : [ 1 , 2 ] } ]"#,
    r#"42/site,[]"#,
    r#"42/site,[1,"not a name"]"#,
    r#"42/site,["unterminated""#,
    r#"42/site,["trailing"],"#,
    r#"42/site,["bad escape \q"]"#,
];

/// Connected over a WebSocket only: `(harness, ws id)`.
fn websocket_only(namespace_frame: &str) -> (Harness, u32) {
    websocket_only_with(config(), namespace_frame)
}

/// [`websocket_only`] with the config `c` (its transports set to WebSocket only).
fn websocket_only_with(mut c: ClientConfig, namespace_frame: &str) -> (Harness, u32) {
    c.transports = vec![TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connect();
    h.take_wire();
    h.client.handle_transport_open(h.now, 1);
    h.client.handle_text(h.now, 1, HANDSHAKE);
    h.client.handle_text(h.now, 1, namespace_frame);
    h.take_wire();
    h.take_events();
    (h, 1)
}

/// Checks the contract for every frame in `FRAMES`, on a fresh copy of the state
/// built by `setup`.
fn check_contract(setup: impl Fn() -> (Harness, u32), prefix: &str) {
    for frame in FRAMES {
        let frame = frame.replacen("42/site,", prefix, 1);
        let (mut h, ws) = setup();
        h.advance(10_000);
        h.take_wire();
        h.take_events();
        assert_eq!(h.client.plain_event_transport(), Some(ws), "{frame}");
        let deadline = h.client.poll_timeout().expect("the ping deadline");
        assert!(h.now < deadline);
        let state = h.client.state();
        let buffered = h.client.buffered();
        h.client.handle_text(h.now, ws, &frame);
        let events = h.take_events();
        assert_eq!(h.take_wire(), vec![], "nothing sent for {frame}");
        assert_eq!(events.len(), 1, "{frame}: {events:?}");
        match &events[0] {
            Event::Message {
                name,
                data,
                ack,
                attachments,
            } => {
                assert_eq!(data, &frame[prefix.len()..], "{frame}");
                // The name is the payload's first element, as sent (no escapes in FRAMES).
                let first = data.strip_prefix('[').expect("an array").trim_start();
                assert!(
                    first.starts_with(&format!("\"{name}\"")),
                    "{frame}: {name:?}"
                );
                assert_eq!(*ack, None);
                assert!(attachments.is_empty());
            }
            Event::Error { .. } | Event::Refused { .. } => {}
            other => panic!("{frame}: unexpected {other:?}"),
        }
        assert_eq!(h.client.poll_timeout(), Some(deadline), "{frame}");
        assert_eq!(h.client.state(), state, "{frame}");
        assert_eq!(h.client.buffered(), buffered, "{frame}");
        assert_eq!(h.client.plain_event_transport(), Some(ws), "{frame}");
    }
}

#[test]
fn websocket_session_delivers_plain_events_and_nothing_else() {
    check_contract(|| websocket_only(r#"40/site,{"sid":"w"}"#), "42/site,");
}

#[test]
fn the_main_namespace_has_the_bare_prefix() {
    let setup = || {
        let mut c = config();
        c.namespace = "/".into();
        websocket_only_with(c, r#"40{"sid":"w"}"#)
    };
    check_contract(setup, "42");
}

#[test]
fn after_an_upgrade_the_websocket_is_named() {
    let setup = || {
        let mut c = config();
        c.transports = vec![TransportKind::Polling, TransportKind::WebSocket];
        let mut h = Harness::new(c);
        let poll = h.open_polling(HANDSHAKE_UPGRADE);
        let ws = 2;
        h.wire.retain(|t| transport_of(t) != ws);
        assert_eq!(h.sent(), vec!["40/site,"]);
        h.reply_get(poll, r#"40/site,{"sid":"s"}"#);
        assert_eq!(h.client.plain_event_transport(), None, "still on polling");
        h.client.handle_transport_open(h.now, ws);
        h.client.handle_text(h.now, ws, "3probe");
        assert_eq!(h.client.plain_event_transport(), None, "probe under way");
        h.reply_get(poll, "6");
        h.take_wire();
        h.take_events();
        assert_eq!(h.client.transport(), Some(TransportKind::WebSocket));
        (h, ws)
    };
    check_contract(setup, "42/site,");
}

#[test]
fn none_outside_a_plain_websocket_session() {
    // Not connected.
    let c = Client::new(config()).unwrap();
    assert_eq!(c.plain_event_transport(), None);
    // Polling.
    let mut h = Harness::new(config());
    h.connected("p");
    assert_eq!(h.client.state(), State::Connected);
    assert_eq!(h.client.plain_event_transport(), None);
    // Connection state recovery: every event carries an offset the core tracks.
    let (h, _) = websocket_only(r#"40/site,{"sid":"w","pid":"p1"}"#);
    assert_eq!(h.client.state(), State::Connected);
    assert_eq!(h.client.plain_event_transport(), None);
    // A binary event waiting for its attachments.
    let (mut h, ws) = websocket_only(r#"40/site,{"sid":"w"}"#);
    assert_eq!(h.client.plain_event_transport(), Some(ws));
    h.client.handle_text(
        h.now,
        ws,
        r#"451-/site,["file",{"_placeholder":true,"num":0}]"#,
    );
    assert_eq!(h.client.plain_event_transport(), None);
    h.client.handle_binary(h.now, ws, &[1]);
    assert_eq!(h.client.plain_event_transport(), Some(ws));
    // After the connection ends.
    h.client.handle_transport_closed(h.now, ws, false);
    assert_eq!(h.client.plain_event_transport(), None);
}

#[test]
fn a_due_deadline_is_why_the_driver_checks_the_time() {
    // Past the ping deadline the same frame ends the connection instead: the
    // driver takes the fast path only while `now < poll_timeout()`.
    let (mut h, ws) = websocket_only(r#"40/site,{"sid":"w"}"#);
    let deadline = h.client.poll_timeout().unwrap();
    // The heartbeat's: the handshake (at 0) + pingInterval + pingTimeout.
    assert_eq!(deadline, Instant(25_000 + 20_000));
    h.now = deadline + Duration(1);
    h.client
        .handle_text(h.now, ws, r#"42/site,["doc_update",{}]"#);
    let events = h.take_events();
    assert_eq!(
        events.first(),
        Some(&Event::Disconnect {
            reason: DisconnectReason::PingTimeout
        }),
        "{events:?}"
    );
    assert!(!has(&events, |e| matches!(e, Event::Message { .. })));
    // Found dead by the frame, 1 ms late: the retry counts from the frame.
    assert!(
        has(&events, |e| matches!(e,
            Event::ReconnectScheduled { at, delay, .. } if *at == h.now + *delay)),
        "{events:?}"
    );
}
