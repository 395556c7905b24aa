//! Checks before a WebSocket (src/protocol/client/session.rs, "Checks"), on
//! virtual time with exact wire strings: an attempt that follows one which
//! found nothing has its WebSocket checked over HTTP first, so that browsers,
//! which slow down WebSockets that keep failing, get none that fails.

mod support;

use frappe_realtime::protocol::client::{
    ConnectErrorKind, Event, Transmit, TransportId, CHECK_WAIT,
};
use frappe_realtime::protocol::config::{ClientConfig, TransportKind};
use frappe_realtime::protocol::time::Instant;
use support::*;

const WS_URL: &str = "/socket.io/?EIO=4&transport=websocket";

/// WebSocket first with polling as its fallback (the default), probes on, no jitter.
fn websocket_first() -> ClientConfig {
    let mut c = config();
    c.transports = vec![TransportKind::WebSocket, TransportKind::Polling];
    c.probe = true;
    c.randomization_factor = 0.0;
    c
}

/// Connected over WebSocket 1 for 10 s, then the connection is lost.
fn connected_then_lost(h: &mut Harness) {
    h.connected_websocket("s1");
    h.advance(10_000);
    h.client.handle_transport_closed(h.now, 1, true);
    h.take_wire();
    h.events.clear();
}

fn websocket(transport: TransportId, check: bool) -> Transmit {
    Transmit::WebSocketOpen {
        transport,
        url: WS_URL.into(),
        check,
    }
}

/// Moves to the next attempt, at which nothing answers: a check finds nothing
/// (the driver reports the transport closed without error) and the attempt
/// ends there; an unchecked WebSocket fails, and so does the polling it falls
/// back to. Returns the attempt's WebSocket.
fn attempt_finds_nothing(h: &mut Harness) -> Transmit {
    h.advance_to_deadline();
    let wire = h.take_wire();
    let [.., ws @ Transmit::WebSocketOpen {
        transport, check, ..
    }] = wire.as_slice()
    else {
        panic!("{wire:?}");
    };
    let ws = ws.clone();
    if *check {
        h.client.handle_transport_closed(h.now, *transport, false);
        let wire = h.take_wire();
        assert_eq!(
            wire,
            vec![Transmit::Close {
                transport: *transport
            }],
            "no polling after a check that found nothing"
        );
    } else {
        h.client.handle_transport_closed(h.now, *transport, true);
        let polling = h.pending_get().expect("the fallback's GET");
        assert_eq!(polling, transport + 1);
        h.fail_transport(polling);
        h.take_wire();
    }
    ws
}

#[test]
fn after_an_attempt_that_found_nothing_each_websocket_is_checked_first() {
    let mut h = Harness::new(websocket_first());
    connected_then_lost(&mut h);
    // The quick retry after a healthy connection: a WebSocket, as always.
    assert_eq!(attempt_finds_nothing(&mut h), websocket(2, false));
    // Every attempt from now on has its WebSocket checked, and ends with its
    // check (one transport each).
    for id in [4, 5, 6, 7] {
        assert_eq!(attempt_finds_nothing(&mut h), websocket(id, true));
    }
    // The server is back: the check found it, the WebSocket opened, the
    // namespace connects.
    h.advance_to_deadline();
    assert_eq!(h.take_wire(), vec![websocket(8, true)]);
    h.client.handle_check_found(h.now, 8);
    h.client.handle_transport_open(h.now, 8);
    h.client.handle_text(h.now, 8, HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.client.handle_text(h.now, 8, r#"40/site,{"sid":"s2"}"#);
    assert!(h.client.connected());
    assert!(has(&h.take_events(), |e| matches!(
        e,
        Event::Reconnect { .. }
    )));
    // Lost again after a healthy while: a WebSocket without a check.
    h.advance(10_000);
    h.client.handle_transport_closed(h.now, 8, true);
    h.take_wire();
    h.advance_to_deadline();
    assert_eq!(h.take_wire(), vec![websocket(9, false)]);
}

#[test]
fn checked_attempts_that_find_nothing_stay_silent_probes() {
    let mut h = Harness::new(websocket_first());
    connected_then_lost(&mut h);
    attempt_finds_nothing(&mut h);
    h.events.clear();
    // Probes every 250 ms, the counted attempt 1 s after the quick retry: of
    // four checked attempts, one is reported.
    for _ in 0..4 {
        let Transmit::WebSocketOpen { check, .. } = attempt_finds_nothing(&mut h) else {
            unreachable!()
        };
        assert!(check);
    }
    let errors = h
        .take_events()
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                Event::ConnectError {
                    kind: ConnectErrorKind::Transport,
                    ..
                }
            )
        })
        .count();
    assert_eq!(errors, 1);
    assert_eq!(h.reconnect_attempts(), Vec::<u32>::new(), "taken above");
}

#[test]
fn once_something_answered_the_next_websocket_is_not_checked() {
    let mut h = Harness::new(websocket_first());
    connected_then_lost(&mut h);
    attempt_finds_nothing(&mut h);
    // A checked WebSocket fails (a proxy that refuses upgrades: the check found
    // the server, the WebSocket did not), and polling reaches the server, which
    // refuses the namespace for now.
    h.advance_to_deadline();
    assert_eq!(h.take_wire(), vec![websocket(4, true)]);
    h.client.handle_transport_closed(h.now, 4, true);
    let polling = h.pending_get().expect("the fallback's GET");
    h.take_wire();
    h.client.handle_text(
        h.now,
        polling,
        &format!("{HANDSHAKE}\x1e44/site,{{\"message\":\"Unauthorized: 502\"}}"),
    );
    assert!(has(&h.take_events(), |e| matches!(
        e,
        Event::ConnectError {
            kind: ConnectErrorKind::Server,
            ..
        }
    )));
    h.take_wire();
    h.advance_to_deadline();
    assert_eq!(h.take_wire(), vec![websocket(6, false)]);
}

#[test]
fn a_websocket_after_polling_that_found_nothing_is_checked() {
    let mut c = websocket_first();
    c.transports = vec![TransportKind::Polling, TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connect();
    // Each attempt: polling (an HTTP request already), then its fallback
    // WebSocket, checked since polling found nothing.
    for _ in 0..6 {
        let wire = h.take_wire();
        let [.., Transmit::PollGet { transport, .. }] = wire.as_slice() else {
            panic!("{wire:?}");
        };
        h.client.handle_transport_closed(h.now, *transport, true);
        let wire = h.take_wire();
        let [.., Transmit::WebSocketOpen {
            transport, check, ..
        }] = wire.as_slice()
        else {
            panic!("{wire:?}");
        };
        assert!(*check);
        h.client.handle_transport_closed(h.now, *transport, true);
        h.advance_to_deadline();
    }
}

/// Moves to the first checked attempt after a lost connection (WebSocket 4,
/// started at the returned time).
fn first_checked_attempt(h: &mut Harness) -> Instant {
    connected_then_lost(h);
    attempt_finds_nothing(h);
    let started = h.advance_to_deadline();
    assert_eq!(h.take_wire(), vec![websocket(4, true)]);
    h.events.clear();
    started
}

#[test]
fn a_check_left_unanswered_for_check_wait_gives_way_to_its_websocket() {
    let mut h = Harness::new(websocket_first());
    let started = first_checked_attempt(&mut h);
    // Something holds the check (a starting server, a proxy waiting for one):
    // after CHECK_WAIT it is aborted and the WebSocket opens without one, in
    // the same attempt.
    assert_eq!(h.advance_to_deadline(), started + CHECK_WAIT);
    assert_eq!(
        h.take_wire(),
        vec![Transmit::Close { transport: 4 }, websocket(5, false)]
    );
    assert!(h.take_events().is_empty(), "no connect_error: one attempt");
    // The aborted check's late news is stale.
    h.client.handle_transport_closed(h.now, 4, false);
    assert!(h.take_wire().is_empty());
    // The server answers the WebSocket: connected, on the attempt's WebSocket.
    h.client.handle_transport_open(h.now, 5);
    h.client.handle_text(h.now, 5, HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.client.handle_text(h.now, 5, r#"40/site,{"sid":"s2"}"#);
    assert!(h.client.connected());
}

#[test]
fn a_websocket_whose_check_found_its_server_has_the_attempts_timeout() {
    let mut h = Harness::new(websocket_first());
    let started = first_checked_attempt(&mut h);
    h.advance(CHECK_WAIT.0 / 2);
    h.client.handle_check_found(h.now, 4);
    // The node takes its herd in slowly: the WebSocket opens seconds later,
    // past the check's wait, still within the attempt's timeout.
    let timeout = started + websocket_first().timeout;
    assert_eq!(h.client.poll_timeout(), Some(timeout), "only the attempt's");
    h.advance(5 * CHECK_WAIT.0);
    assert!(h.take_wire().is_empty());
    h.client.handle_transport_open(h.now, 4);
    h.client.handle_text(h.now, 4, HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
}

#[test]
fn an_attempt_held_until_its_timeout_is_followed_by_an_unchecked_websocket() {
    let mut h = Harness::new(websocket_first());
    first_checked_attempt(&mut h);
    h.advance_to_deadline();
    assert_eq!(
        h.take_wire(),
        vec![Transmit::Close { transport: 4 }, websocket(5, false)]
    );
    // The WebSocket is held too, until the attempt's timeout.
    h.advance_to_deadline();
    assert_eq!(h.take_wire(), vec![Transmit::Close { transport: 5 }]);
    assert!(has(&h.take_events(), |e| matches!(
        e,
        Event::ConnectError {
            kind: ConnectErrorKind::Timeout,
            ..
        }
    )));
    // Something was there: the next attempt's WebSocket goes without a check.
    h.advance_to_deadline();
    assert_eq!(h.take_wire(), vec![websocket(6, false)]);
}
