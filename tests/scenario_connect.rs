//! Scenarios: handshake, namespace connect, heartbeat, connect timeout,
//! CONNECT_ERROR. Virtual time, exact wire strings.

mod support;

use frappe_realtime::protocol::client::{
    ConnectErrorKind, DisconnectReason, Event, State, Transmit,
};
use frappe_realtime::protocol::client::{
    CONNECT_WAIT, HEALTHY, REFUSED_DELAY_MAX, REFUSED_WAIT_MAX,
};
use frappe_realtime::protocol::time::{Duration, Instant};
use support::*;

#[test]
fn the_query_goes_on_every_request_after_the_engine_parameters() {
    let mut c = config();
    c.query = "token=a%20b&x=1".into();
    let mut h = Harness::new(c);
    h.connect();
    assert_eq!(
        h.take_wire(),
        vec![Transmit::PollGet {
            transport: 1,
            url: "/socket.io/?EIO=4&transport=polling&token=a%20b&x=1&t=1".into()
        }]
    );
    h.client.handle_text(h.now, 1, HANDSHAKE);
    let urls: Vec<String> = h
        .take_wire()
        .into_iter()
        .filter_map(|t| match t {
            Transmit::PollGet { url, .. } | Transmit::PollPost { url, .. } => Some(url),
            _ => None,
        })
        .collect();
    assert_eq!(
        urls,
        [
            "/socket.io/?EIO=4&transport=polling&sid=eio1&token=a%20b&x=1&t=2",
            "/socket.io/?EIO=4&transport=polling&sid=eio1&token=a%20b&x=1&t=3"
        ]
    );
}

#[test]
fn handshake_then_namespace_connect_with_exact_urls_and_packets() {
    let mut h = Harness::new(config());
    h.connect();
    assert_eq!(
        h.take_wire(),
        vec![Transmit::PollGet {
            transport: 1,
            url: "/socket.io/?EIO=4&transport=polling&t=1".into()
        }]
    );
    h.client.handle_text(h.now, 1, HANDSHAKE);
    let wire = h.take_wire();
    assert_eq!(
        wire,
        vec![
            Transmit::PollGet {
                transport: 1,
                url: "/socket.io/?EIO=4&transport=polling&sid=eio1&t=2".into()
            },
            Transmit::PollPost {
                transport: 1,
                url: "/socket.io/?EIO=4&transport=polling&sid=eio1&t=3".into(),
                body: "40/site,".into()
            },
        ]
    );
    assert_eq!(h.client.state(), State::Connecting);
    h.client.handle_sent(h.now, 1);
    h.client.handle_text(h.now, 1, r#"40/site,{"sid":"sock1"}"#);
    assert_eq!(
        h.take_events(),
        vec![Event::Connect {
            sid: "sock1".into(),
            recovered: false
        }]
    );
    assert!(h.client.connected());
    assert_eq!(h.client.id(), Some("sock1"));
}

#[test]
fn auth_payload_is_sent_with_connect() {
    let mut c = config();
    c.auth = Some(r#"{"token":"123"}"#.into());
    let mut h = Harness::new(c);
    h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec![r#"40/site,{"token":"123"}"#]);
}

#[test]
fn auth_that_is_not_an_object_is_refused() {
    let mut c = config();
    c.auth = Some("[1]".into());
    assert!(frappe_realtime::protocol::client::Client::new(c).is_err());
}

#[test]
fn an_empty_transport_list_is_refused() {
    let mut c = config();
    c.transports.clear();
    assert_eq!(
        frappe_realtime::protocol::client::Client::new(c).err(),
        Some(frappe_realtime::protocol::error::UsageError::NoTransports)
    );
}

#[test]
fn disconnect_before_the_handshake_writes_nothing_on_the_transport() {
    let mut c = config();
    c.transports = vec![frappe_realtime::protocol::config::TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connect();
    h.take_wire();
    h.client.disconnect(h.now);
    assert_eq!(h.take_wire(), vec![Transmit::Close { transport: 1 }]);
    assert!(h.take_events().is_empty());
}

#[test]
fn ping_is_answered_with_a_pong_without_its_data() {
    // As engine.io-client: the server's ping carries nothing in Engine.IO v4 (only the
    // client's upgrade probe does), and echoing what a server put there would copy it.
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.advance(25_000);
    h.reply_get(id, "2");
    assert_eq!(h.sent(), vec!["3"]);
    h.reply_get(id, "2probe");
    assert_eq!(h.sent(), vec!["3"]);
}

#[test]
fn ping_timeout_closes_the_session_at_interval_plus_timeout() {
    let mut h = Harness::new(config());
    h.connected("s");
    assert_eq!(h.client.poll_timeout(), Some(Instant(45_000)));
    h.advance(44_999);
    assert!(h.client.connected());
    h.advance(1);
    let events = h.take_events();
    assert_eq!(
        events[0],
        Event::Disconnect {
            reason: DisconnectReason::PingTimeout
        }
    );
    assert!(matches!(
        events[1],
        Event::ReconnectScheduled { attempt: 1, .. }
    ));
    assert!(h.wire.contains(&Transmit::Close { transport: 1 }));
}

#[test]
fn each_ping_pushes_the_deadline() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.advance(25_000);
    h.reply_get(id, "2");
    assert_eq!(h.client.poll_timeout(), Some(Instant(70_000)));
    h.advance(44_999);
    assert!(h.client.connected());
}

#[test]
fn ping_deadline_is_checked_on_every_input_not_only_the_timer() {
    // A background tab's timer may fire minutes late: the first input after
    // the deadline (here an emit) must find the connection dead.
    let mut h = Harness::new(config());
    h.connected("s");
    h.now = Instant(50_000);
    h.client
        .emit(
            h.now,
            "ping",
            "[]",
            vec![],
            frappe_realtime::protocol::client::AckRequest::None,
        )
        .unwrap();
    let events = h.take_events();
    assert_eq!(
        events[0],
        Event::Disconnect {
            reason: DisconnectReason::PingTimeout
        }
    );
    // The emit was buffered, not written to the dead transport.
    assert_eq!(h.client.buffered(), 1);
    assert!(!h
        .take_wire()
        .iter()
        .any(|t| matches!(t, Transmit::PollPost { body, .. } if body.contains("ping"))));
}

/// Asserts that `events` are an attempt that timed out (`message`) and the retry
/// scheduled after it.
fn assert_timed_out(events: &[Event], message: &str) {
    assert_eq!(
        events[0],
        Event::ConnectError {
            kind: ConnectErrorKind::Timeout,
            message: message.into(),
            data: String::new()
        }
    );
    assert!(matches!(events[1], Event::ReconnectScheduled { .. }));
}

#[test]
fn connect_timeout_fails_the_attempt_after_20_seconds_and_retries() {
    let mut h = Harness::new(config());
    h.connect();
    assert_eq!(h.client.poll_timeout(), Some(Instant(20_000)));
    h.advance(19_999);
    assert!(h.take_events().is_empty());
    h.advance(1);
    let events = h.take_events();
    assert_timed_out(&events, "timeout");
    assert!(matches!(
        events[1],
        Event::ReconnectScheduled { attempt: 1, .. }
    ));
    assert!(h.wire.contains(&Transmit::Close { transport: 1 }));
}

#[test]
fn a_connect_is_awaited_past_the_timeout_while_the_session_lives() {
    // `timeout` bounds the transport and the handshake; the CONNECT's answer (Frappe's
    // waits for its web server's get_user_info, which queues under a herd) waits
    // CONNECT_WAIT from the CONNECT, the server's pings keeping the session alive.
    let mut h = Harness::new(config());
    let id = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    let sent_at = h.now.0;
    assert_eq!(h.client.poll_timeout(), Some(Instant(sent_at + 45_000)));
    for _ in 0..4 {
        h.advance(25_000);
        h.reply_get(id, "2");
        assert_eq!(h.sent(), vec!["3"]);
        assert!(h.take_events().is_empty(), "still connecting");
    }
    assert_eq!(h.client.state(), State::Connecting);
    assert_eq!(h.now.0, sent_at + 100_000);
    assert_eq!(
        h.client.poll_timeout(),
        Some(Instant(sent_at + CONNECT_WAIT.0))
    );
    h.advance(CONNECT_WAIT.0 - 100_000);
    assert_timed_out(&h.take_events(), "timeout");
}

#[test]
fn a_connect_that_is_answered_late_connects() {
    let mut h = Harness::new(config());
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.advance(20_000);
    h.reply_get(id, "2");
    h.advance(10_000);
    h.reply_get(id, r#"40/site,{"sid":"s1"}"#);
    assert!(matches!(
        h.take_events().as_slice(),
        [Event::Connect { .. }]
    ));
    assert_eq!(h.client.state(), State::Connected);
}

#[test]
fn a_connect_on_a_silent_session_fails_at_the_heartbeat_deadline() {
    // A node that died after the handshake sends no ping: pingInterval + pingTimeout.
    let mut h = Harness::new(config());
    h.open_polling(HANDSHAKE);
    h.sent();
    let sent_at = h.now.0;
    h.advance(44_999);
    assert!(h.take_events().is_empty());
    h.advance(1);
    assert_timed_out(&h.take_events(), "ping timeout");
    assert_eq!(h.now.0, sent_at + 45_000);
}

#[test]
fn a_timeout_longer_than_the_connect_wait_still_bounds_the_attempt() {
    let mut c = config();
    c.timeout = Duration(200_000);
    let mut h = Harness::new(c);
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    for _ in 0..7 {
        h.advance(25_000);
        h.reply_get(id, "2");
        h.sent();
    }
    assert!(h.take_events().is_empty(), "175 s: still connecting");
    assert_eq!(h.client.poll_timeout(), Some(Instant(200_000)));
}

#[test]
fn connect_error_carries_the_server_message_and_is_terminal() {
    let mut h = Harness::new(config());
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"44/site,{"message":"Invalid origin"}"#);
    let events = h.take_events();
    assert_eq!(
        events,
        vec![Event::ConnectError {
            kind: ConnectErrorKind::Server,
            message: "Invalid origin".into(),
            data: r#"{"message":"Invalid origin"}"#.into()
        }]
    );
    assert_eq!(h.client.state(), State::Failed);
    // The transport is closed (after telling the server) and nothing is retried.
    assert_eq!(h.sent(), vec!["1"]);
    assert!(h.wire.contains(&Transmit::Close { transport: id }));
    assert_eq!(h.client.poll_timeout(), None);
    h.wire.clear();
    h.advance(3_600_000);
    assert!(h.take_wire().is_empty());
    assert!(h.take_events().is_empty());
}

#[test]
fn connect_after_a_connect_error_starts_a_new_attempt() {
    let mut h = Harness::new(config());
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"44/site,{"message":"No cookie transmitted."}"#);
    h.take_wire();
    h.connect();
    assert!(h.pending_get().is_some());
    assert_eq!(h.client.state(), State::Connecting);
}

#[test]
fn late_connect_for_a_failed_namespace_is_ignored() {
    // Frappe's Node server answers `Invalid namespace` and may still accept the
    // namespace right after; both can arrive in one polling payload.
    let mut h = Harness::new(config());
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(
        id,
        "44/site,{\"message\":\"Invalid namespace\"}\x1e40/site,{\"sid\":\"late\"}",
    );
    let events = h.take_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        matches!(&events[0], Event::ConnectError { message, .. } if message == "Invalid namespace")
    );
    // Or in a later frame on the same (now closed) transport.
    h.client
        .handle_text(h.now, id, r#"40/site,{"sid":"later"}"#);
    assert!(h.take_events().is_empty());
    assert!(!h.client.connected());
}

#[test]
fn packets_for_other_namespaces_are_ignored() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.take_events();
    h.reply_get(id, r#"42/other,["doc_update",{}]"#);
    h.reply_get(id, r#"42["doc_update",{}]"#);
    assert!(h.take_events().is_empty());
}

#[test]
fn malformed_frames_are_reported_and_the_connection_goes_on() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.take_events();
    h.reply_get(id, "4{oops\x1e9\x1e42/site,[\"ok\",1]");
    let events = h.take_events();
    assert!(matches!(events[0], Event::Error { .. }));
    assert!(matches!(events[1], Event::Error { .. }));
    assert!(
        matches!(&events[2], Event::Message { name, data, .. } if name == "ok" && data == r#"["ok",1]"#)
    );
    assert!(h.client.connected());
}

#[test]
fn malformed_handshake_fails_the_attempt_and_retries() {
    let mut h = Harness::new(config());
    h.connect();
    let id = h.pending_get().unwrap();
    h.reply_get(id, r#"0{"sid":"x"}"#);
    let events = h.take_events();
    assert!(matches!(
        events[0],
        Event::ConnectError {
            kind: ConnectErrorKind::Handshake,
            ..
        }
    ));
    assert!(matches!(events[1], Event::ReconnectScheduled { .. }));
}

#[test]
fn a_ping_before_the_handshake_is_ignored() {
    let mut h = Harness::new(config());
    h.connect();
    let id = h.pending_get().unwrap();
    h.reply_get(id, "2");
    assert_eq!(h.client.poll_timeout(), Some(Instant(20_000)));
    h.reply_get(id, HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"], "no pong for the early ping");
}

/// Answers the pending attempt's CONNECT with a CONNECT_ERROR carrying `message`.
fn reject(h: &mut Harness, message: &str) {
    let id = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.reply_get(id, &format!(r#"44/site,{{"message":"{message}"}}"#));
}

#[test]
fn unauthorized_is_retried_without_end_with_a_long_capped_backoff() {
    // Frappe's server says `Unauthorized: <error>` when its get_user_info call
    // to the web server failed (web server down, restarting, a 502 under load):
    // the credentials were not judged. The client tries again anywhere in a
    // window of twice the backoff's delay, growing by half at each quick
    // refusal up to REFUSED_DELAY_MAX (without jitter, the middle of the
    // window, then half the cap), and never stops; these retries are not
    // counted against `reconnection_attempts`.
    let mut c = config();
    c.randomization_factor = 0.0;
    c.reconnection_attempts = Some(2);
    let mut h = Harness::new(c);
    let message = "Unauthorized: TypeError: fetch failed";
    let mut errors = 0;
    let mut delays = Vec::new();
    for attempt in 1..=10u32 {
        reject(&mut h, message);
        delays.extend(h.scheduled_delays());
        let events = h.take_events();
        errors += events
            .iter()
            .filter(|e| matches!(e, Event::ConnectError { kind: ConnectErrorKind::Server, message: m, .. } if m == message))
            .count();
        assert!(
            matches!(events.last(), Some(Event::ReconnectScheduled { attempt: a, .. }) if *a == attempt),
            "attempt {attempt}: {events:?}"
        );
        assert!(matches!(h.client.state(), State::Reconnecting { .. }));
        assert!(!events.contains(&Event::ReconnectFailed));
        h.wire.clear();
        h.advance_to_deadline();
    }
    assert_eq!(errors, 10);
    assert_eq!(
        delays,
        vec![1000, 1500, 2250, 3375, 5062, 7594, 11_391, 17_086, 25_630, 30_000]
    );
    assert_eq!(REFUSED_DELAY_MAX, Duration(60_000));
    // The page's `online` or a visible tab brings a long wait forward.
    reject(&mut h, message);
    assert_eq!(h.scheduled_delays(), vec![30_000]);
    h.wire.clear();
    h.client.reconnect_now(h.now);
    assert!(h.pending_get().is_some(), "the attempt starts at once");
}

#[test]
fn unauthorized_retries_start_over_after_a_healthy_connection() {
    let mut c = config();
    c.randomization_factor = 0.0;
    let mut h = Harness::new(c);
    reject(&mut h, "Unauthorized: SyntaxError: Unexpected token <");
    assert_eq!(h.scheduled_delays(), vec![1000]);
    h.events.clear();
    h.wire.clear();
    h.advance(999);
    assert!(h.pending_get().is_none(), "not before the backoff delay");
    h.advance(1);
    // The retry connects and stays up: the next loss starts over.
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s1"}"#);
    assert!(h.client.connected());
    h.advance(HEALTHY.0);
    h.fail_transport(id);
    assert_eq!(h.scheduled_delays(), vec![250], "the quick first retry");
    h.wire.clear();
    h.events.clear();
    h.advance_to_deadline();
    let mut delays = Vec::new();
    for _ in 0..3 {
        reject(&mut h, "Unauthorized: TypeError: fetch failed");
        assert!(matches!(h.client.state(), State::Reconnecting { .. }));
        delays.extend(h.scheduled_delays());
        h.wire.clear();
        h.events.clear();
        h.advance_to_deadline();
    }
    // The windows start over too.
    assert_eq!(delays, vec![1000, 1500, 2250]);
}

#[test]
fn refusals_spread_over_their_whole_window() {
    // Full jitter: a herd turned away in one instant comes back spread over
    // [1, window] ms (2 s, then 3 s, 4.5 s, …), not bunched around the delay.
    for (refusal, window) in [2000u64, 3000, 4500].into_iter().enumerate() {
        let mut delays = Vec::new();
        for seed in 1..=400u64 {
            let mut c = config();
            c.jitter_seed = seed;
            let mut h = Harness::new(c);
            for _ in 0..=refusal {
                h.wire.clear();
                h.events.clear();
                if h.client.poll_timeout().is_some() {
                    h.advance_to_deadline();
                }
                reject(&mut h, "Unauthorized: TypeError: fetch failed");
            }
            delays.extend(h.scheduled_delays());
        }
        assert_eq!(delays.len(), 400);
        assert!(
            delays.iter().all(|d| (1..=window).contains(d)),
            "{delays:?}"
        );
        // Each quarter of the window gets about a quarter of the clients.
        for q in 0..4 {
            let n = delays
                .iter()
                .filter(|d| (q * window / 4..(q + 1) * window / 4).contains(&(**d - 1)))
                .count();
            assert!(
                (70..=130).contains(&n),
                "quarter {q} of {window} ms: {n} of 400"
            );
        }
    }
}

#[test]
fn a_refusal_after_a_long_wait_widens_the_window_and_its_cap() {
    // The realtime server gave up on the web server after 10 s (its queue): the
    // window starts at that wait, doubling, capped at REFUSED_WAIT_MAX; without
    // jitter, the middle of the window.
    let mut c = config();
    c.randomization_factor = 0.0;
    let mut h = Harness::new(c);
    let mut delays = Vec::new();
    for _ in 0..5 {
        let id = h.open_polling(HANDSHAKE);
        assert_eq!(h.sent(), vec!["40/site,"]);
        h.advance(10_000);
        h.reply_get(id, r#"44/site,{"message":"Unauthorized: TimeoutError: The operation was aborted due to timeout"}"#);
        delays.extend(h.scheduled_delays());
        h.events.clear();
        h.wire.clear();
        h.advance_to_deadline();
    }
    assert_eq!(delays, vec![5_000, 10_000, 20_000, 40_000, 60_000]);
    assert_eq!(REFUSED_WAIT_MAX, Duration(120_000));
}

#[test]
fn other_rejections_and_disabled_reconnection_are_not_retried() {
    let mut h = Harness::new(config());
    reject(&mut h, "No cookie transmitted.");
    assert_eq!(h.client.state(), State::Failed);
    let mut c = config();
    c.reconnection = false;
    let mut h = Harness::new(c);
    reject(&mut h, "Unauthorized: TypeError: fetch failed");
    assert_eq!(h.client.state(), State::Failed);
    assert_eq!(h.client.poll_timeout(), None);
}
