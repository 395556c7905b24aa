//! Scenarios: the quick first retry after a lost connection (`first_retry_delay`),
//! on virtual time. After a connection that was up for `HEALTHY` is lost, the
//! first retry waits `first_retry_delay` (when shorter than `reconnection_delay`),
//! the ones after it `reconnection_delay`, doubling; a failed first connection
//! keeps socket.io-client's delays (a connection lost sooner: tests/scenario_retry.rs).

mod support;

use frappe_realtime::protocol::backoff::Backoff;
use frappe_realtime::protocol::client::{
    ConnectErrorKind, DisconnectReason, Event, State, TransportId, HEALTHY,
};
use frappe_realtime::protocol::config::ClientConfig;
use frappe_realtime::protocol::time::{Duration, Instant};
use support::*;

/// Without jitter, so that every delay is exact.
fn exact() -> ClientConfig {
    let mut c = config();
    c.randomization_factor = 0.0;
    c
}

/// What a transport error on an attempt's GET reports.
fn poll_error() -> Event {
    Event::ConnectError {
        kind: ConnectErrorKind::Transport,
        message: "xhr poll error".into(),
        data: String::new(),
    }
}

/// Waits for the scheduled attempt, then fails it by a transport error on its first GET.
fn fail_next_attempt(h: &mut Harness) {
    h.advance_to_deadline();
    let id = h.pending_get().expect("an attempt in flight");
    h.fail_transport(id);
    h.wire.clear();
}

/// Waits for the scheduled attempt and lets it connect with socket id `sid`; the
/// connection then stays up `HEALTHY`.
fn succeed_next_attempt(h: &mut Harness, sid: &str) -> u32 {
    h.advance_to_deadline();
    let id = h.pending_get().expect("an attempt in flight");
    h.reply_get(id, HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.reply_get(id, &format!(r#"40/site,{{"sid":"{sid}"}}"#));
    assert!(h.client.connected());
    h.advance(HEALTHY.0);
    id
}

/// Connects with socket id `sid`, and stays up `HEALTHY` (the clock is then at 5 s).
fn healthy(h: &mut Harness, sid: &str) -> TransportId {
    let id = h.connected(sid);
    h.advance(HEALTHY.0);
    id
}

#[test]
fn a_lost_connection_is_retried_after_first_retry_delay_then_with_the_usual_backoff() {
    let mut h = Harness::new(exact());
    let id = healthy(&mut h, "s1");
    h.fail_transport(id);
    assert_eq!(
        h.take_events(),
        vec![
            Event::Disconnect {
                reason: DisconnectReason::TransportError
            },
            Event::ReconnectScheduled {
                attempt: 1,
                delay: Duration(250),
                at: Instant(5250)
            }
        ]
    );
    h.wire.clear();
    h.advance(249);
    assert!(h.pending_get().is_none(), "not before 250 ms");
    h.advance(1);
    let id = h.pending_get().expect("the quick retry at 250 ms");
    assert_eq!(
        h.take_events(),
        vec![Event::ReconnectAttempt { attempt: 1 }]
    );
    // The quick retry fails: the usual backoff follows, from reconnection_delay.
    h.fail_transport(id);
    assert_eq!(
        h.take_events(),
        vec![
            poll_error(),
            Event::ReconnectScheduled {
                attempt: 2,
                delay: Duration(1000),
                at: Instant(6250)
            }
        ]
    );
    fail_next_attempt(&mut h);
    assert_eq!(
        h.events.last(),
        Some(&Event::ReconnectScheduled {
            attempt: 3,
            delay: Duration(2000),
            at: Instant(8250)
        })
    );
    for _ in 0..3 {
        fail_next_attempt(&mut h);
    }
    assert_eq!(h.scheduled_delays(), vec![2000, 4000, 5000, 5000]);
}

/// Ends a connected session in one way.
type Lose = fn(&mut Harness, TransportId);

#[test]
fn every_lost_connection_gets_the_quick_retry_but_a_server_disconnect_none() {
    let lose: [(&str, Lose); 4] = [
        ("transport error", |h, id| h.fail_transport(id)),
        ("transport close", |h, id| {
            h.wire.clear();
            h.client.handle_transport_closed(h.now, id, false);
            h.pump();
        }),
        ("engine close packet", |h, id| h.reply_get(id, "1")),
        ("ping timeout", |h, _| h.advance(45_000)),
    ];
    for (what, lose) in lose {
        let mut h = Harness::new(exact());
        let id = healthy(&mut h, "s");
        lose(&mut h, id);
        assert_eq!(h.scheduled_delays(), vec![250], "{what}: {:?}", h.events);
    }
    // `io server disconnect`: no reconnect at all, quick or not.
    let mut h = Harness::new(exact());
    let id = healthy(&mut h, "s");
    h.reply_get(id, "41/site,");
    assert_eq!(h.client.state(), State::Idle);
    assert_eq!(h.client.poll_timeout(), None);
    assert!(h.scheduled_delays().is_empty());
}

#[test]
fn the_first_retry_is_at_most_reconnection_delay() {
    // reconnection_delay 100 < first_retry_delay 250: the first retry waits
    // 100 and the sequence is socket.io-client's.
    let mut c = exact();
    c.reconnection_delay = Duration(100);
    let mut h = Harness::new(c);
    let id = healthy(&mut h, "s");
    h.fail_transport(id);
    assert_eq!(
        h.events.last(),
        Some(&Event::ReconnectScheduled {
            attempt: 1,
            delay: Duration(100),
            at: Instant(5100)
        })
    );
    fail_next_attempt(&mut h);
    fail_next_attempt(&mut h);
    assert_eq!(h.scheduled_delays(), vec![100, 200, 400]);
}

#[test]
fn first_retry_delay_equal_to_reconnection_delay_gives_socket_io_client_timing() {
    let mut c = exact();
    c.first_retry_delay = c.reconnection_delay;
    let mut h = Harness::new(c);
    let id = healthy(&mut h, "s");
    h.fail_transport(id);
    for _ in 0..3 {
        fail_next_attempt(&mut h);
    }
    assert_eq!(h.scheduled_delays(), vec![1000, 2000, 4000, 5000]);
}

#[test]
fn a_failed_first_connection_waits_reconnection_delay() {
    let mut h = Harness::new(exact());
    h.connect();
    let id = h.pending_get().unwrap();
    h.fail_transport(id);
    assert_eq!(
        h.events.last(),
        Some(&Event::ReconnectScheduled {
            attempt: 1,
            delay: Duration(1000),
            at: Instant(1000)
        })
    );
    fail_next_attempt(&mut h);
    assert_eq!(h.scheduled_delays(), vec![1000, 2000]);

    // Nor after `disconnect()` and `connect()` while a quick retry was pending:
    // `connect` starts over as a first connection.
    let mut h = Harness::new(exact());
    let id = healthy(&mut h, "s");
    h.fail_transport(id);
    assert_eq!(h.scheduled_delays(), vec![250]);
    h.client.disconnect(h.now);
    h.events.clear();
    h.wire.clear();
    h.connect();
    let id = h.pending_get().unwrap();
    h.fail_transport(id);
    assert_eq!(h.scheduled_delays(), vec![1000]);
}

#[test]
fn the_quick_retry_applies_again_after_each_lost_connection() {
    let mut h = Harness::new(exact());
    let id = healthy(&mut h, "s1");
    h.fail_transport(id);
    fail_next_attempt(&mut h); // the quick retry fails
    let id = succeed_next_attempt(&mut h, "s2");
    assert!(has(&h.events, |e| *e == Event::Reconnect { attempt: 2 }));
    h.fail_transport(id); // lost again
    fail_next_attempt(&mut h);
    assert_eq!(h.scheduled_delays(), vec![250, 1000, 250, 1000]);
    // Again after a quick retry that succeeded.
    let id = succeed_next_attempt(&mut h, "s3");
    h.events.clear();
    h.fail_transport(id);
    assert_eq!(h.scheduled_delays(), vec![250]);
}

#[test]
fn the_quick_retry_is_spread_over_its_band() {
    // Default factor 0.5: the first retry lies in [125, 375], the next in [500, 1500].
    let mut firsts = Vec::new();
    for seed in 0..200 {
        let mut c = config();
        c.jitter_seed = seed;
        let mut h = Harness::new(c);
        let id = healthy(&mut h, "s");
        h.fail_transport(id);
        fail_next_attempt(&mut h);
        let d = h.scheduled_delays();
        assert!((125..=375).contains(&d[0]), "seed {seed}: first {}", d[0]);
        assert!((500..=1500).contains(&d[1]), "seed {seed}: second {}", d[1]);
        firsts.push(d[0]);
    }
    firsts.sort_unstable();
    firsts.dedup();
    assert!(
        firsts.len() > 100,
        "only {} distinct first delays",
        firsts.len()
    );
}

/// Exact delays, no probes: only the counted attempts go out.
fn counted_only(attempts: u32) -> ClientConfig {
    let mut c = exact();
    c.probe = false;
    c.reconnection_attempts = Some(attempts);
    c
}

#[test]
fn the_quick_retry_is_not_counted_against_reconnection_attempts() {
    let mut h = Harness::new(counted_only(1));
    let id = healthy(&mut h, "s");
    h.fail_transport(id);
    assert_eq!(h.scheduled_delays(), vec![250]);
    h.events.clear();
    fail_next_attempt(&mut h);
    assert_eq!(
        h.take_events(),
        vec![
            Event::ReconnectAttempt { attempt: 1 },
            poll_error(),
            Event::ReconnectScheduled {
                attempt: 2,
                delay: Duration(1000),
                at: Instant(6250)
            }
        ]
    );
    // The one attempt the application allowed, at socket.io-client's first delay.
    fail_next_attempt(&mut h);
    assert_eq!(
        h.take_events(),
        vec![
            Event::ReconnectAttempt { attempt: 2 },
            poll_error(),
            Event::ReconnectFailed
        ]
    );
    assert_eq!(h.client.state(), State::Idle);
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn reconnection_attempts_span_socket_io_client_delays_after_the_quick_retry() {
    // CRM's and Helpdesk's `reconnectionAttempts: 5`: socket.io-client tries after 1, 2,
    // 4, 5 and 5 s (17 s); here the same five after the quick retry, the last one
    // 17.25 s after the loss, not 12.25 s (the quick retry counted until stop 52:
    // docs/retry-policy.md, "Stop 52").
    let mut h = Harness::new(counted_only(5));
    let id = healthy(&mut h, "s");
    let lost = h.now;
    h.fail_transport(id);
    for _ in 0..6 {
        fail_next_attempt(&mut h);
    }
    assert_eq!(
        h.scheduled_delays(),
        vec![250, 1000, 2000, 4000, 5000, 5000]
    );
    assert_eq!(h.events.last(), Some(&Event::ReconnectFailed));
    assert_eq!(h.now.saturating_since(lost), Duration(17_250));
}

#[test]
fn backoff_after_connection_lost_prepends_the_quick_delay() {
    let mut b = Backoff::new(Duration(1000), Duration(5000), 0.0, 1);
    b.after_connection_lost(Duration(250));
    let d: Vec<u64> = (0..5).map(|_| b.next_delay().as_millis()).collect();
    assert_eq!(d, vec![250, 1000, 2000, 4000, 5000]);
    assert_eq!(b.attempts(), 5, "the quick delay counts as an attempt");
    b.reset();
    assert_eq!(b.next_delay(), Duration(1000), "reset: no quick delay");
    // Not shorter than the usual first delay: the usual sequence.
    b.after_connection_lost(Duration(1000));
    let d: Vec<u64> = (0..3).map(|_| b.next_delay().as_millis()).collect();
    assert_eq!(d, vec![1000, 2000, 4000]);
}
